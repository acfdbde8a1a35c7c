"""Vectorised text formatting of simulated values, the way an EDC export writes them."""

from __future__ import annotations

import numpy as np
import pandas as pd


def dates(values) -> np.ndarray:
    """datetime64 values -> 'YYYY-MM-DD' strings (NaT -> '')."""
    arr = np.asarray(values, dtype="datetime64[D]")
    out = np.datetime_as_string(arr, unit="D")
    return np.where(np.isnat(arr), "", out)


def partial_dates(values, level: np.ndarray) -> np.ndarray:
    """Blank out the day (level 1: YYYY-MM-UK) or day and month (level 2: YYYY-UK-UK)."""
    full = dates(values)
    month = np.char.add(np.char.ljust(full.astype("U10"), 7).astype("U7"), "-UK")
    year = np.char.add(full.astype("U4"), "-UK-UK")
    return np.where(level == 2, year, np.where(level == 1, month, full))


def numbers(values, decimals: int | np.ndarray) -> np.ndarray:
    """Round and format numbers with a fixed number of decimals (NaN -> '')."""
    x = np.asarray(values, dtype=float)
    dec = np.broadcast_to(np.asarray(decimals), x.shape)
    out = np.full(x.shape, "", dtype=object)
    for d in np.unique(dec):
        sel = (dec == d) & ~np.isnan(x)
        out[sel] = np.char.mod(f"%.{int(d)}f", np.round(x[sel], int(d)))
    return out.astype(str)


def integers(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out = np.char.mod("%d", np.nan_to_num(np.round(x)).astype("int64"))
    return np.where(np.isnan(x), "", out)


def clock(minutes) -> np.ndarray:
    """Minutes after midnight -> 'HH:MM' (NaN -> '')."""
    m = np.asarray(minutes, dtype=float)
    mm = np.nan_to_num(np.round(m)).astype("int64") % (24 * 60)
    out = np.char.add(np.char.add(np.char.zfill((mm // 60).astype(str), 2), ":"),
                      np.char.zfill((mm % 60).astype(str), 2))
    return np.where(np.isnan(m), "", out)


def frame(columns: dict) -> pd.DataFrame:
    """Build an all-text DataFrame (what a CSV export holds).

    Repetitive columns (test names, units, visits) are stored as categoricals: the CSV is the
    same, and a million-record lab transfer fits in a fraction of the memory.
    """
    n = max((len(v) for v in columns.values() if not isinstance(v, str)), default=0)
    out = {}
    for k, v in columns.items():
        if isinstance(v, str):
            out[k] = pd.Categorical(np.full(n, v))
            continue
        values = np.asarray(v).astype(str)
        cat = pd.Categorical(values)
        out[k] = cat if len(cat.categories) * 4 < max(len(values), 1) else values.astype(object)
    return pd.DataFrame(out)
