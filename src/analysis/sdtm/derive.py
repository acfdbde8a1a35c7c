"""Standard SDTM variable derivations shared by every domain (SDTMIG 3.4).

Each function adds or returns one thing and says so in its name; all are vectorised over
pandas Series, because a 3,000-subject study has millions of lab records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

UNKNOWN = "UK"


def per_distinct(make, *cols: pd.Series):
    """`make(*cols)`, computed once per distinct row of `cols` and spread back to every row.

    Raw and LB columns repeat a few thousand values over a million records (dates, units,
    subject ids), so text work per distinct value is much cheaper than per record and the
    results share one str object per value (far less memory). `make` must work value by
    value and treat every kind of missing value alike; it returns a Series or DataFrame.

    >>> per_distinct(lambda s: s + "!", pd.Series(["a", "b", "a"], index=[7, 8, 9]))
    7    a!
    8    b!
    9    a!
    dtype: object
    """
    index = cols[0].index
    codes = _row_codes(cols)
    if codes is None or not len(index):
        return make(*cols)
    _, first, codes = np.unique(codes, return_index=True, return_inverse=True)
    made = make(*(c.iloc[first] for c in cols))
    if isinstance(made, pd.DataFrame):
        out = made.iloc[codes]
        out.index = index
        return out
    return pd.Series(np.asarray(made)[codes], index=index, name=getattr(made, "name", None))


def _row_codes(cols) -> np.ndarray | None:
    """One int per row, equal exactly when the rows' values are (None: cannot tell cheaply)."""
    combined = None
    for col in cols:
        codes = _value_codes(col)
        if codes is None:
            return None
        combined = codes if combined is None else combined * (int(codes.max()) + 1) + codes
        combined, _ = pd.factorize(combined)  # keep the codes small so products cannot overflow
    return combined


def _value_codes(col: pd.Series) -> np.ndarray | None:
    if pd.api.types.is_float_dtype(col.dtype):
        # By bit pattern: factorize would merge -0.0 and 0.0, which format differently.
        v = col.to_numpy(dtype=float, na_value=np.nan)
        bits = v.view(np.int64).copy()
        bits[np.isnan(v)] = 0x7FF8000000000000
        return pd.factorize(bits)[0]
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
        return None  # mixed objects: equal values of different types (1, 1.0, True) may differ as text
    return pd.factorize(col, use_na_sentinel=False)[0]


def iso_dtc(date: pd.Series, time: pd.Series | None = None) -> pd.Series:
    """Raw date (YYYY-MM-DD, YYYY-MM-UK, YYYY-UK-UK) and optional HH:MM -> ISO 8601 --DTC.

    Partial dates stay partial (right-truncated); a time is only attached to a full date.

    >>> iso_dtc(pd.Series(["2024-03-05", "2024-03-UK", "2024-UK-UK", ""]),
    ...         pd.Series(["09:30", "", "10:00", ""])).tolist()
    ['2024-03-05T09:30', '2024-03', '2024', '']
    """
    if time is None:
        return per_distinct(_iso_dtc, date)
    return per_distinct(_iso_dtc, date, time)


def _iso_dtc(date: pd.Series, time: pd.Series | None = None) -> pd.Series:
    d = date.fillna("").astype(str)
    d = d.str.replace(r"-UK-UK$", "", regex=True).str.replace(r"-UK$", "", regex=True)
    if time is None:
        return d
    t = time.fillna("").astype(str)
    full = d.str.len() == 10
    return d.where(~(full & (t != "")), d + "T" + t)


