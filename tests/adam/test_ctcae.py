"""CTCAE v5.0 lab grading (specs/adam/ctcae_v5.yaml + analysis.adam.ctcae) against hand-computed
cut-offs from the CTCAE v5 text (domain reference 3.2-3.3, 7.4).

Every expected grade below is worked out by hand from the criterion it tests: the comment next
to a case names the cut-off (e.g. 3 x ULN 40 = 120) and whether the boundary is inclusive.
Values are just below, at and just above each cut-off.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.adam.ctcae as ctcae_module
from analysis.adam.ctcae import (
    derive_var_atoxgr_dir,
    derive_var_btoxgr,
    derive_var_shift,
    load_ctcae_criteria,
    signif,
)
from analysis.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "adam" / "ctcae_v5.yaml"
NAN = float("nan")


@pytest.fixture(scope="module")
def crit():
    return load_ctcae_criteria(SPEC)


def frame(paramcd, avals, *, anrlo=NAN, anrhi=NAN, base=NAN, bnrind="NORMAL", **extra) -> pd.DataFrame:
    """One record per AVAL, the other columns constant (or per-record when given as lists)."""
    n = len(avals)
    cols = {"PARAMCD": paramcd, "AVAL": avals, "ANRLO": anrlo, "ANRHI": anrhi, "BASE": base,
            "BNRIND": bnrind, **extra}
    return pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in cols.items()})


def grades(crit, df, direction, **kw) -> list[str]:
    return derive_var_atoxgr_dir(df, crit, direction, **kw)["ATOXGR" + direction].tolist()


def cases(pairs):
    """[(aval, grade), ...] -> ([aval, ...], [grade, ...])."""
    return [a for a, _ in pairs], [g for _, g in pairs]


# ---------------------------------------------------------------------------------------------
# Spec file


def test_spec_covers_every_gradable_lab_and_not_che(crit):
    graded = {(p, t.direction) for t in crit.terms for p in t.paramcds}
    h = {"ALT", "AST", "ALP", "GGT", "BILI", "INR", "CREAT", "SODIUM"}
    lo = {"ALB", "PLAT", "LYM", "NEUT", "WBC", "HGB", "SODIUM"}
    assert graded == {(p, "H") for p in h} | {(p, "L") for p in lo}
    assert crit.term_for("CHE", "H") is None and crit.term_for("CHE", "L") is None
    assert crit.signif_digits == 8
    # the five liver terms carry the v5 baseline-abnormal criteria; INR the anticoagulation ones
    assert {t.paramcds[0] for t in crit.terms if t.grades_baseline_abnormal} == {"ALT", "AST", "ALP", "GGT", "BILI"}
    assert [t.paramcds[0] for t in crit.terms if t.grades_anticoagulated] == ["INR"]


def test_module_docstring_examples_run():
    result = doctest.testmod(ctcae_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 8


# ---------------------------------------------------------------------------------------------
# Liver enzymes and bilirubin


def test_alt_normal_baseline_uses_uln_multiples(crit):
    # ULN 40: grade 1 > 40, grade 2 > 3x40 = 120, grade 3 > 5x40 = 200, grade 4 > 20x40 = 800
    avals, want = cases([(39.9, "0"), (40, "0"), (40.1, "1"), (119.9, "1"), (120, "1"), (120.1, "2"),
                         (200, "2"), (200.1, "3"), (800, "3"), (800.1, "4")])
    df = frame("ALT", avals, anrlo=7, anrhi=40, base=30, bnrind="NORMAL")
    out = derive_var_atoxgr_dir(df, crit, "H")
    assert out["ATOXGRH"].tolist() == want
    assert set(out["ATOXDSCH"]) == {"Alanine aminotransferase increased"}


def test_alt_abnormal_baseline_uses_baseline_multiples_with_the_v5_gap(crit):
    # BASE 60 > ULN 40 (BNRIND HIGH): grade 1 >= 1.5x60 = 90 (inclusive, CTCAE "1.5 - 3.0 x BL"),
    # grade 2 > 3x60 = 180, grade 3 > 5x60 = 300, grade 4 > 20x60 = 1200.
    # 41 and 89.9 are above ULN but below 1.5 x BL: the v5 gap, grade 0.
    avals, want = cases([(41, "0"), (89.9, "0"), (90, "1"), (90.1, "1"), (180, "1"), (180.1, "2"),
                         (300, "2"), (300.1, "3"), (1200, "3"), (1200.1, "4")])
    df = frame("ALT", avals, anrlo=7, anrhi=40, base=60, bnrind="HIGH")
    assert grades(crit, df, "H") == want


def test_ast_abnormal_baseline_same_rule_as_alt(crit):
    # BASE 70, ULN 35: 1.5x70 = 105 inclusive -> grade 1; 104.9 -> 0
    df = frame("AST", [104.9, 105], anrhi=35, base=70, bnrind="HIGH")
    assert grades(crit, df, "H") == ["0", "1"]


def test_bilirubin_abnormal_baseline_anything_above_baseline_is_grade_1(crit):
    # BASE 30 > ULN 20.5: grade 1 > 1.0x30 = 30 (strict, CTCAE "> 1.0 - 1.5 x BL"),
    # grade 2 > 1.5x30 = 45, grade 3 > 3x30 = 90, grade 4 > 10x30 = 300
    avals, want = cases([(25, "0"), (30, "0"), (30.1, "1"), (45, "1"), (45.1, "2"), (90, "2"),
                         (90.1, "3"), (300, "3"), (300.1, "4")])
    df = frame("BILI", avals, anrlo=3.4, anrhi=20.5, base=30, bnrind="HIGH")
    assert grades(crit, df, "H") == want


def test_bilirubin_normal_baseline(crit):
    # ULN 20.5: grade 1 > 20.5, grade 2 > 1.5x20.5 = 30.75, grade 3 > 3x20.5 = 61.5, grade 4 > 205
    avals, want = cases([(20.5, "0"), (20.6, "1"), (30.75, "1"), (30.76, "2"), (61.5, "2"),
                         (61.6, "3"), (205, "3"), (205.1, "4")])
    df = frame("BILI", avals, anrhi=20.5, base=10, bnrind="NORMAL")
    assert grades(crit, df, "H") == want


@pytest.mark.parametrize("paramcd", ["ALP", "GGT"])
def test_alp_and_ggt_abnormal_baseline_boundary_is_inclusive_at_2x_baseline(crit, paramcd):
    # Chosen convention: ">= 2.0 x BL" for BOTH (admiral uses > for GGT only).
    # BASE 150 (HIGH): grade 1 >= 300, grade 2 > 2.5x150 = 375, grade 3 > 750, grade 4 > 3000
    avals, want = cases([(299.9, "0"), (300, "1"), (375, "1"), (375.1, "2"), (750, "2"),
                         (750.1, "3"), (3000, "3"), (3000.1, "4")])
    df = frame(paramcd, avals, anrhi=100, base=150, bnrind="HIGH")
    assert grades(crit, df, "H") == want


def test_ggt_normal_baseline(crit):
    # ULN 45: grade 1 > 45, grade 2 > 2.5x45 = 112.5, grade 3 > 225, grade 4 > 900
    avals, want = cases([(45, "0"), (45.1, "1"), (112.5, "1"), (112.6, "2"), (225, "2"), (225.1, "3"),
                         (900, "3"), (900.1, "4")])
    df = frame("GGT", avals, anrhi=45, base=40, bnrind="NORMAL")
    assert grades(crit, df, "H") == want


def test_missing_baseline_uses_uln_criteria(crit):
    # BASE/BNRIND missing -> ULN 40 criteria: 130 > 3x40 = 120 -> 2; 41 > 40 -> 1
    df = frame("ALT", [130, 41], anrhi=40, base=NAN, bnrind=None)
    assert grades(crit, df, "H") == ["2", "1"]


def test_abnormal_baseline_flag_without_base_value_is_ungradable(crit):
    # BNRIND HIGH selects the baseline criteria, which need BASE: missing -> ""
    df = frame("ALT", [130], anrhi=40, base=NAN, bnrind="HIGH")
    assert grades(crit, df, "H") == [""]


def test_missing_uln_or_aval_gives_blank_grade(crit):
    # ALT normal-baseline criteria all need ANRHI; AVAL missing is never graded
    df = frame("ALT", [130, NAN, NAN], anrhi=[NAN, 40, NAN], base=30)
    out = derive_var_atoxgr_dir(df, crit, "H")
    assert out["ATOXGRH"].tolist() == ["", "", ""]
    # the term is still named: the parameter is gradable, the record is not
    assert set(out["ATOXDSCH"]) == {"Alanine aminotransferase increased"}


# ---------------------------------------------------------------------------------------------
# Creatinine: grades 2-3 on the baseline OR the ULN multiple


def test_creatinine_grade_2_3_fire_on_either_baseline_or_uln(crit):
    # ULN 81, BASE 50: 1.5xBL = 75, 3xBL = 150; 1.5xULN = 121.5, 3xULN = 243, 6xULN = 486
    avals, want = cases([
        (75, "0"),      # at 1.5xBL (strict) and below ULN
        (75.1, "2"),    # > 1.5xBL although below ULN: baseline alternative
        (150, "2"),     # at 3xBL (strict), < 3xULN
        (150.1, "3"),   # > 3xBL: baseline alternative
        (486, "3"),     # at 6xULN (strict)
        (486.1, "4"),   # > 6xULN
    ])
    df = frame("CREAT", avals, anrlo=41, anrhi=81, base=50)
    assert grades(crit, df, "H") == want


def test_creatinine_uln_alternative(crit):
    # BASE 100 (so 1.5xBL = 150, 3xBL = 300): ULN 81 decides below those
    avals, want = cases([(81, "0"), (81.1, "1"), (121.5, "1"), (121.6, "2"), (243, "2"), (243.1, "3")])
    df = frame("CREAT", avals, anrhi=81, base=100, bnrind="HIGH")
    assert grades(crit, df, "H") == want


def test_creatinine_missing_baseline_falls_back_on_uln_and_missing_uln_is_blank(crit):
    # BASE missing: baseline alternative ignored -> 100 > 81 -> 1; 121.6 > 1.5x81 -> 2.
    # ULN missing: grade 4 (> 6xULN) cannot be decided -> "" even though 400 > 3xBL 100.
    df = frame("CREAT", [100, 121.6, 400], anrhi=[81, 81, NAN], base=[NAN, NAN, 100])
    assert grades(crit, df, "H") == ["1", "2", ""]


# ---------------------------------------------------------------------------------------------
# Decreases: albumin, platelets, lymphocytes, neutrophils, WBC, haemoglobin, sodium


def test_hypoalbuminemia_g_per_l(crit):
    # LLN 40 g/L: grade 1 < 40, grade 2 < 30, grade 3 < 20 (no lab grade 4)
    avals, want = cases([(40, "0"), (39.9, "1"), (30, "1"), (29.9, "2"), (20, "2"), (19.9, "3"), (5, "3")])
    df = frame("ALB", avals, anrlo=40, anrhi=55, base=35)
    out = derive_var_atoxgr_dir(df, crit, "L")
    assert out["ATOXGRL"].tolist() == want
    assert set(out["ATOXDSCL"]) == {"Hypoalbuminemia"}


def test_missing_lln_grades_only_what_absolute_cutoffs_settle(crit):
    # LLN missing: 25 < 30 is grade 2 whatever the LLN; 35 could be grade 1 or 0 -> ""
    df = frame("ALB", [25, 35], anrlo=NAN, anrhi=55)
    assert grades(crit, df, "L") == ["2", ""]


def test_platelet_count_decreased(crit):
    # LLN 125: grade 1 < 125, grade 2 < 75, grade 3 < 50, grade 4 < 25 (x10^9/L)
    avals, want = cases([(125, "0"), (124.9, "1"), (75, "1"), (74.9, "2"), (50, "2"), (49.9, "3"),
                         (25, "3"), (24.9, "4")])
    assert grades(crit, frame("PLAT", avals, anrlo=125, anrhi=350), "L") == want


@pytest.mark.parametrize("paramcd, lln, cuts", [
    ("LYM", 1.1, (0.8, 0.5, 0.2)),
    ("NEUT", 1.8, (1.5, 1.0, 0.5)),
    ("WBC", 3.5, (3.0, 2.0, 1.0)),
])
def test_count_decreased_terms(crit, paramcd, lln, cuts):
    # grade 1 < LLN, then < each absolute cut-off for grades 2, 3, 4; at a cut-off -> lower grade
    c2, c3, c4 = cuts
    avals, want = cases([(lln, "0"), (lln - 0.01, "1"), (c2, "1"), (c2 - 0.01, "2"), (c3, "2"),
                         (c3 - 0.01, "3"), (c4, "3"), (c4 - 0.01, "4")])
    assert grades(crit, frame(paramcd, avals, anrlo=lln), "L") == want


def test_anemia(crit):
    # LLN 115 g/L: grade 1 < 115, grade 2 < 100, grade 3 < 80 (grade 4 clinical)
    avals, want = cases([(115, "0"), (114, "1"), (100, "1"), (99, "2"), (80, "2"), (79, "3"), (40, "3")])
    assert grades(crit, frame("HGB", avals, anrlo=115, anrhi=150), "L") == want


def test_hyponatremia_lab_only(crit):
    # LLN 137: <LLN-130 -> 1; 125-129 -> 2 (symptoms unknown); 120-124 -> 3; <120 -> 4
    avals, want = cases([(137, "0"), (136, "1"), (130, "1"), (129.9, "2"), (129, "2"), (125, "2"),
                         (124.9, "3"), (120, "3"), (119.9, "4")])
    assert grades(crit, frame("SODIUM", avals, anrlo=137, anrhi=147), "L") == want


def test_sodium_is_graded_in_both_directions(crit):
    # ULN 147: >ULN-150 -> 1; >150-155 -> 2; >155-160 -> 3; >160 -> 4. Low 130 -> H "0", L "1".
    avals, want_h = cases([(130, "0"), (147, "0"), (148, "1"), (150, "1"), (151, "2"), (155, "2"),
                           (156, "3"), (160, "3"), (161, "4")])
    df = frame("SODIUM", avals, anrlo=137, anrhi=147)
    both = derive_var_atoxgr_dir(derive_var_atoxgr_dir(df, crit, "H"), crit, "L")
    assert both["ATOXGRH"].tolist() == want_h
    assert both["ATOXGRL"].tolist() == ["1"] + ["0"] * 8
    assert set(both["ATOXDSCH"]) == {"Hypernatremia"} and set(both["ATOXDSCL"]) == {"Hyponatremia"}


# ---------------------------------------------------------------------------------------------
# INR


def test_inr_absolute_criteria_by_default(crit):
    # > 1.2 -> 1, > 1.5 -> 2, > 2.5 -> 3 (no grade 4); the baseline is not used
    avals, want = cases([(1.2, "0"), (1.21, "1"), (1.5, "1"), (1.51, "2"), (2.5, "2"), (2.51, "3"), (6, "3")])
    df = frame("INR", avals, anrlo=0.8, anrhi=1.2, base=2.0)
    assert grades(crit, df, "H") == want


def test_inr_anticoagulation_branch_only_for_flagged_records(crit):
    # BASE 2.0 on an anticoagulant: > 1xBL = 2.0 -> 1, > 1.5xBL = 3.0 -> 2, > 2.5xBL = 5.0 -> 3.
    # Unflagged records with the same values use the absolute criteria (2.5 -> 2, 3.0 -> 3).
    avals = [2.0, 2.5, 3.0, 3.1, 5.0, 5.1, 2.5, 3.0]
    flag = ["Y"] * 6 + ["", ""]
    df = frame("INR", avals, anrhi=1.2, base=2.0, ACOAGFL=flag)
    assert grades(crit, df, "H", anticoag_var="ACOAGFL") == ["0", "1", "1", "2", "2", "3", "2", "3"]
    # without naming the flag column nobody is treated as anticoagulated
    assert grades(crit, df, "H") == ["2", "2", "3", "3", "3", "3", "2", "3"]


def test_inr_anticoagulated_without_baseline_is_ungradable(crit):
    df = frame("INR", [2.0], anrhi=1.2, base=NAN, ACOAGFL="Y")
    assert grades(crit, df, "H", anticoag_var="ACOAGFL") == [""]


def test_named_anticoagulant_column_must_exist(crit):
    with pytest.raises(ValueError, match="ACOAGFL"):
        derive_var_atoxgr_dir(frame("INR", [2.0], anrhi=1.2), crit, "H", anticoag_var="ACOAGFL")


# ---------------------------------------------------------------------------------------------
# Floating point


def test_binary_noise_at_a_cutoff_does_not_flip_the_grade(crit):
    # 3 x 1.1 = 3.3000000000000003 and 1.5 x 1.1 = 1.6500000000000001 (just above the decimal),
    # 1.5 x 1.2 = 1.7999999999999998 (just below): without rounding each would flip.
    assert 3 * 1.1 > 3.3 and 1.5 * 1.1 > 1.65 and 1.5 * 1.2 < 1.8
    alt = frame("ALT", [3.3], anrhi=1.1, base=1.0)                   # at 3xULN (strict) -> 1, not 2
    alt_abn = frame("ALT", [1.65], anrhi=1.0, base=1.1, bnrind="HIGH")  # at 1.5xBL (>=) -> 1, not 0
    inr = frame("INR", [1.8], anrhi=1.2, base=1.2, ACOAGFL="Y")       # at 1.5xBL (strict) -> 1, not 2
    assert grades(crit, alt, "H") == ["1"]
    assert grades(crit, alt_abn, "H") == ["1"]
    assert grades(crit, inr, "H", anticoag_var="ACOAGFL") == ["1"]


def test_signif_rounds_to_significant_digits():
    # 8 significant digits: 123456789 -> 123456790; 0.000123456789 -> 0.00012345679
    got = signif([123456789.0, 0.000123456789, -3 * 1.1, NAN, 0.0], 8)
    assert got[0] == 123456790.0 and got[1] == 0.00012345679 and got[2] == -3.3
    assert np.isnan(got[3]) and got[4] == 0.0


# ---------------------------------------------------------------------------------------------
# Below LLOQ, no term, structure


def test_blq_is_never_graded_upward(crit):
    # H: BLQ and AVAL <= ULN -> "0"; BLQ with AVAL > ULN cannot be placed -> "" (not 1 or 2)
    df = frame("ALT", [5, 130, 130], anrhi=40, base=30, BLQFL=["Y", "Y", ""])
    assert grades(crit, df, "H") == ["0", "", "2"]
    # L: a BLQ value lies below an unknown limit and AVAL may be imputed below it -> ""
    plat = frame("PLAT", [10, 10], anrlo=125, BLQFL=["Y", ""])
    assert grades(crit, plat, "L") == ["", "4"]
    # the flag is optional and can be switched off
    assert grades(crit, plat, "L", blq_var=None) == ["4", "4"]
    assert grades(crit, plat.drop(columns="BLQFL"), "L") == ["4", "4"]


def test_parameter_without_term_gets_blank_term_and_grade(crit):
    # CHE has no CTCAE term; ALT has none in direction L
    df = frame("CHE", [100.0], anrlo=5000, anrhi=12000, base=6000)
    out = derive_var_atoxgr_dir(df, crit, "H")
    assert out[["ATOXDSCH", "ATOXGRH"]].iloc[0].tolist() == ["", ""]
    out = derive_var_atoxgr_dir(frame("ALT", [500.0], anrhi=40), crit, "L")
    assert out[["ATOXDSCL", "ATOXGRL"]].iloc[0].tolist() == ["", ""]


def test_input_is_not_modified_and_index_is_kept(crit):
    df = frame("ALT", [50.0, 130.0], anrhi=40, base=30).set_axis([10, 20])
    before = df.copy()
    out = derive_var_atoxgr_dir(df, crit, "H")
    pd.testing.assert_frame_equal(df, before)
    assert out.index.tolist() == [10, 20] and out["ATOXGRH"].tolist() == ["1", "2"]


@pytest.mark.parametrize("missing", ["PARAMCD", "AVAL", "ANRLO", "ANRHI", "BASE", "BNRIND"])
def test_required_columns_are_checked(crit, missing):
    df = frame("ALT", [50.0], anrhi=40, base=30).drop(columns=missing)
    with pytest.raises(ValueError, match=missing):
        derive_var_atoxgr_dir(df, crit, "H")


def test_bad_direction_is_rejected(crit):
    with pytest.raises(ValueError, match="direction"):
        derive_var_atoxgr_dir(frame("ALT", [50.0], anrhi=40), crit, "X")


def test_unit_check_when_unit_column_named(crit):
    ok = frame("ALB", [30.0], anrlo=40, AVALU="g/L")
    assert grades(crit, ok, "L", unit_var="AVALU") == ["1"]
    # ALT cut-offs are all ULN multiples (unit null): any unit is fine
    assert grades(crit, frame("ALT", [50.0], anrhi=40, AVALU="ukat/L"), "H", unit_var="AVALU") == ["1"]
    with pytest.raises(ValueError, match="Hypoalbuminemia.*g/dL"):
        derive_var_atoxgr_dir(frame("ALB", [3.0], anrlo=4.0, AVALU="g/dL"), crit, "L", unit_var="AVALU")


def test_criteria_path_is_accepted():
    assert grades(SPEC, frame("ALT", [50.0], anrhi=40), "H") == ["1"]


def test_grading_is_vectorised_over_many_rows(crit):
    # 20 000 copies of the ALT abnormal-baseline cases grade exactly as the 6 originals
    avals = [41, 89.9, 90, 180.1, 300.1, 1200.1]
    small = frame("ALT", avals, anrhi=40, base=60, bnrind="HIGH")
    big = pd.concat([small] * 20_000, ignore_index=True)
    assert grades(crit, big, "H") == ["0", "0", "1", "2", "3", "4"] * 20_000


# ---------------------------------------------------------------------------------------------
# Baseline grade and shift


def test_btoxgr_copies_the_baseline_grade_to_every_record_of_the_group():
    df = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S2", "S2", "S3"],
        "PARAMCD": ["ALT", "ALT", "PLAT", "ALT", "ALT", "ALT"],
        "ABLFL": ["", "Y", "Y", "", "", "Y"],
        "ATOXGRH": ["0", "1", "", "2", "3", ""],
        "ATOXGRL": ["", "", "2", "", "", ""],
    }, index=[5, 4, 3, 2, 1, 0])
    out = derive_var_btoxgr(df)
    # S1/ALT baseline "1"; S1/PLAT baseline L "2"; S2 has no baseline -> ""; S3 baseline grade ""
    assert out["BTOXGRH"].tolist() == ["1", "1", "", "", "", ""]
    assert out["BTOXGRL"].tolist() == ["", "", "2", "", "", ""]
    assert out.index.tolist() == [5, 4, 3, 2, 1, 0]


def test_btoxgr_rejects_two_baselines_and_needs_a_grade_column():
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": "ALT", "ABLFL": "Y", "ATOXGRH": ["0", "1"]})
    with pytest.raises(ValueError, match="more than one baseline.*S1"):
        derive_var_btoxgr(df)
    with pytest.raises(ValueError, match="ATOXGRH or ATOXGRL"):
        derive_var_btoxgr(df.drop(columns="ATOXGRH"))
    with pytest.raises(ValueError, match="ABLFL"):
        derive_var_btoxgr(df.drop(columns="ABLFL"))


def test_shift_from_baseline_to_post_baseline_grade():
    df = pd.DataFrame({"BTOXGRH": ["0", "1", "", None, "2"], "ATOXGRH": ["2", "1", "3", "1", ""]})
    out = derive_var_shift(df, "BTOXGRH", "ATOXGRH", "SHIFT1")
    assert out["SHIFT1"].tolist() == ["0 to 2", "1 to 1", "", "", ""]
    with pytest.raises(ValueError, match="ATOXGRL"):
        derive_var_shift(df, "BTOXGRH", "ATOXGRL", "SHIFT1")


# ---------------------------------------------------------------------------------------------
# Malformed specs


GOOD_TERM = """
  - term: Platelet count decreased
    direction: L
    paramcd: [PLAT]
    unit: 10^9/L
    grades:
      - {grade: 1, lt: {lln: 1.0}}
      - {grade: 2, lt: {value: 75}}
