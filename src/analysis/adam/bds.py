"""The steps every findings-based BDS dataset shares (ADLB, ADCYT, ADRS, ADQS): SDTM findings
records to BDS records, analysis windows from the study spec, and the baseline chain."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.derive.baseline import (
    derive_var_ablfl,
    derive_var_base,
    derive_var_chg,
    derive_var_pchg,
    derive_var_predose,
)
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.dates import derive_var_dy, derive_vars_dtm, impute_dtc_dt
from analysis.adam.derive.windows import (
    derive_var_anl01fl,
    derive_var_baseline_avisit,
    derive_vars_avisit,
)
from analysis.specs import Study


def findings_to_bds(df: pd.DataFrame, domain: str, *, schedule: str | pd.Series) -> pd.DataFrame:
    """BDS base records from an SDTM findings domain: PARAMCD (= --TESTCD), AVAL (--STRESN),
    AVALC (--STRESC), ADT/ADTM/ATMF (--DTC), ATPT/ATPTN (--TPT/--TPTNUM when present),
    VISIT/VISITNUM, SRCDOM/SRCVAR/SRCSEQ (traceability), and `_SCHEDULE`: the name of the
    assessment schedule (specs/study.yaml `assessments`) whose windows apply. Records not done
    (--STAT) are dropped: they carry no value.

    >>> lb = pd.DataFrame({"USUBJID": ["1"], "LBSEQ": [4.0], "LBTESTCD": ["ALT"], "LBSTRESN": [41.0],
    ...     "LBSTRESC": ["41"], "LBSTAT": [""], "LBDTC": ["2024-05-11T07:30"], "VISIT": ["DAY 7"], "VISITNUM": [6.0]})
    >>> findings_to_bds(lb, "LB", schedule="liver_labs")[["PARAMCD", "AVAL", "SRCSEQ", "ADT"]].astype(str).values.tolist()
    [['ALT', '41.0', '4.0', '2024-05-11']]
    """
    p = domain
    require_columns(df, ["USUBJID", f"{p}SEQ", f"{p}TESTCD", f"{p}STRESN", f"{p}STRESC", f"{p}DTC", "VISIT", "VISITNUM"],
                    "findings_to_bds")
    done = df[df.get(f"{p}STAT", pd.Series("", index=df.index)) != "NOT DONE"]
    out = pd.DataFrame({
        "USUBJID": done["USUBJID"], "PARAMCD": done[f"{p}TESTCD"], "AVAL": done[f"{p}STRESN"].astype(float),
        "AVALC": done[f"{p}STRESC"], "VISIT": done["VISIT"], "VISITNUM": done["VISITNUM"].astype(float),
        "SRCDOM": p, "SRCVAR": f"{p}STRESN" if p != "RS" else f"{p}STRESC", "SRCSEQ": done[f"{p}SEQ"].astype(float),
        "_DTC": done[f"{p}DTC"],
    })
    out["ATPT"] = done[f"{p}TPT"] if f"{p}TPT" in done else ""
    out["ATPTN"] = done[f"{p}TPTNUM"].astype(float) if f"{p}TPTNUM" in done else np.nan
    out["_SCHEDULE"] = schedule if isinstance(schedule, str) else schedule.reindex(done.index)
    out["ADT"] = impute_dtc_dt(date_part(out["_DTC"]))[0]
    out = derive_vars_dtm(out, "A", "_DTC")
    return out.reset_index(drop=True)


def date_part(dtc: pd.Series) -> pd.Series:
    """The date part (first 10 characters) of each --DTC value, sliced once per distinct value
    when the column is all text (a million lab records share a few thousand date-times).

    >>> date_part(pd.Series(["2024-05-11T07:30", None, "2024-05-11T07:30"])).tolist()
    ['2024-05-11', nan, '2024-05-11']
    """
    if pd.api.types.infer_dtype(dtc, skipna=True) not in ("string", "empty"):
        return dtc.str[:10]
    codes, uniques = pd.factorize(dtc, use_na_sentinel=False)
    sliced = pd.Series(uniques, dtype=object).str[:10].to_numpy()
    return pd.Series(sliced[codes], index=dtc.index, dtype=object)


def analysis_windows(study: Study, adsl: pd.DataFrame, ex: pd.DataFrame, schedules: Sequence[str]) -> pd.DataFrame:
    """One window per subject, schedule and scheduled visit: USUBJID, _SCHEDULE, AVISIT,
    AVISITN, AWTARGET, AWLO, AWHI (study days). Visits tied to an infusion are centred on the
    subject's actual infusion day when that infusion was given (target = infusion day + offset,
    limits from `offset_window`), otherwise on the nominal day with the protocol window.

    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2024-01-01"])})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSE": [1.0, 1.0], "EXSTDTC": ["2024-01-01T10:00", "2024-02-01T10:00"]})
    >>> w = analysis_windows(study, adsl, ex, ["cytokines"])
    >>> w[w.AVISIT.isin(["DAY 29", "DAY 30", "DAY 35"])][["AVISIT", "AWTARGET", "AWLO", "AWHI"]].values.tolist()
    [['DAY 29', 32.0, 32.0, 32.0], ['DAY 30', 33.0, 33.0, 33.0], ['DAY 35', 38.0, 37.0, 39.0]]
    """
    require_columns(adsl, ["USUBJID", "TRTSDT"], "analysis_windows")
    given = ex[ex["EXDOSE"] > 0][["USUBJID", "EXSTDTC"]].copy()
    given["_DT"] = impute_dtc_dt(given["EXSTDTC"].str[:10])[0]
    given = given.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
    given["_DAY"] = ((given["_DT"] - given["TRTSDT"]).dt.days + 1).astype(float)
    given = given.sort_values(["USUBJID", "_DT"], kind="stable")
    given["_INF"] = given.groupby("USUBJID").cumcount() + 1
    inf_day = given.set_index(["USUBJID", "_INF"])["_DAY"]
    rows = []
    subjects = adsl.loc[adsl["TRTSDT"].notna(), "USUBJID"]
    for name in schedules:
        visits = study.data["assessments"][name]["visits"]
        for vname in visits:
            v = study.visit_by_name[vname]
            w = pd.DataFrame({"USUBJID": subjects.to_numpy()})
            w["_SCHEDULE"], w["AVISIT"], w["AVISITN"] = name, vname, float(v["visitnum"])
            w["AWTARGET"], w["AWLO"], w["AWHI"] = float(v["day"]), float(v["window"][0]), float(v["window"][1])
            if "infusion" in v:
                actual = pd.Series(list(zip(w["USUBJID"], [v["infusion"]] * len(w)))).map(inf_day)
                has = actual.notna().to_numpy()
                lo, hi = v["offset_window"]
                w.loc[has, "AWTARGET"] = actual[has].to_numpy() + v["offset"]
                w.loc[has, "AWLO"] = actual[has].to_numpy() + lo
                w.loc[has, "AWHI"] = actual[has].to_numpy() + hi
            rows.append(w)
    return pd.concat(rows, ignore_index=True)


def derive_bds_timing(bds: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """ADY from ADT and the subject's TRTSDT (ADSL variables must already be merged)."""
    return derive_var_dy(bds, "ADT", "TRTSDT", "ADY")


