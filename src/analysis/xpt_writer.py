"""A vectorised SAS transport (XPT) version 5 writer: numpy and Arrow, no per-row Python.

The layout follows SAS technical note TS-140 and, byte for byte, what ReadStat (pyreadstat's
writer) produces for the same frame, so files written here and by `engine="pyreadstat"` are
interchangeable:

- header records are 80-byte card images: library header, member and descriptor headers,
  the member record (SAS version "6.06", OS "bsd4.2") and the dataset label record, then the
  NAMESTR header and one 140-byte namestr per variable, blank-padded to a multiple of 80;
- a namestr has no format or informat (8 blanks each, lengths 0), `nfj` 1 for numeric
  variables (right-justified) and 0 for character ones, `npos` the byte offset in the record;
- observations follow the "OBS" header record, fixed width with no separators, and the last
  card is padded with blanks;
- numbers are 8-byte IBM System/360 doubles, exact (IBM's 56-bit fraction holds the 53-bit
  significand); NaN is the SAS missing value '.' (0x2E then zeros); -0.0 and magnitudes below
  2**-260 are 0; magnitudes of 2**249 and above (infinities too) saturate to IBM's largest;
- a character variable is as wide as its longest value (at least 1); missing values (None,
  NaN, pd.NA) are blank.

What a v5 file cannot carry faithfully raises a ValueError naming the column (and row): names
longer than 8 or not SAS names, labels longer than 40 or not ASCII (ReadStat cuts labels at 40
bytes), values longer than 200 bytes, non-ASCII values (ReadStat writes their UTF-8) and NUL
characters (ReadStat cuts the value at the NUL). Columns must be numeric (float, int, bool,
nullable or not) or text (str objects, the string dtypes, categoricals of either); other
dtypes raise TypeError.

Speed: the costly part is reading a text column's Python str objects (after a sort they are
scattered in memory). Each is read once, into dictionary-encoded Arrow blocks; checks and
widths then use only the distinct values, and the records are assembled with numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RECORD = 80
NAMESTR = 140
MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR_WIDTH = 200
CHUNK_BYTES = 16 << 20  # observation bytes assembled in memory at a time
BLOCK_ROWS = 1 << 18  # rows of a text column encoded together

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = {"_N_", "_ERROR_", "_NUMERIC_", "_CHARACTER_", "_ALL_"}
_SAS_MISSING = np.uint64(0x2E << 56)


@dataclass
class _Var:
    position: int
    name: str
    label: str
    numeric: bool
    width: int = 8
    offset: int = 0
    blocks: list[tuple[np.ndarray, pa.Array]] | None = None  # text: see _encode_text
    fmt: tuple[str, int, int] = ("", 0, 0)  # display format name, width, decimals (e.g. DATE, 9, 0)


def write_xport_v5(df: pd.DataFrame, fh: BinaryIO, *, name: str, label: str,
                   column_labels: list[str], stamp: bytes,
                   column_formats: dict[str, tuple[str, int, int]] | None = None) -> None:
    """Write `df` to the binary file `fh` as the only member, `name`, of an XPT v5 library.

    `column_labels` has one label per column ("" for none); `stamp` is the 16-byte
    ddMMMyy:hh:mm:ss used as created and modified time of library and member;
    `column_formats` optionally gives a column its SAS display format as (name, width,
    decimals), e.g. {"ADT": ("DATE", 9, 0)}, so SAS shows numeric dates as dates."""
    if len(stamp) != 16:
        raise ValueError(f"XPT timestamp must be 16 bytes (ddMMMyy:hh:mm:ss), got {stamp!r}")
    _check_name(name, "dataset name")
    _check_label(label, f"dataset {name}: label")
    variables = _describe(df, column_labels)
    for var in variables:
        fmt = (column_formats or {}).get(var.name)
        if fmt:
            fname, width, decimals = fmt
            if not (isinstance(fname, str) and len(fname) <= 8 and fname.isalpha() and fname.isascii()):
                raise ValueError(f"column {var.name}: format name {fname!r} is not a SAS format name of <= 8 letters")
            var.fmt = (fname.upper(), int(width), int(decimals))
    fh.write(_headers(variables, name, label, stamp))
    row_len = _write_observations(df, variables, fh)
    pad = -(len(df) * row_len) % RECORD
    fh.write(b" " * pad)


def ieee_to_ibm(values: np.ndarray) -> np.ndarray:
    """IEEE 754 doubles -> IBM System/360 doubles, as big-endian uint64 (">u8").

    The conversion of TS-140 (as ReadStat does it): the 53-bit significand with its implicit
    bit, shifted left by the binary exponent mod 4, under a hex exponent of exponent div 4 plus
    65; nothing is rounded, as 56 bits hold the 53. NaN becomes the SAS missing value."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    bits = x.view(np.uint64)
    sign = bits >> np.uint64(63)
    exp = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    mantissa = (bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)
    mantissa <<= (exp & 3).astype(np.uint64)
    hex_exp = ((exp >> 2) + 65).clip(0, 127).astype(np.uint64)
    ibm = ((hex_exp | (sign << np.uint64(7))) << np.uint64(56)) | mantissa
    ibm[exp < -260] = 0  # zero, -0.0, subnormals and what IBM cannot represent
    huge = exp > 248  # beyond IBM's range, infinities too
    ibm[huge] = (sign[huge] << np.uint64(63)) | np.uint64(0x7FFF_FFFF_FFFF_FFFF)
    ibm[np.isnan(x)] = _SAS_MISSING
    return ibm.astype(">u8")


