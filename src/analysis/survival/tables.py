"""Display tables + ARD: Kaplan-Meier summary (tte_km_<paramcd>), cumulative incidence
(tte_cif_<paramcd>) and incidence proportions (tte_incidence)."""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import TOTAL, fmt_n_pct, fmt_num
from analysis.stats.proportions import clopper_pearson

from .cif import aalen_johansen, cif_at
from .compare import cox_hazard_ratios, logrank_test
from .config import QUANTILE_NAMES, Timepoint
from .data import TteData
from .km import km_at, km_curve, km_quantile, n_at_risk

NE = "NE"
ORIGIN_NOTE = ("Time origin: first infusion (TRTSDT); AVAL in days counting the origin as day 1 "
               "(AVAL = ADT - STARTDT + 1); an event on the data cutoff date counts.")


def fmt_est(value: float, digits: int) -> str:
    """A number, or NE when not estimable.

    >>> fmt_est(0.12345, 3), fmt_est(float("nan"), 3)
    ('0.123', 'NE')
    """
    return NE if value is None or (isinstance(value, float) and math.isnan(value)) else fmt_num(value, digits)


def fmt_ci(lower: float, upper: float, digits: int) -> str:
    """'(lower, upper)' with NE for a missing limit.

    >>> fmt_ci(0.1, float("nan"), 2)
    '(0.10, NE)'
    """
    return f"({fmt_est(lower, digits)}, {fmt_est(upper, digits)})"


def _pop_label(data: TteData) -> str:
    return f'{data.groups.population} = "Y"' if data.groups.population else "All subjects"


def _base_counts(ard: ArdRows, data: TteData, level: str, sub: pd.DataFrame, key: dict) -> dict:
    counts = {"N": data.groups.n[level], "n": len(sub), "events": int((sub["STATUS"] == 1).sum()),
              "competing": int((sub["STATUS"] == 2).sum()), "censored": int((sub["STATUS"] == 0).sum())}
    labels = {"N": "N (population)", "n": "Subjects analysed", "events": "Events",
              "competing": "Competing events", "censored": "Censored (not competing)"}
    for name, value in counts.items():
        ard.add(name, value, stat_label=labels[name], **key)
    return counts


def cox_reference(levels: list[str], reference: str = "first") -> list[str]:
    """The group levels with the Cox reference first ("first" = the lowest dose group).

    >>> cox_reference(["A", "B", "C"]), cox_reference(["A", "B", "C"], "B")
    (['A', 'B', 'C'], ['B', 'A', 'C'])
    """
    if reference == "first":
        return list(levels)
    if reference not in levels:
        raise UserError(f"Cox reference group '{reference}' is not a treatment group ({', '.join(levels)})")
    return [reference] + [lv for lv in levels if lv != reference]


def _ne_note(hrs) -> str:
    by_reason: dict[str, list[str]] = {}
    for h in hrs:
        if not h.estimable:
            by_reason.setdefault(h.status, []).append(h.level)
    return "[c] NE = not estimable: " + "; ".join(f"{', '.join(lvs)}: {why}" for why, lvs in by_reason.items()) + "."


class _DisplayRows:
    """Display rows keyed by label with one cell per column, blank until filled."""

    def __init__(self, groups):
        self.groups = groups
        self.cols = groups.columns()
        self.rows: dict[str, dict[str, str]] = {}

    def put(self, label: str, col: str, text: str) -> None:
        self.rows.setdefault(label, {c: "" for c in self.cols})[col] = text

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"Statistic": k, **{self.groups.header(c): v[c] for c in self.cols}}
                             for k, v in self.rows.items()])


def _column_counts(ard: ArdRows, data: TteData, out: _DisplayRows, col: str):
    """One column's subjects, its ARD key and counts; fills the subjects and events rows."""
    sub = data.subset(col)
    key = {"group1": data.groups.treatment, "group1_level": col, "variable": "PARAMCD",
           "variable_level": data.paramcd}
    c = _base_counts(ard, data, col, sub, key)
    out.put("Subjects analysed", col, str(c["n"]))
    out.put("Events, n (%)", col, fmt_n_pct(c["events"], c["n"]))
    return sub, key, c


def _timepoint_rows(ard: ArdRows, put, col: str, key: dict, tp: Timepoint, n_risk: int, est: dict,
                    stat: str, what: str, se_label: str, pct: str) -> None:
    """ARD rows and display rows of one curve at one timepoint: number at risk, the estimate
    (`stat`: surv or cif) with its SE, and the log-log CI."""
    tkey = dict(key, group2="AVAL", group2_level=tp.aval)
    ard.add("n_risk", n_risk, stat_label=f"Number at risk, {tp.text}", **tkey)
    ard.add(stat, est[stat], stat_label=f"{what[0].upper() + what[1:]}, {tp.text}", **tkey)
    ard.add(f"{stat}_se", est["std_err"], stat_label=se_label, **tkey)
    ard.add("ci_lower", est["lower"], stat_label=f"{pct} CI lower (log-log)", **tkey)
    ard.add("ci_upper", est["upper"], stat_label=f"{pct} CI upper (log-log)", **tkey)
    put(f"{tp.text}: number at risk", col, str(n_risk))
    put(f"{tp.text}: {what} (SE)", col,
        f"{fmt_est(est[stat], 3)} ({fmt_est(est['std_err'], 3)})" if not math.isnan(est[stat]) else NE)
    put(f"{tp.text}: {pct} CI", col, fmt_ci(est["lower"], est["upper"], 3))


