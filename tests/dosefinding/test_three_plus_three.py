"""3+3 rule, MTD and trail on hand-made scenarios (the rule of domain-reference.md 4.1)."""

import pytest

from analysis.dosefinding.results import mtd_3p3_text, trail_result
from analysis.dosefinding.three_plus_three import (
    Mtd3p3,
    decision_points,
    mtd_3p3,
    rule_3p3,
    trail_3p3,
    trail_mtd,
)

LABELS = ["D1", "D2", "D3"]


@pytest.mark.parametrize("n,y,verdict", [(3, 0, "escalate"), (3, 1, "expand"), (3, 2, "stop"), (3, 3, "stop"),
                                         (6, 0, "escalate"), (6, 1, "escalate"), (6, 2, "stop"),
                                         (6, 4, "stop"), (5, 1, "outside"), (9, 1, "outside")])
def test_rule(n, y, verdict):
    assert rule_3p3(n, y) == verdict


def test_rule_rejects_impossible_counts():
    with pytest.raises(ValueError):
        rule_3p3(3, 4)


def test_zero_of_three_escalates():
    steps = trail_3p3([[(3, 0)], [(3, 0)], []], LABELS)
    assert steps[0].rule == "escalate" and steps[0].rule_text == "escalate to D2"
    assert steps[0].action == "escalated" and steps[0].follows is True


def test_one_of_three_then_one_of_six_escalates():
    steps = trail_3p3([decision_points([0, 1, 0, 0, 0, 0]), decision_points([0, 0, 0])], LABELS[:2])
    assert [(s.n, s.y, s.rule) for s in steps[:2]] == [(3, 1, "expand"), (6, 1, "escalate")]
    assert steps[0].follows is True and steps[0].action.startswith("enrolled more")
    assert steps[1].follows is True and steps[1].action == "escalated"


def test_one_of_three_then_two_of_six_stops_with_mtd_lower():
    stages = [decision_points([0, 0, 0, 0, 0, 0]), decision_points([1, 0, 0, 0, 1, 0])]
    steps = trail_3p3(stages, LABELS[:2])
    last = steps[-1]
    assert (last.n, last.y, last.rule) == (6, 2, "stop")
    assert last.rule_text == "stop: dose above MTD; MTD = next lower dose (D1)"
    assert last.follows is True
    assert trail_mtd(stages) == Mtd3p3("mtd", 0)
    assert mtd_3p3_text(trail_mtd(stages), LABELS) == "MTD: D1"


def test_stop_with_lower_dose_at_three_needs_expansion():
    stages = [[(3, 0)], [(3, 2)]]
    steps = trail_3p3(stages, LABELS[:2])
    assert steps[-1].rule_text == "stop: dose above MTD; expand next lower dose (D1) to 6"
    assert trail_mtd(stages).status == "undetermined"


def test_two_of_three_at_first_dose_means_no_mtd():
    stages = [[(3, 2)], [], []]
    steps = trail_3p3(stages, LABELS)
    assert steps[0].rule_text == "stop: lowest dose above the MTD; no MTD"
    assert trail_mtd(stages) == Mtd3p3("none", None, "the lowest dose is above the MTD")


def test_top_dose_clears_mtd_not_reached():
    stages = [[(3, 0)], [(3, 1), (6, 1)], [(3, 0), (6, 0)]]
    mtd = trail_mtd(stages)
    assert mtd == Mtd3p3("not_reached", 2)
    assert mtd_3p3_text(mtd, LABELS) == "MTD not reached; maximum administered dose: D3"


def test_expanded_beyond_rule_is_flagged():
    # 0/3 needed only 3, the trial enrolled 6 before escalating
    steps = trail_3p3([[(3, 0), (6, 0)], [(3, 0)]], LABELS[:2])
    assert steps[0].follows is False and steps[0].note == "expanded beyond rule"
    assert steps[1].follows is True


def test_departures_against_the_rule():
    # 2/3 then the trial went on at that dose and escalated anyway
    steps = trail_3p3([[(3, 2), (6, 2)], [(3, 0)]], LABELS[:2])
    assert steps[0].note == "expanded beyond rule (the rule said stop)"
    assert steps[1].note == "escalated against the rule"
    # 1/3 and escalated without expanding
    steps = trail_3p3([[(3, 1)], [(3, 0)]], LABELS[:2])
    assert steps[0].follows is False and steps[0].note == "escalated without the required expansion"
    # the first stop fixes the MTD even though the trial continued
    assert trail_mtd([[(3, 0), (6, 0)], [(3, 2), (6, 2)], [(3, 0)]]) == Mtd3p3("mtd", 0)


def test_incomplete_cohort_has_no_decision():
    steps = trail_3p3([decision_points([0, 0, 0, 1, 0])], ["D1"])
    assert [(s.n, s.rule, s.follows) for s in steps] == [(3, "escalate", True), (5, "outside", None)]


def test_mtd_from_final_counts():
    assert mtd_3p3([(3, 0), (6, 1), (6, 2)]) == Mtd3p3("mtd", 1)
    assert mtd_3p3([(3, 0), (3, 1)]).status == "undetermined"
    assert mtd_3p3([(6, 0), (0, 0)]).reason == "dose 2: not treated"
    assert mtd_3p3([(6, 1), (6, 0), (6, 0)]) == Mtd3p3("not_reached", 2)


def test_trail_table_shape_and_ard():
    res = trail_result([[(3, 0), (6, 1)], [(3, 0), (6, 0)]], ["A", "B"])
    assert len(res.table) == 5 and res.table.iloc[0]["Followed rule"] == "no (expanded beyond rule)"
    ard = res.ard
    assert ard.loc[ard["stat_name"] == "mtd_status", "stat"].tolist() == ["not_reached"]
    assert ard.loc[(ard["stat_name"] == "y") & (ard["group1_level"] == "A"), "stat"].tolist() == ["0", "1"]
