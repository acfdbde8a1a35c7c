"""RAND-36 1.0 scale scores and SF-36 v1 norm-based summary scores (PCS/MCS).

RAND-36 (public domain; Hays, Sherbourne & Mazel, Health Econ 1993;2:217-227; RAND scoring
instructions "mos_core_36item_scoring"):

* Step 1 - every item is recoded to 0-100, higher = better (`RAND36_RECODE`).
* Step 2 - each of the 8 scales is the mean of its *answered* recoded items; missing items are
  ignored (no minimum number of items: RAND's rule). A scale with no answered item is missing.
  Item 2 (health transition) belongs to no scale and is reported on its own (SF36HT).

Input is the wide frame of SDTM QS results, one row per subject-visit, columns SF3601..SF3636
holding the numeric responses (QSSTRESN, 1..k; NaN = not answered).

PCS/MCS (`sf36_summary_scores`) follow Ware, Kosinski & Keller 1994: z = (scale - US 1990 mean) / SD,
aggregate = sum(factor coefficient x z), T = 50 + 10 x aggregate. These norms and coefficients
belong to SF-36 v1, which scores the bodily-pain and general-health items differently from RAND;
applied to RAND-scored scales the result is an **approximation** (domain reference 5.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.scores._common import as_float, check_in_range

ITEMS = [f"SF36{k:02d}" for k in range(1, 37)]

_DOWN_5 = (100.0, 75.0, 50.0, 25.0, 0.0)
_UP_3 = (0.0, 50.0, 100.0)
_UP_2 = (0.0, 100.0)
_DOWN_6 = (100.0, 80.0, 60.0, 40.0, 20.0, 0.0)
_UP_6 = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
_UP_5 = (0.0, 25.0, 50.0, 75.0, 100.0)

# Step 1: item number -> recoded value of response 1, 2, ... (its length is the response range).
RAND36_RECODE: dict[int, tuple[float, ...]] = {
    **{k: _DOWN_5 for k in (1, 2, 20, 22, 34, 36)},
    **{k: _UP_3 for k in range(3, 13)},
    **{k: _UP_2 for k in range(13, 20)},
    **{k: _DOWN_6 for k in (21, 23, 26, 27, 30)},
    **{k: _UP_6 for k in (24, 25, 28, 29, 31)},
    **{k: _UP_5 for k in (32, 33, 35)},
}

# Step 2: scale -> items averaged.
RAND36_SCALES: dict[str, tuple[int, ...]] = {
    "SF36PF": tuple(range(3, 13)),
    "SF36RP": (13, 14, 15, 16),
    "SF36RE": (17, 18, 19),
    "SF36VT": (23, 27, 29, 31),
    "SF36MH": (24, 25, 26, 28, 30),
    "SF36SF": (20, 32),
    "SF36BP": (21, 22),
    "SF36GH": (1, 33, 34, 35, 36),
}
HEALTH_TRANSITION_ITEM = 2

# US 1990 general population, SF-36 v1 (mean, SD); Ware et al. 1994, as in public ports.
SF36_NORMS_US1990: dict[str, tuple[float, float]] = {
    "SF36PF": (84.52404, 22.89490),
    "SF36RP": (81.19907, 33.79729),
    "SF36BP": (75.49196, 23.55879),
    "SF36GH": (72.21316, 20.16964),
    "SF36VT": (61.05453, 20.86942),
    "SF36SF": (83.59753, 22.37642),
    "SF36RE": (81.29467, 33.02717),
    "SF36MH": (74.84212, 18.01189),
}
# Factor-score coefficients, US 1990 factor sample (n = 2393).
SF36_PCS_COEF: dict[str, float] = {
    "SF36PF": 0.42402, "SF36RP": 0.35119, "SF36BP": 0.31754, "SF36GH": 0.24954,
    "SF36VT": 0.02877, "SF36SF": -0.00753, "SF36RE": -0.19206, "SF36MH": -0.22069,
}
SF36_MCS_COEF: dict[str, float] = {
    "SF36PF": -0.22999, "SF36RP": -0.12329, "SF36BP": -0.09731, "SF36GH": -0.01571,
    "SF36VT": 0.23534, "SF36SF": 0.26876, "SF36RE": 0.43407, "SF36MH": 0.48581,
}


def _item_responses(items: pd.DataFrame) -> dict[int, np.ndarray]:
    """Validated numeric responses per item number (ValueError names the item and the value)."""
    if not isinstance(items, pd.DataFrame):
        raise ValueError("items must be a DataFrame with columns SF3601..SF3636")
    missing = [c for c in ITEMS if c not in items.columns]
    if missing:
        raise ValueError(f"items lacks RAND-36 columns: {', '.join(missing)}")
    out = {}
    for k, col in enumerate(ITEMS, start=1):
        arr = as_float(items[col], col)
        check_in_range(arr, f"{col} response", 1, len(RAND36_RECODE[k]), integer=True)
        out[k] = arr
    return out


def _recode(arr: np.ndarray, values: tuple[float, ...]) -> np.ndarray:
    lookup = np.asarray(values)
    idx = np.where(np.isnan(arr), 0, arr).astype(int) - 1
    return np.where(np.isnan(arr), np.nan, lookup[np.clip(idx, 0, None)])


def rand36_recode(items: pd.DataFrame) -> pd.DataFrame:
    """Step 1: the 36 items recoded to 0-100 (higher = better); same column names and index.

    >>> wide = pd.DataFrame([{c: 1 for c in ITEMS}])
    >>> rand36_recode(wide)[["SF3601", "SF3603", "SF3621", "SF3624"]].iloc[0].tolist()
    [100.0, 0.0, 100.0, 0.0]
    """
    responses = _item_responses(items)
    recoded = {ITEMS[k - 1]: _recode(arr, RAND36_RECODE[k]) for k, arr in responses.items()}
    return pd.DataFrame(recoded, index=items.index)


def rand36_scales(items: pd.DataFrame) -> pd.DataFrame:
    """Step 2: the 8 RAND-36 scales (mean of answered recoded items), SF36HT and missing counts.

    Columns: SF36PF, SF36RP, SF36RE, SF36VT, SF36MH, SF36SF, SF36BP, SF36GH (0-100), SF36HT
    (item 2 recoded 0-100), then <scale>_NMISS = number of unanswered items of each scale.

    >>> wide = pd.DataFrame([{c: 1 for c in ITEMS}])
    >>> rand36_scales(wide)[["SF36PF", "SF36BP", "SF36HT", "SF36PF_NMISS"]].iloc[0].tolist()
    [0.0, 100.0, 100.0, 0.0]
    """
    recoded = rand36_recode(items)
    out = pd.DataFrame(index=items.index)
    for scale, numbers in RAND36_SCALES.items():
        # mean(skipna) ignores missing items; all missing gives NaN.
        out[scale] = recoded[[ITEMS[k - 1] for k in numbers]].mean(axis=1, skipna=True)
    out["SF36HT"] = recoded[ITEMS[HEALTH_TRANSITION_ITEM - 1]]
    for scale, numbers in RAND36_SCALES.items():
        out[f"{scale}_NMISS"] = recoded[[ITEMS[k - 1] for k in numbers]].isna().sum(axis=1).astype(float)
    return out


def sf36_summary_scores(scales: pd.DataFrame) -> pd.DataFrame:
    """Norm-based SF-36 v1 PCS and MCS (US 1990 norms): T = 50 + 10 x sum(coef x z).

    Computed from the 8 RAND-scored scales (an approximation: SF-36 v1 scores BP and GH
    differently). NaN if any of the 8 scales is missing. Returns columns SF36PCS, SF36MCS.

    >>> at_mean = pd.DataFrame([{s: m for s, (m, sd) in SF36_NORMS_US1990.items()}])
    >>> sf36_summary_scores(at_mean).round(6).iloc[0].tolist()
    [50.0, 50.0]
    """
    if not isinstance(scales, pd.DataFrame):
        raise ValueError("scales must be a DataFrame with the 8 SF36xx scale columns")
    missing = [s for s in SF36_NORMS_US1990 if s not in scales.columns]
    if missing:
        raise ValueError(f"scales lacks columns: {', '.join(missing)}")
    pcs = np.zeros(len(scales))
    mcs = np.zeros(len(scales))
    for scale, (mean, sd) in SF36_NORMS_US1990.items():
        arr = as_float(scales[scale], scale)
        check_in_range(arr, scale, 0, 100)
        z = (arr - mean) / sd  # NaN propagates to both sums
        pcs = pcs + SF36_PCS_COEF[scale] * z
        mcs = mcs + SF36_MCS_COEF[scale] * z
    return pd.DataFrame({"SF36PCS": 50.0 + 10.0 * pcs, "SF36MCS": 50.0 + 10.0 * mcs}, index=scales.index)
