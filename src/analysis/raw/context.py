"""What the rules look at: one form's text values (`FormData`) and the study-wide facts that
cross-form rules need (`StudyContext`: registry subjects, consent and infusion dates, cutoff).

Both cache what they compute, so ten rules asking for the same parsed column parse it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.raw import values as v
from analysis.specs import Column, Form, Study

# study.yaml does not name the forms that carry infusion and visit status, so they live here,
# in one place, with the columns the schedule rules read.
INFUSION_FORM = "infusions"
INFUSION_COLUMNS = {"number": "INFNUM", "given": "INFDONE", "date": "INFDAT"}
VISIT_FORM = "visits"
VISIT_COLUMNS = {"done": "VISDONE", "reason": "VISNDRSN"}
YES, NO = "Y", "N"


@dataclass
class FormData:
    """One form's records, all text, plus cached per-column readings.

    >>> from analysis.specs import load_study
    >>> form = load_study("specs/study.yaml").forms["ecog"]
    >>> fd = FormData(form, pd.DataFrame({"SUBJID": ["01-001"] * 2, "VISIT": ["SCREENING", "DAY 28"],
    ...                                   "ECOGDAT": ["2024-01-03", "2024-02-11"], "ECOG": ["1", "1.0"]}))
    >>> fd.well_formed("ECOG").tolist()
    [True, False]
    """

    form: Form
    df: pd.DataFrame
    subject_column: str = "SUBJID"
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.df)

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def distinct(self, col: str) -> v.Distinct:
        return self.cached(("distinct", col), lambda: v.Distinct.of(self.df[col]))

    def text(self, col: str) -> np.ndarray:
        return self.df[col].to_numpy(dtype=object)

    def subjects(self) -> np.ndarray:
        if self.subject_column not in self.df.columns:
            return np.full(self.n, "", dtype=object)
        return self.text(self.subject_column)

    def rows(self, col: str, per_value: np.ndarray) -> np.ndarray:
        """A per-distinct-value array of `col` spread over the records."""
        return self.distinct(col).expand(per_value)

    def present(self, col: str) -> np.ndarray:
        """Records where `col` is not empty (a blank ' ' is present: the rules judge it)."""
        return self.cached(("present", col), lambda: self.rows(col, self.distinct(col).values != ""))

    def blank(self, col: str) -> np.ndarray:
        """Records where `col` is empty or only blanks: what a required value must not be."""
        def make():
            u = self.distinct(col).series()
            return self.rows(col, u.str.strip().eq("").to_numpy(dtype=bool))
        return self.cached(("blank", col), make)

    def well_formed_values(self, col: str) -> np.ndarray:
        """Per distinct value: non-empty and valid for the column's type (dates: full or partial)."""
        return self.cached(("well_formed", col), lambda: _well_formed(self.form.column(col),
                                                                       self.distinct(col).values))

    def well_formed(self, col: str) -> np.ndarray:
        return self.rows(col, self.well_formed_values(col))

    def number_values(self, col: str) -> np.ndarray:
        """Per distinct value: its float if well-formed integer/number, else NaN."""
        return self.cached(("numbers", col), lambda: v.to_float(self.distinct(col).values,
                                                                 self.well_formed_values(col)))

    def numbers(self, col: str) -> np.ndarray:
        return self.rows(col, self.number_values(col))

    def date_bounds(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(earliest, latest) possible date of each record's value; NaT where it is not a date."""
        def make():
            lo, hi = v.date_bounds(self.distinct(col).values)
            return self.rows(col, lo), self.rows(col, hi)
        return self.cached(("dates", col), make)

    def full_dates(self, col: str) -> np.ndarray:
        """Complete dates only (partial or bad -> NaT)."""
        lo, hi = self.date_bounds(col)
        return np.where(lo == hi, lo, np.datetime64("NaT"))

    def combined(self, cols: list[str]) -> v.Distinct:
        """The records as codes into their distinct combinations of `cols`; `values` holds the
        position of the first record with each combination."""
        def make():
            codes = np.zeros(self.n, dtype=np.int64)
            for col in cols:
                d = self.distinct(col)
                codes, _ = pd.factorize(codes * (len(d.values) + 1) + d.codes)
            return v.Distinct(codes, np.unique(codes, return_index=True)[1])
        return self.cached(("combined", tuple(cols)), make)

    def first_of_combination(self, cols: list[str]) -> np.ndarray:
        """Position of the first record with the same values of `cols`, for every record."""
        c = self.combined(cols)
        return c.values[c.codes]


def _well_formed(column: Column, u: np.ndarray) -> np.ndarray:
    if column.type == "integer":
        return v.matches(u, v.INTEGER)
    if column.type == "number":
        return v.number_ok(u)
    if column.type in ("date", "partial_date"):
        return ~np.isnat(v.date_bounds(u)[0])
    if column.type == "time":
        return v.matches(u, v.TIME)
    return u != ""  # text and lab results (the lab rules judge results against the test)


@dataclass
class StudyContext:
    """Study-wide facts for the cross-form rules; a fact is None when the form it comes from
    could not be read or lacks columns (its own problems are reported, not cascaded)."""

    study: Study
    cutoff: np.datetime64 | None = None
    subjects: frozenset | None = None
    consent: pd.Series | None = None           # SUBJID -> consent date
    infusion_dates: pd.Series | None = None    # (SUBJID, infusion number) -> actual date

    @classmethod
    def build(cls, study: Study, usable: dict[str, FormData], cutoff: np.datetime64 | None) -> "StudyContext":
        ctx = cls(study=study, cutoff=cutoff)
        registry = usable.get(study.registry_form().form)
        if registry is not None:
            ctx.subjects = frozenset(registry.subjects())
            date_col = registry.form.date_column
            if date_col:
                dates = pd.Series(registry.full_dates(date_col), index=registry.subjects())
                ctx.consent = dates[~dates.index.duplicated()].dropna()
        infusions = usable.get(INFUSION_FORM)
        if infusions is not None:
            ctx.infusion_dates = _given_infusions(infusions)
        return ctx

    @cached_property
    def first_infusion(self) -> pd.Series | None:
        if self.infusion_dates is None:
            return None
        return self.infusion_dates.groupby(level=0).min()

    @cached_property
    def late_subjects(self) -> frozenset:
        """Subjects who consented after the data cutoff: set aside from every form."""
        if self.cutoff is None or self.consent is None:
            return frozenset()
        return frozenset(self.consent.index[self.consent.to_numpy() > self.cutoff])


def _given_infusions(fd: FormData) -> pd.Series:
    c = INFUSION_COLUMNS
    given = fd.text(c["given"]) == YES
    number = fd.numbers(c["number"])
    date = fd.full_dates(c["date"])
    keep = given & ~np.isnan(number) & ~np.isnat(date)
    index = pd.MultiIndex.from_arrays([fd.subjects()[keep], number[keep].astype(int)])
    dates = pd.Series(date[keep], index=index)
    return dates[~dates.index.duplicated()].sort_index()
