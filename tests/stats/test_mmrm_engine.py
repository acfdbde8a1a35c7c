"""Engine checks that need no external reference: gradient, likelihood, contrasts, LS means,
the fallback chain and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats

from analysis.stats import (FALLBACK_ORDER, MMRMConvergenceError, STRUCTURES, fit_mmrm,
                            fit_mmrm_design, fit_with_fallback)
from analysis.stats.design import prepare
from analysis.stats.likelihood import Likelihood
from analysis.stats.structures import get_structure

FORMULA = "FEV1 ~ ARMCD*AVISIT + RACE + SEX"


@pytest.fixture(scope="module")
def prepared(fev, reference):
    return prepare(fev, FORMULA, subject="USUBJID", visit="AVISIT", reference=reference)


# ---- likelihood -------------------------------------------------------------------------
def _away_from_optimum(prepared, name, reml, seed):
    """A likelihood and a theta near, but not at, a plausible fev covariance."""
    s = get_structure(name, 4)
    lik = Likelihood(prepared.y, prepared.X, prepared.subject, prepared.visit, s, reml=reml)
    rng = np.random.default_rng(seed)
    theta = s.start(np.diag([40.0, 27.0, 15.0, 95.0]) + 5.0) + 0.1 * rng.normal(size=s.n_params)
    return s, lik, theta


@pytest.mark.parametrize("name", STRUCTURES)
@pytest.mark.parametrize("reml", [True, False])
def test_analytic_gradient_matches_finite_differences(prepared, name, reml):
    s, lik, theta = _away_from_optimum(prepared, name, reml, 3)
    _, g = lik.fun_grad(theta)
    h = 1e-6
    fd = [(lik.fun_grad(theta + h * e)[0] - lik.fun_grad(theta - h * e)[0]) / (2 * h)
          for e in np.eye(s.n_params)]
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", STRUCTURES)
@pytest.mark.parametrize("reml", [True, False])
def test_analytic_hessian_matches_finite_differences(prepared, name, reml):
    _, lik, theta = _away_from_optimum(prepared, name, reml, 4)
    H, H_fd = lik.hessian(theta), lik.hessian_fd(theta)
    assert np.abs(H - H_fd).max() <= 1e-6 * np.abs(H_fd).max()


@pytest.mark.parametrize("reml", [True, False])
def test_trace_term_equals_dense(fev, reference, reml):
    """tr(P V_i P V_j) (the expected information, times 2) against a dense P."""
    sub = fev[fev["USUBJID"].isin(fev["USUBJID"].unique()[:40])]
    pr = prepare(sub, "FEV1 ~ ARMCD*AVISIT", subject="USUBJID", visit="AVISIT",
                 reference=reference)
    s = get_structure("TOEPH", 4)
    lik = Likelihood(pr.y, pr.X, pr.subject, pr.visit, s, reml=reml)
    theta = s.start(np.diag([40.0, 27.0, 15.0, 95.0]) + 5.0)
    st = lik.state(theta)
    d1 = s.dsigma(theta)
    trace, _, _ = lik.second_order_terms(st, d1, quadratic=False)
    same = pr.subject[:, None] == pr.subject[None, :]

    def embed(S):
        return np.where(same, S[pr.visit[:, None], pr.visit[None, :]], 0.0)

    Vi = np.linalg.inv(embed(st.sigma))
    X = pr.X
    P = Vi - Vi @ X @ np.linalg.inv(X.T @ Vi @ X) @ X.T @ Vi if reml else Vi
    PV = [P @ embed(d) for d in d1]
    dense = np.array([[np.trace(a @ b) for b in PV] for a in PV])
    assert np.allclose(trace, dense, rtol=1e-9)


def test_bfgs_rescues_a_stalled_newton(prepared, un_fit, monkeypatch):
    """When the Newton line search cannot descend, BFGS takes over and the fit still lands."""
    from analysis.stats import likelihood

    monkeypatch.setattr(likelihood, "_newton_step", lambda g, H, pd, max_step: g)  # uphill
    s = get_structure("UN", 4)
    lik = Likelihood(prepared.y, prepared.X, prepared.subject, prepared.visit, s)
    opt = likelihood.optimise(lik, s.start(np.diag([40.0, 27.0, 15.0, 95.0])))
    assert opt.converged and "BFGS rescue" in opt.message
    assert lik.state(opt.theta).f == pytest.approx(un_fit.neg2_loglik, abs=1e-6)


def test_likelihood_equals_dense_multivariate_normal(un_fit, prepared):
    """The pattern-grouped -2l equals the textbook one with the full N x N covariance."""
    S = un_fit.covariance.to_numpy()
    order = np.lexsort((prepared.visit, prepared.subject))
    y, X = prepared.y[order], prepared.X[order]
    subj, vis = prepared.subject[order], prepared.visit[order]
    V = np.zeros((len(y), len(y)))
    for sid in np.unique(subj):
        idx = np.flatnonzero(subj == sid)
        V[np.ix_(idx, idx)] = S[np.ix_(vis[idx], vis[idx])]
    Vi = np.linalg.inv(V)
    A = X.T @ Vi @ X
    beta = np.linalg.solve(A, X.T @ Vi @ y)
    ml = -2 * stats.multivariate_normal(X @ beta, V).logpdf(y)
    reml = ml - X.shape[1] * np.log(2 * np.pi) + np.linalg.slogdet(A)[1]
    assert un_fit.neg2_loglik == pytest.approx(reml, abs=1e-6)
    assert np.allclose(un_fit.params, beta)
    assert np.allclose(un_fit.cov_params(), np.linalg.inv(A), rtol=1e-8)


def test_explicit_design_equals_formula(un_fit, prepared):
    X = pd.DataFrame(prepared.X, columns=prepared.columns)
    fit = fit_mmrm_design(prepared.y, X, prepared.data["USUBJID"], prepared.data["AVISIT"])
    assert fit.neg2_loglik == pytest.approx(un_fit.neg2_loglik, abs=1e-6)
    assert np.allclose(fit.params, un_fit.params, rtol=1e-6)
    assert np.allclose(fit.df, un_fit.df, rtol=1e-4)


def test_result_attributes(un_fit):
    assert un_fit.structure == "UN" and un_fit.method == "REML"
    assert un_fit.converged and un_fit.hessian_pd and un_fit.grad_norm < 1e-4
    assert un_fit.n_iter > 0 and "converged" in un_fit.message
    assert un_fit.loglik == pytest.approx(-un_fit.neg2_loglik / 2)
    assert list(un_fit.covariance.index) == ["VIS1", "VIS2", "VIS3", "VIS4"]
    assert np.allclose(np.diag(un_fit.correlation), 1)
    assert np.allclose(un_fit.tvalues, un_fit.params / un_fit.bse)
    ci = un_fit.conf_int()
    assert (ci["lower"] < un_fit.params).all() and (un_fit.params < ci["upper"]).all()
    assert un_fit.summary().shape == (11, 7)
    assert un_fit.theta_cov.shape == (10, 10)


# ---- contrasts and LS means ---------------------------------------------------------------
def test_contrast_matches_lsmean_difference(un_fit):
    diffs = un_fit.lsmean_diffs("ARMCD", by="AVISIT").set_index("AVISIT")
    c = un_fit.contrast({"ARMCD[T.TRT]": 1, "ARMCD[T.TRT]:AVISIT[T.VIS4]": 1})
    cols = ["estimate", "se", "df", "p"]
    assert np.allclose(c.iloc[0][cols].astype(float), diffs.loc["VIS4", cols].astype(float))


def test_one_row_f_test_is_the_squared_t(un_fit):
    L = {"ARMCD[T.TRT]": 1}
    for method in ("satterthwaite", "kenward-roger"):
        f = un_fit.f_test(L, df=method)
        c = un_fit.contrast(L, df=method).iloc[0]
        assert f["F"] == pytest.approx(c["t"] ** 2, rel=1e-8)
        assert f["den_df"] == pytest.approx(c["df"], rel=1e-8)
        assert f["p"] == pytest.approx(c["p"], rel=1e-6)


def test_interaction_f_test(un_fit):
    names = [n for n in un_fit.params.index if ":" in n]
    L = pd.DataFrame(np.eye(3), columns=names)
    f = un_fit.f_test(L)
    assert f["num_df"] == 3 and 100 < f["den_df"] < 200 and 0 < f["p"] < 1
    with pytest.raises(ValueError, match="rank"):
        un_fit.f_test(pd.DataFrame([[1, 0, 0], [2, 0, 0]], columns=names))
    with pytest.raises(ValueError, match="NOPE"):
        un_fit.contrast({"NOPE": 1})


def test_lsmeans_equal_and_observed_margin_weights(un_fit, prepared):
    """RACE and SEX are unbalanced, so the two weightings differ; both match a hand L."""
    b = un_fit.params
    data = prepared.data
    eq = un_fit.lsmeans(["ARMCD", "AVISIT"]).set_index(["ARMCD", "AVISIT"])
    om = un_fit.lsmeans(["ARMCD", "AVISIT"], weights="om").set_index(["ARMCD", "AVISIT"])
    race = data["RACE"].value_counts(normalize=True)
    female = (data["SEX"] == "Female").mean()
    base = b["Intercept"]
    hand_eq = base + (b["RACE[T.Black or African American]"] + b["RACE[T.White]"]) / 3 \
        + b["SEX[T.Female]"] / 2
    hand_om = base + race["Black or African American"] * b["RACE[T.Black or African American]"] \
        + race["White"] * b["RACE[T.White]"] + female * b["SEX[T.Female]"]
    assert eq.loc[("PBO", "VIS1"), "estimate"] == pytest.approx(hand_eq, rel=1e-12)
    assert om.loc[("PBO", "VIS1"), "estimate"] == pytest.approx(hand_om, rel=1e-12)
    assert abs(hand_eq - hand_om) > 0.1
    # differences between arms do not depend on the covariate weights in this model
    d_eq = un_fit.lsmean_diffs("ARMCD", by="AVISIT")["estimate"]
    d_om = un_fit.lsmean_diffs("ARMCD", by="AVISIT", weights="om")["estimate"]
    assert np.allclose(d_eq, d_om)
    assert len(eq) == 8 and (eq["se"] > 0).all()


def test_lsmean_errors(un_fit):
    with pytest.raises(ValueError, match="'USUBJID'"):
        un_fit.lsmeans("USUBJID")
    with pytest.raises(ValueError, match="weights"):
        un_fit.lsmeans("ARMCD", weights="cells")
    with pytest.raises(ValueError, match="'ARMCD'"):
        un_fit.lsmean_diffs("ARMCD", reference="XYZ")


def test_df_methods(un_fit):
    for method in ("satterthwaite", "kenward-roger", "kenward-roger-linear", "residual",
                   "between-within"):
        other = un_fit.with_df(method)
        assert other.df_method == method and np.isfinite(other.df).all()
    bw = un_fit.with_df("bw").df
    assert bw["RACE[T.White]"] == 197 - 5          # between: intercept, ARMCD, RACE, SEX
    assert bw["AVISIT[T.VIS2]"] == 537 - 197 - 6   # within: AVISIT, ARMCD:AVISIT
    with pytest.raises(ValueError, match="degrees-of-freedom"):
        un_fit.with_df("containment")


def _complex_step(f, x, h=1e-20):
    """Jacobian of f at x, stacked on the first axis, by complex step."""
    out = []
    for k in range(len(x)):
        t = np.asarray(x, dtype=complex).copy()
        t[k] += 1j * h
        out.append(np.asarray(f(t)).imag / h)
    return np.array(out)


@pytest.mark.parametrize("structure", ["AR1H", "UN"])
def test_kenward_roger_matches_dense_brute_force(fev, reference, structure):
    """Phi_A and the KR df against a dense N x N computation in SAS's parameters, summing
    over parameter pairs directly (the R term is non-zero for AR1H, zero for UN)."""
    sub = fev[fev["USUBJID"].isin(fev["USUBJID"].unique()[:60])]
    fit = fit_mmrm("FEV1 ~ ARMCD", sub, subject="USUBJID", visit="AVISIT",
                   reference=reference, covariance=structure, df="kenward-roger")
    pr = prepare(sub, "FEV1 ~ ARMCD", subject="USUBJID", visit="AVISIT", reference=reference)
    s = get_structure(structure, 4)
    theta = fit.theta.to_numpy()
    phi0 = s.sas_parameters(theta)
    K = len(phi0)
    J = _complex_step(s.sas_parameters, theta).T
    W = J @ fit.theta_cov.to_numpy() @ J.T            # covariance of the SAS parameters

    same = pr.subject[:, None] == pr.subject[None, :]
    vi, vj = pr.visit[:, None], pr.visit[None, :]

    def embed(S):
        return np.where(same, S[vi, vj], 0.0)

    def dsigma(phi):
        return _complex_step(lambda q: s.sigma(s.from_sas(q)), phi)

    d1 = dsigma(phi0)
    h = 1e-6
    d2 = np.array([(dsigma(phi0 + h * e) - dsigma(phi0 - h * e)) / (2 * h) for e in np.eye(K)])
    X = pr.X
    Vi = np.linalg.inv(embed(s.sigma(theta)))
    Phi = np.linalg.inv(X.T @ Vi @ X)
    dV = [embed(d1[i]) for i in range(K)]
    P = [-X.T @ Vi @ dV[i] @ Vi @ X for i in range(K)]
    inner = sum(W[i, j] * (X.T @ Vi @ dV[i] @ Vi @ dV[j] @ Vi @ X - P[i] @ Phi @ P[j]
                           - 0.25 * X.T @ Vi @ embed(d2[i, j]) @ Vi @ X)
                for i in range(K) for j in range(K))
    assert np.allclose(fit.cov_params().to_numpy(), Phi + 2 * Phi @ inner @ Phi, rtol=1e-8)
    l = np.array([0.0, 1.0])
    a2 = sum(W[i, j] * (l @ Phi @ P[i] @ Phi @ l) * (l @ Phi @ P[j] @ Phi @ l)
             for i in range(K) for j in range(K)) / (l @ Phi @ l) ** 2
    assert fit.df["ARMCD[T.TRT]"] == pytest.approx(2 / a2, rel=1e-6)
    linear = fit.with_df("kenward-roger-linear").bse["ARMCD[T.TRT]"]
    if structure == "UN":
        assert linear == pytest.approx(fit.bse["ARMCD[T.TRT]"], rel=1e-12)
    else:
        assert abs(linear - fit.bse["ARMCD[T.TRT]"]) > 1e-4


# ---- fallback -----------------------------------------------------------------------------
def test_fallback_records_the_chain(fev, reference):
    fit = fit_with_fallback(FORMULA, fev, subject="USUBJID", visit="AVISIT",
                            reference=reference, control={"UN": {"maxiter": 1}})
    assert fit.structure == "TOEPH" and fit.converged
    assert [a["structure"] for a in fit.fallback] == ["UN", "TOEPH"]
    assert fit.fallback[0]["converged"] is False
    assert "iteration limit" in fit.fallback[0]["reason"]
    assert fit.fallback[1]["reason"] == "converged"


def test_fallback_first_structure_when_it_converges(fev, reference, un_fit):
    fit = fit_with_fallback(FORMULA, fev, subject="USUBJID", visit="AVISIT",
                            reference=reference)
    assert fit.structure == "UN" and len(fit.fallback) == 1
    assert fit.neg2_loglik == pytest.approx(un_fit.neg2_loglik)


def test_fallback_moves_on_after_an_optimiser_value_error(fev, reference, monkeypatch):
    """scipy raises ValueError ("array must not contain infs or NaNs") on a diverging step;
    that is a failed structure, not the end of the fallback."""
    import analysis.stats.mmrm as engine

    real = engine._fit

    def diverging_un(prepared, options):
        if options.covariance == "UN":
            raise ValueError("array must not contain infs or NaNs")
        return real(prepared, options)

    monkeypatch.setattr(engine, "_fit", diverging_un)
    fit = fit_with_fallback(FORMULA, fev, subject="USUBJID", visit="AVISIT", reference=reference)
    assert fit.structure == "TOEPH"
    assert fit.fallback[0]["structure"] == "UN" and not fit.fallback[0]["converged"]
    assert "infs or NaNs" in fit.fallback[0]["reason"]


def test_fallback_rejects_bad_options_before_fitting(fev, reference):
    with pytest.raises(ValueError, match="method must be"):
        fit_with_fallback(FORMULA, fev, subject="USUBJID", visit="AVISIT", reference=reference,
                          method="MLE")


def test_fallback_exhausted_raises_with_the_record(fev, reference):
    assert FALLBACK_ORDER == ("UN", "TOEPH", "AR1H", "CS")
    with pytest.raises(MMRMConvergenceError) as err:
        fit_with_fallback(FORMULA, fev, subject="USUBJID", visit="AVISIT",
                          reference=reference, maxiter=1)
    assert [a["structure"] for a in err.value.attempts] == list(FALLBACK_ORDER)
    assert not any(a["converged"] for a in err.value.attempts)


# ---- input errors -------------------------------------------------------------------------
def _fit(data, formula=FORMULA, **kw):
    kw = {"subject": "USUBJID", "visit": "AVISIT", **kw}
    return fit_mmrm(formula, data, **kw)


def test_missing_formula_column_is_named(fev):
    with pytest.raises(ValueError, match="'WEIGHT_KG'.*not in the data"):
        _fit(fev, "FEV1 ~ ARMCD + WEIGHT_KG")


def test_missing_subject_or_visit_column_is_named(fev):
    with pytest.raises(ValueError, match="'SUBJ'"):
        _fit(fev, subject="SUBJ")
    with pytest.raises(ValueError, match="'VISIT'"):
        _fit(fev, visit="VISIT")


def test_non_numeric_response_is_named(fev):
    bad = fev.assign(FEV1=fev["FEV1"].astype(str))
    with pytest.raises(ValueError, match="response column 'FEV1' must be numeric"):
        _fit(bad)


def test_single_visit_is_named(fev):
    with pytest.raises(ValueError, match="visit column 'AVISIT' has a single level"):
        _fit(fev[fev["AVISIT"] == "VIS2"], "FEV1 ~ ARMCD")


def test_other_input_errors(fev):
    with pytest.raises(ValueError, match="reference level 'Placebo'.*'ARMCD'"):
        _fit(fev, reference={"ARMCD": "Placebo"})
    with pytest.raises(ValueError, match="duplicate"):
        _fit(pd.concat([fev, fev.head(3)]))
    with pytest.raises(ValueError, match="unknown covariance structure"):
        _fit(fev, covariance="ANTE1")
    with pytest.raises(ValueError, match="method"):
        _fit(fev, method="MIVQUE0")
    with pytest.raises(ValueError, match="rank deficient"):
        _fit(fev.assign(ARM2=fev["ARMCD"]), "FEV1 ~ ARMCD + ARM2")


def test_visit_order_is_natural():
    rng = np.random.default_rng(5)
    visits = [f"WEEK{w}" for w in (2, 4, 8, 12)]
    df = pd.DataFrame({"id": np.repeat(np.arange(40), 4), "v": visits * 40})
    df["y"] = rng.normal(size=len(df))
    fit = fit_mmrm("y ~ v", df, subject="id", visit="v", covariance="CS")
    assert list(fit.covariance.index) == visits


def test_numeric_visit_stays_numeric_in_the_formula(fev, un_fit):
    trend = fit_mmrm("FEV1 ~ ARMCD + VISITN", fev, subject="USUBJID", visit="VISITN")
    assert "VISITN" in trend.params.index and len(trend.params) == 3
    assert list(trend.covariance.index) == ["1", "2", "3", "4"]
    per_visit = fit_mmrm("FEV1 ~ ARMCD*C(VISITN) + RACE + SEX", fev, subject="USUBJID",
                         visit="VISITN", reference={"ARMCD": "PBO", "SEX": "Male"})
    assert per_visit.neg2_loglik == pytest.approx(un_fit.neg2_loglik, abs=1e-6)
