"""Fixtures for the population displays: hand-made ADSLs (tallies worked out by hand in the
tests) and the embedded study's ADSL, built once per session from data/raw."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demog_adsl() -> pd.DataFrame:
    """Five subjects, four in SAFFL (A: 3, B: 1; a requested group C has none); subject 5 is
    outside the population and carries the only BLACK race, which must not appear."""
    return pd.DataFrame({
        "USUBJID": ["1", "2", "3", "4", "5"],
        "TRT01A": ["A", "A", "A", "B", "B"],
        "TRT01AN": [1.0, 1.0, 1.0, 2.0, 2.0],
        "SAFFL": ["Y", "Y", "Y", "Y", "N"],
        "AGE": [50.0, 61.0, 40.0, 70.0, 99.0],
        "SEX": ["F", "M", "F", "M", "F"],
        "RACE": ["WHITE", "ASIAN", "", "ASIAN", "BLACK"],
        "RACEN": [1.0, 2.0, np.nan, 2.0, 3.0],
        "WEIGHTBL": [60.5, np.nan, 70.25, 80.0, 50.0],
        "ECOGBL": [0.0, 1.0, 1.0, 2.0, 0.0],
        "ASCHXFL": ["Y", "N", "Y", "", "Y"],
    })


@pytest.fixture
def dispo_adsl() -> pd.DataFrame:
    """Nine screened: 2 screen failures, 1 enrolled but never dosed (no TRT01A), 6 dosed."""
    return pd.DataFrame({
        "USUBJID": [str(i) for i in range(1, 10)],
        "TRT01A": ["A", "A", "A", "B", "B", "B", "", "", ""],
        "SAFFL": ["Y"] * 6 + ["N"] * 3,
        "ENRLFL": ["Y"] * 7 + ["N"] * 2,
        "EOSSTT": ["COMPLETED", "DISCONTINUED", "DISCONTINUED", "DISCONTINUED", "", "DISCONTINUED",
                   "DISCONTINUED", "DISCONTINUED", "DISCONTINUED"],
        "DCSREAS": ["", "OTHER", "OTHER", "DEATH", "", "", "WITHDRAWAL BY SUBJECT",
                    "SCREEN FAILURE", "SCREEN FAILURE"],
        "DCSREASP": ["", "LIVER TRANSPLANTATION", "", "", "", "", "", "", ""],
    })
