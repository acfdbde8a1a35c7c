"""Benchmark: wall time and peak memory of `analysis adam` (and the ADaM validator).

Run on purpose (not part of the tests):

    python benchmarks/bench_adam.py [--sizes 6 1000] [--work DIR]

For each size the raw export is simulated, ingested and tabulated to SDTM first (not timed
here: see bench_simulate_ingest.py); then `analysis adam` and `analysis validate --standard
adam` each run in their own process, which records its peak RSS. Results are appended to
benchmarks/results/adam.csv with the core count and the ADaM record count.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate_ingest import child, run  # noqa: E402  (same child-process timing)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "adam.csv"


def adam_records(folder: Path) -> int:
    from analysis.xpt import read_xpt

    total = 0
    for f in sorted(folder.glob("*.xpt")):
        df = read_xpt(f)
        total += len(df[0] if isinstance(df, tuple) else df)
    return total


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[6, 1000])
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-adam-"))
    rows = []
    for n in sorted(args.sizes):
        raw, out = work / f"raw{n}", work / f"out{n}"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        run(["simulate", "--seed", "26", "--subjects-per-cohort", str(n), "--out", str(raw), "--quiet"])
        run(["ingest", "--raw", str(raw), "--out", str(out / "raw")])
        run(["sdtm", "--raw-tables", str(out / "raw"), "--out", str(out / "sdtm")])
        adam_s, adam_mb = run(["adam", "--sdtm", str(out / "sdtm"), "--out", str(out / "adam")])
        val_s, val_mb = run(["validate", str(out / "adam"), "--standard", "adam", "--specs", str(ROOT / "specs" / "adam"),
                             "--report", str(out / "conformance"), "--fail-on", "never"])
        row = {"subjects_per_cohort": n, "adam_records": adam_records(out / "adam"),
               "adam_s": round(adam_s, 2), "adam_peak_mib": round(adam_mb), "validate_s": round(val_s, 2),
               "validate_peak_mib": round(val_mb), "cores": os.cpu_count()}
        print(row, flush=True)
        rows.append(row)
    new = not RESULTS.exists()
    with open(RESULTS, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        if new:
            w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