def km_table(data: TteData, timepoints: list[Timepoint], quantiles: list[float], conf: float = 0.95,
             analysis_id: str | None = None, reference: str = "first") -> TableResult:
    """Kaplan-Meier summary by dose group and Total: events, censored, quartiles with CIs,
    S(t) (SE) and CI at the timepoints, numbers at risk, log-rank test, Cox HRs vs the
    reference group (default the first = lowest dose). Records with status 2 (competing) are
    censored here, as KM endpoints have none."""
    aid = analysis_id or f"tte_km_{data.paramcd.lower()}"
    g = data.groups
    cox_levels = cox_reference(g.levels, reference)
    ard = ArdRows(aid)
    out = _DisplayRows(g)
    cols, put = out.cols, out.put
    pct = f"{conf * 100:g}%"
    for col in cols:
        sub, key, c = _column_counts(ard, data, out, col)
        put("Censored, n (%)", col, fmt_n_pct(c["n"] - c["events"], c["n"]))
        curve = km_curve(sub["TIME"], sub["STATUS"] == 1, conf)
        for p in quantiles:
            name = QUANTILE_NAMES[p]
            q = km_quantile(curve, p)
            ard.add(name, q["estimate"], stat_label=name.capitalize() if name != "q1" else "Q1", **key)
            ard.add(f"{name}_ci_lower", q["lower"], stat_label=f"{pct} CI lower", **key)
            ard.add(f"{name}_ci_upper", q["upper"], stat_label=f"{pct} CI upper", **key)
            label = {"median": "Median", "q1": "Q1", "q3": "Q3"}[name]
            put(f"{label} ({pct} CI), days", col,
                f"{fmt_est(q['estimate'], 1)} {fmt_ci(q['lower'], q['upper'], 1)}")
        for tp in timepoints:
            _timepoint_rows(ard, put, col, key, tp, n_at_risk(sub["TIME"], tp.aval), km_at(curve, tp.aval),
                            "surv", "event-free probability", "SE (Greenwood)", pct)
    lr = logrank_test(data.records, g.levels)
    lkey = {"group1": g.treatment, "variable": "PARAMCD", "variable_level": data.paramcd}
    ard.add("logrank_chisq", lr["chisq"], stat_label="Log-rank chi-square", **lkey)
    ard.add("logrank_df", lr["df"], stat_label="Log-rank degrees of freedom", **lkey)
    ard.add("logrank_p", lr["p"], stat_label="Log-rank p-value (descriptive)", **lkey)
    put("Log-rank test across dose groups: p-value [a]", TOTAL if TOTAL in cols else cols[-1],
        fmt_est(lr["p"], 4) if not math.isnan(lr["p"]) else NE)
    hr_label = f"Hazard ratio vs {cox_levels[0]} ({pct} CI) [b]"
    put(hr_label, cox_levels[0], "Reference")
    hrs = cox_hazard_ratios(data.records, cox_levels, conf)
    for h in hrs:
        hkey = {"group1": g.treatment, "group1_level": h.level, "variable": "PARAMCD", "variable_level": data.paramcd}
        ard.add("hr", h.hr, stat_label=f"Hazard ratio vs {cox_levels[0]}", **hkey)
        ard.add("hr_ci_lower", h.lower, stat_label=f"{pct} CI lower", **hkey)
        ard.add("hr_ci_upper", h.upper, stat_label=f"{pct} CI upper", **hkey)
        ard.add("hr_p", h.p, stat_label="Wald p-value (descriptive)", **hkey)
        ard.add("hr_status", h.status, stat_label="Estimability", **hkey)
        if h.estimable:
            put(hr_label, h.level, f"{fmt_num(h.hr, 2)} {fmt_ci(h.lower, h.upper, 2)}")
        else:
            put(hr_label, h.level, f"{NE} [c]")
    table = out.frame()
    notes = [
        ORIGIN_NOTE,
        ("Kaplan-Meier estimates; SE by Greenwood's formula; CIs by the log-log transform (SAS "
        "CONFTYPE=LOGLOG, R survfit conf.type = \"log-log\"). NE after a group's last observed "
        "time; no CI while the estimate is 1. Number at risk = subjects with AVAL >= the timepoint."),
        ("Median and quartiles: smallest time with S(t) <= 1 - p (midpoint when S equals 1 - p over "
        "an interval); CI: Brookmeyer-Crowley with the log-log transform (where the pointwise "
        "limits cross 1 - p, as R quantile.survfit). NE = not reached."),
        ("[a] Log-rank test across the dose groups (Total not part of the test); descriptive p-value, "
        "no adjustment for multiplicity."),
        (f"[b] Cox proportional hazards model with dose group as a class effect, reference "
        f"{cox_levels[0]}; Efron ties; Wald CI. Estimated only where events allow."),
    ]
    if any(not h.estimable for h in hrs):
        notes.append(_ne_note(hrs))
    notes += data.notes
    title = f"Kaplan-Meier analysis of {data.param} ({data.paramcd})"
    return TableResult(aid, title, table, ard.frame(), notes, population=_pop_label(data))


