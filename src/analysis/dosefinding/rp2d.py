"""RP2D support table: DLTs, key TEAE counts, BOIN estimate and 3+3 verdict per dose."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import fmt_n_pct, fmt_num, require
from analysis.stats.proportions import clopper_pearson

from .boin import select_mtd
from .dlt import DltData, column_mask
from .results import mtd_3p3_text
from .three_plus_three import ESCALATE, EXPAND, STOP, rule_3p3, trail_mtd


def verdict_3p3(points: Sequence[tuple[int, int]]) -> str:
    """Short 3+3 verdict for one dose from its decision points (the first "stop" wins).

    >>> verdict_3p3([(3, 0), (6, 1)]), verdict_3p3([(3, 2), (6, 2)]), verdict_3p3([(3, 1)]), verdict_3p3([])
    ('cleared (1/6)', 'above MTD (2/3)', 'expand to 6 (1/3)', 'not treated')
    """
    if not points:
        return "not treated"
    for n, y in points:
        if rule_3p3(n, y) == STOP:
            return f"above MTD ({y}/{n})"
    n, y = points[-1]
    code = rule_3p3(n, y)
    if code == ESCALATE:
        return f"cleared ({y}/{n})"
    if code == EXPAND:
        return f"expand to 6 ({y}/{n})"
    return f"no 3+3 decision ({y}/{n})"


def teae_subjects(adae: pd.DataFrame, data: DltData) -> tuple[dict[str, pd.Series], list[str]]:
    """Per subject of the population: had a TEAE of grade >= 3, a serious TEAE, a related TEAE.

    Returns boolean Series indexed like ``data.subjects`` and the ADAE subjects outside the
    population (excluded by design). ADAE subjects missing from ADSL are an error.
    """
    spec = data.spec
    require(adae, ["USUBJID", spec.teae_flag, spec.grade_variable, spec.serious_variable,
                   spec.relationship_variable], "ADAE")
    subj = data.subjects
    unknown = sorted(set(adae["USUBJID"]) - data.adsl_ids)
    if unknown:
        raise UserError(f"ADAE: subject(s) not in ADSL: {', '.join(map(str, unknown[:5]))}")
    excluded = sorted(set(adae["USUBJID"]) - set(subj["USUBJID"]))
    te = adae[adae[spec.teae_flag].fillna("").astype(str).str.strip() == "Y"]
    grade = pd.to_numeric(te[spec.grade_variable], errors="coerce")
    serious = te[spec.serious_variable].fillna("").astype(str).str.strip() == "Y"
    related = te[spec.relationship_variable].fillna("").astype(str).str.strip().isin(spec.related_values)
    sets = {"grade3": te.loc[grade >= 3, "USUBJID"], "serious": te.loc[serious, "USUBJID"],
            "related": te.loc[related, "USUBJID"]}
    return {k: subj["USUBJID"].isin(set(v)) for k, v in sets.items()}, excluded


def rp2d_table(data: DltData, adae: pd.DataFrame, stages: Sequence[Sequence[tuple[int, int]]],
               conf: float = 0.95) -> TableResult:
    """Per dose side by side: dosed, DLT-evaluable, DLT n/N (rate, CI), subjects with TEAE grade
    >= 3 / serious TEAE / related TEAE (denominator: dosed subjects in ADSL), the BOIN isotonic
    estimate, the 3+3 verdict and the MTD / maximum administered dose lines.

    ``stages`` are the 3+3 decision points per dose (``three_plus_three.decision_points``).
    """
    spec, groups, subj = data.spec, data.groups, data.subjects
    params = spec.boin
    flags, excluded = teae_subjects(adae, data)
    counts = data.counts()
    est = select_mtd(counts, params)
    mtd3 = trail_mtd(stages)
    labels = groups.levels
    ard = ArdRows("rp2d")
    g1 = groups.treatment
    row_labels = ["Subjects dosed", "DLT-evaluable", "Subjects with DLT, n/N (%)",
                  f"DLT rate {round(conf * 100)}% CI (Clopper-Pearson), %",
                  "Subjects with TEAE grade >= 3, n (%)", "Subjects with serious TEAE, n (%)",
                  "Subjects with related TEAE, n (%)",
                  f"BOIN isotonic DLT-rate estimate (95% CrI), target {params.target:g}",
                  "BOIN P(overdose)", "3+3 verdict", "3+3: MTD / maximum administered dose",
                  "BOIN: selected MTD"]
    table = {"": row_labels}
    for col in groups.columns():
        mask = column_mask(subj, col)
        s = subj[mask]
        dosed, ev = len(s), int(s["_EVAL"].sum())
        y = int(s.loc[s["_EVAL"], "_DLT"].sum())
        lo, hi = clopper_pearson(y, ev, conf)
        kw = {"group1": g1, "group1_level": col}
        ard.add("N", dosed, variable=spec.population, variable_level="Y", stat_label="Subjects dosed", **kw)
        ard.add("n", ev, variable=spec.dlt_population, variable_level="Y", **kw)
        ard.add("n", y, variable=spec.dlt_flag, variable_level="Y", **kw)
        ard.add("ci_lower", lo, variable=spec.dlt_flag, variable_level="Y", **kw)
        ard.add("ci_upper", hi, variable=spec.dlt_flag, variable_level="Y", **kw)
        cells = [str(dosed), str(ev), f"{y}/{ev}" + (f" ({fmt_num(100 * y / ev, 1)})" if ev else ""),
                 "" if math.isnan(lo) else f"({fmt_num(100 * lo, 1)}, {fmt_num(100 * hi, 1)})"]
        for key, var in (("grade3", f"{spec.grade_variable}>=3"), ("serious", f"{spec.serious_variable}=Y"),
                         ("related", spec.relationship_variable)):
            k = int(flags[key][mask].sum())
            ard.add("n", k, variable=var, variable_level="Y", stat_label=f"Subjects ({key})", **kw)
            ard.add("p", math.nan if dosed == 0 else k / dosed, variable=var, variable_level="Y",
                    stat_label="proportion of dosed", **kw)
            cells.append(fmt_n_pct(k, dosed))
        if col in labels:
            d = labels.index(col)
            if not math.isnan(est.estimate[d]):
                cells.append(f"{fmt_num(est.estimate[d], 3)} ({fmt_num(est.ci_lower[d], 3)}, "
                             f"{fmt_num(est.ci_upper[d], 3)})")
                cells.append(fmt_num(est.p_overdose[d], 3))
            else:
                cells += ["", ""]
            ard.add("boin_estimate", est.estimate[d], variable="BOIN", **kw)
            verdict = verdict_3p3(stages[d])
            ard.add("verdict_3p3", verdict, variable="3+3", **kw)
            cells.append(verdict)
            cells.append({"mtd": "MTD", "not_reached": "MAD (MTD not reached)"}.get(mtd3.status, "")
                         if mtd3.dose == d else "")
            cells.append("selected" if est.mtd == d else "")
        else:
            cells += ["", "", "", mtd_3p3_text(mtd3, labels),
                      labels[est.mtd] if est.mtd is not None else "none (no dose selected)"]
        table[groups.header(col)] = cells
    ard.add("mtd_3p3", mtd_3p3_text(mtd3, labels), variable="MTD", stat_label="3+3 MTD")
    ard.add("mtd_boin", "" if est.mtd is None else labels[est.mtd], variable="MTD", stat_label="BOIN selected MTD")
    footnotes = [
        ("The recommended phase 2 dose (RP2D) is a clinical judgement from all safety, pharmacological and "
        "activity data; the MTD rules below only inform it."),
        (f"MTD rules: 3+3 (highest dose with <=1/6 DLT; dose above the MTD at >=2/3 or >=2/6), and BOIN "
        f"(target DLT rate {params.target:g}; isotonic estimate closest to the target among admissible doses)."),
        (f"TEAE: {spec.teae_flag} = Y in ADAE; subjects counted once per row; grade from {spec.grade_variable}, "
        f"serious from {spec.serious_variable} = Y, related: {spec.relationship_variable} in "
        f"{', '.join(spec.related_values)}. Percentages of dosed subjects ({spec.population} = Y in ADSL)."),
        ("DLT rate among DLT-evaluable subjects, exact Clopper-Pearson CI. BOIN estimate with 95% credible "
        "interval as select.mtd (PAVA-smoothed)."),
    ]
    if excluded:
        footnotes.append(f"{len(excluded)} ADAE subject(s) outside the {spec.population} population excluded by "
                         f"design: {', '.join(excluded)}.")
    return TableResult("rp2d", "Dose selection summary for the recommended phase 2 dose", pd.DataFrame(table),
                       ard.frame(), footnotes, population=f"Safety ({spec.population} = Y)")
