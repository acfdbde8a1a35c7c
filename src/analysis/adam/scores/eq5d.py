"""EQ-5D-5L health-state profile and index value.

Five dimensions - mobility (MO), self-care (SC), usual activities (UA), pain/discomfort (PD),
anxiety/depression (AD) - each at level 1 (no problems) .. 5 (extreme problems/unable)
(Herdman et al., Qual Life Res 2011;20:1727-1736). In SDTM QS they are EQ5D0201..EQ5D0205;
EQ5D0206 is the EQ VAS (0-100), reported as collected and not part of the index.

Index = 1 - sum of the level decrements of the five dimensions (level 1 decrement = 0). The China
value set (Luo N, Liu G, Li M, Guan H, Jin X, Rand-Hendriksen K, Value Health 2017;20:662-669)
has no intercept and no N-terms; coefficients as tabulated in fragla/eq5d data-raw/VT.csv.
Index range 1.000 (11111) .. -0.391 (55555). Any missing dimension -> missing index, no imputation.
The index is returned unrounded; round (3 decimals) only for display.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.adam.scores._common import as_float, check_in_range, shape_like

DIMENSIONS = ("MO", "SC", "UA", "PD", "AD")

# value set -> dimension -> decrement for levels 1..5.
EQ5D5L_VALUE_SETS: dict[str, dict[str, tuple[float, ...]]] = {
    "CN": {
        "MO": (0.0, 0.066, 0.158, 0.287, 0.345),
        "SC": (0.0, 0.048, 0.116, 0.210, 0.253),
        "UA": (0.0, 0.045, 0.107, 0.194, 0.233),
        "PD": (0.0, 0.058, 0.138, 0.252, 0.302),
        "AD": (0.0, 0.049, 0.118, 0.215, 0.258),
    },
}


def _levels(values: tuple[Any, ...]) -> list[np.ndarray]:
    levels = []
    for name, x in zip(DIMENSIONS, values):
        arr = as_float(x, name)
        check_in_range(arr, f"EQ-5D-5L {name} level", 1, 5, integer=True)
        levels.append(arr)
    return list(np.broadcast_arrays(*levels))


def eq5d5l_index(mo: Any, sc: Any, ua: Any, pd: Any, ad: Any, value_set: str = "CN") -> Any:
    """EQ-5D-5L index: 1 - sum of the value set's decrements; NaN if any dimension is missing.

    Levels must be integers 1..5 (ValueError otherwise). `value_set` keys EQ5D5L_VALUE_SETS.

    >>> round(eq5d5l_index(2, 1, 2, 3, 2), 3)   # 1 - (0.066 + 0 + 0.045 + 0.138 + 0.049)
    0.702
    """
    if value_set not in EQ5D5L_VALUE_SETS:
        raise ValueError(f"value_set must be one of {sorted(EQ5D5L_VALUE_SETS)}, got {value_set!r}")
    table = EQ5D5L_VALUE_SETS[value_set]
    levels = _levels((mo, sc, ua, pd, ad))
    decrement = np.zeros(levels[0].shape)
    for name, lv in zip(DIMENSIONS, levels):
        lookup = np.asarray(table[name])
        idx = np.where(np.isnan(lv), 1, lv).astype(int) - 1
        decrement = decrement + np.where(np.isnan(lv), np.nan, lookup[idx])
    return shape_like(1.0 - decrement, mo, sc, ua, pd, ad)


def eq5d5l_profile(mo: Any, sc: Any, ua: Any, pd: Any, ad: Any) -> Any:
    """The 5-digit health-state string (MO SC UA PD AD), e.g. "21232"; NaN if any level is missing.

    >>> eq5d5l_profile(2, 1, 2, 3, 2)
    '21232'
    """
    levels = _levels((mo, sc, ua, pd, ad))
    stacked = np.stack(levels, axis=-1)
    out = np.empty(levels[0].shape, dtype=object)
    for pos in np.ndindex(out.shape):
        row = stacked[pos]
        out[pos] = np.nan if np.isnan(row).any() else "".join(str(int(v)) for v in row)
    return shape_like(out, mo, sc, ua, pd, ad)