def cif_table(data: TteData, timepoints: list[Timepoint], conf: float = 0.95,
              analysis_id: str | None = None) -> TableResult:
    """Aalen-Johansen cumulative incidence by dose group and Total at the timepoints, with
    counts of events, competing events and censored subjects."""
    aid = analysis_id or f"tte_cif_{data.paramcd.lower()}"
    g = data.groups
    ard = ArdRows(aid)
    out = _DisplayRows(g)
    cols, put = out.cols, out.put
    pct = f"{conf * 100:g}%"
    for col in cols:
        sub, key, c = _column_counts(ard, data, out, col)
        put("Competing events, n (%)", col, fmt_n_pct(c["competing"], c["n"]))
        put("Censored, n (%)", col, fmt_n_pct(c["censored"], c["n"]))
        curve = aalen_johansen(sub["TIME"], sub["STATUS"], conf)
        for tp in timepoints:
            _timepoint_rows(ard, put, col, key, tp, n_at_risk(sub["TIME"], tp.aval), cif_at(curve, tp.aval),
                            "cif", "cumulative incidence", "SE (infinitesimal jackknife)", pct)
    table = out.frame()
    notes = [
        ORIGIN_NOTE,
        ("Competing event: the ADTTE record is censored by a competing event (CMPEVFL = \"Y\"); it "
        "is not counted as censored."),
        ("Cumulative incidence by the Aalen-Johansen estimator (tied times kept, not jittered; an "
        "event before a censoring at the same time); SE by the infinitesimal jackknife and CI by "
        "the log-log transform of the cumulative incidence, as R survfit with a multi-state "
        "status and conf.type = \"log-log\". NE after a group's last observed time; no CI while "
        "the estimate is 0."),
    ] + data.notes
    title = f"Cumulative incidence of {data.param} ({data.paramcd}), competing risks"
    return TableResult(aid, title, table, ard.frame(), notes, population=_pop_label(data))


def incidence_table(datas: list[TteData], conf: float = 0.95, analysis_id: str = "tte_incidence") -> TableResult:
    """Subjects with the event / N (N = ADSL population) per endpoint and dose group, with
    exact Clopper-Pearson CIs."""
    ard = ArdRows(analysis_id)
    pct = f"{conf * 100:g}%"
    records = []
    g = datas[0].groups
    cols = g.columns()
    for data in datas:
        row_n = {"Endpoint": f"{data.param} ({data.paramcd})", "Statistic": "n (%)"}
        row_ci = {"Endpoint": "", "Statistic": f"{pct} CI (exact)"}
        for col in cols:
            sub = data.subset(col)
            n, big_n = int((sub["STATUS"] == 1).sum()), data.groups.n[col]
            lo, up = clopper_pearson(n, big_n, conf)
            key = {"group1": g.treatment, "group1_level": col, "variable": "PARAMCD", "variable_level": data.paramcd}
            ard.add("n", n, stat_label="Subjects with the event", **key)
            ard.add("N", big_n, stat_label="N (population)", **key)
            ard.add("p", n / big_n if big_n else math.nan, **key)
            ard.add("ci_lower", lo, stat_label=f"{pct} CI lower (Clopper-Pearson)", **key)
            ard.add("ci_upper", up, stat_label=f"{pct} CI upper (Clopper-Pearson)", **key)
            row_n[g.header(col)] = fmt_n_pct(n, big_n)
            row_ci[g.header(col)] = fmt_ci(100 * lo, 100 * up, 1) if big_n else ""
        records += [row_n, row_ci]
    notes = [("Subjects with the event (ADTTE CNSR = 0) / N, N = subjects in the population (ADSL). "
             f"{pct} CI in percent, exact (Clopper-Pearson). Crude proportions ignore follow-up time "
             "and competing events; see the Kaplan-Meier and cumulative incidence tables.")]
    for data in datas:
        notes += data.notes
    return TableResult(analysis_id, "Incidence of time-to-event endpoints (crude proportions)",
                       pd.DataFrame(records), ard.frame(), notes, population=_pop_label(datas[0]))
