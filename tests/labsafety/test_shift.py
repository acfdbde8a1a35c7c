"""Shift tables on the hand-made fixture (conftest.adlb_grades); every count worked out by hand:

ALT (high), group A (3 subjects with ALT): S1 baseline 2 -> worst 3 (screening 4 and Day 1 3 are
not post-baseline, the unscheduled Day 15 grade 3 is), S2 Missing -> 1, S3 0 -> Missing.
Group B (2 subjects): S4 1 -> 1 (blank grade ignored), S5 3 -> 1 (its baseline record, ABLFL = Y
on Day 2, is not post-baseline). S6 (SAFFL = N, grade 4) is excluded.
PLAT (low): A: S1 1 -> 2; B: S4 0 -> 0.
"""

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.labsafety.config import (
    ctcae_params,
    ctcae_scale,
    load_spec,
    normal_range_scale,
)
from analysis.labsafety.records import population_lab_records
from analysis.labsafety.shift import (
    ShiftParam,
    ShiftScale,
    shift_table,
    worst_by_subject,
)
from analysis.stats.groups import analysis_groups

SCALE = ShiftScale(["0", "1", "2", "3", "4"])
ALT = ShiftParam("ALT", "BTOXGRH", "ATOXGRH")
PLAT = ShiftParam("PLAT", "BTOXGRL", "ATOXGRL")


def cell(result, param_label, base, worst, column):
    t = result.table
    row = t[(t["Parameter"] == param_label) & (t["Baseline grade"] == base)
            & (t["Worst post-baseline grade"] == worst)]
    assert len(row) == 1
    return row[column].iloc[0]


def test_worst_by_subject_by_hand(adsl, adlb_grades):
    groups = analysis_groups(adsl, "TRT01A")
    lab = population_lab_records(adsl, adlb_grades, groups, ["ALT", "PLAT"])
    worst = worst_by_subject(lab, ALT, SCALE)
    assert worst[["USUBJID", "_GROUP", "BASELINE", "WORST"]].values.tolist() == [
        ["S1", "A", "2", "3"], ["S2", "A", "Missing", "1"], ["S3", "A", "0", "Missing"],
        ["S4", "B", "1", "1"], ["S5", "B", "3", "1"]]
    assert worst_by_subject(lab, PLAT, SCALE)[["USUBJID", "BASELINE", "WORST"]].values.tolist() == [
        ["S1", "1", "2"], ["S4", "0", "0"]]


def test_shift_table_counts_and_denominators(adsl, adlb_grades):
    t = shift_table(adsl, adlb_grades, [ALT, PLAT], SCALE)
    assert list(t.table.columns) == ["Parameter", "Baseline grade", "Worst post-baseline grade",
                                     "A (N=3)", "B (N=2)", "Total (N=5)"]
    alt = "ALT (unit)"
    assert cell(t, alt, "2", "3", "A (N=3)") == "1 (33.3)"
    assert cell(t, alt, "Missing", "1", "A (N=3)") == "1 (33.3)"
    assert cell(t, alt, "0", "Missing", "A (N=3)") == "1 (33.3)"
    assert cell(t, alt, "1", "1", "B (N=2)") == "1 (50.0)"
    assert cell(t, alt, "3", "1", "B (N=2)") == "1 (50.0)"
    assert cell(t, alt, "2", "4", "Total (N=5)") == "0"          # screening grade 4 not counted
    assert cell(t, alt, "3", "3", "Total (N=5)") == "0"          # baseline record not counted
    assert cell(t, alt, "2", "3", "Total (N=5)") == "1 (20.0)"
    # PLAT: subjects with the parameter are the denominator (1 per group, 2 in total)
    assert cell(t, "PLAT (unit)", "1", "2", "A (N=3)") == "1 (100.0)"
    assert cell(t, "PLAT (unit)", "0", "0", "Total (N=5)") == "1 (50.0)"
    assert cell(t, "PLAT (unit)", "Subjects with parameter", "", "Total (N=5)") == "2"
    # every subject with the parameter is in exactly one cell: 6 x 6 cells sum to N
    ard = t.ard
    n = ard[(ard.stat_name == "n") & (ard.group2_level == "ALT")]
    assert n.groupby("group1_level")["stat"].apply(lambda s: s.astype(int).sum()).to_dict() == {
        "A": 3, "B": 2, "Total": 5}
    assert len(n) == 36 * 3