def _check_name(name: object, what: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} {name!r} is not a SAS name (a letter or _ then letters, digits or _)")
    if len(name) > MAX_NAME:
        raise ValueError(f"{what} {name!r} is longer than {MAX_NAME} characters, the XPT v5 limit")
    if name.upper() in _RESERVED:
        raise ValueError(f"{what} {name!r} is a reserved SAS name")


def _check_label(label: object, what: str) -> None:
    if not isinstance(label, str):
        raise ValueError(f"{what} {label!r} is not a string")
    if not label.isascii() or "\x00" in label:
        raise ValueError(f"{what} {label!r} is not ASCII text; XPT v5 labels are ASCII")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{what} {label!r} is {len(label)} characters long; XPT v5 allows {MAX_LABEL}")


def _describe(df: pd.DataFrame, column_labels: list[str]) -> list[_Var]:
    """Names, labels, types, widths and offsets; every value checked before a byte is written."""
    if df.shape[1] == 0:
        raise ValueError("an XPT dataset needs at least one column")
    if len(column_labels) != df.shape[1]:
        raise ValueError(f"{len(column_labels)} column labels for {df.shape[1]} columns")
    seen: dict[str, object] = {}
    variables, offset = [], 0
    for i, col in enumerate(df.columns):
        _check_name(col, "column name")
        if col.upper() in seen:
            raise ValueError(f"column names {seen[col.upper()]!r} and {col!r} are the same SAS name")
        seen[col.upper()] = col
        _check_label(column_labels[i], f"column {col}: label")
        numeric = _is_numeric(df.iloc[:, i], col)
        var = _Var(i, col, column_labels[i], numeric, offset=offset)
        if not numeric:
            var.blocks, var.width = _encode_text(df.iloc[:, i], col)
        offset += var.width
        variables.append(var)
    return variables


