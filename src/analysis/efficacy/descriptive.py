"""Descriptive summary by visit and dose group (+ Total) of one parameter (`eff_desc_<paramcd>`).

Per visit (BASELINE first, then the post-baseline analysis visits in AVISITN order): observed
value n, mean (SD), median, Q1, Q3 (SAS QNTLDEF=5), min, max; on the log scale also the geometric
mean and geometric CV%; where BLQFL exists the number (%) of values below the LLOQ (imputed as
LLOQ/2 in AVAL). Post-baseline visits add the change from baseline (CHG) with the same
statistics and, on the log scale, the geometric mean ratio to baseline exp(mean(ln AVAL - ln BASE)).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import Groups, fmt_n_pct, fmt_num

from .display import fmt
from .quantiles import geometric_stats, summary_stats
from .records import BASELINE_LABEL, ParamRecords

VALUE, CHANGE = "Value", "Change from baseline"


def _cells(s: dict, digits: int) -> list[tuple[str, str]]:
    d = digits
    return [("n", str(s["n"])),
            ("Mean (SD)", "" if not s["n"] else f"{fmt(s['mean'], d + 1)} ({fmt(s['sd'], d + 2) or '-'})"),
            ("Median", fmt(s["median"], d + 1)),
            ("Q1, Q3", "" if not s["n"] else f"{fmt(s['q1'], d + 1)}, {fmt(s['q3'], d + 1)}"),
            ("Min, Max", "" if not s["n"] else f"{fmt(s['min'], d)}, {fmt(s['max'], d)}")]


def _add_stats(ard: ArdRows, s: dict, prefix: str, **kw) -> None:
    for name in ("n", "mean", "sd", "median", "q1", "q3", "min", "max"):
        ard.add(prefix + name, s[name], **kw)


def visit_stats(df: pd.DataFrame, log: bool, change: bool) -> dict:
    """Statistics of one visit x group cell (df: its records).

    >>> import numpy as np
    >>> df = pd.DataFrame({"AVAL": [1.0, 10.0, 100.0], "CHG": [0.0, 9.0, 99.0],
    ...                    "_CHG": np.log([1.0, 10.0, 100.0]), "_BLQ": [True, False, False]})
    >>> s = visit_stats(df, log=True, change=True)
    >>> s["value"]["n"], round(s["geo"]["geomean"], 6), s["n_blq"], s["change"]["median"], round(s["gmr"], 6)
    (3, 10.0, 1, 9.0, 10.0)
    """
    aval = pd.to_numeric(df["AVAL"], errors="coerce")
    out = {"value": summary_stats(aval), "n_blq": int((df["_BLQ"] & aval.notna()).sum())}
    if log:
        out["geo"] = geometric_stats(aval)
    if change:
        out["change"] = summary_stats(pd.to_numeric(df["CHG"], errors="coerce"))
        if log:
            lr = df["_CHG"].dropna()
            out["gmr"] = math.exp(lr.mean()) if len(lr) else math.nan
            out["gmr_n"] = len(lr)
    return out


def descriptive_table(recs: ParamRecords, groups: Groups, analysis_id: str | None = None,
                      blq_warning: float = 0.5) -> TableResult:
    """The by-visit summary table of one parameter with its ARD.

    >>> from analysis.efficacy.config import ParamSpec
    >>> from analysis.efficacy.records import param_records
    >>> from analysis.stats.groups import analysis_groups
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"], "EFFFL": "Y"})
    >>> bds = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "PARAMCD": "X", "AVAL": [2.0, 3.0, 4.0, 8.0],
    ...     "BASE": [2.0, 2.0, 4.0, 4.0], "CHG": [0.0, 1.0, 0.0, 4.0], "ABLFL": ["Y", "", "Y", ""],
    ...     "ANL01FL": "Y", "AVISIT": ["BASELINE", "W4"] * 2, "AVISITN": [0, 4] * 2})
    >>> g = analysis_groups(adsl, "TRT01A", "EFFFL")
    >>> res = descriptive_table(param_records(bds, g, ParamSpec("ADXX", "X"), "ADXX"), g)
    >>> res.table.iloc[11].tolist()
    ['W4', 'Change from baseline', 'Mean (SD)', '1.00 (-)', '4.00 (-)', '2.50 (2.121)']
    """
    p = recs.param
    analysis_id = analysis_id or f"eff_desc_{p.paramcd.lower()}"
    log = p.scale == "log"
    ard = ArdRows(analysis_id)
    cols = groups.columns()
    headers = [groups.header(c) for c in cols]
    for c in cols:
        ard.add("N", groups.n[c], group1=groups.treatment, group1_level=c, variable="PARAMCD",
                variable_level=p.paramcd)
    rows: list[list[str]] = []
    warn_blq = []
    visits = [(BASELINE_LABEL, recs.baseline, False)] + [
        (v, recs.post[recs.post["AVISIT"] == v], True) for v in recs.visits]
    for visit, df, post in visits:
        cells = {}
        for c in cols:
            sub = df if c == "Total" else df[df["_GROUP"] == c]
            st = visit_stats(sub, log, post)
            cells[c] = st
            kw = {"group1": groups.treatment, "group1_level": c, "group2": "AVISIT", "group2_level": visit,
                      "variable": "PARAMCD", "variable_level": p.paramcd}
            _add_stats(ard, st["value"], "", **kw)
            if log:
                ard.add("geomean", st["geo"]["geomean"], stat_label="Geometric mean", **kw)
                ard.add("geocv", st["geo"]["geocv"], stat_label="Geometric CV%", **kw)
            if recs.has_blq:
                ard.add("n_blq", st["n_blq"], stat_label="n < LLOQ", **kw)
                n = st["value"]["n"]
                ard.add("p_blq", st["n_blq"] / n if n else math.nan, stat_label="proportion < LLOQ", **kw)
                if c == "Total" and n and st["n_blq"] / n > blq_warning:
                    warn_blq.append(visit)
            if post:
                _add_stats(ard, st["change"], "chg_", **kw)
                if log:
                    ard.add("gmr", st["gmr"], stat_label="Geometric mean ratio to baseline", **kw)
        value_rows = [[visit, VALUE, label] + [_cells(cells[c]["value"], p.digits)[i][1] for c in cols]
                      for i, (label, _) in enumerate(_cells(cells[cols[0]]["value"], p.digits))]
        rows += value_rows
        if log:
            rows.append([visit, VALUE, "Geometric mean (CV%)"] + [
                "" if not cells[c]["value"]["n"] else
                f"{fmt(cells[c]['geo']['geomean'], p.digits + 1)} ({fmt(cells[c]['geo']['geocv'], 1) or '-'})"
                for c in cols])
        if recs.has_blq:
            rows.append([visit, VALUE, "n (%) < LLOQ"] + [
                fmt_n_pct(cells[c]["n_blq"], cells[c]["value"]["n"]) for c in cols])
        if post:
            rows += [[visit, CHANGE, label] + [_cells(cells[c]["change"], p.digits)[i][1] for c in cols]
                     for i, (label, _) in enumerate(_cells(cells[cols[0]]["change"], p.digits))]
            if log:
                rows.append([visit, CHANGE, "Geometric mean ratio"] + [
                    fmt(cells[c]["gmr"], 3) for c in cols])
    table = pd.DataFrame(rows, columns=["Visit", "Measure", "Statistic"] + headers)
    notes = [f"Population: {groups.population} = \"Y\"; N = subjects in the population per dose group.",
             ("Baseline = the record with ABLFL = \"Y\"; post-baseline visits use the one record per "
             "subject and analysis visit with ANL01FL = \"Y\"; unscheduled records are not summarised."),
             "Q1, Q3: SAS QNTLDEF=5 (R quantile type 2). SD of a single value is shown as '-'."]
    if log:
        notes.append("Geometric mean = exp(mean(ln AVAL)); geometric CV% = 100 x sqrt(exp(s^2) - 1), "
                     "s = SD of ln AVAL; geometric mean ratio = exp(mean(ln AVAL - ln BASE)). "
                     "Change from baseline rows are arithmetic (AVAL - BASE).")
    n_blq = int(recs.baseline["_BLQ"].sum() + recs.post["_BLQ"].sum())
    if n_blq:
        notes.append(f"{n_blq} value(s) below the lower limit of quantification (BLQFL = \"Y\") are included "
                     "as LLOQ/2; n (%) < LLOQ: percentage of the values at the visit.")
    if warn_blq:
        notes.append(f"More than {fmt_num(100 * blq_warning, 0)}% of values are below the LLOQ at "
                     f"{', '.join(warn_blq)}: means and SDs there mostly reflect the imputed value; "
                     "read the medians and the n (%) < LLOQ instead.")
    notes += recs.notes
    return TableResult(analysis_id, f"{recs.label}: summary by visit and dose group", table,
                       ard.frame(), notes, groups.population)
