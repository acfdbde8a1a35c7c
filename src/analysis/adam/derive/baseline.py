"""Baseline and change from baseline for BDS datasets.

Baseline (domain reference 7.6; SAP to confirm) is the last non-missing value taken before
the first infusion: a record with a time counts when its date-time is on or before the start
of the first infusion; a record without a time counts when its date is before the first
infusion day, or on that day at a pre-dose time point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.keys import joint_keys, nonblank


def derive_var_predose(df: pd.DataFrame, *, trtsdtm: str = "TRTSDTM", adtm: str = "ADTM", tmf: str = "ATMF",
                       adt: str = "ADT", trtsdt: str = "TRTSDT", atpt: str | None = "ATPT",
                       pre_dose_timepoints: Sequence[str] = (), new_var: str = "_PREDOSE") -> pd.DataFrame:
    """Add a boolean column: was the record taken before the first infusion started?

    Uses the date-time when the record has a collected time (`tmf` not "H"), else the date
    (before the first infusion day, or on it at one of `pre_dose_timepoints`). Subjects never
    dosed (no TRTSDT) have no pre-dose records: they have no baseline.

    >>> df = pd.DataFrame({"ADT": pd.to_datetime(["2024-05-10", "2024-05-11", "2024-05-11"]),
    ...     "ADTM": pd.to_datetime(["2024-05-10 08:00", "2024-05-11 09:00", "2024-05-11 13:00"]),
    ...     "ATMF": ["", "", ""], "TRTSDT": pd.to_datetime(["2024-05-11"] * 3),
    ...     "TRTSDTM": pd.to_datetime(["2024-05-11 10:00"] * 3)})
    >>> derive_var_predose(df, atpt=None)["_PREDOSE"].tolist()
    [True, True, False]
    """
    cols = [trtsdtm, adtm, tmf, adt, trtsdt] + ([atpt] if atpt else [])
    require_columns(df, cols, "derive_var_predose")
    has_time = df[adtm].notna() & (df[tmf] != "H") & df[trtsdtm].notna()
    by_time = df[adtm] <= df[trtsdtm]
    on_day_predose = (df[adt] == df[trtsdt])
    if atpt:
        on_day_predose &= df[atpt].isin(list(pre_dose_timepoints))
    else:
        on_day_predose &= False
    by_date = (df[adt] < df[trtsdt]) | on_day_predose
    out = fresh(df)
    out[new_var] = np.where(has_time, by_time, by_date) & df[trtsdt].notna() & df[adt].notna()
    return out


def derive_var_ablfl(df: pd.DataFrame, by_vars: Sequence[str], order: Sequence[str], *,
                     eligible: str = "_PREDOSE", value: str = "AVAL", value_c: str | None = "AVALC",
                     new_var: str = "ABLFL") -> pd.DataFrame:
    """Flag "Y" on the last record (by `order`) within each `by_vars` group among records that
    are `eligible` (a boolean column) and have a non-missing value (`value`, or `value_c`).

    >>> df = pd.DataFrame({"USUBJID": ["1"] * 3, "PARAMCD": ["ALT"] * 3, "ADY": [-7, -1, 8],
    ...                    "AVAL": [30.0, np.nan, 45.0], "AVALC": ["30", "", "45"],
    ...                    "_PREDOSE": [True, True, False]})
    >>> derive_var_ablfl(df, ["USUBJID", "PARAMCD"], ["ADY"])["ABLFL"].tolist()
    ['Y', '', '']
    """
    require_columns(df, [*by_vars, *order, eligible, value] + ([value_c] if value_c else []), "derive_var_ablfl")
    has_value = df[value].notna()
    if value_c:
        has_value |= nonblank(df[value_c], strip=True)
    # sort only the key and order columns, not the whole (wide) dataset, with the groups as one
    # integer: only the order within a group matters (groups with a missing key get -1 and,
    # as in a groupby, no flag)
    candidates = df.loc[df[eligible].astype(bool) & has_value, [*by_vars, *order]]
    candidates = pd.DataFrame({"_GROUP": candidates.groupby(list(by_vars), sort=False).ngroup(),
                               **{c: candidates[c] for c in order}})
    last = candidates.sort_values(["_GROUP", *order], kind="stable").drop_duplicates("_GROUP", keep="last")
    last = last[last["_GROUP"] >= 0]
    out = fresh(df)
    out[new_var] = np.where(out.index.isin(last.index), "Y", "")
    return out


def derive_var_base(df: pd.DataFrame, by_vars: Sequence[str], *, source_var: str = "AVAL",
                    new_var: str = "BASE", filter_flag: str = "ABLFL") -> pd.DataFrame:
    """Copy `source_var` of the baseline record (`filter_flag` == "Y") to `new_var` on every
    record of its `by_vars` group (admiral `derive_var_base`); missing when there is none.

    >>> df = pd.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["ALT"] * 2, "AVAL": [30.0, 45.0],
    ...                    "ABLFL": ["Y", ""]})
    >>> derive_var_base(df, ["USUBJID", "PARAMCD"])["BASE"].tolist()
    [30.0, 30.0]
    """
    require_columns(df, [*by_vars, source_var, filter_flag], "derive_var_base")
    base = df.loc[df[filter_flag] == "Y", [*by_vars, source_var]]
    if base.duplicated(list(by_vars)).any():
        raise ValueError(f"derive_var_base: more than one {filter_flag} record in a {'/'.join(by_vars)} group")
    # look the value up on the key columns only: merging the whole (wide, long) dataset would
    # copy every column of a million-row ADLB for one new variable
    # (as integer keys: a merge on the text key columns was most of this verb's time)
    rec_key, base_key = joint_keys(df[list(by_vars)], base[list(by_vars)])
    row_of_key = np.full(len(rec_key) + len(base_key), -1)
    row_of_key[base_key] = np.arange(len(base_key))
    row = row_of_key[rec_key]
    values = base[source_var].reset_index(drop=True).reindex(row).reset_index(drop=True)
    out = fresh(df)
    if pd.api.types.is_object_dtype(df[source_var]) or pd.api.types.is_string_dtype(df[source_var]):
        values = values.fillna("")
    out[new_var] = values.to_numpy()
    return out


def derive_var_chg(df: pd.DataFrame) -> pd.DataFrame:
    """CHG = AVAL - BASE (missing when either is).

    >>> derive_var_chg(pd.DataFrame({"AVAL": [45.0, 20.0], "BASE": [30.0, np.nan]}))["CHG"].tolist()
    [15.0, nan]
    """
    require_columns(df, ["AVAL", "BASE"], "derive_var_chg")
    out = fresh(df)
    out["CHG"] = df["AVAL"] - df["BASE"]
    return out


def derive_var_pchg(df: pd.DataFrame) -> pd.DataFrame:
    """PCHG = 100 * (AVAL - BASE) / BASE; missing when BASE is 0 or missing.

    >>> derive_var_pchg(pd.DataFrame({"AVAL": [45.0, 5.0], "BASE": [30.0, 0.0]}))["PCHG"].tolist()
    [50.0, nan]
    """
    require_columns(df, ["AVAL", "BASE"], "derive_var_pchg")
    out = fresh(df)
    base = df["BASE"].where(df["BASE"] != 0)
    out["PCHG"] = 100 * (df["AVAL"] - base) / base
    return out


def derive_var_r2base(df: pd.DataFrame) -> pd.DataFrame:
    """R2BASE = AVAL / BASE (the fold change used for cytokines); missing when BASE is 0.

    >>> derive_var_r2base(pd.DataFrame({"AVAL": [45.0], "BASE": [30.0]}))["R2BASE"].tolist()
    [1.5]
    """
    require_columns(df, ["AVAL", "BASE"], "derive_var_r2base")
    out = fresh(df)
    out["R2BASE"] = df["AVAL"] / df["BASE"].where(df["BASE"] != 0)
    return out
