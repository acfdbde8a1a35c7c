"""End to end: the Snakemake workflow on a tiny simulated study, as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e


def snakemake(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(ROOT), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    simulate(raw, seed=11, subjects_per_cohort=1, study_spec=ROOT / "specs" / "study.yaml", progress=False)
    return raw


def test_dry_run_lists_the_planned_jobs(tmp_path, tiny_export):
    run = snakemake("-n", "--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}")
    assert run.returncode == 0, run.stderr
    assert "ingest" in run.stdout and "all" in run.stdout


def test_workflow_runs_on_a_tiny_study_and_reruns_nothing(tmp_path, tiny_export):
    run = snakemake("--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}")
    assert run.returncode == 0, run.stderr
    snapshot = tmp_path / "full" / "raw"
    recon = pd.read_csv(snapshot / "reconciliation.csv")
    assert (snapshot / "enrolment.parquet").exists()
    assert (tmp_path / "full" / "logs" / "ingest.log").exists()
    enrolment = pd.read_parquet(snapshot / "enrolment.parquet")
    assert "INITIALS" not in enrolment.columns
    assert len(enrolment) == len(pd.read_csv(tiny_export / "enrolment.csv"))
    assert not recon.empty
    index = pd.read_csv(tmp_path / "full" / "tlf" / "index-safety.csv")
    assert {"ae_overview", "ae_soc_pt", "demographics", "disposition", "dlt_summary", "boin_mtd", "rp2d",
            "lab_shift_ctcae", "edish", "exposure"} <= set(index["analysis_id"])
    assert all((tmp_path / "full" / f).stat().st_size > 0 for f in index["file"])
    # one subject per cohort: the efficacy models cannot be fitted, and say so instead of failing
    for group, expected in (("efficacy", {"eff_desc_meld", "eff_mmrm_meld", "eff_ancova"}),
                            ("survival", {"tte_km_os", "tte_cif_ttltx", "tte_incidence"}),
                            ("cytokines", {"cyt_summary_il6", "cyt_auc", "cyt_model", "cyt_heatmap"})):
        index = pd.read_csv(tmp_path / "full" / "tlf" / f"index-{group}.csv")
        assert expected <= set(index["analysis_id"]), group
    assert "Model not fitted for MELD" in (tmp_path / "full" / "tlf" / "eff_mmrm_meld.md").read_text()
    again = snakemake("--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}")
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr


def jobs_run(log_text: str) -> list[str]:
    """`rule` or `rule(wildcards)` of every job a Snakemake run printed, sorted."""
    import re

    jobs = []
    for line in log_text.splitlines():
        m = re.match(r"^(?:local)?(?:rule|checkpoint) (\w+):", line)
        if m:
            jobs.append(m.group(1))
        m = re.match(r"^\s+wildcards: (.*)", line)
        if m and jobs:
            jobs[-1] = f"{jobs[-1].split('(')[0]}({m.group(1)})"
    return sorted(j for j in jobs if j != "all")


def test_a_changed_raw_form_reruns_only_the_jobs_that_read_it(tmp_path, tiny_export):
    """One SF-36 record fewer: ingest, SDTM and ADaM rerun (they read every form), but write only
    what changed (QS, ADQS), so of the analysis groups only efficacy reruns; then the jobs that
    read every dataset or output (define, validate, render, package, manifest)."""
    raw = tmp_path / "raw"
    shutil.copytree(tiny_export, raw)
    first = snakemake("--config", f"raw_dir={raw}", f"output_dir={tmp_path}")
    assert first.returncode == 0, first.stderr
    snapshot = tmp_path / "full"
    before = {p.name: p.stat().st_mtime_ns for p in [*(snapshot / "sdtm").glob("*.xpt"), *(snapshot / "adam").glob("*.xpt")]}
    sf36 = (raw / "sf36.csv").read_text().splitlines(keepends=True)
    (raw / "sf36.csv").write_text("".join(sf36[:-1]))
    again = snakemake("--config", f"raw_dir={raw}", f"output_dir={tmp_path}")
    assert again.returncode == 0, again.stderr
    ran = jobs_run(again.stdout + again.stderr)
    assert "analysis_outputs(group=efficacy)" in ran
    for group in ("safety", "survival", "cytokines", "design"):
        assert f"analysis_outputs(group={group})" not in ran, ran
    assert {"ingest", "sdtm", "adam", "render_tlfs", "package", "manifest"} <= set(ran)
    after = {p.name: p.stat().st_mtime_ns for p in [*(snapshot / "sdtm").glob("*.xpt"), *(snapshot / "adam").glob("*.xpt")]}
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == ["adqs.xpt", "qs.xpt"]


def test_a_dataset_deleted_by_hand_is_named_with_the_way_to_rebuild_it(tmp_path, tiny_export):
    """The datasets are not declared outputs (see rules/common.smk): a missing one stops the run
    with its name and the command that rebuilds it, and that command does."""
    config = ["--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}"]
    first = snakemake(*config, "--until", "adam")
    assert first.returncode == 0, first.stderr
    (tmp_path / "full" / "sdtm" / "lb.xpt").unlink()
    again = snakemake(*config, "--until", "adam")
    assert again.returncode != 0
    assert "sdtm/lb.xpt is missing" in again.stdout + again.stderr
    assert "snakemake --forcerun sdtm" in again.stdout + again.stderr
    rebuilt = snakemake(*config, "--until", "adam", "--forcerun", "sdtm")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (tmp_path / "full" / "sdtm" / "lb.xpt").exists()


def test_two_runs_give_byte_identical_snapshots(tmp_path, tiny_export):
    """Everything but the logs (which hold timings) is the same bytes on a second cold run:
    XPT, define.xml, RTF, HTML, PDF, PNG, SVG, Dataset-JSON, the package and the manifest."""
    out = tmp_path / "out"
    first = snakemake("--config", f"raw_dir={tiny_export}", f"output_dir={out}")
    assert first.returncode == 0, first.stderr
    (out / "full").rename(tmp_path / "first")
    second = snakemake("--config", f"raw_dir={tiny_export}", f"output_dir={out}")
    assert second.returncode == 0, second.stderr

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and p.relative_to(root).parts[0] != "logs"}

    a, b = files(tmp_path / "first"), files(out / "full")
    assert sorted(a) == sorted(b)
    assert {Path(name).suffix for name in a} >= {".xpt", ".xml", ".rtf", ".html", ".pdf", ".png", ".svg", ".json"}
    assert [name for name in a if a[name] != b[name]] == []
    verify = subprocess.run([sys.executable, "-m", "analysis", "verify", str(out / "full")],
                            capture_output=True, text=True, cwd=ROOT)
    assert verify.returncode == 0 and verify.stdout.startswith("OK"), verify.stdout + verify.stderr


def test_cutoff_writes_its_own_snapshot(tmp_path, tiny_export):
    run = snakemake("--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}", "cutoff=2024-06-30")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "cut-2024-06-30" / "raw" / "reconciliation.csv").exists()
    assert (tmp_path / "cut-2024-06-30" / "tlf" / "index-safety.csv").exists()
    assert not (tmp_path / "full").exists()


def test_bad_config_is_rejected_by_the_schema(tmp_path, tiny_export):
    run = snakemake("-n", "--config", f"raw_dir={tiny_export}", f"output_dir={tmp_path}", "cutoff=31/12/2024")
    assert run.returncode != 0
    assert "cutoff" in run.stdout + run.stderr


def test_bad_raw_file_stops_the_workflow_with_one_line_per_problem(tmp_path, tiny_export):
    raw = tmp_path / "raw"
    shutil.copytree(tiny_export, raw)
    enr = (raw / "enrolment.csv").read_text().splitlines()
    header = enr[0].split(",")
    row = enr[1].split(",")
    row[header.index("SEX")] = "X"
    enr[1] = ",".join(row)
    (raw / "enrolment.csv").write_text("\n".join(enr) + "\n")
    out = tmp_path / "out"
    run = snakemake("--config", f"raw_dir={raw}", f"output_dir={out}")
    assert run.returncode != 0
    text = run.stdout + run.stderr
    assert "enrolment.csv, row 1, column SEX" in text
    assert "Traceback" not in text
    assert not list((out / "full" / "raw").glob("*.parquet")) if (out / "full" / "raw").exists() else True
