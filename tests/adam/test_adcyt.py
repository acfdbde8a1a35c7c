"""ADCYT (analysis.adam.adcyt): a hand-built subject checked against hand-computed cycle times,
baselines, BLQ imputation and log-scale values, then a run on the real SDTM checked against the
spec CSVs (specs/adam/variables/ADCYT.csv, specs/adam/params/ADCYT.csv).

The mini subject S-001 has three infusions: Day 1 (2024-01-01 10:00), a late infusion 2 on
Day 32 (2024-02-01 09:30, nominal Day 29) and infusion 3 on Day 57 (2024-02-26 11:00). Every
expected number below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.adam.adcyt as adcyt_module
from analysis.adam.adcyt import build_adcyt, cytokine_params
from analysis.adam.context import AdamContext, load_context
from analysis.adam.derive.dates import to_sas_numbers
from analysis.adam.metadata import load_adam_specs, load_params
from analysis.sdtm.metadata import conform
from analysis.specs import load_study, read_yaml

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "adam"
KEYS = ["STUDYID", "USUBJID", "PARAMN", "ADTM", "SRCSEQ"]
NAN = float("nan")


@pytest.fixture(scope="module")
def study():
    return load_study(ROOT / "specs" / "study.yaml")


# --- the hand-built subject -------------------------------------------------------------------

def lb_rows() -> pd.DataFrame:
    rows = [  # LBSEQ, LBTESTCD, VISIT, VISITNUM, LBTPT, LBTPTNUM, LBDTC, LBSTRESC
        # IL6 (LLOQ 1.5 pg/mL): the Day 1 pre-dose sample is baseline; one value below the LLOQ
        (1, "IL6", "DAY -1", 2, "", NAN, "2023-12-31T08:00", "4"),
        (2, "IL6", "DAY 1", 3, "PRE-DOSE", 1, "2024-01-01T09:00", "5"),
        (3, "IL6", "DAY 1", 3, "2H POST-DOSE", 2, "2024-01-01T12:00", "20"),
        (4, "IL6", "DAY 28", 7, "", NAN, "2024-01-28T08:00", "6"),
        (5, "IL6", "DAY 29", 8, "PRE-DOSE", 1, "2024-02-01T08:30", "8"),
        (6, "IL6", "DAY 29", 8, "2H POST-DOSE", 2, "2024-02-01T11:45", "24"),
        (7, "IL6", "DAY 30", 9, "", NAN, "2024-02-02T08:00", "<1.5"),
        (8, "IL6", "DAY 56", 12, "", NAN, "2024-02-25T08:00", "10"),
        (9, "IL6", "DAY 57", 13, "PRE-DOSE", 1, "2024-02-26T10:15", "12"),
        (10, "IL6", "DAY 57", 13, "2H POST-DOSE", 2, "2024-02-26T13:00", "30"),
        (11, "IL6", "WEEK 12", 17, "", NAN, "2024-03-25T08:00", "9"),
        # IL8 (LLOQ 2): the Day 1 "pre-dose" sample was drawn 5 minutes after the infusion started,
        # so Day -1 is baseline; no Day 29 pre-dose sample, so Day 28 is cycle 2's pre-infusion value
        (20, "IL8", "DAY -1", 2, "", NAN, "2023-12-31T08:00", "10"),
        (21, "IL8", "DAY 1", 3, "PRE-DOSE", 1, "2024-01-01T10:05", "12"),
        (22, "IL8", "DAY 28", 7, "", NAN, "2024-01-28T08:00", "14"),
        (23, "IL8", "DAY 29", 8, "2H POST-DOSE", 2, "2024-02-01T11:30", "28"),
        # IL1B (LLOQ 0.5): the baseline itself is below the LLOQ
        (30, "IL1B", "DAY 1", 3, "PRE-DOSE", 1, "2024-01-01T09:00", "<0.5"),
        (31, "IL1B", "DAY 1", 3, "2H POST-DOSE", 2, "2024-01-01T12:00", "1"),
        # not a cytokine: must not reach ADCYT
        (40, "ALT", "DAY -1", 2, "", NAN, "2023-12-31T08:00", "41"),
    ]
    lloq = {"IL6": 1.5, "IL8": 2.0, "IL1B": 0.5, "ALT": NAN}
    df = pd.DataFrame(rows, columns=["LBSEQ", "LBTESTCD", "VISIT", "VISITNUM", "LBTPT", "LBTPTNUM", "LBDTC",
                                     "LBSTRESC"])
    df["USUBJID"] = "S-001"
    df["LBCAT"] = np.where(df["LBTESTCD"] == "ALT", "CHEMISTRY", "CYTOKINES")
    df["LBSTRESN"] = pd.to_numeric(df["LBSTRESC"], errors="coerce")
    df["LBSTRESU"] = np.where(df["LBTESTCD"] == "ALT", "U/L", "pg/mL")
    df["LBLLOQ"] = df["LBTESTCD"].map(lloq)
    df["LBSTAT"] = ""
    # S-002 was never dosed: one Day -1 sample
    s2 = df.iloc[[0]].assign(USUBJID="S-002", LBSEQ=1, LBSTRESC="3", LBSTRESN=3.0)
    out = pd.concat([df, s2], ignore_index=True)
    out[["LBSEQ", "VISITNUM"]] = out[["LBSEQ", "VISITNUM"]].astype(float)
    return out


def ex_rows() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S-001"] * 3, "EXDOSE": [2.0, 2.0, 2.0],
                         "EXSTDTC": ["2024-01-01T10:00", "2024-02-01T09:30", "2024-02-26T11:00"],
                         "VISIT": ["DAY 1", "DAY 29", "DAY 57"]})


def adsl_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "STUDYID": ["X"] * 2, "USUBJID": ["S-001", "S-002"], "SUBJID": ["001", "002"], "SITEID": ["01"] * 2,
        "TRT01P": ["UC-MSC 2"] * 2, "TRT01PN": [2.0] * 2, "TRT01A": ["UC-MSC 2", ""], "TRT01AN": [2.0, NAN],
        "TRTSDT": pd.to_datetime(["2024-01-01", None]), "TRTSDTM": pd.to_datetime(["2024-01-01 10:00", None]),
        "SAFFL": ["Y", "N"]})


@pytest.fixture(scope="module")
def mini(study):
    ctx = AdamContext(sdtm={"LB": lb_rows(), "EX": ex_rows()}, study=study,
                      conventions=read_yaml(SPECS / "conventions.yaml"))
    return build_adcyt(ctx, adsl_rows())


def param(df: pd.DataFrame, paramcd: str, usubjid: str = "S-001") -> pd.DataFrame:
    return df[(df["USUBJID"] == usubjid) & (df["PARAMCD"] == paramcd)].sort_values("ADTM")


def test_only_cytokines_and_both_scales(mini):
    # 17 cytokine records of S-001 + 1 of S-002, each once linear and once on the log scale
    assert len(mini) == 2 * 18
    assert set(mini["PARAMCD"]) == {"IL6", "IL8", "IL1B", "IL6LN", "IL8LN", "IL1BLN"}
    assert not mini.duplicated(KEYS).any()


def test_cycle_reference_and_hours(mini):
    il6 = param(mini, "IL6")
    # by date: Day -1 and Day 1 -> infusion 1; Day 28 still infusion 1 (infusion 2 came on Feb 1);
    # Feb 1 (pre-dose included) to Feb 25 -> infusion 2; Feb 26 onwards -> infusion 3
    assert il6["ATPTREF"].tolist() == ["INFUSION 1"] * 4 + ["INFUSION 2"] * 4 + ["INFUSION 3"] * 3
    # hours from that infusion's start: Dec 31 08:00 -> Jan 1 10:00 = -26; 09:00 -> 10:00 = -1;
    # 12:00 - 10:00 = 2; Jan 28 08:00 - Jan 1 10:00 = 26 d 22 h = 646; Feb 1 08:30 - 09:30 = -1;
    # 11:45 - 09:30 = 2.25; Feb 2 08:00 - Feb 1 09:30 = 22.5; Feb 25 08:00 - Feb 1 09:30 =
    # 24 d - 1.5 h = 574.5; Feb 26 10:15 - 11:00 = -0.75; 13:00 - 11:00 = 2; Mar 25 08:00 -
    # Feb 26 11:00 = 28 d (2024 is a leap year) - 3 h = 669
    assert il6["ARELTM"].tolist() == pytest.approx([-26, -1, 2, 646, -1, 2.25, 22.5, 574.5, -0.75, 2, 669])
    assert set(il6["ARELTMU"]) == {"HOURS"}
    # the Day 1 "pre-dose" sample of IL8 drawn at 10:05: 5 minutes after the start
    assert param(mini, "IL8")["ARELTM"].iloc[1] == pytest.approx(5 / 60)
    # the late infusion moves the Day 29 window to the actual infusion day (Feb 1 = Day 32)
    assert il6["ADY"].iloc[4] == 32.0 and il6["AVISIT"].iloc[4] == "DAY 29"


def test_study_baseline(mini):
    il6 = param(mini, "IL6")
    # the Day 1 pre-dose sample (09:00, before the 10:00 start) beats Day -1
    assert il6["ABLFL"].tolist() == [""] + ["Y"] + [""] * 9
    assert set(il6["BASE"]) == {5.0}
    assert il6["AVISIT"].tolist()[:3] == ["DAY -1", "BASELINE", "DAY 1"]
    il8 = param(mini, "IL8")
    # the Day 1 sample drawn after the start is not baseline: the Day -1 value (10) is
    assert il8["ABLFL"].tolist() == ["Y", "", "", ""]
    assert set(il8["BASE"]) == {10.0}
    # CHG = AVAL - BASE, R2BASE = AVAL / BASE: 20 - 5 = 15 and 20 / 5 = 4 at 2 h on Day 1
    assert il6["CHG"].iloc[2] == 15.0 and il6["R2BASE"].iloc[2] == 4.0


def test_cycle_pre_infusion_values(mini):
    il6 = param(mini, "IL6")
    # pre-infusion records: the study baseline (cycle 1), Feb 1 08:30 (cycle 2), Feb 26 10:15 (cycle 3)
    assert il6["CYCBLFL"].tolist() == ["", "Y", "", "", "Y", "", "", "", "Y", "", ""]
    assert il6["CYCBASE"].tolist() == [5.0] * 4 + [8.0] * 4 + [12.0] * 3
    # AVAL / CYCBASE: 4/5, 5/5, 20/5, 6/5 | 8/8, 24/8, 0.75/8 (BLQ imputed), 10/8 | 12/12, 30/12, 9/12
    assert il6["R2CYCBS"].tolist() == pytest.approx([0.8, 1, 4, 1.2, 1, 3, 0.09375, 1.25, 1, 2.5, 0.75])
    il8 = param(mini, "IL8")
    # no Day 29 pre-dose sample: the last sample after infusion 1 started and before infusion 2,
    # Day 28 (14), is cycle 2's pre-infusion value; it stays in cycle 1 itself (CYCBASE 10). The
    # 2 h sample after infusion 2 is the last one before infusion 3, so it is cycle 3's
    # pre-infusion value (the definition has no time limit; nothing in cycle 3 uses it here)
    assert il8["CYCBLFL"].tolist() == ["Y", "", "Y", "Y"]
    assert il8["CYCBASE"].tolist() == [10.0, 10.0, 10.0, 14.0]
    assert il8["R2CYCBS"].tolist() == pytest.approx([1.0, 1.2, 1.4, 2.0])  # 10/10, 12/10, 14/10, 28/14


def test_blq_imputation(mini):
    il6 = param(mini, "IL6")
    blq = il6[il6["SRCSEQ"] == 7].iloc[0]
    # "<1.5" with LLOQ 1.5: AVAL = 1.5 x 0.5 = 0.75, text kept, flagged, traced to LBSTRESC
    assert (blq["AVAL"], blq["AVALC"], blq["BLQFL"], blq["ALLOQ"], blq["SRCVAR"]) == (0.75, "<1.5", "Y", 1.5, "LBSTRESC")
    assert blq["CHG"] == pytest.approx(0.75 - 5)
    assert (il6["BLQFL"] == "Y").sum() == 1 and set(il6.loc[il6["SRCSEQ"] != 7, "SRCVAR"]) == {"LBSTRESN"}
    il1b = param(mini, "IL1B")
    # a baseline below the LLOQ: BASE = 0.5 x 0.5 = 0.25, BASEC keeps "<0.5"; 1 / 0.25 = 4
    assert il1b["BASE"].tolist() == [0.25, 0.25] and il1b["BASEC"].tolist() == ["<0.5", "<0.5"]
    assert il1b["R2BASE"].iloc[1] == 4.0


def test_log_parameter(mini):
    lin, log = param(mini, "IL6"), param(mini, "IL6LN")
    # same records and timing as the linear parameter
    for col in ("SRCSEQ", "ADTM", "ATPTREF", "ARELTM", "AVISIT", "ABLFL", "CYCBLFL", "BLQFL", "ANL01FL"):
        assert log[col].tolist() == lin[col].tolist(), col
    assert log["AVAL"].tolist() == pytest.approx(np.log(lin["AVAL"]).tolist())
    assert set(log["AVALC"]) == {""}
    # ln of the imputed value: ln 0.75 = -0.2876821; ALLOQ ln 1.5 = 0.4054651
    blq = log[log["SRCSEQ"] == 7].iloc[0]
    assert blq["AVAL"] == pytest.approx(-0.2876821) and blq["ALLOQ"] == pytest.approx(0.4054651)
    # its own BASE (ln 5) and CHG = log fold change: ln 20 - ln 5 = ln 4 = 1.3862944
    assert log["BASE"].tolist() == pytest.approx([math.log(5)] * 11)
    assert log["CHG"].iloc[2] == pytest.approx(1.3862944)
    # CYCBASE on the log scale is ln of the cycle's pre-infusion value: ln 8 in cycle 2
    assert log["CYCBASE"].iloc[5] == pytest.approx(math.log(8))
    # no ratios of logarithms
    assert log["R2BASE"].isna().all() and log["R2CYCBS"].isna().all()
    # BLQ baseline on the log scale: ln 1 - ln 0.25 = ln 4
    assert param(mini, "IL1BLN")["CHG"].iloc[1] == pytest.approx(1.3862944)
    assert mini.loc[mini["PARAMCD"] == "IL6LN", "PARAM"].iloc[0] == "Log Interleukin 6 (ln pg/mL)"


def test_never_dosed_subject(mini):
    s2 = param(mini, "IL6", "S-002").iloc[0]
    # no infusion: no study day, baseline, cycle or window
    assert (s2["ATPTREF"], s2["ARELTMU"], s2["ABLFL"], s2["CYCBLFL"], s2["AVISIT"]) == ("", "", "", "", "")
    assert np.isnan(s2["ADY"]) and np.isnan(s2["BASE"]) and np.isnan(s2["CYCBASE"]) and np.isnan(s2["ARELTM"])


def test_analysis_flag_per_visit_and_timepoint(mini):
    il6 = param(mini, "IL6")
    # one record per visit and time point: both Day 29 records (pre-dose, 2 h) are analysed;
    # the Day -1 sample is pre-dose but not the baseline (Day 1 pre-dose is), so it is kept
    # without ANL01FL or change from baseline
    pre_baseline = il6["AVISIT"] == "DAY -1"
    assert pre_baseline.sum() == 1
    assert (il6.loc[~pre_baseline, "ANL01FL"] == "Y").all()
    assert il6.loc[pre_baseline, "ANL01FL"].tolist() == [""] and il6.loc[pre_baseline, "CHG"].isna().all()
    assert il6.loc[il6["AVISIT"] == "DAY 29", "ATPT"].tolist() == ["PRE-DOSE", "2H POST-DOSE"]


def test_doctests():
    result = doctest.testmod(adcyt_module)
    assert result.failed == 0 and result.attempted > 0


# --- the real SDTM ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(study, embedded_sdtm_dir):
    from analysis.adam.adsl import build_adsl_core
    ctx = load_context(embedded_sdtm_dir, study, SPECS)
    return ctx, build_adcyt(ctx, build_adsl_core(ctx))


def test_real_conforms_to_spec(real):
    _, adcyt = real
    spec = load_adam_specs(SPECS)["ADCYT"]
    out = conform(to_sas_numbers(adcyt), spec)
    assert len(out) == len(adcyt)
    assert not out.duplicated(list(spec.keys)).any()
    assert list(spec.keys) == KEYS


def test_real_parameters_match_params_csv(real, study):
    ctx, adcyt = real
    params = load_params(SPECS)["ADCYT"]
    assert len(params) == 24
    assert set(adcyt["PARAMCD"]) == set(params)  # every record's PARAMCD is listed, every parameter has data
    got = adcyt[["PARAMCD", "PARAM", "PARAMN", "PARCAT1"]].drop_duplicates().set_index("PARAMCD")
    for cd, p in params.items():
        assert (got.loc[cd, "PARAM"], got.loc[cd, "PARAMN"], got.loc[cd, "PARCAT1"]) == (p.param, p.paramn, p.parcat1)
    # the code's parameter table and the CSV agree
    table = cytokine_params(study, "CYTOKINES").set_index("PARAMCD")
    assert {cd: (p.param, p.paramn, p.unit) for cd, p in params.items()} == {
        cd: (r.PARAM, r.PARAMN, r.UNIT) for cd, r in table.iterrows()}
    # one linear record and one log record per LB cytokine record
    lb = ctx.sdtm["LB"]
    assert len(adcyt) == 2 * int((lb["LBCAT"] == "CYTOKINES").sum())


def test_real_cycle_times_match_lb_reference(real):
    """On infusion days SDTM gives the infusion start as LBRFTDTC: ARELTM must be LBDTC - LBRFTDTC."""
    ctx, adcyt = real
    lb = ctx.sdtm["LB"][["USUBJID", "LBSEQ", "LBDTC", "LBRFTDTC"]]
    m = adcyt.merge(lb, left_on=["USUBJID", "SRCSEQ"], right_on=["USUBJID", "LBSEQ"])
    ref = m[m["LBRFTDTC"] != ""]
    assert len(ref) > 0
    hours = (pd.to_datetime(ref["LBDTC"]) - pd.to_datetime(ref["LBRFTDTC"])).dt.total_seconds() / 3600
    assert ref["ARELTM"].to_numpy() == pytest.approx(hours.to_numpy())
    assert (ref.loc[ref["ATPT"] == "PRE-DOSE", "ARELTM"] < 0).all()
    assert (ref.loc[ref["ATPT"] == "2H POST-DOSE", "ARELTM"] > 0).all()
    # every dosed subject's sample has a cycle; each subject/parameter has one pre-infusion record per infusion given
    dosed = adcyt[adcyt["TRTSDT"].notna()]
    assert (dosed["ATPTREF"] != "").all()
    n_inf = ctx.sdtm["EX"].query("EXDOSE > 0").groupby("USUBJID").size()
    n_cyc = dosed[dosed["CYCBLFL"] == "Y"].groupby(["USUBJID", "PARAMCD"]).size().groupby("USUBJID").max()
    assert (n_cyc == n_inf.reindex(n_cyc.index)).all()


def test_real_baseline_rules(real):
    _, adcyt = real
    flagged = adcyt[adcyt["ABLFL"] == "Y"]
    assert not flagged.duplicated(["USUBJID", "PARAMCD"]).any()
    # the baseline is never after the first infusion started
    assert (flagged["ADTM"] <= flagged["TRTSDTM"]).all()
    # BASE is the baseline AVAL; CHG of a log parameter is ln of its linear twin's R2BASE
    assert (flagged["BASE"] == flagged["AVAL"]).all()
    lin = adcyt[~adcyt["PARAMCD"].str.endswith("LN")].set_index(["USUBJID", "SRCSEQ"])
    log = adcyt[adcyt["PARAMCD"].str.endswith("LN")].set_index(["USUBJID", "SRCSEQ"])
    both = log[["CHG"]].join(lin[["R2BASE"]]).dropna()
    assert len(both) > 0 and both["CHG"].to_numpy() == pytest.approx(np.log(both["R2BASE"]).to_numpy())
    anl = adcyt[adcyt["ANL01FL"] == "Y"]
    assert not anl.duplicated(["USUBJID", "PARAMCD", "AVISIT", "ATPT"]).any()
