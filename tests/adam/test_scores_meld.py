"""MELD family against the domain reference (sections 1.1-1.5) and hand calculations.

Table 1.5 lists inputs in US units; the functions take SI units as the labs arrive, so the tests
convert back: bilirubin x 17.1 (umol/L), creatinine x 88.4 (umol/L), albumin x 10 (g/L).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.adam.scores import meld3, meld_na, meld_raw, meld_unos, round_half_up

BILI, CR, ALB = 17.1, 88.4, 10.0

# Domain reference table 1.5: female, bili mg/dL, Na, INR, Cr mg/dL, Alb g/dL ->
# MELD raw, OPTN integer, MELD-Na OPTN, MELD 3.0 raw, MELD 3.0 integer.
TABLE_1_5 = [
    (0, 2.5, 131, 1.0, 1.2, 3.8, 11.64, 12, 18, 15.81, 16),
    (1, 2.5, 131, 1.0, 1.2, 3.8, 11.64, 12, 18, 17.14, 17),
    (0, 6.0, 131, 1.5, 1.5, 3.5, 21.62, 22, 26, 24.71, 25),
    (0, 6.0, 131, 1.5, 1.5, 2.2, 21.62, 22, 26, 26.15, 26),
    (0, 12.0, 128, 2.2, 1.8, 2.0, 30.28, 30, 33, 34.22, 34),
    (0, 12.0, 120, 0.9, 4.5, 3.5, 29.09, 29, 33, 32.25, 32),
]


@pytest.mark.parametrize("female,bili,na,inr,cr,alb,raw,optn,meldna,m3raw,m3", TABLE_1_5)
def test_table_1_5(female, bili, na, inr, cr, alb, raw, optn, meldna, m3raw, m3):
    args = (bili * BILI, cr * CR, inr)
    assert meld_raw(*args) == pytest.approx(raw, abs=0.005)
    assert meld_unos(*args) == optn
    assert meld_na(*args, na) == meldna
    assert meld3(*args, na, alb * ALB, female, rounded=False) == pytest.approx(m3raw, abs=0.005)
    assert meld3(*args, na, alb * ALB, female) == m3


def test_table_row_1_by_hand():
    # R = 0.957 ln 1.2 + 0.378 ln 2.5 + 1.120 ln 1.0 + 0.643
    #   = 0.957*0.182322 + 0.378*0.916291 + 0 + 0.643 = 0.174482 + 0.346358 + 0.643 = 1.163840
    r = 0.957 * math.log(1.2) + 0.378 * math.log(2.5) + 0.643
    assert meld_raw(2.5 * BILI, 1.2 * CR, 1.0) == pytest.approx(10 * r, abs=1e-9)
    # round(1.16384, 1) = 1.2 -> x10 = 12
    assert meld_unos(2.5 * BILI, 1.2 * CR, 1.0) == 12.0
    # 12 > 11: 12 + 1.32*(137-131) - 0.033*12*(137-131) = 12 + 7.92 - 2.376 = 17.544 -> 18
    assert meld_na(2.5 * BILI, 1.2 * CR, 1.0, 131) == 18.0


def test_calculatorlib_example():
    # Bili 1.9, INR 1.2, Cr 1.3 mg/dL: 9.57 ln 1.3 + 3.78 ln 1.9 + 11.2 ln 1.2 + 6.43
    #   = 2.5108 + 2.4262 + 2.0420 + 6.43 = 13.409 -> R 1.3409 -> 1.3 -> 13
    assert meld_raw(1.9 * BILI, 1.3 * CR, 1.2) == pytest.approx(13.41, abs=0.005)
    assert meld_unos(1.9 * BILI, 1.3 * CR, 1.2) == 13.0


def test_si_unit_example():
    # Bili 51.3 umol/L = 3.00 mg/dL, Cr 106 umol/L = 1.199 mg/dL, INR 1.6, Na 132, Alb 28 g/L, male.
    assert meld_raw(51.3, 106, 1.6) == pytest.approx(17.58, abs=0.005)
    assert meld_unos(51.3, 106, 1.6) == 18.0
    # 18 + 1.32*5 - 0.033*18*5 = 18 + 6.6 - 2.97 = 21.63 -> 22
    assert meld_na(51.3, 106, 1.6, 132) == 22.0
    assert meld3(51.3, 106, 1.6, 132, 28, 0, rounded=False) == pytest.approx(21.15, abs=0.005)
    assert meld3(51.3, 106, 1.6, 132, 28, 0) == 21.0


def test_values_below_one_are_set_to_one():
    # Bili 10 umol/L = 0.58 mg/dL, Cr 50 umol/L = 0.57 mg/dL, INR 0.8: all -> 1, every ln = 0.
    assert meld_raw(10, 50, 0.8) == pytest.approx(6.43)
    assert meld_unos(10, 50, 0.8) == 6.0  # round(0.643, 1) = 0.6 -> 6, the OPTN minimum
    assert meld_na(10, 50, 0.8, 125) == 6.0  # MELD(i) 6 <= 11: no sodium term
    # MELD 3.0 with every term at its neutral bound (Na 137, Alb 3.5 g/dL, male) = 6.
    assert meld3(10, 50, 0.8, 137, 35, 0, rounded=False) == pytest.approx(6.0)


def test_creatinine_cap_and_dialysis():
    # MELD: Cr capped at 4.0 mg/dL = 353.6 umol/L; with bili and INR at 1: 9.57 ln 4 + 6.43 = 19.6968
    expected = 9.57 * math.log(4.0) + 6.43
    assert meld_raw(17.1, 600, 1.0) == pytest.approx(expected)
    assert meld_raw(17.1, 353.6, 1.0) == pytest.approx(expected)
    # Dialysis sets Cr to 4.0 whatever was measured.
    assert meld_raw(17.1, 80, 1.0, dialysis=True) == pytest.approx(expected)
    assert meld_unos(17.1, 80, 1.0, dialysis=1) == 20.0  # R 1.96968 -> 2.0 -> 20
    # MELD 3.0 caps Cr at 3.0 mg/dL: 11.14 ln 3 + 6 = 12.2385 + 6 = 18.2385 (Na 137, Alb 3.5, male)
    expected3 = 11.14 * math.log(3.0) + 6
    assert meld3(17.1, 400, 1.0, 137, 35, 0, rounded=False) == pytest.approx(expected3)
    assert meld3(17.1, 80, 1.0, 137, 35, 0, dialysis=True, rounded=False) == pytest.approx(expected3)
    assert meld3(17.1, 80, 1.0, 137, 35, 0, dialysis=True) == 18.0


def test_sodium_and_albumin_bounds():
    args = (12.0 * BILI, 1.8 * CR, 2.2)
    assert meld_na(*args, 120) == meld_na(*args, 125)
    assert meld_na(*args, 145) == meld_na(*args, 137) == 30.0  # Na 137: no sodium term, = MELD(i)
    assert meld3(*args, 120, 20, 0, rounded=False) == meld3(*args, 125, 20, 0, rounded=False)
    # Albumin bounded to 1.5..3.5 g/dL = 15..35 g/L.
    assert meld3(*args, 128, 10, 0, rounded=False) == meld3(*args, 128, 15, 0, rounded=False)
    assert meld3(*args, 128, 45, 0, rounded=False) == meld3(*args, 128, 35, 0, rounded=False)


def test_meld_na_threshold_uses_rounded_meld_i():
    # Cr 1.6 mg/dL, bili and INR 1: R = 0.957 ln 1.6 + 0.643 = 0.44979 + 0.643 = 1.09279 -> 1.1 -> 11,
    # not > 11, so MELD-Na = 11 even at Na 125.
    assert meld_na(17.1, 1.6 * CR, 1.0, 125) == 11.0
    # Cr 1.7: R = 0.957*0.530628 + 0.643 = 1.15081 -> 1.2 -> 12 > 11:
    # 12 + 1.32*12 - 0.033*12*12 = 12 + 15.84 - 4.752 = 23.088 -> 23
    assert meld_na(17.1, 1.7 * CR, 1.0, 125) == 23.0


def test_meld_na_fed_rounded_not_unrounded_meld():
    # Cr 1.9 mg/dL: MELD raw = 9.57 ln 1.9 + 6.43 = 12.5725; MELD(i) = round(1.25725, 1)*10 = 13.
    # SAS macro / OPTN (chosen): 13 + 1.32*4 - 0.033*13*4 = 13 + 5.28 - 1.716 = 16.564 -> 17.
    # ameld (unrounded):  12.5725 + 5.28 - 0.033*12.5725*4 = 16.193 -> 16 (not what we do).
    assert meld_na(17.1, 1.9 * CR, 1.0, 133) == 17.0


def test_cap_40():
    # Bili 40 mg/dL, Cr 4 mg/dL, INR 5: R = 0.957 ln 4 + 0.378 ln 40 + 1.12 ln 5 + 0.643
    #   = 1.32668 + 1.39439 + 1.80255 + 0.643 = 5.16662 -> raw 51.67, OPTN 52 -> capped 40.
    args = (40 * BILI, 4 * CR, 5.0)
    assert meld_raw(*args) == pytest.approx(51.6662, abs=1e-3)
    assert meld_unos(*args) == 40.0
    assert meld_na(*args, 125) == 40.0
    # MELD 3.0 (Na 137, Alb 3.5, male, Cr capped 3): 4.56 ln 40 + 9.09 ln 5 + 11.14 ln 3 + 6
    #   = 16.8213 + 14.6298 + 12.2385 + 6 = 49.69 -> 50 uncapped; 40 with cap40.
    assert meld3(*args, 137, 35, 0) == 50.0
    assert meld3(*args, 137, 35, 0, cap40=True) == 40.0


def test_half_up_rounding():
    # Bili, INR, Cr at 1 (ln = 0), Na 126, Alb 2.7 g/dL, male:
    # 6 + 0.82*11 + 1.85*(3.5 - 2.7) = 6 + 9.02 + 1.48 = 16.5 -> 17 (Python round() gives 16).
    assert meld3(17.1, 88.4, 1.0, 126, 27, 0, rounded=False) == pytest.approx(16.5)
    assert meld3(17.1, 88.4, 1.0, 126, 27, 0) == 17.0
    assert round(16.5) == 16  # the banker's rounding this avoids
    assert round_half_up(2.5) == 3.0
    assert round_half_up(1.25, 1) == 1.3  # exact in binary; round(1.25, 1) = 1.2 (half-even)
    assert round_half_up(2.675, 2) == 2.68  # stored as 2.67499999...; round(2.675, 2) = 2.67
    assert list(round_half_up(np.array([0.5, 1.5, 2.49, np.nan]))[:3]) == [1.0, 2.0, 2.0]


@pytest.mark.parametrize("pos", range(3))
def test_missing_lab_gives_nan(pos):
    args = [2.5 * BILI, 1.2 * CR, 1.0]
    args[pos] = np.nan
    assert math.isnan(meld_raw(*args))
    assert math.isnan(meld_unos(*args))
    assert math.isnan(meld_na(*args, 131))
    assert math.isnan(meld3(*args, 131, 38, 0))


def test_missing_sodium_albumin_female_give_nan():
    args = (17.1, 88.4, 1.0)
    # MELD(i) = 6 would make the sodium term irrelevant, but a missing input still gives NaN.
    assert math.isnan(meld_na(*args, np.nan))
    assert math.isnan(meld3(*args, np.nan, 38, 0))
    assert math.isnan(meld3(*args, 131, None, 0))
    assert math.isnan(meld3(*args, 131, 38, np.nan))


def test_missing_dialysis_means_not_on_dialysis():
    assert meld_raw(17.1, 80, 1.0, dialysis=np.nan) == meld_raw(17.1, 80, 1.0)


def test_series_in_series_out_and_vectorised():
    idx = pd.Index(["S1", "S2", "S3"])
    bili = pd.Series([2.5 * BILI, 6.0 * BILI, np.nan], index=idx)
    cr = pd.Series([1.2 * CR, 1.5 * CR, 1.0 * CR], index=idx)
    out = meld_na(bili, cr, pd.Series([1.0, 1.5, 1.0], index=idx), 131)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    assert out.iloc[:2].tolist() == [18.0, 26.0] and math.isnan(out.iloc[2])
    fem = pd.Series([0, 1, 0], index=idx)
    m3 = meld3(bili, cr, 1.0, 131, 38, fem, dialysis=pd.Series([False, False, True], index=idx))
    assert m3.iloc[0] == 16.0 and math.isnan(m3.iloc[2])
    arr = meld_unos([2.5 * BILI, 6.0 * BILI], [1.2 * CR, 1.5 * CR], [1.0, 1.5])
    assert isinstance(arr, np.ndarray) and arr.tolist() == [12.0, 22.0]
    assert isinstance(meld_unos(2.5 * BILI, 1.2 * CR, 1.0), float)


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="bilirubin"):
        meld_raw(-1, 88.4, 1.0)
    with pytest.raises(ValueError, match="creatinine"):
        meld_unos(17.1, "high", 1.0)
    with pytest.raises(ValueError, match="female"):
        meld3(17.1, 88.4, 1.0, 137, 35, 2)
    with pytest.raises(ValueError, match="dialysis"):
        meld_raw(17.1, 88.4, 1.0, dialysis=3)
    with pytest.raises(ValueError, match="sodium"):
        meld_na(17.1, 88.4, 1.0, -130)
    with pytest.raises(ValueError, match="same index"):
        meld_raw(pd.Series([17.1], index=[0]), pd.Series([88.4], index=[1]), 1.0)
