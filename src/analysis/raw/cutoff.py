"""Data cutoff: which records a data cut sets aside, and why.

A subject who consented after the cutoff is not part of the cut at all, so all of that
subject's records go; otherwise a record goes when its form's date is after the cutoff.
A partial date is judged on its earliest possible day: 2024-06-UK is kept for a cutoff of
2024-06-15, because it may be on or before it.

An undated record of a scheduled visit (a visit marked not done, an infusion not given) has
no date to judge, so it is judged on its planned date (see `not_yet_due_rows`): a visit that
was not yet due at the cutoff cannot have been missed by then. Records kept may still be
changed (end dates after the cutoff): see analysis.raw.cut_changes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.raw.context import FormData, StudyContext
from analysis.raw.values import isin

LATE_SUBJECT = "subject consented after data cutoff"
AFTER_CUTOFF = "after data cutoff"
NOT_DUE = "not yet due at data cutoff"
REASONS = (LATE_SUBJECT, AFTER_CUTOFF, NOT_DUE)  # a record set aside for several counts under the first
DAY = np.timedelta64(1, "D")


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


def planned_dates(fd: FormData, sc: StudyContext) -> np.ndarray:
    """Per record: the planned date of its scheduled visit, from the subject's infusions given on
    or before the cutoff (a visit tied to an infusion given by then: that infusion + offset;
    otherwise Day 1 + day - 1, no Day 0); NaT for unscheduled visits and for subjects with no
    infusion by the cutoff.

    >>> import pandas as pd
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> fd = FormData(study.forms["visits"], pd.DataFrame({"SUBJID": ["01-001"] * 3,
    ...     "VISIT": ["DAY 2", "WEEK 12", "DAY 58"], "VISDONE": ["N"] * 3, "VISDAT": [""] * 3, "VISNDRSN": ["OTHER"] * 3}))
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-03-31"), infusion_dates=pd.Series(pd.to_datetime(
    ...     ["2024-01-10", "2024-02-07", "2024-04-05"]), index=pd.MultiIndex.from_tuples([("01-001", k) for k in (1, 2, 3)])))
    >>> [str(d)[:10] for d in planned_dates(fd, sc)]  # infusion 3 is after the cut: Day 58 from Day 1
    ['2024-01-11', '2024-04-03', '2024-03-07']
    """
    nat = np.full(fd.n, np.datetime64("NaT"), dtype="datetime64[ns]")
    visit_col = fd.form.visit_column
    if not visit_col or sc.infusion_dates is None or sc.cutoff is None:
        return nat
    given = sc.infusion_dates[sc.infusion_dates.to_numpy() <= sc.cutoff]
    first = given.groupby(level=0).min()
    subjects = fd.subjects()
    schedule = sc.study.visit_by_name
    d = fd.distinct(visit_col)
    spec = [schedule.get(x) for x in d.values]
    day = np.array([s["day"] if s else np.nan for s in spec], dtype=float)[d.codes]
    infusion = np.array([s.get("infusion", 0) if s and s.get("offset", 0) > 0 else 0 for s in spec])[d.codes]
    offset = np.array([s.get("offset", 0) if s else 0 for s in spec], dtype=float)[d.codes]
    day_one = first.reindex(subjects).to_numpy(dtype="datetime64[ns]")
    shift = np.where(day >= 1, day - 1, day)
    out = day_one + np.where(np.isnan(shift), 0, shift).astype(int) * DAY
    out[np.isnan(day)] = np.datetime64("NaT")
    tied = np.flatnonzero(infusion > 0)
    if len(tied):
        index = pd.MultiIndex.from_arrays([subjects[tied], infusion[tied]])
        anchor = given.reindex(index).to_numpy(dtype="datetime64[ns]")
        out[tied] = np.where(np.isnat(anchor), out[tied], anchor + offset[tied].astype(int) * DAY)
    return out


def not_yet_due_rows(fd: FormData, sc: StudyContext, ended: frozenset = frozenset()) -> np.ndarray:
    """Undated records of scheduled visits on or after Day 1 that were not yet due at the cutoff:
    planned after it, or not plannable because no infusion was given by then. Subjects in
    `ended` (study ended on or before the cutoff) keep them: their schedule was over at the cut.

    >>> import pandas as pd
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> fd = FormData(study.forms["infusions"], pd.DataFrame({c.name: [""] * 2 for c in study.forms["infusions"].columns}))
    >>> fd.df["SUBJID"], fd.df["VISIT"], fd.df["INFDONE"] = ["01-001", "01-002"], ["DAY 57", "DAY 57"], ["N", "N"]
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-02-01"), infusion_dates=pd.Series(pd.to_datetime(
    ...     ["2024-01-10", "2023-10-01"]), index=pd.MultiIndex.from_tuples([("01-001", 1), ("01-002", 1)])))
    >>> not_yet_due_rows(fd, sc).tolist()   # 01-001's Day 57 is 2024-03-06; 01-002's was 2023-11-26
    [True, False]
    """
    date_col = fd.form.date_column
    if sc.cutoff is None or not date_col or not fd.form.visit_column:
        return np.zeros(fd.n, dtype=bool)
    schedule = sc.study.visit_by_name
    d = fd.distinct(fd.form.visit_column)
    on_treatment = d.expand(np.array([x in schedule and schedule[x]["day"] >= 1 for x in d.values], dtype=bool))
    undated = np.isnat(fd.date_bounds(date_col)[0])
    planned = planned_dates(fd, sc)
    due = ~np.isnat(planned) & (planned <= sc.cutoff)
    still_on = ~isin(fd.subjects(), ended)
    return undated & on_treatment & ~due & still_on & ~late_subject_rows(fd, sc)


DISPOSITION_FORM = "disposition"  # one record per subject who ended the study, dated (DSDAT)


def subjects_ended_by_cutoff(forms: dict[str, FormData], sc: StudyContext) -> frozenset:
    """Subjects whose end-of-study disposition is dated on or before the cutoff.

    >>> import pandas as pd
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> fd = FormData(study.forms["disposition"], pd.DataFrame({"SUBJID": ["01-001", "01-002"],
    ...     "DSSTAT": ["COMPLETED"] * 2, "DSDAT": ["2024-05-01", "2024-07-01"], "DSREAS": ["", ""],
    ...     "LSTALDAT": ["2024-05-01", "2024-07-01"]}))
    >>> sorted(subjects_ended_by_cutoff({"disposition": fd}, StudyContext(study, cutoff=parse_cutoff("2024-06-15"))))
    ['01-001']
    """
    fd = forms.get(DISPOSITION_FORM)
    if fd is None or sc.cutoff is None or not fd.form.date_column:
        return frozenset()
    ended = fd.full_dates(fd.form.date_column) <= sc.cutoff
    return frozenset(fd.subjects()[ended])


def set_aside_reasons(fd: FormData, sc: StudyContext, ended: frozenset = frozenset()) -> np.ndarray:
    """Per record: the reason it is set aside, or "" when it is passed on."""
    reasons = np.full(fd.n, "", dtype=object)
    reasons[not_yet_due_rows(fd, sc, ended)] = NOT_DUE
    reasons[after_cutoff_rows(fd, sc)] = AFTER_CUTOFF
    reasons[late_subject_rows(fd, sc)] = LATE_SUBJECT
    return reasons
