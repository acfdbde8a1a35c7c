"""The subcommands through argparse as analysis.cli wires them (UserError -> one line, exit 2),
the spec reader and the XPT reader."""

import argparse
import doctest
from pathlib import Path

import pandas as pd
import pytest

import analysis.population.spec as spec_module
from analysis.ard import read_ard
from analysis.errors import SpecError, UserError
from analysis.population.cli import register
from analysis.population.io import read_adsl_with_labels
from analysis.population.spec import read_population_spec
from analysis.xpt import write_xpt

ROOT = Path(__file__).resolve().parents[2]
PILOT_ADSL = ROOT / "tests" / "data" / "cdiscpilot01" / "adsl.xpt"
SPEC = ROOT / "specs" / "analysis" / "population.yaml"


def run(argv: list[str], capsys) -> tuple[int, str]:
    """What `analysis <argv>` does once register() is wired into analysis.cli."""
    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UserError as exc:
        return 2, str(exc)
    return 0, ""


@pytest.fixture
def small_adsl(tmp_path, demog_adsl) -> Path:
    path = tmp_path / "adsl.xpt"
    write_xpt(demog_adsl, path, name="ADSL", column_labels={"AGE": "Age", "SAFFL": "Safety Population Flag",
                                                             "ECOGBL": "Baseline ECOG"})
    return path


def test_demographics_command(small_adsl, tmp_path, capsys):
    out = tmp_path / "out"
    code, _ = run(["demographics", "--adsl", str(small_adsl), "--vars", "AGE,SEX,ECOGBL",
                   "--categorical", "ECOGBL", "--out", str(out)], capsys)
    assert code == 0
    table = pd.read_csv(out / "tlf" / "demographics.csv", dtype=str, keep_default_na=False)
    assert table.columns.tolist()[2:] == ["A (N=3)", "B (N=1)", "Total (N=4)"]
    assert table.Characteristic.tolist()[0] == "Age"                    # XPT label
    assert "Baseline ECOG" in table.Characteristic.tolist()
    assert table.iloc[1, 2] == "50.3 (10.50)"
    ard = read_ard(out / "ard" / "demographics.csv")
    assert set(ard.analysis_id) == {"demographics"}
    md = (out / "tlf" / "demographics.md").read_text()
    assert md.startswith("# Demographics and Baseline Characteristics\n\nPopulation: Safety Population Flag (SAFFL = Y)")


def test_disposition_command_on_pilot(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["disposition", "--adsl", str(PILOT_ADSL), "--out", str(out)], capsys)[0] == 0
    table = pd.read_csv(out / "tlf" / "disposition.csv", dtype=str, keep_default_na=False)
    assert table.Disposition.tolist()[:4] == ["Screened", "Screen failures", "Enrolled", "Population (SAFFL = Y)"]
    assert table.iloc[1, -1] == "not available"


@pytest.mark.parametrize("argv, message", [
    (["demographics", "--vars", "AGE,CPSBL"], "ADSL: variable CPSBL not found"),
    (["demographics", "--vars", "AGE", "--decimals", "AGE:1"], "--decimals: expected VAR=DIGITS"),
    (["demographics"], "demographics: give --vars"),
    (["demographics", "--vars", "AGE", "--treatment", "TRTXX"], "ADSL: treatment variable TRTXX not found"),
    (["disposition", "--enrolled-flag", "ENRLFL"], "ADSL: enrolled flag ENRLFL not found"),
])
def test_bad_arguments_are_one_line_errors(argv, message, tmp_path, capsys):
    code, text = run(argv + ["--adsl", str(PILOT_ADSL), "--out", str(tmp_path)], capsys)
    assert code == 2 and message in text and "\n" not in text
    assert not (tmp_path / "tlf").exists()


def test_missing_file_is_user_error(tmp_path, capsys):
    code, text = run(["disposition", "--adsl", str(tmp_path / "nope.xpt"), "--out", str(tmp_path)], capsys)
    assert code == 2 and text.endswith("nope.xpt: ADSL file not found")
    junk = tmp_path / "junk.xpt"
    junk.write_text("not a transport file")
    with pytest.raises(UserError, match="junk.xpt: cannot read ADSL"):
        read_adsl_with_labels(junk)


def test_spec_options_fill_in_for_the_command(small_adsl, tmp_path, capsys):
    spec = tmp_path / "pop.yaml"
    spec.write_text("treatment_levels: [A, B, C]\ndemographics:\n  variables: [AGE, ECOGBL]\n"
                    "  categorical: [ECOGBL]\n  level_order: {ECOGBL: [0, 1, 2, 3]}\n")
    out = tmp_path / "out"
    assert run(["demographics", "--adsl", str(small_adsl), "--spec", str(spec), "--out", str(out)], capsys)[0] == 0
    table = pd.read_csv(out / "tlf" / "demographics.csv", dtype=str, keep_default_na=False)
    assert "C (N=0)" in table.columns
    assert table.Statistic.tolist() == ["n", "Mean (SD)", "Median", "Min, Max", "0", "1", "2", "3"]
    # --vars wins over the spec; the spec's options for other variables are dropped
    assert run(["demographics", "--adsl", str(small_adsl), "--spec", str(spec), "--vars", "AGE",
                "--out", str(out)], capsys)[0] == 0


def test_population_tables_command(tmp_path, capsys):
    adam = tmp_path / "adam"
    adam.mkdir()
    (adam / "adsl.xpt").write_bytes(PILOT_ADSL.read_bytes())
    spec = tmp_path / "pop.yaml"
    spec.write_text("demographics:\n  variables: [AGE, SEX, RACE]\n")
    out = tmp_path / "out"
    assert run(["population-tables", "--adam", str(adam), "--spec", str(spec), "--out", str(out)], capsys)[0] == 0
    assert sorted(p.name for p in (out / "tlf").iterdir()) == [
        "demographics.csv", "demographics.md", "disposition.csv", "disposition.md"]


def test_study_spec_reads():
    spec = read_population_spec(SPEC)
    assert spec["demographics"]["categorical"] == ["ECOGBL"]
    assert spec["demographics"]["variables"][:3] == ["AGE", "SEX", "RACE"]
    assert spec["disposition"]["enrolled_flag"] == "ENRLFL"


@pytest.mark.parametrize("text, message", [
    ("colour: red\n", "(top level): unknown key(s) colour"),
    ("demographics:\n  variables: AGE\n", "demographics/variables: must be a list of names"),
    ("demographics:\n  decimals: {AGE: x}\n", "demographics/decimals/AGE: must be an integer 0-6"),
    ("disposition:\n  enroled_flag: ENRLFL\n", "disposition: unknown key(s) enroled_flag"),
    ("demographics: [\n", "not valid YAML"),
])
def test_bad_spec_is_spec_error(tmp_path, text, message):
    path = tmp_path / "pop.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        read_population_spec(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_help_texts(capsys):
    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command"))
    for command in ("demographics", "disposition", "population-tables"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        assert "--out" in capsys.readouterr().out


def test_doctests():
    assert doctest.testmod(spec_module).failed == 0
