"""Read and write SAS transport (XPT) files through pyreadstat, reproducibly.

pyreadstat stamps the wall-clock time into the library and member headers; a rerun would then
differ byte for byte. `write_xpt` replaces those stamps with a fixed timestamp the caller
chooses (the data cutoff, say), so the same data give the same file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

# XPT header records are 80-byte card images; the created/modified stamps are ddMMMyy:hh:mm:ss.
_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
_HEADER_BYTES = 80 * 12  # library + member + descriptor headers come before the namestr records
DEFAULT_STAMP = dt.datetime(2000, 1, 1)


def xpt_stamp(when: dt.date | dt.datetime) -> bytes:
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    return when.strftime("%d%b%y:%H:%M:%S").upper().encode("ascii")


def write_xpt(df: pd.DataFrame, path: str | Path, *, name: str, label: str = "",
              column_labels: dict[str, str] | None = None,
              stamp: dt.date | dt.datetime = DEFAULT_STAMP) -> None:
    """Write `df` as XPT v5 member `name`, atomically, with a fixed header timestamp.

    >>> import tempfile, os, pandas as pd
    >>> p = os.path.join(tempfile.mkdtemp(), "dm.xpt")
    >>> write_xpt(pd.DataFrame({"AGE": [50.0]}), p, name="DM", column_labels={"AGE": "Age"})
    >>> read_xpt(p)["AGE"].tolist()
    [50.0]
    """
    path = Path(path)
    labels = [(column_labels or {}).get(c, "") for c in df.columns]
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        import pyreadstat

        pyreadstat.write_xport(df, tmp, file_label=label, column_labels=labels,
                               table_name=name, file_format_version=5)
        with open(tmp, "r+b") as fh:
            head = fh.read(_HEADER_BYTES)
            fixed = _STAMP.sub(xpt_stamp(stamp), head)
            fh.seek(0)
            fh.write(fixed)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_xpt(path: str | Path) -> pd.DataFrame:
    """Read an XPT file; pyreadstat keeps numeric zeros exact (pandas.read_sas does not)."""
    import pyreadstat

    df, _meta = pyreadstat.read_xport(str(path))
    return df
