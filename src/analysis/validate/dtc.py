"""ISO 8601 date/time values as SDTM writes them in --DTC variables (SDTMIG 3.4, 4.4).

SDTM dates may be right-truncated ("2024", "2024-03", "2024-03-05T10") and may leave out an
inner component with a hyphen ("2024---05": day known, month not; "-----T10:30": time only).
A value may also be an interval of two such values ("2024-03-01/2024-03-10").

Comparisons and study days use only what is known: two values compare on their complete date
parts, and on the time as far as both give it when the dates are equal.
"""

from __future__ import annotations

import calendar
import re

import numpy as np
import pandas as pd

# year, month, day, then an optional time; each component a number or "-" (not known).
_DTC = re.compile(
    r"(?P<y>\d{4}|-)(?:-(?P<m>\d{2}|-)(?:-(?P<d>\d{2}|-))?)?"
    r"(?:T(?P<H>\d{2}|-)(?::(?P<M>\d{2}|-)(?::(?P<S>\d{2}(?:\.\d+)?|-))?)?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_COMPLETE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso8601_problem(value: str) -> str | None:
    """Why `value` is not an SDTM ISO 8601 date/time, or None when it is (or is empty).

    >>> [iso8601_problem(v) for v in ["2024-03-05T09:30", "2024-03", "2024---05", "", "-----T10:30"]]
    [None, None, None, None, None]
    >>> iso8601_problem("2024-02-30")
    'day 30 does not exist in 2024-02'
    >>> iso8601_problem("05-03-2024")
    'not of the form YYYY-MM-DDThh:mm:ss (components may be truncated from the right)'
    """
    if value == "":
        return None
    if "/" in value:
        parts = value.split("/")
        if len(parts) != 2 or "" in parts:
            return "an interval must be two date/times separated by one '/'"
        for part in parts:
            problem = iso8601_problem(part)
            if problem:
                return problem
        return None
    m = _DTC.fullmatch(value)
    if not m:
        return "not of the form YYYY-MM-DDThh:mm:ss (components may be truncated from the right)"
    parts = [m.group(k) for k in "ymdHMS"]
    given = [p for p in parts if p is not None]
    if given[-1] == "-":
        return "the last component is '-': truncate unknown components from the right instead"
    y, mo, d, hh, mi, ss = parts
    if mo not in (None, "-") and not 1 <= int(mo) <= 12:
        return f"month {mo} is not 01-12"
    if d not in (None, "-"):
        last = 31
        if y != "-" and mo not in (None, "-"):
            last = calendar.monthrange(int(y), int(mo))[1]
        if not 1 <= int(d) <= last:
            where = f"{y}-{mo}" if y != "-" and mo not in (None, "-") else "any month"
            return f"day {d} does not exist in {where}"
    if hh not in (None, "-") and int(hh) > 23:
        return f"hour {hh} is not 00-23"
    if mi not in (None, "-") and int(mi) > 59:
        return f"minute {mi} is not 00-59"
    if ss not in (None, "-") and float(ss) >= 60:
        return f"second {ss} is not 00-59"
    return None


def _by_distinct(dtc: pd.Series, convert) -> pd.Series:
    """`convert` (a function of a Series) applied to the distinct values of `dtc` only, then
    spread back over its records: a date column repeats its values many times over."""
    codes, values = pd.factorize(dtc, use_na_sentinel=False)
    out = convert(pd.Series(np.asarray(values, dtype=object)))
    return pd.Series(out.to_numpy()[codes] if len(values) else out.to_numpy(), index=dtc.index, dtype=out.dtype)


def complete_date(dtc: pd.Series) -> pd.Series:
    """The date part of values with a complete YYYY-MM-DD date (as datetime64), else NaT."""
    return _by_distinct(dtc, _complete_date)


def _complete_date(dtc: pd.Series) -> pd.Series:
    s = dtc.fillna("").astype(str)
    d = s.str[:10]
    ok = d.str.fullmatch(_COMPLETE_DATE.pattern) & ~s.str.contains("/", regex=False)
    return pd.to_datetime(d.where(ok), format="%Y-%m-%d", errors="coerce")


def _time_part(dtc: pd.Series) -> pd.Series:
    """hh[:mm[:ss]] after a complete date, '' when there is none (time zones dropped)."""
    return _by_distinct(dtc, _time_of)


def _time_of(dtc: pd.Series) -> pd.Series:
    s = dtc.fillna("").astype(str)
    t = s.str.extract(r"^\d{4}-\d{2}-\d{2}T(\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)", expand=False)
    return t.fillna("").astype(object)


def compare_dtc(a: pd.Series, b: pd.Series) -> pd.Series:
    """-1, 0 or 1 as a is before, at or after b, on what both values know; NaN when either
    lacks a complete date. Times count only when both have one, to the shorter precision.

    >>> compare_dtc(pd.Series(["2024-03-05T10:00", "2024-03-05", "2024-03", "2024-03-06"]),
    ...             pd.Series(["2024-03-05T09:30", "2024-03-05T23:00", "2024-02-01", "2024-03-05"])).tolist()
    [1.0, 0.0, nan, 1.0]
    """
    a = a.reset_index(drop=True)
    b = b.reset_index(drop=True)
    da, db = complete_date(a), complete_date(b)
    out = pd.Series(np.sign((da - db).dt.days.to_numpy(dtype=float)))
    same = (out == 0).to_numpy()
    if same.any():
        ta, tb = _time_part(a)[same], _time_part(b)[same]
        n = np.minimum(ta.str.len(), tb.str.len())
        cmp = [(x[:k] > y[:k]) - (x[:k] < y[:k]) if k else 0 for x, y, k in zip(ta, tb, n)]
        out[same] = np.array(cmp, dtype=float)
    return out


def study_day(dtc: pd.Series, rfstdtc: pd.Series) -> pd.Series:
    """--DY from two complete dates: Day 1 is the reference date, the day before is Day -1 (no
    Day 0); NaN when either date is incomplete.

    >>> study_day(pd.Series(["2024-03-05", "2024-03-04", "2024-03"]), pd.Series(["2024-03-05T09:00"] * 3)).tolist()
    [1.0, -1.0, nan]
    """
    delta = (complete_date(dtc).to_numpy() - complete_date(rfstdtc).to_numpy()) / np.timedelta64(1, "D")
    return pd.Series(np.where(delta >= 0, delta + 1, delta), index=dtc.index)
