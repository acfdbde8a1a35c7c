"""The rule catalogue (every rule documented, with a failing and a passing example), the report
(CSV, Markdown, counts, ordering), main_validate / the CLI, and reading real XPT files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from analysis.validate import RULES, main_validate, validate_package, validate_sdtm
from analysis.validate.cli import run
from analysis.validate.engine import INTERNAL_RULE, exit_code
from analysis.validate.registry import ERROR, NOTICE, SEVERITIES, WARNING, catalogue_markdown
from analysis.validate.report import CSV_COLUMNS, Finding, Report
from analysis.xpt import write_xpt
from mini_package import DATASET_LABELS, label_of, mini_study, write_mini_specs

import test_validate_structure
import test_validate_subjects_spec
import test_validate_timing
import test_validate_visits_findings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "conformance-rules.md"
ALL_CASES = (test_validate_structure.CASES + test_validate_timing.CASES + test_validate_visits_findings.CASES
             + test_validate_subjects_spec.CASES)


def test_catalogue_has_at_least_30_rules_each_described():
    assert len(RULES) >= 30
    for rid, r in RULES.items():
        assert re.fullmatch(r"SD\d{4}", rid) and r.id == rid
        assert r.severity in SEVERITIES and r.title and r.description and r.analogue, rid


def test_every_rule_has_a_failing_example():
    assert sorted(RULES) == sorted({c.rule for c in ALL_CASES})


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_passes_on_the_valid_package(mini, rule_id):
    assert mini.findings(rule_id, specs=True, study=True) == []


def test_the_valid_package_passes_everything_at_once(mini):
    report = validate_package(mini.package(specs=True, study=True))
    assert report.findings == [] and report.rules_skipped == {} and len(report.rules_run) == len(RULES)


def test_the_doc_lists_every_rule_as_the_registry_describes_it():
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("-->", text.index("<!-- rules:begin")) + 4:text.index("<!-- rules:end -->")]
    assert block == catalogue_markdown(), "docs/conformance-rules.md: paste catalogue_markdown() output"
    rows = re.findall(r"^\| (SD\d{4}) \| (ERROR|WARNING|NOTICE) \|", block, re.M)
    assert dict(rows) == {rid: r.severity for rid, r in RULES.items()}


def _write_xpt_folder(folder: Path, frames) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        write_xpt(df, folder / f"{name.lower()}.xpt", name=name, label=DATASET_LABELS[name],
                  column_labels={c: label_of(c) for c in df.columns})
    return folder


def test_xpt_files_round_trip_clean(mini):
    folder = _write_xpt_folder(mini.tmp_path / "sdtm", mini.frames)
    report = validate_sdtm(folder, specs_dir=mini.specs_dir(), study=mini_study())
    assert report.findings == [] and report.datasets["LB"] == 5


def test_a_file_that_is_not_utf8_is_read_and_its_bytes_reported(mini):
    folder = _write_xpt_folder(mini.tmp_path / "sdtm", {"DM": mini.frames["DM"], "AE": mini.frames["AE"]})
    data = (folder / "ae.xpt").read_bytes()
    assert data.count(b"HEADACHE") == 1
    (folder / "ae.xpt").write_bytes(data.replace(b"HEADACHE", b"\xc9EADACHE"))
    report = validate_sdtm(folder)
    [f] = [f for f in report.findings if f.rule == "SD0011"]
    assert (f.dataset, f.variable, f.records, f.value) == ("AE", "AETERM", (1,), "\xc9EADACHE")


@pytest.mark.parametrize("dataset", ["DM", "EX", "AE", "SUPPAE", "LB", "TS"])
def test_rules_cope_with_datasets_without_their_usual_variables(mini, dataset):
    """Any variable may be missing from someone else's package: no rule may crash (SD9999)."""
    keep = {"STUDYID", "DOMAIN", "USUBJID", "RDOMAIN"}
    mini.add(dataset, mini.frames[dataset][[c for c in mini.frames[dataset].columns if c in keep]])
    report = validate_package(mini.package(specs=True, study=True))
    assert not [f for f in report.findings if f.rule == INTERNAL_RULE]
    mini.add(dataset, mini.frames[dataset].iloc[0:0])
    report = validate_package(mini.package(specs=True, study=True))
    assert not [f for f in report.findings if f.rule == INTERNAL_RULE]


