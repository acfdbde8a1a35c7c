"""Sensitivity analyses beside the MMRM: a random-slope model and a single-visit ANCOVA.

`fit_random_slope` is a thin wrapper around statsmodels MixedLM (random intercept and slope
over time per subject) that checks the columns and returns statsmodels' own fit.

`ancova` fits change from baseline (or any response) at one visit by OLS on treatment and
covariates, and gives LS means per treatment (equal weights over categorical covariates,
numeric covariates at their mean: SAS LSMEANS), differences between treatments with CIs, and
a linear dose-response contrast over the LS means. It works on any BDS-like frame: columns are
named by the arguments.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> adqs = pd.DataFrame({"TRT01P": np.repeat(["Placebo", "Low", "High"], 20),
...                      "BASE": rng.normal(50, 5, 60), "AVISIT": "Week 12"})
>>> adqs["CHG"] = -0.3 * (adqs["BASE"] - 50) + adqs["TRT01P"].map(
...     {"Placebo": 0, "Low": -2, "High": -4}) + rng.normal(0, 1, 60)
>>> res = ancova(adqs, "CHG", "TRT01P", ["BASE"], reference="Placebo",
...              dose={"Placebo": 0, "Low": 1, "High": 2})
>>> list(res.lsmeans["TRT01P"])
['Placebo', 'High', 'Low']
>>> bool(res.dose_response["p"] < 0.001)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy

from .design import _categorical_with_reference, formula_columns
from .lsmeans import grid_matrix, level_pairs
from .mmrm import _table


def _check_columns(data: pd.DataFrame, cols: dict[str, str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame")
    for col, role in cols.items():
        if col not in data.columns:
            raise ValueError(f"column {col!r} ({role}) is not in the data; "
                             f"columns are: {', '.join(map(str, data.columns))}")


def _check_numeric(data: pd.DataFrame, col: str, role: str) -> None:
    s = data[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise ValueError(f"{role} column {col!r} must be numeric (it is {s.dtype})")


def fit_random_slope(formula: str, data: pd.DataFrame, *, subject: str, time: str,
                     reml: bool = True, **fit_kwargs):
    """statsmodels MixedLM of ``formula`` with a random intercept and slope on ``time``.

    ``time`` is a numeric column (e.g. study week); the random effects are correlated
    (unstructured 2 x 2). Rows with a missing value in any used column are dropped. The
    optimiser defaults to L-BFGS: statsmodels' own default (BFGS, then retries) often fails
    when the slope variance is small; pass ``method=`` to override. Returns statsmodels'
    fit (``MixedLMResults``); check its ``converged``.
    """
    lhs, rhs = formula_columns(formula, data.columns)
    _check_columns(data, {**{c: "named in the formula" for c in lhs + rhs},
                          subject: "subject", time: "time"})
    if len(lhs) != 1:
        raise ValueError(f"formula {formula!r} needs one response column")
    _check_numeric(data, lhs[0], "response")
    _check_numeric(data, time, "time")
    import statsmodels.formula.api as smf  # lazily: statsmodels takes ~0.6 s to import

    used = list(dict.fromkeys(lhs + rhs + [subject, time]))
    df = data[used].dropna()
    model = smf.mixedlm(formula, df, groups=df[subject], re_formula=f"~{time}")
    return model.fit(reml=reml, **{"method": "lbfgs", **fit_kwargs})


@dataclass
class AncovaResult:
    """OLS fit, LS means, differences and the dose-response contrast of `ancova`."""

    model: object              # statsmodels RegressionResults
    lsmeans: pd.DataFrame      # one row per treatment
    diffs: pd.DataFrame        # treatment differences
    dose_response: pd.Series   # linear contrast over the LS means
    dose_coefficients: pd.Series
    nobs: int


def ancova(data: pd.DataFrame, response: str, treatment: str, covariates=(), *,
           reference=None, dose: dict | None = None, visit_col: str | None = None,
           visit=None, pairs: str = "reference", alpha: float = 0.05) -> AncovaResult:
    """ANCOVA of ``response`` on ``treatment`` + ``covariates`` at a single visit.

    - ``visit_col`` / ``visit``: keep only rows with that visit (else the frame is used as is).
    - ``reference``: the control level (default: first sorted level); differences are each
      level minus it (``pairs="all"``: every pair).
    - ``dose``: {treatment level: dose score} for the linear dose-response contrast; default
      scores 0, 1, 2, ... in the order of the levels (reference first). The contrast weights
      are the centred scores, applied to the LS means.
    Categorical covariates get equal weights in the LS means, numeric ones sit at their mean.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    cols = {response: "response", treatment: "treatment",
            **{c: "covariate" for c in covariates}}
    if visit_col is not None:
        cols[visit_col] = "visit"
    _check_columns(data, cols)
    _check_numeric(data, response, "response")
    df = data
    if visit_col is not None:
        df = df.loc[df[visit_col] == visit]
        if df.empty:
            raise ValueError(f"no rows with {visit_col!r} == {visit!r}")
    df = df[[response, treatment] + covariates].dropna().copy()
    df[treatment] = _categorical_with_reference(df[treatment], treatment, reference)
    levels = list(df[treatment].cat.categories)
    if len(levels) < 2:
        raise ValueError(f"treatment column {treatment!r} has a single level")
    for c in covariates:
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            df[c] = _categorical_with_reference(df[c], c)
    rhs = " + ".join(f"Q({c!r})" for c in [treatment] + covariates)
    import statsmodels.api as sm

    y, X = patsy.dmatrices(f"Q({response!r}) ~ {rhs}", df, return_type="dataframe")
    model = sm.OLS(y, X).fit()
    design_info = X.design_info
    keys, L = grid_matrix(df, design_info, [treatment], "equal", exclude=(response,))
    cov = model.cov_params().to_numpy()
    beta = model.params.to_numpy()
    ddf = float(model.df_resid)

    def table(Lm):
        Lm = np.atleast_2d(Lm)
        se = np.sqrt(np.einsum("rp,pq,rq->r", Lm, cov, Lm))
        return _table(Lm @ beta, se, np.full(len(Lm), ddf), alpha)

    lsm = pd.concat([keys, table(L)], axis=1)
    order = list(keys[treatment])
    idx = {lv: i for i, lv in enumerate(order)}
    prs = level_pairs(levels, levels[0], pairs, treatment)
    diffs = pd.concat([pd.DataFrame(prs, columns=[treatment, "vs"]),
                       table(np.array([L[idx[a]] - L[idx[b]] for a, b in prs]))], axis=1)
    if dose is None:
        scores = pd.Series(np.arange(len(levels), dtype=float), index=levels)
    else:
        missing = [lv for lv in levels if lv not in dose]
        if missing:
            raise ValueError(f"dose scores missing for level(s) {missing} of {treatment!r}")
        scores = pd.Series({lv: float(dose[lv]) for lv in levels})
    c = scores - scores.mean()
    if not np.any(c != 0):
        raise ValueError("dose scores are all equal; a linear contrast needs distinct doses")
    c.name = "weight"
    Ld = sum(c[lv] * L[idx[lv]] for lv in levels)
    dose_resp = table(Ld).iloc[0]
    return AncovaResult(model=model, lsmeans=lsm, diffs=diffs, dose_response=dose_resp,
                        dose_coefficients=c, nobs=int(model.nobs))
