"""Per-cytokine summary by dose group x cycle x nominal time (`cyt_summary_<paramcd>`): n, n BLQ,
geometric mean (CI), geometric CV%, median, min-max, and the geometric mean fold change vs the
cycle's pre-infusion value (R2CYCBS) with its CI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import TOTAL, Groups, fmt_num

from .geometric import fold_change_summary, level_summary
from .records import CytokineRecords

TIME_GROUP = "ATPTREF:NOMTIME"  # ARD group2: "<ATPTREF>:<nominal time>", e.g. "INFUSION 2:24 h"
NR = "NR"


def auto_digits(values) -> int:
    """Display decimals giving about 3 significant digits at the median of `values` (0-4).

    >>> auto_digits([11.05, 9.0]), auto_digits([0.77]), auto_digits([2387.2]), auto_digits([])
    (1, 3, 0, 2)
    """
    v = pd.Series(values, dtype=float).dropna()
    v = v[v > 0]
    if v.empty:
        return 2
    return int(min(4, max(0, 2 - math.floor(math.log10(float(v.median()))))))


def group_records(data: pd.DataFrame, groups: Groups, level: str) -> pd.DataFrame:
    """The records of one table column (all groups for Total).

    >>> from analysis.stats.groups import analysis_groups
    >>> g = analysis_groups(pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"], "SAFFL": ["Y", "Y"]}), "TRT01A")
    >>> len(group_records(pd.DataFrame({"_GROUP": ["A", "B"]}), g, "A")), len(group_records(pd.DataFrame({"_GROUP": ["A", "B"]}), g, "Total"))
    (1, 2)
    """
    return data if level == TOTAL else data[data["_GROUP"] == level]


def time_point_cells(data: pd.DataFrame) -> dict[tuple, np.ndarray]:
    """Row positions of each (column level, CYCLE, TIME) cell, Total included, in row order:
    the data are grouped once instead of filtered once per cell (which grew with records x cells).

    >>> d = pd.DataFrame({"_GROUP": ["A", "B", "A"], "CYCLE": [1, 1, 1], "TIME": ["2 h"] * 3})
    >>> time_point_cells(d)[("A", 1, "2 h")].tolist(), time_point_cells(d)[(TOTAL, 1, "2 h")].tolist()
    ([0, 2], [0, 1, 2])
    """
    cells = dict(data.groupby(["_GROUP", "CYCLE", "TIME"], sort=False).indices)
    for (cycle, time), pos in data.groupby(["CYCLE", "TIME"], sort=False).indices.items():
        cells[(TOTAL, cycle, time)] = pos
    return cells


def time_point_stats(rows: pd.DataFrame, predose: bool, conf: float) -> dict[str, float]:
    """All statistics of one column x cycle x time: level_summary, plus the fold change after dosing.

    >>> rows = pd.DataFrame({"AVAL": [2.0, 8.0], "BLQFL": ["", ""], "R2CYCBS": [2.0, 0.5]})
    >>> s = time_point_stats(rows, False, 0.95)
    >>> s["gmean"], s["fc_gmean"], s["fc_n"]
    (4.0, 1.0, 2)
    """
    out = level_summary(rows["AVAL"], list(rows["BLQFL"]), conf)
    if not predose:
        out.update(fold_change_summary(rows["R2CYCBS"], conf))
    return out


def _ci(est, lo, hi, digits) -> str:
    if math.isnan(est):
        return ""
    if math.isnan(lo):
        return fmt_num(est, digits)
    return f"{fmt_num(est, digits)} ({fmt_num(lo, digits)}, {fmt_num(hi, digits)})"


def display_rows(s: dict, predose: bool, conf: float, digits: int, fc_digits: int, cv_digits: int,
                 blq_max: float) -> list[tuple[str, str]]:
    """(statistic label, text) rows of one cell block; geometric statistics are NR when more
    than `blq_max` of the values are below the LLOQ.

    >>> s = {"n": 2, "n_blq": 2, "gmean": 1.0, "ci_lower": 0.5, "ci_upper": 2.0, "gcv": 10.0,
    ...      "median": 1.0, "min": 0.5, "max": 2.0}
    >>> display_rows(s, True, 0.95, 1, 2, 1, 0.5)[:2]
    [('n (n BLQ)', '2 (2)'), ('Geometric mean (95% CI)', 'NR')]
    """
    pct = f"{fmt_num(100 * conf, 0)}% CI"
    n = s["n"]
    too_many_blq = n > 0 and s["n_blq"] / n > blq_max
    rows = [("n (n BLQ)", f"{n} ({s['n_blq']})"),
            (f"Geometric mean ({pct})", NR if too_many_blq else _ci(s["gmean"], s["ci_lower"], s["ci_upper"], digits)),
            ("Geometric CV%", NR if too_many_blq else fmt_num(s["gcv"], cv_digits)),
            ("Median", fmt_num(s["median"], digits)),
            ("Min, Max", "" if n == 0 else f"{fmt_num(s['min'], digits)}, {fmt_num(s['max'], digits)}")]
    if not predose:
        rows += [("n (fold change)", str(int(s["fc_n"]))),
                 (f"GM fold change vs cycle pre-dose ({pct})",
                  _ci(s["fc_gmean"], s["fc_ci_lower"], s["fc_ci_upper"], fc_digits))]
    return rows


ARD_STATS = {"n": "n", "n_blq": "n below LLOQ", "gmean": "Geometric mean", "ci_lower": "Geometric mean CI lower",
             "ci_upper": "Geometric mean CI upper", "gcv": "Geometric CV%", "median": "Median", "min": "Min",
             "max": "Max", "fc_n": "n fold change", "fc_gmean": "Geometric mean fold change vs cycle pre-dose",
             "fc_ci_lower": "Fold change CI lower", "fc_ci_upper": "Fold change CI upper"}


def summary_stats(recs: CytokineRecords, groups: Groups, schedule: pd.DataFrame, paramcd: str,
                  predose_time: str, conf: float) -> pd.DataFrame:
    """One row per column level x schedule row with every statistic (unrounded), in display order.

    >>> from analysis.stats.groups import analysis_groups
    >>> g = analysis_groups(pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "Y"]}),
    ...                     "TRT01A", total=False)
    >>> sched = pd.DataFrame({"ATPTREF": ["INFUSION 1"], "CYCLE": [1], "CYCLE_LABEL": ["Cycle 1"], "TIME": ["2 h"]})
    >>> data = pd.DataFrame({"PARAMCD": ["IL6"] * 2, "_GROUP": ["A", "A"], "CYCLE": [1, 1], "TIME": ["2 h"] * 2,
    ...                      "AVAL": [1.0, 4.0], "BLQFL": ["", ""], "R2CYCBS": [1.0, 4.0]})
    >>> summary_stats(CytokineRecords(data, ""), g, sched, "IL6", "Pre-dose", 0.95)[["level", "n", "gmean", "fc_gmean"]].values.tolist()
    [['A', 2, 2.0, 2.0]]
    """
    data = recs.data[recs.data["PARAMCD"] == paramcd]
    cells = time_point_cells(data)
    out = []
    for level in groups.columns():
        for row in schedule.itertuples(index=False):
            cell = data.iloc[cells.get((level, row.CYCLE, row.TIME), [])]
            predose = row.TIME == predose_time
            out.append({"level": level, "ATPTREF": row.ATPTREF, "CYCLE": row.CYCLE, "CYCLE_LABEL": row.CYCLE_LABEL,
                        "TIME": row.TIME, "predose": predose, **time_point_stats(cell, predose, conf)})
    return pd.DataFrame(out)


def cytokine_summary(recs: CytokineRecords, groups: Groups, schedule: pd.DataFrame, paramcd: str, label: str,
                     *, predose_time: str, conf: float = 0.95, digits: int | None = None, fc_digits: int = 2,
                     cv_digits: int = 1, blq_max: float = 0.5, analysis_id: str | None = None) -> TableResult:
    """The `cyt_summary_<paramcd>` table and its ARD."""
    analysis_id = analysis_id or f"cyt_summary_{paramcd.lower()}"
    stats_df = summary_stats(recs, groups, schedule, paramcd, predose_time, conf)
    if digits is None:
        digits = auto_digits(recs.data.loc[recs.data["PARAMCD"] == paramcd, "AVAL"])
    ard = ArdRows(analysis_id)
    cells: dict[tuple, str] = {}
    row_keys: dict[tuple, None] = {}  # display rows in first-seen order
    for r in stats_df.to_dict("records"):
        for name, lab in ARD_STATS.items():
            if name in r:
                ard.add(name, r[name], group1=groups.treatment, group1_level=r["level"], group2=TIME_GROUP,
                        group2_level=f"{r['ATPTREF']}:{r['TIME']}", variable=paramcd, stat_label=lab)
        for stat_label, value in display_rows(r, r["predose"], conf, digits, fc_digits, cv_digits, blq_max):
            key = (r["CYCLE_LABEL"], r["TIME"], stat_label)
            row_keys.setdefault(key)
            cells[key + (r["level"],)] = value
    table = pd.DataFrame([{"Cycle": k[0], "Time": k[1], "Statistic": k[2],
                           **{groups.header(lv): cells.get(k + (lv,), "") for lv in groups.columns()}}
                          for k in row_keys])
    pct = fmt_num(100 * conf, 0)
    footnotes = [
        (f"Values below the LLOQ are imputed as LLOQ/2 (BLQFL = \"Y\") and counted in n BLQ. Geometric mean and "
        f"{pct}% CI: exp(mean(ln x) -/+ t(n-1) x SD(ln x)/sqrt(n)); geometric CV% = 100 x sqrt(exp(SD(ln x)^2) - 1)."),
        (f"Fold change = AVAL / the cycle's pre-infusion value (R2CYCBS); geometric mean fold change and {pct}% CI "
        "on the log scale as above."),
        (f"{NR}: not reported, more than {fmt_num(100 * blq_max, 0)}% of the values below the LLOQ (the ARD keeps "
        "the numbers)."),
        "Nominal time relative to the start of the cycle's infusion (spec schedule).",
    ] + recs.notes([paramcd])
    return TableResult(analysis_id, f"{label}: summary by dose group and nominal time since infusion",
                       table, ard.frame(), footnotes, groups.population)
