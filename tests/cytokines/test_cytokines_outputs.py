"""analysis.cytokines end to end on the embedded study (embedded_adam_dir): the files run_all
writes, byte-identical reruns (figures included), numbers traced back to ADCYT, unmapped time
points counted in a footnote, a failed model reported, one-line UserErrors, the CLI."""

import argparse
import math

import numpy as np
import pandas as pd
import pytest

from analysis.ard import read_ard
from analysis.cytokines.cli import build_context, register, run_all, summary_results
from analysis.cytokines.config import load_spec
from analysis.cytokines.model import model_table
from analysis.errors import SpecError, UserError
from analysis.stats.groups import analysis_groups
from analysis.xpt import read_analysis_dataset

CYTOKINES = ["IL1B", "IL6", "IL8", "IL10", "IL12", "IL17", "TNFA", "TGFB1", "IFNG", "SDF1", "CRP", "MMP9"]


@pytest.fixture(scope="module")
def adam(embedded_adam_dir):
    return (read_analysis_dataset(embedded_adam_dir / "adsl.xpt", "ADSL"),
            read_analysis_dataset(embedded_adam_dir / "adcyt.xpt", "ADCYT"))


@pytest.fixture(scope="module")
def runs(embedded_adam_dir, tmp_path_factory):
    first, second = tmp_path_factory.mktemp("cyt1"), tmp_path_factory.mktemp("cyt2")
    return first, run_all(embedded_adam_dir, None, first), second, run_all(embedded_adam_dir, None, second)


def test_run_all_writes_expected_files(runs):
    out, paths, _, _ = runs
    names = {p.relative_to(out).as_posix() for p in paths}
    expected = set()
    for p in CYTOKINES:
        expected |= {f"ard/cyt_summary_{p.lower()}.csv", f"tlf/cyt_summary_{p.lower()}.csv",
                     f"tlf/cyt_summary_{p.lower()}.md", f"ard/cyt_spaghetti_{p.lower()}.csv",
                     f"tlf/cyt_spaghetti_{p.lower()}.png", f"tlf/cyt_spaghetti_{p.lower()}.svg"}
    for a in ("cyt_auc", "cyt_model"):
        expected |= {f"ard/{a}.csv", f"tlf/{a}.csv", f"tlf/{a}.md"}
    expected |= {"tlf/cyt_auc_subject.csv", "tlf/cyt_auc_subject.md", "ard/cyt_heatmap.csv",
                 "tlf/cyt_heatmap.png", "tlf/cyt_heatmap.svg"}
    assert expected <= names, sorted(expected - names)
    assert all(n.split("/")[0] in ("ard", "tlf", "meta") and n.split("/")[1].startswith("cyt_") for n in names)
    assert "meta/cyt_heatmap.json" in names
    assert all(p.stat().st_size > 0 for p in paths)


def test_rerun_is_byte_identical(runs):
    out1, paths1, out2, paths2 = runs
    rel1 = sorted(p.relative_to(out1).as_posix() for p in paths1)
    assert rel1 == sorted(p.relative_to(out2).as_posix() for p in paths2)
    different = [r for r in rel1 if (out1 / r).read_bytes() != (out2 / r).read_bytes()]
    assert different == []


def test_summary_numbers_trace_to_adcyt(runs, adam):
    out, _, _, _ = runs
    _, adcyt = adam
    ard = read_ard(out / "ard" / "cyt_summary_il6.csv")
    grp = "UC-MSC 4x10^6 cells/kg"
    cell = ard[(ard.group1_level == grp) & (ard.group2_level == "INFUSION 2:2 h")].set_index("stat_name")["stat"]
    rec = adcyt[(adcyt.PARAMCD == "IL6") & (adcyt.TRT01A == grp) & (adcyt.ATPTREF == "INFUSION 2")
                & (adcyt.AVISIT == "DAY 29") & (adcyt.ATPT == "2H POST-DOSE") & (adcyt.ANL01FL == "Y")]
    assert int(cell["n"]) == len(rec) == 6
    assert float(cell["gmean"]) == pytest.approx(math.exp(np.log(rec.AVAL).mean()), rel=1e-12)
    assert float(cell["fc_gmean"]) == pytest.approx(math.exp(np.log(rec.R2CYCBS).mean()), rel=1e-12)
    # BLQ count of IL1B cycle-1 pre-dose equals the BLQFL records of ADCYT
    il1b = read_ard(out / "ard" / "cyt_summary_il1b.csv")
    blq = il1b[(il1b.group1_level == "Total") & (il1b.group2_level == "INFUSION 1:Pre-dose")
               & (il1b.stat_name == "n_blq")]["stat"].item()
    ref = adcyt[(adcyt.PARAMCD == "IL1B") & (adcyt.AVISIT == "BASELINE") & (adcyt.ANL01FL == "Y")
                & (adcyt.BLQFL == "Y")]
    assert int(blq) == len(ref) > 0


