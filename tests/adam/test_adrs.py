"""ADRS (analysis.adam.adrs) on a hand-built mini SDTM, then once on the real SDTM.

Two subjects, first infusion 2024-05-11 10:00 (Day 1; Day -1 = 2024-05-10, Day 28 = 2024-06-07):
* S1 (female): full MELD and Child-Pugh inputs on Day -1 and Day 28; on Day 1 at 11:00 (after the
  infusion started) MELD inputs again; on Day 7 bilirubin, creatinine, INR but sodium not done and
  no albumin; on 2024-05-24 creatinine and INR only; on Day 56 Child-Pugh clinical grades and
  bilirubin/albumin but INR not done. ECOG at screening and Day 28; FibroScan at screening and
  Week 12 (with a VALIDN record that ADRS does not analyse).
* S2 (male): MELD inputs at their lower bounds on Day -1; on Day 28 bilirubin drawn twice (07:00
  and 09:00) and the Child-Pugh clinical grades recorded the day before the labs.

Expected scores are worked out by hand in the comments (SI -> US units: bilirubin / 17.1,
creatinine / 88.4, albumin / 10) and cross-checked against the score functions.
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.adam.adrs as adrs_module
from analysis.adam.adrs import build_adrs
from analysis.adam.context import AdamContext
from analysis.adam.metadata import load_adam_specs, load_params
from analysis.adam.scores import child_pugh_score, meld3, meld_na, meld_unos
from analysis.sdtm.metadata import conform
from analysis.specs import load_study

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "specs" / "adam"
STUDY = load_study(ROOT / "specs" / "study.yaml")
KEYS = ["STUDYID", "USUBJID", "PARAMN", "ADT", "SRCSEQ"]


def lb_rows(usubjid, dtc, visit, visitnum, results, start_seq):
    """LB records of one draw: results = {LBTESTCD: value or "NOT DONE"}."""
    rows = []
    for i, (cd, v) in enumerate(results.items()):
        done = v != "NOT DONE"
        rows.append({"USUBJID": usubjid, "LBSEQ": float(start_seq + i), "LBTESTCD": cd,
                     "LBSTRESN": float(v) if done else np.nan, "LBSTRESC": str(v) if done else "",
                     "LBSTAT": "" if done else "NOT DONE", "LBDTC": dtc, "VISIT": visit, "VISITNUM": visitnum,
                     "LBTPT": "", "LBTPTNUM": np.nan})
    return rows


def rs_rows(usubjid, dtc, visit, visitnum, results, start_seq):
    rows = []
    for i, (cd, v) in enumerate(results.items()):
        num = float(v) if str(v).isdigit() else np.nan
        rows.append({"USUBJID": usubjid, "RSSEQ": float(start_seq + i), "RSTESTCD": cd, "RSSTRESN": num,
                     "RSSTRESC": str(v), "RSSTAT": "", "RSDTC": dtc, "VISIT": visit, "VISITNUM": visitnum})
    return rows


def xf_rows(usubjid, dtc, visit, visitnum, results, start_seq):
    return [{"USUBJID": usubjid, "XFSEQ": float(start_seq + i), "XFTESTCD": cd, "XFSTRESN": float(v),
             "XFSTRESC": str(v), "XFSTAT": "", "XFDTC": dtc, "VISIT": visit, "VISITNUM": visitnum}
            for i, (cd, v) in enumerate(results.items())]


MELD5 = ("BILI", "CREAT", "INR", "SODIUM", "ALB")


@pytest.fixture(scope="module")
def mini():
    lb = pd.DataFrame(
        # S1 Day -1: bili 34.2 (2.0 mg/dL), creat 97.24 (1.1 mg/dL), INR 1.3, Na 133, alb 30 g/L
        lb_rows("S1", "2024-05-10T07:30", "DAY -1", 2.0, dict(zip(MELD5, [34.2, 97.24, 1.3, 133, 30])), 1)
        # S1 Day 1 11:00, after the infusion started at 10:00: not a baseline candidate
        + lb_rows("S1", "2024-05-11T11:00", "UNSCHEDULED 3.01", 3.01, {"BILI": 34.2, "CREAT": 97.24, "INR": 1.3}, 6)
        # S1 Day 7: bili 51.3 (3.0), creat 176.8 (2.0), INR 1.8; sodium not done, no albumin
        + lb_rows("S1", "2024-05-17T08:00", "DAY 7", 6.0,
                  {"BILI": 51.3, "CREAT": 176.8, "INR": 1.8, "SODIUM": "NOT DONE"}, 9)
        # S1 2024-05-24: no bilirubin -> no score at all
        + lb_rows("S1", "2024-05-24T08:00", "UNSCHEDULED 6.01", 6.01, {"CREAT": 90.0, "INR": 1.2}, 13)
        # S1 Day 28: bili 25.65 (1.5), creat 88.4 (1.0), INR 1.1, Na 137, alb 36
        + lb_rows("S1", "2024-06-07T08:00", "DAY 28", 7.0, dict(zip(MELD5, [25.65, 88.4, 1.1, 137, 36])), 15)
        # S1 Day 56: INR not done -> no MELD and no Child-Pugh although RS is there
        + lb_rows("S1", "2024-07-05T08:00", "DAY 56", 12.0,
                  {"BILI": 30.0, "ALB": 33.0, "INR": "NOT DONE", "CREAT": 80.0}, 20)
        # S2 Day -1: every input at or beyond its lower bound
        + lb_rows("S2", "2024-05-10T07:00", "DAY -1", 2.0, dict(zip(MELD5, [17.1, 88.4, 1.0, 140, 40])), 1)
        # S2 Day 28: bilirubin twice on one day, 17.1 at 07:00 (seq 6) and 68.4 at 09:00 (seq 7)
        + lb_rows("S2", "2024-06-07T07:00", "DAY 28", 7.0, {"BILI": 17.1, "CREAT": 88.4, "INR": 1.0, "ALB": 40}, 6)
        + [dict(lb_rows("S2", "2024-06-07T09:00", "UNSCHEDULED 7.01", 7.01, {"BILI": 68.4}, 10)[0])]
    )
    rs = pd.DataFrame(
        rs_rows("S1", "2024-05-03", "SCREENING", 1.0, {"ECOG101": 1}, 1)
        + rs_rows("S1", "2024-05-10", "DAY -1", 2.0, {"CPSASCIT": "MILD", "CPSDIUR": "Y", "CPSHEGR": 1}, 2)
        + rs_rows("S1", "2024-06-07", "DAY 28", 7.0, {"CPSASCIT": "NONE", "CPSDIUR": "N", "CPSHEGR": 0,
                                                       "ECOG101": 2}, 5)
        + rs_rows("S1", "2024-07-05", "DAY 56", 12.0, {"CPSASCIT": "MILD", "CPSDIUR": "N", "CPSHEGR": 0}, 9)
        # S2: clinical grades the day before the Day 28 labs: the same-date rule gives no score
        + rs_rows("S2", "2024-06-06", "DAY 28", 7.0, {"CPSASCIT": "NONE", "CPSDIUR": "N", "CPSHEGR": 0}, 1)
    )
    xf = pd.DataFrame(
        xf_rows("S1", "2024-05-03", "SCREENING", 1.0, {"LSM": 20.0, "CAP": 250.0, "IQRMED": 10.0, "VALIDN": 10.0}, 1)
        + xf_rows("S1", "2024-08-04", "WEEK 12", 17.0, {"LSM": 15.0, "CAP": 240.0, "IQRMED": 12.0, "VALIDN": 10.0}, 5)
    )
    ex = pd.DataFrame({"USUBJID": ["S1"] * 3 + ["S2"] * 3, "EXDOSE": [1.0] * 6,
                       "EXSTDTC": ["2024-05-11T10:00", "2024-06-08T10:00", "2024-07-06T10:00"] * 2})
    adsl = pd.DataFrame({
        "STUDYID": "NCT05948982", "USUBJID": ["S1", "S2"], "SUBJID": ["01-001", "01-002"], "SITEID": "01",
        "SEX": ["F", "M"], "TRT01P": "UC-MSC 1x10^6 cells/kg", "TRT01PN": 1.0, "TRT01A": "UC-MSC 1x10^6 cells/kg",
        "TRT01AN": 1.0, "TRTSDT": pd.to_datetime(["2024-05-11"] * 2),
        "TRTSDTM": pd.to_datetime(["2024-05-11 10:00"] * 2), "TRTEDT": pd.to_datetime(["2024-07-06"] * 2),
        "SAFFL": "Y"})
    ctx = AdamContext(sdtm={"LB": lb, "RS": rs, "XF": xf, "EX": ex}, study=STUDY, conventions={})
    return build_adrs(ctx, adsl, load_params(SPEC_DIR)["ADRS"])


def rec(adrs, usubjid, paramcd, adt):
    r = adrs[(adrs.USUBJID == usubjid) & (adrs.PARAMCD == paramcd) & (adrs.ADT == pd.Timestamp(adt))]
    assert len(r) == 1, f"{usubjid} {paramcd} {adt}: {len(r)} records"
    return r.iloc[0]


def has(adrs, usubjid, paramcd, adt) -> bool:
    return bool(((adrs.USUBJID == usubjid) & (adrs.PARAMCD == paramcd) & (adrs.ADT == pd.Timestamp(adt))).any())


def test_doctests_pass():
    result = doctest.testmod(adrs_module)
    assert result.failed == 0 and result.attempted >= 10


# ---------------------------------------------------------------------------------------------
# MELD family


def test_meld_family_from_same_date_labs(mini):
    # S1 Day -1, US units bili 2.0, creat 1.1, INR 1.3, Na 133, alb 3.0 g/dL, female:
    # R = 0.957 ln 1.1 + 0.378 ln 2 + 1.120 ln 1.3 + 0.643 = 0.0912 + 0.2620 + 0.2938 + 0.643 = 1.2901
    #   -> 1.3 -> MELD 13
    # MELD-Na: 13 > 11, 13 + 1.32 x 4 - 0.033 x 13 x 4 = 16.564 -> 17
    # MELD 3.0: 1.33 + 4.56 ln2 + 0.82x4 - 0.24x4 ln2 + 9.09 ln1.3 + 11.14 ln1.1 + 1.85x0.5 - 1.83x0.5 ln1.1 + 6
    #   = 1.33 + 3.1607 + 3.28 - 0.6654 + 2.3849 + 1.0618 + 0.925 - 0.0872 + 6 = 17.39 -> 17
    assert rec(mini, "S1", "MELD", "2024-05-10").AVAL == 13.0 == meld_unos(34.2, 97.24, 1.3)
    assert rec(mini, "S1", "MELDNA", "2024-05-10").AVAL == 17.0 == meld_na(34.2, 97.24, 1.3, 133)
    assert rec(mini, "S1", "MELD3", "2024-05-10").AVAL == 17.0 == meld3(34.2, 97.24, 1.3, 133, 30, female=True)
    # S2 (male) at the bounds: R = 0.643 -> 0.6 -> 6; MELD-Na = MELD(i) when <= 11; MELD 3.0 = 6
    # (Na 140 bounded to 137, albumin 4.0 g/dL bounded to 3.5, every log 0)
    for cd in ("MELD", "MELDNA", "MELD3"):
        assert rec(mini, "S2", cd, "2024-05-10").AVAL == 6.0
    # MELD 3.0 uses sex: the same labs for a man lose the 1.33 (17.39 - 1.33 = 16.06 -> 16)
    assert meld3(34.2, 97.24, 1.3, 133, 30, female=False) == 16.0
    assert (mini.loc[mini.PARAMCD.isin(["MELD", "MELDNA", "MELD3"]), "AVALC"] == "").all()


def test_missing_component_that_day_gives_no_record(mini):
    # Day 7: bili, creat, INR present -> MELD (R = 0.957 ln2 + 0.378 ln3 + 1.12 ln1.8 + 0.643 = 2.3799
    # -> 2.4 -> 24); sodium not done -> no MELD-Na; no albumin either -> no MELD 3.0
    assert rec(mini, "S1", "MELD", "2024-05-17").AVAL == 24.0
    assert not has(mini, "S1", "MELDNA", "2024-05-17")
    assert not has(mini, "S1", "MELD3", "2024-05-17")
    # 2024-05-24: no bilirubin -> nothing
    assert not mini[(mini.USUBJID == "S1") & (mini.ADT == pd.Timestamp("2024-05-24"))].shape[0]
    # Day 56: INR not done -> neither MELD nor Child-Pugh, although the RS grades are there
    assert not mini[(mini.USUBJID == "S1") & (mini.ADT == pd.Timestamp("2024-07-05"))].shape[0]
    # S2: clinical grades on 2024-06-06, labs on 2024-06-07: no window, so no Child-Pugh on either day
    assert not mini[(mini.USUBJID == "S2") & mini.PARAMCD.isin(["CPSCORE", "CPCLASS"])].shape[0]
    # no record of any score is without a value
    assert mini["AVAL"].notna().all()


def test_same_component_twice_a_day_the_later_draw_counts(mini):
    # S2 Day 28: bilirubin 17.1 at 07:00 (seq 6) and 68.4 (4.0 mg/dL) at 09:00 (seq 10):
    # R = 0.378 ln 4 + 0.643 = 1.167 -> 1.2 -> 12 (the earlier draw would give 6)
    r = rec(mini, "S2", "MELD", "2024-06-07")
    assert r.AVAL == 12.0 == meld_unos(68.4, 88.4, 1.0)
    assert r.SRCSEQ == 10.0 and r.ADTM == pd.Timestamp("2024-06-07 09:00")


# ---------------------------------------------------------------------------------------------
# Child-Pugh


def test_child_pugh_score_and_class(mini):
    # Day -1: bili 2.0 mg/dL -> 2, alb 30 g/L -> 2, INR 1.3 -> 1, MILD ascites -> 2, HE grade 1 -> 2 = 9 (B)
    base = rec(mini, "S1", "CPSCORE", "2024-05-10")
    assert base.AVAL == 9.0 == child_pugh_score(34.2, 30, 1.3, "MILD", 1, "Y")
    cls = rec(mini, "S1", "CPCLASS", "2024-05-10")
    assert (cls.AVALC, cls.AVAL) == ("B", 2.0)
    # Day 28: bili 1.5 -> 1, alb 36 -> 1, INR 1.1 -> 1, NONE without diuretics -> 1, grade 0 -> 1 = 5 (A)
    d28 = rec(mini, "S1", "CPSCORE", "2024-06-07")
    assert d28.AVAL == 5.0
    assert (d28.BASE, d28.CHG) == (9.0, -4.0)
    assert math.isclose(d28.PCHG, 100 * -4 / 9)
    c28 = rec(mini, "S1", "CPCLASS", "2024-06-07")
    # class A = 1; change of one class (1 - 2); no percent change of an ordinal class
    assert (c28.AVALC, c28.AVAL, c28.BASEC, c28.BASE, c28.CHG) == ("A", 1.0, "B", 2.0, -1.0)
    assert np.isnan(c28.PCHG)
    assert set(mini.loc[mini.PARAMCD == "CPCLASS", "PARCAT1"]) == {"CHILD-PUGH CLASSIFICATION"}


# ---------------------------------------------------------------------------------------------
# Baseline, change, windows


def test_baseline_and_change_for_meld(mini):
    s1 = mini[(mini.USUBJID == "S1") & (mini.PARAMCD == "MELD")].set_index("ADT")
    # baseline: Day -1 (07:30); the Day 1 record at 11:00 is after the infusion start (10:00)
    assert s1.loc[pd.Timestamp("2024-05-10"), "ABLFL"] == "Y"
    assert s1.loc[pd.Timestamp("2024-05-11"), "ABLFL"] == ""
    assert (s1["ABLFL"] == "Y").sum() == 1 and (s1["BASE"] == 13.0).all()
    d28 = s1.loc[pd.Timestamp("2024-06-07")]
    # Day 28: R = 0.378 ln 1.5 + 1.12 ln 1.1 + 0.643 = 0.9030 -> 0.9 -> 9; CHG 9 - 13 = -4
    assert (d28.AVAL, d28.CHG) == (9.0, -4.0)
    assert math.isclose(d28.PCHG, -400 / 13)
    assert (d28.ADY, d28.AVISIT, d28.AVISITN, d28.ANL01FL) == (28.0, "DAY 28", 7.0, "Y")
    assert s1.loc[pd.Timestamp("2024-05-10"), "AVISIT"] == "BASELINE"
    # Day 1 is no liver-lab visit: the record stays out of the by-visit analysis
    assert (s1.loc[pd.Timestamp("2024-05-11"), "AVISIT"], s1.loc[pd.Timestamp("2024-05-11"), "ANL01FL"]) == ("", "")


def test_traceability_points_to_the_bilirubin_record(mini):
    for cd in ("MELD", "MELDNA", "MELD3", "CPSCORE", "CPCLASS"):
        r = rec(mini, "S1", cd, "2024-05-10")
        # S1 Day -1 bilirubin is LBSEQ 1, drawn at 07:30 at visit DAY -1
        assert (r.SRCDOM, r.SRCVAR, r.SRCSEQ, r.VISIT, r.VISITNUM) == ("LB", "LBSTRESN", 1.0, "DAY -1", 2.0)
        assert r.ADTM == pd.Timestamp("2024-05-10 07:30")
    d28 = rec(mini, "S1", "CPSCORE", "2024-06-07")
    assert d28.SRCSEQ == 15.0  # the Day 28 bilirubin (first of the draw starting at seq 15)


def test_ecog_and_fibroscan_as_collected(mini):
    e = mini[(mini.USUBJID == "S1") & (mini.PARAMCD == "ECOG")].sort_values("ADT")
    # screening ECOG 1 (RSSEQ 1) is the baseline; Day 28 ECOG 2 (RSSEQ 8): CHG +1, no PCHG
    assert e[["AVAL", "AVALC", "ABLFL", "SRCDOM", "SRCVAR", "SRCSEQ"]].values.tolist() == [
        [1.0, "1", "Y", "RS", "RSSTRESC", 1.0], [2.0, "2", "", "RS", "RSSTRESC", 8.0]]
    assert e["CHG"].tolist()[1] == 1.0 and e["PCHG"].isna().all()
    lsm = rec(mini, "S1", "LSM", "2024-08-04")
    # LSM 20.0 -> 15.0 kPa: CHG -5, PCHG -25 %; Week 12 window (Day 86, target 85)
    assert (lsm.AVAL, lsm.BASE, lsm.CHG, lsm.PCHG) == (15.0, 20.0, -5.0, -25.0)
    assert (lsm.SRCDOM, lsm.SRCSEQ, lsm.AVISIT, lsm.AWTDIFF) == ("XF", 5.0, "WEEK 12", 1.0)
    assert set(mini.loc[mini.SRCDOM == "XF", "PARAMCD"]) == {"LSM", "CAP", "IQRMED"}  # VALIDN not analysed
    assert rec(mini, "S1", "CAP", "2024-05-03").PARAM == "Controlled Attenuation Parameter (dB/m)"


def test_adsl_variables_and_keys(mini):
    assert (mini["STUDYID"] == "NCT05948982").all() and (mini["SAFFL"] == "Y").all()
    assert set(mini.loc[mini.USUBJID == "S2", "SUBJID"]) == {"01-002"}
    assert not mini.duplicated(["USUBJID", "PARAMCD", "ADT", "SRCSEQ"]).any()


# ---------------------------------------------------------------------------------------------
# Spec and the real SDTM


def test_mini_conforms_to_spec(mini, tmp_path):
    out = conform(mini, load_adam_specs(SPEC_DIR)["ADRS"])
    assert len(out) == len(mini) and not out.duplicated(KEYS).any()


def test_params_spec_matches_builder():
    params = load_params(SPEC_DIR)["ADRS"]
    assert set(params) == set(adrs_module.SCHEDULES)
    assert all(len(p.param) <= 200 and p.parcat1 for p in params.values())
    assert params["LSM"].unit == "kPa" and "(kPa)" in params["LSM"].param


@pytest.fixture(scope="module")
def real(embedded_sdtm_dir):
    from analysis.adam.adsl import build_adsl_core
    from analysis.adam.context import load_context
    ctx = load_context(embedded_sdtm_dir, STUDY, SPEC_DIR)
    adsl = build_adsl_core(ctx)
    return ctx, adsl, build_adrs(ctx, adsl)


def test_real_sdtm(real, tmp_path):
    ctx, adsl, adrs = real
    out = conform(adrs, load_adam_specs(SPEC_DIR)["ADRS"])
    assert not out.duplicated(KEYS).any()
    assert set(out["USUBJID"]) <= set(adsl["USUBJID"])
    assert set(out["PARAMCD"]) == set(adrs_module.SCHEDULES)
    # one baseline per subject and parameter at most, and every dosed subject has a baseline MELD
    assert not adrs[adrs.ABLFL == "Y"].duplicated(["USUBJID", "PARAMCD"]).any()
    dosed = set(adsl.loc[adsl.TRTSDT.notna(), "USUBJID"])
    assert set(adrs.loc[(adrs.PARAMCD == "MELD") & (adrs.ABLFL == "Y"), "USUBJID"]) == dosed
    # every MELD record re-derives from the LB records of its date (the bilirubin record by SRCSEQ)
    lb = ctx.domain("LB")
    lb = lb[lb.LBSTAT != "NOT DONE"].assign(_D=lb.LBDTC.str[:10])
    wide = lb.pivot_table(index=["USUBJID", "_D"], columns="LBTESTCD", values="LBSTRESN", aggfunc="last")
    meld = adrs[adrs.PARAMCD == "MELD"].assign(_D=lambda d: d.ADT.dt.strftime("%Y-%m-%d"))
    inputs = wide.loc[list(zip(meld.USUBJID, meld._D))]
    assert np.array_equal(meld_unos(inputs.BILI, inputs.CREAT, inputs.INR).to_numpy(), meld.AVAL.to_numpy())
    src = lb.set_index(["USUBJID", "LBSEQ"])
    assert (src.loc[list(zip(meld.USUBJID, meld.SRCSEQ)), "LBTESTCD"] == "BILI").all()
    # CPCLASS follows CPSCORE one to one
    cp = adrs[adrs.PARAMCD.isin(["CPSCORE", "CPCLASS"])].pivot_table(index=["USUBJID", "ADT"], columns="PARAMCD",
                                                                      values="AVAL")
    expected = np.select([cp.CPSCORE <= 6, cp.CPSCORE <= 9], [1.0, 2.0], 3.0)
    assert np.array_equal(cp.CPCLASS.to_numpy(), expected)
