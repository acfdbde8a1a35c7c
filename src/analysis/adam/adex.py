"""ADEX (BDS): exposure per infusion (dose level, total cells, duration, interruption) from
EX/EC, and per-subject summary parameters (number of infusions, cumulative dose, relative dose
intensity)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.context import AdamContext
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.dates import derive_var_dy, derive_vars_dt, derive_vars_dtm


def derive_vars_infusion(ex: pd.DataFrame, ec: pd.DataFrame) -> pd.DataFrame:
    """One row per infusion given: ASTDTM/AENDTM, ASTDT/AENDT, INFNUM (1, 2, 3 in date order),
    dose level (EXDOSE, 10^6 cells/kg), total cells (EC ECDOSE, 10^6 cells), duration in
    minutes and the interruption flag (EC ECADJ recorded), with SRCSEQ -> EXSEQ.

    >>> ex = pd.DataFrame({"USUBJID": ["1"], "EXSEQ": [1.0], "EXDOSE": [1.02], "VISIT": ["DAY 1"], "VISITNUM": [3.0],
    ...     "EXSTDTC": ["2024-04-11T10:13"], "EXENDTC": ["2024-04-11T11:05"]})
    >>> ec = pd.DataFrame({"USUBJID": ["1"], "ECOCCUR": ["Y"], "ECDOSE": [53.5], "ECADJ": [""], "ECSTDTC": ["2024-04-11T10:13"]})
    >>> derive_vars_infusion(ex, ec)[["INFNUM", "INFDUR", "TOTCELL", "INTRPFL"]].values.tolist()
    [[1.0, 52.0, 53.5, 'N']]
    """
    require_columns(ex, ["USUBJID", "EXSEQ", "EXDOSE", "EXSTDTC", "EXENDTC", "VISIT", "VISITNUM"], "derive_vars_infusion")
    require_columns(ec, ["USUBJID", "ECOCCUR", "ECDOSE", "ECADJ", "ECSTDTC"], "derive_vars_infusion (EC)")
    inf = ex[ex["EXDOSE"] > 0].copy()
    inf = derive_vars_dtm(inf, "AST", "EXSTDTC", flag_imputation=False)
    inf = derive_vars_dtm(inf, "AEN", "EXENDTC", flag_imputation=False)
    inf = derive_vars_dt(inf, "AST", "EXSTDTC", flag_imputation=False)
    inf = derive_vars_dt(inf, "AEN", "EXENDTC", flag_imputation=False)
    inf = inf.sort_values(["USUBJID", "ASTDTM"], kind="stable")
    inf["INFNUM"] = (inf.groupby("USUBJID").cumcount() + 1).astype(float)
    inf["INFDUR"] = (inf["AENDTM"] - inf["ASTDTM"]).dt.total_seconds() / 60
    given = ec[ec["ECOCCUR"] == "Y"][["USUBJID", "ECSTDTC", "ECDOSE", "ECADJ"]]
    inf = inf.merge(given, left_on=["USUBJID", "EXSTDTC"], right_on=["USUBJID", "ECSTDTC"], how="left",
                    validate="one_to_one")
    inf["TOTCELL"] = inf["ECDOSE"].astype(float)
    inf["INTRPFL"] = np.where(inf["ECADJ"].fillna("") != "", "Y", "N")
    return inf


def params_per_infusion(inf: pd.DataFrame) -> pd.DataFrame:
    """Per-infusion parameters: DOSELVL (10^6 cells/kg), TOTCELL (10^6 cells), INFDUR (min)."""
    rows = []
    for paramcd, col in (("DOSELVL", "EXDOSE"), ("TOTCELL", "TOTCELL"), ("INFDUR", "INFDUR")):
        r = fresh(inf)
        r["PARAMCD"], r["AVAL"] = paramcd, inf[col].astype(float)
        r["SRCDOM"], r["SRCSEQ"] = ("EX", inf["EXSEQ"]) if paramcd != "TOTCELL" else ("EC", np.nan)
        r["SRCVAR"] = {"DOSELVL": "EXDOSE", "TOTCELL": "ECDOSE", "INFDUR": "EXENDTC"}[paramcd]
        r["AVISIT"] = "INFUSION " + inf["INFNUM"].astype(int).astype(str)
        r["AVISITN"] = inf["INFNUM"]
        rows.append(r)
    return pd.concat(rows, ignore_index=True)


def infusions_due(adsl: pd.DataFrame, infusion_days: list[int], cutoff: pd.Timestamp | None) -> pd.Series:
    """Planned infusions due per subject (USUBJID index): all of them without a data cutoff; at a
    cutoff those whose planned day (Day 1 = TRTSDT) is on or before it, so an interim RDI does
    not count infusions not yet due as missed.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2024-01-01", "2024-03-01"])})
    >>> infusions_due(adsl, [1, 29, 57], pd.Timestamp("2024-03-10")).tolist()
    [3, 1]
    """
    if cutoff is None:
        return pd.Series(len(infusion_days), index=adsl["USUBJID"].to_numpy())
    start = pd.to_datetime(adsl["TRTSDT"]).to_numpy()
    due = sum((start + pd.Timedelta(days=d - 1) <= cutoff).astype(int) for d in infusion_days)
    return pd.Series(np.maximum(due, 1), index=adsl["USUBJID"].to_numpy())


def params_per_subject(inf: pd.DataFrame, adsl: pd.DataFrame, planned_infusions: int | pd.Series) -> pd.DataFrame:
    """Summary parameters over the treatment period, one record each per dosed subject:
    NINF (infusions given), CUMDOSE (sum of dose levels, 10^6 cells/kg), RDI (relative dose
    intensity %: cumulative dose / (planned infusions x planned dose level) x 100; planned
    infusions a number or, per USUBJID, those due by the data cutoff).

    >>> inf = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSE": [1.0, 1.1], "ASTDT": pd.to_datetime(["2024-01-01", "2024-01-29"]),
    ...                     "AENDT": pd.to_datetime(["2024-01-01", "2024-01-29"])})
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRT01PN": [1.0]})
    >>> params_per_subject(inf, adsl, 3).set_index("PARAMCD")["AVAL"].round(2).to_dict()
    {'NINF': 2.0, 'CUMDOSE': 2.1, 'RDI': 70.0}
    """
    agg = inf.groupby("USUBJID").agg(NINF=("EXDOSE", "size"), CUMDOSE=("EXDOSE", "sum"),
                                     ASTDT=("ASTDT", "min"), AENDT=("AENDT", "max")).reset_index()
    agg = agg.merge(adsl[["USUBJID", "TRT01PN"]], on="USUBJID", how="left")
    planned = (agg["USUBJID"].map(planned_infusions).astype(float) if isinstance(planned_infusions, pd.Series)
               else float(planned_infusions))
    agg["RDI"] = 100 * agg["CUMDOSE"] / (planned * agg["TRT01PN"])
    rows = []
    for paramcd in ("NINF", "CUMDOSE", "RDI"):
        r = agg[["USUBJID", "ASTDT", "AENDT"]].copy()
        r["PARAMCD"], r["AVAL"] = paramcd, agg[paramcd].astype(float)
        r["AVISIT"], r["AVISITN"] = "OVERALL", 99.0
        r["SRCDOM"], r["SRCVAR"], r["SRCSEQ"] = "", "", np.nan
        r["INFNUM"], r["INTRPFL"] = np.nan, ""
        r["VISIT"], r["VISITNUM"] = "", np.nan
        rows.append(r)
    return pd.concat(rows, ignore_index=True)


def build_adex(ctx: AdamContext, adsl: pd.DataFrame, params: dict) -> pd.DataFrame:
    inf = derive_vars_infusion(ctx.domain("EX"), ctx.domain("EC"))
    per = params_per_infusion(inf)
    due = infusions_due(adsl, [i["day"] for i in ctx.study.infusions], ctx.cutoff)
    total = params_per_subject(inf, adsl, due)
    adex = pd.concat([per, total], ignore_index=True)
    adex = merge_adsl_vars(adex, adsl)
    adex = derive_var_dy(adex, "ASTDT", "TRTSDT", "ASTDY")
    adex["PARAM"] = adex["PARAMCD"].map({k: p.param for k, p in params.items()})
    adex["PARAMN"] = adex["PARAMCD"].map({k: float(p.paramn) for k, p in params.items()})
    adex["PARCAT1"] = np.where(adex["AVISIT"] == "OVERALL", "SUMMARY", "PER INFUSION")
    return adex
