"""The fast Dataset-JSON path: the XPT record reader against pyreadstat, and the streamed JSON
against `dumps(dataset_json(...))` (the reference, built from pyreadstat's Python objects) byte
for byte, on the embedded datasets and on hand-made edge cases; hard-linked XPT in m5/ and the
manifest hashing a linked file once."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from package_helpers import SNAPSHOT, m5

from analysis.errors import UserError
from analysis.package import datasetjson
from analysis.package.hashing import file_entry
from analysis.package.xptread import open_xpt
from analysis.xpt import write_xpt

KW = dict(creation="2000-01-01T00:00:00", version="1.1.0", metadata_ref="../define.xml", originator="S",
          source_system={"name": "x", "version": "1"})


def _same_as_pyreadstat(path):
    df, _ = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    x = open_xpt(path)
    assert x is not None and x.names == list(df.columns) and x.n_rows == len(df)
    rows = x.rows(0, x.n_rows)
    for j, name in enumerate(x.names):
        if x.numeric[j]:
            got, want = x.number(rows, j), df[name].to_numpy(dtype=float)
            assert np.array_equal(np.isnan(got), np.isnan(want)), name
            assert np.array_equal(got[~np.isnan(got)], want[~np.isnan(want)]), name
        else:
            assert [v.rstrip(b" \0").decode() for v in x.text(rows, j).tolist()] == df[name].tolist(), name


def _streamed_equals_reference(path, tmp_path, define=None, block_rows=None, monkeypatch=None):
    if block_rows and monkeypatch:
        monkeypatch.setattr(datasetjson, "BLOCK_ROWS", block_rows)
    out = datasetjson.write_dataset_json_file(path, tmp_path / f"{path.stem}.json", define=define, **KW)
    want = datasetjson.dumps(datasetjson.dataset_json(path, define=define, **KW))
    assert out.read_text(encoding="utf-8") == want


def test_reader_and_stream_match_pyreadstat_on_embedded_datasets(tmp_path, embedded_sdtm_dir, embedded_adam_dir):
    for folder in (embedded_sdtm_dir, embedded_adam_dir):
        for path in sorted(folder.glob("*.xpt")):
            _same_as_pyreadstat(path)
    for path in [embedded_adam_dir / "adsl.xpt", embedded_adam_dir / "adlb.xpt", embedded_sdtm_dir / "lb.xpt",
                 embedded_sdtm_dir / "ts.xpt"]:
        _streamed_equals_reference(path, tmp_path)


def test_stream_in_small_blocks_with_dates_missing_and_escapes(tmp_path, monkeypatch):
    n = 23
    df = pd.DataFrame({
        "USUBJID": [f"S{i % 4}" for i in range(n)],
        "TXT": ['a "quoted" \\ value', "", "tab\there", "x"] * 5 + ["y", "z", " lead"],
        "N": [float(i) if i % 5 else float("nan") for i in range(n)],
        "X": [i / 7 if i % 3 else -0.0 for i in range(n)],
        "ADT": [22000.0 + i if i % 6 else float("nan") for i in range(n)],
        "ADTM": [86400.0 * i + 0.25 if i % 4 else float("nan") for i in range(n)],
        "ATM": [3600.0 * (i % 24) + 1.5 for i in range(n)],
    })
    path = tmp_path / "adxx.xpt"
    write_xpt(df, path, name="ADXX", label="Test", column_formats={
        "ADT": ("DATE", 9, 0), "ADTM": ("DATETIME", 20, 0), "ATM": ("TIME", 8, 0)})
    define = datasetjson.DefineDataset("S", "M", "F", "IG.ADXX", "Test dataset",
                                       {"N": {"oid": "IT.ADXX.N", "data_type": "integer", "key_sequence": None,
                                              "display_format": None}})
    _same_as_pyreadstat(path)
    _streamed_equals_reference(path, tmp_path, define, block_rows=4, monkeypatch=monkeypatch)


@pytest.mark.parametrize("frame", [pd.DataFrame({"A": ["only"]}), pd.DataFrame({"A": pd.Series([], dtype=object),
                                                                                  "N": pd.Series([], dtype=float)})])
def test_stream_single_column_and_no_rows(tmp_path, frame):
    path = tmp_path / "ds.xpt"
    write_xpt(frame, path, name="DS")
    _streamed_equals_reference(path, tmp_path)


def test_stream_integer_with_a_fraction_names_the_row(tmp_path, monkeypatch):
    monkeypatch.setattr(datasetjson, "BLOCK_ROWS", 2)
    path = tmp_path / "ds.xpt"
    write_xpt(pd.DataFrame({"N": [1.0, 2.0, 3.0, 4.5]}), path, name="DS")
    define = datasetjson.DefineDataset("S", "M", "F", "IG.DS", "", {"N": {"oid": "IT.DS.N", "data_type": "integer",
                                                                          "key_sequence": None, "display_format": None}})
    with pytest.raises(UserError, match=r"ds.xpt: N: define.xml says integer but row 4 holds 4.5"):
        datasetjson.write_dataset_json_file(path, tmp_path / "ds.json", define=define, **KW)
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob(".*.tmp"))


def test_m5_xpt_are_hard_links_and_the_manifest_reads_them_once(built_root):
    base = m5(built_root)
    snap = built_root / SNAPSHOT
    linked = base / "tabulations" / "sdtm" / "dm.xpt"
    assert os.path.samefile(linked, snap / "sdtm" / "dm.xpt")
    assert linked.stat().st_mode & 0o444 == 0o444 & ~_umask()
    seen: dict = {}
    a = file_entry(snap / "sdtm" / "dm.xpt", "sdtm/dm.xpt", seen)
    b = file_entry(linked, "m5/dm.xpt", seen)
    assert a["sha256"] == b["sha256"] and len(seen) == 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
