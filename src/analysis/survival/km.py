"""Kaplan-Meier estimates with Greenwood standard errors, log-log confidence intervals and
quantiles (median, Q1, Q3) with CIs, as R survival::survfit(conf.type = "log-log") reports them
(and SAS PROC LIFETEST CONFTYPE=LOGLOG for the pointwise limits)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

# R survival's tolerance for "S(t) equals 1 - p exactly" in quantile.survfit
TOLERANCE = math.sqrt(np.finfo(float).eps)


def loglog_ci(p, se, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Log-log CI of a probability p with standard error se (on p's scale):
    p^exp(+-z se / (p |ln p|)); NaN where p is 0 or 1 (the transform is undefined there).
    Same formula as R survfit_confint(conf.type = "log-log") for survival and for
    multi-state probabilities.

    >>> lo, up = loglog_ci([0.75, 1.0], [0.75 * math.sqrt(1 / 12), 0.0])
    >>> [round(float(v), 4) for v in (lo[0], up[0])], bool(np.isnan(lo[1]))
    ([0.1279, 0.9605], True)
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    z = norm.ppf(1 - (1 - conf) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (p > 0) & (p < 1)
        xx = np.where(ok, p, np.nan)
        se2 = z * (se / xx) / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    return lower, upper


def km_curve(time, event, conf: float = 0.95) -> pd.DataFrame:
    """The KM curve at every distinct observed time (events and censorings): time, n_risk,
    n_event, n_censor, surv, std_err (Greenwood, on the survival scale), lower, upper
    (log-log). An event and a censoring at the same time: the event comes first (the censored
    subject is still at risk).

    >>> c = km_curve([1, 2, 3, 4], [1, 0, 1, 0])
    >>> c[["time", "n_risk", "surv"]].values.tolist()
    [[1.0, 4.0, 0.75], [2.0, 3.0, 0.75], [3.0, 2.0, 0.375], [4.0, 1.0, 0.375]]
    >>> round(float(c["std_err"].iloc[2]), 4)
    0.2864
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    times = np.unique(time)
    n_risk = np.array([(time >= t).sum() for t in times], dtype=float)
    n_event = np.array([((time == t) & (event == 1)).sum() for t in times], dtype=float)
    n_censor = np.array([((time == t) & (event != 1)).sum() for t in times], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - n_event / n_risk)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    greenwood = np.cumsum(terms)  # inf once S reaches 0
    with np.errstate(invalid="ignore"):
        std_err = np.where(surv > 0, surv * np.sqrt(greenwood), np.nan)
    lower, upper = loglog_ci(surv, std_err, conf)
    return pd.DataFrame({"time": times, "n_risk": n_risk, "n_event": n_event, "n_censor": n_censor,
                         "surv": surv, "std_err": std_err, "lower": lower, "upper": upper})


def n_at_risk(time, t: float) -> int:
    """Subjects still under observation at t: AVAL >= t (an event or censoring at t is at risk).

    >>> n_at_risk([1, 2, 2, 5], 2)
    3
    """
    return int((np.asarray(time, dtype=float) >= t).sum())


def curve_at(curve: pd.DataFrame, t: float, columns: list[str], start: dict[str, float]) -> dict:
    """Values of a step curve at time t: the last row with time <= t; `start` before the first
    row; NaN after the last observed time (not estimable, as R summary(..., extend = FALSE))."""
    if curve.empty or t > curve["time"].iloc[-1]:
        return {c: math.nan for c in columns}
    idx = np.searchsorted(curve["time"].to_numpy(), t, side="right") - 1
    if idx < 0:
        return dict(start)
    return {c: float(curve[c].iloc[idx]) for c in columns}


def km_at(curve: pd.DataFrame, t: float) -> dict:
    """S(t), its SE and log-log CI. Before the first event S = 1 with SE 0 and no CI (NaN).

    >>> r = km_at(km_curve([1, 2, 3, 4], [1, 0, 1, 0]), 3.5)
    >>> r["surv"], round(r["lower"], 4), round(r["upper"], 4)
    (0.375, 0.011, 0.808)
    >>> km_at(km_curve([1, 2], [1, 0]), 3)["surv"]
    nan
    """
    start = {"surv": 1.0, "std_err": 0.0, "lower": math.nan, "upper": math.nan}
    return curve_at(curve, t, ["surv", "std_err", "lower", "upper"], start)


def find_quantile(times, curve_values, p: float, tol: float = TOLERANCE) -> float:
    """Smallest time with 1 - S(t) >= p, i.e. S(t) <= 1 - p; when S equals 1 - p exactly on an
    interval, the midpoint of that interval (to the last observed time when S stays there).
    This is R survival's findq (quantile.survfit) applied to the curve with (0, S = 1)
    prepended; NaN curve values (undefined CI limits) are skipped, as R's approx() does.

    >>> find_quantile([1, 2, 3, 4], [0.75, 0.75, 0.375, 0.375], 0.5)
    3.0
    >>> find_quantile([1, 2, 3, 4], [0.75, 0.75, 0.375, 0.375], 0.25)
    2.0
    >>> find_quantile([1, 2, 3, 4], [0.75, 0.75, 0.75, 0.75], 0.25)
    2.5
    >>> find_quantile([1, 2], [1.0, 1.0], 0.5)
    nan
    """
    x = np.concatenate([[0.0], np.asarray(times, dtype=float)])
    y = pd.Series(np.concatenate([[0.0], 1 - np.asarray(curve_values, dtype=float)]))
    xmax = x[-1]
    if y.isna().all() or y.max() < p:
        return math.nan
    first = ~y.duplicated().to_numpy()  # NaN counts as one value, as in R's duplicated()
    x, y = x[first], y.to_numpy()[first]
    last_defined = not np.isnan(y[-1])
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if p == 0:
        return float(x[0])
    hit1 = np.nonzero(y + tol >= p)[0]
    hit2 = np.nonzero(y - tol >= p)[0]
    if len(hit1) == 0:
        return math.nan
    if last_defined and abs(p - y[-1]) < tol:
        return float((x[hit1[0]] + xmax) / 2)
    if len(hit2) == 0:
        return math.nan
    return float((x[hit1[0]] + x[hit2[0]]) / 2)


def km_quantile(curve: pd.DataFrame, p: float) -> dict:
    """Quantile p of the event time (p = 0.5: median) with its CI: the times where the lower
    and upper log-log CI curves cross 1 - p (R quantile.survfit; this is the
    Brookmeyer-Crowley interval with the log-log transform evaluated on the curve's times).
    NaN = not reached / not estimable ("NE").

    >>> q = km_quantile(km_curve([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1]), 0.5)
    >>> q["estimate"], q["lower"], q["upper"]
    (4.0, 1.0, nan)
    """
    t = curve["time"].to_numpy()
    return {"estimate": find_quantile(t, curve["surv"].to_numpy(), p),
            "lower": find_quantile(t, curve["lower"].to_numpy(), p),
            "upper": find_quantile(t, curve["upper"].to_numpy(), p)}
