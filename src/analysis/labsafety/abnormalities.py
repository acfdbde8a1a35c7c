"""Treatment-emergent lab abnormalities: worsening by >= 1 CTCAE grade from baseline
(domain reference 3.3), and worsening to grade >= 3, per parameter and group."""

from __future__ import annotations

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import analysis_groups, fmt_n_pct
from analysis.stats.proportions import clopper_pearson

from .records import POST_BASELINE_NOTE, param_label, population_lab_records
from .shift import MISSING, ShiftParam, ShiftScale, worst_by_subject


def worsening_flags(worst: pd.DataFrame, scale: ShiftScale, severe: str) -> pd.DataFrame:
    """Add EVAL (baseline and post-baseline category both present), WORSE (worst > baseline)
    and WORSE_SEVERE (worse, and worst at or beyond `severe`) to a `worst_by_subject` frame.

    >>> w = pd.DataFrame({"BASELINE": ["0", "2", "3", "Missing", "1"],
    ...                   "WORST": ["1", "3", "3", "4", "Missing"]})
    >>> worsening_flags(w, ShiftScale(["0", "1", "2", "3", "4"]), "3")[
    ...     ["EVAL", "WORSE", "WORSE_SEVERE"]].values.tolist()
    [[True, True, False], [True, True, True], [True, False, False], [False, False, False], [False, False, False]]
    """
    rank = scale.severity()
    out = worst.copy()
    out["EVAL"] = (out["BASELINE"] != MISSING) & (out["WORST"] != MISSING)
    b = out["BASELINE"].map(rank)
    w = out["WORST"].map(rank)
    out["WORSE"] = out["EVAL"] & (w > b)
    out["WORSE_SEVERE"] = out["WORSE"] & (w >= rank[severe])
    return out


def te_lab_abnormalities(adsl: pd.DataFrame, adlb: pd.DataFrame, params: list[ShiftParam],
                         scale: ShiftScale, severe: str = "3", treatment: str = "TRT01A",
                         population: str = "SAFFL", conf: float = 0.95,
                         analysis_id: str = "lab_te_abnormal", title: str | None = None) -> TableResult:
    """Subjects n (%) whose worst post-baseline grade is above their baseline grade, and above
    it at grade >= `severe`, with Clopper-Pearson CIs in the ARD. Denominator: evaluable subjects
    (baseline grade and at least one post-baseline grade).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "Y"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "PARAMCD": ["ALT"] * 4,
    ...     "ABLFL": ["Y", "", "Y", ""], "ADY": [-1, 8, -1, 8], "BTOXGRH": ["0", "0", "1", "1"],
    ...     "ATOXGRH": ["0", "3", "1", "1"]})
    >>> t = te_lab_abnormalities(adsl, adlb, [ShiftParam("ALT", "BTOXGRH", "ATOXGRH")],
    ...                          ShiftScale(["0", "1", "2", "3", "4"]))
    >>> t.table.values.tolist()
    [['ALT', 'Evaluable subjects', '2', '2'], ['ALT', 'Worsened by >= 1 grade', '1 (50.0)', '1 (50.0)'], ['ALT', 'Worsened to grade >= 3', '1 (50.0)', '1 (50.0)']]
    """
    groups = analysis_groups(adsl, treatment, population)
    lab = population_lab_records(adsl, adlb, groups, [p.paramcd for p in params])
    ard = ArdRows(analysis_id)
    rows = []
    measures = [("WORSE", "Worsened by >= 1 grade"), ("WORSE_SEVERE", f"Worsened to grade >= {severe}")]
    pct_label = f"{round(conf * 100)}% CI"
    for param in params:
        label = param_label(lab.records, param.paramcd, param.term_var)
        flags = worsening_flags(worst_by_subject(lab, param, scale), scale, severe)
        denominators = {}
        for col in groups.columns():
            sub = flags if col == "Total" else flags[flags["_GROUP"] == col]
            denominators[col] = int(sub["EVAL"].sum())
        rows.append([label, "Evaluable subjects"] + [str(denominators[c]) for c in groups.columns()])
        for flag, text_label in measures:
            cells = []
            for col in groups.columns():
                sub = flags if col == "Total" else flags[flags["_GROUP"] == col]
                n, N = int(sub[flag].sum()), denominators[col]
                lo, hi = clopper_pearson(n, N, conf)
                kw = {"group1": groups.treatment, "group1_level": col, "group2": "PARAMCD",
                      "group2_level": param.paramcd, "variable": flag, "variable_level": "Y"}
                ard.add("n", n, **kw)
                ard.add("N", N, stat_label="Evaluable subjects", **kw)
                ard.add("p", n / N if N else float("nan"), stat_label="Proportion", **kw)
                ard.add("ci_lower", lo, stat_label=f"{pct_label} lower (Clopper-Pearson)", **kw)
                ard.add("ci_upper", hi, stat_label=f"{pct_label} upper (Clopper-Pearson)", **kw)
                cells.append(fmt_n_pct(n, N))
            rows.append([label, text_label] + cells)
    table = pd.DataFrame(rows, columns=["Parameter", "Category"]
                         + [groups.header(c) for c in groups.columns()], dtype=object)
    footnotes = [
        ("Treatment-emergent lab abnormality: worst post-baseline CTCAE grade higher than the "
         "baseline grade (worsening by >= 1 grade)."),
        f"Worsened to grade >= {severe}: worsened from baseline and worst post-baseline grade >= {severe}.",
        (f"Population: {population} = \"Y\". Denominator: evaluable subjects, i.e. with a baseline "
         "grade and at least one graded post-baseline value; percentages are of that denominator."),
        POST_BASELINE_NOTE,
        f"{pct_label}s (exact Clopper-Pearson) are in the analysis results dataset.",
    ] + lab.notes()
    return TableResult(analysis_id, title or "Treatment-emergent laboratory abnormalities (CTCAE)",
                       table, ard.frame(), footnotes, population=f"{population} = \"Y\"")
