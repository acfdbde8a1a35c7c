"""Least-squares means: L rows from a reference grid over the model's factors.

The grid crosses every level of every categorical variable of the model; numeric covariates
sit at their mean over the analysed rows (or at a value given in ``at``). Each design row comes
from the fitted formula (patsy), so interactions and transformations are handled as in the fit.
For one combination of the ``specs`` factors the L row averages the grid rows over the other
categorical variables with

* ``weights="equal"``: equal weights (SAS LSMEANS default; emmeans "equal"), or
* ``weights="om"``: weights proportional to how often each combination of the other
  categorical variables occurs among the analysed rows (SAS LSMEANS / OM, emmeans
  "proportional"). With main effects only this is the observed margin of each covariate.

Numeric covariates enter at their mean, so a transformed covariate (``I(x**2)``) is evaluated
at the mean of x, not averaged.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import patsy

WEIGHTS = ("equal", "om")


def model_variables(df: pd.DataFrame, design_info, exclude=()) -> tuple[list[str], list[str]]:
    """(categorical, numeric) columns of ``df`` that the model's design uses."""
    cols = [c for c in df.columns if c not in exclude]
    used = set()
    for factor in design_info.factor_infos:
        used.update(n for n in cols if n in _factor_names(factor))
    cat = [c for c in cols if c in used and isinstance(df[c].dtype, pd.CategoricalDtype)]
    num = [c for c in cols if c in used and c not in cat]
    for factor, info in design_info.factor_infos.items():
        if info.type == "categorical":
            for c in num[:]:
                if c in _factor_names(factor):
                    num.remove(c)
                    cat.append(c)
    return cat, num


def _factor_names(factor) -> set[str]:
    from .design import formula_columns
    return set(formula_columns("y ~ " + factor.name(), []) [1]) | {factor.name()}


def _levels(df: pd.DataFrame, col: str) -> list:
    s = df[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(pd.unique(s))


def lsmean_matrix(prepared, specs, weights: str = "equal", at: dict | None = None):
    """(keys DataFrame, L array) with one row per combination of the ``specs`` levels."""
    if prepared.design_info is None:
        raise ValueError("LS means need a formula fit (the explicit-design route has no "
                         "factors); use contrast(L) instead")
    return grid_matrix(prepared.data, prepared.design_info, specs, weights, at,
                       exclude=(prepared.response, prepared.subject_col))


def grid_matrix(df: pd.DataFrame, design_info, specs, weights: str = "equal",
                at: dict | None = None, exclude=()):
    """`lsmean_matrix` for any data frame and patsy design (``exclude``: not covariates)."""
    weights = str(weights).lower()
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}")
    specs = [specs] if isinstance(specs, str) else list(specs)
    at = dict(at or {})
    cat, num = model_variables(df, design_info, exclude)
    for c in specs:
        if c not in cat:
            raise ValueError(f"column {c!r} is not a categorical variable of the model; "
                             f"LS means are over: {', '.join(cat) or 'none'}")
    for c in at:
        if c not in cat and c not in num:
            raise ValueError(f"column {c!r} in 'at' is not a variable of the model")
    others = [c for c in cat if c not in specs and c not in at]
    levels = {c: ([at[c]] if c in at else _levels(df, c)) for c in specs + others}
    for c in at:
        if c in cat and at[c] not in _levels(df, c):
            raise ValueError(f"level {at[c]!r} given in 'at' does not occur in column {c!r}")
    names = specs + others + [c for c in at if c in cat and c not in specs]
    combos = list(itertools.product(*[levels.get(c, [at.get(c)]) for c in names]))
    grid = pd.DataFrame(combos, columns=names)
    for c in names:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            grid[c] = pd.Categorical(grid[c], categories=df[c].cat.categories)
    for c in num:
        grid[c] = float(at[c]) if c in at else float(df[c].mean())
    rows = np.asarray(patsy.build_design_matrices([design_info], grid)[0])

    if weights == "equal" or not others:
        w = np.ones(len(grid))
    else:
        freq = df.groupby(others, observed=True).size()
        key = pd.MultiIndex.from_frame(grid[others].astype(object)) if len(others) > 1 \
            else pd.Index(grid[others[0]].astype(object))
        w = freq.reindex(key).fillna(0).to_numpy(dtype=float)
    keys, L = [], []
    for spec_values, idx in grid.groupby(specs, observed=True, sort=False).indices.items():
        ww = w[idx]
        if ww.sum() == 0:
            raise ValueError(f"no observed-margin weight for {dict(zip(specs, _tuple(spec_values)))}")
        L.append((ww / ww.sum()) @ rows[idx])
        keys.append(_tuple(spec_values))
    return pd.DataFrame(keys, columns=specs), np.array(L)


def _tuple(v):
    return v if isinstance(v, tuple) else (v,)


def level_pairs(levels: list, reference, pairs: str, column: str) -> list[tuple]:
    """(level, versus) pairs: every level against ``reference`` or, with "all", every pair."""
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise ValueError(f"reference level {reference!r} does not occur in column {column!r}; "
                         f"levels are: {', '.join(map(str, levels))}")
    if pairs == "reference":
        return [(lv, reference) for lv in levels if lv != reference]
    if pairs == "all":
        return [(b, a) for i, a in enumerate(levels) for b in levels[i + 1:]]
    raise ValueError("pairs must be 'reference' or 'all'")
