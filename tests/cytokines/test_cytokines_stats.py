"""Geometric statistics, fold change, BLQ counting and AUC of analysis.cytokines against hand
calculations (formulas of domain reference 7.5; t quantiles from published tables:
t(0.975, 2) = 4.302652729911275, t(0.975, 3) = 3.182446305284263)."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.cytokines.auc import cycle_auc, subject_aucs, trapezoid_auc
from analysis.cytokines.geometric import (
    fold_change_summary,
    geometric_mean_ci,
    level_summary,
)
from analysis.cytokines.summary import NR, display_rows

T2, T3 = 4.302652729911275, 3.182446305284263


def test_geometric_mean_ci_by_hand():
    # ln(2), ln(8), ln(4): mean ln 4, SD exactly ln 2
    r = geometric_mean_ci([2.0, 8.0, 4.0, float("nan")])
    half = T2 * math.log(2) / math.sqrt(3)
    assert r["n"] == 3
    assert r["gmean"] == pytest.approx(4.0, rel=1e-12)
    assert r["ci_lower"] == pytest.approx(4.0 * math.exp(-half), rel=1e-9)   # 0.71492...
    assert r["ci_upper"] == pytest.approx(4.0 * math.exp(half), rel=1e-9)    # 22.380...
    assert r["ci_lower"] == pytest.approx(0.71492, abs=1e-5)
    assert r["gcv"] == pytest.approx(100 * math.sqrt(math.exp(math.log(2) ** 2) - 1), rel=1e-12)
    assert r["gcv"] == pytest.approx(78.537, abs=1e-3)


def test_geometric_mean_edge_cases():
    one = geometric_mean_ci([5.0])
    assert one["gmean"] == pytest.approx(5.0) and math.isnan(one["ci_lower"]) and math.isnan(one["gcv"])
    assert geometric_mean_ci([])["n"] == 0 and math.isnan(geometric_mean_ci([])["gmean"])
    with pytest.raises(ValueError):
        geometric_mean_ci([1.0, 0.0])
    # a 90% CI is narrower
    assert geometric_mean_ci([2.0, 8.0, 4.0], 0.90)["ci_upper"] < geometric_mean_ci([2.0, 8.0, 4.0])["ci_upper"]


def test_fold_change_by_hand():
    ratios = [2.0, 0.5, 1.0, 4.0]
    logs = np.log(ratios)
    m, s = logs.mean(), logs.std(ddof=1)
    r = fold_change_summary(ratios)
    assert r["fc_n"] == 4
    assert r["fc_gmean"] == pytest.approx(math.sqrt(2), rel=1e-12)          # exp(ln 2 / 2)
    assert r["fc_ci_lower"] == pytest.approx(math.exp(m - T3 * s / 2), rel=1e-9)
    assert (round(r["fc_ci_lower"], 4), round(r["fc_ci_upper"], 4)) == (0.3405, 5.8737)


def test_blq_counting_and_not_reported_above_half():
    s = level_summary([0.25, 0.25, 3.0], ["Y", "Y", ""])
    assert (s["n"], s["n_blq"], s["median"], s["min"]) == (3, 2, 0.25, 0.25)
    shown = dict(display_rows(s, True, 0.95, 2, 2, 1, 0.5))
    assert shown["n (n BLQ)"] == "3 (2)"
    assert shown["Geometric mean (95% CI)"] == NR and shown["Geometric CV%"] == NR
    assert shown["Median"] == "0.25"                      # the median is still shown
    half = level_summary([0.25, 3.0], ["Y", ""])         # exactly 50%: reported
    assert dict(display_rows(half, True, 0.95, 2, 2, 1, 0.5))["Geometric mean (95% CI)"].startswith("0.87 (")


SAMPLES = pd.DataFrame({
    "TIME": ["Pre-dose", "2 h", "24 h", "Week 1", "Week 4"],      # 48 h missing
    "NOMHRS": [0.0, 2.0, 24.0, 144.0, 648.0],
    "ARELTM": [-1.0, 2.0, 22.5, 144.0, 650.0],
    "AVAL": [10.0, 30.0, 20.0, 12.0, 8.0]})
EXPECTED = ["Pre-dose", "2 h", "24 h", "48 h", "Week 1", "Week 4"]


def test_trapezoid_unequal_spacing_and_missing_sample_by_hand():
    # 3*(10+30)/2 + 20.5*(30+20)/2 + 121.5*(20+12)/2 + 506*(12+8)/2 = 60 + 512.5 + 1944 + 5060
    r = cycle_auc(SAMPLES, EXPECTED)
    assert r["AUC"] == pytest.approx(7576.5, abs=1e-9)
    assert r["AUCBC"] == pytest.approx(7576.5 - 10.0 * 651.0, abs=1e-9)   # 1066.5
    assert (r["t_first"], r["t_last"], r["n_samples"], r["n_expected"]) == (-1.0, 650.0, 5, 6)
    assert r["flag"] == "1 intermediate sample(s) missing (bridged)"
    assert trapezoid_auc([2.0, -1.0], [30.0, 10.0]) == 60.0              # sorted by time first


def test_auc_nominal_times_and_missing_ends():
    nominal = cycle_auc(SAMPLES, EXPECTED, time_source="nominal")
    # 2*40/2 + 22*50/2 + 120*32/2 + 504*20/2 = 40 + 550 + 1920 + 5040
    assert nominal["AUC"] == pytest.approx(7550.0)
    no_time = SAMPLES.assign(ARELTM=[-1.0, np.nan, 22.5, 144.0, 650.0])
    r = cycle_auc(no_time, EXPECTED)
    assert "nominal time used for 1 sample(s)" in r["flag"] and r["AUC"] == pytest.approx(7576.5)
    for end in ("Pre-dose", "Week 4"):
        r = cycle_auc(SAMPLES[SAMPLES.TIME != end], EXPECTED)
        assert math.isnan(r["AUC"]) and r["flag"] == f"not computed: {end} sample missing"


def test_subject_aucs_per_cycle():
    sched = pd.DataFrame({"CYCLE": [1] * 6 + [2] * 6, "ATPTREF": ["INFUSION 1"] * 6 + ["INFUSION 2"] * 6,
                          "TIME": EXPECTED * 2, "TIMEN": list(range(6)) * 2})
    data = pd.concat([SAMPLES.assign(CYCLE=1, ATPTREF="INFUSION 1"),
                      SAMPLES.iloc[:2].assign(CYCLE=2, ATPTREF="INFUSION 2")])
    data = data.assign(USUBJID="S1", _GROUP="A", PARAMCD="IL6")
    out = subject_aucs(data, sched, "Pre-dose", "Week 4")
    assert out["CYCLE"].tolist() == [1, 2]
    assert out["AUC"].iloc[0] == pytest.approx(7576.5) and math.isnan(out["AUC"].iloc[1])