"""


def write_spec(tmp_path, terms: str, digits: str = "signif_digits: 8\n") -> Path:
    path = tmp_path / "ctcae.yaml"
    path.write_text(digits + "terms:\n" + terms, encoding="utf-8")
    return path


def test_a_minimal_spec_loads(tmp_path):
    crit = load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM))
    assert crit.term_for("PLAT", "L").grades[1].alternatives[0].factor == 75.0


@pytest.mark.parametrize("edit, message", [
    (("lln: 1.0", "uln_x: 1.0"), r"'Platelet count decreased'.*unknown bound kind 'uln_x'"),
    (("{grade: 2,", "{grade: 1,"), r"'Platelet count decreased'.*ascending"),
    (("{grade: 2,", "{grade: 5,"), r"'Platelet count decreased'.*1\.\.4"),
    (("    direction: L\n", ""), r"'Platelet count decreased'.*`direction`"),
    (("direction: L", "direction: down"), r"'Platelet count decreased'.*`direction`"),
    (("lt: {value: 75}", "gt: {value: 75}"), r"'Platelet count decreased'.*'gt' does not fit direction L"),
    (("lt: {value: 75}", "lt: {value: -75}"), r"'Platelet count decreased'.*positive"),
    (("lt: {value: 75}", "lt: {value: 75}, le: {value: 70}"), r"'Platelet count decreased'.*exactly one"),
    (("unit: 10^9/L", "unit: null"), r"'Platelet count decreased'.*`unit`"),
    (("paramcd: [PLAT]", "paramcd: PLAT"), r"'Platelet count decreased'.*`paramcd`"),
    (("    grades:", "    grade_list:"), r"'Platelet count decreased'.*grade_list"),
])
def test_malformed_terms_are_reported_by_term_and_field(tmp_path, edit, message):
    with pytest.raises(SpecError, match=message):
        load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM.replace(*edit)))


def test_creatinine_style_alternatives_need_at_least_two(tmp_path):
    bad = GOOD_TERM.replace("lt: {value: 75}", "any: [{lt: {value: 75}}]")
    with pytest.raises(SpecError, match="grade 2: `any` needs a list of at least two"):
        load_ctcae_criteria(write_spec(tmp_path, bad))


def test_same_paramcd_twice_in_one_direction_is_rejected(tmp_path):
    second = GOOD_TERM.replace("Platelet count decreased", "Thrombocytopenia")
    with pytest.raises(SpecError, match="PLAT is already graded in direction L"):
        load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM + second))


def test_both_alternative_grade_sets_are_rejected(tmp_path):
    extra = ("    grades_baseline_abnormal:\n      - {grade: 1, lt: {base: 1.0}}\n"
             "    grades_anticoagulated:\n      - {grade: 1, lt: {base: 1.0}}\n")
    with pytest.raises(SpecError, match="either grades_baseline_abnormal or grades_anticoagulated"):
        load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM + extra))


def test_missing_signif_digits_and_broken_yaml(tmp_path):
    with pytest.raises(SpecError, match="signif_digits"):
        load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM, digits=""))
    with pytest.raises(SpecError, match="cannot read"):
        load_ctcae_criteria(write_spec(tmp_path, GOOD_TERM + "  - {term: [unclosed\n"))


def test_expressions_in_the_spec_are_not_evaluated(tmp_path):
    # a string where a number belongs is an error, never code
    bad = GOOD_TERM.replace("lt: {value: 75}", "lt: {value: '__import__(\"os\").getcwd()'}")
    with pytest.raises(SpecError, match="positive number"):
        load_ctcae_criteria(write_spec(tmp_path, bad))


# ---------------------------------------------------------------------------------------------
# Real SDTM LB


@pytest.fixture(scope="module")
def adlb_like(embedded_sdtm_dir):
    from analysis.xpt import read_xpt

    got = read_xpt(embedded_sdtm_dir / "lb.xpt")
    lb = got[0] if isinstance(got, tuple) else got
    df = pd.DataFrame({
        "USUBJID": lb["USUBJID"], "PARAMCD": lb["LBTESTCD"], "AVAL": lb["LBSTRESN"],
        "ANRLO": lb["LBSTNRLO"], "ANRHI": lb["LBSTNRHI"], "ANRIND": lb["LBNRIND"],
        "ABLFL": lb["LBLOBXFL"].fillna(""),  # LBLOBXFL: last non-missing value before first dose
    })
    base = (df.loc[df["ABLFL"] == "Y", ["USUBJID", "PARAMCD", "AVAL", "ANRIND"]]
            .rename(columns={"AVAL": "BASE", "ANRIND": "BNRIND"}))
    return df.merge(base, on=["USUBJID", "PARAMCD"], how="left", validate="m:1")


def test_real_lb_grades_are_well_formed(crit, adlb_like):
    out = derive_var_atoxgr_dir(derive_var_atoxgr_dir(adlb_like, crit, "H"), crit, "L")
    out = derive_var_shift(derive_var_btoxgr(out), "BTOXGRH", "ATOXGRH", "SHIFTH")
    allowed = {"", "0", "1", "2", "3", "4"}
    for var in ("ATOXGRH", "ATOXGRL", "BTOXGRH", "BTOXGRL"):
        assert set(out[var]) <= allowed, var
    alt = out[out["PARAMCD"] == "ALT"]
    assert len(alt) > 0 and (alt["ATOXGRH"] != "").all()
    assert (alt["ATOXDSCH"] == "Alanine aminotransferase increased").all()
    # non-gradable parameters stay blank in both directions
    che = out[out["PARAMCD"] == "CHE"]
    assert len(che) > 0 and (che[["ATOXGRH", "ATOXGRL", "ATOXDSCH", "ATOXDSCL"]] == "").all().all()
    # records without a result are never graded
    assert (out.loc[out["AVAL"].isna(), ["ATOXGRH", "ATOXGRL"]] == "").all().all()
    # a normal-baseline ALT is grade 0 exactly when AVAL <= ULN
    normal = alt[alt["BNRIND"] != "HIGH"]
    assert ((normal["ATOXGRH"] == "0") == (normal["AVAL"] <= normal["ANRHI"])).all()
    # the baseline record's own grade is carried as the baseline grade
    bl = out[out["ABLFL"] == "Y"]
    assert (bl["BTOXGRH"] == bl["ATOXGRH"]).all() and (bl["BTOXGRL"] == bl["ATOXGRL"]).all()
    assert out["SHIFTH"].str.fullmatch(r"|[0-4] to [0-4]").all()
