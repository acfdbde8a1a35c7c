"""Read and write SAS transport (XPT) v5 files, reproducibly.

The header timestamps are a fixed time the caller chooses (the data cutoff, say), never the
wall clock, so the same data give the same file. Writing uses the vectorised writer of
`analysis.xpt_writer` (pyreadstat's writer goes row by row in Python: most of a minute for a
1.3-million-row LB); `engine="pyreadstat"` keeps the old path, whose output it matches byte for
byte, for comparison. Reading uses the vectorised reader of `analysis.xpt_reader` for plain
XPT v5 files (pyreadstat builds the frame a row at a time: 20 s for a 1.3-million-row ADCYT)
and pyreadstat for anything else; both give the same frame.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from analysis.xpt_reader import read_xport_v5
from analysis.xpt_writer import write_xport_v5

# XPT header records are 80-byte card images; the created/modified stamps are ddMMMyy:hh:mm:ss.
_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
_HEADER_BYTES = 80 * 12  # library + member + descriptor headers come before the namestr records
DEFAULT_STAMP = dt.datetime(2000, 1, 1)


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def xpt_stamp(when: dt.date | dt.datetime) -> bytes:
    """ddMMMyy:hh:mm:ss with English month names, whatever the locale."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    return (f"{when.day:02d}{_MONTHS[when.month - 1]}{when.year % 100:02d}:"
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}").encode("ascii")


def write_xpt(df: pd.DataFrame, path: str | Path, *, name: str, label: str = "",
              column_labels: dict[str, str] | None = None,
              stamp: dt.date | dt.datetime = DEFAULT_STAMP, engine: str = "numpy",
              column_formats: dict[str, tuple[str, int, int]] | None = None) -> None:
    """Write `df` as XPT v5 member `name`, atomically, with a fixed header timestamp.

    Columns are numbers (written as IBM doubles, NaN as '.') or ASCII text (as wide as the
    longest value, at most 200 bytes); names of at most 8 characters, labels of at most 40.
    What breaks these rules raises ValueError (TypeError for other dtypes) before the file is
    replaced. `engine="pyreadstat"` writes through pyreadstat instead (slow; for comparison).

    >>> import tempfile, os, pandas as pd
    >>> p = os.path.join(tempfile.mkdtemp(), "dm.xpt")
    >>> write_xpt(pd.DataFrame({"AGE": [50.0]}), p, name="DM", column_labels={"AGE": "Age"})
    >>> read_xpt(p)["AGE"].tolist()
    [50.0]
    """
    if engine not in ("numpy", "pyreadstat"):
        raise ValueError(f"engine must be 'numpy' or 'pyreadstat', not {engine!r}")
    path = Path(path)
    labels = [(column_labels or {}).get(c, "") for c in df.columns]
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        if engine == "numpy":
            with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
                write_xport_v5(df, fh, name=name, label=label, column_labels=labels,
                               stamp=xpt_stamp(stamp), column_formats=column_formats)
        else:
            if column_formats:
                raise ValueError("column_formats needs engine='numpy'")
            os.close(fd)
            _write_with_pyreadstat(df, tmp, name=name, label=label, labels=labels, stamp=stamp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep a deliverable private
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write_with_pyreadstat(df: pd.DataFrame, tmp: str, *, name: str, label: str,
                           labels: list[str], stamp: dt.date | dt.datetime) -> None:
    """pyreadstat stamps the wall clock into the headers; replace those stamps with `stamp`."""
    import pyreadstat

    pyreadstat.write_xport(df, tmp, file_label=label, column_labels=labels,
                           table_name=name, file_format_version=5)
    with open(tmp, "r+b") as fh:
        head = fh.read(_HEADER_BYTES)
        fixed = _STAMP.sub(xpt_stamp(stamp), head)
        fh.seek(0)
        fh.write(fixed)


# ADaM naming convention for numeric dates, datetimes and times, longest suffix first; one rule
# for the XPT display formats and define.xml's DisplayFormat
_DATE_FORMATS = (("DTM", ("DATETIME", 20, 0)), ("DT", ("DATE", 9, 0)), ("TM", ("TIME", 8, 0)))


def date_display_format(name: str) -> tuple[str, int, int] | None:
    """SAS display format (name, width, decimals) of a numeric variable named as an ADaM date
    (*DT), datetime (*DTM) or time (*TM); None otherwise, and for elapsed times (*ELTM).

    >>> date_display_format("ASTDT"), date_display_format("ARELTM"), date_display_format("AVAL")
    (('DATE', 9, 0), None, None)
    """
    if name.endswith("ELTM"):
        return None
    return next((fmt for suffix, fmt in _DATE_FORMATS if name.endswith(suffix)), None)


def read_xpt(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an XPT file as pyreadstat does (numeric zeros exact, which pandas.read_sas does not
    promise); numeric dates stay SAS numbers whatever their display format (DATE9. etc.), as
    written. `columns` reads only those (file order; unknown names raise KeyError).

    Plain XPT v5 files (all this project writes) go through the vectorised reader of
    `analysis.xpt_reader`, several times faster than pyreadstat for the same frame; others
    through pyreadstat."""
    return _read_xport(path, columns)[0]


def _read_xport(path: str | Path, columns: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """(frame, {column: label}) by the fast reader, else by pyreadstat."""
    fast = read_xport_v5(path, columns)
    if fast is not None:
        return fast[0], fast[1]
    import pyreadstat

    df, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True, usecols=columns)
    return df, dict(meta.column_names_to_labels or {})


def read_analysis_dataset(path: str | Path, name: str, *, with_labels: bool = False,
                          columns: list[str] | None = None):
    """An analysis input (ADaM XPT, or CSV for hand-made data) for the table commands; a missing
    or unreadable file is a one-line UserError naming the file and the dataset.

    CSV: numbers stay numbers (as in XPT), blank text is "" (as `read_xpt` gives), USUBJID text.
    With `with_labels`, returns ``(df, {variable: label})`` (labels from the XPT header; none
    for CSV). `columns` reads only those columns (XPT: the others are never decoded; a name
    the file lacks is a UserError).
    """
    import pyreadstat

    from analysis.errors import UserError

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: {name} file not found")
    labels: dict[str, str] = {}
    try:
        if path.suffix.lower() == ".csv":
            df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"USUBJID": str},
                             usecols=columns)
            text = df.select_dtypes(include="object").columns
            df[text] = df[text].fillna("")
        else:
            df, all_labels = _read_xport(path, columns)
            labels = {k: v for k, v in all_labels.items() if v}
    except (OSError, ValueError, KeyError, UnicodeDecodeError, pd.errors.ParserError, pyreadstat.PyreadstatError,
            pyreadstat.ReadstatError) as exc:
        raise UserError(f"{path}: cannot read {name} ({exc})".replace("\n", " ")) from None
    return (df, labels) if with_labels else df
