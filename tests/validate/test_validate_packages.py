"""The checker on real packages: our SDTM for the embedded study (built through ingest and the
SDTM builders) and the CDISC pilot study's SDTM (generic rules only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis.raw.ingest import ingest
from analysis.sdtm.build import build_sdtm
from analysis.specs import load_study
from analysis.validate import validate_sdtm

ROOT = Path(__file__).resolve().parents[2]
PILOT = ROOT.parent / "shared" / "reference-data" / "cdiscpilot01" / "sdtm"
PILOT_RESULTS = Path(__file__).parent / "results" / "cdiscpilot01_findings.csv"

# Warnings on our SDTM, each explained in docs/conformance-rules.md: (rule, dataset, variable, value).
EXPECTED_WARNINGS = {
    ("SD0042", "XF", "XFSTRESU", "VALIDN"),  # a count of measurements has no unit in findings.yaml
}


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    study = load_study(ROOT / "specs" / "study.yaml")
    tables = tmp_path_factory.mktemp("tables")
    ingest(ROOT / "data" / "raw", study, tables)
    out = tmp_path_factory.mktemp("sdtm")
    build_sdtm(tables, study, out)
    return validate_sdtm(out, specs_dir=ROOT / "specs" / "sdtm", study=study)


def _keys(findings):
    return {(f.rule, f.dataset, f.variable, f.value) for f in findings}


def test_our_sdtm_has_zero_errors(ours):
    assert ours.rules_skipped == {}
    assert ours.errors == []


def test_our_sdtm_warnings_are_the_known_ones(ours):
    assert _keys(ours.warnings) == EXPECTED_WARNINGS and ours.notices == []


@pytest.mark.skipif(not PILOT.is_dir(), reason=f"CDISC pilot SDTM not available at {PILOT}")
def test_cdisc_pilot_generic_rules_give_the_recorded_findings(tmp_path):
    """Generic rules only (no specs/study); the findings are recorded in results/ and must not
    change unless a rule does (then rerun with UPDATE_VALIDATE_RESULTS=1 and review the diff)."""
    report = validate_sdtm(PILOT)
    assert report.datasets == {"AE": 1191, "DM": 306, "DS": 596, "EX": 591, "SV": 3559}
    assert not [f for f in report.findings if f.rule == "SD9999"], "a rule crashed on the pilot"
    report.to_csv(tmp_path / "pilot.csv")
    got = (tmp_path / "pilot.csv").read_text(encoding="utf-8")
    if os.environ.get("UPDATE_VALIDATE_RESULTS"):
        PILOT_RESULTS.write_text(got, encoding="utf-8", newline="\n")
    assert got == PILOT_RESULTS.read_text(encoding="utf-8")
    assert report.counts == {"ERROR": 5, "WARNING": 410, "NOTICE": 4}
