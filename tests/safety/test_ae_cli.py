"""`ae-table` / `ae-listing` through `register` on a parser of our own (the lead wires the
real one), and `run_all` on the embedded study."""

import argparse
import hashlib

import pytest

from analysis.ard import read_ard
from analysis.errors import UserError
from analysis.safety.cli import register
from analysis.safety.run import run_all

from ae_fixtures import PILOT, ROOT

SPEC = ROOT / "specs" / "analysis" / "safety.yaml"


def run_cli(argv: list[str]) -> int:
    """What analysis.cli.main does with a subcommand: one line and exit 2 on a UserError."""
    import sys

    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UserError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    return 0


@pytest.fixture
def fixture_files(tmp_path, adsl, adae):
    adsl.to_csv(tmp_path / "adsl.csv", index=False)
    adae.to_csv(tmp_path / "adae.csv", index=False)
    return tmp_path / "adsl.csv", tmp_path / "adae.csv"


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli(["ae-table", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--treatment", "--population", "--teae-flag", "--table", "--sort", "--grade-levels",
                   "--related-values", "--exposure-end"):
        assert option in out


def test_pilot_end_to_end(tmp_path, capsys):
    common = ["--adsl", str(PILOT / "adsl.xpt"), "--adae", str(PILOT / "adae.xpt"), "--treatment", "TRTA",
              "--out", str(tmp_path)]
    assert run_cli(["ae-table", *common, "--related-var", "AEREL", "--related-values", "PROBABLE,POSSIBLE"]) == 0
    assert run_cli(["ae-listing", *common]) == 0
    written = sorted(p.name for p in (tmp_path / "tlf").glob("*.csv"))
    assert written == ["ae_eair.csv", "ae_overview.csv", "ae_soc_pt.csv", "ae_soc_pt_grade.csv",
                       "ae_soc_pt_related.csv", "ae_soc_pt_serious.csv", "l_ae_disc.csv", "l_ae_serious.csv",
                       "l_deaths.csv"]  # no DLT flag on the pilot: that listing is skipped
    assert "listing dlt skipped" in capsys.readouterr().err
    ard = read_ard(tmp_path / "ard" / "ae_overview.csv")
    related = ard[(ard["variable"] == "RELATED") & (ard["stat_name"] == "n")]
    assert related["variable_level"].iloc[0] == "AEREL in (PROBABLE, POSSIBLE) or missing"


def test_single_table_alpha_sort_and_levels(tmp_path, fixture_files):
    adsl, adae = fixture_files
    rc = run_cli(["ae-table", "--adsl", str(adsl), "--adae", str(adae), "--out", str(tmp_path), "--table",
                  "soc-pt", "--sort", "alpha", "--level", "A", "--level", "B", "--level", "C"])
    assert rc == 0
    assert [p.name for p in (tmp_path / "tlf").glob("*.csv")] == ["ae_soc_pt.csv"]
    text = (tmp_path / "tlf" / "ae_soc_pt.md").read_text()
    assert "| A (N=2) | B (N=2) | C (N=0) | Total (N=4) |" in text
    assert text.index("Abdominal distension") < text.index("Nausea")


def test_bad_variable_is_one_line_and_exit_2(tmp_path, fixture_files, capsys):
    adsl, adae = fixture_files
    rc = run_cli(["ae-table", "--adsl", str(adsl), "--adae", str(adae), "--out", str(tmp_path),
                  "--teae-flag", "TRTEMFX"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ERROR ADAE: required variable(s) missing: TRTEMFX"]
    assert not (tmp_path / "tlf").exists()


def test_missing_file_and_bad_grade_options_exit_2(tmp_path, fixture_files, capsys):
    adsl, adae = fixture_files
    assert run_cli(["ae-table", "--adsl", str(tmp_path / "nope.xpt"), "--adae", str(adae), "--out",
                    str(tmp_path)]) == 2
    assert run_cli(["ae-table", "--adsl", str(adsl), "--adae", str(adae), "--out", str(tmp_path),
                    "--grade-var", "AESER"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("ERROR ") and "ADSL file not found" in err[0]
    assert err[1] == "ERROR options: give --grade-levels (ordered, low to high) for AESER"


def test_spec_with_command_line_override(tmp_path, fixture_files, spec):
    import yaml

    adsl, adae = fixture_files
    spec_path = tmp_path / "safety.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    rc = run_cli(["ae-table", "--adsl", str(adsl), "--adae", str(adae), "--out", str(tmp_path / "o"),
                  "--spec", str(spec_path), "--table", "overview", "--serious-var", "AESDTH"])
    assert rc == 0
    ard = read_ard(tmp_path / "o" / "ard" / "ae_overview.csv")
    assert set(ard["group1_level"]) == {"A", "B", "C", "Total"}  # levels from the spec
    serious = ard[(ard["variable"] == "SERIOUS") & (ard["stat_name"] == "n") & (ard["group1_level"] == "Total")]
    assert serious["stat"].tolist() == ["0"]  # AESDTH is "N" everywhere in the fixture


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_all_on_the_embedded_study_is_complete_and_deterministic(embedded_adam_dir, tmp_path):
    first = run_all(embedded_adam_dir, SPEC, tmp_path / "one")
    run_all(embedded_adam_dir, SPEC, tmp_path / "two")
    names = {p.name for p in first}
    for aid in ("ae_overview", "ae_soc_pt", "ae_soc_pt_grade", "ae_soc_pt_related", "ae_soc_pt_serious",
                "ae_eair"):
        assert {f"{aid}.csv", f"{aid}.md"} <= names
    for lid in ("l_ae_serious", "l_deaths", "l_dlt", "l_ae_disc"):
        assert f"{lid}.md" in names
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
    ard = read_ard(tmp_path / "one" / "ard" / "ae_overview.csv")
    big_n = ard[(ard["variable"] == "ANY") & (ard["stat_name"] == "N")].set_index("group1_level")["stat"]
    assert big_n.to_dict() == {"UC-MSC 1x10^6 cells/kg": "6", "UC-MSC 2x10^6 cells/kg": "6",
                               "UC-MSC 4x10^6 cells/kg": "6", "Total": "18"}
