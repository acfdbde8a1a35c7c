"""Dataset-JSON v1.1 copies: structure per the CDISC specification (1.1, 2024-12-05: required
attributes, attribute order, patterns, data type enumerations) and round trip against the XPT
read independently with pyreadstat (numbers, dates, missing values)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pandas as pd
import pyreadstat
import pytest

from package_helpers import SNAPSHOT, m5

from analysis.errors import UserError
from analysis.package import datasetjson

TOP_ORDER = ["datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "dbLastModifiedDateTime",
             "originator", "sourceSystem", "studyOID", "metaDataVersionOID", "metaDataRef", "itemGroupOID",
             "records", "name", "label", "columns", "rows"]
REQUIRED = {"datasetJSONCreationDateTime", "datasetJSONVersion", "itemGroupOID", "records", "name", "label",
            "columns"}
COLUMN_REQUIRED = {"itemOID", "name", "label", "dataType"}
DATA_TYPES = {"string", "integer", "decimal", "float", "double", "boolean", "datetime", "date", "time", "URI"}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})(\.\d+)?((\+|-)\d{2}:\d{2}|Z)?$")


def _json_files(root):
    base = m5(root)
    return sorted((base / "tabulations" / "sdtm" / "dataset-json").glob("*.json")) + \
        sorted((base / "analysis" / "adam" / "datasets" / "dataset-json").glob("*.json"))


def _check_structure(obj: dict) -> None:
    assert REQUIRED <= set(obj)
    keys = list(obj)
    assert keys == [k for k in TOP_ORDER if k in obj], "attribute order of the specification"
    assert DATETIME.match(obj["datasetJSONCreationDateTime"])
    assert re.fullmatch(r"1\.1(\.(0|[1-9][0-9]*))?", obj["datasetJSONVersion"])
    assert set(obj["sourceSystem"]) == {"name", "version"}
    assert obj["records"] == len(obj["rows"])
    for col in obj["columns"]:
        assert COLUMN_REQUIRED <= set(col) and col["itemOID"] and col["name"]
        assert col["dataType"] in DATA_TYPES
        assert col.get("targetDataType") in (None, "integer", "decimal")
        assert col.get("length", 1) >= 1 and col.get("keySequence", 1) >= 1
    ncol = len(obj["columns"])
    for row in obj["rows"]:
        assert len(row) == ncol
    # JSON type of every value fits its column's data type
    for j, col in enumerate(obj["columns"]):
        values = [r[j] for r in obj["rows"] if r[j] is not None]
        if col["dataType"] == "integer":
            assert all(isinstance(v, int) for v in values), col["name"]
        elif col["dataType"] in ("float", "double"):
            assert all(isinstance(v, (int, float)) for v in values), col["name"]
        else:
            assert all(isinstance(v, str) for v in values), col["name"]


def test_every_dataset_has_a_valid_dataset_json(built_root):
    files = _json_files(built_root)
    snap = built_root / SNAPSHOT
    assert len(files) == len(list((snap / "sdtm").glob("*.xpt"))) + len(list((snap / "adam").glob("*.xpt")))
    for f in files:
        obj = json.loads(f.read_text(encoding="utf-8"))
        _check_structure(obj)
        assert obj["name"] == f.stem.upper() and obj["itemGroupOID"] == f"IG.{f.stem.upper()}"
        assert obj["metaDataRef"] == "../define.xml" and (f.parent / obj["metaDataRef"]).is_file()
        # no cutoff: the fixed stamp, not the wall clock
        assert obj["datasetJSONCreationDateTime"] == "2000-01-01T00:00:00"


def test_oids_and_keys_come_from_define(built_root):
    from lxml import etree

    define = etree.parse(str(m5(built_root) / "analysis" / "adam" / "datasets" / "define.xml"))
    ns = {"o": "http://www.cdisc.org/ns/odm/v1.3"}
    mdv = define.find(".//o:MetaDataVersion", ns)
    obj = json.loads((m5(built_root) / "analysis" / "adam" / "datasets" / "dataset-json" / "adsl.json").read_text())
    assert obj["metaDataVersionOID"] == mdv.get("OID") and obj["studyOID"] == "STDY.NCT05948982"
    oids = {c["name"]: c["itemOID"] for c in obj["columns"]}
    assert oids["USUBJID"] == "IT.ADSL.USUBJID" and oids["TRTSDT"] == "IT.ADSL.TRTSDT"
    keys = {c["name"]: c.get("keySequence") for c in obj["columns"]}
    assert keys["STUDYID"] == 1 and keys["USUBJID"] == 2 and keys["AGE"] is None
    trtsdt = next(c for c in obj["columns"] if c["name"] == "TRTSDT")
    assert (trtsdt["dataType"], trtsdt["targetDataType"], trtsdt["displayFormat"]) == ("date", "integer", "DATE9.")
    trtsdtm = next(c for c in obj["columns"] if c["name"] == "TRTSDTM")
    assert (trtsdtm["dataType"], trtsdtm["targetDataType"]) == ("datetime", "integer")


def _expected(value, col):
    """What the XPT value (read by pyreadstat) must look like in Dataset-JSON."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if col.get("targetDataType") == "integer":
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else value.isoformat()
    return value


