"""Mixed model for repeated measures (MMRM), as SAS PROC MIXED with a REPEATED statement.

The model is y_ij = x_ij' beta + e_ij for subject i at visit j, with the errors of a subject
correlated through a within-subject covariance matrix over the visits (unstructured by
default); no random effects. Subjects with missing visits contribute the sub-block of their
observed visits (likelihood-based, valid under missing at random). Fits by REML (default) or
ML, with beta profiled out by generalised least squares.

Example (the FEV1 data of the R package mmrm, shipped with the tests):

>>> import pandas as pd
>>> from analysis.stats import fit_mmrm
>>> data = pd.read_csv("tests/stats/data/fev_data.csv")          # doctest: +SKIP
>>> fit = fit_mmrm("FEV1 ~ ARMCD*AVISIT + RACE + SEX", data, subject="USUBJID",
...                visit="AVISIT", reference={"ARMCD": "PBO"})      # doctest: +SKIP
>>> round(fit.neg2_loglik, 4)                                       # doctest: +SKIP
3386.4499
>>> fit.lsmean_diffs("ARMCD", by="AVISIT")                          # doctest: +SKIP

A self-contained one:

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> n, visits = 60, ["W1", "W2", "W3"]
>>> df = pd.DataFrame({"id": np.repeat(np.arange(n), 3), "visit": visits * n,
...                    "arm": np.repeat(rng.permutation(["A", "B"] * (n // 2)), 3)})
>>> df["y"] = rng.normal(size=len(df)) + (df["arm"] == "B") * 1.0
>>> fit = fit_mmrm("y ~ arm * visit", df, subject="id", visit="visit", covariance="CS")
>>> fit.converged, fit.covariance.shape
(True, (3, 3))

Results mirror statsmodels: ``params``, ``bse``, ``cov_params()``, ``df``, ``tvalues``,
``pvalues``, ``conf_int()``, plus ``covariance`` (visit x visit), ``loglik``,
``neg2_loglik``, ``aic``, ``bic``, convergence diagnostics, ``contrast(L)``, ``f_test(L)``,
``lsmeans(...)`` and ``lsmean_diffs(...)``. See docs/mmrm.md for the methods and validation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import dof as _dof
from .design import Prepared, prepare, prepare_arrays
from .likelihood import Likelihood, optimise, starting_sigma
from .lsmeans import level_pairs, lsmean_matrix
from .structures import STRUCTURES, get_structure

FALLBACK_ORDER = ("UN", "TOEPH", "AR1H", "CS")


class MMRMConvergenceError(RuntimeError):
    """No covariance structure in a fallback order converged; ``attempts`` says why."""

    def __init__(self, message: str, attempts: list[dict]):
        super().__init__(message)
        self.attempts = attempts


@dataclass
class FitOptions:
    covariance: str = "UN"
    method: str = "REML"
    df: str = "satterthwaite"
    information: str = "observed"
    maxiter: int = 200
    tol: float = 1e-8


class MMRMResults:
    """A fitted MMRM. All fixed-effect outputs follow ``df_method``; see `with_df`."""

    def __init__(self, prepared: Prepared, options: FitOptions, lik: Likelihood, opt,
                 inference: _dof.Inference):
        self._prepared = prepared
        self._options = options
        self._lik = lik
        self._opt = opt
        self._inf = inference
        self.structure = lik.structure.name
        self.method = "REML" if lik.reml else "ML"
        self.df_method = _dof.normalise_df_method(options.df)
        self.information = options.information
        st = inference.st
        self.visits = list(prepared.visits)
        v = [str(x) for x in self.visits]
        self.exog_names = list(prepared.columns)
        self.covariance = pd.DataFrame(st.sigma, index=v, columns=v)
        sd = np.sqrt(np.diag(st.sigma))
        self.correlation = pd.DataFrame(st.sigma / np.outer(sd, sd), index=v, columns=v)
        self.theta = pd.Series(st.theta, index=lik.structure.param_names(v), name="theta")
        self.theta_cov = pd.DataFrame(inference.W, index=self.theta.index,
                                      columns=self.theta.index)
        self.nobs = lik.N
        self.n_subjects = lik.n_subjects
        self.n_dropped = prepared.n_dropped
        self.n_cov_params = lik.structure.n_params
        self.neg2_loglik = float(st.f)
        self.loglik = -0.5 * self.neg2_loglik
        k = self.n_cov_params + (0 if lik.reml else len(st.beta))
        self.aic = self.neg2_loglik + 2 * k                         # SAS: q (+p for ML)
        self.bic = self.neg2_loglik + k * np.log(self.n_subjects)   # SAS: log(number of subjects)
        self.converged = bool(opt.converged)
        self.n_iter = int(opt.n_iter)
        self.message = opt.message
        self.grad_norm = float(np.max(np.abs(opt.grad))) if len(opt.grad) else 0.0
        self.convergence_criterion = float(opt.criterion)
        self.hessian_pd = bool(opt.hessian_pd)
        self.fallback: list[dict] = []
        self._fill()

    def _fill(self):
        names = self.exog_names
        st = self._inf.st
        self.params = pd.Series(st.beta, index=names, name="estimate")
        var, df = _dof.contrast_df(self._inf, self.df_method, np.eye(len(names)))
        self._cov = (self._inf.kr_phi(self.df_method == "kenward-roger-linear")
                     if self.df_method.startswith("kenward-roger") else self._inf.phi)
        with np.errstate(invalid="ignore"):  # a diverged fit (rejected by the fallback) may have var < 0
            self.bse = pd.Series(np.sqrt(var), index=names, name="se")
        self.df = pd.Series(df, index=names, name="df")
        self.tvalues = pd.Series(self.params / self.bse, name="t")
        self.pvalues = pd.Series(2 * stats.t.sf(np.abs(self.tvalues), self.df), index=names,
                                 name="p")

    # ---- statsmodels-like accessors -------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """Covariance of beta: model-based, or Kenward-Roger adjusted under KR."""
        return pd.DataFrame(self._cov, index=self.exog_names, columns=self.exog_names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        q = stats.t.ppf(1 - alpha / 2, self.df)
        return pd.DataFrame({"lower": self.params - q * self.bse,
                             "upper": self.params + q * self.bse})

    def summary(self) -> pd.DataFrame:
        """Coefficient table (estimate, se, df, t, p, 95% CI)."""
        return pd.concat([self.params, self.bse, self.df, self.tvalues, self.pvalues,
                          self.conf_int()], axis=1)

    def with_df(self, df: str) -> "MMRMResults":
        """The same fit with another degrees-of-freedom method (no refit)."""
        other = copy.copy(self)
        other.df_method = _dof.normalise_df_method(df)
        other._fill()
        return other

    def __repr__(self) -> str:
        return (f"<MMRMResults {self.structure} {self.method}, df={self.df_method}: "
                f"{self.nobs} obs, {self.n_subjects} subjects, -2LL {self.neg2_loglik:.4f}, "
                f"converged={self.converged}>")

    # ---- contrasts ------------------------------------------------------------------------
    def _as_L(self, L) -> np.ndarray:
        names = self.exog_names
        if isinstance(L, dict):
            L = pd.DataFrame([L])
        if isinstance(L, pd.Series):
            L = L.to_frame().T
        if isinstance(L, pd.DataFrame):
            unknown = [c for c in L.columns if c not in names]
            if unknown:
                raise ValueError(f"contrast names unknown coefficient(s) {unknown}; "
                                 f"coefficients are: {', '.join(names)}")
            L = L.reindex(columns=names, fill_value=0.0).to_numpy(dtype=float)
        L = np.atleast_2d(np.asarray(L, dtype=float))
        if L.shape[1] != len(names):
            raise ValueError(f"contrast has {L.shape[1]} columns; the model has {len(names)} "
                             "coefficients")
        return L

    def contrast(self, L, alpha: float = 0.05, df: str | None = None) -> pd.DataFrame:
        """Estimate, SE, df, t, two-sided p and CI for each row of L (array, dict, DataFrame)."""
        L = self._as_L(L)
        method = _dof.normalise_df_method(df or self.df_method)
        var, ddf = _dof.contrast_df(self._inf, method, L)
        return _table(L @ self._inf.beta, np.sqrt(var), ddf, alpha)

    def f_test(self, L, df: str | None = None) -> pd.Series:
        """Joint test of L beta = 0: F, numerator df, denominator df, p."""
        method = _dof.normalise_df_method(df or self.df_method)
        F, ndf, ddf = _dof.f_test(self._inf, method, self._as_L(L))
        return pd.Series({"F": F, "num_df": ndf, "den_df": ddf,
                          "p": float(stats.f.sf(F, ndf, ddf))})

    # ---- LS means -------------------------------------------------------------------------
    def lsmeans(self, specs, weights: str = "equal", at: dict | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
        """LS means of each combination of ``specs`` (e.g. ``["ARMCD", "AVISIT"]``)."""
        keys, L = lsmean_matrix(self._prepared, specs, weights, at)
        return pd.concat([keys, self.contrast(L, alpha)], axis=1)

    def lsmean_diffs(self, treatment: str, by=None, reference=None, weights: str = "equal",
                     pairs: str = "reference", at: dict | None = None,
                     alpha: float = 0.05) -> pd.DataFrame:
        """Differences of LS means between ``treatment`` levels within each ``by`` level.

        ``pairs="reference"`` compares every level with ``reference`` (default: the first
        level, the model's reference); ``pairs="all"`` gives every pair (later minus earlier).
        """
        by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        keys, L = lsmean_matrix(self._prepared, [treatment] + by, weights, at)
        pairs_ = level_pairs(list(dict.fromkeys(keys[treatment])), reference, pairs, treatment)
        out_keys, rows = [], []
        groups = keys.groupby(by, sort=False, observed=True).indices if by else {(): keys.index}
        for bval, idx in groups.items():
            sub = keys.loc[idx]
            where = {lv: i for lv, i in zip(sub[treatment], idx)}
            for a, b in pairs_:
                rows.append(L[where[a]] - L[where[b]])
                bval_t = bval if isinstance(bval, tuple) else (bval,)
                out_keys.append(dict(zip(by, bval_t), **{treatment: a, "vs": b}))
        return pd.concat([pd.DataFrame(out_keys), self.contrast(np.array(rows), alpha)], axis=1)


def _table(est, se, ddf, alpha) -> pd.DataFrame:
    t = est / se
    q = stats.t.ppf(1 - alpha / 2, ddf)
    return pd.DataFrame({"estimate": est, "se": se, "df": ddf, "t": t,
                         "p": 2 * stats.t.sf(np.abs(t), ddf),
                         "lower": est - q * se, "upper": est + q * se})


def _check_options(options: FitOptions) -> None:
    if str(options.method).upper() not in ("REML", "ML"):
        raise ValueError(f"method must be 'REML' or 'ML', not {options.method!r}")
    _dof.normalise_df_method(options.df)


def _fit(prepared: Prepared, options: FitOptions) -> MMRMResults:
    _check_options(options)
    method = str(options.method).upper()
    structure = get_structure(options.covariance, len(prepared.visits))
    lik = Likelihood(prepared.y, prepared.X, prepared.subject, prepared.visit, structure,
                     reml=method == "REML")
    s0 = starting_sigma(prepared.y, prepared.X, prepared.subject, prepared.visit, structure.m)
    opt = optimise(lik, structure.start(s0), maxiter=options.maxiter, tol=options.tol)
    st = lik.state(opt.theta)
    inference = _dof.Inference(lik, st, opt.hessian, prepared.X, prepared.subject,
                               prepared.term_columns, options.information)
    return MMRMResults(prepared, options, lik, opt, inference)


def fit_mmrm(formula: str, data: pd.DataFrame, *, subject: str, visit: str,
             covariance: str = "UN", method: str = "REML", df: str = "satterthwaite",
             reference: dict | None = None, visit_levels=None, information: str = "observed",
             maxiter: int = 200, tol: float = 1e-8) -> MMRMResults:
    """Fit ``formula`` (patsy syntax) with repeated measures of ``visit`` within ``subject``.

    covariance: UN (default), CS, CSH, AR1, AR1H, TOEP, TOEPH. method: REML or ML.
    df: satterthwaite, kenward-roger, kenward-roger-linear, residual, between-within.
    reference: {column: reference level} for Treatment coding (default: first sorted level).
    visit_levels: the order of the visits (default: natural sort, or the categorical order).
    information: "observed" (Hessian; SAS default) or "expected" for the df computations.
    maxiter / tol: iteration cap (BFGS + Newton) and the bound on g'H^-1g for convergence.
    """
    prepared = prepare(data, formula, subject=subject, visit=visit, reference=reference,
                       visit_levels=visit_levels)
    return _fit(prepared, FitOptions(covariance, method, df, information, maxiter, tol))


def fit_mmrm_design(y, X, subject, visit, *, columns=None, visit_levels=None,
                    covariance: str = "UN", method: str = "REML", df: str = "satterthwaite",
                    information: str = "observed", maxiter: int = 200,
                    tol: float = 1e-8) -> MMRMResults:
    """The same fit from an explicit design matrix (a DataFrame's columns name the params)."""
    prepared = prepare_arrays(y, X, subject, visit, columns=columns, visit_levels=visit_levels)
    return _fit(prepared, FitOptions(covariance, method, df, information, maxiter, tol))


def fit_with_fallback(formula: str, data: pd.DataFrame, *, subject: str, visit: str,
                      order=FALLBACK_ORDER, control: dict | None = None,
                      **kwargs) -> MMRMResults:
    """Fit the first structure of ``order`` (UN -> TOEPH -> AR1H -> CS) that converges.

    A structure is rejected when the fit raises a numerical error (including scipy's
    ValueError on a non-finite optimiser step; the options are checked before the loop, so a
    ValueError there is numerical), hits the iteration cap,
    ends with a Hessian that is not positive definite, or misses the convergence criterion.
    ``control`` maps a structure to extra fit options (e.g. ``{"UN": {"maxiter": 50}}``).
    The returned fit carries ``fallback``: one dict per attempt (structure, converged, reason);
    if none converges, `MMRMConvergenceError` is raised with the same record.
    """
    if "covariance" in kwargs:
        raise ValueError("fit_with_fallback takes the structures in 'order', not 'covariance'")
    control = {str(k).upper(): v for k, v in (control or {}).items()}
    order = [str(s).upper() for s in order]
    for s in order:
        if s not in STRUCTURES:
            raise ValueError(f"unknown covariance structure {s!r} in the fallback order")
    prepared = prepare(data, formula, subject=subject, visit=visit,
                       reference=kwargs.pop("reference", None),
                       visit_levels=kwargs.pop("visit_levels", None))
    attempts: list[dict] = []
    for s in order:
        opts = FitOptions(covariance=s, **{**kwargs, **control.get(s, {})})
        _check_options(opts)
        try:
            fit = _fit(prepared, opts)
        except (np.linalg.LinAlgError, FloatingPointError, ArithmeticError, ValueError) as exc:
            attempts.append({"structure": s, "converged": False,
                             "reason": f"numerical failure: {exc}"})
            continue
        reason = "converged" if fit.converged else fit.message
        attempts.append({"structure": s, "converged": fit.converged, "reason": reason,
                         "n_iter": fit.n_iter, "neg2_loglik": fit.neg2_loglik})
        if fit.converged:
            fit.fallback = attempts
            return fit
    raise MMRMConvergenceError(
        "no covariance structure converged: "
        + "; ".join(f"{a['structure']}: {a['reason']}" for a in attempts), attempts)
