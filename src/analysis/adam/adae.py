"""ADAE (OCCDS): one record per AE record, with imputed dates, treatment emergence, CTCAE
grade, relatedness, the investigator's DLT and infusion-reaction flags, the DLT flag within
the DLT window (ADLTFL; ADSL.DLTFL is the subject-level flag), the infusion number before onset and first-occurrence flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.context import AdamContext
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.dates import derive_var_dy, derive_vars_dt, derive_vars_dtm
from analysis.adam.derive.occurrence import (
    derive_var_dltfl,
    derive_var_extreme_flag,
    derive_var_last_dose_number,
    derive_var_trtemfl,
)


def derive_vars_supp(ae: pd.DataFrame, supp: pd.DataFrame, qnams: dict[str, str]) -> pd.DataFrame:
    """Bring SUPPAE qualifiers onto their AE records (IDVAR AESEQ): {new column: QNAM}.

    >>> ae = pd.DataFrame({"USUBJID": ["1", "1"], "AESEQ": [1.0, 2.0]})
    >>> supp = pd.DataFrame({"USUBJID": ["1"], "IDVAR": ["AESEQ"], "IDVARVAL": ["2"], "QNAM": ["AEDLT"], "QVAL": ["Y"]})
    >>> derive_vars_supp(ae, supp, {"AEDLT": "AEDLT"})["AEDLT"].tolist()
    ['', 'Y']
    """
    require_columns(supp, ["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"], "derive_vars_supp")
    out = fresh(ae)
    for new, qnam in qnams.items():
        q = supp[(supp["QNAM"] == qnam) & (supp["IDVAR"] == "AESEQ")]
        key = q["USUBJID"] + "|" + pd.to_numeric(q["IDVARVAL"]).astype(int).astype(str)
        lookup = dict(zip(key, q["QVAL"]))
        out[new] = (ae["USUBJID"] + "|" + ae["AESEQ"].astype(int).astype(str)).map(lookup).fillna("")
    return out


def derive_vars_atoxgr_ae(adae: pd.DataFrame) -> pd.DataFrame:
    """ATOXGR/ATOXGRN: the collected CTCAE grade (AETOXGR) as analysed.

    >>> derive_vars_atoxgr_ae(pd.DataFrame({"AETOXGR": ["3", ""]}))["ATOXGRN"].tolist()
    [3.0, nan]
    """
    require_columns(adae, ["AETOXGR"], "derive_vars_atoxgr_ae")
    out = fresh(adae)
    out["ATOXGR"] = adae["AETOXGR"]
    out["ATOXGRN"] = pd.to_numeric(adae["AETOXGR"], errors="coerce")
    return out


def derive_var_arel(adae: pd.DataFrame, related: list[str]) -> pd.DataFrame:
    """AREL: RELATED for the AEREL values in `related`, NOT RELATED otherwise (the two-level
    relatedness summarised in tables); missing AEREL is counted as related, the conservative
    choice for a first-in-human cell therapy.

    >>> derive_var_arel(pd.DataFrame({"AEREL": ["POSSIBLY RELATED", "UNLIKELY RELATED", ""]}),
    ...                 ["POSSIBLY RELATED"])["AREL"].tolist()
    ['RELATED', 'NOT RELATED', 'RELATED']
    """
    require_columns(adae, ["AEREL"], "derive_var_arel")
    out = fresh(adae)
    out["AREL"] = np.where(adae["AEREL"].isin(related) | (adae["AEREL"] == ""), "RELATED", "NOT RELATED")
    return out


def derive_var_adurn(adae: pd.DataFrame) -> pd.DataFrame:
    """ADURN/ADURU: AE duration in days (AENDT - ASTDT + 1) where both dates are known.

    >>> df = pd.DataFrame({"ASTDT": pd.to_datetime(["2024-01-01"]), "AENDT": pd.to_datetime(["2024-01-03"])})
    >>> derive_var_adurn(df)["ADURN"].tolist()
    [3.0]
    """
    require_columns(adae, ["ASTDT", "AENDT"], "derive_var_adurn")
    out = fresh(adae)
    out["ADURN"] = ((adae["AENDT"] - adae["ASTDT"]).dt.days + 1).astype(float)
    out["ADURU"] = np.where(out["ADURN"].notna(), "DAYS", "")
    return out


def derive_vars_occurrence_flags(adae: pd.DataFrame) -> pd.DataFrame:
    """First-occurrence flags among treatment-emergent events (ADaM OCCDS): AOCCFL (subject),
    AOCCSFL (subject, SOC), AOCCPFL (subject, SOC, PT), and the maximum-grade variants AOCCIFL,
    AOCCSIFL, AOCCPIFL (the first record at the subject's highest grade), which the
    n (%) by worst grade tables count."""
    teae = adae["TRTEMFL"] == "Y"
    out = fresh(adae)
    levels = {"": ["USUBJID"], "S": ["USUBJID", "AEBODSYS"], "P": ["USUBJID", "AEBODSYS", "AEDECOD"]}
    for suffix, by in levels.items():
        out = derive_var_extreme_flag(out, by, ["ASTDT", "AESEQ"], new_var=f"AOCC{suffix}FL", filter_mask=teae)
        out = derive_var_extreme_flag(out, by, ["ATOXGRN", "ASTDT", "AESEQ"], new_var=f"AOCC{suffix}IFL",
                                      filter_mask=teae, ascending=[False, True, True])
    return out


def build_adae(ctx: AdamContext, adsl: pd.DataFrame) -> pd.DataFrame:
    study, conv = ctx.study.data, ctx.conventions
    ae = ctx.domain("AE").copy()
    ae = merge_adsl_vars(ae, adsl)
    ae = ae.merge(adsl[["USUBJID", "DTHDT", "EOSDT"]], on="USUBJID", how="left")
    if ctx.cutoff is not None:
        ae["_CUTOFF"] = ctx.cutoff
    start, end = conv["date_imputation"]["start"], conv["date_imputation"]["end"]
    ae = derive_vars_dt(ae, "AST", "AESTDTC", min_dates=["TRTSDT"], **start)
    ae = derive_vars_dt(ae, "AEN", "AEENDTC", max_dates=["DTHDT", "EOSDT"] + (["_CUTOFF"] if ctx.cutoff is not None else []),
                        **end)
    ae = derive_vars_dtm(ae, "AST", "AESTDTC", flag_imputation=False)
    ae = derive_var_dy(ae, "ASTDT", "TRTSDT", "ASTDY")
    ae = derive_var_dy(ae, "AENDT", "TRTSDT", "AENDY")
    ae = derive_var_adurn(ae)
    ae = derive_var_trtemfl(ae, window_end_day=study["teae_window"]["end_day"])
    ae["PREFL"] = np.where(ae["ASTDT"].notna() & ae["TRTSDT"].notna() & (ae["ASTDT"] < ae["TRTSDT"]), "Y", "")
    flags = conv["suppae_flags"]
    ae = derive_vars_supp(ae, ctx.domain("SUPPAE"), {"AEDLT": flags["dlt"], "AEINFR": flags["infusion_reaction"]})
    dlt = study["dlt_window"]
    ae = derive_var_dltfl(ae, window=(dlt["start_day"], dlt["end_day"]), new_var="ADLTFL")
    ae = derive_vars_atoxgr_ae(ae)
    ae = derive_var_arel(ae, conv["related_causality"])
    ex = ctx.domain("EX")
    doses = ex[ex["EXDOSE"] > 0][["USUBJID", "EXSTDTC"]].copy()
    doses = derive_vars_dt(doses, "EXST", "EXSTDTC", flag_imputation=False)
    doses = doses.sort_values(["USUBJID", "EXSTDT"], kind="stable")
    doses["INFNUM"] = (doses.groupby("USUBJID").cumcount() + 1).astype(float)
    ae = derive_var_last_dose_number(ae, doses, dose_date="EXSTDT")
    ae = derive_vars_occurrence_flags(ae)
    return ae
