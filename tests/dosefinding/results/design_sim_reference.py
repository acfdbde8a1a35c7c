"""Exact operating characteristics of 3+3 and BOIN, by enumerating every trial path.

Independent of analysis.dosefinding (it imports nothing from it): plain Python, one cohort at a
time, probabilities carried forward over merged trial states. BOIN follows get.oc() of the BOIN
R package step by step (cran/BOIN R/get.oc.R, R/get.boundary.R, R/select.mtd.R) with its own
boundary computation (scipy's beta survival function) and its own isotonic regression (the
max-min formula of Barlow et al. 1972, not pooling adjacent violators). 3+3 follows the rules
stated in docs/design-simulation.md.

Run: python tests/dosefinding/results/design_sim_reference.py  (writes design_sim_exact.csv
beside this file; the tests read it and compare the Monte-Carlo simulation within 4 SE).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

from scipy.stats import beta, binom

HERE = Path(__file__).parent

# name, p_true, BOIN max sample size (cohorts of 3). The first five are
# specs/analysis/design_simulation.yaml; "hand" is checked by hand in the test; "boin_doc" is the
# example of the BOIN package documentation (get.oc(target=0.3, p.true=c(0.05, 0.15, 0.3, 0.45,
# 0.6), ncohort=10, cohortsize=3)); "clear_*" put p at dose 1 and certain toxicity at dose 2.
SCENARIOS = [
    ("all_safe", (0.05, 0.08, 0.12), 18),
    ("mtd_3", (0.05, 0.15, 0.30), 18),
    ("mtd_2", (0.12, 0.30, 0.45), 18),
    ("mtd_1", (0.30, 0.45, 0.60), 18),
    ("all_toxic", (0.50, 0.60, 0.70), 18),
    ("hand", (0.2, 0.5), 12),
    ("boin_doc", (0.05, 0.15, 0.30, 0.45, 0.60), 30),
    ("clear_0.1", (0.1, 1.0), 6),
    ("clear_0.3", (0.3, 1.0), 6),
    ("clear_0.5", (0.5, 1.0), 6),
]
TARGET = 0.30


def cohort(size, p):
    """[(dlts, probability)] for one cohort."""
    return [(k, binom.pmf(k, size, p)) for k in range(size + 1)]


# ---- 3+3 ----------------------------------------------------------------------------------

def exact_3p3(p):
    """Final outcomes {(n, y, selected, not_reached): probability}."""
    K = len(p)
    final = defaultdict(float)
    # state: (n, y, dose, de-escalating)
    states = {((0,) * K, (0,) * K, 0, False): 1.0}
    while states:
        nxt = defaultdict(float)
        for (n, y, d, down), pr in states.items():
            for k, pk in cohort(3, p[d]):
                if pk == 0:
                    continue
                n2, y2 = list(n), list(y)
                n2[d] += 3
                y2[d] += k
                n2, y2 = tuple(n2), tuple(y2)
                q = pr * pk
                if y2[d] >= 2:  # dose above the MTD
                    if d == 0:
                        final[(n2, y2, None, False)] += q
                    elif n2[d - 1] >= 6:
                        final[(n2, y2, d - 1, False)] += q
                    else:
                        nxt[(n2, y2, d - 1, True)] += q
                elif down:  # the expanded lower dose cleared (<= 1/6)
                    final[(n2, y2, d, False)] += q
                elif n2[d] == 3 and (y2[d] == 1 or d == K - 1):
                    nxt[(n2, y2, d, False)] += q  # expand to 6 (1/3, or confirm the top dose)
                elif d == K - 1:
                    final[(n2, y2, d, True)] += q  # highest dose cleared: MTD not reached
                else:
                    nxt[(n2, y2, d + 1, False)] += q
        states = nxt
    return final


# ---- BOIN ---------------------------------------------------------------------------------

def lambdas(target, phi1, phi2):
    lam_e = math.log((1 - phi1) / (1 - target)) / math.log(target * (1 - phi1) / (phi1 * (1 - target)))
    lam_d = math.log((1 - target) / (1 - phi2)) / math.log(phi2 * (1 - target) / (target * (1 - phi2)))
    return lam_e, lam_d


def eliminate_at(n, target, cutoff=0.95):
    """Smallest y with P(p > target | Beta(y+1, n-y+1)) > cutoff, n >= 3; None otherwise."""
    if n < 3:
        return None
    for yy in range(n + 1):
        if beta.sf(target, yy + 1, n - yy + 1) > cutoff:
            return yy
    return None


def isotonic(x, w):
    """Weighted isotonic regression by the max-min formula."""
    k = len(x)
    return [max(min(sum(w[i] * x[i] for i in range(s, t + 1)) / sum(w[i] for i in range(s, t + 1))
                    for t in range(j, k)) for s in range(j + 1)) for j in range(k)]


def select_mtd(n, y, target, elim_tab):
    K = len(n)
    elim = [False] * K
    for i in range(K):
        e = elim_tab[n[i]]
        if n[i] >= 3 and e is not None and y[i] >= e:
            for j in range(i, K):
                elim[j] = True
            break
    adm = [i for i in range(K) if n[i] > 0 and not elim[i]]
    if elim[0] or not adm:
        return None
    ph = [(y[i] + 0.05) / (n[i] + 0.1) for i in adm]
    var = [(y[i] + 0.05) * (n[i] - y[i] + 0.05) / ((n[i] + 0.1) ** 2 * (n[i] + 1.1)) for i in adm]
    iso = isotonic(ph, [1 / v for v in var])
    iso = [v + (j + 1) * 1e-10 for j, v in enumerate(iso)]
    best = min(range(len(adm)), key=lambda j: (abs(iso[j] - target), j))
    return adm[best]


def exact_boin(p, max_n, target=TARGET, size=3):
    """Final outcomes {(n, y, selected, stopped_safety): probability}; get.oc with defaults."""
    K = len(p)
    lam_e, lam_d = lambdas(target, 0.6 * target, 1.4 * target)
    elim_tab = [None] + [eliminate_at(m, target) for m in range(1, max_n + 1)]
    esc = [None] + [math.floor(lam_e * m) for m in range(1, max_n + 1)]
    dee = [None] + [min(math.ceil(lam_d * m), elim_tab[m]) if elim_tab[m] is not None else math.ceil(lam_d * m)
                    for m in range(1, max_n + 1)]
    ends = defaultdict(float)  # (n, y, stopped_safety) -> probability
    states = {((0,) * K, (0,) * K, 0, (False,) * K): 1.0}
    for i in range(math.ceil(max_n / size)):
        nxt = defaultdict(float)
        for (n, y, d, elim), pr in states.items():
            last = sum(n) + size >= max_n
            m = max_n - sum(n) if last else size
            for k, pk in cohort(m, p[d]):
                if pk == 0:
                    continue
                n2, y2 = list(n), list(y)
                n2[d] += m
                y2[d] += k
                q = pr * pk
                if last:
                    ends[(tuple(n2), tuple(y2), False)] += q
                    continue
                el = list(elim)
                e = elim_tab[n2[d]]
                if e is not None and y2[d] >= e:
                    for j in range(d, K):
                        el[j] = True
                    if d == 0:
                        ends[(tuple(n2), tuple(y2), True)] += q
                        continue
                nd = d
                if y2[d] <= esc[n2[d]] and d != K - 1:
                    if not el[d + 1]:
                        nd = d + 1
                elif y2[d] >= dee[n2[d]] and d != 0:
                    nd = d - 1
                nxt[(tuple(n2), tuple(y2), nd, tuple(el))] += q
        states = nxt
    assert not states
    return {(n, y, None if safe else select_mtd(n, y, target, elim_tab), safe): pr
            for (n, y, safe), pr in ends.items()}


# ---- summaries ----------------------------------------------------------------------------

def summarise(final, K):
    """statistic -> value: p_selected/n_mean/n_sd/dlt_mean/dlt_sd per dose; totals."""
    out = {}
    total = sum(final.values())
    assert abs(total - 1) < 1e-12, total
    for k in range(K):
        sel = sum(pr for (n, y, s, f), pr in final.items() if s == k)
        en = sum(pr * n[k] for (n, y, s, f), pr in final.items())
        en2 = sum(pr * n[k] ** 2 for (n, y, s, f), pr in final.items())
        ey = sum(pr * y[k] for (n, y, s, f), pr in final.items())
        ey2 = sum(pr * y[k] ** 2 for (n, y, s, f), pr in final.items())
        out[(k + 1, "p_selected")] = sel
        out[(k + 1, "n_mean")], out[(k + 1, "n_sd")] = en, math.sqrt(max(en2 - en * en, 0))
        out[(k + 1, "dlt_mean")], out[(k + 1, "dlt_sd")] = ey, math.sqrt(max(ey2 - ey * ey, 0))
    out[("", "p_no_mtd")] = sum(pr for (n, y, s, f), pr in final.items() if s is None)
    out[("", "p_flag")] = sum(pr for (n, y, s, f), pr in final.items() if f)
    tn = sum(pr * sum(n) for (n, y, s, f), pr in final.items())
    tn2 = sum(pr * sum(n) ** 2 for (n, y, s, f), pr in final.items())
    ty = sum(pr * sum(y) for (n, y, s, f), pr in final.items())
    ty2 = sum(pr * sum(y) ** 2 for (n, y, s, f), pr in final.items())
    out[("", "total_n_mean")], out[("", "total_n_sd")] = tn, math.sqrt(max(tn2 - tn * tn, 0))
    out[("", "total_dlt_mean")], out[("", "total_dlt_sd")] = ty, math.sqrt(max(ty2 - ty * ty, 0))
    return out


def main():
    rows = []
    for name, p, max_n in SCENARIOS:
        for design, final in (("3+3", exact_3p3(p)), ("BOIN", exact_boin(p, max_n))):
            for (dose, stat), value in summarise(final, len(p)).items():
                rows.append([name, " ".join(repr(v) for v in p), max_n, design, dose, stat, repr(float(value))])
    with open(HERE / "design_sim_exact.csv", "w", newline="\n", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["scenario", "p_true", "boin_max_n", "design", "dose", "statistic", "value"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
