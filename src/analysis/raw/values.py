"""Vectorised reading of raw text values, done once per distinct value.

A 3-million-row lab file has a few thousand distinct dates, units and codes; checking each
distinct value once and mapping the verdict back to the rows (`Distinct`) keeps validation
fast without a Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

INTEGER = r"[+-]?[0-9]{1,15}"  # beyond 15 digits a float (and Int64 via it) loses exactness
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
QUALIFIED_NUMBER = r"[<>]" + NUMBER
FULL_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
PARTIAL_DATE = r"[0-9]{4}-(?:0[1-9]|1[0-2])-UK|[0-9]{4}-UK-UK"
TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
UNKNOWN = "UK"


@dataclass(frozen=True)
class Distinct:
    """A column as codes into its distinct values: `expand` maps a per-value array to rows.

    >>> d = Distinct.of(pd.Series(["a", "b", "a"]))
    >>> d.expand(d.values == "a").tolist()
    [True, False, True]
    """

    codes: np.ndarray
    values: np.ndarray  # object array of str

    @classmethod
    def of(cls, s: pd.Series) -> "Distinct":
        codes, uniques = pd.factorize(s.to_numpy(dtype=object))
        return cls(codes, np.asarray(uniques, dtype=object))

    def expand(self, per_value: np.ndarray) -> np.ndarray:
        return np.asarray(per_value)[self.codes]

    def series(self) -> pd.Series:
        return pd.Series(self.values, dtype=object)


def matches(values: np.ndarray, pattern: str) -> np.ndarray:
    """Whole-value regex match (False for an empty array too)."""
    return pd.Series(values, dtype=object).str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def isin(values: np.ndarray, allowed) -> np.ndarray:
    """Hash-based membership (np.isin on object arrays compares every pair)."""
    return pd.Series(values, dtype=object).isin(list(allowed)).to_numpy(dtype=bool)


def to_float(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Float of each value where `ok` (already known to be a number), NaN elsewhere."""
    out = np.full(len(values), np.nan)
    if ok.any():
        out[ok] = pd.to_numeric(pd.Series(values[ok], dtype=object)).to_numpy(dtype=float)
    return out


def number_ok(values: np.ndarray) -> np.ndarray:
    ok = matches(values, NUMBER)
    return ok & np.isfinite(to_float(values, ok))


def full_date(values: np.ndarray) -> np.ndarray:
    """datetime64 of each complete, real YYYY-MM-DD date; NaT for anything else."""
    shaped = np.where(matches(values, FULL_DATE), values, None)
    return pd.to_datetime(pd.Series(shaped, dtype=object), format="%Y-%m-%d",
                          errors="coerce").to_numpy()


def partial_date_bounds(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(earliest, latest) possible date of each YYYY-MM-UK / YYYY-UK-UK value; NaT otherwise."""
    s = pd.Series(np.where(matches(values, PARTIAL_DATE), values, None), dtype=object)
    year, month = s.str[:4], s.str[5:7]
    month_known = month.ne(UNKNOWN) & s.notna()
    first_month = month.where(month_known, "01")
    earliest = pd.to_datetime(year + "-" + first_month + "-01", format="%Y-%m-%d", errors="coerce")
    last_month = month.where(month_known, "12")
    month_start = pd.to_datetime(year + "-" + last_month + "-01", format="%Y-%m-%d", errors="coerce")
    latest = month_start + pd.offsets.MonthEnd(0)
    return earliest.to_numpy(), latest.to_numpy()


def date_bounds(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(earliest, latest) possible date of complete or partial dates; NaT if not a date."""
    full = full_date(values)
    earliest, latest = partial_date_bounds(values)
    have_full = ~np.isnat(full)
    return np.where(have_full, full, earliest), np.where(have_full, full, latest)


def result_number(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(qualifier "", "<" or ">", float) of lab results written as x, <x or >x; NaN otherwise."""
    plain = matches(values, NUMBER)
    qualified = matches(values, QUALIFIED_NUMBER)
    qualifier = np.where(qualified, pd.Series(values, dtype=object).str[:1].to_numpy(), "")
    body = np.where(qualified, pd.Series(values, dtype=object).str[1:].to_numpy(), values)
    number = to_float(body.astype(object), plain | qualified)
    number[~np.isfinite(number)] = np.nan
    return qualifier, number
