"""Data cutoff: what changes in the records a data cut keeps.

A record kept (its form date is on or before the cutoff) may still hold dates after it:
- an event or medication that ended after the cutoff was ongoing at the cut: its end date
  goes, its ongoing flag becomes Y, an AE's outcome becomes NOT RECOVERED/NOT RESOLVED and a
  fatal AE is no longer fatal (the death is after the cut);
- a subject enrolled after the cutoff (consented before it) was still in screening at the cut:
  enrolment flag, cohort and enrolment date are blanked (SDTM DM then has ARMNRS NOT ASSIGNED,
  neither enrolled nor a screen failure);
- any other date after the cutoff is blanked: nothing known only after the cut reaches the cut.
Dates are judged on their earliest possible day, as for removals: an end date 2024-10-UK is
after a 2024-09-30 cutoff; 2024-09-UK is not (it may be on or before it), and is kept; ADaM
then keeps its imputed end date at or before the cutoff.

Which forms carry end dates and ongoing flags is not in the raw spec, so it lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.raw.context import YES, NO, FormData, StudyContext

ENDED_AFTER = "end date after data cutoff -> ongoing"
ENROLLED_AFTER = "enrolled after data cutoff -> in screening"
DATE_AFTER = "date after data cutoff -> blank"
CHANGE_REASONS = (ENDED_AFTER, ENROLLED_AFTER, DATE_AFTER)
NOT_RESOLVED = "NOT RECOVERED/NOT RESOLVED"
FATAL = "FATAL"


@dataclass(frozen=True)
class OngoingAtCut:
    """The columns an ongoing-at-the-cut record changes: end date, ongoing flag, and for AEs the
    outcome and the serious criterion "results in death" (raw spec key `ongoing_at_cut`)."""
    end: str
    ongoing: str
    outcome: str | None = None
    death: str | None = None


def ongoing_at_cut_spec(form) -> OngoingAtCut | None:
    """The raw form spec's `ongoing_at_cut` columns, if the form has an end date.

    >>> from analysis.specs import load_study
    >>> ongoing_at_cut_spec(load_study("specs/study.yaml").forms["concomitant_meds"])
    OngoingAtCut(end='CMENDAT', ongoing='CMONGO', outcome=None, death=None)
    """
    return OngoingAtCut(**form.ongoing_at_cut) if form.ongoing_at_cut else None


@dataclass(frozen=True)
class Change:
    """New values for some records of one column; `trigger` is the date column that caused it."""
    rows: np.ndarray   # record positions in the form (0-based)
    column: str
    new: str           # "" = blank
    reason: str
    trigger: str


def after_cutoff(fd: FormData, sc: StudyContext, col: str) -> np.ndarray:
    """Records whose date in `col` is after the cutoff on its earliest possible day."""
    if sc.cutoff is None:
        return np.zeros(fd.n, dtype=bool)
    return fd.date_bounds(col)[0] > sc.cutoff


def ongoing_at_cutoff(fd: FormData, sc: StudyContext, kept: np.ndarray) -> list[Change]:
    """Kept records of a form with an end date (raw spec `ongoing_at_cut`) that ended after the cutoff.

    >>> from analysis.raw.cutoff import parse_cutoff
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> df = pd.DataFrame({c.name: [""] * 3 for c in study.forms["adverse_events"].columns})
    >>> df["AEENDAT"], df["AEONGO"] = ["2024-06-10", "2024-07-UK", "2024-06-UK"], ["N"] * 3
    >>> df["AEOUT"], df["AESDTH"] = ["RECOVERED/RESOLVED", "FATAL", "RECOVERED/RESOLVED"], ["", "Y", ""]
    >>> fd = FormData(study.forms["adverse_events"], df)
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-06-15"))
    >>> [(c.column, c.rows.tolist(), c.new) for c in ongoing_at_cutoff(fd, sc, np.ones(3, bool))]
    [('AEENDAT', [1], ''), ('AEONGO', [1], 'Y'), ('AEOUT', [1], 'NOT RECOVERED/NOT RESOLVED'), ('AESDTH', [1], 'N')]
    """
    spec = ongoing_at_cut_spec(fd.form)
    if spec is None or sc.cutoff is None:
        return []
    ended_after = kept & after_cutoff(fd, sc, spec.end)
    changes = [(spec.end, ended_after, ""), (spec.ongoing, ended_after & (fd.text(spec.ongoing) != YES), YES)]
    if spec.outcome:
        changes.append((spec.outcome, ended_after & (fd.text(spec.outcome) != NOT_RESOLVED), NOT_RESOLVED))
    if spec.death:
        changes.append((spec.death, ended_after & (fd.text(spec.death) == YES), NO))
    return [Change(np.flatnonzero(mask), col, new, ENDED_AFTER, spec.end)
            for col, mask, new in changes if mask.any()]


def enrolled_after_cutoff(fd: FormData, sc: StudyContext, kept: np.ndarray) -> list[Change]:
    """Subjects consented before the cutoff but enrolled after it: still in screening at the cut.

    >>> from analysis.raw.cutoff import parse_cutoff
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> df = pd.DataFrame({c.name: [""] * 2 for c in study.forms["enrolment"].columns})
    >>> df["ENROLLED"], df["COHORT"], df["ENRLDAT"] = ["Y", "Y"], ["1", "2"], ["2024-06-10", "2024-06-20"]
    >>> fd = FormData(study.forms["enrolment"], df)
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-06-15"))
    >>> [(c.column, c.rows.tolist(), c.new) for c in enrolled_after_cutoff(fd, sc, np.ones(2, bool))]
    [('ENRLDAT', [1], ''), ('ENROLLED', [1], ''), ('COHORT', [1], '')]
    """
    enrolled = fd.form.enrolled_at_cut
    if not enrolled or sc.cutoff is None:
        return []
    mask = kept & after_cutoff(fd, sc, enrolled["date"])
    if not mask.any():
        return []
    rows = np.flatnonzero(mask)
    return [Change(rows, col, "", ENROLLED_AFTER, enrolled["date"]) for col in (enrolled["date"], *enrolled["blank"])]


def later_dates_blanked(fd: FormData, sc: StudyContext, kept: np.ndarray) -> list[Change]:
    """Any other date of a kept record after the cutoff is blanked (the form date never is: such
    records are not kept; end dates are handled by `ongoing_at_cutoff`).

    >>> from analysis.raw.cutoff import parse_cutoff
    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> df = pd.DataFrame({c.name: [""] * 2 for c in study.forms["disposition"].columns})
    >>> df["DSDAT"], df["LSTALDAT"] = ["2024-06-01"] * 2, ["2024-06-01", "2024-06-20"]
    >>> fd = FormData(study.forms["disposition"], df)
    >>> sc = StudyContext(study, cutoff=parse_cutoff("2024-06-15"))
    >>> [(c.column, c.rows.tolist(), c.new) for c in later_dates_blanked(fd, sc, np.ones(2, bool))]
    [('LSTALDAT', [1], '')]
    """
    if sc.cutoff is None:
        return []
    spec = ongoing_at_cut_spec(fd.form)
    handled = {fd.form.date_column, spec.end if spec else None, (fd.form.enrolled_at_cut or {}).get("date")}
    out = []
    for c in fd.form.columns:
        if c.type not in ("date", "partial_date") or c.name in handled or c.identifier:
            continue
        mask = kept & after_cutoff(fd, sc, c.name)
        if mask.any():
            out.append(Change(np.flatnonzero(mask), c.name, "", DATE_AFTER, c.name))
    return out


def cut_changes(fd: FormData, sc: StudyContext, kept: np.ndarray) -> list[Change]:
    """Every change the cut makes to the kept records of one form, in a fixed order."""
    return ongoing_at_cutoff(fd, sc, kept) + enrolled_after_cutoff(fd, sc, kept) + later_dates_blanked(fd, sc, kept)


def apply_changes(table: pd.DataFrame, changes: list[Change]) -> pd.DataFrame:
    """Write the changes into a typed table (rows found by RAWROW = position + 1; "" -> <NA>).

    >>> t = pd.DataFrame({"RAWROW": [1, 3], "AEONGO": pd.array(["N", "N"], dtype="string")})
    >>> apply_changes(t, [Change(np.array([2]), "AEONGO", "Y", ENDED_AFTER, "AEENDAT")])["AEONGO"].tolist()
    ['N', 'Y']
    """
    if not changes:
        return table
    out = table.copy()
    where = pd.Series(np.arange(len(out)), index=out["RAWROW"].to_numpy())
    for ch in changes:
        at = where.reindex(ch.rows + 1).to_numpy()
        out.loc[out.index[at], ch.column] = pd.NA if ch.new == "" else ch.new
    return out
