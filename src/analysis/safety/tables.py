"""AE summary tables: overview, SOC/PT incidence (all, related, serious) and SOC/PT by maximum
grade. Each returns a TableResult whose ARD holds every number shown (and the CIs)."""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import TOTAL, fmt_n_pct, fmt_num
from analysis.stats.proportions import clopper_pearson

from .counting import ANY, PT, SOC, hierarchy
from .data import AeData

SOC_LABEL, PT_LABEL = "System Organ Class", "Preferred Term"


def columns(data: AeData) -> list[str]:
    """Displayed columns: the dose groups, then Total unless switched off."""
    return data.groups.levels + ([TOTAL] if data.options.total else [])


def cell(n: int, big_n: int, events: int | None = None) -> str:
    """``n (%) [E]``; ``0`` when nobody had the event.

    >>> cell(2, 6, 3), cell(0, 6, 0), cell(1, 3)
    ('2 (33.3) [3]', '0', '1 (33.3)')
    """
    text = fmt_n_pct(n, big_n)
    return text if events is None or n == 0 else f"{text} [{events}]"


def population_label(data: AeData) -> str:
    pop = data.groups.population
    return f'{pop} = "Y"' if pop else "All ADSL subjects"


def common_footnotes(data: AeData, counting: bool = True) -> list[str]:
    o = data.options
    notes = [f"N = number of subjects in the population ({population_label(data)}) per {data.groups.treatment}, "
             f"from ADSL; percentages use N; subjects without adverse events are in N."]
    if counting:
        notes.append("n (%) [E]: subjects with at least one event (a subject counts once per row) and, "
                     "in brackets, the number of events.")
    te = f'{o.teae_flag} = "Y"' if o.teae_flag else "all ADAE records (no TEAE flag used)"
    notes.append(f"Treatment-emergent adverse events: {te}. Terms: {o.soc} / {o.pt}"
                 + (f" ({o.dictionaries})." if o.dictionaries else "."))
    return notes + list(data.notes)


def _group_args(data: AeData, col: str) -> dict:
    return {"group1": data.groups.treatment, "group1_level": col}


def _add_n_p_e(ard: ArdRows, n: int, big_n: int, events: int | None, **where) -> None:
    ard.add("n", n, **where)
    ard.add("N", big_n, **where)
    ard.add("p", n / big_n if big_n else math.nan, stat_label="proportion", **where)
    if events is not None:
        ard.add("events", events, **where)


# --- overview ---------------------------------------------------------------------------------

def overview_categories(data: AeData) -> list[tuple[str, str, str, pd.Series]]:
    """(code, label, definition, mask over data.teae) for each overview row the data support."""
    o, te = data.options, data.teae
    cats = [("ANY", "Any TEAE", "any treatment-emergent record", pd.Series(True, index=te.index))]
    if o.related:
        cats.append(("RELATED", "Related TEAE", o.related.describe(), o.related.mask(te)))
    if o.grade:
        high = o.grade.levels.index(o.grade.high_from)
        cats.append(("GRADE_HIGH", f"TEAE of {o.grade.high_label()}",
                     f"{o.grade.variable} in ({', '.join(o.grade.levels[high:])})", te["_GRADE"] >= high))
    if o.serious:
        cats.append(("SERIOUS", "Serious TEAE", o.serious.describe(), o.serious.mask(te)))
    if o.discontinuation:
        cats.append(("DISCONTINUATION", "TEAE leading to discontinuation of study treatment",
                     o.discontinuation.describe(), o.discontinuation.mask(te)))
    if o.dlt:
        cats.append(("DLT", "Dose-limiting toxicity", o.dlt.describe(), o.dlt.mask(te)))
    if o.fatal:
        mask = pd.Series(False, index=te.index)
        for c in o.fatal:
            mask |= c.mask(te)
        cats.append(("FATAL", "TEAE with fatal outcome", " or ".join(c.describe() for c in o.fatal), mask))
    return cats


