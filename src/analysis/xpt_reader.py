"""A vectorised reader for SAS transport (XPT) version 5 files, the counterpart of
`analysis.xpt_writer`: numpy and Arrow, no per-row Python.

It returns what pyreadstat's `read_xport(..., disable_datetime_conversion=True)` returns for
the same file, value for value: numbers as float64 (IBM doubles converted as ReadStat does,
truncating; the SAS missing values '.', '._' and '.A'-'.Z' as NaN), text as Python str with
trailing blanks removed ('' for blank), the column names of the namestrs and a RangeIndex.
pyreadstat builds the frame row by row and then converts it; here each column is converted
at once, and each distinct text value becomes one str object shared by its rows.

Only the plain case is handled: one member of a version 5 library with 140-byte namestrs, and
text that is printable ASCII. Anything else (XPT v8, VAX namestrs, other text) returns None so
that the caller can fall back to pyreadstat, which knows the corner cases.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RECORD = 80
NAMESTR = 140
CHUNK_BYTES = 32 << 20  # file bytes converted at a time: bounds memory beside the result
_LIBRARY = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_MEMBER = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!"
_NAMESTR = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
_OBS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"


@dataclass(frozen=True)
class _Column:
    name: str
    label: str
    numeric: bool
    width: int
    offset: int


def ibm_to_ieee(ibm: np.ndarray) -> np.ndarray:
    """IBM System/360 doubles (as native uint64 of the big-endian bytes) -> float64, as
    ReadStat's `cnxptiee` converts them: the 56-bit fraction shifted right until its leading
    bit is the implicit one (low bits truncated), the hex exponent made binary; all-zero is
    0.0, IBM's largest magnitude (what a writer saturates to) is infinity, and a SAS missing value (one of '.', '_', 'A'-'Z' then seven zero bytes) is NaN.

    >>> from analysis.xpt_writer import ieee_to_ibm
    >>> x = np.array([0.0, 1.0, -2.5, 1e-300, 123456.789, np.nan])
    >>> ibm_to_ieee(ieee_to_ibm(x).astype(np.uint64)).tolist()
    [0.0, 1.0, -2.5, 0.0, 123456.789, nan]
    """
    x = np.asarray(ibm, dtype=np.uint64)
    top = x >> np.uint64(56)  # sign bit and hex exponent
    frac = x & np.uint64((1 << 56) - 1)
    nib = (x >> np.uint64(32)) & np.uint64(0x00E00000)  # the 3 bits above the implicit one
    shift = np.where(nib & np.uint64(0x00800000), 3,
                     np.where(nib & np.uint64(0x00400000), 2,
                              np.where(nib & np.uint64(0x00200000), 1, 0))).astype(np.uint64)
    mantissa = (frac >> shift) & ~np.uint64(1 << 52)
    exponent = (((top & np.uint64(0x7F)).astype(np.int64) - 65) * 4 + shift.astype(np.int64) + 1023)
    bits = mantissa | (exponent.astype(np.uint64) << np.uint64(52)) | ((top >> np.uint64(7)) << np.uint64(63))
    bits[x == 0] = 0
    first = top.astype(np.uint8)
    missing = (frac == 0) & ((first == ord(".")) | (first == ord("_")) | ((first >= ord("A")) & (first <= ord("Z"))))
    out = bits.view(np.float64)
    largest = (x & np.uint64(0x7FFF_FFFF_FFFF_FFFF)) == np.uint64(0x7FFF_FFFF_FFFF_FFFF)
    out[largest] = np.where(top[largest] >> np.uint64(7), -np.inf, np.inf)  # IBM's largest: infinity
    out[missing] = np.nan
    return out


def _header_columns(head: bytes, nvars: int) -> list[_Column]:
    columns = []
    for i in range(nvars):
        rec = head[i * NAMESTR:(i + 1) * NAMESTR]
        ntype, length, npos = (int.from_bytes(rec[0:2], "big"), int.from_bytes(rec[4:6], "big"),
                               int.from_bytes(rec[84:88], "big"))
        name = rec[8:16].decode("ascii").rstrip(" ")
        label = rec[16:56].decode("ascii").rstrip(" ")
        if ntype not in (1, 2) or length < 1 or (ntype == 1 and length > 8):
            raise _Unsupported
        columns.append(_Column(name, label, ntype == 1, length, npos))
    return columns


class _Unsupported(Exception):
    """The file is not the plain XPT v5 case: let pyreadstat read it."""


def _parse_headers(fh: io.BufferedReader) -> tuple[list[_Column], str, int]:
    """Columns, dataset label and the byte offset where observations start."""
    lib = fh.read(3 * RECORD)
    if not lib.startswith(_LIBRARY):
        raise _Unsupported
    member = fh.read(4 * RECORD)  # member and descriptor headers, then two descriptor cards
    if not member.startswith(_MEMBER) or member[74:78] != b"0140":
        raise _Unsupported
    label = member[3 * RECORD + 32:3 * RECORD + 72].decode("ascii", "replace").rstrip(" ")
    namestr = fh.read(RECORD)
    if not namestr.startswith(_NAMESTR):
        raise _Unsupported
    nvars = int(namestr[54:58])
    size = nvars * NAMESTR
    head = fh.read(size + (-size % RECORD))
    columns = _header_columns(head, nvars)
    if not fh.read(RECORD).startswith(_OBS):
        raise _Unsupported
    return columns, label, fh.tell()


def variable_names(path: str | Path) -> list[str] | None:
    """The variable names of a plain XPT v5 file from its header alone (None for any other file).

    >>> import tempfile, os
    >>> from analysis.xpt import write_xpt
    >>> p = os.path.join(tempfile.mkdtemp(), "ds.xpt")
    >>> write_xpt(pd.DataFrame({"A": ["x"], "N": [1.0]}), p, name="DS")
    >>> variable_names(p)
    ['A', 'N']
    """
    try:
        with open(path, "rb") as fh:
            return [c.name for c in _parse_headers(fh)[0]]
    except (_Unsupported, ValueError, UnicodeDecodeError):
        return None


def _row_length(columns: list[_Column]) -> int:
    """Bytes per observation; the fields must tile it (as every writer lays them out)."""
    offset = 0
    for c in columns:
        if c.offset != offset:
            raise _Unsupported
        offset += c.width
    return offset


def _row_count(path: Path, start: int, row_len: int) -> int:
    """Whole records after the headers, less the trailing all-blank ones (the blank padding of
    the last 80-byte card, which ReadStat skips with any all-blank rows at the very end)."""
    n = (path.stat().st_size - start) // row_len
    with open(path, "rb") as fh:
        blank = b" " * row_len
        while n:
            fh.seek(start + (n - 1) * row_len)
            if fh.read(row_len) != blank:
                break
            n -= 1
    return n


class _TextColumn:
    """A text column being read: per row the code of its distinct value, and those values."""

    def __init__(self, n: int):
        self.codes = np.empty(n, dtype=np.int32)
        self.index: dict[bytes, int] = {}

    def add(self, raw: np.ndarray, start: int) -> None:
        """Rows `start`... of the column, as a rows x width array of bytes."""
        raw = np.ascontiguousarray(raw)
        fixed = pa.Array.from_buffers(pa.binary(raw.shape[1]), len(raw), [None, pa.py_buffer(raw)])
        encoded = pc.dictionary_encode(fixed)
        distinct = np.frombuffer(encoded.dictionary.buffers()[1], dtype=np.uint8)
        if len(distinct) and (distinct.min() < 32 or distinct.max() > 126):
            raise _Unsupported  # control characters or non-ASCII: pyreadstat's rules apply
        local = [self.index.setdefault(v, len(self.index)) for v in encoded.dictionary.to_pylist()]
        self.codes[start:start + len(raw)] = np.asarray(local, dtype=np.int32)[encoded.indices.to_numpy()]

    def values(self) -> np.ndarray:
        """One str per row (sharing one object per distinct value)."""
        texts = np.empty(len(self.index), dtype=object)
        for raw, k in self.index.items():
            texts[k] = raw.rstrip(b" ").decode("ascii")
        return texts[self.codes]


def read_xport_v5(path: str | Path, columns: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, str], str] | None:
    """(frame, {column: label}, dataset label) of a plain XPT v5 file, or None when the file is
    not the plain case (see the module docstring) and pyreadstat should read it. `columns`
    keeps only those columns (in file order); unknown names raise KeyError."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            spec, label, start = _parse_headers(fh)
            row_len = _row_length(spec)
            if columns is not None:
                unknown = sorted(set(columns) - {c.name for c in spec})
                if unknown:
                    raise KeyError(f"{path}: no column(s) {unknown}")
            wanted = [i for i, c in enumerate(spec) if columns is None or c.name in columns]
            n = _row_count(path, start, row_len)
            numbers = {i: np.empty(n, dtype=np.float64) for i in wanted if spec[i].numeric}
            texts = {i: _TextColumn(n) for i in wanted if not spec[i].numeric}
            step = max(1, CHUNK_BYTES // row_len)
            fh.seek(start)
            for first in range(0, n, step):
                rows = min(step, n - first)
                buf = fh.read(rows * row_len)
                chunk = np.frombuffer(buf, dtype=np.uint8).reshape(rows, row_len)
                for i in wanted:
                    c = spec[i]
                    if c.numeric and c.width == 8:  # the bytes read in place as big-endian numbers
                        ibm = np.ndarray((rows,), dtype=">u8", buffer=buf, offset=c.offset, strides=(row_len,))
                        numbers[i][first:first + rows] = ibm_to_ieee(ibm.astype(np.uint64))
                    elif c.numeric:
                        numbers[i][first:first + rows] = ibm_to_ieee(_short_numbers(chunk[:, c.offset:c.offset + c.width]))
                    else:
                        texts[i].add(chunk[:, c.offset:c.offset + c.width], first)
            data = {spec[i].name: numbers[i] if spec[i].numeric else texts[i].values() for i in wanted}
    except (_Unsupported, UnicodeDecodeError, ValueError):
        return None
    # copy=False keeps one block per column: consolidating them would copy every column again
    frame = pd.DataFrame(data, index=pd.RangeIndex(n), columns=[spec[i].name for i in wanted], copy=False)
    return frame, {spec[i].name: spec[i].label for i in wanted}, label


def _short_numbers(field: np.ndarray) -> np.ndarray:
    """Big-endian numbers of fewer than 8 bytes (rows x width), zero-padded on the right as
    SAS truncated them, as native uint64."""
    full = np.zeros((len(field), 8), dtype=np.uint8)
    full[:, :field.shape[1]] = field
    return full.view(">u8").ravel().astype(np.uint64)
