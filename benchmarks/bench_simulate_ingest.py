"""Benchmark: wall time and peak memory of `analysis simulate` and `analysis ingest`.

Run on purpose (not part of the tests):

    python benchmarks/bench_simulate_ingest.py [--sizes 6 300 1000] [--work DIR]

Each step runs in its own process (as Snakemake would run it), which records its own peak
RSS; results are appended to benchmarks/results/simulate_ingest.csv with the core count.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "simulate_ingest.csv"


def run(argv: list[str]) -> tuple[float, float]:
    """Run `analysis <argv>` in a fresh process; return (wall seconds, its peak RSS in MiB)."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", rss.name, *argv], check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        return wall, float(Path(rss.name).read_text()) / 1024


def child(rss_file: str, argv: list[str]) -> None:
    """Child mode: run the command, then record this process's own peak RSS (KiB)."""
    from analysis.cli import main as analysis_main

    code = analysis_main(argv)
    Path(rss_file).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    sys.exit(code)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[6, 300, 1000])
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-"))
    rows = []
    for n in sorted(args.sizes):
        raw, out = work / f"raw{n}", work / f"out{n}"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        sim_s, sim_mb = run(["simulate", "--seed", "26", "--subjects-per-cohort", str(n),
                                  "--out", str(raw), "--quiet", "--study", str(ROOT / "specs/study.yaml")])
        ing_s, ing_mb = run(["ingest", "--raw", str(raw), "--out", str(out),
                                  "--study", str(ROOT / "specs/study.yaml")])
        records = sum(max(0, sum(1 for _ in open(p, "rb")) - 1) for p in raw.glob("*.csv"))
        rows.append({"subjects_per_cohort": n, "csv_records": records,
                     "simulate_s": round(sim_s, 2), "simulate_peak_mib": round(sim_mb),
                     "ingest_s": round(ing_s, 2), "ingest_peak_mib": round(ing_mb),
                     "cores": os.cpu_count()})
        print(rows[-1], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.exists()
    with open(RESULTS, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