def ae_overview(data: AeData, analysis_id: str = "ae_overview") -> TableResult:
    """Subjects with any TEAE, related, high grade, serious, leading to discontinuation, DLT and
    fatal: n (%), events and the Clopper-Pearson CI of the subject proportion."""
    g, te, conf = data.groups, data.teae, data.options.conf
    ard = ArdRows(analysis_id)
    rows = []
    cols = columns(data)
    for code, label, definition, mask in overview_categories(data):
        hit = te.loc[mask]
        subj = hit.drop_duplicates("USUBJID")
        n_by = subj.groupby("_GROUP").size()
        e_by = hit.groupby("_GROUP").size()
        counts = {lv: (int(n_by.get(lv, 0)), int(e_by.get(lv, 0))) for lv in g.levels}
        counts[TOTAL] = (len(subj), len(hit))
        row, ci_row = [label, "n (%) [E]"], ["", f"{conf * 100:g}% CI (%)"]
        for col in g.levels + [TOTAL]:
            n, e = counts[col]
            lo, hi = clopper_pearson(n, g.n[col], conf)
            where = dict(_group_args(data, col), variable=code, variable_level=definition)
            _add_n_p_e(ard, n, g.n[col], e, **where)
            ard.add("ci_lower", lo, stat_label=f"{conf * 100:g}% CI lower (Clopper-Pearson)", **where)
            ard.add("ci_upper", hi, stat_label=f"{conf * 100:g}% CI upper (Clopper-Pearson)", **where)
            if col in cols:
                row.append(cell(n, g.n[col], e))
                ci_row.append("" if math.isnan(lo) else f"({fmt_num(100 * lo, 1)}, {fmt_num(100 * hi, 1)})")
        rows += [row, ci_row]
    table = pd.DataFrame(rows, columns=["Category", "Statistic"] + [g.header(c) for c in cols])
    notes = common_footnotes(data) + [
        f"CI: exact (Clopper-Pearson) {conf * 100:g}% confidence interval for the proportion of subjects, in %."]
    for code, label, definition, _ in overview_categories(data):
        if code != "ANY":
            notes.append(f"{label}: {definition}.")
    if data.options.grade:
        notes.append(f"Grades: {data.options.grade.variable} (CTCAE v5.0 when a CTCAE grade).")
    return TableResult(analysis_id, "Overview of treatment-emergent adverse events", table, ard.frame(),
                       notes, population_label(data))


# --- SOC / PT incidence ------------------------------------------------------------------------

def _where(data: AeData, kind: str, soc: str, pt: str, any_label: str) -> dict:
    o = data.options
    if kind == ANY:
        return {"variable": "ANY_EVENT", "variable_level": any_label}
    if kind == SOC:
        return {"variable": o.soc, "variable_level": soc}
    return {"group2": o.soc, "group2_level": soc, "variable": o.pt, "variable_level": pt}


def ae_soc_pt(data: AeData, analysis_id: str = "ae_soc_pt", subset: pd.Series | None = None,
              title: str = "Treatment-emergent adverse events by system organ class and preferred term",
              any_label: str = "Any TEAE", extra_notes: list[str] | None = None) -> TableResult:
    """Subjects n (%) and events by SOC and PT (an "any" row first), for all TEAEs or the
    `subset` mask over ``data.teae``; sorted by descending total incidence or alphabetically."""
    g = data.groups
    events = data.teae if subset is None else data.teae.loc[subset]
    rows = hierarchy(events, g, data.options.sort)
    cols = columns(data)
    ard = ArdRows(analysis_id)
    display = []
    for rec in _rowdicts(rows):
        kind, soc, pt = rec["kind"], rec["soc"], rec["pt"]
        label = [any_label, ""] if kind == ANY else [soc, ""] if kind == SOC else ["", pt]
        out = list(label)
        for col in g.levels + [TOTAL]:
            n, e = int(rec[f"n:{col}"]), int(rec[f"e:{col}"])
            _add_n_p_e(ard, n, g.n[col], e, **_group_args(data, col), **_where(data, kind, soc, pt, any_label))
            if col in cols:
                out.append(cell(n, g.n[col], e))
        display.append(out)
    table = pd.DataFrame(display, columns=[SOC_LABEL, PT_LABEL] + [g.header(c) for c in cols])
    order = ("by descending total incidence (SOC by its total, PT within SOC by its total), ties "
             "alphabetical" if data.options.sort == "frequency" else "alphabetically by SOC and PT")
    notes = common_footnotes(data) + [f"Sorted {order}."] + list(extra_notes or [])
    return TableResult(analysis_id, title, table, ard.frame(), notes, population_label(data))


def _rowdicts(frame: pd.DataFrame):
    cols = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(cols, values))


def ae_soc_pt_related(data: AeData, analysis_id: str = "ae_soc_pt_related") -> TableResult:
    """Related TEAEs (relationship criterion from the options) by SOC and PT."""
    crit = data.options.related
    if crit is None:
        raise UserError("ADAE: no relationship variable to summarise (give --related-var / related:)")
    return ae_soc_pt(data, analysis_id, crit.mask(data.teae),
                     "Related treatment-emergent adverse events by system organ class and preferred term",
                     "Any related TEAE", [f"Related: {crit.describe()}."])


