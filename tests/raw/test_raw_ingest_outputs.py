"""What ingest writes: typed tables without identifiers, the issues listing, a reconciliation
that accounts for every record, the data cutoff, and an all-or-nothing, reproducible write."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.raw import outputs
from analysis.raw.ingest import CUT_LOG_FILE, ISSUES_FILE, RECON_FILE, ingest
from raw_export import S1, S2, STUDY_SPEC, base_records, issue_lines, write_export


@pytest.fixture
def ingested(tmp_path, study, capsys):
    def run(records=None, cutoff=None, out_name="out"):
        raw = write_export(tmp_path / "raw", study, records)
        out = tmp_path / out_name
        result = ingest(raw, study, out, cutoff=cutoff)
        return result, out, capsys.readouterr().out
    return run


def test_the_minimal_export_passes_with_typed_tables_and_no_issue(ingested, study):
    result, out, stdout = ingested()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.parquet" for name in study.forms] + [ISSUES_FILE, RECON_FILE, CUT_LOG_FILE])
    assert issue_lines(out) == []
    enrolment = pd.read_parquet(out / "enrolment.parquet")
    assert list(enrolment.columns[:3]) == ["RAWROW", "SITEID", "SUBJID"]
    assert str(enrolment["AGE"].dtype) == "Int64" and str(enrolment["HEIGHT"].dtype) == "Float64"
    assert str(enrolment["SEX"].dtype).startswith("string")
    assert enrolment["RAWROW"].tolist() == [1, 2]
    assert enrolment["COHORT"].tolist()[0] == 1 and enrolment["COHORT"].isna().tolist() == [False, True]
    assert enrolment["SFREAS"].isna().tolist() == [True, False]  # empty -> <NA>
    assert "ingest: 21 forms read" in stdout and "0 soft data issues" in stdout


def test_direct_identifiers_never_reach_the_tables(ingested):
    _, out, _ = ingested()
    enrolment = pd.read_parquet(out / "enrolment.parquet")
    assert "INITIALS" not in enrolment.columns
    assert enrolment["BRTHDAT"].tolist() == ["1970", "1961"]


def test_outputs_are_byte_identical_on_rerun(ingested):
    _, first, _ = ingested(out_name="first")
    _, second, _ = ingested(out_name="second")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_issues_listing_has_fixed_columns_and_order(ingested):
    records = base_records()
    records["vital_signs"][0].update(SYSBP="250", PULSE="200")
    records["enrolment"][1]["CIRDXDAT"] = "2019-UK-UK"
    _, out, _ = ingested(records)
    issues = pd.read_csv(out / ISSUES_FILE, dtype=str, keep_default_na=False)
    assert list(issues.columns) == ["FORM", "FILE", "ROW", "SUBJID", "COLUMN", "VALUE", "RULE", "MESSAGE"]
    assert issues[["FORM", "ROW", "SUBJID", "COLUMN", "VALUE", "RULE"]].values.tolist() == [
        ["enrolment", "2", S2, "CIRDXDAT", "2019-UK-UK", "RAW019"],
        ["vital_signs", "1", S1, "PULSE", "200", "RAW023"],
        ["vital_signs", "1", S1, "SYSBP", "250", "RAW023"],
    ]


def _cut_records() -> dict:
    """01-002 consents after the 2024-01-18 cutoff; 01-001 has records on both sides of it."""
    records = base_records()
    records["enrolment"][1].update(CONSDAT="2024-01-20", SCRNDAT="2024-01-20")
    records["eligibility"][1]["IEDAT"] = "2024-01-20"
    records["adverse_events"][0]["AESTDAT"] = "2024-01-UK"  # earliest day 01-01: kept
    records["adverse_events"].append(dict(records["adverse_events"][0], AESPID="2", AESTDAT="2024-02-UK",
                                          AEENDAT="2024-02-UK"))
    return records


def test_cutoff_sets_records_aside_and_reconciliation_balances(ingested):
    result, out, stdout = ingested(_cut_records(), cutoff="2024-01-18")
    recon = pd.read_csv(out / RECON_FILE, dtype={"REASON": str}, keep_default_na=False)
    assert list(recon.columns) == ["FORM", "FILE", "STATUS", "REASON", "RECORDS"]
    count = recon.set_index(["FORM", "STATUS", "REASON"])["RECORDS"]
    for form in recon["FORM"].unique():
        read = count[(form, "read", "")]
        assert count[(form, "passed on", "")] + count[form]["set aside"].sum() == read, form
    assert count[("infusions", "read", "")] == 3
    assert count[("infusions", "passed on", "")] == 1
    assert count[("infusions", "set aside", "after data cutoff")] == 2
    assert count[("enrolment", "set aside", "subject consented after data cutoff")] == 1
    assert count[("adverse_events", "set aside", "after data cutoff")] == 1
    passed = {f: count[(f, "passed on", "")] for f in result.tables}
    assert passed == {f: len(df) for f, df in result.tables.items()}
    assert count[("TOTAL", "read", "")] == recon.query("FORM != 'TOTAL' and STATUS == 'read'")["RECORDS"].sum()
    assert pd.read_parquet(out / "infusions.parquet")["RAWROW"].tolist() == [1]
    assert pd.read_parquet(out / "adverse_events.parquet")["RAWROW"].tolist() == [1]
    assert pd.read_parquet(out / "enrolment.parquet")["SUBJID"].tolist() == [S1]
    lines = issue_lines(out)
    assert "infusions.csv, row 2, column INFDAT: date 2024-02-12 is after the data cutoff 2024-01-18; " \
           "record set aside [RAW026]" in lines
    assert "adverse_events.csv, row 2, column AESTDAT: date 2024-02-UK is after the data cutoff 2024-01-18; " \
           "record set aside [RAW026]" in lines
    assert "enrolment.csv, row 2, column SUBJID: subject 01-002 consented on 2024-01-20, after the data " \
           "cutoff 2024-01-18; record set aside [RAW027]" in lines
    # One reason per record: the late subject's own dated records are not also "after cutoff".
    assert not any(line.startswith("enrolment.csv, row 2") and "[RAW026]" in line for line in lines)
    assert "set aside (subject consented after data cutoff: 2; after data cutoff: 9; " \
           "not yet due at data cutoff: 0)" in stdout


def test_without_cutoff_nothing_is_set_aside(ingested):
    result, _, _ = ingested(_cut_records())
    recon = result.reconciliation
    assert recon.query("STATUS == 'set aside'")["RECORDS"].sum() == 0
    total = recon.query("FORM == 'TOTAL' and STATUS == 'read'")["RECORDS"].item()
    assert total == sum(len(df) for df in result.tables.values())


def test_a_bad_cutoff_is_one_line_and_exit_2(tmp_path, study, capsys):
    raw = write_export(tmp_path / "raw", study)
    code = main(["ingest", "--raw", str(raw), "--study", str(STUDY_SPEC), "--out", str(tmp_path / "out"),
                 "--cutoff", "31/12/2024"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "ERROR cutoff '31/12/2024' is not a date YYYY-MM-DD"
    assert not (tmp_path / "out").exists()


def test_a_failed_write_leaves_no_partial_output(tmp_path, study, monkeypatch, capsys):
    raw = write_export(tmp_path / "raw", study)
    written = []

    def failing(df, path):
        if len(written) == 3:
            raise OSError("disk full")
        written.append(path)
        df.to_parquet(path)

    monkeypatch.setattr(outputs, "write_parquet", failing)
    monkeypatch.setattr("analysis.raw.ingest.write_parquet", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        ingest(raw, study, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]


def test_a_rerun_into_an_existing_folder_replaces_its_files(ingested):
    records = base_records()
    records["vital_signs"][0]["SYSBP"] = "250"
    _, out, _ = ingested(records)
    _, out, _ = ingested()
    assert issue_lines(out) == []
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
