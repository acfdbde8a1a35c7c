"""A vectorised reader for the observations of a one-member SAS transport (XPT v5) file, for
the Dataset-JSON copies: numbers come out as float64 arrays and text as the raw blank-padded
bytes, a block of rows at a time, so a 500 MB dataset is neither read into Python objects
(what made pyreadstat's full read the slow part of packaging) nor held in memory at once.

It reads what SAS technical note TS-140 describes and `analysis.xpt_writer` writes; it
gives the same values as ReadStat (pyreadstat), which tests/package checks file by file:

- the NAMESTR records give each variable's type (1 numeric, 2 character), length and byte
  offset in the record; the observations follow the OBS header record;
- the number of records is the data length over the record length, less trailing records
  that are all blanks (the padding of the last 80-byte card, as ReadStat drops them);
- numbers are IBM System/360 doubles of 2 to 8 bytes (short ones padded with zero bytes);
  '.', '.A'-'.Z' and '._' (the byte then zeros) are missing (NaN);
- text keeps its padding here; the caller strips trailing blanks and NULs, as ReadStat does.

`open_xpt` returns None for what it does not handle (a V8 file, several members, a namestr
that does not add up) and the caller falls back to pyreadstat; `XptFile.rows` raises
SecondMember when the records hold a second member.

>>> import tempfile, os, pandas as pd
>>> from analysis.xpt import write_xpt
>>> p = os.path.join(tempfile.mkdtemp(), "ds.xpt")
>>> write_xpt(pd.DataFrame({"A": ["x", "yy"], "N": [1.5, float("nan")]}), p, name="DS")
>>> x = open_xpt(p)
>>> x.names, x.n_rows, x.numeric
(['A', 'N'], 2, [False, True])
>>> rows = x.rows(0, 2)
>>> x.text(rows, 0).tolist(), x.number(rows, 1).tolist()
([b'x ', b'yy'], [1.5, nan])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# ReadStat's conversion (low bits truncated, IBM's largest value = infinity), shared with the
# frame reader so the Dataset-JSON copies hold what every other reader of the XPT sees
from analysis.xpt_reader import ibm_to_ieee

RECORD = 80
_HEADER = b"HEADER RECORD*******"


class SecondMember(ValueError):
    """The records hold another member's header: not a one-member file after all."""


@dataclass
class XptFile:
    """The observation layout of one XPT member; records are read a block at a time."""

    path: Path
    names: list[str]
    numeric: list[bool]
    positions: list[int]
    lengths: list[int]
    row_length: int
    n_rows: int
    data_start: int  # byte offset of the first record

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Records start..stop as a structured array, one field per variable: text fields are
        opaque "V<length>" items, 8-byte numbers big-endian uint64. A second member in these
        bytes raises SecondMember (`open_xpt` reads one-member files only)."""
        record = np.dtype({"names": [f"v{j}" for j in range(len(self.names))],
                           "formats": [">u8" if num and n == 8 else f"V{n}"
                                       for num, n in zip(self.numeric, self.lengths)],
                           "offsets": self.positions, "itemsize": self.row_length})
        size = (stop - start) * self.row_length
        with open(self.path, "rb") as fh:
            fh.seek(self.data_start + start * self.row_length)
            data = fh.read(size + RECORD)  # + one card: a member header across the block end
        if data.find(_HEADER + b"MEMBER  HEADER RECORD") != -1:
            raise SecondMember(f"{self.path}: more than one member")
        return np.frombuffer(data, dtype=record, count=stop - start)

    def text(self, rows: np.ndarray, j: int) -> np.ndarray:
        """Variable j of the given records as blank-padded bytes (numpy "S<length>")."""
        return np.ascontiguousarray(rows[f"v{j}"]).view(f"S{self.lengths[j]}")

    def number(self, rows: np.ndarray, j: int) -> np.ndarray:
        """Variable j of the given records as float64, NaN for the SAS missing values."""
        field = rows[f"v{j}"]
        if self.lengths[j] == 8:
            return ibm_to_ieee(field)
        raw = np.zeros((len(rows), 8), dtype=np.uint8)  # a short number: the high bytes only
        raw[:, :self.lengths[j]] = np.ascontiguousarray(field).view(np.uint8).reshape(len(rows), -1)
        return ibm_to_ieee(raw.view(">u8").ravel())


def _int(field: bytes) -> int:
    return int(field.decode("ascii").strip() or 0)


def open_xpt(path: str | Path) -> XptFile | None:
    """The layout of a one-member XPT v5 file; None if it is not one (the caller then reads
    it with pyreadstat)."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(RECORD * 8)
        cards = [head[i:i + RECORD] for i in range(0, len(head), RECORD)]
        if len(cards) < 8 or not cards[0].startswith(_HEADER + b"LIBRARY HEADER RECORD") \
                or not cards[3].startswith(_HEADER + b"MEMBER  HEADER RECORD") \
                or not cards[7].startswith(_HEADER + b"NAMESTR HEADER RECORD"):
            return None
        namestr_len = _int(cards[3][74:78])
        n_vars = _int(cards[7][54:58])
        if namestr_len not in (136, 140) or n_vars < 1:
            return None
        block = fh.read(-(-n_vars * namestr_len // RECORD) * RECORD)
        obs_card = fh.read(RECORD)
        data_start = fh.tell()
        size = fh.seek(0, 2)
    names, numeric, positions, lengths = [], [], [], []
    for i in range(n_vars):
        rec = block[i * namestr_len:(i + 1) * namestr_len]
        if len(rec) < 88:
            return None
        kind, length = int.from_bytes(rec[0:2], "big"), int.from_bytes(rec[4:6], "big")
        if kind not in (1, 2) or length < 1 or (kind == 1 and not 2 <= length <= 8):
            return None
        names.append(rec[8:16].decode("ascii", "replace").rstrip())
        numeric.append(kind == 1)
        lengths.append(length)
        positions.append(int.from_bytes(rec[84:88], "big"))
    row_length = sum(lengths)
    if not _contiguous(positions, lengths) or not obs_card.startswith(_HEADER + b"OBS     HEADER RECORD"):
        return None
    x = XptFile(path, names, numeric, positions, lengths, row_length, (size - data_start) // row_length,
                data_start)
    while x.n_rows:  # blank padding of the last card is not a record
        tail = x.rows(x.n_rows - 1, x.n_rows).view(np.uint8)
        if (tail != 0x20).any():
            break
        x.n_rows -= 1
    return x


def _contiguous(positions: list[int], lengths: list[int]) -> bool:
    """Whether the variables tile the record exactly, in some order."""
    spans = sorted(zip(positions, lengths))
    at = 0
    for pos, n in spans:
        if pos != at:
            return False
        at += n
    return True