def test_shift_ard(adsl, adlb_grades):
    ard = shift_table(adsl, adlb_grades, [ALT], SCALE).ard
    row = ard[(ard.group1_level == "A") & (ard.variable_level == "2->3")]
    assert row.set_index("stat_name")["stat"].to_dict() == {"n": "1", "p": repr(1 / 3)}
    assert row["group1"].iloc[0] == "TRT01A" and row["group2"].iloc[0] == "PARAMCD"
    big_n = ard[(ard.stat_name == "N") & (ard.group1_level == "B")]
    assert big_n["stat"].tolist() == ["2"]


def test_normal_range_shift_with_spec_order(adsl):
    lb = pd.DataFrame({"USUBJID": ["S1"] * 4 + ["S4"] * 3, "PARAMCD": ["ALT"] * 7,
                       "ABLFL": ["Y", "", "", "", "Y", "", ""], "ADY": [-1, 8, 15, 22, -1, 8, 15],
                       "BNRIND": ["NORMAL"] * 4 + ["LOW"] * 3,
                       "ANRIND": ["NORMAL", "LOW", "HIGH", "NORMAL", "LOW", "LOW", "NORMAL"]})
    scale = normal_range_scale(load_spec())
    assert scale.levels == ["LOW", "NORMAL", "HIGH"]
    t = shift_table(adsl, lb, [ShiftParam("ALT", "BNRIND", "ANRIND")], scale, analysis_id="x")
    tab = t.table.set_index(["Baseline normal range indicator", "Worst post-baseline normal range indicator"])
    assert tab.loc[("NORMAL", "HIGH"), "Total (N=5)"] == "1 (50.0)"   # LOW and HIGH -> HIGH
    assert tab.loc[("LOW", "LOW"), "Total (N=5)"] == "1 (50.0)"       # LOW is worse than NORMAL


def test_spec_parameters_and_directions():
    spec = load_spec()
    params = {p.paramcd: (p.baseline_var, p.post_var) for p in ctcae_params(spec)}
    assert list(params) == ["ALT", "AST", "ALP", "GGT", "BILI", "INR", "ALB", "CREAT", "PLAT"]
    assert params["ALB"] == params["PLAT"] == ("BTOXGRL", "ATOXGRL")
    assert params["CREAT"] == ("BTOXGRH", "ATOXGRH")
    assert ctcae_scale(spec).levels == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize("change, message", [
    (lambda lb: lb.drop(columns=["ADY"]), r"ADLB: required variable\(s\) missing: ADY"),
    (lambda lb: pd.concat([lb, lb.iloc[[0]].assign(USUBJID="S9")]), r"ADLB: 1 subject\(s\) not in ADSL \(e.g. S9\)"),
    (lambda lb: lb.assign(ATOXGRH=lb["ATOXGRH"].replace("3", "7")), "not among the grade categories"),
    (lambda lb: lb.assign(BTOXGRH=lb["BTOXGRH"].where(lb["ADY"] != 29, "0")),
     "subject S1 has more than one baseline category"),
])
def test_user_errors(adsl, adlb_grades, change, message):
    with pytest.raises(UserError, match=message):
        shift_table(adsl, change(adlb_grades), [ALT], SCALE)


def test_unknown_paramcd_is_a_user_error(adsl, adlb_grades):
    with pytest.raises(UserError, match="PARAMCD GGT not found"):
        shift_table(adsl, adlb_grades, [ShiftParam("GGT", "BTOXGRH", "ATOXGRH")], SCALE)


def test_records_without_study_day_are_reported(adsl, adlb_grades):
    lb = adlb_grades.copy()
    lb.loc[(lb.USUBJID == "S1") & (lb.ADY == 15), "ADY"] = float("nan")
    t = shift_table(adsl, lb, [ALT], SCALE)
    assert cell(t, "ALT (unit)", "2", "2", "A (N=3)") == "1 (33.3)"   # the grade 3 is not used
    assert any("1 non-baseline record(s) without a study day" in f for f in t.footnotes)
