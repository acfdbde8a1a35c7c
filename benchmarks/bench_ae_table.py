"""Benchmark: the SOC/PT adverse-event table on a synthetic ADSL/ADAE.

Run on purpose (not part of the tests):

    python benchmarks/bench_ae_table.py [--subjects 3000] [--events 30000] [--repeat 3]

Builds a seeded ADSL (3 dose groups, SAFFL = "Y") and ADAE (25 SOCs x 12 PTs with skewed term
frequencies, CTCAE grades, 5 % non-treatment-emergent), then times `prepare` + `ae_soc_pt`
(wall time, best of --repeat) and the max-grade table, and reads the process's peak RSS
(resource.ru_maxrss, which includes building the data). Results are appended to
benchmarks/results/ae_table.csv.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ae_table.csv"
LEVELS = ["UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"]


def synthetic(subjects: int, events: int, seed: int = 26):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = np.array([f"SYN-{i:06d}" for i in range(subjects)], dtype=object)
    arm = rng.integers(0, 3, subjects)
    start = 23000 + rng.integers(0, 365, subjects).astype(float)
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01A": np.array(LEVELS, dtype=object)[arm],
                         "TRT01AN": np.array([1.0, 2.0, 4.0])[arm], "SAFFL": "Y", "TRTSDT": start,
                         "EOSDT": start + rng.integers(30, 400, subjects)})
    socs = [f"SOC {s:02d}" for s in range(25)]
    terms = [(soc, f"{soc} PT {p:02d}") for soc in socs for p in range(12)]
    weight = 1.0 / np.arange(1, len(terms) + 1)  # a few common terms, a long tail
    pick = rng.choice(len(terms), size=events, p=weight / weight.sum())
    who = rng.integers(0, subjects, events)
    adae = pd.DataFrame({
        "USUBJID": ids[who], "TRT01A": adsl["TRT01A"].to_numpy()[who],
        "AEBODSYS": np.array([t[0] for t in terms], dtype=object)[pick],
        "AEDECOD": np.array([t[1] for t in terms], dtype=object)[pick],
        "ATOXGRN": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=events, p=[0.5, 0.3, 0.15, 0.04, 0.01]),
        "TRTEMFL": np.where(rng.random(events) < 0.95, "Y", ""),
        "ASTDT": start[who] + rng.integers(0, 300, events),
        "AESER": np.where(rng.random(events) < 0.05, "Y", "N"),
        "AREL": np.where(rng.random(events) < 0.3, "RELATED", "NOT RELATED")})
    return adsl, adae


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=3000)
    ap.add_argument("--events", type=int, default=30000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from analysis.safety import AeOptions, ae_soc_pt, ae_soc_pt_grade, prepare

    adsl, adae = synthetic(args.subjects, args.events)
    options = AeOptions(levels=tuple(LEVELS))
    soc_pt_s, grade_s = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        data = prepare(adsl, adae, options)
        result = ae_soc_pt(data)
        soc_pt_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        grade = ae_soc_pt_grade(data)
        grade_s.append(time.perf_counter() - t0)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {"subjects": args.subjects, "events": args.events, "table_rows": len(result.table),
           "ard_rows": len(result.ard), "soc_pt_s": round(min(soc_pt_s), 3),
           "grade_table_s": round(min(grade_s), 3), "grade_ard_rows": len(grade.ard),
           "peak_rss_mib": round(peak_mib), "cores": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)}
    print(row, flush=True)
    new = not RESULTS.exists()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row), lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow(row)


if __name__ == "__main__":
    main()