def derive_bds_baseline_chain(bds: pd.DataFrame, study: Study, windows: pd.DataFrame, *,
                              by_vars: Sequence[str] = ("USUBJID", "PARAMCD"), with_chg: bool = True,
                              anl_by: Sequence[str] = ("USUBJID", "PARAMCD", "AVISIT", "ATPT")) -> pd.DataFrame:
    """Pre-dose flag -> ABLFL -> BASE (and BASEC) -> CHG/PCHG -> analysis windows -> baseline
    visit -> ANL01FL. Needs ADT, ADTM, ATMF, ADY, ATPT, TRTSDT, TRTSDTM, AVAL, AVALC."""
    by_vars = list(by_vars)
    out = derive_var_predose(bds, pre_dose_timepoints=sorted(study.pre_dose_timepoints))
    out = derive_var_ablfl(out, by_vars, ["ADTM", "ADT", "ATPTN", "SRCSEQ"])
    out = derive_var_base(out, by_vars)
    out = derive_var_base(out, by_vars, source_var="AVALC", new_var="BASEC")
    if with_chg:
        out = derive_var_chg(out)
        out = derive_var_pchg(out)
    out = derive_vars_avisit(out, windows, ["USUBJID", "_SCHEDULE"])
    out = derive_var_baseline_avisit(out)
    out = derive_var_anl01fl(out, list(anl_by), order=["ADTM", "SRCSEQ"])
    return clear_pre_baseline_analysis(out)


def clear_pre_baseline_analysis(bds: pd.DataFrame) -> pd.DataFrame:
    """Pre-dose records other than the baseline (e.g. screening when Day -1 is the baseline)
    stay in the dataset, with their window, but are not analysed: no CHG/PCHG/R2BASE, no
    ANL01FL (admiral templates derive change only after baseline).

    >>> df = pd.DataFrame({"_PREDOSE": [True, True, False], "ABLFL": ["", "Y", ""], "CHG": [-2.0, 0.0, 3.0],
    ...                    "ANL01FL": ["Y", "Y", "Y"]})
    >>> out = clear_pre_baseline_analysis(df)
    >>> out["CHG"].tolist()[1:], out["ANL01FL"].tolist()
    ([0.0, 3.0], ['', 'Y', 'Y'])
    """
    require_columns(bds, ["_PREDOSE", "ABLFL"], "clear_pre_baseline_analysis")
    out = fresh(bds)
    pre = out["_PREDOSE"].astype(bool) & (out["ABLFL"] != "Y")
    for col in ("CHG", "PCHG", "R2BASE"):
        if col in out:
            out.loc[pre, col] = np.nan
    if "ANL01FL" in out:
        out.loc[pre, "ANL01FL"] = ""
    return out
