"""Record and study rules: keys, subjects, visits, the schedule, consent and the data cutoff
(RAW016-RAW018, RAW020-RAW022, RAW025-RAW027).

Rules that need another form (the subject registry, the infusions) are skipped when that form
could not be read: its own problems are reported instead of a cascade here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.raw import cutoff
from analysis.raw import values as v
from analysis.raw.catalogue import HARD, ROW, SOFT, rule, show
from analysis.raw.context import VISIT_COLUMNS, VISIT_FORM, NO, FormData, StudyContext

DAY = np.timedelta64(1, "D")


def _iso(dates: np.ndarray) -> np.ndarray:
    return np.array([str(d)[:10] for d in dates], dtype=object)


@rule("RAW016", HARD, ROW, "No two records of a form share the same values of the form's keys.",
      "key {value} repeats row {first}")
def duplicate_key(r, fd: FormData, sc: StudyContext):
    keys = list(fd.form.keys)
    first = fd.first_of_combination(keys)
    rows = np.flatnonzero(first != np.arange(fd.n))
    parts = [fd.text(k)[rows] for k in keys]
    key = np.array([", ".join(f"{k}={x}" for k, x in zip(keys, vals)) for vals in zip(*parts)], dtype=object)
    return r.found(fd, rows, None, value=key, first=first[rows] + 1)


@rule("RAW017", HARD, ROW, "Every subject of every form is listed in the subject registry form.",
      "subject '{value}' is not in the subject registry ({registry})")
def unknown_subject(r, fd: FormData, sc: StudyContext):
    col = fd.subject_column
    if sc.subjects is None or fd.form.subject_registry or col not in fd.df.columns:
        return []
    d = fd.distinct(col)
    bad = (d.values != "") & ~v.isin(d.values, sc.subjects)
    return r.found(fd, d.expand(bad), col, registry=sc.study.registry_form().file)


@rule("RAW018", HARD, ROW, "A visit is a visit of the schedule in study.yaml or an unscheduled "
      "visit matching the study's unscheduled visit pattern.",
      "visit '{value}' is not in the visit schedule and does not match the unscheduled visit pattern {pattern}")
def unknown_visit(r, fd: FormData, sc: StudyContext):
    col = fd.form.visit_column
    if not col:
        return []
    d = fd.distinct(col)
    known = np.array([x == "" or sc.study.is_known_visit(x) for x in d.values], dtype=bool)
    return r.found(fd, d.expand(~known), col, pattern=sc.study.unscheduled_pattern.pattern)


@rule("RAW020", SOFT, ROW,
      "A scheduled visit's date lies in its window: for a visit tied to an infusion with an offset, "
      "days after that subject's actual infusion date (offset_window); otherwise the study day "
      "(Day 1 = first actual infusion, no Day 0) within `window`. Not checked for subjects with "
      "no infusion date.",
      "visit {visit} on {value} is {position}, outside its window ({window})")
def visit_out_of_window(r, fd: FormData, sc: StudyContext):
    visit_col, date_col = fd.form.visit_column, fd.form.date_column
    if not (visit_col and date_col) or sc.first_infusion is None:
        return []
    date = fd.full_dates(date_col)
    subjects = fd.subjects()
    first = pd.Series(sc.first_infusion).reindex(subjects).to_numpy(dtype="datetime64[ns]")
    delta = (date - first) / DAY
    study_day = delta + (delta >= 0)
    schedule = sc.study.visit_by_name
    d = fd.distinct(visit_col)
    window = np.array([schedule[x]["window"] if x in schedule else [np.nan, np.nan] for x in d.values], dtype=float)
    lo, hi = window[d.codes, 0], window[d.codes, 1]
    anchored, after, a_lo, a_hi = _anchored(fd, sc, subjects, date)
    with np.errstate(invalid="ignore"):
        by_day = ~anchored & ((study_day < lo) | (study_day > hi))
        by_offset = anchored & ((after < a_lo) | (after > a_hi))
    rows = np.flatnonzero(by_day | by_offset)
    visits = fd.text(visit_col)[rows]
    position, window_text = [], []
    for i, pos in enumerate(rows):
        if by_offset[pos]:
            v = schedule[visits[i]]
            position.append(f"{show(after[pos])} days after infusion {v['infusion']}")
            window_text.append(f"{show(a_lo[pos])} to {show(a_hi[pos])} days after infusion {v['infusion']}")
        else:
            position.append(f"study day {show(study_day[pos])}")
            window_text.append(f"study days {show(lo[pos])} to {show(hi[pos])}")
    return r.found(fd, rows, date_col, visit=visits, position=np.array(position, dtype=object),
                   window=np.array(window_text, dtype=object))


def _anchored(fd: FormData, sc: StudyContext, subjects: np.ndarray, date: np.ndarray):
    """For visits scheduled from an infusion (offset > 0) whose infusion the subject had: a mask,
    the days after that infusion, and the offset window. Other records fall back to the study
    day window."""
    schedule = sc.study.visit_by_name
    d = fd.distinct(fd.form.visit_column)
    spec = [schedule.get(x, {}) for x in d.values]
    infusion = np.array([s.get("infusion", 0) if s.get("offset", 0) > 0 else 0 for s in spec])[d.codes]
    offset_window = np.array([s.get("offset_window", [np.nan, np.nan]) for s in spec], dtype=float)
    anchor = np.full(fd.n, np.datetime64("NaT"), dtype="datetime64[ns]")
    tied = np.flatnonzero(infusion > 0)
    if len(tied):
        index = pd.MultiIndex.from_arrays([subjects[tied], infusion[tied]])
        anchor[tied] = sc.infusion_dates.reindex(index).to_numpy(dtype="datetime64[ns]")
    anchored = (infusion > 0) & ~np.isnat(anchor)
    after = (date - anchor) / DAY
    return anchored, after, offset_window[d.codes, 0], offset_window[d.codes, 1]


def _visits_form(fd: FormData) -> bool:
    return fd.form.form == VISIT_FORM and bool(fd.form.visit_column)


@rule("RAW021", SOFT, ROW, "A scheduled visit marked not done in the visits form (a missed visit).",
      "scheduled visit {visit} was not done (reason: {reason})")
def missed_visit(r, fd: FormData, sc: StudyContext):
    if not _visits_form(fd):
        return []
    visits = fd.text(fd.form.visit_column)
    rows = np.flatnonzero((fd.text(VISIT_COLUMNS["done"]) == NO) & v.isin(visits, sc.study.visit_by_name))
    reason = np.array([x or "none given" for x in fd.text(VISIT_COLUMNS["reason"])[rows]], dtype=object)
    return r.found(fd, rows, VISIT_COLUMNS["done"], visit=visits[rows], reason=reason)


@rule("RAW022", SOFT, ROW, "An unscheduled visit in the visits form.",
      "unscheduled visit '{value}'")
def unscheduled_visit(r, fd: FormData, sc: StudyContext):
    if not _visits_form(fd):
        return []
    col = fd.form.visit_column
    d = fd.distinct(col)
    unscheduled = np.array([x not in sc.study.visit_by_name and bool(sc.study.unscheduled_pattern.match(x))
                            for x in d.values], dtype=bool)
    return r.found(fd, d.expand(unscheduled), col)


@rule("RAW025", SOFT, ROW, "A record's date (the form's date column) is not before the subject's "
      "informed consent; a partial date is judged on its latest possible day. Forms whose records "
      "may start earlier (may_predate_consent: prior medications) are not checked.",
      "date {value} is before the subject's informed consent on {consent}")
def before_consent(r, fd: FormData, sc: StudyContext):
    date_col = fd.form.date_column
    if not date_col or sc.consent is None or fd.form.subject_registry or fd.form.may_predate_consent:
        return []
    consent = sc.consent.reindex(fd.subjects()).to_numpy(dtype="datetime64[ns]")
    latest = fd.date_bounds(date_col)[1]
    rows = np.flatnonzero(latest < consent)
    return r.found(fd, rows, date_col, consent=_iso(consent[rows]))


@rule("RAW026", SOFT, ROW, "A record dated after the data cutoff (partial dates: on their earliest "
      "possible day) is set aside from the data cut.",
      "date {value} is after the data cutoff {cutoff}; record set aside")
def after_cutoff(r, fd: FormData, sc: StudyContext):
    rows = cutoff.after_cutoff_rows(fd, sc)
    return r.found(fd, rows, fd.form.date_column, cutoff=str(sc.cutoff)[:10])


@rule("RAW027", SOFT, ROW, "All records of a subject who consented after the data cutoff are set "
      "aside from the data cut.",
      "subject {value} consented on {consent}, after the data cutoff {cutoff}; record set aside")
def late_subject(r, fd: FormData, sc: StudyContext):
    rows = np.flatnonzero(cutoff.late_subject_rows(fd, sc))
    consent = sc.consent.reindex(fd.subjects()[rows]).to_numpy(dtype="datetime64[ns]") if len(rows) else rows
    return r.found(fd, rows, fd.subject_column, consent=_iso(consent), cutoff=str(sc.cutoff)[:10])
