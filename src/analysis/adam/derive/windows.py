"""Analysis visit windows and the one-record-per-window flag.

Rule (documented in docs/adam.md; windows come from specs/study.yaml, domain reference 7.7):
* every scheduled visit of an assessment's schedule is a window [AWLO, AWHI] in study days
  around a target day AWTARGET; visits tied to an infusion are centred on the subject's actual
  infusion day (target = infusion day + offset), so a late second infusion moves its Day 30 /
  Day 31 / Day 35 windows with it;
* a record goes to the window, among those containing its study day, whose target is nearest
  (on a tie, the later visit); a record in no window keeps AVISIT empty: it is kept for
  worst-value and shift analyses but is not in by-visit summaries;
* the baseline record (ABLFL = "Y") gets AVISIT "BASELINE" (AVISITN 0);
* ANL01FL = "Y" marks one record per subject, parameter, window (and time point): the one
  nearest the target day; on a tie the later one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.keys import joint_keys, nonblank

BASELINE_AVISIT, BASELINE_AVISITN = "BASELINE", 0.0
WINDOW_COLUMNS = ("AVISIT", "AVISITN", "AWTARGET", "AWLO", "AWHI")


def derive_vars_avisit(df: pd.DataFrame, windows: pd.DataFrame, by_vars: Sequence[str], *,
                       day: str = "ADY") -> pd.DataFrame:
    """Add AVISIT, AVISITN, AWTARGET, AWLO, AWHI and AWTDIFF (days from the target) by
    putting each record in the window with the nearest target that contains its study day.

    `windows` has `by_vars` plus AVISIT, AVISITN, AWTARGET, AWLO, AWHI (one row per window,
    e.g. per subject and schedule). Only the windows whose targets are nearest below and above
    the record's day are considered, so windows must not reach past a neighbouring target.

    >>> w = pd.DataFrame({"S": ["lab"] * 2, "AVISIT": ["DAY 28", "WEEK 12"], "AVISITN": [7.0, 17.0],
    ...                   "AWTARGET": [28.0, 85.0], "AWLO": [25.0, 78.0], "AWHI": [28.0, 92.0]})
    >>> df = pd.DataFrame({"S": ["lab"] * 3, "ADY": [27.0, 60.0, 90.0]})
    >>> derive_vars_avisit(df, w, ["S"])[["AVISIT", "AWTDIFF"]].values.tolist()
    [['DAY 28', 1.0], ['', nan], ['WEEK 12', 5.0]]
    """
    require_columns(df, [*by_vars, day], "derive_vars_avisit")
    require_columns(windows, [*by_vars, *WINDOW_COLUMNS], "derive_vars_avisit (windows)")
    by_vars = list(by_vars)
    rec_key, w_key = joint_keys(df[by_vars], windows[by_vars])
    # narrow frames keyed by one integer: merge_asof on text `by` columns, and copies of them,
    # were most of this verb's time on a million records
    rec = pd.DataFrame({"_KEY": rec_key, day: df[day].to_numpy(), "_ROW": np.arange(len(df))})
    rec = rec[rec[day].notna()].sort_values(day, kind="stable")
    rec[day] = rec[day].astype(float)
    w = pd.DataFrame({"_KEY": w_key, **{c: windows[c].to_numpy() for c in WINDOW_COLUMNS}})
    w["AWTARGET"] = w["AWTARGET"].astype(float)
    w = w.sort_values("AWTARGET", kind="stable")
    picks = []
    for direction in ("backward", "forward"):
        m = pd.merge_asof(rec, w, left_on=day, right_on="AWTARGET", by="_KEY", direction=direction)
        inside = m["AWLO"].notna() & (m[day] >= m["AWLO"]) & (m[day] <= m["AWHI"])
        m = m[inside]
        m = m.assign(AWTDIFF=(m[day] - m["AWTARGET"]).abs())
        picks.append(m)
    both = pd.concat(picks, ignore_index=True)
    # nearest target wins; on a tie the later visit (larger target); np.lexsort is stable, as
    # the multi-key sort_values it replaces (last key sorts first)
    order = np.lexsort((-both["AWTARGET"].to_numpy(), both["AWTDIFF"].to_numpy(), both["_ROW"].to_numpy()))
    row = both["_ROW"].to_numpy()[order]
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[1:] != row[:-1]  # sorted by _ROW: the first of each row's candidates wins
    chosen = both.iloc[order[first]]
    pos = row[first]
    out = fresh(df)
    for col in (*WINDOW_COLUMNS, "AWTDIFF"):
        if col == "AVISIT":
            values = np.full(len(df), "", dtype=object)
            values[pos] = chosen[col].fillna("").to_numpy()
        else:
            values = np.full(len(df), np.nan)
            values[pos] = chosen[col].to_numpy(dtype=float)
        out[col] = values
    return out


def derive_var_baseline_avisit(df: pd.DataFrame, *, flag: str = "ABLFL") -> pd.DataFrame:
    """Put the baseline record in its own analysis visit, AVISIT "BASELINE" (AVISITN 0), with
    no window.

    >>> df = pd.DataFrame({"ABLFL": ["Y", ""], "AVISIT": ["DAY -1", "DAY 7"], "AVISITN": [2.0, 6.0],
    ...                    "AWTARGET": [-1.0, 7.0], "AWLO": [-1.0, 6.0], "AWHI": [-1.0, 8.0], "AWTDIFF": [0.0, 1.0]})
    >>> derive_var_baseline_avisit(df)[["AVISIT", "AVISITN"]].values.tolist()
    [['BASELINE', 0.0], ['DAY 7', 6.0]]
    """
    require_columns(df, [flag, *WINDOW_COLUMNS, "AWTDIFF"], "derive_var_baseline_avisit")
    out = fresh(df)
    is_base = out[flag] == "Y"
    out.loc[is_base, "AVISIT"] = BASELINE_AVISIT
    out.loc[is_base, "AVISITN"] = BASELINE_AVISITN
    for col in ("AWTARGET", "AWLO", "AWHI", "AWTDIFF"):
        out.loc[is_base, col] = np.nan
    return out


def derive_var_anl01fl(df: pd.DataFrame, by_vars: Sequence[str], *, order: Sequence[str] = ("ADY",),
                       value: str = "AVAL", value_c: str | None = "AVALC", new_var: str = "ANL01FL") -> pd.DataFrame:
    """Flag "Y" on one record per `by_vars` group (e.g. USUBJID, PARAMCD, AVISIT[, ATPT])
    among records with an AVISIT and a value: the smallest AWTDIFF, on a tie the last by `order`.

    >>> df = pd.DataFrame({"USUBJID": ["1"] * 3, "PARAMCD": ["ALT"] * 3, "AVISIT": ["DAY 7"] * 2 + [""],
    ...                    "AWTDIFF": [1.0, 1.0, np.nan], "ADY": [6.0, 8.0, 50.0], "AVAL": [1.0, 2.0, 3.0]})
    >>> derive_var_anl01fl(df, ["USUBJID", "PARAMCD", "AVISIT"], value_c=None)["ANL01FL"].tolist()
    ['', 'Y', '']
    """
    require_columns(df, [*by_vars, "AVISIT", "AWTDIFF", *order, value] + ([value_c] if value_c else []),
                    "derive_var_anl01fl")
    has_value = df[value].notna()
    if value_c:
        has_value |= nonblank(df[value_c])
    # sort only the columns the choice needs, not the whole (wide) dataset, and the groups as
    # one integer (which group sorts first does not matter, only the order within each)
    cand = df.loc[(df["AVISIT"] != "") & has_value, [*by_vars, "AWTDIFF", *order]]
    cand = pd.DataFrame({"_GROUP": cand.groupby(list(by_vars), sort=False, dropna=False).ngroup(),
                         "_DIFF": cand["AWTDIFF"].fillna(0.0),  # the baseline record has no window: distance 0
                         **{c: cand[c] for c in order}})
    cand = cand.sort_values(["_GROUP", "_DIFF", *order], ascending=[True, True] + [False] * len(order), kind="stable")
    keep = cand.drop_duplicates("_GROUP").index
    out = fresh(df)
    out[new_var] = np.where(out.index.isin(keep), "Y", "")
    return out
