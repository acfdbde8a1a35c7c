"""The embedded study end to end: run_all on its freshly built ADaM, checked against the R
reference in results/embedded_lab_safety.R (base R + foreign, written independently from the
task's definitions; its numbers are stored in results/embedded_*.csv so no R is needed here)."""

import argparse
from pathlib import Path

import pandas as pd
import pytest

from analysis.ard import read_ard
from analysis.errors import UserError
from analysis.labsafety import register, run_all

RESULTS = Path(__file__).resolve().parent / "results"

GROUPS = ["UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg", "Total"]


@pytest.fixture(scope="module")
def outputs(embedded_adam_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("labsafety-out")
    return out, run_all(embedded_adam_dir, None, out)


def reference(name):
    return pd.read_csv(RESULTS / f"{name}.csv", dtype={"baseline": str, "worst": str},
                       keep_default_na=False)


def test_every_output_is_written(outputs):
    out, written = outputs
    names = {p.relative_to(out).as_posix() for p in written}
    for aid in ["lab_shift_ctcae", "lab_te_abnormal", "edish_quadrants", "exposure", "edish_bl_quadrants"]:
        assert {f"ard/{aid}.csv", f"tlf/{aid}.csv", f"tlf/{aid}.md"} <= names
    assert {"tlf/l_hys_law.csv", "tlf/edish.png", "tlf/edish.svg", "ard/edish.csv",
            "tlf/edish_bl.png"} <= names
    for p in written:
        assert p.stat().st_size > 0


def test_rerun_is_byte_identical(outputs, embedded_adam_dir, tmp_path):
    out, written = outputs
    again = run_all(embedded_adam_dir, None, tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in written]
    for p in written:
        assert (tmp_path / p.relative_to(out)).read_bytes() == p.read_bytes(), p.name


def test_shift_matches_r(outputs):
    out, _ = outputs
    ard = read_ard(out / "ard" / "lab_shift_ctcae.csv")
    n = ard[(ard.stat_name == "n") & (ard.stat != "0")]
    ours = {(r.group2_level, r.group1_level, r.variable_level): int(r.stat) for r in n.itertuples()}
    ref = reference("embedded_shift")
    theirs = {(r.paramcd, r.group, f"{r.baseline}->{r.worst}"): int(r.n) for r in ref.itertuples()}
    assert len(theirs) == 121 and ours == theirs
    big_n = ard[ard.stat_name == "N"]
    assert set(big_n.stat) == {"6", "18"}
    assert len(big_n) == 9 * 4


def test_te_abnormalities_match_r(outputs):
    out, _ = outputs
    ard = read_ard(out / "ard" / "lab_te_abnormal.csv")
    ref = reference("embedded_te")
    assert len(ref) == 9 * 4 * 2
    for r in ref.itertuples():
        rows = ard[(ard.group2_level == r.paramcd) & (ard.group1_level == r.group)
                   & (ard.variable == r.measure)]
        got = dict(zip(rows.stat_name, rows.stat))
        assert (int(got["n"]), int(got["N"])) == (r.n, r.N), (r.paramcd, r.group, r.measure)
        assert float(got["ci_lower"]) == pytest.approx(float(r.lower), abs=1e-9)
        assert float(got["ci_upper"]) == pytest.approx(float(r.upper), abs=1e-9)
    # spot values as displayed: creatinine 2x10^6 group 4/6 worsened
    tab = pd.read_csv(out / "tlf" / "lab_te_abnormal.csv", dtype=str, keep_default_na=False)
    row = tab[tab.Parameter.str.startswith("Creatinine") & (tab.Category == "Worsened by >= 1 grade")]
    assert row["UC-MSC 2x10^6 cells/kg (N=6)"].iloc[0] == "4 (66.7)"


def test_edish_matches_r(outputs):
    out, _ = outputs
    ard = read_ard(out / "ard" / "edish.csv")
    ref = reference("embedded_edish")
    assert len(ref) == 18
    for r in ref.itertuples():
        got = dict(zip(ard[ard.group2_level == r.USUBJID].variable, ard[ard.group2_level == r.USUBJID].stat))
        assert float(got["ALT_PEAK"]) == pytest.approx(float(r.alt), abs=1e-9), r.USUBJID
        assert float(got["BILI_PEAK"]) == pytest.approx(float(r.bili), abs=1e-9), r.USUBJID
    quad = read_ard(out / "ard" / "edish_quadrants.csv")
    n = quad[quad.stat_name == "n"]
    ours = {(r.group1_level, r.variable_level): int(r.stat) for r in n.itertuples() if r.stat != "0"}
    counts = ref.groupby(["TRT01A", "quadrant"]).size().to_dict()
    counts.update(ref.groupby("quadrant").size().rename(lambda q: ("Total", q)).to_dict())
    assert ours == counts


def test_exposure_matches_r(outputs):
    out, _ = outputs
    ard = read_ard(out / "ard" / "exposure.csv")
    ref = reference("embedded_exposure")
    assert len(ref) == 16
    for r in ref.itertuples():
        rows = ard[(ard.variable == r.variable) & (ard.group1_level == r.group) & (ard.variable_level == "")]
        got = {k: float(v) for k, v in zip(rows.stat_name, rows.stat)}
        assert got["n"] == r.n
        for stat in ("mean", "sd", "median"):
            assert got[stat] == pytest.approx(float(getattr(r, stat)), abs=1e-9), (r.variable, r.group, stat)
        assert (got["min"], got["max"]) == pytest.approx((r.min, r.max), abs=1e-12)


def _cli(argv):
    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.func(args)


def test_command_lines(embedded_adam_dir, tmp_path):
    adam = embedded_adam_dir
    _cli(["lab-shift", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(adam / "adlb.xpt"),
          "--params", "ALT,AST", "--out", str(tmp_path)])
    tab = pd.read_csv(tmp_path / "tlf" / "lab_shift_ctcae.csv", dtype=str, keep_default_na=False)
    assert tab.Parameter.str.split(" ").str[0].unique().tolist() == ["Alanine", "Aspartate"]
    _cli(["lab-shift", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(adam / "adlb.xpt"),
          "--params", "ALT", "--scale", "normal-range", "--out", str(tmp_path)])
    assert (tmp_path / "ard" / "lab_shift_nrind.csv").exists()
    _cli(["lab-abnormalities", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(adam / "adlb.xpt"),
          "--params", "PLAT", "--out", str(tmp_path)])
    assert len(pd.read_csv(tmp_path / "tlf" / "lab_te_abnormal.csv")) == 3
    _cli(["edish", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(adam / "adlb.xpt"),
          "--alt", "ALT", "--bili", "BILI", "--reference", "baseline", "--out", str(tmp_path)])
    assert (tmp_path / "tlf" / "edish_bl.svg").stat().st_size > 0
    _cli(["exposure", "--adsl", str(adam / "adsl.xpt"), "--source", "adsl", "--out", str(tmp_path)])
    tab = pd.read_csv(tmp_path / "tlf" / "exposure.csv", dtype=str, keep_default_na=False)
    assert "Total cells infused (10^6 cells)" not in set(tab.Variable)
    with pytest.raises(UserError, match="nope.xpt: ADLB file not found"):
        _cli(["lab-shift", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(tmp_path / "nope.xpt"),
              "--out", str(tmp_path)])
    with pytest.raises(UserError, match="PARAMCD XYZ not in parameters"):
        _cli(["lab-abnormalities", "--adsl", str(adam / "adsl.xpt"), "--adlb", str(adam / "adlb.xpt"),
              "--params", "XYZ", "--out", str(tmp_path)])
