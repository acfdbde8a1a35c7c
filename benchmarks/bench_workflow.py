"""Benchmark: the whole workflow against the one-process floor, and how it grows with study size.

Run on purpose (not part of the tests), from the repository root:

    python benchmarks/bench_workflow.py dag   [--work DIR]
    python benchmarks/bench_workflow.py scale [--sizes 6 100 300 1000] [--work DIR]

``dag`` on the embedded study (data/raw):
- floor: every command the workflow runs, taken from ``snakemake -n -p --forceall`` in its
  order, run one after the other inside ONE Python process (the stack imported once);
- cold: ``snakemake --cores 2`` into an empty output folder (wall, peak RSS of the largest job);
- no-op: the same command again (nothing to do);
- one form: a copy of the raw export with one SF-36 record removed; the jobs that rerun are
  listed (they should be those reading SF-36: ingest, SDTM, ADaM, the efficacy group, and the
  jobs reading every dataset or output: define/validate, render, package, manifest).
Appends to benchmarks/results/workflow.csv.

``scale`` simulates 3 x N subjects for each N and runs ``snakemake --cores 2`` cold on it,
recording wall time and peak RSS; the growth exponent between sizes is
log(t2/t1) / log(n2/n1). Appends to benchmarks/results/workflow_scale.csv.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def timed(cmd: list[str], log: Path) -> tuple[float, float]:
    """Run ``cmd`` under GNU time; (wall seconds, peak RSS MiB of the largest process)."""
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        done = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}; see {log}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log.read_text())
    return wall, int(rss.group(1)) / 1024 if rss else math.nan


def snakemake(raw: Path, out: Path, *extra: str) -> list[str]:
    return ["snakemake", "--cores", "2", "--config", f"raw_dir={raw}", f"output_dir={out}", *extra]


def workflow_commands(raw: Path, out: Path) -> list[list[str]]:
    """The `python -m analysis ...` commands of a full run, in the order Snakemake plans them."""
    plan = subprocess.run(snakemake(raw, out, "-n", "-p", "--forceall"), cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    commands = []
    for line in plan.splitlines():
        line = line.strip().removeprefix("Shell command: ")
        if line.startswith("python -m analysis "):
            commands.append(shlex.split(line.split(" 2>&1 | tee ")[0])[3:])
    if not commands:
        sys.exit("no `python -m analysis` commands found in the dry run")
    return commands


def floor(raw: Path, out: Path, log: Path) -> float:
    """Wall time of every workflow command in one process (one import of the stack)."""
    commands = workflow_commands(raw, out)
    script = ("import sys, json\nfrom analysis.cli import main\n"
              f"for argv in json.loads({__import__('json').dumps(__import__('json').dumps(commands))}):\n"
              "    code = main(argv)\n"
              "    if code: sys.exit(code)\n")
    shutil.rmtree(out, ignore_errors=True)
    wall, _ = timed([sys.executable, "-c", script], log)
    return wall


def jobs_run(log: Path) -> list[str]:
    """`rule (wildcards)` of every job a Snakemake log says it ran, sorted."""
    jobs, rule = [], None
    for line in log.read_text().splitlines():
        m = re.match(r"^(?:local)?(?:rule|checkpoint) (\w+):", line)
        if m:
            rule = m.group(1)
            jobs.append(rule)
        m = re.match(r"^\s+wildcards: (.*)", line)
        if m and rule and jobs and jobs[-1] == rule:
            jobs[-1] = f"{rule}({m.group(1)})"
    return sorted(j for j in jobs if j != "all")


def append(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row), lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow(row)


def drop_one_record(raw: Path, form_file: str = "sf36.csv") -> None:
    """Remove the last record of one form of a (scratch copy of a) raw export, in place."""
    lines = (raw / form_file).read_text().splitlines(keepends=True)
    (raw / form_file).write_text("".join(lines[:-1]))


def bench_dag(work: Path) -> None:
    raw, out = work / "raw", work / "out"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "raw", raw)
    floor_s = floor(raw, work / "floor", work / "floor.log")
    shutil.rmtree(out, ignore_errors=True)
    cold_s, cold_mib = timed(snakemake(raw, out), work / "cold.log")
    noop_s, _ = timed(snakemake(raw, out), work / "noop.log")
    drop_one_record(raw)
    form_s, _ = timed(snakemake(raw, out), work / "form.log")
    rerun = jobs_run(work / "form.log")
    row = {"study": "embedded", "cores": os.cpu_count(), "floor_s": round(floor_s, 1), "cold_s": round(cold_s, 1),
           "cold_over_floor": round(cold_s / floor_s, 2), "cold_peak_mib": round(cold_mib), "noop_s": round(noop_s, 2),
           "one_form_s": round(form_s, 1), "one_form_jobs": " ".join(rerun),
           "cold_jobs": len(jobs_run(work / "cold.log"))}
    print(row)
    append(RESULTS / "workflow.csv", row)


def bench_scale(work: Path, sizes: list[int]) -> None:
    previous = None
    for n in sorted(sizes):
        raw, out = work / f"raw{n}", work / f"out{n}"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "analysis", "simulate", "--subjects-per-cohort", str(n), "--seed", "26",
                        "--out", str(raw), "--quiet"], cwd=ROOT, check=True)
        wall, mib = timed(snakemake(raw, out), work / f"scale{n}.log")
        exponent = (math.log(wall / previous[1]) / math.log(n / previous[0])) if previous else math.nan
        row = {"subjects_per_cohort": n, "cores": os.cpu_count(), "wall_s": round(wall, 1), "peak_mib": round(mib),
               "growth_exponent_from_previous": "" if math.isnan(exponent) else round(exponent, 2)}
        print(row, flush=True)
        append(RESULTS / "workflow_scale.csv", row)
        previous = (n, wall)
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["dag", "scale"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[6, 100, 300, 1000])
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one, removed after)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-workflow-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.what == "dag":
        bench_dag(work)
    else:
        bench_scale(work, args.sizes)
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
