"""Geometric statistics on the natural-log scale (domain reference 7.5).

GM = exp(mean(ln x)); its CI = exp(mean(ln x) -/+ t(1 - alpha/2, n - 1) * s / sqrt(n)), s = SD of
ln x (n - 1 divisor); geometric CV% = 100 * sqrt(exp(s^2) - 1). A geometric mean fold change is
the same computation on the ratios x_t / x_0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from analysis.stats.descriptive import describe


def geometric_mean_ci(values, conf: float = 0.95) -> dict[str, float]:
    """n, geometric mean, its t-based CI on the log scale, geometric CV%, mean and SD of ln x.
    Missing values are ignored; a value <= 0 raises ValueError (it has no logarithm).

    >>> r = geometric_mean_ci([1.0, 10.0, 100.0])
    >>> r["n"], round(r["gmean"], 10), round(r["ci_lower"], 4), round(r["ci_upper"], 2), round(r["gcv"], 1)
    (3, 10.0, 0.0328, 3048.86, 1413.2)
    >>> geometric_mean_ci([4.0])["gmean"], geometric_mean_ci([4.0])["ci_lower"]
    (4.0, nan)
    """
    x = np.asarray([v for v in np.asarray(values, dtype=float) if not math.isnan(v)], dtype=float)
    if (x <= 0).any():
        raise ValueError("geometric statistics need positive values")
    d = describe(np.log(x))
    n, m, s = d["n"], d["mean"], d["sd"]
    out = {"n": n, "gmean": math.exp(m) if n else math.nan, "ci_lower": math.nan, "ci_upper": math.nan,
           "gcv": math.nan, "mean_log": m, "sd_log": s}
    if n > 1:
        half = stats.t.ppf(0.5 + conf / 2, n - 1) * s / math.sqrt(n)
        out.update(ci_lower=math.exp(m - half), ci_upper=math.exp(m + half),
                   gcv=100 * math.sqrt(math.expm1(s * s)))
    return out


def level_summary(values, blq_flags, conf: float = 0.95) -> dict[str, float]:
    """Concentration summary at one time point: n, n_blq, geometric statistics (gmean, ci_lower,
    ci_upper, gcv), median, min, max.

    >>> r = level_summary([2.0, 8.0, 0.5], ["", "", "Y"])
    >>> r["n"], r["n_blq"], r["gmean"], r["median"], r["min"], r["max"]
    (3, 1, 2.0, 2.0, 0.5, 8.0)
    """
    g = geometric_mean_ci(values, conf)
    d = describe(values)
    return {"n": g["n"], "n_blq": int(sum(1 for f in blq_flags if f == "Y")), "gmean": g["gmean"],
            "ci_lower": g["ci_lower"], "ci_upper": g["ci_upper"], "gcv": g["gcv"], "median": d["median"],
            "min": d["min"], "max": d["max"]}


def fold_change_summary(ratios, conf: float = 0.95) -> dict[str, float]:
    """Geometric mean fold change exp(mean(ln ratio)) with its t CI: fc_n, fc_gmean, fc_ci_lower,
    fc_ci_upper.

    >>> r = fold_change_summary([2.0, 0.5, 1.0, 4.0])
    >>> r["fc_n"], round(r["fc_gmean"], 6), round(r["fc_ci_lower"], 4), round(r["fc_ci_upper"], 4)
    (4, 1.414214, 0.3405, 5.8737)
    """
    g = geometric_mean_ci(ratios, conf)
    return {"fc_n": g["n"], "fc_gmean": g["gmean"], "fc_ci_lower": g["ci_lower"], "fc_ci_upper": g["ci_upper"]}
