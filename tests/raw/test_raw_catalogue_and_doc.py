"""The rule catalogue is complete and tested, and the committed raw data spec is the render."""

from __future__ import annotations

import re
import string

from analysis.cli import main
from analysis.raw.rules import BY_ID, RULES
from analysis.raw.spec_doc import render_raw_spec
from raw_export import ROOT, STUDY_SPEC
from test_raw_hard_rules import HARD_CASES
from test_raw_soft_rules import SOFT_CASES

DOC = ROOT / "docs" / "raw-data-spec.md"
CUTOFF_RULES = {"RAW026", "RAW027"}  # tested in test_raw_ingest_outputs (they need a cutoff)


def test_rule_ids_are_unique_numbered_and_described():
    ids = [r.id for r in RULES]
    assert ids == sorted(set(ids))
    assert all(re.fullmatch(r"RAW\d{3}", i) for i in ids)
    for r in RULES:
        assert r.severity in ("hard", "soft") and r.scope in ("file", "column", "row")
        assert r.description and "\n" not in r.description
        assert all(name for _, name, _, _ in string.Formatter().parse(r.template) if name is not None)


def test_every_rule_has_a_message_test_with_its_severity():
    hard = {case[0] for case in HARD_CASES}
    soft = {case[0] for case in SOFT_CASES if case[2]}
    assert hard == {r.id for r in RULES if r.severity == "hard"}
    assert soft | CUTOFF_RULES == {r.id for r in RULES if r.severity == "soft"}
    assert all(BY_ID[i].severity == "soft" for i in CUTOFF_RULES)


def test_the_committed_raw_data_spec_is_the_current_render(study):
    assert DOC.read_text(encoding="utf-8") == render_raw_spec(study), \
        "docs/raw-data-spec.md is stale: run `analysis raw-spec-doc --out docs/raw-data-spec.md`"


def test_the_raw_data_spec_lists_every_form_rule_and_lab_test(study):
    text = render_raw_spec(study)
    for form in study.forms.values():
        assert f"`{form.file}`" in text
    for r in RULES:
        assert f"| {r.id} | {r.severity} |" in text
    for code in study.lab_tests:
        assert f"| {code} |" in text


def test_raw_spec_doc_command_writes_the_document(tmp_path, study):
    out = tmp_path / "spec.md"
    assert main(["raw-spec-doc", "--study", str(STUDY_SPEC), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_raw_spec(study)
