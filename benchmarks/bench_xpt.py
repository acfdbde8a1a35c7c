"""Benchmark: writing a large SDTM-like XPT with the numpy writer and with pyreadstat.

Run on purpose (not part of the tests):

    python benchmarks/bench_xpt.py [--rows 1300000] [--engines numpy pyreadstat] [--work DIR]

The frame is an LB-like dataset of 33 columns (25 text, short and long, 8 numbers with
missing values), built from a fixed seed and sorted by its keys. Each engine writes it in its
own process. That process records the RSS holding the frame, then resets its peak-RSS counter
(Linux /proc/self/clear_refs, so building the frame does not count) and reads ru_maxrss after
the write: the peak while writing. Results are appended to benchmarks/results/xpt.csv with the
core count and the load average (other work on the machine slows both engines), and the
outputs' digests are compared.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "xpt.csv"


def lb_like(rows: int, seed: int = 26):
    """An LB-shaped frame: text columns as object arrays of str, numbers as float64."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)

    def pick(pool, p=None):
        return np.asarray(pool, dtype=object)[rng.choice(len(pool), rows, p=p)]

    def distinct(values):  # one str object per row, as a CSV or parquet read would give
        return np.asarray(values).astype(str).astype(object)

    subj = rng.integers(1, 3001, rows)
    result = np.round(rng.lognormal(3, 1.2, rows), 2)
    missing = rng.random(rows) < 0.05
    result[missing] = np.nan
    tests = ["ALT", "AST", "ALP", "GGT", "BILI", "BILDIR", "ALB", "INR", "PLAT", "CREAT", "SODIUM"]
    names = ["Alanine Aminotransferase", "Aspartate Aminotransferase", "Alkaline Phosphatase",
             "Gamma Glutamyl Transferase", "Bilirubin", "Direct Bilirubin", "Albumin",
             "Prothrombin Intl. Normalized Ratio", "Platelets", "Creatinine", "Sodium"]
    test = rng.integers(0, len(tests), rows)
    cols = {
        "STUDYID": pick(["NCT05948982"]),
        "DOMAIN": pick(["LB"]),
        "USUBJID": distinct(np.char.add("NCT05948982-", np.char.zfill(subj.astype(str), 4))),
        "LBSEQ": np.arange(1, rows + 1, dtype=float),
        "LBGRPID": pick(["", "1", "2"]),
        "LBREFID": distinct(rng.integers(10**8, 10**9, rows)),
        "LBSPID": pick(["", "CENTRAL", "LOCAL"]),
        "LBTESTCD": np.asarray(tests, dtype=object)[test],
        "LBTEST": np.asarray(names, dtype=object)[test],
        "LBCAT": pick(["CHEMISTRY", "HEMATOLOGY", "COAGULATION"]),
        "LBSCAT": pick(["", "LIVER FUNCTION", "RENAL FUNCTION"]),
        "LBORRES": np.where(missing, "", distinct(result)).astype(object),
        "LBORRESU": pick(["U/L", "umol/L", "g/L", "10^9/L", "mmol/L", ""]),
        "LBORNRLO": pick(["0", "5", "10", "3.5", ""]),
        "LBORNRHI": pick(["40", "45", "120", "5.2", ""]),
        "LBSTRESC": np.where(missing, "", distinct(result)).astype(object),
        "LBSTRESN": result,
        "LBSTRESU": pick(["U/L", "umol/L", "g/L", "10^9/L", "mmol/L", ""]),
        "LBSTNRLO": rng.choice([0.0, 5.0, 10.0, 3.5, np.nan], rows),
        "LBSTNRHI": rng.choice([40.0, 45.0, 120.0, 5.2, np.nan], rows),
        "LBNRIND": pick(["NORMAL", "HIGH", "LOW", ""], p=[0.7, 0.15, 0.1, 0.05]),
        "LBSTAT": np.where(missing, "NOT DONE", "").astype(object),
        "LBREASND": np.where(missing, "Sample haemolysed; not analysable by the lab", "").astype(object),
        "LBNAM": pick(["Central Laboratory Services Ltd", "Local hospital laboratory"]),
        "LBSPEC": pick(["SERUM", "PLASMA", "WHOLE BLOOD"]),
        "LBMETHOD": pick(["", "SPECTROPHOTOMETRY", "ION SELECTIVE ELECTRODE"]),
        "LBBLFL": pick(["", "Y"], p=[0.9, 0.1]),
        "LBFAST": pick(["", "Y", "N"]),
        "VISITNUM": rng.choice([1.0, 2.0, 3.0, 4.0, 99.0], rows),
        "VISIT": pick(["SCREENING", "BASELINE", "WEEK 4", "WEEK 12", "UNSCHEDULED"]),
        "EPOCH": pick(["SCREENING", "TREATMENT", "FOLLOW-UP"]),
        "LBDTC": distinct(np.datetime64("2024-01-01T08:00", "m") + rng.integers(0, 525600, rows)),
        "LBDY": rng.integers(-28, 400, rows).astype(float),
    }
    # sorted by its keys, as `conform` sorts every domain: rows no longer follow the order the
    # str objects were made in, so reading them jumps about memory as it does in the pipeline
    return pd.DataFrame(cols).sort_values(["STUDYID", "USUBJID", "LBTESTCD", "LBDTC"],
                                          kind="stable").reset_index(drop=True)


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (ru_maxrss) to its current RSS, where Linux allows it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(engine: str, rows: int, out: str, report: str) -> None:
    """Child mode: build the frame, write it with one engine, record time and RSS (KiB)."""
    from analysis.xpt import write_xpt

    df = lb_like(rows)
    gc.collect()
    frame = rss_kib()
    reset = reset_peak_rss()
    t0 = time.perf_counter()
    write_xpt(df, out, name="LB", label="Laboratory Test Results",
              column_labels={c: c.title() for c in df.columns}, engine=engine)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(report).write_text(json.dumps({"write_s": wall, "frame_kib": frame, "peak_kib": peak,
                                        "peak_reset": reset, "columns": df.shape[1]}))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_300_000)
    ap.add_argument("--engines", nargs="+", default=["numpy", "pyreadstat"])
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-xpt-"))
    work.mkdir(parents=True, exist_ok=True)
    rows, digests = [], {}
    for engine in args.engines:
        out, report = work / f"lb-{engine}.xpt", work / f"{engine}.json"
        load = os.getloadavg()[0]  # other work on the machine slows both engines
        subprocess.run([sys.executable, __file__, "--child", engine, str(args.rows), str(out), str(report)],
                       check=True)
        r = json.loads(report.read_text())
        digests[engine] = hashlib.sha256(out.read_bytes()).hexdigest()
        rows.append({"engine": engine, "rows": args.rows, "columns": r["columns"],
                     "write_s": round(r["write_s"], 2),
                     "frame_rss_mib": round(r["frame_kib"] / 1024),
                     "write_peak_mib": round(r["peak_kib"] / 1024),
                     "write_extra_mib": round((r["peak_kib"] - r["frame_kib"]) / 1024),
                     "peak_reset": r["peak_reset"],
                     "file_mib": round(out.stat().st_size / 2**20, 1),
                     "cores": os.cpu_count(), "load_avg_1m": round(load, 2)})
        print(rows[-1], flush=True)
    same = len(set(digests.values())) == 1
    for r in rows:
        r["identical_to_others"] = same if len(digests) > 1 else ""
    print("outputs byte-identical:", same if len(digests) > 1 else "n/a (one engine)")
    import pandas as pd

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(RESULTS, mode="a", header=not RESULTS.exists(), index=False,
                              lineterminator="\n")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
