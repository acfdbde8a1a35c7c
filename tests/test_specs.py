"""The study specs load, agree with each other, and a broken spec fails with one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from analysis.cli import main
from analysis.errors import SpecError
from analysis.specs import load_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def spec_copy(tmp_path):
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path / "specs"


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_study_spec_matches_the_protocol_design():
    study = load_study(ROOT / "specs" / "study.yaml")
    assert study.studyid == "NCT05948982"
    assert [c["dose"] for c in study.cohorts] == [1.0, 2.0, 4.0]
    assert sum(c["planned_subjects"] for c in study.cohorts) == study.data["study"]["planned_subjects"] == 18
    assert [i["day"] for i in study.infusions] == [1, 29, 57]
    days = [v["day"] for v in study.visits]
    assert days == sorted(days)
    assert days[2:] == [1, 2, 3, 7, 28, 29, 30, 31, 35, 56, 57, 58, 59, 64, 85, 141, 225, 393]
    # Week w = Day 7w + 1 (domain reference 7.7)
    weeks = {v["visit"]: v["day"] for v in study.visits if v["visit"].startswith("WEEK")}
    assert all(day == 7 * int(name.split()[1]) + 1 for name, day in weeks.items())
    for v in study.visits:
        lo, hi = v["window"]
        assert lo <= v["day"] <= hi or v["visit"] == "SCREENING", v["visit"]
    assert len(study.forms) == 21
    assert sum(f.format == "xpt" for f in study.forms.values()) == 1


def test_every_assessment_form_has_a_visit_column():
    study = load_study(ROOT / "specs" / "study.yaml")
    for name, a in study.data["assessments"].items():
        assert study.forms[a["form"]].visit_column, name


def test_lab_dictionary_covers_the_registry_outcomes():
    study = load_study(ROOT / "specs" / "study.yaml")
    codes = set(study.lab_tests)
    liver = {"ALT", "AST", "BILI", "GGT", "ALP", "ALB", "CHE", "INR", "CREAT", "SODIUM"}
    cytokines = {"IL1B", "IL6", "IL8", "IL10", "IL12", "IL17", "TNFA", "TGFB1", "IFNG", "SDF1", "CRP", "MMP9"}
    tumour = {"AFP", "AFPL3", "CEA", "CA199", "CA153", "PIVKA2"}
    assert liver | cytokines | tumour | {"HBVDNA", "CD3", "CD4", "CD8", "TREG", "TH17"} <= codes
    assert study.lab_tests["BILI"].units["mg/dL"] == 17.1
    assert study.lab_tests["CREAT"].units["mg/dL"] == 88.4


@pytest.mark.parametrize("change, message", [
    (lambda d: d["visits"].append(dict(d["visits"][0])), "visits: visit names must be unique"),
    (lambda d: d["assessments"]["ecog"]["visits"].append("WEEK 99"), "assessments/ecog: unknown visits ['WEEK 99']"),
    (lambda d: d["cohorts"][0].pop("dose"), "cohorts/0: 'dose' is a required property [spec schema study.schema.yaml]"),
])
def test_broken_study_spec_is_one_clear_line(spec_copy, change, message):
    edit_yaml(spec_copy / "study.yaml", change)
    with pytest.raises(SpecError) as exc:
        load_study(spec_copy / "study.yaml")
    assert str(exc.value) == f"{spec_copy / 'study.yaml'}: {message}"


def test_unknown_codelist_in_a_form_is_reported(spec_copy):
    edit_yaml(spec_copy / "raw" / "ecog.yaml", lambda d: d["columns"][3].update(codelist="NOPE"))
    with pytest.raises(SpecError, match=r"ecog.yaml: column ECOG: unknown codelist 'NOPE'"):
        load_study(spec_copy / "study.yaml")


def test_form_spec_breaking_its_schema_is_reported(spec_copy):
    edit_yaml(spec_copy / "raw" / "ecog.yaml", lambda d: d["columns"][3].update(type="float"))
    with pytest.raises(SpecError, match=r"ecog.yaml: columns/3/type: 'float' is not one of"):
        load_study(spec_copy / "study.yaml")


def test_cli_reports_spec_error_without_traceback(spec_copy, tmp_path, capsys):
    (spec_copy / "raw" / "ecog.yaml").write_text("form: [unclosed\n")
    code = main(["simulate", "--out", str(tmp_path / "x"), "--study", str(spec_copy / "study.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"ERROR {spec_copy / 'raw' / 'ecog.yaml'}: not valid YAML")
    assert "Traceback" not in err
