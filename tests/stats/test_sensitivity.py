"""ANCOVA at one visit and the random-slope wrapper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMResults

from analysis.stats import ancova, fit_random_slope


@pytest.fixture(scope="module")
def bds(fev) -> pd.DataFrame:
    """fev_data as a BDS-like frame: TRT01P, BASE, CHG, AVISIT, an unbalanced SEX."""
    d = fev.dropna(subset=["FEV1"]).rename(columns={"ARMCD": "TRT01P", "FEV1_BL": "BASE"})
    return d.assign(CHG=d["FEV1"] - d["BASE"])


def test_ancova_lsmeans_match_statsmodels_predictions(bds):
    res = ancova(bds, "CHG", "TRT01P", ["BASE", "SEX"], visit_col="AVISIT", visit="VIS2",
                 reference="PBO")
    d = bds[bds["AVISIT"] == "VIS2"]
    ols = smf.ols("CHG ~ C(TRT01P) + BASE + C(SEX)", d).fit()
    assert res.nobs == len(d)
    for arm in ("PBO", "TRT"):
        grid = pd.DataFrame({"TRT01P": arm, "SEX": ["Female", "Male"], "BASE": d["BASE"].mean()})
        hand = ols.predict(grid).mean()  # equal weights over SEX, BASE at its mean
        got = res.lsmeans.set_index("TRT01P").loc[arm, "estimate"]
        assert got == pytest.approx(hand, rel=1e-10)
    diff = res.diffs.iloc[0]
    assert (diff["TRT01P"], diff["vs"]) == ("TRT", "PBO")
    assert diff["estimate"] == pytest.approx(ols.params["C(TRT01P)[T.TRT]"], rel=1e-10)
    assert diff["se"] == pytest.approx(ols.bse["C(TRT01P)[T.TRT]"], rel=1e-10)
    assert diff["df"] == ols.df_resid
    ci = ols.conf_int().loc["C(TRT01P)[T.TRT]"]
    assert np.allclose([diff["lower"], diff["upper"]], ci, rtol=1e-10)


def _three_arms(seed=0, n=30):
    rng = np.random.default_rng(seed)
    arms = np.repeat(["Placebo", "Low", "High"], n)
    base = rng.normal(50, 5, len(arms))
    effect = pd.Series(arms).map({"Placebo": 0.0, "Low": -1.5, "High": -3.0}).to_numpy()
    region = rng.choice(["EU", "US", "Asia"], len(arms), p=[0.6, 0.3, 0.1])
    chg = -0.3 * (base - 50) + effect + (region == "US") * 1.0 + rng.normal(0, 1, len(arms))
    return pd.DataFrame({"ARM": arms, "BASE": base, "REGION": region, "CHG": chg,
                         "VISIT": "Week 12"})


def test_ancova_dose_response_and_all_pairs():
    df = _three_arms()
    dose = {"Placebo": 0, "Low": 1, "High": 2}
    res = ancova(df, "CHG", "ARM", ["BASE", "REGION"], reference="Placebo", dose=dose,
                 pairs="all")
    lsm = res.lsmeans.set_index("ARM")["estimate"]
    c = res.dose_coefficients
    assert c.to_dict() == {"Placebo": -1.0, "High": 1.0, "Low": 0.0}
    assert res.dose_response["estimate"] == pytest.approx((c * lsm[c.index]).sum())
    assert res.dose_response["estimate"] < 0 and res.dose_response["p"] < 1e-6
    assert len(res.diffs) == 3
    # equal weights over REGION: not the raw arm means of an unbalanced covariate
    hand = res.model.params
    assert lsm["Placebo"] == pytest.approx(
        hand["Intercept"] + hand["Q('BASE')"] * df["BASE"].mean()
        + (hand["Q('REGION')[T.EU]"] + hand["Q('REGION')[T.US]"]) / 3, rel=1e-10)


def test_ancova_input_errors():
    df = _three_arms()
    with pytest.raises(ValueError, match="'BASELINE'"):
        ancova(df, "CHG", "ARM", ["BASELINE"])
    with pytest.raises(ValueError, match="response column 'ARM' must be numeric"):
        ancova(df, "ARM", "BASE")
    with pytest.raises(ValueError, match="dose scores missing.*'ARM'"):
        ancova(df, "CHG", "ARM", dose={"Placebo": 0, "Low": 1})
    with pytest.raises(ValueError, match="no rows with 'VISIT'"):
        ancova(df, "CHG", "ARM", visit_col="VISIT", visit="Week 99")


def test_random_slope_wrapper():
    rng = np.random.default_rng(2)
    n, weeks = 80, np.array([0.0, 4.0, 8.0, 12.0])
    subj = np.repeat(np.arange(n), len(weeks))
    week = np.tile(weeks, n)
    arm = np.repeat(rng.integers(0, 2, n), len(weeks))
    b0 = np.repeat(rng.normal(0, 2, n), len(weeks))
    b1 = np.repeat(rng.normal(0, 0.2, n), len(weeks))
    y = 10 + b0 + (0.5 * arm - 0.2 + b1) * week + rng.normal(0, 1, len(week))
    df = pd.DataFrame({"USUBJID": subj, "WEEK": week, "ARM": arm, "AVAL": y})
    fit = fit_random_slope("AVAL ~ WEEK * ARM", df, subject="USUBJID", time="WEEK")
    assert isinstance(fit._results, MixedLMResults) and isinstance(fit.model, MixedLM)
    assert fit.converged
    assert fit.params["WEEK:ARM"] == pytest.approx(0.5, abs=0.15)
    assert fit.cov_re.shape == (2, 2)
    with pytest.raises(ValueError, match="'DAY'"):
        fit_random_slope("AVAL ~ WEEK", df, subject="USUBJID", time="DAY")
