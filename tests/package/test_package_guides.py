"""Reviewer's guide skeletons: filled from the specs and the snapshot, TODOs marked."""

from __future__ import annotations

import csv

from package_helpers import REPO, m5


def _adam_datasets():
    with open(REPO / "specs" / "adam" / "datasets.csv", newline="") as fh:
        return [r["dataset"] for r in csv.DictReader(fh)]


def test_adrg_lists_every_adam_dataset_and_population_flag(built_root):
    folder = m5(built_root) / "analysis" / "adam" / "datasets"
    md = (folder / "adrg.md").read_text(encoding="utf-8")
    htm = (folder / "adrg.html").read_text(encoding="utf-8")
    datasets = _adam_datasets()
    assert len(datasets) == 9
    for ds in datasets:
        assert f"| {ds} |" in md and f"<td>{ds}</td>" in htm
        assert f"| {ds.lower()}.xpt |" in md  # present in the snapshot, with its record count
    # populations from specs/adam/variables/ADSL.csv, N from the ADSL of the snapshot (18 dosed of 22)
    for flag in ("ENRLFL", "SAFFL", "DLTEVLFL", "EFFFL"):
        assert f"| {flag} |" in md
    assert "| SAFFL | Safety Population Flag | Y if NINF > 0 (received at least part of one infusion), else N | 18 |" in md
    assert "| ADSL | Subject-Level Analysis Dataset | SUBJECT LEVEL ANALYSIS DATASET | One record per subject | " \
           "STUDYID, USUBJID | 22 | adsl.xpt |" in md
    assert "TODO (to be written by the sponsor):" in md and 'class="todo"' in htm
    assert "found no issue" in md  # the empty ADaM conformance report
    assert "Data cutoff: none" in md and "| pandas |" in md


def test_csdrg_counts_conformance_findings_by_severity_and_rule(built_root):
    md = (m5(built_root) / "tabulations" / "sdtm" / "csdrg.md").read_text(encoding="utf-8")
    # hand-made report (package_helpers.CONFORMANCE_ROWS): 2 errors of SD9001 in AE and LB, 1 warning
    assert "| ERROR | 2 |" in md and "| WARNING | 1 |" in md
    assert "| SD9001 | ERROR | AE, LB | 2 | first error message | TODO (to be written by the sponsor): explanation |" in md
    assert "| SD9002 | WARNING | DM | 1 | a warning |" in md
    assert "| DM | Demographics | SPECIAL PURPOSE | One record per subject | STUDYID, USUBJID | 22 | dm.xpt |" in md
    assert "| SDTMIG |" in md  # standards read from define.xml
    assert "NCT05948982" in md and "UC-MSC 4x10^6 cells/kg" in md


def test_markdown_and_html_escape_table_text():
    from analysis.package.guides import to_html, to_markdown

    blocks = [("table", ["a|b"], [["<x>"]])]
    assert "a\\|b" in to_markdown(blocks)
    assert "<td>&lt;x&gt;</td>" in to_html(blocks, "t")
