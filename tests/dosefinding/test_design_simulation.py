"""Design simulation (3+3 and BOIN operating characteristics) against exact enumeration, a hand
calculation and the domain reference; reproducibility; the spec checks and the command line."""

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.ard import read_ard
from analysis.dosefinding import simulation as sim
from analysis.dosefinding.boin import select_mtd
from analysis.dosefinding.spec import BoinParams
from analysis.errors import SpecError, UserError

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "analysis" / "design_simulation.yaml"
EXACT = Path(__file__).parent / "results" / "design_sim_exact.csv"
N_TRIALS = 10000


@pytest.fixture(scope="module")
def exact():
    ref = pd.read_csv(EXACT, dtype={"dose": str}, keep_default_na=False)
    return {(r.scenario, r.design, r.dose, r.statistic): float(r.value) for r in ref.itertuples()}


def _scenarios():
    ref = pd.read_csv(EXACT, keep_default_na=False)
    return sorted({(r.scenario, tuple(float(v) for v in r.p_true.split()), int(r.boin_max_n))
                   for r in ref.itertuples()})


def _simulate(design, p, max_n, name):
    rng = sim.stream(20250601, name, design)
    if design == "3+3":
        return sim.simulate_3p3(p, N_TRIALS, rng)
    return sim.simulate_boin(p, N_TRIALS, rng, BoinParams(target=0.3), 3, max_n)


@pytest.mark.parametrize("design", ["3+3", "BOIN"])
@pytest.mark.parametrize("name,p,max_n", _scenarios())
def test_simulation_agrees_with_exact_enumeration_within_4_se(exact, design, name, p, max_n):
    trials = _simulate(design, p, max_n, name)
    flag = "not_reached" if design == "3+3" else "stopped_safety"
    checks = []
    for k in range(len(p)):
        dose = str(k + 1)
        checks.append(("p_selected", dose, trials.selected == k))
        checks.append(("n_mean", dose, trials.n[:, k]))
        checks.append(("dlt_mean", dose, trials.y[:, k]))
    checks += [("p_no_mtd", "", trials.selected == -1), ("p_flag", "", trials.flags[flag]),
               ("total_n_mean", "", trials.n.sum(axis=1)), ("total_dlt_mean", "", trials.y.sum(axis=1))]
    for stat, dose, values in checks:
        truth = exact[(name, design, dose, stat)]
        values = np.asarray(values, dtype=float)
        if stat.startswith("p_"):
            se = math.sqrt(max(truth * (1 - truth), 1e-12) / N_TRIALS)
        else:
            sd_key = stat.replace("_mean", "_sd")
            se = max(exact[(name, design, dose, sd_key)], 1e-6) / math.sqrt(N_TRIALS)
        assert abs(values.mean() - truth) <= 4 * se + 1e-12, (name, design, stat, dose, values.mean(), truth, se)
    # the simulated SDs too (loosely: within 5% or 0.05)
    for k in range(len(p)):
        assert trials.n[:, k].std(ddof=1) == pytest.approx(exact[(name, design, str(k + 1), "n_sd")],
                                                           rel=0.05, abs=0.05)


def test_exact_3p3_matches_hand_calculation(exact):
    # Two doses, p = (0.2, 0.5). Dose 1 clears first time with 0/3 or 1/3 then 0/3; the top dose
    # clears with 0/3 then <=1 of 3, or 1/3 then 0/3; if it fails, dose 1 (if it had only 3) gets
    # 3 more and is the MTD unless >=2 of them have a DLT.
    a, b = 0.2, 0.5
    qa, qb = 1 - a, 1 - b
    zero_then_clear_a = qa ** 3
    one_then_zero_a = 3 * a * qa ** 2 * qa ** 3
    top_clears = qb ** 3 * (qb ** 3 + 3 * b * qb ** 2) + 3 * b * qb ** 2 * qb ** 3
    two_plus_of_3_a = 1 - qa ** 3 - 3 * a * qa ** 2
    p_no_mtd = (1 - zero_then_clear_a - one_then_zero_a) + zero_then_clear_a * (1 - top_clears) * two_plus_of_3_a
    p_top = (zero_then_clear_a + one_then_zero_a) * top_clears
    assert exact[("hand", "3+3", "", "p_no_mtd")] == pytest.approx(p_no_mtd, abs=1e-14)
    assert exact[("hand", "3+3", "2", "p_selected")] == pytest.approx(p_top, abs=1e-14)
    assert exact[("hand", "3+3", "", "p_flag")] == pytest.approx(p_top, abs=1e-14)
    assert exact[("hand", "3+3", "1", "p_selected")] == pytest.approx(1 - p_no_mtd - p_top, abs=1e-14)


