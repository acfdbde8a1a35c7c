"""DLT data per subject (ADSL + ADDLT) and the DLT summary table by dose cohort."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import (
    TOTAL,
    Groups,
    analysis_groups,
    fmt_n_pct,
    fmt_num,
    require,
)
from analysis.stats.proportions import clopper_pearson

from .spec import DoseFindingSpec

_FLAGS = {"Y": True, "N": False, "": False}


@dataclass(frozen=True)
class DltData:
    """Dosed subjects (the ADSL population) with their ADDLT record: columns USUBJID, _GROUP,
    _ORDER (enrolment order variable), _EVAL, _DLT (booleans), _NDLT, _REASON. ``groups`` holds the
    dose levels in escalation order; ``excluded`` ADDLT subjects outside the population;
    ``adsl_ids`` every ADSL subject (to tell "outside the population" from "unknown")."""

    subjects: pd.DataFrame
    groups: Groups
    excluded: list[str]
    spec: DoseFindingSpec
    adsl_ids: frozenset = frozenset()

    def counts(self) -> list[tuple[int, int]]:
        """Per dose level (escalation order): (DLT-evaluable n, subjects with a DLT)."""
        ev = self.subjects[self.subjects["_EVAL"]]
        return [(int((ev["_GROUP"] == lv).sum()), int(ev.loc[ev["_GROUP"] == lv, "_DLT"].sum()))
                for lv in self.groups.levels]

    def outcomes(self) -> list[list[int]]:
        """Per dose level: 0/1 DLT indicators of the evaluable subjects in enrolment order
        (order variable, then USUBJID)."""
        ev = self.subjects[self.subjects["_EVAL"]]
        if ev["_ORDER"].isna().any():
            ids = ", ".join(ev.loc[ev["_ORDER"].isna(), "USUBJID"].head(5))
            raise UserError(f"ADSL: {self.spec.order_variable} missing for DLT-evaluable subject(s) {ids}; "
                            "it orders enrolment for the 3+3 trail")
        ev = ev.sort_values(["_ORDER", "USUBJID"], kind="stable")
        return [ev.loc[ev["_GROUP"] == lv, "_DLT"].astype(int).tolist() for lv in self.groups.levels]


def _flag_column(df: pd.DataFrame, var: str, dataset: str) -> pd.Series:
    values = df[var].fillna("").astype(str).str.strip().str.upper()
    bad = sorted(set(values) - set(_FLAGS))
    if bad:
        raise UserError(f"{dataset}: {var} must be Y, N or blank, found {', '.join(bad)}")
    return values.map(_FLAGS).astype(bool)


def dlt_data(adsl: pd.DataFrame, addlt: pd.DataFrame, spec: DoseFindingSpec,
             treatment: str = "TRT01A", population: str | None = None) -> DltData:
    """Join the population's ADSL rows to ADDLT and check them against each other.

    Errors (never silent drops): ADDLT subjects missing from ADSL, population subjects without
    an ADDLT record, duplicate records, a DLT in a non-evaluable subject, DLT count disagreeing
    with the DLT flag, and ADSL's DLT/evaluability flags disagreeing with ADDLT's.

    >>> from analysis.dosefinding.spec import DoseFindingSpec
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01A": ["A", "A", "B"], "TRT01AN": [1, 1, 2],
    ...                      "SAFFL": ["Y", "Y", "Y"], "TRTSDT": [10, 12, 30]})
    >>> addlt = pd.DataFrame({"USUBJID": ["1", "2", "3"], "DLTEVLFL": ["Y", "N", "Y"],
    ...                       "DLTFL": ["Y", "N", "N"], "NDLT": [2, 0, 0]})
    >>> d = dlt_data(adsl, addlt, DoseFindingSpec())
    >>> d.counts(), d.outcomes()
    ([(1, 1), (1, 0)], [[1], [0]])
    """
    population = population or spec.population
    levels = [lab for _, lab in spec.dose_levels] or None
    groups = analysis_groups(adsl, treatment, population, levels=levels)
    _check_dose_values(groups, spec)
    require(addlt, ["USUBJID", spec.dlt_population, spec.dlt_flag], "ADDLT")
    if addlt["USUBJID"].duplicated().any():
        dup = ", ".join(addlt.loc[addlt["USUBJID"].duplicated(), "USUBJID"].astype(str).head(5))
        raise UserError(f"ADDLT: more than one record for subject(s) {dup}; expected one per dosed subject")
    unknown = sorted(set(addlt["USUBJID"]) - set(adsl["USUBJID"]))
    if unknown:
        raise UserError(f"ADDLT: subject(s) not in ADSL: {', '.join(map(str, unknown[:5]))}")
    pop_ids = set(groups.subjects["USUBJID"])
    missing = sorted(pop_ids - set(addlt["USUBJID"]))
    if missing:
        raise UserError(f"ADDLT: no record for {population} subject(s) {', '.join(missing[:5])}")
    excluded = sorted(set(addlt["USUBJID"]) - pop_ids)

    rec = addlt[addlt["USUBJID"].isin(pop_ids)].copy()
    rec["_EVAL"] = _flag_column(rec, spec.dlt_population, "ADDLT")
    rec["_DLT"] = _flag_column(rec, spec.dlt_flag, "ADDLT")
    if spec.dlt_count in rec.columns:
        ndlt = pd.to_numeric(rec[spec.dlt_count], errors="coerce")
        if ndlt.isna().any() or (ndlt < 0).any() or (ndlt % 1 != 0).any():
            raise UserError(f"ADDLT: {spec.dlt_count} must be a whole number >= 0 for every record")
        clash = rec.loc[(ndlt > 0) != rec["_DLT"], "USUBJID"]
        if len(clash):
            raise UserError(f"ADDLT: {spec.dlt_count} > 0 disagrees with {spec.dlt_flag} for subject(s) "
                            f"{', '.join(clash.astype(str).head(5))}")
        rec["_NDLT"] = ndlt.astype(int)
    else:
        rec["_NDLT"] = np.nan
    bad = rec.loc[rec["_DLT"] & ~rec["_EVAL"], "USUBJID"]
    if len(bad):
        raise UserError(f"ADDLT: subject(s) {', '.join(bad.astype(str).head(5))} have {spec.dlt_flag}=Y but "
                        f"{spec.dlt_population} not Y; a subject with a DLT is DLT-evaluable")
    reason = spec.not_evaluable_reason
    rec["_REASON"] = rec[reason].fillna("").astype(str).str.strip() if reason in rec.columns else ""
    subjects = groups.subjects.merge(rec[["USUBJID", "_EVAL", "_DLT", "_NDLT", "_REASON"]],
                                     on="USUBJID", how="left", validate="one_to_one")
    _check_adsl_agrees(subjects, spec)
    order = spec.order_variable
    subjects["_ORDER"] = pd.to_numeric(subjects[order], errors="coerce") if order in subjects.columns else np.nan
    return DltData(subjects, groups, excluded, spec, frozenset(adsl["USUBJID"]))


def _check_dose_values(groups: Groups, spec: DoseFindingSpec) -> None:
    if not spec.dose_levels or spec.dose_variable not in groups.subjects.columns:
        return
    expected = {lab: val for val, lab in spec.dose_levels}
    actual = pd.to_numeric(groups.subjects[spec.dose_variable], errors="coerce")
    wrong = groups.subjects.loc[actual != groups.subjects["_GROUP"].map(expected), "USUBJID"]
    if len(wrong):
        raise UserError(f"ADSL: {spec.dose_variable} disagrees with the dose_levels of the spec for subject(s) "
                        f"{', '.join(wrong.astype(str).head(5))}")


def _check_adsl_agrees(subjects: pd.DataFrame, spec: DoseFindingSpec) -> None:
    """ADSL may carry the same flags; two sources that disagree would give two answers."""
    for var, col in ((spec.dlt_flag, "_DLT"), (spec.dlt_population, "_EVAL")):
        if var in subjects.columns:
            adsl_flag = _flag_column(subjects, var, "ADSL")
            clash = subjects.loc[adsl_flag != subjects[col], "USUBJID"]
            if len(clash):
                raise UserError(f"ADSL: {var} disagrees with ADDLT for subject(s) {', '.join(clash.astype(str).head(5))}")


def _ci_text(lo: float, hi: float) -> str:
    if math.isnan(lo):
        return ""
    return f"({fmt_num(100 * lo, 1)}, {fmt_num(100 * hi, 1)})"


def dlt_summary(data: DltData, conf: float = 0.95) -> TableResult:
    """DLT summary by dose cohort and pooled: dosed, DLT-evaluable, not evaluable by reason,
    subjects with a DLT (n/N evaluable, %), Clopper-Pearson CI, and DLT events.

    >>> from analysis.dosefinding.spec import DoseFindingSpec
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "TRT01AN": [1, 1],
    ...                      "SAFFL": ["Y", "Y"], "TRTSDT": [1, 2]})
    >>> addlt = pd.DataFrame({"USUBJID": ["1", "2"], "DLTEVLFL": ["Y", "Y"], "DLTFL": ["Y", "N"],
    ...                       "NDLT": [1, 0]})
    >>> dlt_summary(dlt_data(adsl, addlt, DoseFindingSpec())).table.iloc[3].tolist()
    ['Subjects with DLT, n/N (%)', '1/2 (50.0)', '1/2 (50.0)']
    """
    spec, groups, subj = data.spec, data.groups, data.subjects
    ard = ArdRows("dlt_summary")
    g1 = groups.treatment
    reasons = sorted(set(subj.loc[~subj["_EVAL"], "_REASON"]))
    labels = ["Subjects dosed", "DLT-evaluable, n (%)", "Not DLT-evaluable, n (%)"]
    labels += [f"  {r or 'Reason not recorded'}" for r in reasons]
    labels += ["Subjects with DLT, n/N (%)", f"DLT rate {round(conf * 100)}% CI (Clopper-Pearson), %",
               "Number of DLT events"]
    table = {"": labels}
    for col in groups.columns():
        s = subj[column_mask(subj, col)]
        dosed, ev = len(s), int(s["_EVAL"].sum())
        y = int(s.loc[s["_EVAL"], "_DLT"].sum())
        lo, hi = clopper_pearson(y, ev, conf)
        events = s["_NDLT"].sum() if s["_NDLT"].notna().all() else math.nan
        kw = {"group1": g1, "group1_level": col}
        ard.add("N", dosed, variable=spec.population, variable_level="Y", stat_label="Subjects dosed", **kw)
        ard.add("n", ev, variable=spec.dlt_population, variable_level="Y", **kw)
        ard.add("p", _frac(ev, dosed), variable=spec.dlt_population, variable_level="Y",
                stat_label="proportion of dosed", **kw)
        ard.add("n", dosed - ev, variable=spec.dlt_population, variable_level="N", **kw)
        cells = [str(dosed), fmt_n_pct(ev, dosed), fmt_n_pct(dosed - ev, dosed)]
        for r in reasons:
            k = int(((~s["_EVAL"]) & (s["_REASON"] == r)).sum())
            ard.add("n", k, variable=spec.not_evaluable_reason, variable_level=r, **kw)
            cells.append(str(k))
        ard.add("n", y, variable=spec.dlt_flag, variable_level="Y", **kw)
        ard.add("N", ev, variable=spec.dlt_flag, variable_level="Y", stat_label="DLT-evaluable", **kw)
        ard.add("p", _frac(y, ev), variable=spec.dlt_flag, variable_level="Y", stat_label="proportion", **kw)
        ard.add("ci_lower", lo, variable=spec.dlt_flag, variable_level="Y", **kw)
        ard.add("ci_upper", hi, variable=spec.dlt_flag, variable_level="Y", **kw)
        ard.add("events", events, variable=spec.dlt_count, **kw)
        rate = f"{y}/{ev}" + (f" ({fmt_num(100 * y / ev, 1)})" if ev else "")
        cells += [rate, _ci_text(lo, hi), "" if math.isnan(events) else str(int(events))]
        table[groups.header(col)] = cells
    footnotes = [
        (f"Subjects dosed: {spec.population} = Y in ADSL; DLT-evaluable: {spec.dlt_population} = Y in ADDLT. "
        "Percentages of dosed subjects; the DLT rate is among DLT-evaluable subjects."),
        f"Exact (Clopper-Pearson) {round(conf * 100)}% confidence interval for the DLT rate.",
        f"DLT events: sum of {spec.dlt_count} (ADDLT) over the column's subjects.",
    ]
    if data.excluded:
        footnotes.append(f"{len(data.excluded)} ADDLT subject(s) outside the {spec.population} population "
                         f"excluded by design: {', '.join(data.excluded)}.")
    return TableResult("dlt_summary", "Dose-limiting toxicities by dose cohort", pd.DataFrame(table),
                       ard.frame(), footnotes, population=f"Safety ({spec.population} = Y)")


def column_mask(subjects: pd.DataFrame, column: str) -> pd.Series:
    """Rows of `subjects` (with `_GROUP`) in one display column; "Total" is everyone."""
    return pd.Series(True, index=subjects.index) if column == TOTAL else subjects["_GROUP"] == column


def _frac(k: int, n: int) -> float:
    return math.nan if n == 0 else k / n
