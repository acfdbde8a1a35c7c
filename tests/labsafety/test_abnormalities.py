"""Treatment-emergent lab abnormalities on the hand-made fixture (see test_shift.py for the
per-subject baseline/worst grades). ALT: evaluable = baseline and post-baseline grade present:
A = S1 only (2 -> 3: worsened, to grade >= 3); B = S4 (1 -> 1), S5 (3 -> 1): none worsened.
CI references from R: binom.test(1, 3) = 0.00840375865961, 0.90570067594975;
binom.test(1, 1) = 0.025, 1; binom.test(0, 2) = 0, 0.841886116992."""

import pytest

from analysis.labsafety.abnormalities import te_lab_abnormalities
from analysis.labsafety.shift import ShiftParam, ShiftScale

SCALE = ShiftScale(["0", "1", "2", "3", "4"])
PARAMS = [ShiftParam("ALT", "BTOXGRH", "ATOXGRH"), ShiftParam("PLAT", "BTOXGRL", "ATOXGRL")]


def stats(ard, param, flag, level):
    rows = ard[(ard.group2_level == param) & (ard.variable == flag) & (ard.group1_level == level)]
    return {k: float(v) for k, v in zip(rows.stat_name, rows.stat)}


def test_counts_by_hand(adsl, adlb_grades):
    t = te_lab_abnormalities(adsl, adlb_grades, PARAMS, SCALE)
    tab = t.table.set_index(["Parameter", "Category"])
    assert tab.loc[("ALT (unit)", "Evaluable subjects")].tolist() == ["1", "2", "3"]
    assert tab.loc[("ALT (unit)", "Worsened by >= 1 grade")].tolist() == ["1 (100.0)", "0", "1 (33.3)"]
    assert tab.loc[("ALT (unit)", "Worsened to grade >= 3")].tolist() == ["1 (100.0)", "0", "1 (33.3)"]
    assert tab.loc[("PLAT (unit)", "Worsened by >= 1 grade")].tolist() == ["1 (100.0)", "0", "1 (50.0)"]
    assert tab.loc[("PLAT (unit)", "Worsened to grade >= 3")].tolist() == ["0", "0", "0"]


def test_clopper_pearson_in_ard_matches_r(adsl, adlb_grades):
    ard = te_lab_abnormalities(adsl, adlb_grades, PARAMS, SCALE).ard
    total = stats(ard, "ALT", "WORSE", "Total")
    assert (total["n"], total["N"]) == (1, 3)
    assert total["ci_lower"] == pytest.approx(0.00840375865961, abs=1e-10)
    assert total["ci_upper"] == pytest.approx(0.90570067594975, abs=1e-10)
    a = stats(ard, "ALT", "WORSE_SEVERE", "A")
    assert (a["ci_lower"], a["ci_upper"]) == (pytest.approx(0.025, abs=1e-12), 1.0)
    b = stats(ard, "ALT", "WORSE", "B")
    assert (b["n"], b["ci_lower"]) == (0, 0.0)
    assert b["ci_upper"] == pytest.approx(0.841886116992, abs=1e-10)


def test_severe_grade_option(adsl, adlb_grades):
    t = te_lab_abnormalities(adsl, adlb_grades, PARAMS, SCALE, severe="2")
    tab = t.table.set_index(["Parameter", "Category"])
    assert tab.loc[("PLAT (unit)", "Worsened to grade >= 2")].tolist() == ["1 (100.0)", "0", "1 (50.0)"]
