"""Quartiles as SAS computes them by default (PROC MEANS/UNIVARIATE QNTLDEF=5, identical to R's
``quantile(type = 2)``), and the summary statistics of the by-visit tables.

QNTLDEF=5 (empirical distribution function with averaging): with the n sorted values
x(1) <= ... <= x(n) and j + g = n * p (j integer part, g fraction),
the p-quantile is (x(j) + x(j+1)) / 2 when g = 0, else x(j+1). numpy's default (R type 7,
linear interpolation) gives other quartiles for small n, so it is not used.
"""

from __future__ import annotations

import math

import numpy as np

from analysis.stats.descriptive import describe


def quantile_qntldef5(values, p: float) -> float:
    """The p-quantile by SAS QNTLDEF=5 / R type 2; nan for no values. Missing values are ignored.

    >>> quantile_qntldef5([1, 2, 3, 4], 0.25), quantile_qntldef5([1, 2, 3, 4, 5], 0.25)
    (1.5, 2.0)
    >>> quantile_qntldef5([7.0], 0.75), quantile_qntldef5([], 0.5)
    (7.0, nan)
    """
    if not 0 <= p <= 1:
        raise ValueError(f"quantile probability must be in [0, 1], not {p}")
    x = np.asarray(values, dtype=float).ravel()
    x = np.sort(x[~np.isnan(x)])
    n = len(x)
    if n == 0:
        return math.nan
    np_ = n * p
    j = math.floor(np_)
    # n * p is computed in floating point: 0.75 * 4 is exact, but guard products like 0.1 * 30
    if abs(np_ - round(np_)) < 1e-9 * max(1.0, np_):
        j = round(np_)
        if j == 0:
            return float(x[0])
        if j >= n:
            return float(x[-1])
        return float((x[j - 1] + x[j]) / 2)
    return float(x[min(j, n - 1)])


def summary_stats(values) -> dict[str, float]:
    """describe() (n, mean, SD, median, min, max, n_missing) plus q1 and q3 (QNTLDEF=5).

    >>> s = summary_stats([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    >>> s["n"], s["q1"], s["median"], s["q3"]
    (6, 1.0, 3.5, 5.0)
    """
    out = describe(values)
    vals = np.asarray(values, dtype=float)
    out["q1"] = quantile_qntldef5(vals, 0.25)
    out["q3"] = quantile_qntldef5(vals, 0.75)
    return out


def geometric_stats(values) -> dict[str, float]:
    """Geometric mean exp(mean(ln x)) and geometric CV% 100 * sqrt(exp(s^2) - 1), s = SD of ln x,
    over the positive values; ``n_nonpositive`` counts values that cannot be logged.

    >>> g = geometric_stats([1.0, 10.0, 100.0])
    >>> round(g["geomean"], 10), round(g["geocv"], 4), g["n_nonpositive"]
    (10.0, 1413.2142, 0)
    >>> geometric_stats([0.0, 4.0])["n_nonpositive"]
    1
    """
    vals = np.asarray(values, dtype=float)
    vals = vals[~np.isnan(vals)]
    pos = vals[vals > 0]
    logs = describe(np.log(pos)) if len(pos) else describe([])
    gm = math.exp(logs["mean"]) if logs["n"] else math.nan
    cv = 100 * math.sqrt(math.expm1(logs["sd"] ** 2)) if logs["n"] > 1 else math.nan
    return {"geomean": gm, "geocv": cv, "n_nonpositive": int(len(vals) - len(pos))}
