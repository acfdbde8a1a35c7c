"""Occurrence-data verbs (ADAE): treatment emergence, DLT, infusion number, first-occurrence
flags. Windows are study days from specs/study.yaml (dlt_window, teae_window)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns


def derive_var_trtemfl(df: pd.DataFrame, *, start_date: str = "ASTDT", trt_start: str = "TRTSDT",
                       window_end_day: int, new_var: str = "TRTEMFL") -> pd.DataFrame:
    """TRTEMFL = "Y" when the event starts on or after the first infusion day and no later
    than study day `window_end_day`; "" otherwise (pre-treatment, after the window, never
    dosed, or start unknown even after imputation).

    The raw AE form records one grade per event, so worsening of a pre-existing event arrives
    as a new AE record with its own onset date and is caught by the onset rule.

    >>> df = pd.DataFrame({"ASTDT": pd.to_datetime(["2024-05-10", "2024-05-11", "2025-08-01"]),
    ...                    "TRTSDT": pd.to_datetime(["2024-05-11"] * 3)})
    >>> derive_var_trtemfl(df, window_end_day=421)["TRTEMFL"].tolist()
    ['', 'Y', '']
    """
    require_columns(df, [start_date, trt_start], "derive_var_trtemfl")
    days = (df[start_date] - df[trt_start]).dt.days + 1  # study day of onset (>= 1 after dosing)
    emergent = df[start_date].notna() & df[trt_start].notna() & (days >= 1) & (days <= window_end_day)
    out = fresh(df)
    out[new_var] = np.where(emergent, "Y", "")
    return out


def derive_var_dltfl(df: pd.DataFrame, *, investigator_flag: str = "AEDLT", study_day: str = "ASTDY",
                     window: tuple[int, int], new_var: str = "DLTFL") -> pd.DataFrame:
    """DLTFL = "Y" for a treatment-emergent event the investigator called dose-limiting that
    started within the DLT window (study days, inclusive); "N" for other treatment-emergent
    events; "" for the rest.

    >>> df = pd.DataFrame({"TRTEMFL": ["Y", "Y", "Y", ""], "AEDLT": ["Y", "Y", "N", "Y"],
    ...                    "ASTDY": [10.0, 40.0, 5.0, -3.0]})
    >>> derive_var_dltfl(df, window=(1, 28))["DLTFL"].tolist()
    ['Y', 'N', 'N', '']
    """
    require_columns(df, ["TRTEMFL", investigator_flag, study_day], "derive_var_dltfl")
    lo, hi = window
    in_window = df[study_day].between(lo, hi)
    dlt = (df["TRTEMFL"] == "Y") & (df[investigator_flag] == "Y") & in_window
    out = fresh(df)
    out[new_var] = np.where(dlt, "Y", np.where(df["TRTEMFL"] == "Y", "N", ""))
    return out


def derive_var_last_dose_number(df: pd.DataFrame, doses: pd.DataFrame, *, by_vars: Sequence[str] = ("USUBJID",),
                                event_date: str = "ASTDT", dose_date: str = "EXSTDT", dose_number: str = "INFNUM",
                                new_var: str = "INFNUM") -> pd.DataFrame:
    """The number of the last infusion given on or before the event date (admiral
    `derive_vars_joined` with a "last dose" filter); missing for events before the first.

    >>> ae = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ASTDT": pd.to_datetime(["2024-05-01", "2024-05-20", "2024-06-30"])})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXSTDT": pd.to_datetime(["2024-05-11", "2024-06-08"]), "INFNUM": [1.0, 2.0]})
    >>> derive_var_last_dose_number(ae, ex)["INFNUM"].tolist()
    [nan, 1.0, 2.0]
    """
    by_vars = list(by_vars)
    require_columns(df, [*by_vars, event_date], "derive_var_last_dose_number")
    require_columns(doses, [*by_vars, dose_date, dose_number], "derive_var_last_dose_number (doses)")
    left = df[by_vars + [event_date]].copy()
    left["_ROW"] = np.arange(len(df))
    known = left[left[event_date].notna()].sort_values(event_date, kind="stable")
    right = doses[by_vars + [dose_date, dose_number]].dropna(subset=[dose_date]).sort_values(dose_date, kind="stable")
    right = right.rename(columns={dose_number: "_DOSENUM"})
    m = pd.merge_asof(known, right, left_on=event_date, right_on=dose_date, by=by_vars, direction="backward")
    values = m.set_index("_ROW")["_DOSENUM"].reindex(np.arange(len(df)))
    out = fresh(df)
    out[new_var] = values.to_numpy(dtype=float)
    return out


def derive_var_extreme_flag(df: pd.DataFrame, by_vars: Sequence[str], order: Sequence[str], *, new_var: str,
                            mode: str = "first", filter_mask: pd.Series | None = None,
                            ascending: Sequence[bool] | None = None) -> pd.DataFrame:
    """Flag "Y" on the first (or last) record of each `by_vars` group by `order`, among the
    records where `filter_mask` holds (admiral `derive_var_extreme_flag`). ADaM OCCDS uses it
    for AOCCFL (by subject), AOCCSFL (subject, SOC), AOCCPFL (subject, SOC, PT) and, ordered by
    descending grade first, the maximum-grade flags.

    >>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AEDECOD": ["Nausea"] * 3, "ASTDT": [3, 1, 2]})
    >>> derive_var_extreme_flag(df, ["USUBJID", "AEDECOD"], ["ASTDT"], new_var="AOCCPFL")["AOCCPFL"].tolist()
    ['', 'Y', 'Y']
    """
    if mode not in ("first", "last"):
        raise ValueError(f"mode must be 'first' or 'last', not {mode!r}")
    require_columns(df, [*by_vars, *order], "derive_var_extreme_flag")
    cand = df if filter_mask is None else df[filter_mask.reindex(df.index).fillna(False).astype(bool)]
    asc = list(ascending) if ascending is not None else [True] * len(order)
    cand = cand.sort_values([*by_vars, *order], ascending=[True] * len(by_vars) + asc, kind="stable",
                            na_position="last")
    groups = cand.groupby(list(by_vars), sort=False, dropna=False)
    picked = (groups.head(1) if mode == "first" else groups.tail(1)).index
    out = fresh(df)
    out[new_var] = np.where(out.index.isin(picked), "Y", "")
    return out
