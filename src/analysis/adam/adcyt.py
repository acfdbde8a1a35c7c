"""ADCYT: cytokines (LB, LBCAT "CYTOKINES"), one record per subject, parameter and sample (BDS).

Built as a chain: LB cytokine records -> BDS records (findings_to_bds, schedule "cytokines")
-> assay LLOQ (ALLOQ) and below-LLOQ imputation -> a natural-log parameter per cytokine ->
PARAM/PARAMN/PARCAT1 -> ADSL variables -> ADY -> baseline chain (ABLFL, BASE, windows,
ANL01FL) -> CHG, R2BASE -> infusion cycle (ATPTREF, ARELTM) -> cycle pre-infusion value
(CYCBLFL, CYCBASE, R2CYCBS).

Conventions (domain reference 7.4-7.7; SAP to confirm):
* Below the LLOQ: AVALC keeps the reported "<x", AVAL = LLOQ x blq_factor (conventions.yaml,
  0.5), BLQFL = "Y"; ALLOQ is LB.LBLLOQ. ">x" gives AVAL = x, ALQFL = "Y".
* Log scale: ADaM analyses a transformation of AVAL as its own parameter, so every cytokine
  XXX has XXXLN with AVAL = ln(AVAL of XXX) (of the imputed value below the LLOQ; missing when
  AVAL <= 0, which an assay with an LLOQ never reports), same records, timing and flags, ALLOQ
  = ln(LLOQ), AVALC blank. Its BASE/CHG come from the same chain, so CHG of XXXLN is the log
  fold change ln(AVAL/BASE) and exp(mean CHG) the geometric mean fold change. Ratios (R2BASE,
  R2CYCBS) are filled on the linear parameters only: a ratio of logarithms means nothing.
* Study baseline (ABLFL): the last value taken at or before the start of the first infusion
  (bds.derive_bds_baseline_chain); the Day 1 pre-dose sample beats Day -1, a sample taken after
  the infusion started is never baseline.
* Cycle (ATPTREF = "INFUSION k"): k numbers the infusions the subject received (EX, EXDOSE > 0)
  in order of start, as analysis_windows does. A sample belongs to the latest infusion whose
  start DATE is on or before the sample date: samples on an infusion day belong to that
  infusion, the pre-dose ones with a negative ARELTM ("cycle k pre-infusion value"). Samples
  before the first infusion day (Day -1, screening) belong to infusion 1 too, with a negative
  ARELTM: there is no earlier cycle, and the cycle-1 pre-infusion record (the study baseline,
  possibly Day -1) then lies in its own cycle. ARELTM = hours from the start of that infusion
  to the sample (ARELTMU "HOURS"); missing when either time is unknown. Subjects never dosed
  have no cycle.
* Cycle pre-infusion value: for cycle 1 the study baseline record; for cycle k >= 2 the last
  value taken after the start of infusion k-1 and at or before the start of infusion k (the
  same pre-dose test as the study baseline, against infusion k). That record has CYCBLFL = "Y";
  CYCBASE is its AVAL on every record of cycle k, R2CYCBS = AVAL / CYCBASE. When the infusion-day
  pre-dose sample is missing the flagged record can be the previous cycle's last sample (Day 28
  for infusion 2): it keeps the ATPTREF, ARELTM and CYCBASE of the cycle it was taken in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.bds import (
    analysis_windows,
    clear_pre_baseline_analysis,
    derive_bds_baseline_chain,
    derive_bds_timing,
    findings_to_bds,
)
from analysis.adam.context import AdamContext
from analysis.adam.derive.baseline import (
    derive_var_ablfl,
    derive_var_chg,
    derive_var_predose,
)
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.dates import derive_vars_dtm, impute_dtc_dt
from analysis.adam.derive.keys import joint_keys
from analysis.adam.derive.labs import derive_vars_blq
from analysis.adam.derive.occurrence import derive_var_last_dose_number
from analysis.errors import UserError
from analysis.specs import Study

LOG_SUFFIX = "LN"  # PARAMCD of the natural-log parameter: IL6 -> IL6LN
CYCLE_PREFIX = "INFUSION "  # ATPTREF = "INFUSION k"
ADSL_VARS = ("STUDYID", "SUBJID", "SITEID", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN", "TRTSDT", "TRTSDTM", "SAFFL")
ORDER = ["ADTM", "ADT", "ATPTN", "SRCSEQ"]  # chronological order of a subject's samples (as the baseline chain)


def cytokine_schedule(study: Study, conventions: dict) -> tuple[str, str]:
    """(assessment name, LBCAT) of the cytokine panel: conventions.yaml names the
    specs/study.yaml assessment whose visits are ADCYT's windows and whose category is its
    LBCAT (and PARCAT1); ADLB leaves that category out.

    >>> from analysis.specs import load_study
    >>> cytokine_schedule(load_study("specs/study.yaml"), {"cytokine_assessment": "cytokines"})
    ('cytokines', 'CYTOKINES')
    """
    name = conventions["cytokine_assessment"]
    return name, study.data["assessments"][name]["category"]


def cytokine_params(study: Study, category: str) -> pd.DataFrame:
    """PARAMCD, PARAM, PARAMN, PARCAT1, unit and `_LOG` for every cytokine of the lab
    dictionary (specs/lab_tests.yaml, category CYTOKINES): the linear parameters first (PARAMN
    1..n, in dictionary order), then their natural-log twins (n+1..2n). specs/adam/params/ADCYT.csv
    lists the same parameters (tests/adam/test_adcyt.py checks it).

    >>> from analysis.specs import load_study
    >>> p = cytokine_params(load_study("specs/study.yaml"), "CYTOKINES")
    >>> p[p.PARAMCD.isin(["IL6", "IL6LN"])][["PARAMCD", "PARAM", "PARAMN"]].values.tolist()
    [['IL6', 'Interleukin 6 (pg/mL)', 2], ['IL6LN', 'Log Interleukin 6 (ln pg/mL)', 14]]
    """
    tests = [t for t in study.lab_tests.values() if t.category == category]
    n = len(tests)
    rows = [{"PARAMCD": t.testcd, "PARAM": f"{t.test} ({t.std_unit})", "PARAMN": i + 1, "PARCAT1": category,
             "UNIT": t.std_unit, "_TESTCD": t.testcd, "_LOG": False} for i, t in enumerate(tests)]
    rows += [{"PARAMCD": t.testcd + LOG_SUFFIX, "PARAM": f"Log {t.test} (ln {t.std_unit})", "PARAMN": n + i + 1,
              "PARCAT1": category, "UNIT": f"ln {t.std_unit}", "_TESTCD": t.testcd, "_LOG": True}
             for i, t in enumerate(tests)]
    return pd.DataFrame(rows)


def derive_var_alloq(bds: pd.DataFrame, lb: pd.DataFrame, *, units: dict[str, str] | None = None) -> pd.DataFrame:
    """ALLOQ (the assay's lower limit of quantitation, LB.LBLLOQ) from the LB record each BDS
    record came from (USUBJID, SRCSEQ = LBSEQ). When `units` ({LBTESTCD: standard unit}) is
    given, a record whose LBSTRESU is another unit raises: PARAM states the unit.

    >>> bds = pd.DataFrame({"USUBJID": ["1"], "PARAMCD": ["IL6"], "SRCSEQ": [4.0]})
    >>> lb = pd.DataFrame({"USUBJID": ["1"], "LBSEQ": [4.0], "LBLLOQ": [1.5], "LBSTRESU": ["pg/mL"]})
    >>> derive_var_alloq(bds, lb, units={"IL6": "pg/mL"})["ALLOQ"].tolist()
    [1.5]
    """
    require_columns(bds, ["USUBJID", "PARAMCD", "SRCSEQ"], "derive_var_alloq")
    require_columns(lb, ["USUBJID", "LBSEQ", "LBLLOQ", "LBSTRESU"], "derive_var_alloq (LB)")
    src = lb[["USUBJID", "LBSEQ", "LBLLOQ", "LBSTRESU"]].rename(columns={"LBSEQ": "SRCSEQ", "LBLLOQ": "ALLOQ"})
    src = src.assign(SRCSEQ=src["SRCSEQ"].astype(float), ALLOQ=pd.to_numeric(src["ALLOQ"], errors="coerce"))
    merged = bds.drop(columns=["ALLOQ"], errors="ignore").merge(src, on=["USUBJID", "SRCSEQ"], how="left",
                                                                validate="many_to_one")
    merged.index = bds.index
    if units:
        want = merged["PARAMCD"].map(units)
        stresu = merged["LBSTRESU"].fillna("")
        bad = want.notna() & (stresu != "") & (stresu != want)
        if bad.any():
            r = merged[bad].iloc[0]
            raise UserError(f"LB: {int(bad.sum())} cytokine record(s) not in the standard unit of specs/lab_tests.yaml, "
                             f"e.g. {r['USUBJID']} {r['PARAMCD']} in {r['LBSTRESU']!r} (expected {want[bad].iloc[0]!r})")
    return merged.drop(columns=["LBSTRESU"])


def derive_var_srcvar_limit(bds: pd.DataFrame, *, domain: str = "LB") -> pd.DataFrame:
    """SRCVAR = --STRESC on records whose value was reported as a limit ("<x", ">x": BLQFL or
    ALQFL "Y"): --STRESN is empty there and AVAL is imputed from the text and the LLOQ.

    >>> df = pd.DataFrame({"SRCVAR": ["LBSTRESN", "LBSTRESN"], "BLQFL": ["Y", ""], "ALQFL": ["", ""]})
    >>> derive_var_srcvar_limit(df)["SRCVAR"].tolist()
    ['LBSTRESC', 'LBSTRESN']
    """
    require_columns(bds, ["SRCVAR", "BLQFL", "ALQFL"], "derive_var_srcvar_limit")
    out = fresh(bds)
    limit = (bds["BLQFL"] == "Y") | (bds["ALQFL"] == "Y")
    out["SRCVAR"] = bds["SRCVAR"].where(~limit, f"{domain}STRESC")
    return out


def derive_param_log(bds: pd.DataFrame, *, suffix: str = LOG_SUFFIX) -> pd.DataFrame:
    """Append a natural-log parameter for every parameter: PARAMCD + `suffix`, AVAL = ln(AVAL)
    (missing when AVAL is missing or <= 0), ALLOQ = ln(ALLOQ), AVALC blank, every other column
    (timing, source, BLQFL) copied. `_LOG` marks the log records (True) for later verbs.

    >>> df = pd.DataFrame({"PARAMCD": ["IL6", "IL6"], "AVAL": [np.e, 0.75], "AVALC": ["2.72", "<1.5"],
    ...                    "ALLOQ": [1.5, 1.5]})
    >>> out = derive_param_log(df)
    >>> out["PARAMCD"].tolist(), out["AVAL"].round(4).tolist(), out["AVALC"].tolist()
    (['IL6', 'IL6', 'IL6LN', 'IL6LN'], [2.7183, 0.75, 1.0, -0.2877], ['2.72', '<1.5', '', ''])
    """
    require_columns(bds, ["PARAMCD", "AVAL", "AVALC", "ALLOQ"], "derive_param_log")
    lin = bds.assign(_LOG=False)
    log = lin.assign(_LOG=True, PARAMCD=lin["PARAMCD"] + suffix, AVAL=_ln(lin["AVAL"]), ALLOQ=_ln(lin["ALLOQ"]),
                     AVALC="")
    return pd.concat([lin, log], ignore_index=True)


def _ln(x: pd.Series) -> pd.Series:
    """Natural log; missing for missing or non-positive values (no log of 0: no constant is added)."""
    x = x.astype(float)
    return np.log(x.where(x > 0))


def derive_vars_param(bds: pd.DataFrame, params: pd.DataFrame) -> pd.DataFrame:
    """PARAM, PARAMN and PARCAT1 from the parameter table (`cytokine_params`); a PARAMCD the
    table does not know raises (a cytokine missing from specs/lab_tests.yaml).

    >>> params = pd.DataFrame({"PARAMCD": ["IL6"], "PARAM": ["Interleukin 6 (pg/mL)"], "PARAMN": [2],
    ...                        "PARCAT1": ["CYTOKINES"]})
    >>> derive_vars_param(pd.DataFrame({"PARAMCD": ["IL6"]}), params)[["PARAM", "PARAMN"]].values.tolist()
    [['Interleukin 6 (pg/mL)', 2.0]]
    """
    require_columns(bds, ["PARAMCD"], "derive_vars_param")
    require_columns(params, ["PARAMCD", "PARAM", "PARAMN", "PARCAT1"], "derive_vars_param (params)")
    unknown = sorted(set(bds["PARAMCD"]) - set(params["PARAMCD"]))
    if unknown:
        raise ValueError(f"derive_vars_param: PARAMCD {unknown} not in the parameter table")
    p = params.set_index("PARAMCD")
    out = fresh(bds)
    out["PARAM"] = out["PARAMCD"].map(p["PARAM"])
    out["PARAMN"] = out["PARAMCD"].map(p["PARAMN"]).astype(float)
    out["PARCAT1"] = out["PARAMCD"].map(p["PARCAT1"])
    return out


def derive_var_fold_change(bds: pd.DataFrame, *, numerator: str = "AVAL", denominator: str = "BASE",
                           new_var: str = "R2BASE", log_flag: str = "_LOG") -> pd.DataFrame:
    """`new_var` = numerator / denominator (fold change) on linear-scale records; missing on
    log-scale records (`log_flag` True: CHG there is the log fold change) and when the
    denominator is 0 or missing.

    >>> df = pd.DataFrame({"AVAL": [45.0, 1.0], "BASE": [30.0, 2.0], "_LOG": [False, True]})
    >>> derive_var_fold_change(df)["R2BASE"].tolist()
    [1.5, nan]
    """
    require_columns(bds, [numerator, denominator, log_flag], "derive_var_fold_change")
    den = bds[denominator].where((bds[denominator] != 0) & ~bds[log_flag].astype(bool))
    out = fresh(bds)
    out[new_var] = bds[numerator] / den
    return out


def infusion_starts(ex: pd.DataFrame) -> pd.DataFrame:
    """One row per infusion given (EX, EXDOSE > 0): USUBJID, `_INFNUM` (1, 2, ... in order of
    start, as analysis_windows numbers them), `_INFSTDT` (start date) and `_INFSTDTM` (start
    date-time; missing when EXSTDTC has no time, so no hours are counted from a guessed time).

    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSE": [1.0, 1.0],
    ...                    "EXSTDTC": ["2024-02-01", "2024-01-01T10:00"]})
    >>> infusion_starts(ex)[["_INFNUM", "_INFSTDTM"]].astype(str).values.tolist()
    [['1.0', '2024-01-01 10:00:00'], ['2.0', 'NaT']]
    """
    require_columns(ex, ["USUBJID", "EXDOSE", "EXSTDTC"], "infusion_starts")
    given = ex.loc[ex["EXDOSE"] > 0, ["USUBJID", "EXSTDTC"]].copy()
    given["_INFSTDT"] = impute_dtc_dt(given["EXSTDTC"].fillna("").str[:10])[0]
    given = derive_vars_dtm(given, "_INFST", "EXSTDTC")
    given["_INFSTDTM"] = given["_INFSTDTM"].where(given["_INFSTTMF"] != "H")
    given = given.dropna(subset=["_INFSTDT"]).sort_values(["USUBJID", "_INFSTDT", "_INFSTDTM"], kind="stable")
    given["_INFNUM"] = (given.groupby("USUBJID").cumcount() + 1).astype(float)
    return given[["USUBJID", "_INFNUM", "_INFSTDT", "_INFSTDTM"]].reset_index(drop=True)


def derive_vars_atptref(bds: pd.DataFrame, infusions: pd.DataFrame) -> pd.DataFrame:
    """ATPTREF = "INFUSION k", the latest infusion started on or before the sample's date (so
    a pre-dose sample on an infusion day belongs to that infusion), infusion 1 for samples
    before the first infusion day, with `_CYCNUM` = k; ARELTM = hours from that infusion's
    start to the sample (negative before it), ARELTMU "HOURS". ARELTM is missing when the
    sample time was not collected (ATMF "H") or the infusion start time is unknown; all are
    blank for subjects without infusions and samples without a date.

    >>> inf = pd.DataFrame({"USUBJID": ["1", "1"], "_INFNUM": [1.0, 2.0],
    ...     "_INFSTDT": pd.to_datetime(["2024-01-01", "2024-01-31"]),
    ...     "_INFSTDTM": pd.to_datetime(["2024-01-01 10:00", "2024-01-31 10:00"])})
    >>> adtm = pd.to_datetime(["2023-12-31 08:00", "2024-01-01 09:00", "2024-01-30 08:00", "2024-01-31 12:30"])
    >>> df = pd.DataFrame({"USUBJID": ["1"] * 4, "ADTM": adtm, "ADT": adtm.normalize(), "ATMF": ["S"] * 4})
    >>> derive_vars_atptref(df, inf)[["ATPTREF", "ARELTM"]].values.tolist()
    [['INFUSION 1', -26.0], ['INFUSION 1', -1.0], ['INFUSION 1', 694.0], ['INFUSION 2', 2.5]]
    """
    require_columns(bds, ["USUBJID", "ADT", "ADTM", "ATMF"], "derive_vars_atptref")
    require_columns(infusions, ["USUBJID", "_INFNUM", "_INFSTDT", "_INFSTDTM"], "derive_vars_atptref (infusions)")
    out = derive_var_last_dose_number(bds, infusions, event_date="ADT", dose_date="_INFSTDT", dose_number="_INFNUM",
                                      new_var="_CYCNUM")
    # before the first infusion day there is no earlier cycle: the sample precedes infusion 1
    first = infusions[infusions["_INFNUM"] == 1].set_index("USUBJID")["_INFSTDT"]
    before_first = out["_CYCNUM"].isna() & out["ADT"].notna() & out["USUBJID"].isin(first.index)
    out["_CYCNUM"] = out["_CYCNUM"].mask(before_first, 1.0)
    start = infusions.set_index(["USUBJID", "_INFNUM"])["_INFSTDTM"]
    cyc_start = pd.to_datetime(pd.Series(start.reindex(pd.MultiIndex.from_arrays([out["USUBJID"], out["_CYCNUM"]]))
                                         .to_numpy(), index=out.index))
    timed = out["ATMF"] != "H"
    # the label of each distinct cycle number, spread back by code (-1, i.e. missing, gets "")
    codes, cycles = pd.factorize(out["_CYCNUM"])
    labels = np.array([CYCLE_PREFIX + str(int(k)) for k in cycles] + [""], dtype=object)
    out["ATPTREF"] = labels[codes]
    out["ARELTM"] = ((out["ADTM"] - cyc_start).dt.total_seconds() / 3600).where(timed)
    out["ARELTMU"] = np.where(out["ARELTM"].notna(), "HOURS", "")
    return out


def derive_var_precycle(bds: pd.DataFrame, infusions: pd.DataFrame, *, pre_dose_timepoints: Sequence[str] = (),
                        new_var: str = "_PRECYC") -> pd.DataFrame:
    """`new_var` = the number of the first infusion not yet started when the sample was taken
    (missing after the subject's last infusion): k when the sample is pre-dose for infusion k
    but not for k-1, by the study baseline's pre-dose test (`derive_var_predose`: date-time when
    both times are known, else the date, or the infusion day at a pre-dose time point).

    >>> inf = pd.DataFrame({"USUBJID": ["1", "1"], "_INFNUM": [1.0, 2.0],
    ...     "_INFSTDT": pd.to_datetime(["2024-01-01", "2024-01-31"]),
    ...     "_INFSTDTM": pd.to_datetime(["2024-01-01 10:00", "2024-01-31 10:00"])})
    >>> adtm = pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00", "2024-01-31 09:00", "2024-01-31 12:00"])
    >>> df = pd.DataFrame({"USUBJID": ["1"] * 4, "ADTM": adtm, "ADT": adtm.normalize(), "ATMF": ["S"] * 4,
    ...                    "ATPT": [""] * 4})
    >>> derive_var_precycle(df, inf)["_PRECYC"].tolist()
    [1.0, 2.0, 2.0, nan]
    """
    require_columns(bds, ["USUBJID", "ADT", "ADTM", "ATMF", "ATPT"], "derive_var_precycle")
    require_columns(infusions, ["USUBJID", "_INFNUM", "_INFSTDT", "_INFSTDTM"], "derive_var_precycle (infusions)")
    out = fresh(bds)
    precyc = pd.Series(np.nan, index=bds.index)
    # one pass per infusion number (at most 3), latest first, so the earliest infusion the
    # sample precedes wins; each pass is vectorised over all records
    for k in sorted(infusions["_INFNUM"].unique(), reverse=True):
        inf_k = infusions[infusions["_INFNUM"] == k].set_index("USUBJID")
        probe = pd.DataFrame({"ADT": bds["ADT"], "ADTM": bds["ADTM"], "ATMF": bds["ATMF"], "ATPT": bds["ATPT"],
                              "_KDT": pd.to_datetime(bds["USUBJID"].map(inf_k["_INFSTDT"])),
                              "_KDTM": pd.to_datetime(bds["USUBJID"].map(inf_k["_INFSTDTM"]))}, index=bds.index)
        pre = derive_var_predose(probe, trtsdtm="_KDTM", trtsdt="_KDT", pre_dose_timepoints=pre_dose_timepoints)
        precyc = precyc.where(~pre["_PREDOSE"], k)
    out[new_var] = precyc.astype(float)
    return out


def derive_vars_cycbase(bds: pd.DataFrame, *, order: Sequence[str] = tuple(ORDER)) -> pd.DataFrame:
    """CYCBLFL = "Y" on each cycle's pre-infusion record: the study baseline record (ABLFL) for
    cycle 1, for cycle k >= 2 the last record with a value among those taken after infusion k-1
    started and before infusion k did (`_PRECYC` = k); CYCBASE = AVAL of that record on every
    record of cycle k (`_CYCNUM` = k), per USUBJID and PARAMCD. Records without a cycle, or
    whose cycle has no pre-infusion value, get a missing CYCBASE.

    >>> df = pd.DataFrame({"USUBJID": ["1"] * 5, "PARAMCD": ["IL6"] * 5, "ADTM": pd.to_datetime(
    ...     ["2024-01-01 09:00", "2024-01-02 08:00", "2024-01-30 08:00", "2024-01-31 09:00", "2024-01-31 12:00"]),
    ...     "ADT": pd.NaT, "ATPTN": np.nan, "SRCSEQ": [1.0, 2.0, 3.0, 4.0, 5.0],
    ...     "AVAL": [4.0, 9.0, 5.0, 6.0, 12.0], "AVALC": ["4", "9", "5", "6", "12"], "ABLFL": ["Y", "", "", "", ""],
    ...     "_CYCNUM": [1.0, 1.0, 1.0, 2.0, 2.0], "_PRECYC": [1.0, 2.0, 2.0, 2.0, np.nan]})
    >>> out = derive_vars_cycbase(df)
    >>> out["CYCBLFL"].tolist(), out["CYCBASE"].tolist()
    (['Y', '', '', 'Y', ''], [4.0, 4.0, 4.0, 6.0, 6.0])
    """
    by = ["USUBJID", "PARAMCD"]
    require_columns(bds, [*by, *order, "AVAL", "AVALC", "ABLFL", "_CYCNUM", "_PRECYC"], "derive_vars_cycbase")
    # work on the few columns needed: ADCYT is wide and ~1M rows at full size
    narrow = bds[[*by, *order, "AVAL", "AVALC", "_PRECYC"]].assign(_CYCELIG=bds["_PRECYC"] >= 2)
    later = derive_var_ablfl(narrow, [*by, "_PRECYC"], list(order), eligible="_CYCELIG", new_var="_CYCBL")
    is_study_base, is_later_base = bds["ABLFL"] == "Y", later["_CYCBL"] == "Y"
    flagged = narrow[is_study_base | is_later_base]
    # the cycle each pre-infusion record is the base of: 1 for the study baseline, else _PRECYC
    base = pd.DataFrame({"USUBJID": flagged["USUBJID"], "PARAMCD": flagged["PARAMCD"],
                         "_CYCNUM": np.where(is_study_base[flagged.index], 1.0, flagged["_PRECYC"]),
                         "CYCBASE": flagged["AVAL"]})
    keys = [*by, "_CYCNUM"]
    if base.duplicated(keys).any():
        raise ValueError("derive_vars_cycbase: more than one pre-infusion record in a USUBJID/PARAMCD/cycle group")
    # look CYCBASE up by one integer key: a merge on the text keys of ~1M records cost seconds
    rec_key, base_key = joint_keys(bds[keys], base[keys])
    row_of_key = np.full(len(rec_key) + len(base_key), -1)
    row_of_key[base_key] = np.arange(len(base_key))
    row = row_of_key[rec_key]
    cycbase = np.where(row >= 0, base["CYCBASE"].to_numpy(dtype=float)[np.maximum(row, 0)] if len(base) else np.nan,
                       np.nan)
    out = fresh(bds)
    out["CYCBLFL"] = np.where(is_study_base | is_later_base, "Y", "")
    out["CYCBASE"] = cycbase
    return out


def build_adcyt(ctx: AdamContext, adsl: pd.DataFrame) -> pd.DataFrame:
    """ADCYT from the LB cytokine records, EX and ADSL (see the module docstring). Private
    helper columns (leading "_") are left for the writer to drop."""
    study, conv = ctx.study, ctx.conventions
    lb, ex = ctx.domain("LB"), ctx.domain("EX")
    schedule, category = cytokine_schedule(study, conv)
    cyt = lb[lb["LBCAT"] == category]
    params = cytokine_params(study, category)
    units = dict(zip(params.loc[~params["_LOG"], "PARAMCD"], params.loc[~params["_LOG"], "UNIT"]))
    bds = findings_to_bds(cyt, "LB", schedule=schedule)
    bds = derive_var_alloq(bds, cyt, units=units)
    bds = derive_vars_blq(bds, lloq="ALLOQ", blq_factor=float(conv["blq_factor"]),
                          not_detected=tuple(conv.get("not_detected_results", ())))
    bds = derive_var_srcvar_limit(bds)
    bds = derive_param_log(bds)
    bds = derive_vars_param(bds, params)
    bds = merge_adsl_vars(bds, adsl, ADSL_VARS)
    bds = derive_bds_timing(bds, adsl)
    windows = analysis_windows(study, adsl, ex, [schedule])
    # PCHG is not derived: for cytokines the fold change (R2BASE) is the relative measure
    bds = derive_bds_baseline_chain(bds, study, windows, with_chg=False)
    bds = derive_var_chg(bds)
    bds = derive_var_fold_change(bds, denominator="BASE", new_var="R2BASE")
    bds = clear_pre_baseline_analysis(bds)
    infusions = infusion_starts(ex)
    bds = derive_vars_atptref(bds, infusions)
    bds = derive_var_precycle(bds, infusions, pre_dose_timepoints=sorted(study.pre_dose_timepoints))
    bds = derive_vars_cycbase(bds)
    bds = derive_var_fold_change(bds, denominator="CYCBASE", new_var="R2CYCBS")
    return bds.reset_index(drop=True)
