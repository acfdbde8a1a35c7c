"""Child-Turcotte-Pugh score: five components of 1-3 points each, total 5-15, class A/B/C.

Cut-offs (Pugh 1973 as tabulated by the MSD Manual; domain reference section 2), applied with
the code-ready boundary rule of the domain reference:

    component            1 point     2 points             3 points
    bilirubin (mg/dL)    < 2.0       2.0 <= x <= 3.0      > 3.0
    albumin (g/L)        > 35        28 <= x <= 35        < 28
    INR                  < 1.7       1.7 <= x <= 2.3      > 2.3
    ascites              none        mild, or none/controlled with diuretics   moderate-severe
    encephalopathy       grade 0     West Haven 1-2       West Haven 3-4

* Bilirubin arrives in umol/L and is converted to mg/dL (/ 17.1) before the mg/dL cut-offs are
  applied, which removes the 34/50/51 umol/L ambiguity of SI tables (34.2 umol/L = 2.0 mg/dL,
  51.3 umol/L = 3.0 mg/dL exactly).
* Albumin uses the MSD/Pugh cut-offs 28/35 g/L (Harrison's uses 30 g/L); compared in g/L,
  the unit collected, which equals 2.8/3.5 g/dL.
* Ascites as collected in SDTM RS: RSTESTCD CPSASCIT (NONE / MILD / MODERATE-SEVERE) and
  CPSDIUR (Y/N, on diuretics). "Controlled with diuretics" scores 2, so NONE with diuretics Y
  scores 2.
* Encephalopathy is the West Haven grade (RSTESTCD CPSHEGR, 0-4).

Class: A = 5-6, B = 7-9, C = 10-15. Any missing component -> missing score and class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.adam.scores._common import (
    BILIRUBIN_UMOL_PER_MGDL,
    as_float,
    check_in_range,
    check_nonnegative,
    shape_like,
    snap,
)

ASCITES_POINTS = {"NONE": 1.0, "MILD": 2.0, "MODERATE-SEVERE": 3.0}
DIURETIC_CODES = {"Y": 1.0, "N": 0.0}


def _three_bands(x: np.ndarray, low: float, high: float, higher_is_worse: bool) -> np.ndarray:
    """1/2/3 points with the middle band closed at both ends (low <= x <= high -> 2)."""
    if higher_is_worse:
        points = np.where(x < low, 1.0, np.where(x <= high, 2.0, 3.0))
    else:
        points = np.where(x > high, 1.0, np.where(x >= low, 2.0, 3.0))
    return np.where(np.isnan(x), np.nan, points)


def child_pugh_points_bilirubin(bilirubin: Any) -> Any:
    """Bilirubin points from umol/L: < 2.0 mg/dL -> 1, 2.0-3.0 -> 2, > 3.0 -> 3 (after / 17.1).

    >>> child_pugh_points_bilirubin([34.1, 34.2, 51.3, 51.4])
    array([1., 2., 2., 3.])
    """
    arr = as_float(bilirubin, "bilirubin")
    check_nonnegative(arr, "bilirubin")
    # Snap so that a value on a cut-off (51.3 umol/L -> 2.9999999999999996) is exactly on it.
    mgdl = snap(arr / BILIRUBIN_UMOL_PER_MGDL)
    return shape_like(_three_bands(mgdl, 2.0, 3.0, higher_is_worse=True), bilirubin)


def child_pugh_points_albumin(albumin: Any) -> Any:
    """Albumin points from g/L: > 35 -> 1, 28-35 -> 2, < 28 -> 3.

    >>> child_pugh_points_albumin([35.1, 35, 28, 27.9])
    array([1., 2., 2., 3.])
    """
    arr = as_float(albumin, "albumin")
    check_nonnegative(arr, "albumin")
    return shape_like(_three_bands(arr, 28.0, 35.0, higher_is_worse=False), albumin)


def child_pugh_points_inr(inr: Any) -> Any:
    """INR points: < 1.7 -> 1, 1.7-2.3 -> 2, > 2.3 -> 3.

    >>> child_pugh_points_inr([1.69, 1.7, 2.3, 2.31])
    array([1., 2., 2., 3.])
    """
    arr = as_float(inr, "inr")
    check_nonnegative(arr, "inr")
    return shape_like(_three_bands(arr, 1.7, 2.3, higher_is_worse=True), inr)


def _codes(x: Any, name: str, allowed: dict[str, float]) -> np.ndarray:
    """Map coded text (case/space-insensitive) to numbers; missing -> NaN; unknown -> ValueError."""
    values = x.to_numpy(dtype=object) if isinstance(x, pd.Series) else np.asarray(x, dtype=object)
    out = np.full(values.shape, np.nan)
    for pos, v in np.ndenumerate(values):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_)) and "Y" in allowed:
            v = "Y" if v else "N"
        key = str(v).strip().upper()
        if key == "":
            continue
        if key not in allowed:
            raise ValueError(f"{name} must be one of {sorted(allowed)}, got {v!r}")
        out[pos] = allowed[key]
    return out


def child_pugh_points_ascites(ascites: Any, diuretics: Any = None) -> Any:
    """Ascites points from RS CPSASCIT (NONE/MILD/MODERATE-SEVERE) and CPSDIUR (Y/N).

    NONE -> 1, or 2 when controlled with diuretics (CPSDIUR = Y); MILD -> 2; MODERATE-SEVERE -> 3.
    `diuretics=None` means not collected (NONE -> 1). A missing diuretics flag gives NaN only where
    it decides the points (ascites NONE). Empty strings count as missing; booleans are accepted
    for diuretics.

    >>> child_pugh_points_ascites(["NONE", "NONE", "MILD", "MODERATE-SEVERE"], ["N", "Y", "N", "Y"])
    array([1., 2., 2., 3.])
    """
    points = _codes(ascites, "ascites", ASCITES_POINTS)
    if diuretics is not None:
        on_diuretics = _codes(diuretics, "diuretics", DIURETIC_CODES)
        on_diuretics = np.broadcast_to(on_diuretics, np.broadcast_shapes(on_diuretics.shape, points.shape))
        points = np.broadcast_to(points, on_diuretics.shape)
        # "Controlled with diuretics" lifts NONE to 2; unknown diuretic use leaves NONE undecidable.
        points = np.where(points == 1.0, 1.0 + on_diuretics, points)
    return shape_like(points, ascites, diuretics)


def child_pugh_points_encephalopathy(grade: Any) -> Any:
    """Hepatic encephalopathy points from the West Haven grade: 0 -> 1, 1-2 -> 2, 3-4 -> 3.

    >>> child_pugh_points_encephalopathy([0, 1, 2, 3, 4])
    array([1., 2., 2., 3., 3.])
    """
    arr = as_float(grade, "encephalopathy grade")
    check_in_range(arr, "encephalopathy grade", 0, 4, integer=True)
    points = np.select([arr == 0, arr <= 2, arr <= 4], [1.0, 2.0, 3.0], default=np.nan)
    return shape_like(points, grade)


def child_pugh_score(
    bilirubin: Any,
    albumin: Any,
    inr: Any,
    ascites: Any,
    encephalopathy: Any,
    diuretics: Any = None,
) -> Any:
    """Child-Pugh total (5-15): sum of the five component points; NaN if any component is missing.

    Inputs as collected: bilirubin umol/L, albumin g/L, INR, ascites category (CPSASCIT),
    West Haven grade (CPSHEGR), optional diuretics Y/N (CPSDIUR).

    >>> child_pugh_score(40, 30, 1.5, "MILD", 0)   # 2 + 2 + 1 + 2 + 1
    8.0
    """
    parts = [
        as_float(child_pugh_points_bilirubin(bilirubin), "bilirubin points"),
        as_float(child_pugh_points_albumin(albumin), "albumin points"),
        as_float(child_pugh_points_inr(inr), "inr points"),
        as_float(child_pugh_points_ascites(ascites, diuretics), "ascites points"),
        as_float(child_pugh_points_encephalopathy(encephalopathy), "encephalopathy points"),
    ]
    total = np.sum(np.broadcast_arrays(*parts), axis=0)  # NaN in any component propagates
    return shape_like(total, bilirubin, albumin, inr, ascites, encephalopathy, diuretics)


def child_pugh_class(score: Any) -> Any:
    """Child-Pugh class from the total: 5-6 -> "A", 7-9 -> "B", 10-15 -> "C"; NaN -> NaN.

    >>> child_pugh_class([5, 6, 7, 9, 10, 15])
    array(['A', 'A', 'B', 'B', 'C', 'C'], dtype=object)
    """
    arr = as_float(score, "Child-Pugh score")
    check_in_range(arr, "Child-Pugh score", 5, 15, integer=True)
    classes = np.select([arr <= 6, arr <= 9, arr <= 15], ["A", "B", "C"], default="")
    out = np.where(np.isnan(arr), np.nan, classes.astype(object))
    return shape_like(out.astype(object), score)
