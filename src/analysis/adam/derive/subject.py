"""Subject-level verbs (ADSL): extreme dates across sources, variables merged from another
dataset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns


@dataclass(frozen=True)
class DateSource:
    """Dates of one dataset that show a subject was alive (admiral `date_source`)."""
    dataset: pd.DataFrame
    date: str  # a datetime64 column of `dataset`
    name: str = ""


def derive_var_extreme_dt(adsl: pd.DataFrame, new_var: str, sources: Sequence[DateSource], *,
                          mode: str = "last", by: str = "USUBJID") -> pd.DataFrame:
    """Add the latest (or earliest) non-missing date over all `sources` for each subject
    (admiral `derive_var_extreme_dt`, e.g. LSTALVDT from visits, labs, AE, CM, infusions and
    survival contacts).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> lb = pd.DataFrame({"USUBJID": ["1", "1"], "ADT": pd.to_datetime(["2024-05-01", "2024-07-01"])})
    >>> ae = pd.DataFrame({"USUBJID": ["1"], "AENDT": pd.to_datetime(["2024-08-03"])})
    >>> out = derive_var_extreme_dt(adsl, "LSTALVDT", [DateSource(lb, "ADT"), DateSource(ae, "AENDT")])
    >>> out["LSTALVDT"].astype(str).tolist()
    ['2024-08-03', 'NaT']
    """
    if mode not in ("first", "last"):
        raise ValueError(f"mode must be 'first' or 'last', not {mode!r}")
    require_columns(adsl, [by], "derive_var_extreme_dt")
    frames = []
    for s in sources:
        require_columns(s.dataset, [by, s.date], f"derive_var_extreme_dt ({s.name or s.date})")
        frames.append(s.dataset[[by, s.date]].rename(columns={s.date: "_DT"}).dropna(subset=["_DT"]))
    dates = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({by: [], "_DT": []})
    dates["_DT"] = pd.to_datetime(dates["_DT"]).dt.normalize()
    agg = dates.groupby(by)["_DT"].max() if mode == "last" else dates.groupby(by)["_DT"].min()
    out = fresh(adsl)
    out[new_var] = out[by].map(agg).astype("datetime64[ns]")
    return out


def derive_vars_merged(df: pd.DataFrame, other: pd.DataFrame, by_vars: Sequence[str],
                       new_vars: Sequence[str]) -> pd.DataFrame:
    """Add `new_vars` of `other` (at most one record per `by_vars`) to every matching record
    (admiral `derive_vars_merged`); records without a match get missing values.

    >>> adae = pd.DataFrame({"USUBJID": ["1", "1", "2"]})
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"]})
    >>> derive_vars_merged(adae, adsl, ["USUBJID"], ["TRT01A"])["TRT01A"].tolist()
    ['A', 'A', 'B']
    """
    require_columns(df, by_vars, "derive_vars_merged")
    require_columns(other, [*by_vars, *new_vars], "derive_vars_merged (other)")
    if other.duplicated(list(by_vars)).any():
        raise ValueError(f"derive_vars_merged: more than one record per {'/'.join(by_vars)} in the merged dataset")
    # merge on the key columns only, then assign: cheap even for a million-row BDS dataset
    keys = df[list(by_vars)].merge(other[[*by_vars, *new_vars]], on=list(by_vars), how="left",
                                   validate="many_to_one")
    out = fresh(df)
    for col in new_vars:
        out[col] = keys[col].to_numpy()
    return out