def ae_soc_pt_serious(data: AeData, analysis_id: str = "ae_soc_pt_serious") -> TableResult:
    """Serious TEAEs (seriousness criterion from the options) by SOC and PT."""
    crit = data.options.serious
    if crit is None:
        raise UserError("ADAE: no seriousness variable to summarise (give --serious-var / serious:)")
    return ae_soc_pt(data, analysis_id, crit.mask(data.teae),
                     "Serious treatment-emergent adverse events by system organ class and preferred term",
                     "Any serious TEAE", [f"Serious: {crit.describe()}."])


# --- SOC / PT by maximum grade -----------------------------------------------------------------

MISSING_RANK = -1


def max_grade_counts(events: pd.DataFrame, data: AeData, keys: list[str]) -> dict:
    """{(soc, pt, rank): {column: subjects}} with each subject at its maximum grade for the term
    (rank -1 when every event of the term is ungraded)."""
    g = data.groups
    per_subject = (events.groupby(keys + ["USUBJID", "_GROUP"], sort=False)["_GRADE"].max()
                   .fillna(MISSING_RANK).rename("_MAX").reset_index())
    by_group = per_subject.groupby(keys + ["_MAX", "_GROUP"], sort=False).size().unstack("_GROUP")
    by_group = by_group.reindex(columns=g.levels).fillna(0).astype("int64")
    by_group[TOTAL] = per_subject.groupby(keys + ["_MAX"], sort=False).size()
    out = {}
    for key, counts in zip(by_group.index, by_group.to_dict("records")):
        key = key if isinstance(key, tuple) else (key,)
        soc = key[0] if len(keys) >= 1 else ""
        pt = key[1] if len(keys) == 2 else ""
        out[(soc, pt, int(key[-1]))] = counts
    return out


def ae_soc_pt_grade(data: AeData, analysis_id: str = "ae_soc_pt_grade") -> TableResult:
    """SOC/PT x maximum grade: each subject once per term, at the highest grade (or severity)
    among its events of that term; an "Any grade" row per term with n (%) [E]."""
    scale = data.options.grade
    if scale is None:
        raise UserError("ADAE: no grade or severity variable to summarise (give --grade-var / grade:)")
    g, te = data.groups, data.teae
    rows = hierarchy(te, g, data.options.sort)
    counts = {}
    for keys in ([], ["_SOC"], ["_SOC", "_PT"]):
        counts.update({(len(keys),) + k: v for k, v in max_grade_counts(te, data, keys).items()})
    depth = {ANY: 0, SOC: 1, PT: 2}
    cols = columns(data)
    ard = ArdRows(analysis_id)
    display = []
    for rec in _rowdicts(rows):
        kind, soc, pt = rec["kind"], rec["soc"], rec["pt"]
        label = ["Any TEAE", ""] if kind == ANY else [soc, ""] if kind == SOC else ["", pt]
        where = _where(data, kind, soc, pt, "Any TEAE")
        out = label + ["Any grade"]
        for col in g.levels + [TOTAL]:
            n, e = int(rec[f"n:{col}"]), int(rec[f"e:{col}"])
            _add_n_p_e(ard, n, g.n[col], e, **_group_args(data, col), **where)
            if col in cols:
                out.append(cell(n, g.n[col], e))
        display.append(out)
        d = depth[kind]
        ranks = list(range(len(scale.levels)))
        if (d, soc, pt, MISSING_RANK) in counts:
            ranks.append(MISSING_RANK)
        for rank in ranks:
            level = "Missing" if rank == MISSING_RANK else scale.levels[rank]
            by_col = counts.get((d, soc, pt, rank), {})
            out = ["", "", "Missing" if rank == MISSING_RANK else scale.label(level)]
            for col in g.levels + [TOTAL]:
                n = int(by_col.get(col, 0))
                _add_n_p_e(ard, n, g.n[col], None, **_group_args(data, col), group2=scale.variable,
                           group2_level=level, **{k: v for k, v in where.items() if k.startswith("variable")})
                if col in cols:
                    out.append(cell(n, g.n[col]))
            display.append(out)
    table = pd.DataFrame(display, columns=[SOC_LABEL, PT_LABEL, f"Maximum {scale.name}"]
                         + [g.header(c) for c in cols])
    notes = common_footnotes(data) + [
        f"Each subject is counted once per term at the maximum {scale.name} ({scale.variable}, ordered "
        f"{' < '.join(scale.levels)}) among that subject's events of the term; 'Any grade' rows show "
        f"n (%) [E].",
        "Missing: every event of the term for that subject lacks a grade." if (te["_GRADE"].isna().any())
        else "No event lacks a grade.",
        "Sorted " + ("by descending total incidence, ties alphabetical." if data.options.sort == "frequency"
                     else "alphabetically.")]
    return TableResult(analysis_id, f"Treatment-emergent adverse events by system organ class, preferred term "
                       f"and maximum {scale.name}", table, ard.frame(), notes, population_label(data))