def test_a_rule_that_raises_becomes_an_error_finding_not_a_crash(mini, monkeypatch):
    from analysis.validate.registry import Rule

    def broken(pkg):
        raise KeyError("XXTESTCD")
        yield  # pragma: no cover

    monkeypatch.setitem(RULES, "SD0047", Rule("SD0047", ERROR, "generic", "t", "d", "a", broken))
    report = validate_package(mini.package())
    [f] = report.findings
    assert f.rule == INTERNAL_RULE and f.severity == ERROR and "rule SD0047 could not run: KeyError" in f.message


def _report(*sev_rules) -> Report:
    return Report("x", [Finding("AE", r, (1,), "AETERM", "", "", "m", s) for s, r in sev_rules])


def test_exit_code_follows_fail_on():
    clean, warn, err = _report(), _report((WARNING, "SD0012"), (NOTICE, "SD0099")), _report((ERROR, "SD0004"))
    assert [exit_code(r, "error") for r in (clean, warn, err)] == [0, 0, 1]
    assert [exit_code(r, "warning") for r in (clean, warn, err)] == [0, 1, 1]
    assert [exit_code(r, "never") for r in (clean, warn, err)] == [0, 0, 0]


def test_findings_are_sorted_and_counted_and_written(tmp_path):
    r = Report("x", [Finding("LB", "SD0040", (3,), "LBSTRESN", "S1", "5", "m3", ERROR),
                     Finding("AE", "SD0061", (2,), "AESER", "S1", "N", "m2", WARNING),
                     Finding("AE", "SD0004", (9, 10), "AETERM", "S2", "", "m1", ERROR)])
    assert [(f.dataset, f.rule) for f in r.findings] == [("AE", "SD0004"), ("AE", "SD0061"), ("LB", "SD0040")]
    assert r.counts == {ERROR: 2, WARNING: 1, NOTICE: 0} and len(r.errors) == 2 and len(r.warnings) == 1
    r.to_csv(tmp_path / "f.csv")
    rows = list(csv.DictReader(open(tmp_path / "f.csv", encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS and rows[0]["records"] == "9;10" and rows[0]["usubjid"] == "S2"
    md = r.to_markdown()
    assert "2 error(s), 1 warning(s), 0 notice(s)" in md and "| SD0004 | ERROR | AE | 1 |" in md


def test_main_validate_writes_the_report_and_returns_the_exit_code(mini):
    mini.set("AE", 0, "AETERM", " HEADACHE")  # one warning (SD0012)
    folder = _write_xpt_folder(mini.tmp_path / "sdtm", mini.frames)
    out = mini.tmp_path / "report"
    assert main_validate(folder, out) == 0
    assert main_validate(folder, out, fail_on="warning") == 1
    rows = list(csv.DictReader(open(out / "sdtm_conformance.csv", encoding="utf-8")))
    assert [(r["rule"], r["dataset"], r["variable"], r["records"]) for r in rows] == [("SD0012", "AE", "AETERM", "1")]
    assert "0 error(s), 1 warning(s)" in (out / "sdtm_conformance.md").read_text()
    first = (out / "sdtm_conformance.csv").read_bytes()
    main_validate(folder, out)
    assert (out / "sdtm_conformance.csv").read_bytes() == first  # deterministic


def test_cli_run(mini, capsys):
    folder = _write_xpt_folder(mini.tmp_path / "sdtm", mini.frames)
    specs = write_mini_specs(mini.tmp_path / "other", mini.frames)
    assert run([str(folder), "--specs", str(specs), "--report", str(mini.tmp_path / "r")]) == 0
    assert "0 error(s), 0 warning(s), 0 notice(s) in 12 dataset(s)" in capsys.readouterr().out
    assert (mini.tmp_path / "r" / "sdtm_conformance.csv").read_text().count("\n") == 1  # header only
    (folder / "dm.xpt").unlink()
    assert run([str(folder), "--fail-on", "never"]) == 0
    assert run([str(folder)]) == 1  # no DM: SD0098
    out = capsys.readouterr().out
    assert "| SD0098 | ERROR | DM | 1 |" in out
    assert run([str(mini.tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run([str(folder), "--fail-on", "sometimes"])
