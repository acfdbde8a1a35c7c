"""Read one raw form file as text, exactly as written, so every rule sees the raw value.

Nothing is stripped, upper-cased or converted: a leading blank or a "1.0" in an integer column
is a finding for the rules, not something the reader quietly repairs. A file that cannot be
parsed becomes a hard problem (rule RAW002), never a traceback.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.raw import rules
from analysis.specs import Form

BOM = "\ufeff"


def read_form(raw_dir: str | Path, form: Form) -> pd.DataFrame:
    """The form's records as a DataFrame of str (empty cells are ""), columns as in the file.

    Raises DataError with RAW001 (file missing) or RAW002 (file unreadable) problems.

    >>> from analysis.specs import load_study
    >>> study = load_study("specs/study.yaml")
    >>> read_form("data/raw", study.forms["enrolment"]).loc[0, "AGE"]
    '57'
    """
    path = Path(raw_dir) / form.file
    missing = rules.file_missing(form, path)
    if missing:
        raise DataError(missing)
    if form.format == "xpt":
        return _read_xpt(path, form)
    return _read_csv(path, form)


def _unreadable(form: Form, reason: str, row: int | None = None) -> DataError:
    return DataError([rules.file_unreadable(form, reason, row)])


def _read_csv(path: Path, form: Form) -> pd.DataFrame:
    header = _csv_header(path, form)
    if not _well_shaped(path, header):
        raise _ragged(path, form, len(header))
    try:
        # header=None: pandas then sizes rows by the first line instead of quietly turning an
        # extra field into the index.
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8",
                         header=None, skiprows=1, index_col=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in header})
    except (pd.errors.ParserError, ValueError):
        raise _ragged(path, form, len(header)) from None
    if df.shape[1] != len(header):
        raise _ragged(path, form, len(header))
    df.columns = header
    return df


def _well_shaped(path: Path, header: list[str]) -> bool:
    """Every record has as many fields as the header.

    pandas pads a short record with empty strings, indistinguishable from empty values, so
    the shape is checked by pyarrow's parser, which flags it (and is fast: it converts only
    the first column).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ragged = []

    def note(row) -> str:
        ragged.append(row)
        return "skip"

    try:
        pacsv.read_csv(path, parse_options=pacsv.ParseOptions(invalid_row_handler=note, newlines_in_values=True),
                       convert_options=pacsv.ConvertOptions(include_columns=header[:1],
                                                            column_types={header[0]: pa.string()}))
    except pa.ArrowInvalid:
        return False
    return not ragged


def _csv_header(path: Path, form: Form) -> list[str]:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _unreadable(form, f"it is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line})") from None
    end = data.find(b"\n")
    first = next(csv.reader([data[:end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")]), None)
    if not first:
        raise _unreadable(form, "it has no header line")
    if first[0].startswith(BOM):
        raise _unreadable(form, "it starts with a byte order mark (save it as UTF-8 without BOM)")
    repeated = sorted({name for name in first if first.count(name) > 1})
    if repeated:
        raise _unreadable(form, f"the header names column(s) {', '.join(repeated)} more than once")
    return first


def _ragged(path: Path, form: Form, width: int) -> DataError:
    """Name every record whose field count differs from the header's (error path only)."""
    with open(path, encoding="utf-8", newline="") as fh:
        records = (r for r in csv.reader(fh) if r)
        next(records, None)
        problems = [rules.file_unreadable(form, f"record has {len(r)} fields, the header has {width}", n)
                    for n, r in enumerate(records, start=1) if len(r) != width]
    return DataError(problems or [rules.file_unreadable(form, "it is not a well-formed CSV file")])


def _read_xpt(path: Path, form: Form) -> pd.DataFrame:
    import pyreadstat

    try:
        df, _meta = pyreadstat.read_xport(str(path))
    except Exception:  # pyreadstat's error types and texts vary by version; the message must not
        raise _unreadable(form, "it is not a valid SAS transport (XPT v5) file") from None
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            df[col] = _numbers_as_text(df[col].to_numpy(dtype=float))
    return df


def _numbers_as_text(values: np.ndarray) -> np.ndarray:
    """XPT numerics as the text a CSV export would carry: 15 significant digits, NaN -> ""."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.array([format(x, ".15g") for x in uniques] + [""], dtype=object)
    return texts[codes]  # code -1 (NaN) picks the trailing ""
