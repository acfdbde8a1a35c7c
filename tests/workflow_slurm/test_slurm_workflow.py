"""The workflow on a real Slurm cluster: `snakemake --profile profiles/slurm` (executor `slurm`, job
status through squeue, no accounting database) gives the same bytes as a local run.

Needs a running Slurm and the snakemake-executor-plugin-slurm; `ci/slurm/start.sh` (root) brings
up a single-node cluster and `ci/slurm/stop.sh` stops it. The test is skipped, with the reason,
unless `sinfo` answers; with PIPELINE_SLURM_TEST=1 it never skips and fails if Slurm is not up.
It takes a few minutes: a tiny simulated study goes through the whole workflow twice.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "profiles" / "slurm"
# What a run of the workflow needs in its working directory. Both runs import `analysis` from the
# copied src/ (PYTHONPATH; Slurm jobs inherit the environment), so an edit to the checkout during
# the several minutes of the test cannot make the two runs differ. The package also copies
# src/analysis/**/*.py and pyproject.toml into m5.
WORKFLOW_FILES = ("Snakefile", "rules", "specs", "config", "report", "src", "pyproject.toml")
FORCED = os.environ.get("PIPELINE_SLURM_TEST") == "1"
TIMEOUT = 1800  # seconds per snakemake run (8-10 min measured on two cores shared with other work)

pytestmark = pytest.mark.e2e


def slurm_problem() -> str | None:
    """Why the workflow cannot run through Slurm here (plugin, client commands, a partition that is
    up with a node that is not down or drained), or None when it can."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed"
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "Slurm client commands (sinfo, sbatch) are not installed"
    try:
        done = subprocess.run(["sinfo", "--noheader", "--format=%a %D %t"], capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"sinfo failed: {exc}"
    if done.returncode != 0:
        return f"sinfo does not answer (no slurmctld?): {done.stderr.strip()}"
    usable = [line for line in done.stdout.splitlines()
              if line.split()[:1] == ["up"] and not re.search(r"down|drain|fail", line)]
    if not usable:
        return f"no partition is up with a usable node: {done.stdout.strip()!r}"
    return None


@pytest.fixture(scope="module")
def slurm_cluster():
    problem = slurm_problem()
    if problem is None:
        return
    if FORCED:
        pytest.fail(f"PIPELINE_SLURM_TEST=1 but Slurm is not usable: {problem} (run ci/slurm/start.sh as root)")
    pytest.skip(f"no Slurm cluster: {problem} (ci/slurm/start.sh starts one; PIPELINE_SLURM_TEST=1 forces the test)")


def run_env(workdir: Path) -> dict[str, str]:
    """The environment of the runs: `analysis` from workdir/src, no profile from SNAKEMAKE_PROFILE."""
    env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(workdir / "src"), env.get("PYTHONPATH")) if p)
    return env


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """One snakemake run in `workdir`."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(workdir / "Snakefile"),
           "--directory", str(workdir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=workdir, env=run_env(workdir))


def snapshot_files(root: Path) -> dict[str, bytes]:
    """Every file of a snapshot but the logs (they hold timings and host details), as in
    tests/test_workflow.py."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != "logs"}


def jobs_run(log: str) -> list[tuple[str, bool]]:
    """(rule name, ran locally) of every job a snakemake log announces, the target `all` excepted.

    >>> jobs_run("rule ingest:\\n    input: x\\nlocalrule all:\\nlocalcheckpoint sdtm:\\n")
    [('ingest', False), ('sdtm', True)]
    """
    found = re.findall(r"^(local)?(?:rule|checkpoint) (\w+):$", log, flags=re.MULTILINE)
    return sorted((name, bool(local)) for local, name in found if name != "all")


def submitted_slurm_jobs(log: str) -> list[str]:
    """Slurm job ids the executor reports for the jobs it submitted.

    >>> submitted_slurm_jobs("Job 3 has been submitted with SLURM jobid 41 (log: x/41.log).")
    ['41']
    """
    return re.findall(r"submitted with SLURM jobid (\d+)", log)


def test_workflow_through_slurm_gives_the_bytes_of_a_local_run(tmp_path, slurm_cluster):
    work = tmp_path / "work"
    work.mkdir()
    for name in WORKFLOW_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, work / name)
    raw = tmp_path / "raw"
    sim = subprocess.run([sys.executable, "-m", "analysis", "simulate", "--subjects-per-cohort", "1", "--seed", "11",
                          "--out", str(raw)], capture_output=True, text=True, cwd=work, env=run_env(work),
                         timeout=600)
    assert sim.returncode == 0, sim.stderr
    # Both runs write to the same output_dir (the manifest records the config, output_dir included);
    # the local snapshot is moved aside before the Slurm run.
    config = ["--config", f"raw_dir={raw}", f"output_dir={tmp_path / 'out'}"]

    local = snakemake(work, "--cores", "2", *config)
    assert local.returncode == 0, local.stdout[-3000:] + local.stderr[-5000:]
    (tmp_path / "out" / "full").rename(tmp_path / "local")

    slurm_logs = tmp_path / "slurm-logs"
    on_slurm = snakemake(work, "--profile", str(PROFILE), "--slurm-logdir", str(slurm_logs),
                         "--slurm-keep-successful-logs", *config)
    log = on_slurm.stdout + on_slurm.stderr
    assert on_slurm.returncode == 0, log[-8000:]

    # Slurm really ran the jobs: one Slurm job id per job, and the log Slurm wrote for each
    local_jobs, slurm_jobs = jobs_run(local.stdout + local.stderr), jobs_run(log)
    assert [name for name, _ in slurm_jobs] == [name for name, _ in local_jobs]
    remote = [name for name, ran_locally in slurm_jobs if not ran_locally]
    jobs = submitted_slurm_jobs(log)
    assert remote and len(set(jobs)) == len(jobs) == len(remote), (jobs, slurm_jobs)
    for job in jobs:
        found = list(slurm_logs.rglob(f"{job}.log"))
        assert len(found) == 1, f"no Slurm log for job {job} under {slurm_logs}"

    local_files, slurm_files = snapshot_files(tmp_path / "local"), snapshot_files(tmp_path / "out" / "full")
    assert sorted(slurm_files) == sorted(local_files)
    kinds = {".xpt", ".xml", ".rtf", ".html", ".pdf", ".png", ".svg", ".json"}
    assert {Path(name).suffix for name in local_files} >= kinds
    assert [name for name in local_files if local_files[name] != slurm_files[name]] == []
