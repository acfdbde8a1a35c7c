"""Lab records of the analysis population, split into baseline and post-baseline.

Post-baseline (one definition for every lab-safety output): a record that is not the baseline
record (ABLFL != "Y") and has study day ADY > 1, i.e. ADT > TRTSDT. Day 1 samples are taken
before the first infusion and their times are not reliable enough to place them after it, so
the first day that is surely after an infusion is Day 2. Scheduled and unscheduled records
count alike (ANL01FL is not used: the worst value may be an unscheduled one). Derived records
(DTYPE not blank, e.g. LOCF or end-of-treatment copies) are not observations and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.efficacy.inputs import text
from analysis.errors import UserError
from analysis.stats.groups import Groups, require

POST_BASELINE_NOTE = ("Post-baseline = records after the day of the first infusion (ADY > 1, i.e. "
                      "ADT > TRTSDT; Day 1 samples are pre-infusion), scheduled and unscheduled, "
                      "excluding the baseline record (ABLFL = \"Y\").")


@dataclass(frozen=True)
class LabRecords:
    """Population lab records with `_GROUP` and the `_POST` (post-baseline) flag.

    `undated` counts non-baseline records without ADY (cannot be placed in time, not used);
    `derived` counts records with a non-blank DTYPE (not used)."""

    records: pd.DataFrame
    undated: int
    derived: int

    def notes(self) -> list[str]:
        out = []
        if self.undated:
            out.append(f"{self.undated} non-baseline record(s) without a study day (ADY) could not "
                       "be placed before or after the first infusion and are not used.")
        if self.derived:
            out.append(f"{self.derived} derived record(s) (DTYPE not blank) are not used.")
        return out


def check_subjects_known(adsl: pd.DataFrame, data: pd.DataFrame, dataset: str) -> None:
    """Every subject of an analysis dataset must be in ADSL: otherwise records would vanish."""
    # the distinct ids only: a million lab records come from a few thousand subjects
    unknown = sorted(set(text(pd.Series(pd.unique(data["USUBJID"]), dtype=object)))
                     - set(text(adsl["USUBJID"])))
    if unknown:
        raise UserError(f"{dataset}: {len(unknown)} subject(s) not in ADSL (e.g. "
                        f"{', '.join(unknown[:5])})")


def population_lab_records(adsl: pd.DataFrame, adlb: pd.DataFrame, groups: Groups,
                           paramcds: list[str], dataset: str = "ADLB") -> LabRecords:
    """ADLB records of `paramcds` for the subjects of `groups`, with `_GROUP` and `_POST`.

    >>> from analysis.stats.groups import analysis_groups
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "N"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "PARAMCD": ["ALT"] * 4,
    ...                      "ABLFL": ["Y", "", "", ""], "ADY": [-1, 1, 8, 8]})
    >>> lr = population_lab_records(adsl, adlb, analysis_groups(adsl, "TRT01A"), ["ALT"])
    >>> lr.records[["USUBJID", "ADY", "_POST"]].values.tolist()
    [['1', -1, False], ['1', 1, False], ['1', 8, True]]
    """
    require(adlb, ["USUBJID", "PARAMCD", "ABLFL", "ADY"], dataset)
    check_subjects_known(adsl, adlb, dataset)
    codes = text(adlb["PARAMCD"])
    present = set(codes)
    absent = [p for p in paramcds if p not in present]
    if absent:
        raise UserError(f"{dataset}: PARAMCD {', '.join(absent)} not found")
    # select the parameters first: the other records are never copied or stripped
    lb = adlb[codes.isin(paramcds).to_numpy()].copy()
    lb["USUBJID"] = text(lb["USUBJID"])
    lb["PARAMCD"] = text(lb["PARAMCD"])
    derived = 0
    if "DTYPE" in lb.columns:
        is_derived = text(lb["DTYPE"]) != ""
        derived = int(is_derived.sum())
        lb = lb[~is_derived]
    group_of = dict(zip(text(groups.subjects["USUBJID"]), groups.subjects["_GROUP"]))
    lb = lb[lb["USUBJID"].isin(group_of)].copy()
    lb["_GROUP"] = lb["USUBJID"].map(group_of)
    baseline = text(lb["ABLFL"]) == "Y"
    ady = pd.to_numeric(lb["ADY"], errors="coerce")
    undated = int((~baseline & ady.isna()).sum())
    lb["_POST"] = (~baseline & (ady > 1)).to_numpy(dtype=bool)
    lb["_BASE"] = baseline.to_numpy(dtype=bool)
    return LabRecords(lb.reset_index(drop=True), undated, derived)


def param_label(records: pd.DataFrame, paramcd: str, term_var: str | None = None) -> str:
    """PARAM of `paramcd` (PARAMCD itself when ADLB has no PARAM), plus the CTCAE term if given.

    >>> lb = pd.DataFrame({"PARAMCD": ["PLAT"], "PARAM": ["Platelets (10^9/L)"],
    ...                    "ATOXDSCL": ["Platelet count decreased"]})
    >>> param_label(lb, "PLAT", "ATOXDSCL")
    'Platelets (10^9/L): Platelet count decreased'
    """
    rows = records[text(records["PARAMCD"]) == paramcd]
    label = paramcd
    if "PARAM" in rows.columns:
        names = [v for v in text(rows["PARAM"]) if v]
        label = names[0] if names else paramcd
    if term_var and term_var in rows.columns:
        terms = [v for v in text(rows[term_var]) if v]
        if terms:
            label = f"{label}: {terms[0]}"
    return label


def signif(values, digits: int = 8):
    """Round to `digits` significant digits, so float noise (3 x 1.1) cannot flip a cut-off.

    >>> float(signif(3.3 / 1.1)) >= 3, float(signif(0.0))
    (True, 0.0)
    """
    arr = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(arr == 0, 0, np.floor(np.log10(np.abs(np.where(arr == 0, 1, arr)))))
    factor = 10.0 ** (digits - 1 - mag)
    out = np.round(arr * factor) / factor
    return out if out.ndim else out[()]
