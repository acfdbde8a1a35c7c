"""BOIN design (Liu & Yuan 2015): boundaries, elimination, decisions and MTD selection.

Pure functions over counts: ``counts`` is a list of per-dose ``(n, y)`` (patients treated,
patients with a DLT) in increasing dose order. They follow the BOIN R package (cran/BOIN
R/get.boundary.R, R/select.mtd.R, R/get.oc.R) so results can be compared with it; dose indexes
here are 0-based (the package's 1-based MTD 99 "none" is ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .spec import BoinParams

# select.mtd.R smooths with a Beta(0.05, 0.05)-like offset so 0/n and n/n stay inside (0, 1).
_EST_OFFSET = 0.05
_TIE_BREAK = 1e-10


def boin_lambdas(target: float, phi1: float | None = None, phi2: float | None = None) -> tuple[float, float]:
    """Escalation and de-escalation boundaries (lambda_e, lambda_d) for the observed DLT rate.

    >>> [round(v, 4) for v in boin_lambdas(0.30)]
    [0.2365, 0.3585]
    """
    phi1 = 0.6 * target if phi1 is None else phi1
    phi2 = 1.4 * target if phi2 is None else phi2
    lam_e = math.log((1 - phi1) / (1 - target)) / math.log(target * (1 - phi1) / (phi1 * (1 - target)))
    lam_d = math.log((1 - target) / (1 - phi2)) / math.log(phi2 * (1 - target) / (target * (1 - phi2)))
    return lam_e, lam_d


def prob_above_target(y: int, n: int, target: float, prior: tuple[float, float] = (1.0, 1.0)) -> float:
    """Posterior P(p > target) with a Beta(a, b) prior: 1 - F_Beta(y+a, n-y+b)(target).

    >>> round(prob_above_target(2, 3, 0.25), 3), round(prob_above_target(4, 6, 0.30), 3)
    (0.949, 0.971)
    """
    from scipy.stats import beta

    _check_count(n, y)
    return float(beta.sf(target, y + prior[0], n - y + prior[1]))


def elimination_count(n: int, target: float, cutoff: float = 0.95,
                      prior: tuple[float, float] = (1.0, 1.0)) -> int | None:
    """Smallest y with P(p > target | y, n) > cutoff, for n >= 3 (None below 3 or if none).

    >>> elimination_count(3, 0.30), elimination_count(6, 0.30), elimination_count(2, 0.30)
    (3, 4, None)
    """
    if n < 3:
        return None
    for y in range(1, n + 1):
        if prob_above_target(y, n, target, prior) > cutoff:
            return y
    return None


def boin_boundaries(params: BoinParams, max_n: int) -> pd.DataFrame:
    """Boundary table for n = 1..max_n (truncated at n_earlystop, as get.boundary does).

    Columns: n, escalate (y <= ...), deescalate (y >= ..., capped at the elimination count),
    eliminate (y >= ...; <NA> when n < 3 or nothing eliminates), and with ``extrasafe`` also
    stop_lowest (stop the trial when the lowest dose has y >= ...).

    >>> t = boin_boundaries(BoinParams(target=0.3), 6)
    >>> t.values.tolist()[2], t.values.tolist()[5]
    ([3, 0, 2, 3], [6, 1, 3, 4])
    """
    lam_e, lam_d = boin_lambdas(params.target, params.phi1, params.phi2)
    rows = []
    for n in range(1, min(max_n, params.n_earlystop) + 1):
        elim = elimination_count(n, params.target, params.elimination_cutoff, params.prior)
        deesc = math.ceil(lam_d * n)
        if elim is not None and deesc > elim:
            deesc = elim
        row = {"n": n, "escalate": math.floor(lam_e * n), "deescalate": deesc, "eliminate": elim}
        if params.extrasafe:
            row["stop_lowest"] = elimination_count(n, params.target,
                                                   params.elimination_cutoff - params.offset, params.prior)
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in ("eliminate", "stop_lowest"):
        if col in table:
            table[col] = table[col].astype("Int64")
    return table


def pava(x: Sequence[float], w: Sequence[float] | None = None) -> np.ndarray:
    """Weighted isotonic (non-decreasing) regression by pooling adjacent violators.

    >>> pava([0.1, 0.3, 0.2, 0.4]).round(3).tolist()
    [0.1, 0.25, 0.25, 0.4]
    >>> pava([0.3, 0.1], [1, 3]).round(3).tolist()
    [0.15, 0.15]
    """
    x = np.asarray(x, dtype=float).copy()
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    if np.isnan(x).any() or np.isnan(w).any():
        raise ValueError("pava: missing values in x or w")
    level = np.arange(len(x))
    # Merge the first violating pair repeatedly (as select.mtd.R's pava) so rounding matches.
    while True:
        viol = np.flatnonzero(np.diff(x) < 0)
        if viol.size == 0:
            return x
        i = viol[0]
        block = (level == level[i]) | (level == level[i + 1])
        x[block] = np.sum(x[block] * w[block]) / np.sum(w[block])
        level[block] = level[i]


def _check_count(n: int, y: int) -> None:
    if n < 0 or y < 0 or y > n:
        raise ValueError(f"need 0 <= y <= n, got y={y}, n={n}")


def eliminated_doses(counts: Sequence[tuple[int, int]], params: BoinParams) -> list[bool]:
    """Doses eliminated by the safety rule (the first dose with n >= 3 and P(p > target) >
    cutoff, and every higher dose); with extrasafe, everything if the lowest dose has n >= 3 and
    P > cutoff - offset.

    >>> eliminated_doses([(3, 0), (3, 3), (0, 0)], BoinParams(target=0.3))
    [False, True, True]
    """
    out = [False] * len(counts)
    for i, (n, y) in enumerate(counts):
        _check_count(n, y)
        if n >= 3 and prob_above_target(y, n, params.target, params.prior) > params.elimination_cutoff:
            out[i:] = [True] * (len(counts) - i)
            break
    if params.extrasafe and counts:
        n, y = counts[0]
        if n >= 3 and prob_above_target(y, n, params.target, params.prior) > params.elimination_cutoff - params.offset:
            out = [True] * len(counts)
    return out


def _variance(y: np.ndarray, n: np.ndarray) -> np.ndarray:
    return (y + _EST_OFFSET) * (n - y + _EST_OFFSET) / ((n + 2 * _EST_OFFSET) ** 2 * (n + 2 * _EST_OFFSET + 1))


@dataclass(frozen=True)
class BoinEstimates:
    """select.mtd's output: per dose (NaN where n = 0) the PAVA-smoothed estimate, its 95%
    limits, P(overdose), plus the eliminated flags and the selected dose (None = no MTD)."""

    estimate: list[float]
    ci_lower: list[float]
    ci_upper: list[float]
    p_overdose: list[float]
    eliminated: list[bool]
    mtd: int | None


def select_mtd(counts: Sequence[tuple[int, int]], params: BoinParams) -> BoinEstimates:
    """MTD selection after the trial, as select.mtd() in the BOIN package.

    Admissible doses (treated, not eliminated) get p = (y+0.05)/(n+0.1), PAVA-smoothed with
    weights 1/var; 1e-10 x rank breaks ties (a higher dose wins below the target, a lower dose
    above it); the dose closest to the target is the MTD. The reported estimates, credible
    limits (Beta(y+0.05, n-y+0.05) quantiles, weighted PAVA) and P(overdose) (unweighted PAVA)
    cover all treated doses. Unlike the package, whose printed limits index by dose rather than
    by treated dose, the limits here stay with their dose when an intermediate dose is untreated.

    >>> r = select_mtd([(3, 0), (3, 0), (6, 1), (6, 3)], BoinParams(target=0.3))
    >>> r.mtd, [round(v, 3) for v in r.estimate]
    (2, [0.016, 0.016, 0.172, 0.5])
    """
    from scipy.stats import beta

    for n, y in counts:
        _check_count(n, y)
    n = np.array([c[0] for c in counts], dtype=float)
    y = np.array([c[1] for c in counts], dtype=float)
    elim = eliminated_doses(counts, params)
    lam_d = boin_lambdas(params.target, params.phi1, params.phi2)[1]

    mtd: int | None = None
    adm = np.flatnonzero((n > 0) & ~np.array(elim, dtype=bool))
    if len(counts) and not elim[0] and adm.size:
        phat = (y[adm] + _EST_OFFSET) / (n[adm] + 2 * _EST_OFFSET)
        phat = pava(phat, 1 / _variance(y[adm], n[adm])) + np.arange(1, adm.size + 1) * _TIE_BREAK
        eligible = np.arange(adm.size)
        if params.bound_mtd:
            eligible = np.flatnonzero(phat < lam_d)
        if eligible.size:
            # argmin keeps the first of exact ties, as R's sort(..., index.return=TRUE) does.
            mtd = int(adm[eligible[int(np.argmin(np.abs(phat[eligible] - params.target)))]])

    nan = [math.nan] * len(counts)
    est, lo, hi, pod = list(nan), list(nan), list(nan), list(nan)
    trt = np.flatnonzero(n > 0)
    if trt.size:
        a, b = y[trt] + _EST_OFFSET, n[trt] - y[trt] + _EST_OFFSET
        wt = 1 / _variance(y[trt], n[trt])
        smooth = {
            "est": pava((y[trt] + _EST_OFFSET) / (n[trt] + 2 * _EST_OFFSET), wt),
            "lo": pava(beta.ppf(0.025, a, b), wt),
            "hi": pava(beta.ppf(0.975, a, b), wt),
            "pod": pava(beta.sf(params.target, a, b)),
        }
        for k, i in enumerate(trt):
            est[i], lo[i], hi[i], pod[i] = (float(smooth[key][k]) for key in ("est", "lo", "hi", "pod"))
    return BoinEstimates(est, lo, hi, pod, elim, mtd)


ESCALATE, STAY, DEESCALATE, ELIMINATE = "escalate", "stay", "de-escalate", "eliminate"


def boin_decision(counts: Sequence[tuple[int, int]], dose: int, params: BoinParams,
                  boundaries: pd.DataFrame | None = None) -> str:
    """What BOIN says next if ``dose`` (0-based) were the current dose, given all counts.

    Follows get.oc(): elimination first (the lowest dose eliminated, or extrasafe, stops the
    trial); the n_earlystop rule; then escalate if y <= the escalation boundary (unless it is
    the highest dose or the next dose is eliminated), de-escalate if y >= the de-escalation
    boundary (unless it is the lowest dose), else stay.

    >>> p = BoinParams(target=0.3)
    >>> [boin_decision([(3, 0), (3, 1), (3, 2)], d, p) for d in range(3)]
    ['escalate', 'stay', 'de-escalate']
    >>> boin_decision([(3, 3), (0, 0)], 0, p)
    'eliminate; stop the trial (lowest dose eliminated)'
    """
    n, y = counts[dose]
    _check_count(n, y)
    if n == 0:
        return "not treated"
    last = len(counts) - 1
    if boundaries is None or n > int(boundaries["n"].max()):
        boundaries = boin_boundaries(BoinParams(**{**params.__dict__, "n_earlystop": max(n, 1)}), n)
    row = boundaries.loc[boundaries["n"] == n].iloc[0]
    elim = eliminated_doses(counts, params)
    if elim[dose]:
        own = n >= 3 and prob_above_target(y, n, params.target, params.prior) > params.elimination_cutoff
        extrasafe_stop = params.extrasafe and dose == 0 and not own
        if dose == 0:
            why = "extrasafe rule" if extrasafe_stop else "lowest dose eliminated"
            return f"{ELIMINATE}; stop the trial ({why})"
        if own:
            return f"{ELIMINATE} this and higher doses; {DEESCALATE}"
        return "eliminated (a lower dose was eliminated)"
    esc, deesc = int(row["escalate"]), int(row["deescalate"])
    top_blocked = dose == last or elim[dose + 1]
    if n >= params.n_earlystop and ((esc < y < deesc) or (dose == 0 and y >= deesc)
                                    or (top_blocked and y <= esc)):
        return "stop the trial (n_earlystop reached); select the MTD"
    if y <= esc:
        if dose == last:
            return f"{STAY} (highest dose; escalation boundary met)"
        if elim[dose + 1]:
            return f"{STAY} (next dose eliminated)"
        return ESCALATE
    if y >= deesc:
        return f"{STAY} (lowest dose; de-escalation boundary met)" if dose == 0 else DEESCALATE
    return STAY
