"""Exact confidence intervals for proportions and rates."""

from __future__ import annotations

import math


def clopper_pearson(x: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson 1934) CI for x successes out of n; (nan, nan) when n == 0.

    lower = Beta^-1(a/2; x, n-x+1) (0 if x = 0), upper = Beta^-1(1-a/2; x+1, n-x) (1 if x = n).

    >>> [round(v, 3) for v in clopper_pearson(1, 6)]
    [0.004, 0.641]
    >>> clopper_pearson(0, 3)[0], round(clopper_pearson(0, 3)[1], 3)
    (0.0, 0.708)
    """
    from scipy.stats import beta

    if n < 0 or x < 0 or x > n:
        raise ValueError(f"clopper_pearson needs 0 <= x <= n, got x={x}, n={n}")
    if n == 0:
        return math.nan, math.nan
    alpha = 1 - conf
    lower = 0.0 if x == 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lower, upper


def poisson_exact_ci(x: int, t: float, conf: float = 0.95) -> tuple[float, float]:
    """Exact Poisson CI for the rate x / t: [chi2_{a/2}(2x) / 2t, chi2_{1-a/2}(2x+2) / 2t].

    >>> [round(v, 3) for v in poisson_exact_ci(3, 10.5)]
    [0.059, 0.835]
    >>> poisson_exact_ci(0, 10.0)[0]
    0.0
    """
    from scipy.stats import chi2

    if t <= 0:
        return math.nan, math.nan
    alpha = 1 - conf
    lower = 0.0 if x == 0 else float(chi2.ppf(alpha / 2, 2 * x)) / (2 * t)
    upper = float(chi2.ppf(1 - alpha / 2, 2 * x + 2)) / (2 * t)
    return lower, upper
