"""Comparisons across dose groups: the log-rank test (lifelines multivariate_logrank_test,
= R survdiff) and Cox hazard ratios vs a reference group (lifelines CoxPHFitter, Efron ties
= R coxph default), reported only where the events allow an estimate."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

# |log HR| or its SE beyond these means the partial likelihood is monotone (an infinite
# estimate the optimiser stopped somewhere on the way to): reported as not estimable.
MAX_ABS_COEF = 15.0
MAX_SE = 100.0


def logrank_test(records: pd.DataFrame, levels: list[str]) -> dict:
    """Log-rank chi-square across the groups in `levels` that have subjects (status 1 =
    event; anything else censored). NaN when fewer than two groups or no events.

    >>> r = pd.DataFrame({"_GROUP": list("AAABBB"), "TIME": [1, 3, 5, 2, 4, 6],
    ...                   "STATUS": [1, 1, 0, 1, 0, 1]})
    >>> round(logrank_test(r, ["A", "B"])["chisq"], 6)  # R survdiff: 0.4864864865
    0.486486
    """
    from lifelines.statistics import multivariate_logrank_test

    present = [lv for lv in levels if (records["_GROUP"] == lv).any()]
    events = int((records["STATUS"] == 1).sum())
    if len(present) < 2 or events == 0:
        return {"chisq": math.nan, "df": len(present) - 1, "p": math.nan}
    sub = records[records["_GROUP"].isin(present)]
    res = multivariate_logrank_test(sub["TIME"].to_numpy(float), sub["_GROUP"].to_numpy(),
                                    (sub["STATUS"] == 1).to_numpy(int))
    return {"chisq": float(res.test_statistic), "df": len(present) - 1, "p": float(res.p_value)}


@dataclass(frozen=True)
class HazardRatio:
    """One group's hazard ratio vs the reference, with Wald CI and p; `status` says why it is
    not estimable when it is not (then the numbers are NaN)."""

    level: str
    hr: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    p: float = math.nan
    status: str = "estimated"      # or the reason it is not estimable

    @property
    def estimable(self) -> bool:
        return self.status == "estimated"


def cox_hazard_ratios(records: pd.DataFrame, levels: list[str], conf: float = 0.95) -> list[HazardRatio]:
    """HR (Wald CI and p) of each level vs levels[0] from one Cox model with a dummy per group.

    Not estimable ("NE") where events do not allow it: every HR when the reference group has
    no subjects or no events (HR infinite); a group with no subjects or no events (HR 0). A
    group without events is left out of the fit: as its log HR goes to -infinity its
    subjects drop out of every risk set, so the others' estimates are the limit of the full
    model. A fit that fails or diverges (monotone likelihood) is NE for every group.

    >>> r = pd.DataFrame({"_GROUP": list("AAABBBCC"), "TIME": [1, 3, 5, 2, 4, 6, 2, 3],
    ...                   "STATUS": [1, 1, 0, 1, 0, 1, 0, 0]})
    >>> [(h.level, round(h.hr, 4), h.status) for h in cox_hazard_ratios(r, ["A", "B", "C"])]
    [('B', 0.4343, 'estimated'), ('C', nan, 'no events in the group')]
    """
    ref, others = levels[0], levels[1:]
    n = records.groupby("_GROUP").size()
    ev = records[records["STATUS"] == 1].groupby("_GROUP").size()
    if n.get(ref, 0) == 0 or ev.get(ref, 0) == 0:
        why = "no subjects" if n.get(ref, 0) == 0 else "no events"
        return [HazardRatio(lv, status=f"{why} in the reference group") for lv in others]
    out: dict[str, HazardRatio] = {}
    fit_levels = []
    for lv in others:
        if n.get(lv, 0) == 0:
            out[lv] = HazardRatio(lv, status="no subjects in the group")
        elif ev.get(lv, 0) == 0:
            out[lv] = HazardRatio(lv, status="no events in the group")
        else:
            fit_levels.append(lv)
    if fit_levels:
        out.update(_fit_cox(records, ref, fit_levels, conf))
    return [out[lv] for lv in others]


def _fit_cox(records: pd.DataFrame, ref: str, fit_levels: list[str], conf: float) -> dict[str, HazardRatio]:
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    sub = records[records["_GROUP"].isin([ref] + fit_levels)]
    names = [f"x{i}" for i in range(len(fit_levels))]
    df = pd.DataFrame({"T": sub["TIME"].to_numpy(float), "E": (sub["STATUS"] == 1).to_numpy(int)})
    for name, lv in zip(names, fit_levels):
        df[name] = (sub["_GROUP"] == lv).to_numpy(float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(df, duration_col="T", event_col="E")
    except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
        reason = f"model did not converge ({type(exc).__name__})"
        return {lv: HazardRatio(lv, status=reason) for lv in fit_levels}
    coef, se = cph.params_[names].to_numpy(float), cph.standard_errors_[names].to_numpy(float)
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(se))
            and np.all(np.abs(coef) < MAX_ABS_COEF) and np.all(se < MAX_SE)):
        return {lv: HazardRatio(lv, status="degenerate fit (monotone likelihood)") for lv in fit_levels}
    z = norm.ppf(1 - (1 - conf) / 2)
    return {lv: HazardRatio(lv, float(np.exp(b)), float(np.exp(b - z * s)), float(np.exp(b + z * s)),
                            float(2 * norm.sf(abs(b / s))))
            for lv, b, s in zip(fit_levels, coef, se)}
