"""Descriptive statistics shared by the summary tables."""

from __future__ import annotations

import math

import pandas as pd


def describe(values) -> dict[str, float]:
    """n, mean, SD (n - 1 divisor), median, min, max and the number missing, unrounded; sums
    with math.fsum so the mean does not depend on the order of the values.

    >>> s = describe([1.0, 2.0, 4.0, float("nan")])
    >>> s["n"], s["mean"], s["median"], s["min"], s["max"], s["n_missing"], round(s["sd"], 6)
    (3, 2.3333333333333335, 2.0, 1.0, 4.0, 1, 1.527525)
    >>> describe([])["n"], describe([5.0])["sd"]
    (0, nan)
    """
    series = pd.Series(values, dtype=float)
    v = [float(x) for x in series.dropna()]
    n = len(v)
    mean = math.fsum(v) / n if n else math.nan
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in v) / (n - 1)) if n > 1 else math.nan
    median = math.nan
    if n:
        s = sorted(v)
        median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {"n": n, "mean": mean, "sd": sd, "median": median, "min": min(v) if n else math.nan,
            "max": max(v) if n else math.nan, "n_missing": int(series.isna().sum())}
