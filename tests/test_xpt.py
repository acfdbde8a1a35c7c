"""XPT writing is reproducible, readable by a second reader, and byte-identical to pyreadstat's."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from analysis import xpt_writer
from analysis.xpt import read_xpt, write_xpt
from analysis.xpt_writer import ieee_to_ibm


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


# --- the numpy writer against pyreadstat's (engine="pyreadstat"), the oracle -----------------

SPECIAL = [0.0, -0.0, 1.0, -2.0, 0.1, -0.1, 1 / 3, np.pi, 2.0**53 + 2, 123456789012.0, 1e300, -1e300,
           1e-300, 5e-324, 7.2e75, -7.3e75, 5.4e-79, 1e-78, np.inf, -np.inf, np.nan, 2.0**-260, 2.0**249]


def _random_frame(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    text = np.array(["", "A", "ALT", "Alanine Aminotransferase", "x" * 200, "  lead", "trail  "], dtype=object)
    values = rng.normal(size=n) * 10.0 ** rng.integers(-80, 80, n)
    values[rng.random(n) < 0.1] = np.nan
    codes = rng.integers(0, len(text), n)
    return pd.DataFrame({
        "USUBJID": np.char.add("S-", rng.integers(0, 3000, n).astype(str)).astype(object),
        "VAL": values,
        "SEQ": np.arange(n, dtype=float),
        "INT": rng.integers(-10**6, 10**6, n),
        "TXT": np.where(rng.random(n) < 0.05, None, text[codes]),
        "FLAG": rng.random(n) < 0.5,
    }).sample(frac=1, random_state=1).reset_index(drop=True)  # scatter the objects, as a sort does


FRAMES = {
    "text and numbers": lambda: pd.DataFrame({"AVAL": [0.0, 1.5, None, -2.0], "PARAMCD": ["ALT", "AST", "", "GGT"]}),
    "special numbers": lambda: pd.DataFrame({"A": SPECIAL}),
    "integers stored as float": lambda: pd.DataFrame({"A": np.arange(-500, 500, dtype=float)}),
    "int, bool and nullable dtypes": lambda: pd.DataFrame({
        "I64": np.array([1, 2**62, -5]), "I32": np.array([1, -7, 0], dtype=np.int32),
        "U64": np.array([2**64 - 1, 0, 1], dtype=np.uint64), "B": [True, False, True],
        "NI": pd.array([1, None, 3], dtype="Int64"), "NB": pd.array([True, None, False], dtype="boolean"),
        "NF": pd.array([1.25, None, 0.0], dtype="Float64"), "F32": np.array([0.1, 3.5, np.nan], dtype=np.float32)}),
    "missing text": lambda: pd.DataFrame({"A": ["ab", np.nan, None, "xyz  "], "B": [None] * 4, "C": [""] * 4}),
    "string and categorical dtypes": lambda: pd.DataFrame({
        "S": pd.array(["ab", None, "c"], dtype="string"), "SA": pd.array(["ab", None, "xyz"], dtype="string[pyarrow]"),
        "C": pd.Categorical(["ab", "c", None]), "CN": pd.Categorical([1.5, None, 3.0])}),
    "zero rows": lambda: pd.DataFrame({"A": pd.Series([], dtype=float), "B": pd.Series([], dtype=object)}),
    "one column, one 200-byte value": lambda: pd.DataFrame({"B": ["x" * 200]}),
    "record of exactly 80 bytes": lambda: pd.DataFrame({"A": ["x" * 72] * 3, "B": [1.0] * 3}),
    "37 columns (namestrs span cards)": lambda: pd.DataFrame(
        {f"V{i}": ([float(i)] if i % 2 else ["s" * i]) for i in range(37)}),
    "lower-case names, labels of 40": lambda: pd.DataFrame({"aval": [1.0], "_x": ["a"]}),
    "100k random rows": lambda: _random_frame(100_000),
}


def _both(tmp_path, df, **kw):
    kw = {"name": "ADLB", "label": "Laboratory", "column_labels": {c: f"Label of {c}" for c in df.columns}} | kw
    write_xpt(df, tmp_path / "old.xpt", engine="pyreadstat", **kw)
    write_xpt(df, tmp_path / "new.xpt", **kw)
    return (tmp_path / "old.xpt").read_bytes(), (tmp_path / "new.xpt").read_bytes()


@pytest.mark.parametrize("frame", FRAMES, ids=list(FRAMES))
def test_numpy_writer_is_byte_identical_to_pyreadstat(tmp_path, frame):
    old, new = _both(tmp_path, FRAMES[frame](), stamp=dt.datetime(2025, 12, 31, 23, 59, 58))
    assert new == old


def test_byte_identical_across_block_and_chunk_edges(tmp_path, monkeypatch):
    """Text is encoded in blocks of rows and records assembled in chunks; tiny ones here."""
    monkeypatch.setattr(xpt_writer, "BLOCK_ROWS", 1000)
    monkeypatch.setattr(xpt_writer, "CHUNK_BYTES", 3000)
    df = _random_frame(5_500)
    df.loc[1000:1999, "TXT"] = None  # a block with no text value at all
    old, new = _both(tmp_path, df, name="X", label="", column_labels=None)
    assert new == old


def test_labels_and_names_at_their_limits(tmp_path):
    df = pd.DataFrame({"ABCDEFGH": [1.0], "_X": ["a"]})
    old, new = _both(tmp_path, df, name="ABCDEFGH", label="L" * 40,
                     column_labels={"ABCDEFGH": "M" * 40, "_X": ""})
    assert new == old


def test_default_stamp_is_fixed(tmp_path):
    write_xpt(pd.DataFrame({"A": [1.0]}), tmp_path / "a.xpt", name="A")
    assert (tmp_path / "a.xpt").read_bytes().count(b"01JAN00:00:00:00") == 4


def test_ibm_conversion_of_known_values():
    got = ieee_to_ibm(np.array([1.0, -2.0, 0.1, 0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324]))
    assert [bytes(row).hex() for row in got.view(np.uint8).reshape(-1, 8)] == [
        "4110000000000000", "c120000000000000", "401999999999999a", "0000000000000000",
        "0000000000000000", "2e00000000000000", "7fffffffffffffff", "ffffffffffffffff", "0000000000000000"]


def test_readers_get_the_numbers_back_exactly(tmp_path):
    """IBM's 56-bit fraction holds every double's 53 bits: in range, nothing is lost (but
    pandas reads IBM zero as 5.4e-79, which is why read_xpt uses pyreadstat)."""
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(size=5000) * 10.0 ** rng.integers(-70, 70, 5000),
                             np.arange(-100, 100, dtype=float), [0.1, 1 / 3, np.pi, 2.0**53 + 2, np.nan]])
    df = pd.DataFrame({"V": values, "T": ["x"] * len(values)})
    write_xpt(df, tmp_path / "v.xpt", name="V")
    assert np.array_equal(read_xpt(tmp_path / "v.xpt")["V"].to_numpy(), values, equal_nan=True)
    other = pd.read_sas(tmp_path / "v.xpt", format="xport", encoding="ascii")
    assert np.array_equal(other["V"].to_numpy()[values != 0], values[values != 0], equal_nan=True)
    assert list(other["T"]) == ["x"] * len(values)


@pytest.mark.parametrize("df, kw, error, message", [
    (pd.DataFrame({"A": ["ok", "ok", "café"]}), {}, ValueError, "column A, row 2 (0-based): value 'café' is not ASCII"),
    (pd.DataFrame({"A": ["ok", "x" * 201]}), {}, ValueError, "column A, row 1 (0-based): value is 201 bytes long"),
    (pd.DataFrame({"A": ["ok", "a\x00b"]}), {}, ValueError, "column A, row 1 (0-based): value 'a\\x00b' contains a NUL"),
    (pd.DataFrame({"ABCDEFGHI": [1.0]}), {}, ValueError, "column name 'ABCDEFGHI' is longer than 8 characters"),
    (pd.DataFrame({"1A": [1.0]}), {}, ValueError, "column name '1A' is not a SAS name"),
    (pd.DataFrame({"A B": [1.0]}), {}, ValueError, "column name 'A B' is not a SAS name"),
    (pd.DataFrame({"A": [1.0], "a": [2.0]}), {}, ValueError, "column names 'A' and 'a' are the same SAS name"),
    (pd.DataFrame({"A": [1.0]}), {"column_labels": {"A": "x" * 41}}, ValueError, "is 41 characters long; XPT v5 allows 40"),
    (pd.DataFrame({"A": [1.0]}), {"column_labels": {"A": "Âge"}}, ValueError, "column A: label 'Âge' is not ASCII"),
    (pd.DataFrame({"A": [1.0]}), {"label": "y" * 41}, ValueError, "dataset X: label"),
    (pd.DataFrame({"A": [1.0]}), {"name": "ABCDEFGHI"}, ValueError, "dataset name 'ABCDEFGHI' is longer than 8"),
    (pd.DataFrame(index=range(2)), {}, ValueError, "needs at least one column"),
    (pd.DataFrame({"A": [pd.Timestamp("2020-01-01")]}), {}, TypeError, "column A: dtype datetime64[ns]"),
    (pd.DataFrame({"A": ["x", 1.5]}), {}, TypeError, "column A: values are not all str"),
    (pd.DataFrame({"A": ["x", b"y"]}), {}, TypeError, "column A: values are binary"),
    (pd.DataFrame({"A": [1.0]}), {"engine": "sas"}, ValueError, "engine must be"),
])
def test_what_v5_cannot_carry_is_refused_clearly(tmp_path, df, kw, error, message):
    with pytest.raises(error) as raised:
        write_xpt(df, tmp_path / "x.xpt", **({"name": "X"} | kw))
    assert message in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "lb.xpt"
    write_xpt(pd.DataFrame({"A": ["ok"]}), path, name="LB")
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_xpt(pd.DataFrame({"A": ["ok"] * 10 + ["naïve"]}), path, name="LB")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lb.xpt"]


def test_display_formats_are_written_and_read_back(tmp_path):
    import pyreadstat

    from analysis.xpt import write_xpt

    path = tmp_path / "adx.xpt"
    df = pd.DataFrame({"ADT": [23507.0], "ADTM": [2031004800.0], "AVAL": [1.5]})
    write_xpt(df, path, name="ADX", column_formats={"ADT": ("DATE", 9, 0), "ADTM": ("DATETIME", 20, 0)})
    _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
    assert meta.original_variable_types == {"ADT": "DATE9", "ADTM": "DATETIME20", "AVAL": None}
    # 23507 days after 1960-01-01 is 2024-05-11: SAS and pyreadstat show it as that date
    shown, _ = pyreadstat.read_xport(str(path))
    assert str(shown["ADT"].iloc[0]) == "2024-05-11"
    with pytest.raises(ValueError, match="not a SAS format name"):
        write_xpt(df, path, name="ADX", column_formats={"ADT": ("DATE9.", 9, 0)})


# --- the vectorised reader (analysis.xpt_reader) gives pyreadstat's frame -------------------

def _pyreadstat_frame(path):
    import pyreadstat

    df, _meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    return df


@pytest.mark.parametrize("engine", ["numpy", "pyreadstat"])
def test_fast_reader_matches_pyreadstat(tmp_path, engine):
    from analysis.xpt_reader import read_xport_v5

    df = pd.DataFrame({"USUBJID": ["S-1", "S-2", " lead", "", "S-1"],
                       "AVAL": [0.0, -2.5, np.nan, 1e-300, 123456.789],
                       "BIG": [1e200, -1e-70, 3.0, np.inf, 0.1],
                       "FLAG": ["Y", "", "", "", ""]})
    path = tmp_path / "t.xpt"
    write_xpt(df, path, name="T", column_labels={"AVAL": "Analysis Value"}, engine=engine)
    frame, labels, _ = read_xport_v5(path)
    expected = _pyreadstat_frame(path)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert labels["AVAL"] == "Analysis Value"
    assert read_xpt(path, columns=["FLAG", "AVAL"]).columns.tolist() == ["AVAL", "FLAG"]


def test_fast_reader_drops_trailing_blank_rows_as_pyreadstat(tmp_path):
    """Text-only records that are all blank at the end look like card padding: both skip them."""
    from analysis.xpt_reader import read_xport_v5

    path = tmp_path / "t.xpt"
    write_xpt(pd.DataFrame({"A": ["", "x", "", "", ""]}), path, name="T")
    assert read_xport_v5(path)[0]["A"].tolist() == _pyreadstat_frame(path)["A"].tolist() == ["", "x"]


def test_fast_reader_leaves_control_characters_to_pyreadstat(tmp_path):
    from analysis.xpt_reader import read_xport_v5

    path = tmp_path / "t.xpt"
    write_xpt(pd.DataFrame({"A": ["a\tb", "c"]}), path, name="T", engine="pyreadstat")
    assert read_xport_v5(path) is None
    assert read_xpt(path)["A"].tolist() == ["a\tb", "c"]


def test_read_analysis_dataset_columns(tmp_path):
    from analysis.errors import UserError
    from analysis.xpt import read_analysis_dataset

    path = tmp_path / "adsl.xpt"
    write_xpt(pd.DataFrame({"USUBJID": ["S-1"], "AGE": [50.0]}), path, name="ADSL")
    assert read_analysis_dataset(path, "ADSL", columns=["AGE"]).columns.tolist() == ["AGE"]
    with pytest.raises(UserError, match="cannot read ADSL"):
        read_analysis_dataset(path, "ADSL", columns=["NOPE"])
