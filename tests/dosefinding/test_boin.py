"""BOIN against the domain reference, boin_tab.py and an independent R implementation."""

import math
from pathlib import Path

import pandas as pd
import pytest

from analysis.dosefinding.boin import (
    boin_boundaries,
    boin_decision,
    boin_lambdas,
    eliminated_doses,
    elimination_count,
    pava,
    prob_above_target,
    select_mtd,
)
from analysis.dosefinding.spec import BoinParams

RESULTS = Path(__file__).parent / "results"


def _read(name):
    return pd.read_csv(RESULTS / name, dtype={"eliminate": "Int64"})


@pytest.mark.parametrize("target,lam_e,lam_d", [(0.25, 0.1968, 0.2984), (0.30, 0.2365, 0.3585)])
def test_lambdas_match_domain_reference_to_4_decimals(target, lam_e, lam_d):
    e, d = boin_lambdas(target)
    assert (round(e, 4), round(d, 4)) == (lam_e, lam_d)


def test_lambdas_match_r_at_full_precision():
    ref = pd.read_csv(RESULTS / "boin_lambdas_r.csv")
    for row in ref.itertuples():
        e, d = boin_lambdas(row.target)
        assert e == pytest.approx(row.lambda_e, rel=1e-14)
        assert d == pytest.approx(row.lambda_d, rel=1e-14)


def _ours(target, max_n=18):
    return boin_boundaries(BoinParams(target=target), max_n).set_index("n")


@pytest.mark.parametrize("source", ["boin_boundaries_domain_reference.csv", "boin_boundaries_boin_tab_py.csv",
                                    "boin_boundaries_r.csv"])
def test_boundary_tables_match_references(source):
    ref = _read(source)
    assert len(ref) >= 20
    for row in ref.itertuples():
        ours = _ours(row.target).loc[row.n]
        assert (ours["escalate"], ours["deescalate"]) == (row.escalate, row.deescalate), (source, row)
        if pd.isna(row.eliminate):
            assert pd.isna(ours["eliminate"]), (source, row)
        else:
            assert ours["eliminate"] == row.eliminate, (source, row)


def test_extrasafe_stop_boundary_matches_r():
    ref = pd.read_csv(RESULTS / "boin_boundaries_r.csv", dtype={"stop_extrasafe": "Int64"})
    for target, grp in ref.groupby("target"):
        ours = boin_boundaries(BoinParams(target=target, extrasafe=True), 18)
        assert ours["stop_lowest"].tolist() == grp["stop_extrasafe"].tolist()


def test_deescalation_is_capped_at_elimination():
    # With phi2 = 0.99 (factor 3.3) lambda_d is 0.78: at n = 4, ceiling(3.12) = 4 exceeds the
    # elimination count 3 (P(p > 0.3 | 3/4) = 0.969), so the table shows 3, as get.boundary does.
    params = BoinParams(target=0.3, phi2_factor=3.3)
    t = boin_boundaries(params, 18).set_index("n")
    lam_d = boin_lambdas(0.3, params.phi1, params.phi2)[1]
    assert math.ceil(lam_d * 4) == 4 and t.loc[4, "eliminate"] == 3
    assert t.loc[4, "deescalate"] == 3
    assert (t["deescalate"] <= t["eliminate"].fillna(99)).all()


def test_table_truncated_at_n_earlystop():
    assert boin_boundaries(BoinParams(target=0.3, n_earlystop=12), 18)["n"].max() == 12


@pytest.mark.parametrize("target,n,y,expected", [(0.25, 3, 2, 0.949), (0.25, 3, 3, 0.996),
                                                 (0.30, 6, 3, 0.874), (0.30, 6, 4, 0.971)])
def test_posterior_checks_from_domain_reference(target, n, y, expected):
    assert round(prob_above_target(y, n, target), 3) == expected


def test_posterior_matches_r():
    ref = pd.read_csv(RESULTS / "boin_posterior_r.csv")
    assert len(ref) == 14
    for row in ref.itertuples():
        assert prob_above_target(row.y, row.n, row.target) == pytest.approx(row.p_gt_target, rel=1e-12)


def test_elimination_count_edges():
    # 2/3 at 0.25 gives 0.949: not above 0.95, so 3 is needed
    assert elimination_count(3, 0.25) == 3
    assert elimination_count(2, 0.25) is None


def test_pava_hand_examples():
    # unweighted: 0.3 > 0.2 pooled to 0.25
    assert pava([0.1, 0.3, 0.2, 0.4]).tolist() == pytest.approx([0.1, 0.25, 0.25, 0.4])
    # weighted: (1*0.5 + 3*0.1) / 4 = 0.2; then 0.2 > 0.15 pools all: (0.8 + 0.15*4) / 8 = 0.175
    assert pava([0.5, 0.1, 0.15], [1, 3, 4]).tolist() == pytest.approx([0.175] * 3)
    # a violation reappearing after a merge: 0.4,0.2 -> 0.3 then 0.3 > 0.1 -> (0.6 + 0.1) / 3
    assert pava([0.4, 0.2, 0.1]).tolist() == pytest.approx([0.7 / 3] * 3)
    assert pava([0.1, 0.2]).tolist() == [0.1, 0.2]


