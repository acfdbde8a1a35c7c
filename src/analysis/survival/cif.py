"""Aalen-Johansen cumulative incidence of an event in the presence of a competing event,
deterministic (no jittering of tied times), with the infinitesimal-jackknife standard error
that R survival::survfit reports for a multi-state (factor) status."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .km import curve_at, loglog_ci


def aalen_johansen(time, status, conf: float = 0.95) -> pd.DataFrame:
    """CIF of status 1 (status 2 = competing event, 0 = censored) at every distinct time:
    time, n_risk, n_event, n_competing, n_censor, surv (free of both), cif, std_err, lower,
    upper.

    CIF(t) = sum_{t_j <= t} S(t_j-) d1_j / n_j, S the all-cause KM. The variance is
    sum_i U_i(t)^2, U_i = dCIF(t)/dw_i the influence of subject i (derivative with respect
    to its case weight at w = 1): the infinitesimal jackknife of R survfit (survival >= 3).
    The CI is log-log on the CIF itself, R's survfit(conf.type = "log-log"):
    CIF^exp(+-z se / (CIF ln CIF)).

    >>> c = aalen_johansen([1, 2, 2, 3], [1, 2, 0, 1])
    >>> c[["time", "n_risk", "n_event", "n_competing", "cif"]].values.tolist()
    [[1.0, 4.0, 1.0, 0.0, 0.25], [2.0, 3.0, 0.0, 1.0, 0.25], [3.0, 1.0, 1.0, 0.0, 0.75]]
    >>> round(float(c["std_err"].iloc[0]), 6)
    0.216506
    """
    time = np.asarray(time, dtype=float)
    status = np.asarray(status, dtype=int)
    bad = set(np.unique(status)) - {0, 1, 2}
    if bad:
        raise ValueError(f"status must be 0, 1 or 2, got {sorted(bad)}")
    rows = []
    surv, d_surv = 1.0, np.zeros(len(time))
    cif, d_cif = 0.0, np.zeros(len(time))
    for t in np.unique(time):
        at_risk = (time >= t).astype(float)
        n = at_risk.sum()
        ev1 = ((time == t) & (status == 1)).astype(float)
        ev = ((time == t) & (status > 0)).astype(float)
        h1, h = ev1.sum() / n, ev.sum() / n
        d_h1 = (ev1 - at_risk * h1) / n
        d_h = (ev - at_risk * h) / n
        # S(t_j-) multiplies this time's cause-1 hazard; then S steps down by all causes
        cif, d_cif = cif + surv * h1, d_cif + d_surv * h1 + surv * d_h1
        surv, d_surv = surv * (1 - h), d_surv * (1 - h) - surv * d_h
        rows.append((t, n, ev1.sum(), ev.sum() - ev1.sum(), ((time == t) & (status == 0)).sum(),
                     surv, cif, math.sqrt(float(np.sum(d_cif ** 2)))))
    out = pd.DataFrame(rows, columns=["time", "n_risk", "n_event", "n_competing", "n_censor",
                                      "surv", "cif", "std_err"])
    out["lower"], out["upper"] = loglog_ci(out["cif"], out["std_err"], conf)
    return out


def cif_at(curve: pd.DataFrame, t: float) -> dict:
    """CIF(t), SE and CI: 0 before the first time; NaN (not estimable) after the last
    observed time, as R summary(..., extend = FALSE).

    >>> c = aalen_johansen([1, 2, 2, 3], [1, 2, 0, 1])
    >>> cif_at(c, 0.5)["cif"], cif_at(c, 2.5)["cif"], cif_at(c, 4)["cif"]
    (0.0, 0.25, nan)
    """
    start = {"cif": 0.0, "std_err": 0.0, "lower": math.nan, "upper": math.nan}
    return curve_at(curve, t, ["cif", "std_err", "lower", "upper"], start)