@pytest.mark.parametrize("rel", ["analysis/adam/datasets/{}/adsl.xpt", "analysis/adam/datasets/{}/adae.xpt",
                                 "analysis/adam/datasets/{}/adlb.xpt", "tabulations/sdtm/{}/dm.xpt",
                                 "tabulations/sdtm/{}/ae.xpt", "tabulations/sdtm/{}/lb.xpt"])
def test_round_trip_equals_the_xpt(built_root, rel):
    xpt = m5(built_root) / rel.replace("{}/", "")
    obj = json.loads((xpt.parent / "dataset-json" / f"{xpt.stem}.json").read_text(encoding="utf-8"))
    df, meta = pyreadstat.read_xport(str(xpt))
    assert [c["name"] for c in obj["columns"]] == list(df.columns)
    assert [c["label"] for c in obj["columns"]] == [meta.column_names_to_labels[c] for c in df.columns]
    assert obj["records"] == len(df) > 0
    n_null = n_date = 0
    for j, col in enumerate(obj["columns"]):
        got = [r[j] for r in obj["rows"]]
        want = [_expected(v, col) for v in df[col["name"]].tolist()]
        assert got == want, col["name"]
        n_null += sum(v is None for v in got)
        n_date += col.get("targetDataType") == "integer"
    if xpt.stem in ("adsl", "adlb"):
        assert n_null > 0 and n_date > 0  # missing values and dates were exercised


def test_hand_made_xpt_dates_missing_and_integers(tmp_path):
    """SAS day 0 = 1960-01-01 and second 86400 = 1960-01-02T00:00:00 (SAS epoch, by hand)."""
    from analysis.xpt import write_xpt

    df = pd.DataFrame({"USUBJID": ["S1", "S2", ""], "N": [1.0, float("nan"), 3.0], "X": [1.5, 2.0, float("nan")],
                       "ADT": [0.0, 22000.0, float("nan")], "ADTM": [86400.0, float("nan"), 1.5 * 86400]})
    path = tmp_path / "adxx.xpt"
    write_xpt(df, path, name="ADXX", label="Test", column_labels={"USUBJID": "Subject", "N": "Count"},
              column_formats={"ADT": ("DATE", 9, 0), "ADTM": ("DATETIME", 20, 0)})
    define = datasetjson.DefineDataset("S", "M", "F", "IG.ADXX", "Test dataset",
                                       {"N": {"oid": "IT.ADXX.N", "data_type": "integer", "key_sequence": None,
                                              "display_format": None}})
    obj = datasetjson.dataset_json(path, creation="2025-01-31T00:00:00", version="1.1.0", define=define,
                                   metadata_ref=None, originator=None, source_system={"name": "x", "version": "1"})
    _check_structure(obj)
    cols = {c["name"]: c for c in obj["columns"]}
    assert cols["N"]["dataType"] == "integer" and cols["X"]["dataType"] == "double"
    assert cols["X"]["itemOID"] == "IT.ADXX.X" and cols["USUBJID"]["length"] == 2
    assert cols["ADT"]["displayFormat"] == "DATE9."
    # 22000 days after 1960-01-01 (by hand: 1960-01-01 + 22000 d = 2020-03-26)
    assert dt.date(1960, 1, 1) + dt.timedelta(days=22000) == dt.date(2020, 3, 26)
    assert obj["rows"] == [["S1", 1, 1.5, "1960-01-01", "1960-01-02T00:00:00"],
                           ["S2", None, 2.0, "2020-03-26", None],
                           ["", 3, None, None, "1960-01-02T12:00:00"]]
    text = datasetjson.dumps(obj)
    assert json.loads(text) == obj and "NaN" not in text


def test_integer_column_with_a_fraction_is_a_user_error(tmp_path):
    from analysis.xpt import write_xpt

    path = tmp_path / "ds.xpt"
    write_xpt(pd.DataFrame({"N": [1.0, 2.5]}), path, name="DS")
    define = datasetjson.DefineDataset("S", "M", "F", "IG.DS", "", {"N": {"oid": "IT.DS.N", "data_type": "integer",
                                                                          "key_sequence": None, "display_format": None}})
    with pytest.raises(UserError, match=r"ds.xpt: N: define.xml says integer but row 2 holds 2.5"):
        datasetjson.dataset_json(path, creation="2000-01-01T00:00:00", version="1.1.0", define=define,
                                 metadata_ref=None, originator=None, source_system=None)


def test_cutoff_becomes_the_creation_stamp_and_bad_cutoff_fails():
    from analysis.package.build import creation_datetime

    assert creation_datetime("2025-01-31", "2000-01-01T00:00:00") == "2025-01-31T00:00:00"
    with pytest.raises(UserError, match="cutoff '31/01/2025' is not a date YYYY-MM-DD"):
        creation_datetime("31/01/2025", "2000-01-01T00:00:00")
