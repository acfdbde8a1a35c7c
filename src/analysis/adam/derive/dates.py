"""Dates: ISO 8601 --DTC text to analysis dates with imputation flags, and study day.

In memory an analysis date (*DT) is a pandas datetime64 at midnight and a datetime (*DTM) a
datetime64 with its time; they become SAS numbers (days / seconds since 1960-01-01) only when
a dataset is written (`to_sas_numbers`).

Imputation follows admiral's `derive_vars_dt`: a missing day (and month) is filled with the
first, middle or last possible value, the flag says the highest component imputed ("D" day,
"M" month), and `min_dates`/`max_dates` pull an imputed date back into its possible range
when a known date (e.g. the first infusion) lies inside that range. A missing year is never
imputed: such a date stays missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import fresh, require_columns

_DTC = (r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
        r"(?:T(?P<H>\d{2})(?::(?P<M>\d{2})(?::(?P<S>\d{2}))?)?)?)?)?$")
SAS_EPOCH = pd.Timestamp("1960-01-01")
IMPUTATIONS = ("first", "mid", "last")


def _parts(dtc: pd.Series) -> pd.DataFrame:
    """Year, month, day, hour, minute, second of each ISO 8601 value (NaN where absent)."""
    # a lab dataset repeats each collection date-time over many tests: clean and parse each
    # distinct value once (all-text columns; others are made text first, as before)
    if pd.api.types.infer_dtype(dtc, skipna=True) in ("string", "empty"):
        codes, raw = pd.factorize(dtc, use_na_sentinel=False)
        uniques = pd.Series(raw, dtype=object).fillna("").str.strip()
    else:
        text = dtc.fillna("").astype(str).str.strip()
        codes, uniques = pd.factorize(text)
        uniques = pd.Series(uniques, dtype=object)
    parts = uniques.str.extract(_DTC).astype(float)
    bad_unique = (uniques != "") & parts["y"].isna()
    if bad_unique.any():
        bad = np.isin(codes, np.flatnonzero(bad_unique))
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"not an ISO 8601 date: {uniques.iloc[codes[first]]!r} (record {first + 1})")
    out = parts.iloc[codes].reset_index(drop=True) if len(codes) else parts.iloc[:0]
    out.index = dtc.index
    return out


def impute_dtc_dt(dtc: pd.Series, *, highest_imputation: str = "n", date_imputation: str = "first",
                  min_dates: Sequence[pd.Series] = (), max_dates: Sequence[pd.Series] = ()
                  ) -> tuple[pd.Series, pd.Series]:
    """(date, flag) for each --DTC value.

    `highest_imputation`: "n" imputes nothing (a partial date is missing), "D" fills a missing
    day, "M" a missing month and day. `date_imputation`: "first", "mid" (15th; 30 June when the
    month is missing too) or "last". For "first" the result is moved forward to the latest
    `min_dates` value that lies in the partial date's possible range (so an AE that started in
    the month of the first infusion starts on the infusion day, not before it); for "last" it is
    moved back to the earliest `max_dates` value in range (an end date never after death).

    >>> d, f = impute_dtc_dt(pd.Series(["2024-05-17", "2024-05", "2024", ""]), highest_imputation="M")
    >>> [str(x.date()) if pd.notna(x) else "" for x in d], f.tolist()
    (['2024-05-17', '2024-05-01', '2024-01-01', ''], ['', 'D', 'M', ''])
    """
    if highest_imputation not in ("n", "D", "M"):
        raise ValueError(f"highest_imputation must be 'n', 'D' or 'M', not {highest_imputation!r}")
    if date_imputation not in IMPUTATIONS:
        raise ValueError(f"date_imputation must be one of {IMPUTATIONS}, not {date_imputation!r}")
    if not min_dates and not max_dates:
        once = _impute_each_distinct(dtc, highest_imputation, date_imputation)
        if once is not None:
            return once
    p = _parts(dtc)
    y, m, d = p["y"], p["m"], p["d"]
    allowed = {"n": y.notna() & m.notna() & d.notna(),
               "D": y.notna() & m.notna(),
               "M": y.notna()}[highest_imputation]
    flag = pd.Series(np.where(m.isna(), "M", np.where(d.isna(), "D", "")), index=dtc.index)
    flag = flag.where(allowed & y.notna(), "")
    month = m.fillna({"first": 1, "mid": 6, "last": 12}[date_imputation])
    # the possible range of each partial date, for min/max adjustment and for the day fill
    lo = _ymd(y, m.fillna(1), d.fillna(1))
    hi_month_start = _ymd(y, m.fillna(12), pd.Series(1.0, index=dtc.index))
    hi = hi_month_start + pd.offsets.MonthEnd(0)
    hi = hi.where(d.isna(), _ymd(y, m.fillna(12), d))
    if date_imputation == "first":
        out = lo
    elif date_imputation == "last":
        out = hi
    else:
        mid_day = np.where(m.isna(), 30.0, 15.0)
        out = _ymd(y, month, d.fillna(pd.Series(mid_day, index=dtc.index)))
    out = out.where(allowed)
    imputed = flag != ""
    for bound in min_dates:
        b = pd.to_datetime(bound).dt.normalize()
        move = imputed & b.notna() & (b >= lo) & (b <= hi) & (out < b)
        out = out.where(~move, b)
    for bound in max_dates:
        b = pd.to_datetime(bound).dt.normalize()
        move = imputed & b.notna() & (b >= lo) & (b <= hi) & (out > b)
        out = out.where(~move, b)
    return out, flag


def _impute_each_distinct(dtc: pd.Series, highest_imputation: str, date_imputation: str
                          ) -> tuple[pd.Series, pd.Series] | None:
    """`impute_dtc_dt` without bounds, computed once per distinct text value and spread back
    (a lab or questionnaire domain repeats each date over many records; building dates per
    record was most of LSTALVDT's time). None when not worth it or not safe: non-text values
    (1 and 1.0 share a factorize code but not a text) or a bad value (the full path names the
    record).

    >>> d, f = _impute_each_distinct(pd.Series(["2024-05", "2024-05", None]), "D", "first")
    >>> [str(x.date()) if pd.notna(x) else "" for x in d], f.tolist()
    (['2024-05-01', '2024-05-01', ''], ['D', 'D', ''])
    """
    if pd.api.types.infer_dtype(dtc, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(dtc, use_na_sentinel=False)
    if len(uniques) >= len(dtc):
        return None
    try:
        dates, flags = impute_dtc_dt(pd.Series(uniques, dtype=object), highest_imputation=highest_imputation,
                                     date_imputation=date_imputation)
    except ValueError:
        return None
    return (pd.Series(dates.to_numpy()[codes], index=dtc.index, dtype=dates.dtype),
            pd.Series(flags.to_numpy()[codes], index=dtc.index, dtype=flags.dtype))


def _ymd(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": y, "month": m, "day": d})
    ok = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=y.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(frame[ok].astype(int), errors="coerce")
    return out


def derive_vars_dt(df: pd.DataFrame, new_vars_prefix: str, dtc: str, *, highest_imputation: str = "n",
                   date_imputation: str = "first", flag_imputation: bool = True,
                   min_dates: Sequence[str] = (), max_dates: Sequence[str] = ()) -> pd.DataFrame:
    """Add `<prefix>DT` (and `<prefix>DTF` when `flag_imputation`) from the --DTC column `dtc`;
    `min_dates`/`max_dates` name date columns of `df` (see `impute_dtc_dt`).

    >>> ae = pd.DataFrame({"AESTDTC": ["2024-05", "2024-05-20"], "TRTSDT": pd.to_datetime(["2024-05-11"] * 2)})
    >>> out = derive_vars_dt(ae, "AST", "AESTDTC", highest_imputation="M", min_dates=["TRTSDT"])
    >>> out["ASTDT"].dt.strftime("%Y-%m-%d").tolist(), out["ASTDTF"].tolist()
    (['2024-05-11', '2024-05-20'], ['D', ''])
    """
    require_columns(df, [dtc, *min_dates, *max_dates], "derive_vars_dt")
    dates, flags = impute_dtc_dt(df[dtc], highest_imputation=highest_imputation,
                                 date_imputation=date_imputation,
                                 min_dates=[df[c] for c in min_dates], max_dates=[df[c] for c in max_dates])
    out = fresh(df)
    out[f"{new_vars_prefix}DT"] = dates
    if flag_imputation:
        out[f"{new_vars_prefix}DTF"] = flags
    return out


def derive_vars_dtm(df: pd.DataFrame, new_vars_prefix: str, dtc: str, *, time_imputation: str = "first",
                    flag_imputation: bool = True) -> pd.DataFrame:
    """Add `<prefix>DTM` and `<prefix>TMF` from a --DTC column whose date is complete; a
    missing time is filled with 00:00:00 ("first") or 23:59:59 ("last") and flagged "H" (hour
    imputed), a missing minute "M", a missing second "S". Partial dates give a missing DTM.

    >>> lb = pd.DataFrame({"LBDTC": ["2024-05-11T07:30", "2024-05-11", "2024-05"]})
    >>> out = derive_vars_dtm(lb, "A", "LBDTC")
    >>> out["ADTM"].astype(str).tolist(), out["ATMF"].tolist()
    (['2024-05-11 07:30:00', '2024-05-11 00:00:00', 'NaT'], ['S', 'H', ''])
    """
    require_columns(df, [dtc], "derive_vars_dtm")
    if time_imputation not in ("first", "last"):
        raise ValueError(f"time_imputation must be 'first' or 'last', not {time_imputation!r}")
    dtm, flag = _dtm_each_distinct(df[dtc], time_imputation)
    out = fresh(df)
    out[f"{new_vars_prefix}DTM"] = dtm
    if flag_imputation:
        out[f"{new_vars_prefix}TMF"] = flag
    return out


def _dtm_each_distinct(dtc: pd.Series, time_imputation: str) -> tuple[pd.Series, pd.Series]:
    """(datetime, time flag) of each --DTC value, built once per distinct text value and spread
    back when the column is all text (a lab collection time repeats over every test drawn);
    other columns per record, as before.

    >>> dtm, tmf = _dtm_each_distinct(pd.Series(["2024-05-11T07:30", "2024-05-11T07:30"]), "first")
    >>> dtm.astype(str).tolist(), tmf.tolist()
    (['2024-05-11 07:30:00', '2024-05-11 07:30:00'], ['S', 'S'])
    """
    if pd.api.types.infer_dtype(dtc, skipna=True) not in ("string", "empty"):
        return _dtm(dtc, time_imputation)
    codes, uniques = pd.factorize(dtc, use_na_sentinel=False)
    try:
        dtm, flag = _dtm(pd.Series(uniques, dtype=object), time_imputation)
    except ValueError:  # the per-record path names the bad record
        return _dtm(dtc, time_imputation)
    return (pd.Series(dtm.to_numpy()[codes], index=dtc.index, dtype=dtm.dtype),
            pd.Series(flag.to_numpy()[codes], index=dtc.index, dtype=flag.dtype))


def _dtm(dtc: pd.Series, time_imputation: str) -> tuple[pd.Series, pd.Series]:
    """(datetime, time flag) of each --DTC value; see `derive_vars_dtm`."""
    p = _parts(dtc)
    complete = p[["y", "m", "d"]].notna().all(axis=1)
    fill = {"H": 0.0, "M": 0.0, "S": 0.0} if time_imputation == "first" else {"H": 23.0, "M": 59.0, "S": 59.0}
    flag = np.where(p["H"].isna(), "H", np.where(p["M"].isna(), "M", np.where(p["S"].isna(), "S", "")))
    date = _ymd(p["y"], p["m"], p["d"])
    seconds = p["H"].fillna(fill["H"]) * 3600 + p["M"].fillna(fill["M"]) * 60 + p["S"].fillna(fill["S"])
    return ((date + pd.to_timedelta(seconds, unit="s")).where(complete),
            pd.Series(flag, index=dtc.index).where(complete, ""))


def study_day(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """Study day of `dates` relative to `reference` (Day 1); no Day 0 (SDTMIG --DY rule).

    >>> d = pd.to_datetime(pd.Series(["2024-05-10", "2024-05-11", "2024-05-12"]))
    >>> study_day(d, pd.Series(pd.to_datetime(["2024-05-11"] * 3))).tolist()
    [-1.0, 1.0, 2.0]
    """
    diff = (pd.to_datetime(dates).dt.normalize() - pd.to_datetime(reference).dt.normalize()).dt.days
    return diff.where(diff < 0, diff + 1).astype(float)


def derive_var_dy(df: pd.DataFrame, source_date: str = "ADT", reference_date: str = "TRTSDT",
                  new_var: str | None = None) -> pd.DataFrame:
    """Add the study day of `source_date` (ADT -> ADY, ASTDT -> ASTDY) relative to
    `reference_date`: date - reference + 1 on or after it, date - reference before it.

    >>> df = pd.DataFrame({"ADT": pd.to_datetime(["2024-05-10", "2024-05-11"]),
    ...                    "TRTSDT": pd.to_datetime(["2024-05-11"] * 2)})
    >>> derive_var_dy(df)["ADY"].tolist()
    [-1.0, 1.0]
    """
    require_columns(df, [source_date, reference_date], "derive_var_dy")
    new_var = new_var or (source_date[:-2] + "DY" if source_date.endswith("DT") else None)
    if not new_var:
        raise ValueError(f"derive_var_dy: name the new variable for {source_date}")
    out = fresh(df)
    out[new_var] = study_day(df[source_date], df[reference_date])
    return out


def to_sas_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as SAS numbers: *DTM and other datetimes with a time as seconds since
    1960-01-01, dates (*DT) as days since then; what XPT stores and SAS reads as dates.

    >>> to_sas_numbers(pd.DataFrame({"ADT": pd.to_datetime(["1960-01-02"])}))["ADT"].tolist()
    [1.0]
    """
    out = fresh(df)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            delta = out[col] - SAS_EPOCH
            if col.endswith("DTM"):
                out[col] = delta.dt.total_seconds()
            else:
                out[col] = delta.dt.days.astype(float)
    return out
