"""XPT writing is reproducible and readable by a second reader."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from analysis.xpt import read_xpt, write_xpt


def test_rewrite_is_byte_identical_and_uses_the_given_stamp(tmp_path):
    df = pd.DataFrame({"AVAL": [0.0, 1.5], "PARAMCD": ["ALT", "AST"]})
    write_xpt(df, tmp_path / "a.xpt", name="ADLB", column_labels={"AVAL": "Analysis Value"},
              stamp=dt.date(2025, 1, 31))
    time.sleep(1.1)
    write_xpt(df, tmp_path / "b.xpt", name="ADLB", column_labels={"AVAL": "Analysis Value"},
              stamp=dt.date(2025, 1, 31))
    a = (tmp_path / "a.xpt").read_bytes()
    assert a == (tmp_path / "b.xpt").read_bytes()
    assert a.count(b"31JAN25:00:00:00") == 4  # created and modified, library and member headers


def test_second_reader_sees_the_same_values(tmp_path):
    df = pd.DataFrame({"AVAL": [0.0, 1.5, None], "PARAMCD": ["ALT", "AST", "GGT"]})
    write_xpt(df, tmp_path / "x.xpt", name="X", column_labels={"AVAL": "Analysis Value"})
    back = read_xpt(tmp_path / "x.xpt")
    assert back["AVAL"].iloc[0] == 0.0 and back["AVAL"].iloc[1] == 1.5 and pd.isna(back["AVAL"].iloc[2])
    other = pd.read_sas(tmp_path / "x.xpt", format="xport", encoding="ascii")
    assert list(other["PARAMCD"]) == ["ALT", "AST", "GGT"]
    assert abs(other["AVAL"].iloc[1] - 1.5) < 1e-12
