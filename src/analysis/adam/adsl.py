"""ADSL: one record per subject in DM (screen failures included, with ENRLFL = "N").

Built as a chain: demographics and planned/actual cohort from DM -> treatment dates and
number of infusions from EX -> disposition (DS), death (DM, DD), transplant (PR) -> last
known alive date -> population flags. Baseline covariates and the subject's DLT come later
from ADRS/ADLB/ADAE (`derive_adsl_baselines`, `derive_adsl_dlt`), since those need ADSL's
treatment dates first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.context import AdamContext
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.dates import derive_vars_dtm, impute_dtc_dt
from analysis.adam.derive.subject import (
    DateSource,
    derive_var_extreme_dt,
    derive_vars_merged,
)


def derive_vars_trt(adsl: pd.DataFrame, cohorts: list[dict]) -> pd.DataFrame:
    """TRT01P/TRT01PN from the planned arm, TRT01A/TRT01AN from the actual arm (the dose level
    in 10^6 cells/kg from the study spec); empty for screen failures.

    >>> dm = pd.DataFrame({"ARMCD": ["UCMSC2", ""], "ARM": ["UC-MSC 2", ""], "ACTARMCD": ["UCMSC2", ""],
    ...                    "ACTARM": ["UC-MSC 2", ""]})
    >>> derive_vars_trt(dm, [{"armcd": "UCMSC2", "dose": 2.0}])[["TRT01P", "TRT01PN"]].values.tolist()
    [['UC-MSC 2', 2.0], ['', nan]]
    """
    require_columns(adsl, ["ARMCD", "ARM", "ACTARMCD", "ACTARM"], "derive_vars_trt")
    dose = {c["armcd"]: float(c["dose"]) for c in cohorts}
    out = fresh(adsl)
    out["TRT01P"] = adsl["ARM"].where(adsl["ARMCD"].isin(dose), "")
    out["TRT01PN"] = adsl["ARMCD"].map(dose)
    out["TRT01A"] = adsl["ACTARM"].where(adsl["ACTARMCD"].isin(dose), "")
    out["TRT01AN"] = adsl["ACTARMCD"].map(dose)
    return out


def derive_vars_exposure(adsl: pd.DataFrame, ex: pd.DataFrame) -> pd.DataFrame:
    """TRTSDTM/TRTSDT (start of the first infusion with a dose), TRTEDTM/TRTEDT (end of the
    last), NINF (infusions given), CUMDOSE (sum of EXDOSE, 10^6 cells/kg), TRTDURD (days from
    first to last infusion + 1).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSE": [1.0, 1.1],
    ...     "EXSTDTC": ["2024-05-11T10:00", "2024-06-08T09:30"], "EXENDTC": ["2024-05-11T11:00", "2024-06-08T10:30"]})
    >>> derive_vars_exposure(adsl, ex)[["NINF", "CUMDOSE", "TRTDURD"]].values.tolist()
    [[2.0, 2.1, 29.0], [0.0, nan, nan]]
    """
    require_columns(ex, ["USUBJID", "EXDOSE", "EXSTDTC", "EXENDTC"], "derive_vars_exposure")
    given = ex[ex["EXDOSE"] > 0]
    given = derive_vars_dtm(given, "EXST", "EXSTDTC")
    given = derive_vars_dtm(given, "EXEN", "EXENDTC")
    per = given.groupby("USUBJID").agg(TRTSDTM=("EXSTDTM", "min"), TRTEDTM=("EXENDTM", "max"),
                                       NINF=("EXDOSE", "size"), CUMDOSE=("EXDOSE", "sum"))
    out = fresh(adsl)
    for col in ("TRTSDTM", "TRTEDTM", "NINF", "CUMDOSE"):
        out[col] = out["USUBJID"].map(per[col])
    out["TRTSDTM"] = pd.to_datetime(out["TRTSDTM"])
    out["TRTEDTM"] = pd.to_datetime(out["TRTEDTM"])
    out["TRTSDT"], out["TRTEDT"] = out["TRTSDTM"].dt.normalize(), out["TRTEDTM"].dt.normalize()
    out["NINF"] = out["NINF"].fillna(0).astype(float)
    out["CUMDOSE"] = out["CUMDOSE"].astype(float)
    out["TRTDURD"] = ((out["TRTEDT"] - out["TRTSDT"]).dt.days + 1).astype(float)
    return out


def derive_vars_disposition(adsl: pd.DataFrame, ds: pd.DataFrame) -> pd.DataFrame:
    """EOSSTT (COMPLETED / DISCONTINUED / ONGOING), EOSDT, DCSREAS (DSDECOD) and DCSREASP (DSTERM)
    from the end-of-study disposition event; RFICDT from informed consent.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> ds = pd.DataFrame({"USUBJID": ["1", "2"], "DSCAT": ["DISPOSITION EVENT"] * 2,
    ...     "DSDECOD": ["COMPLETED", "DEATH"], "DSTERM": ["COMPLETED", "DEATH"], "DSSTDTC": ["2025-01-01", "2024-09-01"]})
    >>> derive_vars_disposition(adsl, ds)[["EOSSTT", "DCSREAS"]].values.tolist()
    [['COMPLETED', ''], ['DISCONTINUED', 'DEATH'], ['ONGOING', '']]
    """
    require_columns(ds, ["USUBJID", "DSCAT", "DSDECOD", "DSTERM", "DSSTDTC"], "derive_vars_disposition")
    eos = ds[ds["DSCAT"] == "DISPOSITION EVENT"].drop_duplicates("USUBJID", keep="last").set_index("USUBJID")
    consent = ds[ds["DSDECOD"] == "INFORMED CONSENT OBTAINED"].drop_duplicates("USUBJID").set_index("USUBJID")
    out = fresh(adsl)
    decod = out["USUBJID"].map(eos["DSDECOD"]).fillna("")
    out["EOSSTT"] = np.select([decod == "COMPLETED", decod != ""], ["COMPLETED", "DISCONTINUED"], "ONGOING")
    out["EOSDT"] = impute_dtc_dt(out["USUBJID"].map(eos["DSSTDTC"]).fillna(""))[0]
    out["DCSREAS"] = decod.where(decod != "COMPLETED", "")
    out["DCSREASP"] = out["USUBJID"].map(eos["DSTERM"]).fillna("").where(decod == "OTHER", "")
    out["RFICDT"] = impute_dtc_dt(out["USUBJID"].map(consent["DSSTDTC"]).fillna(""))[0]
    return out


def derive_vars_death(adsl: pd.DataFrame, dd: pd.DataFrame) -> pd.DataFrame:
    """DTHFL/DTHDT from DM (DTHDTC), DTHCAUS from the primary cause of death in DD.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "DTHFL": ["Y", ""], "DTHDTC": ["2024-12-12", ""]})
    >>> dd = pd.DataFrame({"USUBJID": ["1"], "DDTESTCD": ["PRCDTH"], "DDSTRESC": ["SEPSIS"]})
    >>> derive_vars_death(adsl, dd)[["DTHDT", "DTHCAUS"]].astype(str).values.tolist()
    [['2024-12-12', 'SEPSIS'], ['NaT', '']]
    """
    require_columns(adsl, ["USUBJID", "DTHFL", "DTHDTC"], "derive_vars_death")
    out = fresh(adsl)
    out["DTHDT"], out["DTHDTF"] = impute_dtc_dt(adsl["DTHDTC"], highest_imputation="M")
    cause = dd[dd["DDTESTCD"] == "PRCDTH"].drop_duplicates("USUBJID").set_index("USUBJID")["DDSTRESC"]
    out["DTHCAUS"] = out["USUBJID"].map(cause).fillna("")
    return out


def derive_vars_transplant(adsl: pd.DataFrame, pr: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """LTXFL ("Y"/"N") and LTXDT, the first liver transplantation in PR.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> pr = pd.DataFrame({"USUBJID": ["1"], "PRTRT": ["LIVER TRANSPLANTATION"], "PRSTDTC": ["2024-08-18"]})
    >>> derive_vars_transplant(adsl, pr, {"variable": "PRTRT", "values": ["LIVER TRANSPLANTATION"]})["LTXFL"].tolist()
    ['Y', 'N']
    """
    require_columns(pr, ["USUBJID", rule["variable"], "PRSTDTC"], "derive_vars_transplant")
    tx = pr[pr[rule["variable"]].isin(rule["values"])].copy()
    tx["_DT"] = impute_dtc_dt(tx["PRSTDTC"], highest_imputation="M")[0]
    first = tx.sort_values("_DT").drop_duplicates("USUBJID").set_index("USUBJID")["_DT"]
    out = fresh(adsl)
    out["LTXDT"] = pd.to_datetime(out["USUBJID"].map(first))
    out["LTXFL"] = np.where(out["LTXDT"].notna(), "Y", "N")
    return out


def _complete_dates(df: pd.DataFrame, dtc: str) -> pd.DataFrame:
    """USUBJID and the date of `dtc` where it is a complete date (partial dates do not prove
    the subject alive on any particular day)."""
    return pd.DataFrame({"USUBJID": df["USUBJID"], "_DT": impute_dtc_dt(df[dtc])[0]})


def derive_var_lstalvdt(adsl: pd.DataFrame, sdtm: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """LSTALVDT: the death date for subjects who died, else the latest complete date on which the
    subject was seen or assessed (visits, infusions, labs, flow cytometry, vital signs,
    questionnaires, ratings, FibroScan, AE and CM start/end dates, procedures)."""
    sources = [("SV", "SVSTDTC"), ("EX", "EXSTDTC"), ("LB", "LBDTC"), ("CP", "CPDTC"), ("VS", "VSDTC"),
               ("QS", "QSDTC"), ("RS", "RSDTC"), ("XF", "XFDTC"), ("AE", "AESTDTC"), ("AE", "AEENDTC"),
               ("CM", "CMSTDTC"), ("CM", "CMENDTC"), ("PR", "PRSTDTC")]
    ds = [DateSource(_complete_dates(sdtm[d], v), "_DT", f"{d}.{v}") for d, v in sources if d in sdtm]
    out = derive_var_extreme_dt(adsl, "LSTALVDT", ds)
    out["LSTALVDT"] = out["DTHDT"].where(out["DTHDT"].notna(), out["LSTALVDT"])
    return out


def derive_vars_enrlfl_saffl(adsl: pd.DataFrame) -> pd.DataFrame:
    """ENRLFL: assigned to a cohort; SAFFL: received at least part of one infusion.

    >>> derive_vars_enrlfl_saffl(pd.DataFrame({"ARMCD": ["UCMSC1", ""], "NINF": [1.0, 0.0]}))[["ENRLFL", "SAFFL"]].values.tolist()
    [['Y', 'Y'], ['N', 'N']]
    """
    require_columns(adsl, ["ARMCD", "NINF"], "derive_vars_enrlfl_saffl")
    out = fresh(adsl)
    out["ENRLFL"] = np.where(adsl["ARMCD"] != "", "Y", "N")
    out["SAFFL"] = np.where(adsl["NINF"] > 0, "Y", "N")
    return out


def derive_var_dltevlfl(adsl: pd.DataFrame, dlt_window: dict) -> pd.DataFrame:
    """DLTEVLFL: dosed, and either followed to the last day of the DLT window (last known
    alive date on or after it) or had a DLT (DLTFL = "Y").

    >>> adsl = pd.DataFrame({"SAFFL": ["Y", "Y", "Y", "N"],
    ...     "TRTSDT": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", None]),
    ...     "LSTALVDT": pd.to_datetime(["2024-01-28", "2024-01-27", "2024-01-10", "2023-12-20"]),
    ...     "DLTFL": ["N", "N", "Y", "N"]})
    >>> derive_var_dltevlfl(adsl, {"start_day": 1, "end_day": 28})["DLTEVLFL"].tolist()
    ['Y', 'N', 'Y', 'N']
    """
    require_columns(adsl, ["SAFFL", "TRTSDT", "LSTALVDT", "DLTFL"], "derive_var_dltevlfl")
    window_end = adsl["TRTSDT"] + pd.to_timedelta(dlt_window["end_day"] - 1, unit="D")
    followed = adsl["LSTALVDT"].notna() & (adsl["LSTALVDT"] >= window_end)
    out = fresh(adsl)
    out["DLTEVLFL"] = np.where((adsl["SAFFL"] == "Y") & (followed | (adsl["DLTFL"] == "Y")), "Y", "N")
    return out


def build_adsl_core(ctx: AdamContext) -> pd.DataFrame:
    """ADSL before baselines and DLT: everything that needs only SDTM."""
    dm = ctx.domain("DM")
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC", "COUNTRY",
               "ARMCD", "ARM", "ACTARMCD", "ACTARM", "DTHFL", "DTHDTC"]].copy()
    adsl = derive_vars_trt(adsl, ctx.study.cohorts)
    adsl = derive_vars_exposure(adsl, ctx.domain("EX"))
    adsl = derive_vars_disposition(adsl, ctx.domain("DS"))
    adsl = derive_vars_death(adsl, ctx.domain("DD"))
    adsl = derive_vars_transplant(adsl, ctx.domain("PR"), ctx.conventions["transplant"])
    adsl = derive_var_lstalvdt(adsl, ctx.sdtm)
    adsl = derive_var_vs_baseline(adsl, ctx.domain("VS"), "WEIGHT", "WEIGHTBL")
    adsl = derive_var_vs_baseline(adsl, ctx.domain("VS"), "HEIGHT", "HEIGHTBL")
    adsl = derive_var_bmibl(adsl)
    adsl = derive_vars_history_flags(adsl, ctx.domain("MH"), ctx.conventions["decompensation_history"])
    return derive_vars_enrlfl_saffl(adsl)


def derive_var_vs_baseline(adsl: pd.DataFrame, vs: pd.DataFrame, testcd: str, new_var: str) -> pd.DataFrame:
    """`new_var`: the last VS `testcd` value on or before the first infusion day (WEIGHTBL is
    the basis of the cells/kg dose); for a subject never dosed, the last value recorded.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2024-05-11", None])})
    >>> vs = pd.DataFrame({"USUBJID": ["1"] * 3 + ["2"], "VSTESTCD": ["WEIGHT"] * 4,
    ...                    "VSSTRESN": [60.0, 61.0, 58.0, 70.0],
    ...                    "VSDTC": ["2024-05-01", "2024-05-11T08:00", "2024-06-01", "2024-04-02"]})
    >>> derive_var_vs_baseline(adsl, vs, "WEIGHT", "WEIGHTBL")["WEIGHTBL"].tolist()
    [61.0, 70.0]
    """
    require_columns(vs, ["USUBJID", "VSTESTCD", "VSSTRESN", "VSDTC"], "derive_var_vs_baseline")
    w = vs[(vs["VSTESTCD"] == testcd) & vs["VSSTRESN"].notna()].copy()
    w["_DT"] = impute_dtc_dt(w["VSDTC"].str[:10])[0]
    w = w.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
    w = w[(w["_DT"] <= w["TRTSDT"]) | w["TRTSDT"].isna()].sort_values(["USUBJID", "_DT"], kind="stable")
    last = w.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")["VSSTRESN"]
    out = fresh(adsl)
    out[new_var] = out["USUBJID"].map(last).astype(float)
    return out


def derive_var_bmibl(adsl: pd.DataFrame) -> pd.DataFrame:
    """BMIBL = WEIGHTBL (kg) / (HEIGHTBL (cm) / 100)^2, unrounded; missing if either is.

    >>> derive_var_bmibl(pd.DataFrame({"WEIGHTBL": [72.9, None], "HEIGHTBL": [180.0, 170.0]}))["BMIBL"].round(6).tolist()
    [22.5, nan]
    """
    require_columns(adsl, ["WEIGHTBL", "HEIGHTBL"], "derive_var_bmibl")
    out = fresh(adsl)
    out["BMIBL"] = out["WEIGHTBL"] / (out["HEIGHTBL"] / 100.0) ** 2
    return out


def derive_vars_history_flags(adsl: pd.DataFrame, mh: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """Medical-history flags (Y/N for every subject): `rule["any_flag"]` is Y when the subject
    has any MH record in `rule["category"]`; each of `rule["flags"]` ({variable: [terms]}) is Y
    when such a record's MHTERM matches one of the terms (case-insensitive, whole text). A
    record that matches no term still counts in the any-flag, so nothing is lost.

    >>> mh = pd.DataFrame({"USUBJID": ["1", "1", "2"], "MHCAT": ["DECOMP"] * 3,
    ...                    "MHTERM": ["Ascites", "Peritonitis, other", "ascites"]})
    >>> rule = {"category": "DECOMP", "any_flag": "DCMPHXFL", "flags": {"ASCHXFL": ["Ascites"]}}
    >>> derive_vars_history_flags(pd.DataFrame({"USUBJID": ["1", "2", "3"]}), mh, rule)[
    ...     ["DCMPHXFL", "ASCHXFL"]].values.tolist()
    [['Y', 'Y'], ['Y', 'Y'], ['N', 'N']]
    """
    require_columns(mh, ["USUBJID", "MHCAT", "MHTERM"], "derive_vars_history_flags")
    recs = mh[mh["MHCAT"] == rule["category"]]
    term = recs["MHTERM"].astype(str).str.strip().str.casefold()
    out = fresh(adsl)
    out[rule["any_flag"]] = np.where(out["USUBJID"].isin(recs["USUBJID"]), "Y", "N")
    for var, terms in rule["flags"].items():
        hit = recs.loc[term.isin([t.casefold() for t in terms]), "USUBJID"]
        out[var] = np.where(out["USUBJID"].isin(hit), "Y", "N")
    return out


def derive_adsl_baselines(adsl: pd.DataFrame, derived: dict[str, pd.DataFrame],
                          covariates: dict[str, list[str]]) -> pd.DataFrame:
    """Baseline covariates from the baseline records (ABLFL = "Y") of BDS datasets:
    `covariates` maps an ADSL variable to [dataset, PARAMCD, value column].

    >>> adrs = pd.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["MELD"] * 2, "ABLFL": ["Y", ""], "AVAL": [14.0, 12.0]})
    >>> derive_adsl_baselines(pd.DataFrame({"USUBJID": ["1", "2"]}), {"ADRS": adrs},
    ...                       {"MELDBL": ["ADRS", "MELD", "AVAL"]})["MELDBL"].tolist()
    [14.0, nan]
    """
    out = fresh(adsl)
    for var, (ds, paramcd, col) in covariates.items():
        bds = derived[ds]
        base = bds[(bds["PARAMCD"] == paramcd) & (bds["ABLFL"] == "Y")].set_index("USUBJID")[col]
        out[var] = out["USUBJID"].map(base)
        out[var] = out[var].fillna("") if col == "AVALC" else out[var].astype(float)
    return out


def derive_adsl_dlt(adsl: pd.DataFrame, adae: pd.DataFrame, dlt_window: dict) -> pd.DataFrame:
    """DLTFL ("Y" when the subject had a DLT, else "N") and DLTDT (first DLT onset), then the
    population flags that depend on it."""
    dlt = adae[adae["ADLTFL"] == "Y"].groupby("USUBJID")["ASTDT"].min()
    out = fresh(adsl)
    out["DLTDT"] = pd.to_datetime(out["USUBJID"].map(dlt))
    out["DLTFL"] = np.where(out["DLTDT"].notna(), "Y", "N")
    return derive_var_dltevlfl(out, dlt_window)


def derive_var_efffl(adsl: pd.DataFrame, adlb: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """EFFFL: in the safety population with at least one post-baseline value of `params`."""
    post = adlb[adlb["PARAMCD"].isin(params) & (adlb["ADY"] > 1) & adlb["AVAL"].notna()]["USUBJID"].unique()
    out = fresh(adsl)
    out["EFFFL"] = np.where((adsl["SAFFL"] == "Y") & adsl["USUBJID"].isin(post), "Y", "N")
    return out


def merge_adsl_vars(df: pd.DataFrame, adsl: pd.DataFrame,
                    variables: tuple[str, ...] = ("SUBJID", "SITEID", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN",
                                                  "TRTSDT", "TRTSDTM", "TRTEDT", "SAFFL")) -> pd.DataFrame:
    """The ADSL variables every BDS/OCCDS dataset carries (values as in ADSL)."""
    return derive_vars_merged(df, adsl, ["USUBJID"], [v for v in variables if v not in ("USUBJID",)])

