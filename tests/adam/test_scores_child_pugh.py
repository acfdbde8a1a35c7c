"""Child-Pugh points, total and class at every boundary of the domain reference (section 2)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.adam.scores import (
    child_pugh_class,
    child_pugh_points_albumin,
    child_pugh_points_ascites,
    child_pugh_points_bilirubin,
    child_pugh_points_encephalopathy,
    child_pugh_points_inr,
    child_pugh_score,
)


@pytest.mark.parametrize(
    "umol,points",
    [
        (0.0, 1),
        (34.1, 1),  # 34.1 / 17.1 = 1.994 mg/dL < 2.0
        (34.2, 2),  # 34.2 / 17.1 = 2.0 mg/dL exactly: 2.0 <= x -> 2
        (51.3, 2),  # 51.3 / 17.1 = 3.0 mg/dL exactly (2.9999999999999996 before snapping): x <= 3.0 -> 2
        (51.4, 3),  # 51.4 / 17.1 = 3.006 mg/dL > 3.0
        (50.0, 2),  # the "50 umol/L" SI variant would give 3; the mg/dL rule gives 2.92 -> 2
        (400.0, 3),
    ],
)
def test_bilirubin_boundaries(umol, points):
    assert child_pugh_points_bilirubin(umol) == points


@pytest.mark.parametrize("gl,points", [(50, 1), (35.1, 1), (35, 2), (30, 2), (28, 2), (27.9, 3), (15, 3)])
def test_albumin_boundaries(gl, points):
    # > 35 g/L -> 1, 28 <= x <= 35 -> 2, < 28 -> 3 (MSD/Pugh cut-offs, not Harrison's 30).
    assert child_pugh_points_albumin(gl) == points


@pytest.mark.parametrize("inr,points", [(0.9, 1), (1.69, 1), (1.7, 2), (2.0, 2), (2.3, 2), (2.31, 3), (4.0, 3)])
def test_inr_boundaries(inr, points):
    assert child_pugh_points_inr(inr) == points


@pytest.mark.parametrize(
    "ascites,diuretics,points",
    [
        ("NONE", None, 1),
        ("NONE", "N", 1),
        ("NONE", "Y", 2),  # "controlled with diuretics" -> 2
        ("MILD", "N", 2),
        ("MILD", "Y", 2),
        ("MODERATE-SEVERE", "N", 3),
        ("MODERATE-SEVERE", "Y", 3),
        ("mild ", None, 2),  # case and padding as some exports deliver them
        ("NONE", True, 2),
    ],
)
def test_ascites(ascites, diuretics, points):
    assert child_pugh_points_ascites(ascites, diuretics) == points


def test_ascites_missing():
    assert math.isnan(child_pugh_points_ascites(None))
    assert math.isnan(child_pugh_points_ascites(""))
    assert math.isnan(child_pugh_points_ascites(np.nan, "Y"))
    # Missing diuretics only matters when ascites is NONE (1 or 2 points would both be possible).
    assert math.isnan(child_pugh_points_ascites("NONE", np.nan))
    assert child_pugh_points_ascites("MILD", np.nan) == 2
    assert child_pugh_points_ascites("MODERATE-SEVERE", "") == 3


@pytest.mark.parametrize("grade,points", [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3)])
def test_encephalopathy(grade, points):
    assert child_pugh_points_encephalopathy(grade) == points


def test_score_and_class_by_hand():
    # Bili 40 umol/L = 2.34 mg/dL -> 2; Alb 30 g/L -> 2; INR 1.5 -> 1; MILD -> 2; grade 0 -> 1: 8 -> B
    assert child_pugh_score(40, 30, 1.5, "MILD", 0) == 8.0
    # Best case: 10 umol/L -> 1, 40 g/L -> 1, INR 1.0 -> 1, NONE/N -> 1, grade 0 -> 1: 5 -> A
    assert child_pugh_score(10, 40, 1.0, "NONE", 0, diuretics="N") == 5.0
    # Same with diuretics Y: ascites 2 -> 6, still A
    assert child_pugh_score(10, 40, 1.0, "NONE", 0, diuretics="Y") == 6.0
    # Worst: 100 umol/L -> 3, 20 g/L -> 3, INR 3 -> 3, MODERATE-SEVERE -> 3, grade 4 -> 3: 15 -> C
    assert child_pugh_score(100, 20, 3.0, "MODERATE-SEVERE", 4) == 15.0


def test_score_missing_component_is_nan():
    full = [40, 30, 1.5, "MILD", 0]
    for pos in range(5):
        args = list(full)
        args[pos] = None
        assert math.isnan(child_pugh_score(*args)), pos


def test_score_vectorised_series():
    idx = pd.Index([10, 11, 12])
    out = child_pugh_score(
        pd.Series([34.2, 51.4, np.nan], index=idx),
        pd.Series([35, 27, 40], index=idx),
        pd.Series([1.7, 2.4, 1.0], index=idx),
        pd.Series(["NONE", "MODERATE-SEVERE", "NONE"], index=idx),
        pd.Series([0, 3, 0], index=idx),
        diuretics=pd.Series(["Y", "N", "N"], index=idx),
    )
    # Row 10: 2 + 2 + 2 + 2 (NONE on diuretics) + 1 = 9; row 11: 3+3+3+3+3 = 15; row 12 missing bili.
    assert out.index.equals(idx)
    assert out.iloc[:2].tolist() == [9.0, 15.0] and math.isnan(out.iloc[2])
    classes = child_pugh_class(out)
    assert classes.iloc[:2].tolist() == ["B", "C"] and pd.isna(classes.iloc[2])


@pytest.mark.parametrize(
    "score,cls", [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"), (12, "C"), (15, "C")]
)
def test_class_boundaries(score, cls):
    assert child_pugh_class(score) == cls


def test_class_missing_and_invalid():
    assert pd.isna(child_pugh_class(np.nan))
    for bad in (4, 16, 7.5):
        with pytest.raises(ValueError, match="Child-Pugh score"):
            child_pugh_class(bad)


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="ascites"):
        child_pugh_points_ascites("SEVERE")
    with pytest.raises(ValueError, match="diuretics"):
        child_pugh_points_ascites("NONE", "MAYBE")
    with pytest.raises(ValueError, match="encephalopathy"):
        child_pugh_points_encephalopathy(5)
    with pytest.raises(ValueError, match="encephalopathy"):
        child_pugh_points_encephalopathy(1.5)
    with pytest.raises(ValueError, match="bilirubin"):
        child_pugh_points_bilirubin(-3)
    with pytest.raises(ValueError, match="albumin"):
        child_pugh_points_albumin("low")
