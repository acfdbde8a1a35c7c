"""Demographics and baseline characteristics by treatment group and total, generic over ADSL.

Variable kinds: a numeric variable is continuous, a character variable categorical, and a
character variable named ``...FL`` holding only Y/N/blank is a flag (one row, n (%) with "Y").
`categorical=` turns numeric variables (e.g. ECOGBL) into categories.

Display convention (documented in the table footnotes): with d = the number of decimals the
data carry (the most any value in the population needs, at most `max_decimals`, or the
`decimals` override), Min and Max are shown to d, Mean and Median to d+1, SD to d+2, rounding
half away from zero. Percentages use the column's population N as denominator (missing values
included, shown in a "Missing" row), to one decimal. The ARD carries every statistic unrounded;
``p`` is a proportion (0-1).

Category order: the spec's order when one is given (its levels shown even when empty, other
levels found in the data after it, alphabetically), else the numeric companion (``RACE`` ->
``RACEN``), else numeric order for a numeric variable, else alphabetical.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.ard import ArdRows, TableResult, format_stat
from analysis.errors import UserError
from analysis.stats.descriptive import describe as continuous_stats
from analysis.stats.groups import analysis_groups, fmt_n_pct, fmt_num

CONTINUOUS, CATEGORICAL, FLAG = "continuous", "categorical", "flag"
_FLAG_VALUES = {"Y", "N", ""}


def as_text(values: pd.Series) -> pd.Series:
    """Values as stripped text, missing (NaN/None/blank) as ``""``; 1.0 becomes ``"1"``.

    >>> as_text(pd.Series([" F", None, 1.0, float("nan"), 2.5])).tolist()
    ['F', '', '1', '', '2.5']
    """
    return values.map(lambda v: format_stat(v).strip() if v is not None else "")


def variable_kind(values: pd.Series, name: str, categorical: bool = False) -> str:
    """``continuous``, ``categorical`` or ``flag`` for one ADSL variable.

    >>> variable_kind(pd.Series([50.0, 61.0]), "AGE")
    'continuous'
    >>> variable_kind(pd.Series([1.0, 0.0]), "ECOGBL", categorical=True)
    'categorical'
    >>> variable_kind(pd.Series(["Y", "", "N"]), "ASCHXFL"), variable_kind(pd.Series(["M"]), "SEX")
    ('flag', 'categorical')
    """
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric and name.upper().endswith("FL") and set(as_text(values)) <= _FLAG_VALUES:
        return FLAG
    if categorical or not numeric:
        return CATEGORICAL
    return CONTINUOUS


def data_decimals(values, max_decimals: int = 3) -> int:
    """Decimals the data carry: the fewest that represent every value, capped at `max_decimals`.

    >>> data_decimals([50.0, 61.0]), data_decimals([53.2, 60.85]), data_decimals([1 / 3])
    (0, 2, 3)
    """
    needed = 0
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        v = float(v)
        k = next((k for k in range(max_decimals + 1)
                  if abs(v - round(v, k)) <= 1e-9 * max(1.0, abs(v))), max_decimals)
        needed = max(needed, k)
    return needed


def category_levels(subjects: pd.DataFrame, name: str, order: list | None = None) -> list[str]:
    """Display order of the non-missing levels of `name` among `subjects` (see module doc).

    >>> df = pd.DataFrame({"RACE": ["WHITE", "ASIAN", "WHITE"], "RACEN": [1, 2, 1],
    ...                    "ECOGBL": [2.0, 0.0, 10.0]})
    >>> category_levels(df, "RACE"), category_levels(df, "ECOGBL")
    (['WHITE', 'ASIAN'], ['0', '2', '10'])
    >>> category_levels(df, "RACE", order=["BLACK", "WHITE"])
    ['BLACK', 'WHITE', 'ASIAN']
    """
    text = as_text(subjects[name])
    found = sorted(set(text) - {""})
    if order is not None:
        wanted = [format_stat(v) for v in order]
        return wanted + [lv for lv in found if lv not in wanted]
    companion = name + "N"
    if companion in subjects.columns and pd.api.types.is_numeric_dtype(subjects[companion]):
        rank = subjects.groupby(text)[companion].min()
        return sorted(found, key=lambda lv: (_nan_last(rank.get(lv)), lv))
    if pd.api.types.is_numeric_dtype(subjects[name]):
        return sorted(found, key=float)
    return found


def _nan_last(value) -> float:
    return math.inf if value is None or pd.isna(value) else float(value)


def demographics_table(adsl: pd.DataFrame, variables: list[str], *, treatment: str = "TRT01A",
                       population: str | None = "SAFFL", categorical: list[str] = (),
                       labels: dict[str, str] | None = None, levels: list[str] | None = None,
                       level_order: dict[str, list] | None = None,
                       decimals: dict[str, int] | None = None, max_decimals: int = 3,
                       total: bool = True, analysis_id: str = "demographics",
                       title: str = "Demographics and Baseline Characteristics") -> TableResult:
    """Summary of `variables` by `treatment` in `population` (flag == "Y"), with a Total column.

    `labels` maps variable names to display labels (the XPT labels when read from a file);
    `levels` fixes the treatment groups and their order (empty groups allowed); `level_order`
    and `decimals` are per-variable display options.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01A": ["A", "A", "B"],
    ...                      "SAFFL": ["Y", "Y", "Y"], "AGE": [50.0, 61.0, 40.0],
    ...                      "SEX": ["F", "M", "F"]})
    >>> t = demographics_table(adsl, ["AGE", "SEX"], labels={"AGE": "Age (y)"}).table
    >>> for row in t.iloc[:, 1:].values.tolist():
    ...     print(" | ".join(row))
    n | 2 | 1 | 3
    Mean (SD) | 55.5 (7.78) | 40.0 (-) | 50.3 (10.50)
    Median | 55.5 | 40.0 | 50.0
    Min, Max | 50, 61 | 40, 40 | 40, 61
    F | 1 (50.0) | 1 (100.0) | 2 (66.7)
    M | 1 (50.0) | 0 | 1 (33.3)
    >>> t["Characteristic"].tolist()
    ['Age (y)', '', '', '', 'SEX', '']
    """
    variables = _check_variables(adsl, variables, categorical, level_order, decimals)
    labels = labels or {}
    level_order = level_order or {}
    decimals = decimals or {}
    groups = analysis_groups(adsl, treatment, population=population, levels=levels, total=total)
    subjects = groups.subjects
    ard = ArdRows(analysis_id)
    for col in groups.columns():
        ard.add("N", groups.n[col], group1=groups.treatment, group1_level=col)
    rows: list[list[str]] = []
    kinds = {}
    for name in variables:
        kind = variable_kind(adsl[name], name, categorical=name in categorical)
        kinds[name] = kind
        label = labels.get(name) or name
        if kind == CONTINUOUS:
            block = _continuous_block(groups, name, label, decimals.get(name), max_decimals, ard)
        elif kind == FLAG:
            block = _flag_block(groups, name, label, ard)
        else:
            order = level_order.get(name)
            block = _categorical_block(groups, name, label, category_levels(subjects, name, order), ard)
        rows.extend(block)
    headers = ["Characteristic", "Statistic"] + [groups.header(c) for c in groups.columns()]
    table = pd.DataFrame(rows, columns=headers, dtype=object)
    fixed = {n: d for n, d in decimals.items() if kinds.get(n) == CONTINUOUS}
    footnotes = _footnotes(adsl, groups, population, kinds, fixed)
    pop_text = _population_text(population, labels)
    return TableResult(analysis_id, title, table, ard.frame(), footnotes, pop_text)


def _check_variables(adsl, variables, categorical, level_order, decimals) -> list[str]:
    variables = [v.strip() for v in variables if v and v.strip()]
    if not variables:
        raise UserError("demographics: no variables requested")
    seen = set()
    for v in variables:
        if v in seen:
            raise UserError(f"demographics: variable {v} listed twice")
        seen.add(v)
        if v not in adsl.columns:
            raise UserError(f"ADSL: variable {v} not found")
    for option, names in (("categorical", categorical), ("level order", level_order or {}),
                          ("decimals", decimals or {})):
        extra = [n for n in names if n not in seen]
        if extra:
            raise UserError(f"demographics: {option} option names {', '.join(extra)}, "
                            "which is not among the requested variables")
    for name, d in (decimals or {}).items():
        if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6:
            raise UserError(f"demographics: decimals for {name} must be an integer 0-6, not {d!r}")
    return variables


def _continuous_block(groups, name, label, fixed_decimals, max_decimals, ard) -> list[list[str]]:
    subjects = groups.subjects
    d = fixed_decimals if fixed_decimals is not None else data_decimals(subjects[name], max_decimals)
    stats = {col: continuous_stats(subjects.loc[groups.members(col), name]) for col in groups.columns()}
    for col, s in stats.items():
        for key in ("n", "mean", "sd", "median", "min", "max", "n_missing"):
            ard.add(key, s[key], group1=groups.treatment, group1_level=col, variable=name,
                    stat_label="Missing" if key == "n_missing" else None)
    cols = groups.columns()
    rows = [["n"] + [str(stats[c]["n"]) for c in cols],
            ["Mean (SD)"] + [_mean_sd(stats[c], d) for c in cols],
            ["Median"] + [fmt_num(stats[c]["median"], d + 1) for c in cols],
            ["Min, Max"] + [_min_max(stats[c], d) for c in cols]]
    if any(stats[c]["n_missing"] for c in cols):
        rows.append(["Missing"] + [str(stats[c]["n_missing"]) for c in cols])
    return [[label if i == 0 else ""] + r for i, r in enumerate(rows)]


def _mean_sd(s: dict, d: int) -> str:
    if s["n"] == 0:
        return ""
    sd = "-" if math.isnan(s["sd"]) else fmt_num(s["sd"], d + 2)
    return f"{fmt_num(s['mean'], d + 1)} ({sd})"


def _min_max(s: dict, d: int) -> str:
    return "" if s["n"] == 0 else f"{fmt_num(s['min'], d)}, {fmt_num(s['max'], d)}"


def _categorical_block(groups, name, label, levels, ard) -> list[list[str]]:
    text = as_text(groups.subjects[name])
    cols = groups.columns()
    rows = []
    for level in levels:
        rows.append([level] + [_count(groups, col, text == level, ard, name, level) for col in cols])
    missing = text == ""
    if missing.any():
        rows.append(["Missing"] + [_count(groups, col, missing, ard, name, "", missing_row=True)
                                   for col in cols])
    for col in cols:
        ard.add("N", groups.n[col], group1=groups.treatment, group1_level=col, variable=name)
    return [[label if i == 0 else ""] + r for i, r in enumerate(rows)]


def _flag_block(groups, name, label, ard) -> list[list[str]]:
    is_y = as_text(groups.subjects[name]) == "Y"
    row = [label, "Y"] + [_count(groups, col, is_y, ard, name, "Y") for col in groups.columns()]
    for col in groups.columns():
        ard.add("N", groups.n[col], group1=groups.treatment, group1_level=col, variable=name)
    return [row]


def _count(groups, col, mask, ard, name, level, missing_row=False) -> str:
    n = int((mask & groups.members(col)).sum())
    big_n = groups.n[col]
    prefix = "n_missing" if missing_row else "n"
    ard.add(prefix, n, group1=groups.treatment, group1_level=col, variable=name,
            variable_level=level, stat_label="Missing" if missing_row else None)
    ard.add("p_missing" if missing_row else "p", n / big_n if big_n else math.nan,
            group1=groups.treatment, group1_level=col, variable=name, variable_level=level,
            stat_label="% missing" if missing_row else None)
    return fmt_n_pct(n, big_n)


def _population_text(population: str | None, labels: dict[str, str]) -> str:
    if not population:
        return "All subjects in ADSL"
    label = labels.get(population)
    return f"{label} ({population} = Y)" if label else f"{population} = Y"


def _footnotes(adsl, groups, population, kinds, fixed_decimals) -> list[str]:
    notes = []
    excluded = len(adsl) - len(groups.subjects)
    if population and excluded:
        notes.append(f"{excluded} subject(s) in ADSL not in the population ({population} not Y) "
                     "are excluded.")
    if CONTINUOUS in kinds.values():
        notes.append("Min and Max are shown to the precision of the data, Mean and Median to one "
                     "more decimal, SD to two more; SD is '-' when n = 1.")
    if fixed_decimals:
        fixed = ", ".join(f"{d} decimal(s) for {n}" for n, d in fixed_decimals.items())
        notes.append(f"Precision taken as {fixed} (derived values).")
    if CATEGORICAL in kinds.values() or FLAG in kinds.values():
        notes.append("n (%): percentages use the number of subjects in the column (N) as "
                     "denominator, missing values included.")
    flags = [n for n, k in kinds.items() if k == FLAG]
    if flags:
        notes.append("Flag variables (" + ", ".join(flags) + ") show the subjects with the flag = Y.")
    return notes
