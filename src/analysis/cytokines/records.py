"""ADCYT records of the analysis population placed on the nominal schedule (cycle x nominal time).

A record is used by the by-time outputs when its subject is in the population, its PARAMCD is
requested, its (ATPTREF, AVISIT, ATPT) is in the spec's schedule, it is the analysis record of
its visit (ANL01FL = "Y") and AVAL is not missing. Everything else is counted, per PARAMCD and
reason, and reported in a footnote: nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from analysis.errors import UserError
from analysis.stats.groups import Groups, require

REQUIRED = ["USUBJID", "PARAMCD", "AVAL", "ATPTREF", "AVISIT", "ATPT", "ARELTM", "BLQFL", "R2CYCBS"]


def text(series: pd.Series) -> pd.Series:
    """Stripped text; missing -> "" (XPT blanks and NaN alike).

    >>> text(pd.Series([" DAY 1", None, float("nan")])).tolist()
    ['DAY 1', '', '']
    """
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


@dataclass
class CytokineRecords:
    """Scheduled analysis records (`data`) plus the counts of records left out, by PARAMCD:
    `outside` = not in the population, `unmapped` = Counter of (ATPTREF, AVISIT, ATPT) not in
    the schedule, `not_analysis` = analysis flag not "Y", `missing` = AVAL missing."""

    data: pd.DataFrame
    analysis_flag: str
    outside: Counter = field(default_factory=Counter)
    unmapped: dict = field(default_factory=dict)
    not_analysis: Counter = field(default_factory=Counter)
    missing: Counter = field(default_factory=Counter)

    def notes(self, paramcds: list[str]) -> list[str]:
        """Footnote lines counting the records of `paramcds` left out of the by-time outputs."""
        unmapped: Counter = Counter()
        for p in paramcds:
            unmapped.update(self.unmapped.get(p, Counter()))
        out = []
        if unmapped:
            parts = [f"{'/'.join(v or '(blank)' for v in key)}: {n}" for key, n in sorted(unmapped.items())]
            out.append(f"{sum(unmapped.values())} record(s) not on the nominal schedule (ATPTREF/AVISIT/ATPT; "
                       f"DAY -1, unscheduled or after the cycle's last scheduled sample) are not summarised: "
                       + "; ".join(parts) + ".")
        for counter, what in ((self.not_analysis, (f"{self.analysis_flag} not \"Y\" (not the analysis "
                                                  "record of their visit)")),
                              (self.missing, "missing AVAL"),
                              (self.outside, "of subjects outside the analysis population")):
            n = sum(counter.get(p, 0) for p in paramcds)
            if n:
                out.append(f"{n} scheduled record(s) with {what} are not summarised." if counter is not self.outside
                           else f"{n} record(s) {what} are not summarised.")
        return out


def cytokine_records(adcyt: pd.DataFrame, groups: Groups, schedule: pd.DataFrame, paramcds: list[str],
                     analysis_flag: str = "ANL01FL", dataset: str = "ADCYT") -> CytokineRecords:
    """Place the population's ADCYT records of `paramcds` on `schedule` (config.schedule_frame).

    >>> from analysis.stats.groups import analysis_groups
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRT01A": ["A"], "SAFFL": ["Y"]})
    >>> sched = pd.DataFrame({"ATPTREF": ["INFUSION 1"], "AVISIT": ["DAY 2"], "ATPT": [""], "TIME": ["24 h"],
    ...                       "NOMHRS": [24.0], "CYCLE": [1], "CYCLE_LABEL": ["Cycle 1"], "TIMEN": [2]})
    >>> adcyt = pd.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["IL6"] * 2, "AVAL": [5.0, 6.0],
    ...     "ATPTREF": ["INFUSION 1"] * 2, "AVISIT": ["DAY -1", "DAY 2"], "ATPT": ["", ""],
    ...     "ARELTM": [-25.0, 22.0], "BLQFL": ["", ""], "R2CYCBS": [1.0, 1.2], "ANL01FL": ["", "Y"]})
    >>> recs = cytokine_records(adcyt, analysis_groups(adsl, "TRT01A"), sched, ["IL6"])
    >>> recs.data[["TIME", "AVAL"]].values.tolist(), recs.notes(["IL6"])[0][:45]
    ([['24 h', 6.0]], '1 record(s) not on the nominal schedule (ATPT')
    """
    require(adcyt, REQUIRED + ([analysis_flag] if analysis_flag else []), dataset)
    # keep the requested PARAMCDs first: the *LN twins and other parameters (half of ADCYT or
    # more) are never copied or stripped
    paramcd = text(adcyt["PARAMCD"])
    absent = [p for p in paramcds if p not in set(paramcd.unique())]
    if absent:
        raise UserError(f"{dataset}: PARAMCD {', '.join(absent)} not found")
    wanted = paramcd.isin(paramcds)
    df = adcyt[wanted].copy()
    df["PARAMCD"] = paramcd[wanted]
    for col in ("USUBJID", "ATPTREF", "AVISIT", "ATPT", "BLQFL"):
        df[col] = text(df[col])
    group_of = dict(zip(text(groups.subjects["USUBJID"]), groups.subjects["_GROUP"]))
    inside = df["USUBJID"].isin(group_of)
    outside = Counter(df.loc[~inside, "PARAMCD"])
    df = df[inside].copy()
    df["_GROUP"] = df["USUBJID"].map(group_of)
    keys = ["ATPTREF", "AVISIT", "ATPT"]
    df = df.merge(schedule, on=keys, how="left", indicator=True)
    off = df["_merge"] == "left_only"
    unmapped = {p: Counter(map(tuple, g[keys].values.tolist())) for p, g in df[off].groupby("PARAMCD")}
    df = df[~off].drop(columns="_merge")
    not_analysis: Counter = Counter()
    if analysis_flag:
        flagged = text(df[analysis_flag]) == "Y"
        not_analysis = Counter(df.loc[~flagged, "PARAMCD"])
        df = df[flagged]
    df = df.assign(AVAL=pd.to_numeric(df["AVAL"], errors="coerce"),
                   ARELTM=pd.to_numeric(df["ARELTM"], errors="coerce"),
                   R2CYCBS=pd.to_numeric(df["R2CYCBS"], errors="coerce"))
    missing = Counter(df.loc[df["AVAL"].isna(), "PARAMCD"])
    df = df[df["AVAL"].notna()]
    dup = df.duplicated(["USUBJID", "PARAMCD", "CYCLE", "TIME"], keep=False)
    if dup.any():
        r = df[dup].iloc[0]
        raise UserError(f"{dataset}: subject {r['USUBJID']} {r['PARAMCD']} has {int(dup.sum())} records at "
                        f"{r['ATPTREF']} {r['TIME']}; {analysis_flag or 'an analysis flag'} must select one")
    if "PARAM" not in df.columns:
        df["PARAM"] = df["PARAMCD"]
    df = df.sort_values(["PARAMCD", "USUBJID", "CYCLE", "TIMEN"]).reset_index(drop=True)
    return CytokineRecords(df, analysis_flag, outside, unmapped, not_analysis, missing)


def param_label(adcyt: pd.DataFrame, paramcd: str) -> str:
    """PARAM of `paramcd` (PARAMCD itself when there is no PARAM).

    >>> param_label(pd.DataFrame({"PARAMCD": ["IL6"], "PARAM": ["Interleukin 6 (pg/mL)"]}), "IL6")
    'Interleukin 6 (pg/mL)'
    """
    if "PARAM" not in adcyt.columns:
        return paramcd
    names = sorted({v for v in text(adcyt.loc[text(adcyt["PARAMCD"]) == paramcd, "PARAM"]) if v})
    return names[0] if names else paramcd


def param_labels(adcyt: pd.DataFrame, paramcds: list[str]) -> dict[str, str]:
    """`param_label` of each of `paramcds`, from the distinct (PARAMCD, PARAM) pairs only (one
    pass over ADCYT instead of one per cytokine).

    >>> param_labels(pd.DataFrame({"PARAMCD": ["IL6", "IL6", "CRP"], "PARAM": ["Interleukin 6 (pg/mL)"] * 2
    ...                            + ["C-reactive protein (mg/L)"]}), ["CRP", "IL6", "IL8"])
    {'CRP': 'C-reactive protein (mg/L)', 'IL6': 'Interleukin 6 (pg/mL)', 'IL8': 'IL8'}
    """
    pairs = adcyt[["PARAMCD", "PARAM"] if "PARAM" in adcyt.columns else ["PARAMCD"]].drop_duplicates()
    return {p: param_label(pairs, p) for p in paramcds}


def param_unit(label: str) -> str:
    """The unit in a PARAM's trailing parentheses ("" when none).

    >>> param_unit("Interleukin 6 (pg/mL)"), param_unit("IL6")
    ('pg/mL', '')
    """
    if label.endswith(")") and "(" in label:
        return label[label.rfind("(") + 1:-1]
    return ""
