"""What ingest writes besides the tables: the data issues listing, the record reconciliation,
and the all-or-nothing folder write that puts them in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from analysis.errors import Problem
from analysis.fileio import replace_if_changed
from analysis.raw.cut_changes import CHANGE_REASONS
from analysis.raw.cutoff import REASONS

ISSUE_COLUMNS = ["FORM", "FILE", "ROW", "SUBJID", "COLUMN", "VALUE", "RULE", "MESSAGE"]
RECON_COLUMNS = ["FORM", "FILE", "STATUS", "REASON", "RECORDS"]
READ, PASSED_ON, SET_ASIDE, CHANGED = "read", "passed on", "set aside", "changed"
TOTAL = "TOTAL"


def issues_table(problems: list[Problem], form_of_file: dict[str, str]) -> pd.DataFrame:
    """Soft findings, one row each, in a fixed order (form, record, column, rule, message)."""
    df = pd.DataFrame({
        "FORM": [form_of_file[p.file] for p in problems],
        "FILE": [p.file for p in problems],
        "ROW": pd.array([p.row for p in problems], dtype="Int64"),
        "SUBJID": [p.subject for p in problems],
        "COLUMN": [p.column or "" for p in problems],
        "VALUE": [p.value for p in problems],
        "RULE": [p.rule for p in problems],
        "MESSAGE": [p.message for p in problems],
    }, columns=ISSUE_COLUMNS)
    return df.sort_values(["FORM", "ROW", "COLUMN", "RULE", "MESSAGE"], kind="stable",
                          na_position="first").reset_index(drop=True)


def reconciliation_table(counts: list[tuple]) -> pd.DataFrame:
    """Per form (name, file, records read, set aside by reason[, changed by reason]): read,
    passed on and each set-aside reason, in long format, so passed on + set aside = read; then
    the records passed on that a data cut changed, by reason (a subset of passed on); then the
    TOTAL."""
    rows = []
    totals = {READ: 0, PASSED_ON: 0, **{r: 0 for r in REASONS}, **{(CHANGED, r): 0 for r in CHANGE_REASONS}}
    for form, file, n_read, aside, *more in counts:
        changed = more[0] if more else {}
        passed = n_read - sum(aside.values())
        rows.append((form, file, READ, "", n_read))
        rows.append((form, file, PASSED_ON, "", passed))
        rows += [(form, file, SET_ASIDE, r, aside.get(r, 0)) for r in REASONS]
        rows += [(form, file, CHANGED, r, changed.get(r, 0)) for r in CHANGE_REASONS]
        totals[READ] += n_read
        totals[PASSED_ON] += passed
        for r in REASONS:
            totals[r] += aside.get(r, 0)
        for r in CHANGE_REASONS:
            totals[(CHANGED, r)] += changed.get(r, 0)
    rows.append((TOTAL, "", READ, "", totals[READ]))
    rows.append((TOTAL, "", PASSED_ON, "", totals[PASSED_ON]))
    rows += [(TOTAL, "", SET_ASIDE, r, totals[r]) for r in REASONS]
    rows += [(TOTAL, "", CHANGED, r, totals[(CHANGED, r)]) for r in CHANGE_REASONS]
    return pd.DataFrame(rows, columns=RECON_COLUMNS)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    # pyarrow writes no timestamps and a fixed creator string, so the same frame gives the
    # same bytes (tests/raw checks it); the pandas metadata keeps Int64/Float64/string dtypes.
    df.to_parquet(path, index=False, engine="pyarrow", compression="snappy")


def write_folder(out_dir: str | Path, writers: dict[str, Callable[[Path], None]]) -> None:
    """Write every file into a temporary sibling folder, then move them into `out_dir`; on any
    failure nothing new reaches `out_dir`.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> write_folder(out, {"a.csv": lambda p: p.write_text("A\\n")})
    >>> [p.name for p in out.iterdir()]
    ['a.csv']
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's private 0700 would stick when tmp becomes out_dir
    try:
        for name, write in writers.items():
            write(tmp / name)
        if not out_dir.exists():
            os.replace(tmp, out_dir)  # one rename: the folder appears complete or not at all
            return
        for f in sorted(tmp.iterdir()):
            replace_if_changed(f, out_dir / f.name)  # unchanged tables keep their time (fileio)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
