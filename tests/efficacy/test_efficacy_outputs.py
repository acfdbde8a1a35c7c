"""Outputs of analysis.efficacy on the embedded study and on hand-made data: the files run_all
writes, byte-identical reruns, unfittable parameters, user errors, the CLI, and the descriptive
and ANCOVA numbers against hand calculations and R (results/nlme_efficacy.csv)."""

import argparse
import filecmp
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.ard import read_ard
from analysis.efficacy.cli import population_groups, register, run_all
from analysis.efficacy.config import ModelOptions, ParamSpec, load_spec
from analysis.efficacy.descriptive import descriptive_table
from analysis.efficacy.mmrm_table import mmrm_table
from analysis.efficacy.model import fit_change_model
from analysis.efficacy.records import param_records
from analysis.errors import SpecError, UserError
from analysis.stats.groups import analysis_groups
from analysis.xpt import read_analysis_dataset

RESULTS = Path(__file__).parent / "results"
LOW = "UC-MSC 1x10^6 cells/kg"

SMALL_PARAMS = [
    {"dataset": "ADRS", "paramcd": "MELD", "analysis": "mmrm", "scale": "identity", "digits": 0},
    {"dataset": "ADLB", "paramcd": "HBVDNALG", "analysis": "mmrm", "scale": "identity", "digits": 2},
    {"dataset": "ADLB", "paramcd": "AFP", "analysis": "descriptive", "scale": "log", "digits": 1},
    {"dataset": "ADQS", "paramcd": "SF36PCS", "analysis": "mmrm", "scale": "identity", "digits": 1},
]