@pytest.mark.parametrize("p,clear", [(0.1, 0.906), (0.3, 0.494), (0.5, 0.172)])
def test_exact_3p3_escalation_probability_matches_domain_reference(exact, p, clear):
    # domain-reference.md 4.1: P(escalate) = (1-p)^3 + 3p(1-p)^2 (1-p)^3; with p = 1 at dose 2,
    # dose 2 is reached (3 patients) exactly when dose 1 clears.
    mean_n2 = exact[(f"clear_{p}", "3+3", "2", "n_mean")]
    assert round(mean_n2 / 3, 3) == clear


def test_boin_pick_agrees_with_select_mtd():
    params = BoinParams(target=0.3)
    tables = sim.boin_tables(params, 18)
    rng = np.random.default_rng(7)
    trials = sim.simulate_boin([0.1, 0.25, 0.4], 3000, rng, params, 3, 18)
    rows = {tuple(map(int, r)) for r in np.concatenate([trials.n, trials.y], axis=1)}
    for r in sorted(rows):
        n, y = list(r[:3]), list(r[3:])
        ref = select_mtd(list(zip(n, y)), params).mtd
        assert sim.boin_pick(n, y, params, tables) == (-1 if ref is None else ref), r


def test_boin_extrasafe_earlystop_and_bound_mtd_options_run():
    params = BoinParams(target=0.3, extrasafe=True, n_earlystop=9, bound_mtd=True)
    trials = sim.simulate_boin([0.4, 0.5, 0.6], 2000, np.random.default_rng(3), params, 3, 18)
    assert trials.flags["stopped_safety"].mean() > 0.2
    assert trials.n.max() <= 18
    tables = sim.boin_tables(params, 18)
    for r in {tuple(map(int, r)) for r in np.concatenate([trials.n, trials.y], axis=1)}:
        ref = select_mtd(list(zip(r[:3], r[3:])), params).mtd
        assert sim.boin_pick(list(r[:3]), list(r[3:]), params, tables) == (-1 if ref is None else ref), r


# ---- reproducibility ----------------------------------------------------------------------

