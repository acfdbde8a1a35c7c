"""What the data actually hold, column by column: the Define-XML data type, length and
significant digits of an SDTM variable (or of one slice of it, for value-level metadata).

Rules (ODM 1.3.2 / Define-XML 2.1 data types):
- Char variables whose name ends in DTC hold ISO 8601 dates: `date` when every value is a
  complete date, `datetime` when every value is a complete date and time with seconds,
  `partialDate` when every value is a date, possibly right-truncated (YYYY, YYYY-MM),
  `partialDatetime` for right-truncated date/times (YYYY-MM-DDThh:mm has no seconds, so it is
  partial), `incompleteDatetime` when components in the middle are missing (--),
  `intervalDatetime` for intervals; names ending in DUR hold `durationDatetime`. ISO 8601 types
  carry no Length. An empty --DTC column is `partialDatetime` (what an SDTM --DTC may hold).
- Other Char variables are `text`; Length is the longest value in characters (1 when the column
  is empty, as in the XPT file).
- Num variables are `integer` when every value is whole, else `float` with SignificantDigits the
  most digits after the decimal point. Values are read at 12 significant digits, so binary
  noise (15.732000000000003) does not count. Length is the most digits a value has (sign and
  decimal point not counted). An empty Num column is `integer` when its name ends in DY or SEQ,
  else `float`.
- Value-level results held as text (--ORRES, --STRESC) are profiled the same way: `integer` or
  `float` when every value is a plain decimal number, else `text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

_D = r"\d{4}-\d{2}-\d{2}"
_SECONDS = r"\d{2}:\d{2}:\d{2}(\.\d+)?"
_TZ = r"(Z|[+-]\d{2}:\d{2})?"
ISO_PATTERNS = (  # first match wins; every value of the column must match
    ("date", re.compile(_D)),
    ("datetime", re.compile(rf"{_D}T{_SECONDS}{_TZ}")),
    ("partialDate", re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")),
    ("partialDatetime", re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?" + _TZ + r")?)?)?")),
    ("incompleteDatetime", re.compile(r"(\d{4}|-)-(\d{2}|-)-(\d{2}|-)(T(\d{2}|-):(\d{2}|-)(:(\d{2}|-))?)?")),
    ("intervalDatetime", re.compile(r"[^/\s]+/[^/\s]+")),
)
_DURATION = re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO_TYPES = tuple(t for t, _ in ISO_PATTERNS) + ("durationDatetime",)


@dataclass(frozen=True)
class Profile:
    data_type: str
    length: int | None        # None for ISO 8601 types
    digits: int | None        # SignificantDigits (float only)
    count: int                # non-missing values
    bad: tuple[str, ...] = ()  # values that fit no ISO 8601 pattern (date columns only)


def _number_text(x: float) -> str:
    """Plain decimal text of a stored double at 12 significant digits: 15.732000000000003 -> 15.732."""
    text = f"{x:.12g}"
    if "e" in text or "n" in text:  # exponent (1e-05), inf, nan: Decimal writes them out
        return format(Decimal(text), "f")
    return text


def _digits(texts: list[str]) -> tuple[int, int]:
    """(most digits, most digits after the point) over plain decimal numbers as text."""
    most = decimals = 0
    for s in texts:
        body = s.lstrip("-")
        whole, _, frac = body.partition(".")
        most = max(most, len(whole) + len(frac))
        decimals = max(decimals, len(frac))
    return most, decimals


def _number_digits(uniq: np.ndarray) -> tuple[int, int]:
    """`_digits` of the 12-significant-digit texts of distinct doubles. Whole numbers below
    1e11 print as themselves, so their digits are counted in numpy; only the others are
    written out one by one (a date or day column holds thousands of whole numbers).

    >>> _number_digits(np.array([-2.0, 15.732000000000003, 4019.9999999999995, 0.0]))
    (5, 3)
    """
    whole = (uniq == np.round(uniq)) & (np.abs(uniq) < 1e11)
    most = decimals = 0
    if whole.any():
        most = int(np.char.str_len(np.abs(uniq[whole]).astype(np.int64).astype(str)).max())
    if not whole.all():
        m, decimals = _digits([_number_text(x) for x in uniq[~whole]])
        most = max(most, m)
    return most, decimals


def iso8601_type(values: list[str], name: str) -> tuple[str, tuple[str, ...]]:
    """The Define-XML ISO 8601 data type for a date/time column, and the values fitting none."""
    if name.endswith("DUR"):
        return "durationDatetime", tuple(v for v in values if not _DURATION.fullmatch(v))
    kinds, bad = set(), []
    for v in values:
        kind = next((t for t, p in ISO_PATTERNS if p.fullmatch(v)), None)
        if kind is None:
            bad.append(v)
        else:
            kinds.add(kind)
    if len(kinds) == 1:
        data_type = kinds.pop()
    elif kinds and kinds <= {"date", "partialDate"}:
        data_type = "partialDate"
    elif kinds <= {"date", "datetime", "partialDate", "partialDatetime"}:
        data_type = "partialDatetime"
    elif "intervalDatetime" in kinds:
        data_type = "intervalDatetime"
    else:
        data_type = "incompleteDatetime"
    return data_type, tuple(sorted(bad))


def is_iso8601(name: str) -> bool:
    return name.endswith("DTC") or name.endswith("DUR")


def distinct_text(values: pd.Series) -> tuple[list[str], int]:
    """The distinct non-empty values of a Char column, as text, and how many values are not
    empty; one hashing pass (a lab column holds a million values but a few thousand distinct).

    >>> distinct_text(pd.Series(["b", "", "a", "b"]))
    (['b', 'a'], 3)
    """
    codes, uniq = pd.factorize(values)
    texts, empty = {}, 0
    for k, v in enumerate(uniq):
        if isinstance(v, str) and v == "":
            empty = int(np.count_nonzero(codes == k))
        else:
            texts.setdefault(str(v), None)
    if len(uniq) < len(values) and (codes < 0).any():
        texts.setdefault("nan", None)  # what astype(str) makes of a missing value
    return list(texts), len(values) - empty


def profile_text(values: pd.Series, name: str, numeric_ok: bool = False) -> Profile:
    """Profile a Char column ('' is missing). `numeric_ok`: report integer/float when every value
    is a plain number (value-level results)."""
    return profile_distinct_text(*distinct_text(values), name, numeric_ok)


def profile_distinct_text(uniq: list[str], count: int, name: str, numeric_ok: bool = False) -> Profile:
    """`profile_text` from the column's distinct non-empty values and their number of records."""
    if is_iso8601(name):
        data_type, bad = iso8601_type(uniq, name)
        return Profile(data_type, None, None, count, bad)
    length = max((len(v) for v in uniq), default=0) or 1
    if numeric_ok and uniq and all(_NUMBER.fullmatch(v) for v in uniq):
        most, decimals = _digits(uniq)
        if decimals == 0:
            return Profile("integer", most, None, count)
        return Profile("float", most, decimals, count)
    return Profile("text", length, None, count)


def profile_number(values: pd.Series, name: str) -> Profile:
    present = values.dropna()
    if present.empty:
        data_type = "integer" if name.endswith(("DY", "SEQ")) else "float"
        return Profile(data_type, 1, 0 if data_type == "float" else None, 0)
    most, decimals = _number_digits(pd.unique(present.to_numpy(dtype=float)))
    if decimals == 0:
        return Profile("integer", most, None, len(present))
    return Profile("float", most, decimals, len(present))


def profile_column(values: pd.Series, name: str, numeric: bool, numeric_ok: bool = False) -> Profile:
    return profile_number(values, name) if numeric else profile_text(values, name, numeric_ok)
