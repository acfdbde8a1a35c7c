"""ADRS: clinical classifications and scores (BDS), one record per subject, parameter and
analysis date.

Parameters (specs/adam/params/ADRS.csv):
* MELD (OPTN/UNOS integer), MELDNA (OPTN 2016), MELD3 (MELD 3.0, uncapped) from LB bilirubin,
  creatinine, INR, sodium and albumin, and ADSL SEX for MELD 3.0;
* CPSCORE (Child-Pugh points 5-15) from LB bilirubin, albumin, INR and RS ascites (CPSASCIT),
  diuretics (CPSDIUR) and encephalopathy grade (CPSHEGR); CPCLASS (AVALC A/B/C, AVAL 1/2/3);
* ECOG (RS ECOG101, as collected);
* LSM, CAP, IQRMED (FibroScan, XF, as collected).

Same-date rule (domain reference 7.6; SAP to confirm): a score combines components measured on
the same date (same subject, same ADT). When a component is missing that day there is no score
record: a record without a value would carry no information and could not point to its
bilirubin record. A +/- 3-day allowance could become a convention later. Two results of one
component on one day: the later draw (then the higher --SEQ) counts. Dialysis is not collected,
so the MELD family assumes no dialysis (as the score functions do for a missing flag).

Traceability: lab-derived scores (MELD family, CPSCORE, CPCLASS) carry SRCDOM/SRCVAR/SRCSEQ of
the LB bilirubin record of that date, and its date-time, visit and analysis date; ECOG and
FibroScan records point to their own RS/XF record. DTYPE is not used: every record is an
observed or a computed value, none is imputed.

Chain: component records -> score parameters -> ECOG and FibroScan records -> STUDYID and ADSL
variables -> PARAM/PARAMN/PARCAT1 -> ADY -> baseline, BASE/BASEC, CHG/PCHG, analysis windows,
ANL01FL -> PCHG cleared for the ordinal parameters (CPCLASS, ECOG).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.adam.adlb import derive_vars_param
from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.bds import (
    analysis_windows,
    derive_bds_baseline_chain,
    derive_bds_timing,
    findings_to_bds,
)
from analysis.adam.context import AdamContext
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.subject import derive_vars_merged
from analysis.adam.metadata import Param, load_params
from analysis.adam.scores import (
    child_pugh_class,
    child_pugh_score,
    meld3,
    meld_na,
    meld_unos,
)

# assessment schedules (specs/study.yaml `assessments`) whose analysis windows apply
SCHEDULES = {"MELD": "liver_labs", "MELDNA": "liver_labs", "MELD3": "liver_labs",
             "CPSCORE": "child_pugh_clinical", "CPCLASS": "child_pugh_clinical",
             "ECOG": "ecog", "LSM": "fibroscan", "CAP": "fibroscan", "IQRMED": "fibroscan"}
MELD_INPUTS = ("BILI", "CREAT", "INR", "SODIUM", "ALB")  # LBTESTCD, SI units
CP_LAB_INPUTS = ("BILI", "ALB", "INR")
CP_CLINICAL_INPUTS = ("CPSASCIT", "CPSHEGR")  # RSTESTCD; CPSDIUR is optional (see derive_param_cpscore)
ECOG_TESTCD = "ECOG101"
FIBROSCAN_TESTCDS = ("LSM", "CAP", "IQRMED")  # LSMIQR and VALIDN are exam-quality data, not analysed
ANCHOR = "BILI"  # the component whose record a lab-derived score points to
CP_CLASS_N = {"A": 1.0, "B": 2.0, "C": 3.0}
# ordinal parameters: a change in grade/class is meaningful, a percent change is not
ORDINAL_PARAMS = ("CPCLASS", "ECOG")
# BDS helper columns of the shared chain that are not ADRS variables (no time points here)
DROPPED = ("ATPT", "ATPTN")

DEFAULT_SPEC_DIR = Path(__file__).resolve().parents[3] / "specs" / "adam"


def default_params(dataset: str, spec_dir: str | Path = DEFAULT_SPEC_DIR) -> dict[str, Param]:
    """The parameter spec of `dataset` from specs/adam (params.csv or params/<DATASET>.csv)."""
    return load_params(spec_dir)[dataset]


def derive_param_computed(records: pd.DataFrame, *, by_vars: Sequence[str], parameters: Sequence[str],
                          new_paramcd: str, compute: Callable[[pd.DataFrame], pd.Series], anchor: str,
                          optional: Sequence[str] = ()) -> pd.DataFrame:
    """Records of `new_paramcd` computed from other parameters' records that share `by_vars`
    (admiral `derive_param_computed`): one per `by_vars` group that has every one of
    `parameters` with a value. `compute` receives one wide row per group: the `by_vars`, AVAL of
    each component under its PARAMCD and AVALC under PARAMCD + "_C" (`optional` components too,
    missing where absent); it returns the new AVAL. Every other column (dates, visit, SRCDOM,
    SRCVAR, SRCSEQ, ...) is copied from the group's `anchor` record. Groups whose computed AVAL
    is missing get no record. A component recorded twice in a group counts once: the last by
    ADTM, then SRCSEQ.

    >>> lb = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ADT": pd.to_datetime(["2024-05-01"] * 3),
    ...     "ADTM": pd.to_datetime(["2024-05-01 08:00"] * 3), "PARAMCD": ["BILI", "ALB", "BILI"],
    ...     "AVAL": [20.0, 30.0, np.nan], "AVALC": ["20", "30", ""], "SRCSEQ": [1.0, 2.0, 3.0]})
    >>> out = derive_param_computed(lb, by_vars=["USUBJID", "ADT"], parameters=["BILI", "ALB"], new_paramcd="X",
    ...     compute=lambda w: w["BILI"] + w["ALB"], anchor="BILI")
    >>> out[["PARAMCD", "AVAL", "SRCSEQ"]].values.tolist()
    [['X', 50.0, 1.0]]
    """
    by_vars, parameters, optional = list(by_vars), list(parameters), list(optional)
    if anchor not in parameters:
        raise ValueError(f"derive_param_computed: the anchor {anchor} must be one of the required parameters")
    require_columns(records, [*by_vars, "PARAMCD", "AVAL", "AVALC", "ADTM", "SRCSEQ"], "derive_param_computed")
    comp = records[records["PARAMCD"].isin(parameters + optional)]
    has_value = comp["AVAL"].notna() | (comp["AVALC"].fillna("").astype(str).str.strip() != "")
    comp = comp[has_value].sort_values([*by_vars, "PARAMCD", "ADTM", "SRCSEQ"], kind="stable")
    comp = comp.drop_duplicates([*by_vars, "PARAMCD"], keep="last")
    long = comp.set_index([*by_vars, "PARAMCD"])
    codes = parameters + optional
    aval = long["AVAL"].unstack("PARAMCD").reindex(columns=codes).astype(float)
    avalc = long["AVALC"].astype(object).unstack("PARAMCD").reindex(columns=codes).fillna("")
    complete = aval[parameters].notna() | (avalc[parameters] != "")
    groups = complete.index[complete.all(axis=1)]
    if len(groups) == 0:
        return records.iloc[0:0].copy()
    wide = pd.concat([aval.loc[groups], avalc.loc[groups].add_suffix("_C")], axis=1).reset_index()
    wide.columns.name = None
    value = pd.Series(np.asarray(compute(wide), dtype=float), index=wide.index)
    anchors = comp[comp["PARAMCD"] == anchor].set_index(by_vars)
    out = anchors.loc[groups].reset_index()
    out["PARAMCD"], out["AVAL"], out["AVALC"] = new_paramcd, value.to_numpy(), ""
    return out[out["AVAL"].notna()].reset_index(drop=True)


def lab_component_records(lb: pd.DataFrame, testcds: Sequence[str] = MELD_INPUTS) -> pd.DataFrame:
    """The LB results the lab-derived scores use, as BDS base records (ADT, ADTM, SRCSEQ, ...);
    not-done records are dropped (findings_to_bds).

    >>> lb = pd.DataFrame({"USUBJID": ["1", "1"], "LBSEQ": [1.0, 2.0], "LBTESTCD": ["BILI", "ALT"],
    ...     "LBSTRESN": [20.0, 30.0], "LBSTRESC": ["20", "30"], "LBDTC": ["2024-05-01T08:00"] * 2,
    ...     "VISIT": ["DAY 7"] * 2, "VISITNUM": [6.0] * 2})
    >>> lab_component_records(lb)["PARAMCD"].tolist()
    ['BILI']
    """
    require_columns(lb, ["LBTESTCD"], "lab_component_records")
    return findings_to_bds(lb[lb["LBTESTCD"].isin(testcds)], "LB", schedule=SCHEDULES["MELD"])


def derive_params_meld(labs: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """MELD (OPTN/UNOS integer), MELDNA (OPTN 2016) and MELD3 (MELD 3.0, uncapped, female = ADSL
    SEX "F") from the same-date LB components (see derive_param_computed), anchored on bilirubin.
    MELD and MELD-Na need bilirubin, creatinine and INR (and sodium); MELD 3.0 also albumin and a
    known sex (SEX "F" or "M").

    >>> labs = pd.DataFrame({"USUBJID": ["1"] * 5, "ADT": pd.to_datetime(["2024-05-01"] * 5),
    ...     "ADTM": pd.to_datetime(["2024-05-01 08:00"] * 5), "PARAMCD": ["BILI", "CREAT", "INR", "SODIUM", "ALB"],
    ...     "AVAL": [2.5 * 17.1, 1.2 * 88.4, 1.0, 131.0, 38.0], "AVALC": [""] * 5, "SRCSEQ": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> derive_params_meld(labs, pd.DataFrame({"USUBJID": ["1"], "SEX": ["F"]}))[["PARAMCD", "AVAL"]].values.tolist()
    [['MELD', 12.0], ['MELDNA', 18.0], ['MELD3', 17.0]]
    """
    require_columns(adsl, ["USUBJID", "SEX"], "derive_params_meld")
    female = adsl.set_index("USUBJID")["SEX"].map({"F": 1.0, "M": 0.0})
    by = ["USUBJID", "ADT"]
    meld = derive_param_computed(labs, by_vars=by, parameters=["BILI", "CREAT", "INR"], new_paramcd="MELD",
                                 anchor=ANCHOR, compute=lambda w: meld_unos(w["BILI"], w["CREAT"], w["INR"]))
    meldna = derive_param_computed(labs, by_vars=by, parameters=["BILI", "CREAT", "INR", "SODIUM"],
                                   new_paramcd="MELDNA", anchor=ANCHOR,
                                   compute=lambda w: meld_na(w["BILI"], w["CREAT"], w["INR"], w["SODIUM"]))
    meld_3 = derive_param_computed(labs, by_vars=by, parameters=list(MELD_INPUTS), new_paramcd="MELD3",
                                   anchor=ANCHOR,
                                   compute=lambda w: meld3(w["BILI"], w["CREAT"], w["INR"], w["SODIUM"], w["ALB"],
                                                           female=w["USUBJID"].map(female)))
    return pd.concat([meld, meldna, meld_3], ignore_index=True)


def cp_clinical_records(rs: pd.DataFrame) -> pd.DataFrame:
    """RS Child-Pugh clinical components (CPSASCIT, CPSDIUR, CPSHEGR) as BDS base records.

    >>> rs = pd.DataFrame({"USUBJID": ["1", "1"], "RSSEQ": [1.0, 2.0], "RSTESTCD": ["CPSASCIT", "ECOG101"],
    ...     "RSSTRESN": [np.nan, 1.0], "RSSTRESC": ["MILD", "1"], "RSDTC": ["2024-05-01"] * 2,
    ...     "VISIT": ["DAY 28"] * 2, "VISITNUM": [7.0] * 2})
    >>> cp_clinical_records(rs)[["PARAMCD", "AVALC"]].values.tolist()
    [['CPSASCIT', 'MILD']]
    """
    require_columns(rs, ["RSTESTCD"], "cp_clinical_records")
    keep = rs[rs["RSTESTCD"].isin([*CP_CLINICAL_INPUTS, "CPSDIUR"])]
    return findings_to_bds(keep, "RS", schedule=SCHEDULES["CPSCORE"])


def derive_param_cpscore(components: pd.DataFrame) -> pd.DataFrame:
    """CPSCORE (Child-Pugh points 5-15) on each date with LB bilirubin, albumin and INR and RS
    ascites and encephalopathy grade; anchored on bilirubin. The diuretics answer (CPSDIUR) is
    used when present: it matters only when ascites is NONE (NONE with diuretics scores 2), and
    a date where it is then missing gets no score.

    >>> c = pd.DataFrame({"USUBJID": ["1"] * 5, "ADT": pd.to_datetime(["2024-05-01"] * 5),
    ...     "ADTM": pd.to_datetime(["2024-05-01 08:00"] + ["2024-05-01 00:00"] * 4),
    ...     "PARAMCD": ["BILI", "ALB", "INR", "CPSASCIT", "CPSHEGR"], "AVAL": [40.0, 30.0, 1.5, np.nan, 0.0],
    ...     "AVALC": ["40", "30", "1.5", "MILD", "0"], "SRCSEQ": [1.0, 2.0, 3.0, 1.0, 2.0]})
    >>> derive_param_cpscore(c)[["PARAMCD", "AVAL", "SRCSEQ"]].values.tolist()   # 2 + 2 + 1 + 2 + 1
    [['CPSCORE', 8.0, 1.0]]
    """
    return derive_param_computed(
        components, by_vars=["USUBJID", "ADT"], parameters=[*CP_LAB_INPUTS, *CP_CLINICAL_INPUTS],
        optional=["CPSDIUR"], new_paramcd="CPSCORE", anchor=ANCHOR,
        compute=lambda w: child_pugh_score(w["BILI"], w["ALB"], w["INR"], w["CPSASCIT_C"], w["CPSHEGR"],
                                           diuretics=w["CPSDIUR_C"]))


def derive_param_cpclass(scores: pd.DataFrame) -> pd.DataFrame:
    """CPCLASS records from the CPSCORE records: AVALC = class A (5-6), B (7-9), C (10-15) and
    AVAL = 1, 2, 3 (ordinal); every other column as on the score record.

    >>> s = pd.DataFrame({"PARAMCD": ["CPSCORE", "CPSCORE", "MELD"], "AVAL": [6.0, 10.0, 12.0], "AVALC": ["", "", ""]})
    >>> derive_param_cpclass(s)[["PARAMCD", "AVALC", "AVAL"]].values.tolist()
    [['CPCLASS', 'A', 1.0], ['CPCLASS', 'C', 3.0]]
    """
    require_columns(scores, ["PARAMCD", "AVAL", "AVALC"], "derive_param_cpclass")
    cls = scores[scores["PARAMCD"] == "CPSCORE"].copy()
    cls["PARAMCD"] = "CPCLASS"
    cls["AVALC"] = pd.Series(child_pugh_class(cls["AVAL"]), index=cls.index).fillna("")
    cls["AVAL"] = cls["AVALC"].map(CP_CLASS_N).astype(float)
    return cls.reset_index(drop=True)


def ecog_records(rs: pd.DataFrame) -> pd.DataFrame:
    """ECOG performance status (RS ECOG101) as collected: AVAL = RSSTRESN, AVALC = RSSTRESC,
    PARAMCD ECOG.

    >>> rs = pd.DataFrame({"USUBJID": ["1"], "RSSEQ": [7.0], "RSTESTCD": ["ECOG101"], "RSSTRESN": [1.0],
    ...     "RSSTRESC": ["1"], "RSDTC": ["2024-05-01"], "VISIT": ["DAY 28"], "VISITNUM": [7.0]})
    >>> ecog_records(rs)[["PARAMCD", "AVAL", "AVALC", "SRCVAR", "SRCSEQ"]].values.tolist()
    [['ECOG', 1.0, '1', 'RSSTRESC', 7.0]]
    """
    require_columns(rs, ["RSTESTCD"], "ecog_records")
    out = findings_to_bds(rs[rs["RSTESTCD"] == ECOG_TESTCD], "RS", schedule=SCHEDULES["ECOG"])
    out["PARAMCD"] = "ECOG"
    return out


def fibroscan_records(xf: pd.DataFrame) -> pd.DataFrame:
    """FibroScan liver stiffness (LSM, kPa), CAP (dB/m) and IQR/median (%) from XF as collected.

    >>> xf = pd.DataFrame({"USUBJID": ["1", "1"], "XFSEQ": [1.0, 2.0], "XFTESTCD": ["LSM", "VALIDN"],
    ...     "XFSTRESN": [12.5, 10.0], "XFSTRESC": ["12.5", "10"], "XFDTC": ["2024-05-01"] * 2,
    ...     "VISIT": ["WEEK 12"] * 2, "VISITNUM": [17.0] * 2})
    >>> fibroscan_records(xf)[["PARAMCD", "AVAL", "SRCDOM"]].values.tolist()
    [['LSM', 12.5, 'XF']]
    """
    require_columns(xf, ["XFTESTCD"], "fibroscan_records")
    return findings_to_bds(xf[xf["XFTESTCD"].isin(FIBROSCAN_TESTCDS)], "XF", schedule=SCHEDULES["LSM"])


def clear_var_for_params(df: pd.DataFrame, var: str, paramcds: Sequence[str]) -> pd.DataFrame:
    """Set `var` missing on the records of `paramcds` (e.g. PCHG on ordinal parameters).

    >>> df = pd.DataFrame({"PARAMCD": ["ECOG", "MELD"], "PCHG": [100.0, 20.0]})
    >>> clear_var_for_params(df, "PCHG", ["ECOG"])["PCHG"].tolist()
    [nan, 20.0]
    """
    require_columns(df, ["PARAMCD", var], "clear_var_for_params")
    out = fresh(df)
    out.loc[out["PARAMCD"].isin(paramcds), var] = np.nan
    return out


def derive_adrs_records(ctx: AdamContext, adsl: pd.DataFrame) -> pd.DataFrame:
    """Every ADRS record before the ADSL variables and the baseline chain."""
    labs = lab_component_records(ctx.domain("LB"))
    rs = ctx.domain("RS")
    meld = derive_params_meld(labs, adsl)
    cp = derive_param_cpscore(pd.concat([labs, cp_clinical_records(rs)], ignore_index=True))
    cp = pd.concat([cp, derive_param_cpclass(cp)], ignore_index=True)
    out = pd.concat([meld, cp, ecog_records(rs), fibroscan_records(ctx.domain("XF"))], ignore_index=True)
    # a score takes its anchor's schedule (liver_labs); Child-Pugh follows the clinical schedule
    out["_SCHEDULE"] = out["PARAMCD"].map(SCHEDULES)
    return out


def build_adrs(ctx: AdamContext, adsl: pd.DataFrame, params: dict[str, Param] | None = None) -> pd.DataFrame:
    """ADRS from LB, RS, XF and ADSL (see the module docstring); `params` is the ADRS parameter
    spec (default: specs/adam)."""
    require_columns(adsl, ["STUDYID", "USUBJID", "SEX", "TRTSDT", "TRTSDTM"], "build_adrs")
    params = default_params("ADRS") if params is None else params
    adrs = derive_adrs_records(ctx, adsl)
    adrs = derive_vars_merged(adrs, adsl, ["USUBJID"], ["STUDYID"])
    adrs = merge_adsl_vars(adrs, adsl)
    adrs = derive_vars_param(adrs, params)
    adrs = derive_bds_timing(adrs, adsl)
    windows = analysis_windows(ctx.study, adsl, ctx.domain("EX"), sorted(set(SCHEDULES.values())))
    adrs = derive_bds_baseline_chain(adrs, ctx.study, windows)
    adrs = clear_var_for_params(adrs, "PCHG", ORDINAL_PARAMS)
    return adrs.drop(columns=list(DROPPED))