def dtc_date(dtc: pd.Series) -> pd.Series:
    """Date part of complete --DTC values as datetime64 (partial or empty -> NaT).

    LB repeats each collection date over many tests: text columns are parsed once per
    distinct value.

    >>> dtc_date(pd.Series(["2024-03-05T09:30", "2024-03", None, "2024-03-05"])).dt.day.tolist()
    [5.0, nan, nan, 5.0]
    """
    if len(dtc) and pd.api.types.infer_dtype(dtc, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(dtc, use_na_sentinel=False)
        dates = _dtc_date(pd.Series(uniques, dtype=object)).to_numpy()
        return pd.Series(dates[codes], index=dtc.index, name=dtc.name)
    return _dtc_date(dtc)


def _dtc_date(dtc: pd.Series) -> pd.Series:
    d = dtc.fillna("").astype(str).str[:10]
    return pd.to_datetime(d.where(d.str.len() == 10), format="%Y-%m-%d", errors="coerce")


def study_day(dtc: pd.Series, rfstdtc: pd.Series) -> pd.Series:
    """--DY: days from RFSTDTC, Day 1 = RFSTDTC, no Day 0; missing if either date is partial.

    >>> study_day(pd.Series(["2024-03-05", "2024-03-04", "2024-03"]), pd.Series(["2024-03-05T09:00"] * 3)).tolist()
    [1.0, -1.0, nan]
    """
    delta = (dtc_date(dtc) - dtc_date(rfstdtc)).dt.days
    return (delta + (delta >= 0)).astype(float)


def raw_rows(df: pd.DataFrame) -> np.ndarray:
    """Source record numbers (RAWROW from ingestion; 1..n when absent), for traceability."""
    if "RAWROW" in df.columns:
        return df["RAWROW"].to_numpy()
    return np.arange(1, len(df) + 1)


def usubjid(studyid: str, subjid: pd.Series) -> pd.Series:
    """Unique subject id: study id and the subject number, which is unique within the study.

    >>> usubjid("S1", pd.Series(["001", "002"])).tolist()
    ['S1-001', 'S1-002']
    """
    return per_distinct(lambda s: studyid + "-" + s.astype(str), subjid)


def derive_seq(df: pd.DataFrame, order: list[str]) -> pd.Series:
    """--SEQ: 1, 2, ... within USUBJID after sorting by `order` (the domain's keys)."""
    ranked = df.sort_values(["USUBJID", *order], kind="stable")
    seq = ranked.groupby("USUBJID", sort=False).cumcount() + 1
    return seq.reindex(df.index).astype(float)


def visit_numbers(visits: pd.DataFrame, schedule: list[dict], unscheduled_step: float = 0.01) -> pd.Series:
    """VISITNUM for a subject-visit table with USUBJID, VISIT and visit date (ISO).

    Scheduled visits take the spec's number. An unscheduled visit takes the number of the
    last scheduled visit on or before its date plus k x 0.01 for the k-th unscheduled visit
    after it, so it sorts between the scheduled visits it fell between.
    """
    planned = {v["visit"]: float(v["visitnum"]) for v in schedule}
    num = visits["VISIT"].map(planned)
    uns = num.isna()
    if not uns.any():
        return num
    date = dtc_date(visits["SVSTDTC"] if "SVSTDTC" in visits else visits["DTC"])
    sched = pd.DataFrame({"USUBJID": visits["USUBJID"], "date": date, "num": num})[~uns].dropna()
    sched = sched.sort_values(["date", "num"])
    u = pd.DataFrame({"USUBJID": visits["USUBJID"], "date": date, "row": np.arange(len(visits))})[uns.to_numpy()]
    u = u.sort_values(["date", "row"])
    merged = pd.merge_asof(u.dropna(subset=["date"]), sched, on="date", by="USUBJID", direction="backward")
    merged["num"] = merged["num"].fillna(0.0)
    merged["k"] = merged.groupby(["USUBJID", "num"]).cumcount() + 1
    out = num.copy()
    out.iloc[merged["row"].to_numpy()] = (merged["num"] + merged["k"] * unscheduled_step).round(2).to_numpy()
    return out


def epoch_at(dtc: pd.Series, usubjid: pd.Series, se: pd.DataFrame) -> pd.Series:
    """EPOCH from the subject's elements (SE): the element whose [SESTDTC, SEENDTC) holds the date.

    A date on the day an element starts belongs to that element (Day 1 is TREATMENT, not
    SCREENING); the last element is closed at its end date.
    """
    d = dtc_date(dtc)
    out = pd.Series("", index=dtc.index, dtype=object)
    if se.empty:
        return out
    s = se.assign(start=dtc_date(se["SESTDTC"]), end=dtc_date(se["SEENDTC"]))
    left = pd.DataFrame({"USUBJID": usubjid.to_numpy(), "date": d.to_numpy(), "row": np.arange(len(d))})
    left = left.dropna(subset=["date"]).sort_values("date")
    right = s.dropna(subset=["start"]).sort_values("start")[["USUBJID", "start", "end", "EPOCH"]]
    m = pd.merge_asof(left, right, left_on="date", right_on="start", by="USUBJID", direction="backward")
    ok = m["EPOCH"].notna() & ((m["end"].isna()) | (m["date"] <= m["end"]))
    out.iloc[m.loc[ok, "row"].to_numpy()] = m.loc[ok, "EPOCH"].to_numpy()
    return out
