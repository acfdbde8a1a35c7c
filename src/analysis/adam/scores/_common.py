"""Shared plumbing for the score functions: input coercion, shape-preserving output, rounding.

Every score accepts scalars, array-likes or pandas Series and returns the same shape: a
Python float for all-scalar input, a Series (on the inputs' index) when any input is a
Series, otherwise a numpy array.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Unit conversions SI -> US (transplantr R/unit_conversion.R; domain reference 1.2).
BILIRUBIN_UMOL_PER_MGDL = 17.1
CREATININE_UMOL_PER_MGDL = 88.4
ALBUMIN_GL_PER_GDL = 10.0

# Decimal places kept when snapping away binary noise: far below any lab's reporting
# precision, far above double-precision error (~1e-15 relative).
_SNAP_DECIMALS = 9


def snap(x: Any) -> np.ndarray:
    """Remove floating-point noise so values that are exactly on a cut-off compare as such.

    51.3 umol/L / 17.1 is 2.9999999999999996 in binary, not 3.0, so a value exactly on a
    cut-off could land on the wrong side of a >= or > comparison.

    >>> float(snap(51.3 / 17.1))
    3.0
    """
    return np.round(np.asarray(x, dtype=float), _SNAP_DECIMALS)


def round_half_up(x: Any, decimals: int = 0) -> Any:
    """Round halves upwards (2.5 -> 3), unlike Python/numpy round (banker's: 2.5 -> 2).

    Clinical scores (OPTN MELD, SAS ROUND) round .5 upwards. Binary noise is snapped off
    first, so 2.675 (stored as 2.67499999...) rounds to 2.68 where round(2.675, 2) gives 2.67.
    NaN stays NaN. Shape is preserved as for the score functions.

    >>> round_half_up(2.5), round_half_up(2.675, 2), round_half_up(float("nan"))
    (3.0, 2.68, nan)
    """
    if not isinstance(decimals, (int, np.integer)) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    arr, like = as_float(x, "x"), x
    scale = 10.0**decimals
    out = np.floor(snap(arr * scale) + 0.5) / scale
    return shape_like(out, like)


def as_float(x: Any, name: str) -> np.ndarray:
    """Coerce one input to a float array (None / pd.NA / NaN -> NaN); ValueError if not numeric."""
    try:
        if isinstance(x, pd.Series):
            return x.to_numpy(dtype=float, na_value=np.nan)
        if x is None or x is pd.NA:
            return np.asarray(np.nan)
        if isinstance(x, (list, tuple)):
            x = [np.nan if (v is None or v is pd.NA) else v for v in x]
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (NaN for missing): {exc}") from None


def check_nonnegative(arr: np.ndarray, name: str) -> None:
    """ValueError if any non-missing value is negative (a lab value cannot be)."""
    bad = ~np.isnan(arr) & (arr < 0)
    if bad.any():
        raise ValueError(f"{name} must be >= 0, got {arr[bad].flat[0]!r}")


def check_flag(arr: np.ndarray, name: str) -> None:
    """ValueError if any non-missing value is not 0/1 (booleans arrive as 0.0/1.0)."""
    bad = ~np.isnan(arr) & (arr != 0) & (arr != 1)
    if bad.any():
        raise ValueError(f"{name} must be a boolean or 0/1, got {arr[bad].flat[0]!r}")


def check_in_range(arr: np.ndarray, name: str, low: float, high: float, integer: bool = False) -> None:
    """ValueError naming the first value outside [low, high] (or non-integer when required)."""
    ok = np.isnan(arr) | ((arr >= low) & (arr <= high))
    if integer:
        ok &= np.isnan(arr) | (arr == np.round(arr))
    if not ok.all():
        kind = "an integer " if integer else ""
        raise ValueError(f"{name} must be {kind}in {low:g}..{high:g}, got {arr[~ok].flat[0]!r}")


def common_index(*inputs: Any) -> pd.Index | None:
    """Index of the Series among the inputs (None if there is none).

    Series are combined by position, so differing indexes would silently pair the wrong
    subjects' values; that is refused.
    """
    index = None
    for x in inputs:
        if isinstance(x, pd.Series):
            if index is None:
                index = x.index
            elif not x.index.equals(index):
                raise ValueError("Series inputs must share the same index (align them first)")
    return index


def shape_like(values: np.ndarray, *inputs: Any) -> Any:
    """Return `values` shaped like the inputs: Series if any is a Series, float if all scalar."""
    index = common_index(*inputs)
    if index is not None:
        return pd.Series(np.broadcast_to(values, (len(index),)).copy(), index=index)
    values = np.asarray(values)
    if values.ndim == 0:
        return values.item()
    return values
