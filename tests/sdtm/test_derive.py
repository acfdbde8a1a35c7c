"""Shared SDTM derivations on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import derive_seq, epoch_at, iso_dtc, study_day, visit_numbers


def test_iso_dtc_keeps_partial_dates_partial_and_attaches_times_to_full_dates_only():
    dates = pd.Series(["2024-03-05", "2024-03-UK", "2024-UK-UK", "", "2024-12-31"])
    times = pd.Series(["09:30", "10:00", "", "08:00", ""])
    assert iso_dtc(dates, times).tolist() == ["2024-03-05T09:30", "2024-03", "2024", "", "2024-12-31"]


def test_study_day_has_no_day_zero_and_ignores_time_and_partial_dates():
    rfst = pd.Series(["2024-03-05T10:00"] * 6)
    dtc = pd.Series(["2024-03-05T08:00", "2024-03-06", "2024-03-04", "2024-02-05", "2024-03", ""])
    assert study_day(dtc, rfst).tolist()[:4] == [1.0, 2.0, -1.0, -29.0]
    assert np.isnan(study_day(dtc, rfst).iloc[4]) and np.isnan(study_day(dtc, rfst).iloc[5])
    # leap year: 2024-02-28 -> 2024-03-01 is two days
    assert study_day(pd.Series(["2024-03-01"]), pd.Series(["2024-02-28"])).tolist() == [3.0]


def test_seq_numbers_within_subject_in_key_order():
    df = pd.DataFrame({"USUBJID": ["B", "A", "A", "B"], "K": [2, 3, 1, 1]})
    assert derive_seq(df, ["K"]).tolist() == [2.0, 2.0, 1.0, 1.0]


def test_unscheduled_visits_are_numbered_between_scheduled_ones():
    schedule = [{"visit": "DAY 1", "visitnum": 3}, {"visit": "DAY 7", "visitnum": 6}, {"visit": "DAY 28", "visitnum": 7}]
    v = pd.DataFrame({
        "USUBJID": ["S1"] * 5 + ["S2"],
        "VISIT": ["DAY 1", "UNSCHEDULED 1", "DAY 7", "UNSCHEDULED 2", "UNSCHEDULED 3", "UNSCHEDULED 1"],
        "SVSTDTC": ["2024-01-01", "2024-01-03", "2024-01-07", "2024-01-10", "2024-01-12", "2023-12-20"],
    })
    assert visit_numbers(v, schedule).tolist() == [3.0, 3.01, 6.0, 6.01, 6.02, 0.01]


def test_epoch_comes_from_the_subjects_elements():
    se = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1"], "EPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP"],
        "SESTDTC": ["2024-01-01", "2024-01-10T09:00", "2024-02-07"],
        "SEENDTC": ["2024-01-10T09:00", "2024-02-07", "2024-12-31"],
    })
    dtc = pd.Series(["2024-01-05", "2024-01-10", "2024-02-07", "2024-12-31", "2025-01-01", "2024-01"])
    subj = pd.Series(["S1"] * 6)
    assert epoch_at(dtc, subj, se).tolist() == ["SCREENING", "TREATMENT", "FOLLOW-UP", "FOLLOW-UP", "", ""]
