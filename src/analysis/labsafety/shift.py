"""Shift tables: baseline category -> worst post-baseline category, by treatment group.

The categories are either CTCAE grades (BTOXGRH -> worst ATOXGRH for "increased" terms,
BTOXGRL -> worst ATOXGRL for "decreased" terms) or normal-range indicators (BNRIND -> worst
ANRIND); which variables and which order come from specs/analysis/lab_safety.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.groups import Groups, analysis_groups, fmt_n_pct, require

from .records import (
    POST_BASELINE_NOTE,
    LabRecords,
    param_label,
    population_lab_records,
    text,
)

MISSING = "Missing"


@dataclass(frozen=True)
class ShiftScale:
    """Ordered categories: `levels` in display order, `worst_order` from least to most severe
    (the worst post-baseline category is the one latest in `worst_order`)."""

    levels: list[str]
    worst_order: list[str] = field(default_factory=list)
    name: str = "grade"

    def severity(self) -> dict[str, int]:
        order = self.worst_order or self.levels
        if sorted(order) != sorted(self.levels):
            raise UserError(f"lab_safety spec: worst_order {order} must list the same categories "
                            f"as levels {self.levels}")
        return {c: i for i, c in enumerate(order)}


@dataclass(frozen=True)
class ShiftParam:
    """One parameter of a shift table: where its baseline and post-baseline categories are."""

    paramcd: str
    baseline_var: str
    post_var: str
    term_var: str | None = None


def _categories(values: pd.Series, scale: ShiftScale, where: str) -> pd.Series:
    """Text categories; numeric grades stored as 1.0 read as "1"; unknown values are an error."""
    raw = text(values)
    # one substitution per distinct value, not per record
    cats = raw.map({v: re.sub(r"^(\d+)\.0+$", r"\1", v) for v in pd.unique(raw)})
    bad = sorted(set(cats) - set(scale.levels) - {""})
    if bad:
        raise UserError(f"{where}: value(s) {', '.join(bad)} not among the {scale.name} categories "
                        f"{', '.join(scale.levels)} (specs/analysis/lab_safety.yaml)")
    return cats


def worst_by_subject(lab: LabRecords, param: ShiftParam, scale: ShiftScale,
                     dataset: str = "ADLB") -> pd.DataFrame:
    """One row per population subject with any `param` record: USUBJID, _GROUP, BASELINE (the
    baseline category) and WORST (worst post-baseline category); "Missing" when there is none.

    >>> recs = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "_GROUP": ["A"] * 4,
    ...     "PARAMCD": ["ALT"] * 4, "BTOXGRH": ["1", "1", "1", ""], "ATOXGRH": ["1", "3", "2", "0"],
    ...     "_POST": [False, True, True, False]})
    >>> p = ShiftParam("ALT", "BTOXGRH", "ATOXGRH")
    >>> worst_by_subject(LabRecords(recs, 0, 0), p, ShiftScale(["0", "1", "2", "3", "4"]))[
    ...     ["USUBJID", "BASELINE", "WORST"]].values.tolist()
    [['1', '1', '3'], ['2', 'Missing', 'Missing']]
    """
    rec = lab.records
    require(rec, [param.baseline_var, param.post_var], dataset)
    rec = rec[rec["PARAMCD"] == param.paramcd]
    where = f"{dataset} {param.paramcd}"
    base = _categories(rec[param.baseline_var], scale, f"{where} {param.baseline_var}")
    post = _categories(rec[param.post_var], scale, f"{where} {param.post_var}")
    rank = scale.severity()
    # whole-column operations, not a loop over subjects: one row per subject, in USUBJID order,
    # with the treatment group of the subject's first record
    out = (rec[["USUBJID", "_GROUP"]].drop_duplicates("USUBJID").sort_values("USUBJID", kind="stable")
           .reset_index(drop=True))
    graded = pd.DataFrame({"USUBJID": rec["USUBJID"].to_numpy(), "BASE": base.to_numpy(),
                           "POST": post.to_numpy(), "_POST": rec["_POST"].to_numpy(dtype=bool)})
    b = graded.loc[graded["BASE"] != "", ["USUBJID", "BASE"]].drop_duplicates()
    several = b["USUBJID"].duplicated(keep=False)
    if several.any():
        subject = min(b.loc[several, "USUBJID"])
        cats = sorted(b.loc[b["USUBJID"] == subject, "BASE"])
        raise UserError(f"{where}: subject {subject} has more than one baseline category in "
                        f"{param.baseline_var} ({', '.join(cats)})")
    p = graded.loc[graded["_POST"] & (graded["POST"] != ""), ["USUBJID", "POST"]]
    p = p.assign(_RANK=p["POST"].map(rank)).sort_values("_RANK", kind="stable")
    worst = p.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")["POST"]
    out["BASELINE"] = out["USUBJID"].map(b.set_index("USUBJID")["BASE"]).fillna(MISSING)
    out["WORST"] = out["USUBJID"].map(worst).fillna(MISSING)
    return out.astype(object)


def shift_counts(worst: pd.DataFrame, groups: Groups, scale: ShiftScale) -> dict:
    """{column: (N with parameter, {(baseline, worst): n})} for every group column and Total."""
    out = {}
    cats = scale.levels + [MISSING]
    for col in groups.columns():
        sub = worst if col == "Total" else worst[worst["_GROUP"] == col]
        cells = {(b, w): int(((sub["BASELINE"] == b) & (sub["WORST"] == w)).sum())
                 for b in cats for w in cats}
        out[col] = (len(sub), cells)
    return out


def shift_table(adsl: pd.DataFrame, adlb: pd.DataFrame, params: list[ShiftParam], scale: ShiftScale,
                treatment: str = "TRT01A", population: str = "SAFFL",
                analysis_id: str = "lab_shift_ctcae", title: str | None = None) -> TableResult:
    """Shift table of baseline -> worst post-baseline category for each parameter.

    Rows: parameter, baseline category, worst post-baseline category (with "Missing" for no
    baseline / no post-baseline value); one column per group and Total with n (%), where the
    denominator is the group's population subjects with any record of the parameter.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "Y"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": ["ALT"] * 3,
    ...     "ABLFL": ["Y", "", "Y"], "ADY": [-1, 8, -1], "BTOXGRH": ["0", "0", "1"],
    ...     "ATOXGRH": ["0", "2", "1"]})
    >>> t = shift_table(adsl, adlb, [ShiftParam("ALT", "BTOXGRH", "ATOXGRH")],
    ...                 ShiftScale(["0", "1", "2"]))
    >>> t.table[t.table["A (N=2)"] != "0"].values.tolist()
    [['ALT', 'Subjects with parameter', '', '2', '2'], ['ALT', '0', '2', '1 (50.0)', '1 (50.0)'], ['ALT', '1', 'Missing', '1 (50.0)', '1 (50.0)']]
    """
    groups = analysis_groups(adsl, treatment, population)
    lab = population_lab_records(adsl, adlb, groups, [p.paramcd for p in params])
    ard = ArdRows(analysis_id)
    rows = []
    cats = scale.levels + [MISSING]
    headers = [groups.header(c) for c in groups.columns()]
    for param in params:
        label = param_label(lab.records, param.paramcd, param.term_var)
        counts = shift_counts(worst_by_subject(lab, param, scale), groups, scale)
        rows.append([label, "Subjects with parameter", ""] + [str(counts[c][0]) for c in groups.columns()])
        for col in groups.columns():
            ard.add("N", counts[col][0], group1=groups.treatment, group1_level=col,
                    group2="PARAMCD", group2_level=param.paramcd, variable="SHIFT",
                    stat_label="Subjects with parameter")
        for b in cats:
            for w in cats:
                cells = []
                for col in groups.columns():
                    n_param, cell = counts[col]
                    n = cell[(b, w)]
                    cells.append(fmt_n_pct(n, n_param))
                    kw = {"group1": groups.treatment, "group1_level": col, "group2": "PARAMCD",
                          "group2_level": param.paramcd, "variable": "SHIFT", "variable_level": f"{b}->{w}"}
                    ard.add("n", n, stat_label=f"{param.baseline_var} {b} -> worst post-baseline "
                            f"{param.post_var} {w}", **kw)
                    ard.add("p", n / n_param if n_param else float("nan"), **kw)
                rows.append([label, b, w] + cells)
    table = pd.DataFrame(rows, columns=["Parameter", f"Baseline {scale.name}",
                                        f"Worst post-baseline {scale.name}"] + headers, dtype=object)
    footnotes = [
        (f"Population: {population} = \"Y\"; denominators are the subjects of each group in the "
         "population with at least one record of the parameter (Subjects with parameter)."),
        POST_BASELINE_NOTE,
        (f"Worst = most severe post-baseline {scale.name} (order, least to most severe: "
         f"{', '.join(scale.worst_order or scale.levels)}); values that could not be graded are "
         "not used."),
        "Missing: no baseline value/grade (row) or no post-baseline value/grade (column).",
        "Variables: " + "; ".join(f"{p.paramcd} {p.baseline_var} -> {p.post_var}" for p in params) + ".",
    ] + lab.notes()
    return TableResult(analysis_id, title or f"Shift from baseline to worst post-baseline {scale.name}",
                       table, ard.frame(), footnotes, population=f"{population} = \"Y\"")
