"""LB standardisation and baseline flag on small hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sdtm.lb import baseline_flag, number_text, standardise_results
from analysis.specs import load_study

ROOT = Path(__file__).resolve().parents[2]
STUDY = load_study(ROOT / "specs" / "study.yaml")


def test_results_convert_to_standard_units_and_keep_qualifiers_and_text():
    result = pd.Series(["2.0", "<0.5", "TARGET NOT DETECTED", "", "3.5", ">2000"])
    unit = pd.Series(["mg/dL", "pg/mL", "IU/mL", "", "g/dL", "IU/mL"])
    test = pd.Series(["BILI", "IL6", "HBVDNA", "ALT", "ALB", "HBVDNA"])
    std = standardise_results(result, unit, test, STUDY)
    assert std["LBSTRESC"].tolist() == ["34.2", "<0.5", "TARGET NOT DETECTED", "", "35", ">2000"]
    assert std["LBSTRESN"].iloc[0] == 2.0 * 17.1 and std["LBSTRESN"].iloc[4] == 35.0
    assert std["LBSTRESN"].iloc[[1, 2, 3, 5]].isna().all()
    assert std["LBSTRESU"].tolist() == ["umol/L", "pg/mL", "IU/mL", "", "g/L", "IU/mL"]


def test_number_text_is_plain_decimal_without_trailing_zeros():
    assert number_text(pd.Series([1.5, 100.0, 0.0, np.nan, 1234567.0])).tolist() == ["1.5", "100", "0", "", "1234567"]


def test_baseline_is_the_last_value_before_the_first_infusion_start():
    lb = pd.DataFrame({
        "USUBJID": ["S"] * 5, "LBTESTCD": ["IL6"] * 5,
        "LBDTC": ["2024-01-01", "2024-01-10T08:00", "2024-01-10T12:00", "2024-01-11", "2024-01-10"],
        "LBTPT": ["", "PRE-DOSE", "2H POST-DOSE", "", "PRE-DOSE"],
        "LBSTRESC": ["5", "6", "9", "7", ""],
    })
    dm = pd.DataFrame({"USUBJID": ["S"], "RFXSTDTC": ["2024-01-10T09:30"]})
    assert baseline_flag(lb, dm, frozenset({"PRE-DOSE"})).tolist() == ["", "Y", "", "", ""]
