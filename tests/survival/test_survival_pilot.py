"""KM, log-rank and Cox on the CDISC pilot ADTTE (TTDE by TRTA) against R survival
(results/pilot_km.R -> pilot_km_*.csv), and the CLI harness on the pilot."""

import argparse
import math

import numpy as np
import pandas as pd
import pytest

from analysis.ard import read_ard
from analysis.survival.compare import cox_hazard_ratios, logrank_test
from analysis.survival.data import tte_records
from analysis.survival.km import km_at, km_curve, km_quantile, n_at_risk

LEVELS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]


def _close(a, b, tol=1e-9):
    if pd.isna(b):
        return math.isnan(a)
    return a == pytest.approx(b, rel=tol, abs=tol)


@pytest.fixture(scope="module")
def data(pilot_frames):
    adsl, adtte = pilot_frames
    return tte_records(adsl, adtte, "TTDE", "TRTA", "SAFFL")


def test_groups_follow_trtan_and_all_254_subjects(data):
    assert data.groups.levels == LEVELS
    assert len(data.records) == 254 and data.notes == []
    assert int((data.records["STATUS"] == 1).sum()) == 152


def test_km_estimates_match_r(data, reference):
    ref = reference("pilot_km_estimates.csv")
    checked = 0
    for row in ref.itertuples():
        sub = data.subset(row.group)
        est = km_at(km_curve(sub["TIME"], sub["STATUS"] == 1), row.time)
        assert _close(est["surv"], row.surv), row
        assert _close(est["std_err"], row.std_err), row
        assert _close(est["lower"], row.lower) and _close(est["upper"], row.upper), row
        if not pd.isna(row.n_risk):
            assert n_at_risk(sub["TIME"], row.time) == row.n_risk
        checked += not pd.isna(row.surv)
    assert checked == 29
    # spot value: Placebo at day 91, R 0.6714718 (0.5551, 0.7638)
    sub = data.subset("Placebo")
    assert round(km_at(km_curve(sub["TIME"], sub["STATUS"] == 1), 91)["surv"], 7) == 0.6714718


def test_quantiles_match_r(data, reference):
    ref = reference("pilot_km_quantiles.csv")
    for row in ref.itertuples():
        sub = data.subset(row.group)
        q = km_quantile(km_curve(sub["TIME"], sub["STATUS"] == 1), row.p)
        assert (_close(q["estimate"], row.estimate) and _close(q["lower"], row.lower)
                and _close(q["upper"], row.upper)), (row, q)
    total = km_quantile(km_curve(data.records["TIME"], data.records["STATUS"] == 1), 0.5)
    assert (total["estimate"], total["lower"], total["upper"]) == (51.0, 43.0, 70.0)


def test_logrank_and_cox_match_r(data, reference):
    ref = dict(reference("pilot_km_tests.csv").values)
    lr = logrank_test(data.records, LEVELS)
    assert lr["chisq"] == pytest.approx(ref["logrank_chisq"], rel=1e-9)
    assert lr["df"] == 2 and lr["p"] == pytest.approx(ref["logrank_p"], rel=1e-6)
    hrs = cox_hazard_ratios(data.records, LEVELS)
    for h, k in zip(hrs, (2, 3)):
        assert h.estimable
        assert h.hr == pytest.approx(ref[f"hr_{k}"], rel=1e-6)
        assert h.lower == pytest.approx(ref[f"hr_ci_lower_{k}"], rel=1e-6)
        assert h.upper == pytest.approx(ref[f"hr_ci_upper_{k}"], rel=1e-6)
        assert h.p == pytest.approx(ref[f"hr_p_{k}"], rel=1e-4)
    assert round(hrs[0].hr, 4) == 4.1477


def test_km_curve_agrees_with_lifelines(data):
    from lifelines import KaplanMeierFitter

    sub = data.subset("Xanomeline High Dose")
    ours = km_curve(sub["TIME"], sub["STATUS"] == 1)
    kmf = KaplanMeierFitter().fit(sub["TIME"], sub["STATUS"] == 1)
    theirs = kmf.survival_function_.iloc[1:, 0].to_numpy() if kmf.survival_function_.index[0] == 0 \
        else kmf.survival_function_.iloc[:, 0].to_numpy()
    assert np.allclose(ours["surv"].to_numpy(), theirs)


def _parser():
    from analysis.survival.cli import register

    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.mark.parametrize("treatment", ["TRTA", "TRT01A"])
def test_cli_km_on_pilot(tmp_path, treatment, reference):
    from survival_helpers import PILOT

    args = _parser().parse_args(
        ["km", "--adsl", str(PILOT / "adsl.xpt"), "--adtte", str(PILOT / "adtte.xpt"), "--paramcd", "TTDE",
         "--treatment", treatment, "--population", "SAFFL", "--timepoints", "Day 91=91,182",
         "--at-risk", "0,4,8,12,16,20,24,28", "--out", str(tmp_path)])
    args.func(args)
    assert (tmp_path / "tlf" / "tte_km_ttde.md").exists()
    assert (tmp_path / "tlf" / "tte_km_ttde_plot.png").exists()
    ard = read_ard(tmp_path / "ard" / "tte_km_ttde.csv")
    surv = ard[(ard.stat_name == "surv") & (ard.group1_level == "Placebo") & (ard.group2_level == "91")]
    assert float(surv.stat.iloc[0]) == pytest.approx(0.671471800073426, rel=1e-12)
    hr = ard[(ard.stat_name == "hr") & (ard.group1_level == "Xanomeline High Dose")]
    assert float(hr.stat.iloc[0]) == pytest.approx(5.02597004242161, rel=1e-6)
    md = (tmp_path / "tlf" / "tte_km_ttde.md").read_text()
    assert "Day 91: event-free probability (SE)" in md and "0.671 (0.053)" in md
    assert "Reference" in md and "4.15 (2.65, 6.50)" in md


def test_cli_cumulative_incidence_and_incidence_on_pilot(tmp_path):
    from survival_helpers import PILOT

    common = ["--adsl", str(PILOT / "adsl.xpt"), "--adtte", str(PILOT / "adtte.xpt"), "--paramcd", "TTDE",
              "--treatment", "TRTP", "--out", str(tmp_path)]
    for argv in (["cumulative-incidence", *common, "--timepoints", "30,91", "--no-plot"], ["tte-incidence", *common]):
        args = _parser().parse_args(argv)
        args.func(args)
    ard = read_ard(tmp_path / "ard" / "tte_incidence.csv")
    n = ard[(ard.stat_name == "n") & (ard.group1_level == "Placebo")]
    assert n.stat.tolist() == ["29"]
    # no competing events in the pilot: CIF = 1 - KM
    cif = read_ard(tmp_path / "ard" / "tte_cif_ttde.csv")
    v = cif[(cif.stat_name == "cif") & (cif.group1_level == "Placebo") & (cif.group2_level == "91")]
    assert float(v.stat.iloc[0]) == pytest.approx(1 - 0.671471800073426, rel=1e-12)
    assert not (tmp_path / "tlf" / "tte_cif_ttde_plot.png").exists()