SCENARIOS = pd.read_csv(RESULTS / "boin_select_mtd_r.csv")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS["scenario"].unique()))
def test_select_mtd_matches_independent_r(scenario):
    ref = SCENARIOS[SCENARIOS["scenario"] == scenario]
    first = ref.iloc[0]
    params = BoinParams(target=float(first["target"]), extrasafe=bool(first["extrasafe"]),
                        bound_mtd=bool(first["bound_mtd"]))
    counts = list(zip(ref["n"].astype(int), ref["y"].astype(int)))
    res = select_mtd(counts, params)
    expected_mtd = None if first["mtd"] == 99 else int(first["mtd"]) - 1
    assert res.mtd == expected_mtd
    assert res.eliminated == ref["eliminated"].astype(bool).tolist()
    for ours, col in ((res.estimate, "estimate"), (res.ci_lower, "ci_lower"), (res.ci_upper, "ci_upper"),
                      (res.p_overdose, "p_overdose")):
        for a, b in zip(ours, ref[col]):
            if pd.isna(b):
                assert math.isnan(a)
            else:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-15), (scenario, col)


def test_select_mtd_hand_worked_pooling_and_tie_break():
    # 3/6 then 1/6 violates monotonicity; weights 1/var pool them to 0.2912 < 0.30, and the
    # 1e-10 x rank tie-break then prefers the higher dose (index 2).
    w2 = 1 / (3.05 * 3.05 / (6.1 ** 2 * 7.1))
    w3 = 1 / (1.05 * 5.05 / (6.1 ** 2 * 7.1))
    pooled = (w2 * 3.05 / 6.1 + w3 * 1.05 / 6.1) / (w2 + w3)
    res = select_mtd([(3, 0), (6, 3), (6, 1), (6, 4)], BoinParams(target=0.3))
    assert res.estimate[1] == pytest.approx(pooled) and res.estimate[2] == pytest.approx(pooled)
    assert round(pooled, 4) == 0.2912
    assert res.eliminated == [False, False, False, True] and res.mtd == 2
    # pooled above the target: the lower of the tied doses wins
    assert select_mtd([(3, 0), (6, 3), (6, 2)], BoinParams(target=0.3)).mtd == 1


def test_select_mtd_none_when_lowest_dose_eliminated():
    assert select_mtd([(3, 3), (0, 0)], BoinParams(target=0.3)).mtd is None
    assert select_mtd([(6, 3), (6, 4)], BoinParams(target=0.3, bound_mtd=True)).mtd is None


def test_eliminated_propagates_upwards_only_from_first_toxic_dose():
    assert eliminated_doses([(6, 0), (6, 4), (3, 0)], BoinParams(target=0.3)) == [False, True, True]


P30 = BoinParams(target=0.3)


@pytest.mark.parametrize("counts,dose,expected", [
    ([(3, 0), (0, 0)], 0, "escalate"),
    ([(6, 2), (0, 0)], 0, "stay"),                       # 2/6: between 1 and 3
    ([(3, 1), (3, 2)], 1, "de-escalate"),                # 2/3 >= 2
    ([(3, 1), (3, 2)], 0, "stay"),
    ([(6, 1), (6, 0)], 1, "stay (highest dose; escalation boundary met)"),
    ([(3, 2), (0, 0)], 0, "stay (lowest dose; de-escalation boundary met)"),
    ([(3, 0), (6, 4), (0, 0)], 1, "eliminate this and higher doses; de-escalate"),
    ([(3, 0), (6, 4), (0, 0)], 0, "stay (next dose eliminated)"),
    ([(3, 0), (6, 4), (3, 0)], 2, "eliminated (a lower dose was eliminated)"),
    ([(3, 3)], 0, "eliminate; stop the trial (lowest dose eliminated)"),
    ([(3, 0), (0, 0)], 1, "not treated"),
])
def test_boin_decisions(counts, dose, expected):
    assert boin_decision(counts, dose, P30) == expected


def test_extrasafe_and_earlystop_decisions():
    assert boin_decision([(3, 2), (3, 0)], 0, BoinParams(target=0.3, extrasafe=True)) == \
        "eliminate; stop the trial (extrasafe rule)"
    assert boin_decision([(3, 2), (3, 0)], 0, P30) == "stay (lowest dose; de-escalation boundary met)"
    # 3/9 at phi 0.3: 2 < 3 < 4 -> stay, and n reached n_earlystop = 9 -> stop
    es = BoinParams(target=0.3, n_earlystop=9)
    assert boin_decision([(9, 3), (0, 0)], 0, es).startswith("stop the trial (n_earlystop")
    assert boin_decision([(9, 3), (0, 0)], 0, P30) == "stay"
