"""read_form: raw text exactly as written, whatever the file's line ends, quoting or format."""

from __future__ import annotations

import pytest

from analysis.errors import DataError
from analysis.raw.read import read_form
from raw_export import base_records, write_export


def test_csv_values_are_text_exactly_as_written(tmp_path, study):
    records = base_records()
    records["adverse_events"][0].update(AETERM=' headache, "severe"\nat night ', AESPID="01")
    raw = write_export(tmp_path, study, records)
    df = read_form(raw, study.forms["adverse_events"])
    assert df.loc[0, "AETERM"] == ' headache, "severe"\nat night '
    assert df.loc[0, "AESPID"] == "01"
    assert df.loc[0, "AESTTIM"] == ""
    assert list(df.columns) == study.forms["adverse_events"].column_names


def test_crlf_line_ends_read_like_lf(tmp_path, study):
    raw = write_export(tmp_path, study)
    lf = read_form(raw, study.forms["visits"])
    path = raw / "visits.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert read_form(raw, study.forms["visits"]).equals(lf)


def test_a_header_only_file_is_an_empty_form(tmp_path, study):
    df = read_form(write_export(tmp_path, study), study.forms["death"])
    assert len(df) == 0 and list(df.columns) == study.forms["death"].column_names


def test_xpt_numbers_become_the_text_a_csv_would_carry(tmp_path, study):
    records = base_records()
    row = records["flow_cytometry"][0]
    records["flow_cytometry"] = [dict(row, TESTCD=code, RESULT=x)
                                 for code, x in [("CD4", 36.4), ("CD8", 1e10), ("CD3", float("nan")), ("TREG", 0.1 + 0.2)]]
    df = read_form(write_export(tmp_path, study, records), study.forms["flow_cytometry"])
    assert df["RESULT"].tolist() == ["36.4", "10000000000", "", "0.3"]
    assert df["SUBJID"].tolist()[0] == "01-001"


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path, study):
    with pytest.raises(DataError) as caught:
        read_form(tmp_path, study.forms["ecog"])
    assert [p.line() for p in caught.value.problems] == [
        "ecog.csv: file is missing from the raw export folder [RAW001]"]


def test_the_docstring_examples_of_the_raw_package_hold(monkeypatch):
    import doctest
    import importlib
    import pkgutil

    import analysis.raw
    from raw_export import ROOT

    monkeypatch.chdir(ROOT)  # the examples name specs/ and data/raw relative to the repository
    for info in pkgutil.iter_modules(analysis.raw.__path__):
        module = importlib.import_module(f"analysis.raw.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, info.name
