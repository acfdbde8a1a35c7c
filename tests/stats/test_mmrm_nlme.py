"""Fits of fev_data against R nlme::gls (tests/stats/results/nlme_fev_data.csv).

The CSV is written by tests/stats/results/nlme_reference.R (committed with its output, CI has
no R). Estimates and model-based SEs to 1e-4 relative, -2 log-likelihood to 1e-4 absolute,
covariance matrices to 1e-4 of their largest entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.stats import fit_mmrm

FORMULA = "FEV1 ~ ARMCD*AVISIT + RACE + SEX"
MODELS = [(s, m) for s in ("UN", "CS", "CSH", "AR1", "AR1H") for m in ("REML", "ML")]
FACTORS = ("ARMCD", "AVISIT", "RACE", "SEX")


def patsy_name(r_name: str) -> str:
    """R's 'ARMCDTRT:AVISITVIS2' -> patsy's 'ARMCD[T.TRT]:AVISIT[T.VIS2]'."""
    if r_name == "(Intercept)":
        return "Intercept"
    parts = []
    for part in r_name.split(":"):
        factor = next(f for f in FACTORS if part.startswith(f))
        parts.append(f"{factor}[T.{part[len(factor):]}]")
    return ":".join(parts)


def rel_close(ours, ref, rtol=1e-4):
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return np.abs(ours - ref) <= rtol * np.maximum(np.abs(ref), 1.0)


@pytest.fixture(scope="module")
def fits(fev, reference):
    return {(s, m): fit_mmrm(FORMULA, fev, subject="USUBJID", visit="AVISIT",
                             reference=reference, covariance=s, method=m) for s, m in MODELS}


@pytest.mark.parametrize("structure,method", MODELS)
def test_against_nlme(fits, nlme, structure, method):
    fit = fits[(structure, method)]
    ref = nlme[(nlme.model == structure) & (nlme.method == method)]
    assert fit.converged and fit.hessian_pd, fit.message

    neg2ll = ref.loc[ref.quantity == "neg2ll", "value"].item()
    assert abs(fit.neg2_loglik - neg2ll) <= 1e-4

    coef = ref[ref.quantity == "coef"].set_index("row")["value"].rename(index=patsy_name)
    se = ref[ref.quantity == "se"].set_index("row")["value"].rename(index=patsy_name)
    assert sorted(coef.index) == sorted(fit.params.index)
    assert rel_close(fit.params[coef.index], coef).all(), (fit.params - coef).abs().max()
    assert rel_close(fit.bse[se.index], se).all(), (fit.bse - se).abs().max()

    vis4 = ref[ref.quantity == "contrast"].set_index("col")["value"]
    diff = fit.lsmean_diffs("ARMCD", by="AVISIT").set_index("AVISIT").loc["VIS4"]
    assert rel_close([diff["estimate"], diff["se"]], [vis4["estimate"], vis4["se"]]).all()

    cov = ref[ref.quantity == "cov"].pivot(index="row", columns="col", values="value")
    ours = fit.covariance.loc[cov.index, cov.columns].to_numpy()
    assert np.abs(ours - cov.to_numpy()).max() <= 1e-4 * np.abs(cov.to_numpy()).max()


def test_nlme_ml_se_scaling_is_undone(nlme):
    """nlme scales ML SEs by sqrt(N / (N - p)); the CSV's 'se' undoes it, 'se_nlme' keeps it."""
    ml = nlme[(nlme.model == "UN") & (nlme.method == "ML")]
    n = ml.loc[ml.quantity == "n", "value"].item()
    p = ml.loc[ml.quantity == "p", "value"].item()
    se = ml[ml.quantity == "se"]["value"].to_numpy()
    se_nlme = ml[ml.quantity == "se_nlme"]["value"].to_numpy()
    assert np.allclose(se_nlme / se, np.sqrt(n / (n - p)))