def _small_spec(tmp_path: Path, **changes) -> Path:
    spec = load_spec()
    spec.pop("_path")
    spec["parameters"] = SMALL_PARAMS
    # UN (45 covariance parameters) is tried and fails for every lab parameter; start at TOEPH
    # here to keep the test fast, and make ADQS unfittable: a single model visit
    spec["mmrm"]["covariance_order"] = ["TOEPH", "AR1H", "CS"]
    spec["visits"]["by_dataset"] = {"ADQS": ["WEEK 12"]}
    spec.update(changes)
    path = tmp_path / "efficacy_small.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_run(embedded_adam_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eff")
    spec = _small_spec(tmp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = run_all(embedded_adam_dir, spec, tmp / "a")
        second = run_all(embedded_adam_dir, spec, tmp / "b")
    return tmp, first, second


def test_run_all_writes_the_expected_files(small_run):
    tmp, first, _ = small_run
    names = sorted(p.relative_to(tmp / "a").as_posix() for p in first)
    expected = []
    for code, modelled in (("meld", True), ("hbvdnalg", True), ("afp", False), ("sf36pcs", True)):
        expected += [f"ard/eff_desc_{code}.csv", f"tlf/eff_desc_{code}.csv", f"tlf/eff_desc_{code}.md",
                     f"meta/eff_desc_{code}.json"]
        if modelled:
            expected += [f"ard/eff_mmrm_{code}.csv", f"tlf/eff_mmrm_{code}.csv", f"tlf/eff_mmrm_{code}.md",
                         f"meta/eff_mmrm_{code}.json", f"ard/eff_mmrm_{code}_plot.csv",
                         f"tlf/eff_mmrm_{code}_plot.png", f"tlf/eff_mmrm_{code}_plot.svg",
                         f"meta/eff_mmrm_{code}_plot.json"]
    expected += ["ard/eff_ancova.csv", "tlf/eff_ancova.csv", "tlf/eff_ancova.md", "meta/eff_ancova.json"]
    assert names == sorted(expected)
    assert all(p.stat().st_size > 0 for p in first)


def test_rerun_is_byte_identical(small_run):
    tmp, first, second = small_run
    assert [p.relative_to(tmp / "a") for p in first] == [p.relative_to(tmp / "b") for p in second]
    for a, b in zip(first, second):
        assert filecmp.cmp(a, b, shallow=False), a.name


def test_unfittable_parameter_gives_a_footnote_not_a_crash(small_run):
    tmp = small_run[0] / "a"
    md = (tmp / "tlf" / "eff_mmrm_sf36pcs.md").read_text(encoding="utf-8")
    assert "Model not fitted for SF36PCS (1 post-baseline visit(s) with data in every dose group" in md
    ard = read_ard(tmp / "ard" / "eff_mmrm_sf36pcs.csv")
    status = ard.loc[ard["stat_name"] == "model_status", "stat"].tolist()
    assert status == ["not fitted: 1 post-baseline visit(s) with data in every dose group (2 needed)"]
    assert pd.read_csv(tmp / "tlf" / "eff_mmrm_sf36pcs.csv").empty
    # the ANCOVA at WEEK 12 does not need the repeated-measures model
    anc = read_ard(tmp / "ard" / "eff_ancova.csv")
    assert set(anc.loc[anc["stat_name"] == "model_status", "stat"]) == {"fitted"}


def test_mmrm_table_reports_structure_attempts_and_kr(small_run):
    tmp = small_run[0] / "a"
    ard = read_ard(tmp / "ard" / "eff_mmrm_meld.csv")
    one = dict(zip(ard.loc[ard["group1"] == "", "stat_name"], ard.loc[ard["group1"] == "", "stat"]))
    assert one["model_status"] == "fitted" and one["covariance"] == "TOEPH"
    assert one["attempt_1"] == "TOEPH: converged" and one["df_method"] == "kenward-roger"
    assert float(one["neg2_loglik"]) == pytest.approx(342.0045, abs=1e-3)  # nlme: 342.004515
    row = ard[(ard["group1_level"] == LOW) & (ard["group2_level"] == "DAY 7")]
    stats = dict(zip(row["stat_name"], row["stat"].astype(float)))
    assert stats["n"] == 6
    assert stats["lsmean"] == pytest.approx(0.670009, abs=1e-5)       # nlme: 0.6700
    assert stats["lsmean_se"] == pytest.approx(0.536047, abs=1e-5)    # KR-adjusted (model-based 0.5335)
    assert stats["lsmean_df"] == pytest.approx(14.47265, abs=1e-4)
    diffs = ard[ard["stat_name"] == "diff"]
    assert len(diffs) == 2 * 9 and set(diffs["group1_level"]) == {"UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"}
    md = (tmp / "tlf" / "eff_mmrm_meld.md").read_text(encoding="utf-8")
    assert "Covariance structure used: TOEPH" in md and "Kenward-Roger" in md


def test_blq_heavy_parameter_is_flagged(small_run):
    tmp = small_run[0] / "a"
    desc = (tmp / "tlf" / "eff_desc_hbvdnalg.md").read_text(encoding="utf-8")
    assert "n (%) < LLOQ" in desc and "More than 50% of values are below the LLOQ" in desc
    mm = (tmp / "tlf" / "eff_mmrm_hbvdnalg.md").read_text(encoding="utf-8")
    assert "censored model would be needed" in mm
    ard = read_ard(tmp / "ard" / "eff_desc_hbvdnalg.csv")
    blq = ard[(ard["stat_name"] == "n_blq") & (ard["group1_level"] == "Total") & (ard["group2_level"] == "BASELINE")]
    assert blq["stat"].tolist() == ["15"]


def test_ancova_matches_r_lm(small_run):
    ard = read_ard(small_run[0] / "a" / "ard" / "eff_ancova.csv")
    ref = pd.read_csv(RESULTS / "nlme_efficacy.csv", dtype=str, keep_default_na=False)
    ref = ref[(ref["model"] == "MELD") & ref["kind"].str.startswith("ancova")]
    ref = {(k, t, term): float(v) for k, t, term, v in zip(ref["kind"], ref["trt"], ref["term"], ref["value"])}
    meld = ard[ard["variable_level"] == "MELD"]

    def ours(stat, level=""):
        return float(meld.loc[(meld["stat_name"] == stat) & (meld["group1_level"] == level), "stat"].iloc[0])

    for lv in ("UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"):
        assert ours("lsmean", lv) == pytest.approx(ref[("ancova_lsmean", lv, "estimate")], rel=1e-8)
        assert ours("lsmean_se", lv) == pytest.approx(ref[("ancova_lsmean", lv, "se")], rel=1e-8)
    for lv in ("UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"):
        assert ours("diff", lv) == pytest.approx(ref[("ancova_diff", lv, "estimate")], rel=1e-8)
        assert ours("diff_p", lv) == pytest.approx(ref[("ancova_diff", lv, "p")], rel=1e-6)
    assert ours("dose_response") == pytest.approx(ref[("ancova_dose_response", "", "estimate")], rel=1e-8)
    assert ours("dose_response") == pytest.approx(-2.935248557, rel=1e-8)
    assert ours("dose_response_p") == pytest.approx(ref[("ancova_dose_response", "", "p")], rel=1e-6)
    assert ours("dose_weight", LOW) == pytest.approx(1 - 7 / 3)


# ---- hand-made data --------------------------------------------------------------------------

def _adsl():
    return pd.DataFrame({"USUBJID": [f"S{i}" for i in range(1, 7)], "TRT01A": ["Lo"] * 3 + ["Hi"] * 3,
                         "TRT01AN": [1] * 3 + [4] * 3, "EFFFL": ["Y"] * 5 + ["N"], "SAFFL": "Y"})


def _bds():
    rows = []
    base = {"S1": 10.0, "S2": 20.0, "S3": 40.0, "S4": 5.0, "S5": 8.0, "S6": 99.0}
    post = {("S1", "W4"): 12.0, ("S2", "W4"): 18.0, ("S3", "W4"): 44.0, ("S4", "W4"): 6.0, ("S5", "W4"): 2.0,
            ("S1", "W8"): 11.0, ("S2", "W8"): 25.0, ("S4", "W8"): 4.0, ("S5", "W8"): 10.0, ("S6", "W8"): 1.0}
    for s, b in base.items():
        rows.append({"USUBJID": s, "AVISIT": "BASELINE", "AVISITN": 0, "AVAL": b, "ABLFL": "Y", "ANL01FL": "Y"})
        rows.append({"USUBJID": s, "AVISIT": "SCREENING", "AVISITN": -1, "AVAL": b + 1, "ABLFL": "", "ANL01FL": ""})
    for (s, v), a in post.items():
        rows.append({"USUBJID": s, "AVISIT": v, "AVISITN": int(v[1:]), "AVAL": a, "ABLFL": "", "ANL01FL": "Y"})
    rows.append({"USUBJID": "S1", "AVISIT": "", "AVISITN": np.nan, "AVAL": 500.0, "ABLFL": "", "ANL01FL": ""})
    rows.append({"USUBJID": "S2", "AVISIT": "W4", "AVISITN": 4, "AVAL": 300.0, "ABLFL": "", "ANL01FL": ""})
    df = pd.DataFrame(rows)
    df["PARAMCD"], df["PARAM"] = "XX", "Marker X (u)"
    df["BASE"] = df["USUBJID"].map(base)
    df["CHG"] = df["AVAL"] - df["BASE"]
    df["BLQFL"] = np.where(df["AVAL"] <= 2.0, "Y", "")
    return df


def test_descriptive_numbers_by_hand():
    groups = analysis_groups(_adsl(), "TRT01A", "EFFFL")
    recs = param_records(_bds(), groups, ParamSpec("ADXX", "XX", "descriptive", "log", 0), "ADXX")
    res = descriptive_table(recs, groups)
    ard = res.ard

    def stat(name, level, visit):
        sel = ard[(ard["stat_name"] == name) & (ard["group1_level"] == level) & (ard["group2_level"] == visit)]
        return float(sel["stat"].iloc[0])

    # Lo at W4: 12, 18, 44 (the W4 record of S2 with ANL01FL blank and the unscheduled 500 are out)
    assert stat("n", "Lo", "W4") == 3 and stat("mean", "Lo", "W4") == pytest.approx(74 / 3)
    assert stat("q1", "Lo", "W4") == 12 and stat("median", "Lo", "W4") == 18 and stat("q3", "Lo", "W4") == 44
    assert stat("geomean", "Lo", "W4") == pytest.approx((12 * 18 * 44) ** (1 / 3))
    # Total W4 = Lo + Hi (S4 6, S5 2; S6 is not in EFFFL): n 5; BLQ 1 (value 2)
    assert stat("n", "Total", "W4") == 5 and stat("n_blq", "Total", "W4") == 1
    # sorted 2 6 12 18 44: n p = 1.25 -> x(2) = 6; 3.75 -> x(4) = 18
    assert stat("q1", "Total", "W4") == 6 and stat("q3", "Total", "W4") == 18
    # change: Lo W4 = 2, -2, 4; geometric mean ratio = (1.2 * 0.9 * 1.1) ** (1/3)
    assert stat("chg_mean", "Lo", "W4") == pytest.approx(4 / 3)
    assert stat("gmr", "Lo", "W4") == pytest.approx((1.2 * 0.9 * 1.1) ** (1 / 3))
    assert stat("N", "Total", "") == 5
    assert list(res.table["Visit"].drop_duplicates()) == ["BASELINE", "W4", "W8"]
    notes = " ".join(res.footnotes)
    assert "1 unscheduled record(s) (blank AVISIT)" in notes
    # S6 (not in EFFFL: baseline, screening, W8) is left out first
    assert "5 record(s) at SCREENING" in notes and "1 record(s) not chosen for their analysis visit" in notes
    assert "XX: 3 record(s) of subjects outside the EFFFL population not used." in notes


def test_model_without_convergence_is_reported(embedded_adam_dir):
    adsl = read_analysis_dataset(embedded_adam_dir / "adsl.xpt", "ADSL")
    groups, _ = population_groups(adsl, "TRT01A", "EFFFL")
    adrs = read_analysis_dataset(embedded_adam_dir / "adrs.xpt", "ADRS")
    recs = param_records(adrs, groups, ParamSpec("ADRS", "MELD"), "ADRS")
    opts = ModelOptions(order=("UN",), control={"UN": {"maxiter": 2}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_change_model(recs, groups.levels, opts)
    assert model.fit is None and model.status == "not fitted: no covariance structure converged"
    res = mmrm_table(model, recs, groups)
    assert res.table.empty
    assert any("Model not fitted for MELD (no covariance structure converged)" in n for n in res.footnotes)
    assert any(n.startswith("Attempts: UN: ") for n in res.footnotes)
    assert res.ard.loc[res.ard["stat_name"] == "attempt_1", "stat"].iloc[0].startswith("UN: ")


def test_missing_variable_is_one_line_user_error():
    groups = analysis_groups(_adsl(), "TRT01A", "EFFFL")
    with pytest.raises(UserError, match=r"^ADXX: required variable\(s\) missing: ANL01FL$"):
        param_records(_bds().drop(columns="ANL01FL"), groups, ParamSpec("ADXX", "XX"), "ADXX")
    with pytest.raises(UserError, match="^ADXX: PARAMCD YY has no records$"):
        param_records(_bds(), groups, ParamSpec("ADXX", "YY"), "ADXX")
    dup = pd.concat([_bds(), _bds().iloc[[0]]])
    with pytest.raises(UserError, match="share one subject's baseline"):
        param_records(dup, groups, ParamSpec("ADXX", "XX"), "ADXX")
    with pytest.raises(UserError, match="^ADSL: population flag PPROTFL missing"):
        population_groups(_adsl(), "TRT01A", "PPROTFL")


def test_spec_errors_are_one_line(tmp_path):
    bad = load_spec()
    bad.pop("_path")
    bad["parameters"][0]["scale"] = "sqrt"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(SpecError, match="parameter ALT: scale must be one of identity, log"):
        load_spec(path)


def _cli(*argv):
    parser = argparse.ArgumentParser(prog="analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args([str(a) for a in argv])
    args.func(args)


def test_cli_on_a_generic_bds_csv(tmp_path):
    adsl, bds = tmp_path / "adsl.csv", tmp_path / "adxx.csv"
    _adsl().to_csv(adsl, index=False)
    _bds().to_csv(bds, index=False)
    out = tmp_path / "out"
    _cli("efficacy-summary", "--adsl", adsl, "--data", bds, "--params", "XX", "--scale", "log", "--out", out)
    assert (out / "tlf" / "eff_desc_xx.md").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _cli("efficacy-mmrm", "--adsl", adsl, "--data", bds, "--params", "XX", "--covariance", "CS",
             "--df", "satterthwaite", "--out", out)
    ard = read_ard(out / "ard" / "eff_mmrm_xx.csv")
    assert ard.loc[ard["stat_name"] == "model_status", "stat"].iloc[0] == "fitted"
    assert ard.loc[ard["stat_name"] == "covariance", "stat"].iloc[0] == "CS"
    assert (out / "tlf" / "eff_mmrm_xx_plot.png").is_file()
    _cli("efficacy-ancova", "--adsl", adsl, "--data", bds, "--params", "XX", "--visit", "W8", "--out", out)
    anc = read_ard(out / "ard" / "eff_ancova.csv")
    assert anc.loc[anc["stat_name"] == "nobs", "stat"].iloc[0] == "4"
    with pytest.raises(UserError, match="unknown structure"):
        _cli("efficacy-mmrm", "--adsl", adsl, "--data", bds, "--params", "XX", "--covariance", "FOO", "--out", out)
    with pytest.raises(SystemExit):
        _cli("efficacy-mmrm", "--help")
