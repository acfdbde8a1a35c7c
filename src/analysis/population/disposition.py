"""Subject disposition by treatment group and total, generic over ADSL.

Rows: screened (every ADSL row), screen failures (enrolled flag not Y; % of screened), enrolled,
enrolled but not in the population, the population itself ("dosed"), then end-of-study status
among the population: completed, discontinued with its reasons (optionally the "specify" text
under OTHER), ongoing (status blank or ONGOING). Percentages use the column's population N.

Screened, screen failures and enrolled are counted over the whole ADSL; the group columns count
subjects whose treatment value is that group (screen failures have none, so the screening rows
fill the Total column only). An ADSL without an enrolled flag (e.g. one holding randomised
subjects only) shows screen failures and enrolled as "not available" rather than guessing.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import TOTAL, analysis_groups, fmt_n_pct, require

from .demographics import as_text, category_levels

NOT_AVAILABLE = "not available"
STATUSES = ("COMPLETED", "DISCONTINUED", "ONGOING")


def end_of_study_status(values: pd.Series) -> pd.Series:
    """EOSSTT normalised: upper case, blank read as ONGOING; other values are a UserError.

    >>> end_of_study_status(pd.Series(["Completed", "", "DISCONTINUED"])).tolist()
    ['COMPLETED', 'ONGOING', 'DISCONTINUED']
    """
    status = as_text(values).str.upper().replace("", "ONGOING")
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise UserError(f"ADSL: {values.name or 'EOSSTT'} has value(s) {', '.join(unknown)}; "
                        f"expected {', '.join(STATUSES)} or blank")
    return status


def disposition_table(adsl: pd.DataFrame, *, treatment: str = "TRT01A",
                      population: str = "SAFFL", enrolled_flag: str | None = "ENRLFL",
                      require_enrolled_flag: bool = False, status: str = "EOSSTT",
                      reason: str = "DCSREAS", reason_specify: str | None = None,
                      other_reason: str = "OTHER", levels: list[str] | None = None,
                      total: bool = True, labels: dict[str, str] | None = None,
                      analysis_id: str = "disposition",
                      title: str = "Subject Disposition") -> TableResult:
    """Disposition table of `adsl` by `treatment`; see the module doc for the rows.

    `enrolled_flag` absent from ADSL gives "not available" rows, unless `require_enrolled_flag`
    (then it is a UserError). `reason_specify` (e.g. DCSREASP) lists the specify text of the
    reason `other_reason` beneath it.

    >>> adsl = pd.DataFrame({"USUBJID": list("1234"), "TRT01A": ["A", "A", "B", ""],
    ...                      "SAFFL": ["Y", "Y", "Y", "N"], "ENRLFL": ["Y", "Y", "Y", "N"],
    ...                      "EOSSTT": ["COMPLETED", "DISCONTINUED", "", "DISCONTINUED"],
    ...                      "DCSREAS": ["", "DEATH", "", "SCREEN FAILURE"]})
    >>> t = disposition_table(adsl).table
    >>> for row in t.values.tolist():
    ...     print(" | ".join(row))
    Screened |  |  | 4
    Screen failures |  |  | 1 (25.0)
    Enrolled | 2 | 1 | 3
    Enrolled, not in population (SAFFL not Y) | 0 | 0 | 0
    Population (SAFFL = Y) | 2 (100.0) | 1 (100.0) | 3 (100.0)
    Completed | 1 (50.0) | 0 | 1 (33.3)
    Discontinued | 1 (50.0) | 0 | 1 (33.3)
      DEATH | 1 (50.0) | 0 | 1 (33.3)
    Ongoing | 0 | 1 (100.0) | 1 (33.3)
    """
    labels = labels or {}
    adsl = adsl.reset_index(drop=True)  # masks below are aligned on a unique index
    require(adsl, ["USUBJID", status, reason] + ([reason_specify] if reason_specify else []), "ADSL")
    has_enrolled = bool(enrolled_flag) and enrolled_flag in adsl.columns
    if enrolled_flag and not has_enrolled and require_enrolled_flag:
        raise UserError(f"ADSL: enrolled flag {enrolled_flag} not found")
    groups = analysis_groups(adsl, treatment, population=population, levels=levels, total=total)
    in_pop = adsl.index.isin(groups.subjects.index)
    enrolled = as_text(adsl[enrolled_flag]) == "Y" if has_enrolled else None
    if has_enrolled and (in_pop & ~enrolled).any():
        ids = ", ".join(adsl.loc[in_pop & ~enrolled, "USUBJID"].astype(str).head(5))
        raise UserError(f"ADSL: subject(s) with {population} = Y but {enrolled_flag} not Y (e.g. {ids})")
    counter = _Counter(groups, adsl, ArdRows(analysis_id))
    for col in groups.columns():
        counter.ard.add("N", groups.n[col], group1=groups.treatment, group1_level=col)

    rows = [counter.total_only("Screened", "SCREENED", len(adsl))]
    if has_enrolled:
        rows.append(counter.total_only("Screen failures", "SCREEN FAILURE", int((~enrolled).sum()),
                                       denominator=len(adsl)))
        rows.append(counter.over_adsl("Enrolled", "ENROLLED", enrolled))
        rows.append(counter.over_adsl(f"Enrolled, not in population ({population} not Y)",
                                      "ENROLLED NOT IN POPULATION", enrolled & ~in_pop))
    else:
        rows.append(counter.not_available("Screen failures", "SCREEN FAILURE", total_only=True))
        rows.append(counter.not_available("Enrolled", "ENROLLED"))
    rows.append(counter.in_population(f"Population ({population} = Y)",
                                      pd.Series(True, index=groups.subjects.index),
                                      "DISPOSITION", "POPULATION"))
    rows += _status_rows(counter, groups.subjects, status, reason, reason_specify, other_reason)

    headers = ["Disposition"] + [groups.header(c) for c in groups.columns()]
    table = pd.DataFrame(rows, columns=headers, dtype=object)
    footnotes = _footnotes(groups, population, enrolled_flag, has_enrolled, counter)
    pop_label = labels.get(population)
    pop_text = f"{pop_label} ({population} = Y)" if pop_label else f"{population} = Y"
    return TableResult(analysis_id, title, table, counter.ard.frame(), footnotes, pop_text)


def _status_rows(counter, subjects, status, reason, reason_specify, other_reason) -> list[list[str]]:
    eos = end_of_study_status(subjects[status])
    reasons = as_text(subjects[reason])
    rows = [counter.in_population("Completed", eos == "COMPLETED", status, "COMPLETED"),
            counter.in_population("Discontinued", eos == "DISCONTINUED", status, "DISCONTINUED")]
    discontinued = eos == "DISCONTINUED"
    parent = {"group2": status, "group2_level": "DISCONTINUED"}
    order = category_levels(subjects[discontinued], reason)
    order = [r for r in order if r != other_reason] + [r for r in order if r == other_reason]
    for level in order:
        rows.append(counter.in_population(f"  {level}", discontinued & (reasons == level), reason,
                                          level, **parent))
        if reason_specify and level == other_reason:
            is_other = discontinued & (reasons == level)
            specify = as_text(subjects[reason_specify])
            for text in sorted(set(specify[is_other]), key=lambda t: (t == "", t)):  # unspecified last
                rows.append(counter.in_population(
                    f"    {text or 'Not specified'}", is_other & (specify == text), reason_specify,
                    text, group2=reason, group2_level=other_reason, missing=not text))
    no_reason = discontinued & (reasons == "")
    if no_reason.any():
        rows.append(counter.in_population("  Missing", no_reason, reason, "", missing=True, **parent))
    rows.append(counter.in_population("Ongoing", eos == "ONGOING", status, "ONGOING"))
    return rows


class _Counter:
    """Makes one display row and its ARD rows per call, all columns at once."""

    def __init__(self, groups, adsl, ard):
        self.groups, self.adsl, self.ard = groups, adsl, ard
        self.treatment_text = as_text(adsl[groups.treatment])
        self.total_only_counts: dict[str, int] = {}
        self.outside_groups: dict[str, int] = {}

    def _add(self, stat, value, col, variable, level, **kw):
        self.ard.add(stat, value, group1=self.groups.treatment, group1_level=col, variable=variable,
                     variable_level=level, **kw)

    def _blank_groups(self) -> list[str]:
        return [""] * len(self.groups.levels)

    def total_only(self, label, level, n, denominator=None) -> list[str]:
        self._add("n", n, TOTAL, "DISPOSITION", level)
        cell = str(n)
        if denominator is not None:
            self._add("N", denominator, TOTAL, "DISPOSITION", level)
            self._add("p", n / denominator if denominator else math.nan, TOTAL, "DISPOSITION", level)
            cell = fmt_n_pct(n, denominator)
        return [label] + self._blank_groups() + ([cell] if self.groups.total else [])

    def not_available(self, label, level, total_only=False) -> list[str]:
        self._add("n", None, TOTAL, "DISPOSITION", level, stat_label=f"n ({NOT_AVAILABLE})")
        if total_only:
            return [label] + self._blank_groups() + ([NOT_AVAILABLE] if self.groups.total else [])
        return [label] + [NOT_AVAILABLE] * len(self.groups.columns())

    def over_adsl(self, label, level, mask) -> list[str]:
        cells = []
        for col in self.groups.columns():
            member = mask if col == TOTAL else mask & (self.treatment_text == col)
            n = int(member.sum())
            self._add("n", n, col, "DISPOSITION", level)
            cells.append(str(n))
        in_groups = int((mask & self.treatment_text.isin(self.groups.levels)).sum())
        if int(mask.sum()) != in_groups:
            self.outside_groups[label] = int(mask.sum()) - in_groups
        return [label] + cells

    def in_population(self, label, mask, variable, level, group2="", group2_level="",
                      missing=False) -> list[str]:
        cells = []
        for col in self.groups.columns():
            n = int((mask & self.groups.members(col)).sum())
            big_n = self.groups.n[col]
            kw = {"group2": group2, "group2_level": group2_level}
            self._add("n_missing" if missing else "n", n, col, variable, level,
                      stat_label="Missing" if missing else None, **kw)
            self._add("p_missing" if missing else "p", n / big_n if big_n else math.nan, col,
                      variable, level, stat_label="% missing" if missing else None, **kw)
            cells.append(fmt_n_pct(n, big_n))
        return [label] + cells


def _footnotes(groups, population, enrolled_flag, has_enrolled, counter) -> list[str]:
    notes = [(f"Percentages use the number of subjects in the population ({population} = Y) of "
              "each column (N); screen failures use the number screened.")]
    notes.append("Screened and screen failures are counted in the Total column only; the "
                 f"group columns count subjects by {groups.treatment}.")
    if not has_enrolled:
        notes.append(f"ADSL has no enrolled flag{f' ({enrolled_flag})' if enrolled_flag else ''}: "
                     "screen failures and enrolled are not available; 'Screened' counts every "
                     "subject in ADSL, which may hold enrolled subjects only.")
    for label, n in counter.outside_groups.items():
        notes.append(f"{label}: {n} subject(s) without a {groups.treatment} group are counted in "
                     "the Total column only.")
    notes.append("Completed/Discontinued/Ongoing: end-of-study status of the population "
                 "(blank status counted as ongoing).")
    return notes
