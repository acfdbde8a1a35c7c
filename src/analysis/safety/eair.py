"""Exposure-adjusted incidence rates (EAIR; Liu et al., Stat Med 2006;25:1275-86; domain
reference 7.3): subjects with the event / total time at risk, per 100 person-years, with the
exact Poisson CI.

Time at risk of a subject, in days, counting both ends (+1 day convention, like study days):
- with the event: first onset of the term (ASTDT) - first infusion (TRTSDT) + 1;
- without it: end of the at-risk period (an ADSL date, e.g. EOSDT) - TRTSDT + 1.
Person-years = days / 365.25.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import TOTAL, fmt_num, require
from analysis.stats.proportions import poisson_exact_ci

from .counting import ANY, PT, SOC, hierarchy
from .data import AeData
from .tables import PT_LABEL, SOC_LABEL, _group_args, _rowdicts, _where, columns, common_footnotes, population_label

DAYS_PER_YEAR = 365.25


def at_risk_days(data: AeData) -> pd.DataFrame:
    """Per population subject: ``_START``, ``_END`` (first non-missing of the exposure-end
    variables) and ``_DAYS`` = _END - _START + 1."""
    o, subjects = data.options, data.groups.subjects
    require(subjects, [o.exposure_start, *o.exposure_end], "ADSL")
    start = pd.to_numeric(subjects[o.exposure_start], errors="coerce")
    end = pd.Series(math.nan, index=subjects.index)
    for var in o.exposure_end:
        end = end.fillna(pd.to_numeric(subjects[var], errors="coerce"))
    bad = start.isna() | end.isna()
    if bad.any():
        raise UserError(f"ADSL: {int(bad.sum())} subject(s) in the population lack {o.exposure_start} or "
                        f"{'/'.join(o.exposure_end)} (e.g. {subjects.loc[bad, 'USUBJID'].iloc[0]}); "
                        f"time at risk needs both")
    before = end < start
    if before.any():
        raise UserError(f"ADSL: {'/'.join(o.exposure_end)} before {o.exposure_start} for subject "
                        f"{subjects.loc[before, 'USUBJID'].iloc[0]}")
    return pd.DataFrame({"USUBJID": subjects["USUBJID"], "_GROUP": subjects["_GROUP"], "_START": start,
                         "_END": end, "_DAYS": end - start + 1})


def _first_onset_days(data: AeData, risk: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """TEAE records with ``_T`` = onset - start + 1 (at least 1 day) and ``_FULL`` days."""
    o = data.options
    require(data.teae, [o.onset], "ADAE")
    te = data.teae[["USUBJID", "_GROUP", "_SOC", "_PT"]].copy()
    te["_ONSET"] = pd.to_numeric(data.teae[o.onset], errors="coerce")
    if te["_ONSET"].isna().any():
        raise UserError(f"ADAE: {int(te['_ONSET'].isna().sum())} treatment-emergent record(s) lack {o.onset} "
                        f"(e.g. subject {te.loc[te['_ONSET'].isna(), 'USUBJID'].iloc[0]}); exposure-adjusted "
                        f"rates need onset dates")
    te = te.merge(risk[["USUBJID", "_START", "_DAYS"]], on="USUBJID", how="left", validate="many_to_one")
    raw = te["_ONSET"] - te["_START"] + 1
    early = int((raw < 1).sum())
    te["_T"] = raw.clip(lower=1)
    return te, early


def _saved_days(te: pd.DataFrame, keys: list[str]) -> dict:
    """{(depth, soc, pt): {column: days not at risk after the first event}} for one level."""
    first = te.groupby(keys + ["USUBJID", "_GROUP"], sort=False).agg(_T=("_T", "min"), _DAYS=("_DAYS", "first"))
    first["_SAVED"] = first["_DAYS"] - first["_T"]
    first = first.reset_index()
    out: dict = {}

    def put(key, column, value):
        key = key if isinstance(key, tuple) else (key,)
        term = (key + ("", ""))[:2] if keys else ("", "")
        out.setdefault((len(keys),) + term, {})[column] = float(value)

    for key, value in first.groupby(keys + ["_GROUP"], sort=False)["_SAVED"].sum().items():
        key = key if isinstance(key, tuple) else (key,)
        put(key[:-1], key[-1], value)
    if keys:
        for key, value in first.groupby(keys, sort=False)["_SAVED"].sum().items():
            put(key, TOTAL, value)
    else:
        put((), TOTAL, first["_SAVED"].sum())
    return out


def eair_cell(n: int, py: float, rate: float, lo: float, hi: float) -> str:
    """``n/PY: rate (lo, hi)``, rate per 100 person-years.

    >>> eair_cell(3, 10.5, 28.571, 5.89, 83.48)
    '3/10.5: 28.6 (5.9, 83.5)'
    """
    if math.isnan(rate):
        return "0"
    return f"{n}/{fmt_num(py, 1)}: {fmt_num(rate, 1)} ({fmt_num(lo, 1)}, {fmt_num(hi, 1)})"


def ae_eair(data: AeData, analysis_id: str = "ae_eair") -> TableResult:
    """EAIR per 100 person-years for any TEAE, each SOC and each PT, by dose group and Total."""
    g, conf = data.groups, data.options.conf
    risk = at_risk_days(data)
    full = risk.groupby("_GROUP")["_DAYS"].sum().to_dict()
    full[TOTAL] = float(risk["_DAYS"].sum())
    te, early = _first_onset_days(data, risk)
    saved = {}
    for keys in ([], ["_SOC"], ["_SOC", "_PT"]):
        if len(te):
            saved.update(_saved_days(te, keys))
    rows = hierarchy(data.teae, g, data.options.sort)
    depth = {ANY: 0, SOC: 1, PT: 2}
    cols = columns(data)
    ard = ArdRows(analysis_id)
    display = []
    for rec in _rowdicts(rows):
        kind, soc, pt = rec["kind"], rec["soc"], rec["pt"]
        out = ["Any TEAE", ""] if kind == ANY else [soc, ""] if kind == SOC else ["", pt]
        where = dict(_where(data, kind, soc, pt, "Any TEAE"))
        s = saved.get((depth[kind], soc, pt), {})
        for col in g.levels + [TOTAL]:
            n = int(rec[f"n:{col}"])
            days = float(full.get(col, 0.0)) - float(s.get(col, 0.0))
            py = days / DAYS_PER_YEAR
            if py > 0:
                lo, hi = poisson_exact_ci(n, py, conf)
                rate, lo, hi = 100 * n / py, 100 * lo, 100 * hi
            else:
                rate = lo = hi = math.nan
            args = dict(_group_args(data, col), **where)
            ard.add("n", n, **args)
            ard.add("N", g.n[col], **args)
            ard.add("py", py, stat_label="Person-years at risk", **args)
            ard.add("rate", rate, stat_label="EAIR per 100 person-years", **args)
            ard.add("ci_lower", lo, stat_label=f"{conf * 100:g}% CI lower (exact Poisson)", **args)
            ard.add("ci_upper", hi, stat_label=f"{conf * 100:g}% CI upper (exact Poisson)", **args)
            if col in cols:
                out.append(eair_cell(n, py, rate, lo, hi))
        display.append(out)
    o = data.options
    table = pd.DataFrame(display, columns=[SOC_LABEL, PT_LABEL] + [g.header(c) for c in cols])
    notes = common_footnotes(data, counting=False) + [
        "Cells: subjects with the event / person-years at risk: EAIR per 100 person-years "
        f"({conf * 100:g}% exact Poisson CI).",
        f"Time at risk: from the first infusion ({o.exposure_start}) to the first onset ({o.onset}) of the "
        f"term for subjects with it, else to the end of the at-risk period ({' then '.join(o.exposure_end)}); "
        f"both days count (+1 day); person-years = days / 365.25 (Liu et al. 2006).",
        "Supportive only with small groups; the crude n (%) is primary."]
    if early:
        notes.append(f"{early} treatment-emergent record(s) with onset before {o.exposure_start} "
                     f"count as onset on day 1.")
    return TableResult(analysis_id, "Exposure-adjusted incidence rates of treatment-emergent adverse events",
                       table, ard.frame(), notes, population_label(data))