def _small_spec(tmp_path, n_trials=500, order=None, name="sim.yaml"):
    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    raw["dose_finding_spec"] = str(SPEC.parent / "dose_finding.yaml")
    raw["n_trials"] = n_trials
    if order:
        raw["scenarios"] = [raw["scenarios"][i] for i in order]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_job_split_does_not_matter(tmp_path):
    spec = _small_spec(tmp_path)
    sim.run_all(None, spec, tmp_path / "a")
    sim.run_all(None, spec, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    # one job per scenario, in reverse order, then the table: identical outputs
    for part in reversed(sim.parts(spec)):
        sim.run_part(None, spec, tmp_path / "parts", part)
    sim.combine(spec, tmp_path / "parts", tmp_path / "c")
    assert _files(tmp_path / "a") == _files(tmp_path / "c")
    # a scenario's numbers do not depend on the other scenarios or their order
    reordered = _small_spec(tmp_path, order=[4, 2, 0, 1, 3], name="reordered.yaml")
    sim.run_part(None, reordered, tmp_path / "parts2", "scenario:mtd_2")
    assert (tmp_path / "parts2/design_sim/mtd_2.csv").read_bytes() == \
        (tmp_path / "parts/design_sim/mtd_2.csv").read_bytes()


def test_different_seed_changes_numbers(tmp_path):
    spec = sim.load_simulation_spec(_small_spec(tmp_path))
    other = sim.SimulationSpec(spec.scenarios, spec.design, spec.designs, spec.n_trials, spec.seed + 1)
    assert sim.scenario_sums(spec, spec.scenarios[2]) != sim.scenario_sums(other, other.scenarios[2])


def test_combine_refuses_parts_made_with_another_spec(tmp_path):
    spec = _small_spec(tmp_path)
    for part in sim.parts(spec):
        sim.run_part(None, spec, tmp_path / "parts", part)
    bigger = _small_spec(tmp_path, n_trials=600, name="bigger.yaml")
    with pytest.raises(UserError, match="made with a different spec"):
        sim.combine(bigger, tmp_path / "parts", tmp_path / "out")
    (tmp_path / "parts/design_sim/mtd_1.csv").unlink()
    with pytest.raises(UserError, match="mtd_1.csv: missing"):
        sim.combine(spec, tmp_path / "parts", tmp_path / "out")


# ---- the table ----------------------------------------------------------------------------

def test_oc_table_layout_and_ard(tmp_path):
    written = sim.run_all(None, _small_spec(tmp_path), tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    assert names == ["ard/design_oc.csv", "meta/design_oc.json", "tlf/design_oc.csv", "tlf/design_oc.md"]
    table = pd.read_csv(tmp_path / "out/tlf/design_oc.csv", dtype=str, keep_default_na=False)
    assert len(table) == 10 and table["Design"].tolist()[:2] == ["3+3", "BOIN"]
    assert table.columns[2] == "UC-MSC 1x10^6 cells/kg: true P(DLT)"
    ard = read_ard(tmp_path / "out/ard/design_oc.csv")
    sel = ard[(ard["group1_level"] == "mtd_2") & (ard["group2_level"] == "BOIN")]
    p_sel = sel[sel["stat_name"] == "p_selected"]["stat"].astype(float)
    p_none = float(sel[sel["stat_name"] == "p_no_mtd"]["stat"].iloc[0])
    assert p_sel.sum() + p_none == pytest.approx(1.0)
    n_mean = sel[sel["stat_name"] == "n_mean"]["stat"].astype(float).sum()
    assert n_mean == pytest.approx(float(sel[sel["stat_name"] == "total_n_mean"]["stat"].iloc[0]))
    assert {"p_selected_se", "n_mean_se", "dlt_mean_se", "p_no_mtd_se", "total_n_mean_se"} <= set(ard["stat_name"])


def test_default_spec_runs_10000_trials_quickly(tmp_path):
    import time

    spec = sim.load_simulation_spec(SPEC)
    assert spec.n_trials == 10000 and len(spec.scenarios) >= 4
    sim.scenario_sums(spec, spec.scenarios[0])  # imports and boundary tables
    start = time.process_time()
    for scenario in spec.scenarios:
        sim.scenario_sums(spec, scenario)
    # well under a second per scenario (both designs); generous for a busy machine
    assert time.process_time() - start < 2.0 * len(spec.scenarios)


# ---- spec checks and command line ---------------------------------------------------------

@pytest.mark.parametrize("change,message", [
    ({"n_trials": 0}, "n_trials must be an integer"),
    ({"seed": "x"}, "seed must be an integer"),
    ({"designs": ["CRM"]}, "designs must be a non-empty list"),
    ({"scenarios": []}, "scenarios must be a non-empty list"),
    ({"scenarios": [{"name": "a b", "p_true": [0.1, 0.2, 0.3]}]}, r"scenarios\[0\].name"),
    ({"scenarios": [{"name": "a", "p_true": [0.1, 0.2]}]}, r"scenarios\[0\].p_true has 2 value"),
    ({"scenarios": [{"name": "a", "p_true": [0.1, 0.2, 1.3]}]}, r"scenarios\[0\].p_true must be"),
    ({"scenarios": [{"name": "a", "p_true": [0.1, 0.2, 0.3]}] * 2}, "duplicate name"),
    ({"extra": 1}, "unknown key"),
])
def test_spec_errors_are_one_line_and_name_the_key(tmp_path, change, message):
    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    raw["dose_finding_spec"] = str(SPEC.parent / "dose_finding.yaml")
    raw.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SpecError, match=message) as err:
        sim.load_simulation_spec(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_unknown_part_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no scenario named 'nope'"):
        sim.run_part(None, SPEC, tmp_path, "scenario:nope")
    with pytest.raises(UserError, match="part must look like"):
        sim.run_part(None, SPEC, tmp_path, "nope")


def test_command_line(tmp_path):
    parser = argparse.ArgumentParser()
    sim.register(parser.add_subparsers())
    spec = str(_small_spec(tmp_path, n_trials=200))
    for part in sim.parts(spec):
        args = parser.parse_args(["design-sim-part", "--spec", spec, "--part", part, "--out", str(tmp_path / "p")])
        args.func(args)
    args = parser.parse_args(["design-sim-table", "--spec", spec, "--parts", str(tmp_path / "p"),
                              "--out", str(tmp_path / "t")])
    args.func(args)
    args = parser.parse_args(["design-simulation", "--spec", spec, "--out", str(tmp_path / "all")])
    args.func(args)
    assert _files(tmp_path / "t") == _files(tmp_path / "all")
