"""Chronic Liver Disease Questionnaire (CLDQ; Younossi et al., Gut 1999;45:295-300).

29 items scored 1 (all of the time) .. 7 (none of the time); higher = better, no reverse scoring.
Six domains (item lists from BMC Res Notes 2012;5:446 Table 2, domain reference 5.2):
abdominal symptoms AS, fatigue FA, systemic symptoms SY, activity AC, emotional function EM,
worry WO.

Conventions chosen (the reference found no published missing-item rule, so this is pre-specified
here and must be stated in the SAP):

* Domain = mean of its answered items when at least 50 % of its items are answered, else NaN
  (AS/AC need 2 of 3, FA/SY/WO 3 of 5, EM 4 of 8).
* Overall (CLDQTOT), `overall="domain_mean"` (default): mean of the 6 domain means - convention
  (a), used by the developers' group (COR-LD) and the BMC paper. `overall="item_mean"`: mean of all
  answered items - convention (b) of many publications. The two differ because domains have
  unequal numbers of items. Either way the overall is NaN unless all 6 domains are scorable, so
  both conventions are defined on the same records.

Input: wide frame with columns CLDQ01..CLDQ29 (QSSTRESN; NaN = not answered).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.scores._common import as_float, check_in_range

ITEMS = [f"CLDQ{k:02d}" for k in range(1, 30)]

CLDQ_DOMAINS: dict[str, tuple[int, ...]] = {
    "CLDQAS": (1, 5, 17),
    "CLDQFA": (2, 4, 8, 11, 13),
    "CLDQSY": (3, 6, 21, 23, 27),
    "CLDQAC": (7, 9, 14),
    "CLDQEM": (10, 12, 15, 16, 19, 20, 24, 26),
    "CLDQWO": (18, 22, 25, 28, 29),
}
MIN_ANSWERED_FRACTION = 0.5
OVERALL_CONVENTIONS = ("domain_mean", "item_mean")


def _responses(items: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise ValueError("items must be a DataFrame with columns CLDQ01..CLDQ29")
    missing = [c for c in ITEMS if c not in items.columns]
    if missing:
        raise ValueError(f"items lacks CLDQ columns: {', '.join(missing)}")
    out = {}
    for col in ITEMS:
        arr = as_float(items[col], col)
        check_in_range(arr, f"{col} response", 1, 7, integer=True)
        out[col] = arr
    return pd.DataFrame(out, index=items.index)


def cldq_scores(items: pd.DataFrame, overall: str = "domain_mean") -> pd.DataFrame:
    """CLDQ domain scores CLDQAS, CLDQFA, CLDQSY, CLDQAC, CLDQEM, CLDQWO and overall CLDQTOT (1-7).

    Domain = mean of answered items if >= 50 % answered, else NaN. `overall` is "domain_mean"
    (mean of the 6 domains, default) or "item_mean" (mean of all answered items); NaN unless all
    6 domains are scorable.

    >>> wide = pd.DataFrame([{c: 7 for c in ITEMS}])
    >>> cldq_scores(wide).iloc[0].tolist()
    [7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0]
    """
    if overall not in OVERALL_CONVENTIONS:
        raise ValueError(f"overall must be one of {OVERALL_CONVENTIONS}, got {overall!r}")
    resp = _responses(items)
    out = pd.DataFrame(index=items.index)
    for domain, numbers in CLDQ_DOMAINS.items():
        block = resp[[ITEMS[k - 1] for k in numbers]]
        answered = block.notna().sum(axis=1)
        enough = answered >= MIN_ANSWERED_FRACTION * len(numbers)
        out[domain] = block.mean(axis=1, skipna=True).where(enough, np.nan)
    complete = out[list(CLDQ_DOMAINS)].notna().all(axis=1)
    if overall == "domain_mean":
        total = out[list(CLDQ_DOMAINS)].mean(axis=1)
    else:
        total = resp.mean(axis=1, skipna=True)
    out["CLDQTOT"] = total.where(complete, np.nan)
    return out