def _is_numeric(s: pd.Series, col: str) -> bool:
    """Numbers (float, int, bool; nullable or not) or text (object, string dtype); categoricals
    count as their categories, as in pyreadstat. Whether object values are all str is checked
    when they are read (`_arrow_text`)."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                             and not pd.api.types.is_complex_dtype(dtype)):
        return True
    if pd.api.types.is_string_dtype(dtype):
        return False
    raise TypeError(f"column {col}: dtype {s.dtype} is neither numeric nor text; convert it "
                    "(or write with engine='pyreadstat')")


def _chunks(n: int, row_bytes: int):
    step = max(1, CHUNK_BYTES // max(row_bytes, 1))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _arrow_text(part: pd.Series, col: str, start: int) -> pa.Array:
    """Rows of a text column as an Arrow string array, missing values (None, NaN, pd.NA) null.

    Reading the Python str objects is what costs (once a frame is sorted they lie all over
    memory), so this is done once per value; what follows runs on Arrow's packed buffers."""
    try:
        if isinstance(part.dtype, (pd.StringDtype, pd.ArrowDtype)):
            arr = pa.array(part.array)
        else:
            arr = pa.array(part.to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid) as e:
        raise TypeError(f"column {col}: values are not all str ({e}) in rows {start} to "
                        f"{start + len(part) - 1}; XPT "
                        "columns are numbers (float/int/bool) or text — convert it "
                        "(or write with engine='pyreadstat')") from None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if not pa.types.is_string(arr.type):
        raise TypeError(f"column {col}: values are {arr.type}, not str, in rows {start} to "
                        f"{start + len(part) - 1}; XPT "
                        "columns are numbers (float/int/bool) or text — convert it "
                        "(or write with engine='pyreadstat')")
    return arr


def _encode_text(s: pd.Series, col: str) -> tuple[list[tuple[np.ndarray, pa.Array]], int]:
    """A text column, a block of rows at a time, as (codes, distinct values) per block, and
    its width: the longest value in bytes, at least 1.

    The str objects are read once, into dictionary-encoded Arrow arrays; the checks (ASCII,
    no NUL, at most 200 bytes) and the width look only at each block's distinct values.
    Codes take 1, 2 or 4 bytes a row (missing values get the code one past the last value),
    so all columns' codes together are far smaller than the frame."""
    blocks, width = [], 1
    for start in range(0, len(s), BLOCK_ROWS):
        encoded = pc.dictionary_encode(_arrow_text(s.iloc[start:start + BLOCK_ROWS], col, start))
        values = encoded.dictionary
        codes = pc.fill_null(encoded.indices, len(values)).to_numpy()
        codes = codes.astype(np.min_scalar_type(len(values)), copy=False)
        longest = pc.max(pc.binary_length(values)).as_py() or 0
        if (pc.all(pc.string_is_ascii(values)).as_py() is False or longest > MAX_CHAR_WIDTH
                or pc.any(pc.match_substring(values, "\x00")).as_py()):
            _raise_bad_text(values.to_pylist(), codes, start, col)
        width = max(width, longest)
        blocks.append((codes, values))
    return blocks, width


def _padded_table(values: pa.Array, width: int) -> np.ndarray:
    """Distinct values as blank-padded rows of `width` bytes, then a blank row (for missing)."""
    table = np.full((len(values) + 1, width), ord(" "), dtype=np.uint8)
    if len(values):
        padded = pc.utf8_rpad(values, width=width, padding=" ")
        first = np.frombuffer(padded.buffers()[1], dtype=np.int32)[padded.offset]
        data = np.frombuffer(padded.buffers()[2], dtype=np.uint8)
        table[:-1] = data[first:first + len(values) * width].reshape(len(values), width)
    return table


def _raise_bad_text(values: list[str], codes: np.ndarray, start: int, col: str) -> None:
    for k, v in enumerate(values):  # error path only: find an offending value and its first row
        if not v.isascii():
            problem = f"value {v!r} is not ASCII; XPT v5 text is ASCII"
        elif "\x00" in v:
            problem = f"value {v!r} contains a NUL character"
        elif len(v) > MAX_CHAR_WIDTH:
            problem = f"value is {len(v)} bytes long; XPT v5 allows {MAX_CHAR_WIDTH} ({v[:40]!r}...)"
        else:
            continue
        row = start + int(np.flatnonzero(codes == k)[0])
        raise ValueError(f"column {col}, row {row} (0-based): {problem}")
    raise AssertionError("no offending value found")


