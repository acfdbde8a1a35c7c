"""The embedded study end to end (ADSL, ADDLT, ADAE agree with the outputs) and the CLI."""

import argparse
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from analysis.ard import read_ard
from analysis.dosefinding import cli
from analysis.errors import UserError
from analysis.xpt import read_xpt

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "analysis" / "dose_finding.yaml"
IDS = ["dlt_summary", "dose_3p3_trail", "boin_boundaries", "boin_mtd", "rp2d"]


@pytest.fixture(scope="module")
def outputs(embedded_adam_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("dosefinding-out")
    written = cli.run_all(embedded_adam_dir, SPEC, out)
    return out, written


def _stat(ard, **match):
    sel = ard
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, match
    return sel["stat"].iloc[0]


def test_dlts_agree_between_adsl_addlt_adae_and_summary(embedded_adam_dir, outputs):
    adsl = read_xpt(embedded_adam_dir / "adsl.xpt")
    addlt = read_xpt(embedded_adam_dir / "addlt.xpt")
    adae = read_xpt(embedded_adam_dir / "adae.xpt")
    ard = read_ard(outputs[0] / "ard" / "dlt_summary.csv")
    dosed = adsl[adsl["SAFFL"] == "Y"]
    assert len(addlt) == len(dosed) == 18
    for level in sorted(dosed["TRT01A"].unique()) + ["Total"]:
        ids = set(dosed["USUBJID"] if level == "Total" else dosed.loc[dosed["TRT01A"] == level, "USUBJID"])
        a = addlt[addlt["USUBJID"].isin(ids)]
        s = dosed[dosed["USUBJID"].isin(ids)]
        n_adsl = int((s["DLTFL"] == "Y").sum())
        n_addlt = int((a["DLTFL"] == "Y").sum())
        events_adae = int(((adae["USUBJID"].isin(ids)) & (adae["ADLTFL"] == "Y")).sum())
        assert n_adsl == n_addlt
        assert _stat(ard, group1_level=level, variable="DLTFL", stat_name="n") == str(n_addlt)
        assert _stat(ard, group1_level=level, variable="DLTEVLFL", variable_level="Y", stat_name="n") == \
            str(int((a["DLTEVLFL"] == "Y").sum()))
        assert _stat(ard, group1_level=level, variable="NDLT", stat_name="events") == str(events_adae)
    # the study has one DLT, in the lowest dose
    assert _stat(ard, group1_level="Total", variable="DLTFL", stat_name="n") == "1"
    assert _stat(ard, group1_level="UC-MSC 1x10^6 cells/kg", variable="DLTFL", stat_name="n") == "1"


def test_embedded_decisions(outputs):
    out = outputs[0]
    trail = read_ard(out / "ard" / "dose_3p3_trail.csv")
    assert _stat(trail, stat_name="mtd_status") == "not_reached"
    assert _stat(trail, stat_name="mtd_dose") == "UC-MSC 4x10^6 cells/kg"
    # six decision points (3 and 6 at each dose); the last count at each dose is its total
    assert (trail["stat_name"] == "n").sum() == 6
    boin = read_ard(out / "ard" / "boin_mtd.csv")
    assert _stat(boin, stat_name="mtd") == "UC-MSC 4x10^6 cells/kg"
    # same counts as the R reference scenario "study": pooled estimate 0.012743149359554826
    ref = pd.read_csv(Path(__file__).parent / "results" / "boin_select_mtd_r.csv")
    expected = ref.loc[ref["scenario"] == "study", "estimate"].iloc[0]
    est = float(_stat(boin, group1_level="UC-MSC 1x10^6 cells/kg", stat_name="estimate"))
    assert est == pytest.approx(expected, rel=1e-12)
    rp2d = (out / "tlf" / "rp2d.md").read_text()
    assert "MTD not reached; maximum administered dose: UC-MSC 4x10^6 cells/kg" in rp2d


def test_run_all_writes_every_output_byte_identically(embedded_adam_dir, outputs, tmp_path):
    out, written = outputs
    names = {p.relative_to(out).as_posix() for p in written}
    for aid in IDS:
        assert {f"ard/{aid}.csv", f"tlf/{aid}.csv", f"tlf/{aid}.md"} <= names
    again = cli.run_all(embedded_adam_dir, SPEC, tmp_path)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert [digest(p) for p in written] == [digest(p) for p in again]


def _parser():
    parser = argparse.ArgumentParser(prog="analysis")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_dose_finding_and_dlt_summary(embedded_adam_dir, tmp_path):
    adam = embedded_adam_dir
    args = _parser().parse_args(["dose-finding", "--adsl", str(adam / "adsl.xpt"), "--addlt", str(adam / "addlt.xpt"),
                                 "--adae", str(adam / "adae.xpt"), "--spec", str(SPEC), "--target", "0.25",
                                 "--out", str(tmp_path)])
    args.func(args)
    bounds = read_ard(tmp_path / "ard" / "boin_boundaries.csv")
    assert _stat(bounds, stat_name="target") == "0.25"
    assert _stat(bounds, stat_name="eliminate", variable_level="3") == "3"
    args = _parser().parse_args(["dlt-summary", "--adsl", str(adam / "adsl.xpt"), "--addlt", str(adam / "addlt.xpt"),
                                 "--out", str(tmp_path / "s")])
    args.func(args)
    assert (tmp_path / "s" / "tlf" / "dlt_summary.md").is_file()


def test_cli_boin_boundaries_without_data(tmp_path):
    args = _parser().parse_args(["boin-boundaries", "--target", "0.3", "--max-n", "18", "--out", str(tmp_path)])
    args.func(args)
    table = pd.read_csv(tmp_path / "tlf" / "boin_boundaries.csv", dtype=str, keep_default_na=False)
    assert len(table) == 18
    assert table.iloc[17].tolist() == ["18", "4", "7", "9"]
    assert "lambda_e = 0.2365, lambda_d = 0.3585" in (tmp_path / "tlf" / "boin_boundaries.md").read_text()


@pytest.mark.parametrize("argv,message", [
    (["boin-boundaries", "--target", "0.9", "--out", "x"], "--target: target must be in [0.05, 0.6]"),
    (["boin-boundaries", "--max-n", "0", "--out", "x"], "--max-n must be at least 1"),
    (["dlt-summary", "--adsl", "nope.xpt", "--addlt", "nope.xpt", "--out", "x"], "nope.xpt: ADSL file not found"),
])
def test_cli_user_errors(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = _parser().parse_args(argv)
    with pytest.raises(UserError) as exc:
        args.func(args)
    assert message in str(exc.value)


def test_cli_help_texts(capsys):
    for cmd in ("dlt-summary", "dose-finding", "boin-boundaries"):
        with pytest.raises(SystemExit):
            _parser().parse_args([cmd, "--help"])
        assert "--out" in capsys.readouterr().out