def test_model_table_lists_every_cytokine(runs):
    out, _, _, _ = runs
    ard = read_ard(out / "ard" / "cyt_model.csv")
    status = ard[ard.stat_name == "model_status"].set_index("variable")["stat"]
    assert list(status.index) == CYTOKINES and (status == "converged").all()
    table = pd.read_csv(out / "tlf" / "cyt_model.csv", dtype=str, keep_default_na=False)
    assert (table.Time == "Dose group effect").sum() == 12


def test_unmapped_time_point_is_reported(adam):
    adsl, adcyt = adam
    changed = adcyt.copy()
    hit = ((changed.PARAMCD == "IL6") & (changed.AVISIT == "DAY 30") & (changed.ANL01FL == "Y")).idxmax()
    changed.loc[hit, "AVISIT"] = "DAY 99"
    spec = load_spec()
    before = summary_results(build_context(adsl, adcyt, spec, params=["IL6"]))[0]
    after = summary_results(build_context(adsl, changed, spec, params=["IL6"]))[0]
    note = next(f for f in after.footnotes if "not on the nominal schedule" in f)
    assert "INFUSION 2/DAY 99/(blank): 1" in note
    n = lambda r: r.ard[(r.ard.group1_level == "Total") & (r.ard.group2_level == "INFUSION 2:24 h")
                        & (r.ard.stat_name == "n")]["stat"].astype(int).item()
    assert n(after) == n(before) - 1


def test_failed_model_footnote_and_ard(adam):
    adsl, _ = adam
    groups = analysis_groups(adsl, "TRT01A", "SAFFL")
    fits = {"IL6": {"status": "failed: MMRMConvergenceError: no covariance structure converged", "structure": "",
                    "n_obs": 10, "n_subjects": 3, "neg2_loglik": float("nan"), "fallback": "AR1H: not converged",
                    "lsmeans": None, "dose_test": None, "interaction_test": None}}
    result = model_table(fits, groups, {"IL6": "Interleukin 6"})
    assert any(f.startswith("Model not fitted for IL6: failed") for f in result.footnotes)
    assert result.ard.loc[result.ard.stat_name == "model_status", "stat"].item().startswith("failed")


def test_missing_variable_is_one_line_user_error(adam):
    adsl, adcyt = adam
    with pytest.raises(UserError, match=r"^ADCYT: required variable\(s\) missing: R2CYCBS$"):
        build_context(adsl, adcyt.drop(columns="R2CYCBS"), load_spec(), params=["IL6"])
    with pytest.raises(UserError, match="PARAMCD IL99 not found"):
        build_context(adsl, adcyt, load_spec(), params=["IL99"])


def test_spec_errors(tmp_path):
    from pathlib import Path
    text = Path(load_spec()["_path"]).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("time: Week 4,   hours: 672", "time: Week 5,   hours: 672"))
    with pytest.raises(SpecError, match="time 'Week 5' not in times"):
        load_spec(bad)


def test_cli_harness(embedded_adam_dir, tmp_path):
    parser = argparse.ArgumentParser(prog="analysis")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["cytokine-auc", "--adsl", str(embedded_adam_dir / "adsl.xpt"),
                              "--adcyt", str(embedded_adam_dir / "adcyt.xpt"), "--params", "IL6,CRP",
                              "--out", str(tmp_path)])
    args.func(args)
    listing = pd.read_csv(tmp_path / "tlf" / "cyt_auc_subject.csv", dtype=str, keep_default_na=False)
    assert sorted(set(listing.Cytokine)) == ["CRP", "IL6"]
    ard = read_ard(tmp_path / "ard" / "cyt_auc.csv")
    n = ard[(ard.variable == "IL6") & (ard.variable_level == "AUC") & (ard.group1_level == "Total")
            & (ard.stat_name == "n")].set_index("group2_level")["stat"].astype(int)
    computed = listing[(listing.Cytokine == "IL6") & (listing.AUC != "")].groupby("Cycle").size()
    assert n.to_dict() == computed.to_dict()
    bad = parser.parse_args(["cytokine-summary", "--adsl", str(embedded_adam_dir / "adsl.xpt"),
                             "--adcyt", str(tmp_path / "nope.xpt"), "--out", str(tmp_path)])
    with pytest.raises(UserError):
        bad.func(bad)