def _write_observations(df: pd.DataFrame, variables: list[_Var], fh: BinaryIO) -> int:
    """Assemble the fixed-width records, a chunk of rows at a time within each block of
    `_encode_text`; return the record length.

    A record is a numpy structured type: a text field is one opaque "V<width>" item (so a row
    of the padded table is copied as a whole), a number field a big-endian uint64."""
    row_len = sum(v.width for v in variables)
    record = np.dtype({"names": [f"f{v.position}" for v in variables],
                       "formats": [">u8" if v.numeric else f"V{v.width}" for v in variables],
                       "offsets": [v.offset for v in variables], "itemsize": row_len})
    for b, block_start in enumerate(range(0, len(df), BLOCK_ROWS)):
        tables = {v.position: _padded_table(v.blocks[b][1], v.width).view(f"V{v.width}").ravel()
                  for v in variables if not v.numeric}
        for start, stop in _chunks(min(BLOCK_ROWS, len(df) - block_start), row_len):
            out = np.empty(stop - start, dtype=record)
            for v in variables:
                if v.numeric:
                    part = df.iloc[block_start + start:block_start + stop, v.position]
                    out[f"f{v.position}"] = ieee_to_ibm(part.to_numpy(dtype=np.float64, na_value=np.nan))
                else:
                    out[f"f{v.position}"] = tables[v.position][v.blocks[b][0][start:stop]]
            fh.write(out.view(np.uint8).data)
    return row_len


def _card(text: bytes) -> bytes:
    if len(text) > RECORD:
        raise AssertionError(f"header record longer than {RECORD} bytes: {text!r}")
    return text.ljust(RECORD, b" ")


def _header_record(kind: str, *numbers: int) -> bytes:
    nums = (list(numbers) + [0] * 6)[:6]
    return _card(b"HEADER RECORD*******" + kind.ljust(8).encode("ascii") + b"HEADER RECORD!!!!!!!"
                 + "".join(f"{n:05d}" for n in nums).encode("ascii"))


def _headers(variables: list[_Var], name: str, label: str, stamp: bytes) -> bytes:
    def field(text: str, width: int) -> bytes:
        return text.encode("ascii").ljust(width, b" ")

    cards = [
        _header_record("LIBRARY"),
        _card(field("SAS", 8) + field("SAS", 8) + field("SASLIB", 8) + field("6.06", 8)
              + field("bsd4.2", 8) + b" " * 24 + stamp),
        _card(stamp),
        _header_record("MEMBER", 0, 0, 0, 160, 0, 140),
        _header_record("DSCRPTR"),
        _card(field("SAS", 8) + field(name, 8) + field("SASDATA", 8) + field("6.06", 8)
              + field("bsd4.2", 8) + b" " * 24 + stamp),
        _card(stamp + b" " * 16 + field(label, 40) + b" " * 8),
        _header_record("NAMESTR", 0, len(variables)),
    ]
    namestrs = b"".join(_namestr(v, i) for i, v in enumerate(variables))
    namestrs += b" " * (-len(namestrs) % RECORD)
    return b"".join(cards) + namestrs + _header_record("OBS")


def _namestr(v: _Var, i: int) -> bytes:
    """One 140-byte namestr, big-endian, as TS-140 lays it out."""
    def short(n: int) -> bytes:
        return n.to_bytes(2, "big")

    blank8 = b" " * 8
    rec = (short(1 if v.numeric else 2) + short(0) + short(v.width) + short(i + 1)
           + v.name.encode("ascii").ljust(8) + v.label.encode("ascii").ljust(40)
           + v.fmt[0].encode("ascii").ljust(8) + short(v.fmt[1]) + short(v.fmt[2])  # nform nfl nfd
           + short(1 if v.numeric else 0) + short(0)  # nfj nfill
           + blank8 + short(0) + short(0) + v.offset.to_bytes(4, "big"))  # niform nifl nifd npos
    return rec + b"\x00" * (NAMESTR - len(rec))
