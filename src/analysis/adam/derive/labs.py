"""Lab-value verbs: quantification limits, normal-range indicators and ULN multiples.

Below-LLOQ convention (domain reference 7.4; SAP to confirm): AVALC keeps the reported text
("<20", "TARGET NOT DETECTED"), AVAL is the imputed number LLOQ x `blq_factor` (0.5 by
default, Beal's M5 family), BLQFL = "Y". A value reported as ">x" gets AVAL = x and
ALQFL = "Y". Imputed values are for descriptive and log-scale summaries; grading never moves
them up (see analysis.adam.ctcae).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns

_LIMIT = r"^\s*(?P<op>[<>]=?)\s*(?P<num>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*$"


def derive_vars_blq(df: pd.DataFrame, *, result_c: str = "AVALC", result_n: str = "AVAL", lloq: str = "LLOQ",
                    blq_factor: float = 0.5, not_detected: tuple[str, ...] = ("TARGET NOT DETECTED",)
                    ) -> pd.DataFrame:
    """Impute AVAL for values reported below the LLOQ ("<x", or a not-detected text) as
    LLOQ x `blq_factor` (x when the LLOQ is missing) and flag BLQFL = "Y"; values ">x" become x
    with ALQFL = "Y". Other records are unchanged.

    >>> df = pd.DataFrame({"AVALC": ["<20", "TARGET NOT DETECTED", "55", ">2000"],
    ...                    "AVAL": [np.nan, np.nan, 55.0, np.nan], "LLOQ": [20.0, 20.0, 20.0, 20.0]})
    >>> out = derive_vars_blq(df)
    >>> out["AVAL"].tolist(), out["BLQFL"].tolist(), out["ALQFL"].tolist()
    ([10.0, 10.0, 55.0, 2000.0], ['Y', 'Y', '', ''], ['', '', '', 'Y'])
    """
    require_columns(df, [result_c, result_n, lloq], "derive_vars_blq")
    limit, below, above, undetected = _limits(df[result_c], not_detected)
    q = pd.to_numeric(df[lloq], errors="coerce")
    out = fresh(df)
    blq_value = q.fillna(limit) * blq_factor
    out[result_n] = np.where(below | undetected, blq_value, np.where(above, limit, df[result_n]))
    out["BLQFL"] = np.where(below | undetected, "Y", "")
    out["ALQFL"] = np.where(above, "Y", "")
    return out


def _limits(result_c: pd.Series, not_detected: tuple[str, ...]
            ) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """(limit number, "<" flag, ">" flag, not-detected flag) of each reported result. The text
    work runs once per distinct result (a few thousand among a million lab records) when the
    column is all text; other columns are made text per record, as before.

    >>> limit, below, above, nd = _limits(pd.Series(["<20", "55", "<20", None]), ("ND",))
    >>> limit.tolist()[:2], below.tolist(), bool(above.any()), bool(nd.any())
    ([20.0, nan], [True, False, True, False], False, False)
    """
    if pd.api.types.infer_dtype(result_c, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(result_c, use_na_sentinel=False)
        text = pd.Series(uniques, dtype=object).fillna("").astype(str)
    else:
        text = result_c.fillna("").astype(str)
        codes = np.arange(len(text))
    parts = text.str.extract(_LIMIT)
    limit = pd.to_numeric(parts["num"], errors="coerce").to_numpy()[codes]
    below = parts["op"].str.startswith("<", na=False).to_numpy()[codes]
    above = parts["op"].str.startswith(">", na=False).to_numpy()[codes]
    undetected = text.str.upper().isin([t.upper() for t in not_detected]).to_numpy()[codes]
    return pd.Series(limit, index=result_c.index), below, above, undetected


def derive_var_anrind(df: pd.DataFrame, *, value: str = "AVAL", low: str = "ANRLO", high: str = "ANRHI",
                      new_var: str = "ANRIND") -> pd.DataFrame:
    """LOW below `low`, HIGH above `high`, NORMAL between them (limits inclusive), "" when the
    value or the limit it would need is missing.

    >>> df = pd.DataFrame({"AVAL": [5.0, 40.0, 41.0, np.nan], "ANRLO": [7.0] * 4, "ANRHI": [40.0] * 4})
    >>> derive_var_anrind(df)["ANRIND"].tolist()
    ['LOW', 'NORMAL', 'HIGH', '']
    """
    require_columns(df, [value, low, high], "derive_var_anrind")
    v, lo, hi = df[value], df[low], df[high]
    ind = np.select([v.notna() & lo.notna() & (v < lo), v.notna() & hi.notna() & (v > hi),
                     v.notna() & (lo.notna() | hi.notna())],
                    ["LOW", "HIGH", "NORMAL"], default="")
    out = fresh(df)
    out[new_var] = ind
    return out


def derive_var_r2anrhi(df: pd.DataFrame, *, value: str = "AVAL", high: str = "ANRHI") -> pd.DataFrame:
    """R2ANRHI = AVAL / ANRHI, the multiple of the upper limit of normal (xULN) used by
    liver-safety criteria; missing when ANRHI is 0 or missing.

    >>> derive_var_r2anrhi(pd.DataFrame({"AVAL": [120.0], "ANRHI": [40.0]}))["R2ANRHI"].tolist()
    [3.0]
    """
    require_columns(df, [value, high], "derive_var_r2anrhi")
    out = fresh(df)
    out["R2ANRHI"] = df[value] / df[high].where(df[high] != 0)
    return out


def derive_var_crit_uln(df: pd.DataFrame, *, paramcds: tuple[str, ...], multiple: float, crit: str,
                        label: str) -> pd.DataFrame:
    """A criterion flag pair: `crit` = label text on every record of `paramcds`, `crit`FL = "Y"
    when AVAL > `multiple` x ULN, "N" when not, "" when AVAL or ULN is missing; other
    parameters get "" for both (ADaMIG CRITy/CRITyFL).

    >>> df = pd.DataFrame({"PARAMCD": ["ALT", "ALT", "ALB"], "R2ANRHI": [3.5, 2.0, 9.0]})
    >>> derive_var_crit_uln(df, paramcds=("ALT",), multiple=3, crit="CRIT1", label="ALT > 3xULN")["CRIT1FL"].tolist()
    ['Y', 'N', '']
    """
    require_columns(df, ["PARAMCD", "R2ANRHI"], "derive_var_crit_uln")
    applies = df["PARAMCD"].isin(paramcds)
    out = fresh(df)
    out[crit] = np.where(applies, label, "")
    out[f"{crit}FL"] = np.where(applies & df["R2ANRHI"].notna(),
                                np.where(df["R2ANRHI"] > multiple, "Y", "N"), "")
    return out
