"""`analysis ingest`: validate a raw export against the raw spec and pass on typed tables.

Any hard problem stops here with DataError (one line per problem, nothing written). Otherwise
the output folder gets one <form>.parquet per form, data_issues.csv (soft findings) and
reconciliation.csv (every record read is either passed on or set aside with a reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import DataError
from analysis.raw.cutoff import REASONS, parse_cutoff, set_aside_reasons
from analysis.raw.outputs import (issues_table, reconciliation_table, write_csv, write_folder,
                                  write_parquet)
from analysis.raw.tables import typed_table
from analysis.raw.validate import validate
from analysis.specs import Study

ISSUES_FILE = "data_issues.csv"
RECON_FILE = "reconciliation.csv"


@dataclass
class Ingested:
    tables: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    reconciliation: pd.DataFrame


def ingest(raw_dir: str | Path, study: Study, out_dir: str | Path, cutoff: str | None = None) -> Ingested:
    """Validate the raw export in `raw_dir` and write the validated tables to `out_dir`.

    >>> import tempfile
    >>> from analysis.specs import load_study
    >>> out = tempfile.mkdtemp() + "/raw"
    >>> result = ingest("data/raw", load_study("specs/study.yaml"), out)  # doctest: +ELLIPSIS
    ingest: 21 forms read from data/raw: ... records
    ...
    >>> result.tables["enrolment"].columns[0]
    'RAWROW'
    """
    checked = validate(raw_dir, study, parse_cutoff(cutoff))
    hard = checked.hard()
    if hard:
        raise DataError(hard)
    tables, counts = {}, []
    for name, fd in checked.forms.items():
        reasons = set_aside_reasons(fd, checked.context)
        tables[name] = typed_table(fd, reasons == "")
        aside = {r: int((reasons == r).sum()) for r in REASONS}
        counts.append((name, fd.form.file, fd.n, aside))
    form_of_file = {f.file: name for name, f in study.forms.items()}
    result = Ingested(tables, issues_table(checked.soft(), form_of_file), reconciliation_table(counts))
    writers = {f"{name}.parquet": (lambda p, df=df: write_parquet(df, p)) for name, df in tables.items()}
    writers[ISSUES_FILE] = lambda p: write_csv(result.issues, p)
    writers[RECON_FILE] = lambda p: write_csv(result.reconciliation, p)
    write_folder(out_dir, writers)
    for line in ingest_summary(result, raw_dir, out_dir):
        print(line)
    return result


def ingest_summary(result: Ingested, raw_dir, out_dir) -> list[str]:
    """The few lines a user reads after a run: forms, records, set aside, soft issues."""
    recon = result.reconciliation.set_index(["FORM", "STATUS", "REASON"])["RECORDS"]
    total = recon.loc["TOTAL"]
    aside = [f"{reason}: {total[('set aside', reason)]:,}" for reason in REASONS]
    by_rule = result.issues["RULE"].value_counts().sort_index()
    rules = ", ".join(f"{rule} {n:,}" for rule, n in by_rule.items()) or "none"
    return [
        f"ingest: {len(result.tables)} forms read from {raw_dir}: {total[('read', '')]:,} records",
        f"ingest: {total[('passed on', '')]:,} records passed on, "
        f"{sum(total[('set aside', r)] for r in REASONS):,} set aside ({'; '.join(aside)})",
        f"ingest: {len(result.issues):,} soft data issues ({rules}) in {Path(out_dir) / ISSUES_FILE}",
    ]
