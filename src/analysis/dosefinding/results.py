"""Tables for the 3+3 trail and BOIN (boundaries; estimates, decisions and MTD)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import fmt_num

from .boin import (
    boin_boundaries,
    boin_decision,
    boin_lambdas,
    prob_above_target,
    select_mtd,
)
from .spec import BoinParams
from .three_plus_three import Mtd3p3, trail_3p3, trail_mtd


def mtd_3p3_text(mtd: Mtd3p3, labels: Sequence[str]) -> str:
    """One line for the 3+3 MTD.

    >>> mtd_3p3_text(Mtd3p3("not_reached", 1), ["A", "B"])
    'MTD not reached; maximum administered dose: B'
    """
    if mtd.status == "mtd":
        return f"MTD: {labels[mtd.dose]}"
    if mtd.status == "not_reached":
        return f"MTD not reached; maximum administered dose: {labels[mtd.dose]}"
    if mtd.status == "none":
        return "No MTD: the lowest dose is above the MTD"
    return f"MTD not determined: {mtd.reason}"


def trail_result(stages: Sequence[Sequence[tuple[int, int]]], labels: Sequence[str],
                 group_var: str = "TRT01A", footnotes: Sequence[str] = ()) -> TableResult:
    """The 3+3 decision trail as a table (one row per decision point, then the MTD line).

    >>> r = trail_result([[(3, 0), (6, 1)], [(3, 0), (6, 0)]], ["D1", "D2"])
    >>> r.table.iloc[-1].tolist()[:2]
    ['MTD per 3+3', 'MTD not reached; maximum administered dose: D2']
    """
    steps = trail_3p3(stages, labels)
    mtd = trail_mtd(stages)
    ard = ArdRows("dose_3p3_trail")
    rows = []
    for k, s in enumerate(steps, start=1):
        followed = "n/a" if s.follows is None else ("yes" if s.follows else "no")
        if s.note:
            followed += f" ({s.note})"
        rows.append([str(k), labels[s.dose], str(s.n), str(s.y), s.rule_text, s.action, followed])
        kw = {"group1": group_var, "group1_level": labels[s.dose], "variable": "decision_point", "variable_level": k}
        ard.add("n", s.n, stat_label="DLT-evaluable (cumulative)", **kw)
        ard.add("y", s.y, stat_label="Subjects with DLT (cumulative)", **kw)
        ard.add("rule", s.rule, stat_label="3+3 rule verdict", **kw)
        ard.add("rule_text", s.rule_text, stat_label="3+3 rule", **kw)
        ard.add("action", s.action, stat_label="Trial action", **kw)
        ard.add("follows", s.follows, stat_label="Trial followed the rule", **kw)
        ard.add("note", s.note, stat_label="Note", **kw)
    mtd_text = mtd_3p3_text(mtd, labels)
    rows.append(["MTD per 3+3", mtd_text, "", "", "", "", ""])
    ard.add("mtd_status", mtd.status, variable="MTD", stat_label="3+3 MTD status")
    ard.add("mtd_dose", "" if mtd.dose is None else labels[mtd.dose], variable="MTD", stat_label="3+3 MTD dose")
    table = pd.DataFrame(rows, columns=["Decision point", "Dose", "DLT-evaluable n", "DLTs", "3+3 rule says",
                                        "Trial did", "Followed rule"])
    notes = [("Decision points after 3 and 6 DLT-evaluable subjects at each dose (cumulative counts), doses "
             "visited in increasing order. 3+3 rule: 0/3 escalate; 1/3 expand to 6; <=1/6 escalate; >=2/3 or "
             ">=2/6 stop (dose above the MTD); MTD = highest dose with <=1/6 (Storer 1989; Le Tourneau 2009).")]
    return TableResult("dose_3p3_trail", "3+3 decision trail reconstructed in enrolment order", table,
                       ard.frame(), notes + list(footnotes), population="DLT-evaluable")


def _na(v) -> str:
    return "NA" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(int(v))


def boundaries_result(params: BoinParams, max_n: int) -> TableResult:
    """BOIN boundary table for n = 1..max_n, as get.boundary()'s full table.

    >>> boundaries_result(BoinParams(target=0.25), 6).table.iloc[5].tolist()
    ['6', '1', '2', '4']
    """
    bounds = boin_boundaries(params, max_n)
    lam_e, lam_d = boin_lambdas(params.target, params.phi1, params.phi2)
    ard = ArdRows("boin_boundaries")
    ard.add("target", params.target, stat_label="Target DLT rate")
    ard.add("phi1", params.phi1, stat_label="phi1 (under-dosing rate)")
    ard.add("phi2", params.phi2, stat_label="phi2 (over-dosing rate)")
    ard.add("lambda_e", lam_e, stat_label="Escalation boundary (rate)")
    ard.add("lambda_d", lam_d, stat_label="De-escalation boundary (rate)")
    cols = {"escalate": "Escalate if # DLT <=", "deescalate": "De-escalate if # DLT >=",
            "eliminate": "Eliminate if # DLT >=", "stop_lowest": "Stop trial (lowest dose) if # DLT >="}
    rows = []
    for rec in bounds.to_dict("records"):
        row = [str(rec["n"])]
        for key, label in cols.items():
            if key in rec:
                v = rec[key]
                row.append(_na(v))
                ard.add(key, None if v is pd.NA else v, variable="n", variable_level=rec["n"], stat_label=label)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["Patients treated at the dose (n)"] + [c for k, c in cols.items() if k in bounds])
    notes = [(f"BOIN (Liu & Yuan 2015): target {fmt_num(params.target, 2)}, phi1 = {fmt_num(params.phi1, 3)}, "
             f"phi2 = {fmt_num(params.phi2, 3)}; lambda_e = {lam_e:.4f}, lambda_d = {lam_d:.4f}. Escalate if "
             "y <= floor(lambda_e n), de-escalate if y >= ceiling(lambda_d n), capped at the elimination count."),
             (f"Eliminate the dose and higher doses if n >= 3 and P(p > target | y, n) > {params.elimination_cutoff} "
             f"under a Beta({fmt_num(params.prior[0], 2)}, {fmt_num(params.prior[1], 2)}) prior; NA: no elimination.")]
    if params.extrasafe:
        notes.append(f"Extra-safe rule: stop the trial if the lowest dose has n >= 3 and P(p > target) > "
                     f"{params.elimination_cutoff - params.offset:g}.")
    if params.n_earlystop < max_n:
        notes.append(f"Table truncated at n_earlystop = {params.n_earlystop}.")
    return TableResult("boin_boundaries", f"BOIN dose escalation boundaries (target DLT rate {params.target:g})",
                       table, ard.frame(), notes)


def _pct(v: float) -> str:
    return "" if math.isnan(v) else fmt_num(v, 3)


def boin_mtd_result(counts: Sequence[tuple[int, int]], labels: Sequence[str], params: BoinParams,
                    group_var: str = "TRT01A", footnotes: Sequence[str] = ()) -> TableResult:
    """BOIN on the observed data: per dose n, y, decision, elimination posterior, isotonic
    estimate with 95% credible interval, P(overdose), and the selected MTD.

    >>> r = boin_mtd_result([(6, 1), (6, 0), (6, 0)], ["D1", "D2", "D4"], BoinParams(target=0.3))
    >>> r.table.iloc[-1].tolist()[:2]
    ['Selected MTD (BOIN)', 'D4']
    """
    est = select_mtd(counts, params)
    bounds = boin_boundaries(BoinParams(**{**params.__dict__, "n_earlystop": 10**6}),
                             max([n for n, _ in counts] + [1]))
    ard = ArdRows("boin_mtd")
    rows = []
    for d, ((n, y), label) in enumerate(zip(counts, labels)):
        decision = boin_decision(counts, d, params, bounds)
        post = prob_above_target(y, n, params.target, params.prior) if n else math.nan
        kw = {"group1": group_var, "group1_level": label}
        ard.add("n", n, stat_label="DLT-evaluable", **kw)
        ard.add("y", y, stat_label="Subjects with DLT", **kw)
        ard.add("decision", decision, stat_label="BOIN decision at this dose", **kw)
        ard.add("p_gt_target", post, stat_label="P(DLT rate > target), Beta(y+a, n-y+b)", **kw)
        ard.add("eliminated", est.eliminated[d], stat_label="Eliminated", **kw)
        ard.add("estimate", est.estimate[d], stat_label="Isotonic DLT-rate estimate", **kw)
        ard.add("ci_lower", est.ci_lower[d], stat_label="95% credible limit lower (PAVA)", **kw)
        ard.add("ci_upper", est.ci_upper[d], stat_label="95% credible limit upper (PAVA)", **kw)
        ard.add("p_overdose", est.p_overdose[d], stat_label="P(overdose) (PAVA)", **kw)
        ci = "" if math.isnan(est.ci_lower[d]) else f"({_pct(est.ci_lower[d])}, {_pct(est.ci_upper[d])})"
        rows.append([label, str(n), str(y), "" if n == 0 else fmt_num(y / n, 3), decision, _pct(post),
                     "yes" if est.eliminated[d] else "no", _pct(est.estimate[d]), ci, _pct(est.p_overdose[d]),
                     "selected" if est.mtd == d else ""])
    mtd_text = labels[est.mtd] if est.mtd is not None else "none (no dose selected)"
    rows.append(["Selected MTD (BOIN)", mtd_text] + [""] * 9)
    ard.add("mtd", "" if est.mtd is None else labels[est.mtd], variable="MTD", stat_label="BOIN selected MTD")
    table = pd.DataFrame(rows, columns=["Dose", "DLT-evaluable n", "DLTs", "Observed rate", "BOIN decision",
                                        "P(rate > target)", "Eliminated", "Isotonic estimate",
                                        "95% credible interval", "P(overdose)", "MTD"])
    notes = [(f"Target DLT rate {params.target:g}. BOIN decision: what BOIN would do next with this dose as the "
             "current dose (boundary table; elimination first)."),
             (f"P(rate > target) under Beta(y+{params.prior[0]:g}, n-y+{params.prior[1]:g}) (elimination rule, "
             f"cutoff {params.elimination_cutoff:g})."),
             ("Isotonic estimate: (y+0.05)/(n+0.1) smoothed by PAVA weighted by 1/variance; 95% credible interval "
             "and P(overdose) from Beta(y+0.05, n-y+0.05), PAVA-smoothed (BOIN R package select.mtd)."),
             "MTD: the admissible dose (treated, not eliminated) whose estimate is closest to the target; "
             "ties broken by 1e-10 x rank (higher dose below the target, lower dose above it)"
             + ("; only doses with estimate < lambda_d eligible (boundMTD)." if params.bound_mtd else ".")]
    lam_e = boin_lambdas(params.target, params.phi1, params.phi2)[0]
    if est.mtd is not None and est.estimate[est.mtd] <= lam_e:
        notes.append("Every admissible estimate is at or below the escalation boundary (lambda_e = "
                     f"{lam_e:.4f}): the selected dose is the highest admissible dose, not a dose shown to "
                     "have a DLT rate near the target.")
    return TableResult("boin_mtd", "BOIN: decisions, isotonic DLT-rate estimates and MTD selection", table,
                       ard.frame(), notes + list(footnotes), population="DLT-evaluable")
