"""Data cutoff: which records a data cut sets aside, and why.

A subject who consented after the cutoff is not part of the cut at all, so all of that
subject's records go; otherwise a record goes when its form's date is after the cutoff.
A partial date is judged on its earliest possible day: 2024-06-UK is kept for a cutoff of
2024-06-15, because it may be on or before it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from analysis.errors import UserError
from analysis.raw.context import FormData, StudyContext
from analysis.raw.values import isin

LATE_SUBJECT = "subject consented after data cutoff"
AFTER_CUTOFF = "after data cutoff"
REASONS = (LATE_SUBJECT, AFTER_CUTOFF)  # a record set aside for both counts under the first


def parse_cutoff(text: str | None) -> np.datetime64 | None:
    """'2024-06-30' -> numpy date; None or '' -> None (all data).

    >>> str(parse_cutoff("2024-06-30"))[:10]
    '2024-06-30'
    """
    if not text:
        return None
    try:
        return np.datetime64(dt.date.fromisoformat(str(text)), "ns")
    except ValueError:
        raise UserError(f"cutoff '{text}' is not a date YYYY-MM-DD") from None


def late_subject_rows(fd: FormData, sc: StudyContext) -> np.ndarray:
    if not sc.late_subjects or fd.subject_column not in fd.df.columns:
        return np.zeros(fd.n, dtype=bool)
    d = fd.distinct(fd.subject_column)
    return d.expand(isin(d.values, sc.late_subjects))


def after_cutoff_rows(fd: FormData, sc: StudyContext) -> np.ndarray:
    """Records dated after the cutoff, other than those of subjects set aside already."""
    date_col = fd.form.date_column
    if sc.cutoff is None or not date_col:
        return np.zeros(fd.n, dtype=bool)
    earliest = fd.date_bounds(date_col)[0]
    return (earliest > sc.cutoff) & ~late_subject_rows(fd, sc)


def set_aside_reasons(fd: FormData, sc: StudyContext) -> np.ndarray:
    """Per record: the reason it is set aside, or "" when it is passed on."""
    reasons = np.full(fd.n, "", dtype=object)
    reasons[after_cutoff_rows(fd, sc)] = AFTER_CUTOFF
    reasons[late_subject_rows(fd, sc)] = LATE_SUBJECT
    return reasons
