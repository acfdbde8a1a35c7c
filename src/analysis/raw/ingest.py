"""`analysis ingest`: validate a raw export against the raw spec and pass on typed tables.

Any hard problem stops here with DataError (one line per problem, nothing written). Otherwise
the output folder gets one <form>.parquet per form, data_issues.csv (soft findings),
reconciliation.csv (every record read is either passed on or set aside with a reason; records
a data cut changed are counted too) and cut_log.csv (each record a data cut removed or
changed; header only without a cutoff).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import DataError
from analysis.raw.cut_changes import CHANGE_REASONS, apply_changes, cut_changes
from analysis.raw.cut_log import cut_log_table, changed_rows, removed_rows
from analysis.raw.cutoff import REASONS, parse_cutoff, set_aside_reasons, subjects_ended_by_cutoff
from analysis.raw.outputs import (issues_table, reconciliation_table, write_csv, write_folder,
                                  write_parquet)
from analysis.raw.tables import typed_table
from analysis.raw.validate import validate
from analysis.specs import Study

ISSUES_FILE = "data_issues.csv"
RECON_FILE = "reconciliation.csv"
CUT_LOG_FILE = "cut_log.csv"


@dataclass
class Ingested:
    tables: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    reconciliation: pd.DataFrame
    cut_log: pd.DataFrame


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
    tables, counts, log = {}, [], []
    sc = checked.context
    ended = subjects_ended_by_cutoff(checked.forms, sc)
    for name, fd in checked.forms.items():
        reasons = set_aside_reasons(fd, sc, ended)
        changes = cut_changes(fd, sc, reasons == "")
        tables[name] = apply_changes(typed_table(fd, reasons == ""), changes)
        removed, changed = removed_rows(fd, sc, reasons), changed_rows(fd, changes)
        log += [removed, changed]
        aside = {r: int((reasons == r).sum()) for r in REASONS}
        counts.append((name, fd.form.file, fd.n, aside, changed["REASON"].value_counts().to_dict()))
    form_of_file = {f.file: name for name, f in study.forms.items()}
    result = Ingested(tables, issues_table(checked.soft(), form_of_file), reconciliation_table(counts),
                      cut_log_table(log))
    writers = {f"{name}.parquet": (lambda p, df=df: write_parquet(df, p)) for name, df in tables.items()}
    writers[ISSUES_FILE] = lambda p: write_csv(result.issues, p)
    writers[RECON_FILE] = lambda p: write_csv(result.reconciliation, p)
    writers[CUT_LOG_FILE] = lambda p: write_csv(result.cut_log, p)
    write_folder(out_dir, writers)
    for line in ingest_summary(result, raw_dir, out_dir):
        print(line)
    return result


def ingest_summary(result: Ingested, raw_dir, out_dir) -> list[str]:
    """The few lines a user reads after a run: forms, records, set aside, soft issues."""
    recon = result.reconciliation.set_index(["FORM", "STATUS", "REASON"])["RECORDS"]
    total = recon.loc["TOTAL"]
    aside = [f"{reason}: {total[('set aside', reason)]:,}" for reason in REASONS]
    changed = [f"{reason}: {total[('changed', reason)]:,}" for reason in CHANGE_REASONS]
    by_rule = result.issues["RULE"].value_counts().sort_index()
    rules = ", ".join(f"{rule} {n:,}" for rule, n in by_rule.items()) or "none"
    return [
        f"ingest: {len(result.tables)} forms read from {raw_dir}: {total[('read', '')]:,} records",
        f"ingest: {total[('passed on', '')]:,} records passed on, "
        f"{sum(total[('set aside', r)] for r in REASONS):,} set aside ({'; '.join(aside)})",
        f"ingest: {sum(total[('changed', r)] for r in CHANGE_REASONS):,} records changed at the data cutoff "
        f"({'; '.join(changed)}), each listed in {Path(out_dir) / CUT_LOG_FILE}",
        f"ingest: {len(result.issues):,} soft data issues ({rules}) in {Path(out_dir) / ISSUES_FILE}",
    ]
