"""The cut log (raw/cut_log.csv): one row per record a data cut removed or changed.

Columns: FORM, FILE, ROW (record number in the raw file, = RAWROW), SUBJID, DATE_COLUMN and
DATE_VALUE (the date the rule judged: the consent date for a subject who consented after the
cut, the form date for a record after the cut, the planned date for a visit not yet due, the
end or other date for a change), ACTION (removed / changed), REASON, and for changes the
columns changed with their old and new values (CHANGED, OLD, NEW; "|" between columns, in the
same order). Sorted by FORM, ROW. Without a cutoff the log is empty (header only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.raw.context import FormData, StudyContext
from analysis.raw.cut_changes import Change
from analysis.raw.cutoff import AFTER_CUTOFF, LATE_SUBJECT, NOT_DUE, planned_dates

CUT_LOG_COLUMNS = ["FORM", "FILE", "ROW", "SUBJID", "DATE_COLUMN", "DATE_VALUE", "ACTION", "REASON",
                   "CHANGED", "OLD", "NEW"]
REMOVED, CHANGED = "removed", "changed"
SEPARATOR = "|"


def _iso(dates: np.ndarray) -> np.ndarray:
    return np.array(["" if np.isnat(d) else str(d)[:10] for d in dates], dtype=object)


def removed_rows(fd: FormData, sc: StudyContext, reasons: np.ndarray) -> pd.DataFrame:
    """One cut-log row per record set aside, with the date its reason was judged on.

    >>> from analysis.raw.cutoff import parse_cutoff
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> fd = FormData(study.forms["death"], pd.DataFrame({"SUBJID": ["01-001", "01-002"],
    ...     "DTHDAT": ["2024-05-01", "2024-07-01"], "DTHCAUS": ["X", "Y"], "AUTOPSY": ["N", "N"]}))
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-06-15"))
    >>> removed_rows(fd, sc, np.array(["", AFTER_CUTOFF], dtype=object))[["ROW", "DATE_VALUE", "ACTION"]].values.tolist()
    [[2, '2024-07-01', 'removed']]
    """
    rows = np.flatnonzero(reasons != "")
    date_col = fd.form.date_column or ""
    column = np.full(len(rows), date_col, dtype=object)
    value = fd.text(date_col)[rows] if date_col else np.full(len(rows), "", dtype=object)
    r = reasons[rows]
    if (r == LATE_SUBJECT).any() and sc.consent is not None:
        late = r == LATE_SUBJECT
        column[late] = sc.study.registry_form().date_column or ""
        value[late] = _iso(sc.consent.reindex(fd.subjects()[rows][late]).to_numpy(dtype="datetime64[ns]"))
    if (r == NOT_DUE).any():
        due = r == NOT_DUE
        column[due] = f"{date_col} (planned)"
        value[due] = _iso(planned_dates(fd, sc)[rows][due])
    return pd.DataFrame({"FORM": fd.form.form, "FILE": fd.form.file, "ROW": rows + 1,
                         "SUBJID": fd.subjects()[rows], "DATE_COLUMN": column, "DATE_VALUE": value,
                         "ACTION": REMOVED, "REASON": r, "CHANGED": "", "OLD": "", "NEW": ""},
                        columns=CUT_LOG_COLUMNS)


def changed_rows(fd: FormData, changes: list[Change]) -> pd.DataFrame:
    """One cut-log row per changed record, all its changed columns in one row.

    >>> from analysis.raw.cut_changes import ENDED_AFTER
    >>> from analysis.specs import load_study
    >>> form = load_study("specs/study.yaml").forms["concomitant_meds"]
    >>> df = pd.DataFrame({c.name: [""] for c in form.columns})
    >>> df["SUBJID"], df["CMONGO"], df["CMENDAT"] = ["01-001"], ["N"], ["2024-07-01"]
    >>> changes = [Change(np.array([0]), "CMENDAT", "", ENDED_AFTER, "CMENDAT"),
    ...            Change(np.array([0]), "CMONGO", "Y", ENDED_AFTER, "CMENDAT")]
    >>> changed_rows(FormData(form, df), changes)[["ROW", "CHANGED", "OLD", "NEW"]].values.tolist()
    [[1, 'CMENDAT|CMONGO', '2024-07-01|N', '|Y']]
    """
    per_row: dict[int, list] = {}
    for ch in changes:
        old = fd.text(ch.column)[ch.rows]
        for pos, before in zip(ch.rows.tolist(), old):
            per_row.setdefault(pos, []).append((ch, before))
    records = []
    for pos in sorted(per_row):
        items = per_row[pos]
        first = items[0][0]
        records.append({
            "FORM": fd.form.form, "FILE": fd.form.file, "ROW": pos + 1, "SUBJID": fd.subjects()[pos],
            "DATE_COLUMN": first.trigger, "DATE_VALUE": fd.text(first.trigger)[pos], "ACTION": CHANGED,
            "REASON": first.reason,  # a record changed for several reasons counts under the first
            "CHANGED": SEPARATOR.join(ch.column for ch, _ in items),
            "OLD": SEPARATOR.join(str(b) for _, b in items),
            "NEW": SEPARATOR.join(ch.new for ch, _ in items)})
    return pd.DataFrame(records, columns=CUT_LOG_COLUMNS)


def cut_log_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """All forms' rows in a fixed order (FORM, ROW); the header alone when nothing was cut."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CUT_LOG_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["FORM", "ROW"], kind="stable").reset_index(drop=True)
