"""Baseline, change, analysis windows, ANL01FL and lab-value verbs on hand-built records."""

import numpy as np
import pandas as pd
import pytest

from analysis.adam.derive.baseline import (derive_var_ablfl, derive_var_base, derive_var_chg, derive_var_pchg,
                                           derive_var_predose, derive_var_r2base)
from analysis.adam.derive.labs import derive_var_anrind, derive_var_crit_uln, derive_var_r2anrhi, derive_vars_blq
from analysis.adam.derive.windows import derive_var_anl01fl, derive_var_baseline_avisit, derive_vars_avisit


def _records():
    """One subject, first infusion 2024-05-11 10:00; ALT at screening, Day -1, Day 1 pre-dose
    (time known / unknown), Day 1 after the infusion started, Day 8."""
    return pd.DataFrame({
        "USUBJID": ["1"] * 6, "PARAMCD": ["ALT"] * 6,
        "ADT": pd.to_datetime(["2024-05-01", "2024-05-10", "2024-05-11", "2024-05-11", "2024-05-11", "2024-05-18"]),
        "ADTM": pd.to_datetime(["2024-05-01 08:00", "2024-05-10 08:00", "2024-05-11 09:00", "2024-05-11 00:00",
                                "2024-05-11 11:00", "2024-05-18 08:00"]),
        "ATMF": ["", "", "", "H", "", ""],
        "ATPT": ["", "", "PRE-DOSE", "PRE-DOSE", "2H POST-DOSE", ""], "ATPTN": [np.nan, np.nan, 1, 1, 2, np.nan],
        "TRTSDT": pd.to_datetime(["2024-05-11"] * 6), "TRTSDTM": pd.to_datetime(["2024-05-11 10:00"] * 6),
        "AVAL": [30.0, 40.0, 50.0, np.nan, 70.0, 80.0], "AVALC": ["30", "40", "50", "", "70", "80"],
        "SRCSEQ": [1.0, 2, 3, 4, 5, 6],
    })


def test_predose_uses_time_when_known_and_time_point_when_not():
    out = derive_var_predose(_records(), pre_dose_timepoints=["PRE-DOSE"])
    # 09:00 < 10:00 pre-dose; time unknown on Day 1 but PRE-DOSE time point; 11:00 is after the start
    assert out["_PREDOSE"].tolist() == [True, True, True, True, False, False]
    no_tpt = derive_var_predose(_records().assign(ATPT=""), pre_dose_timepoints=["PRE-DOSE"])
    # without a time or a pre-dose time point, a first-infusion-day record is not baseline
    assert not no_tpt["_PREDOSE"].iloc[3]


def test_baseline_is_last_non_missing_pre_dose_value():
    df = derive_var_predose(_records(), pre_dose_timepoints=["PRE-DOSE"])
    out = derive_var_ablfl(df, ["USUBJID", "PARAMCD"], ["ADTM", "SRCSEQ"])
    # record 4 (Day 1 pre-dose, no time) sorts before 09:00 and is missing anyway: record 3 (50)
    assert out["ABLFL"].tolist() == ["", "", "Y", "", "", ""]
    out = derive_var_base(out, ["USUBJID", "PARAMCD"])
    out = derive_var_pchg(derive_var_chg(out))
    assert out["BASE"].tolist() == [50.0] * 6
    assert out["CHG"].tolist()[4:] == [20.0, 30.0]
    assert out["PCHG"].tolist()[5] == pytest.approx(60.0)
    assert derive_var_r2base(out)["R2BASE"].tolist()[5] == pytest.approx(1.6)


def test_baseline_missing_when_no_pre_dose_value():
    df = _records().iloc[4:].copy()                     # only post-dose records
    df = derive_var_predose(df, pre_dose_timepoints=["PRE-DOSE"])
    out = derive_var_base(derive_var_ablfl(df, ["USUBJID", "PARAMCD"], ["ADTM"]), ["USUBJID", "PARAMCD"])
    assert (out["ABLFL"] == "").all() and out["BASE"].isna().all()
    assert derive_var_chg(out)["CHG"].isna().all()


def test_never_dosed_subject_has_no_baseline():
    df = _records().assign(TRTSDT=pd.NaT, TRTSDTM=pd.NaT)
    out = derive_var_predose(df, pre_dose_timepoints=["PRE-DOSE"])
    assert not out["_PREDOSE"].any()


def test_base_refuses_two_baseline_records():
    df = pd.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["ALT"] * 2, "AVAL": [1.0, 2.0], "ABLFL": ["Y", "Y"]})
    with pytest.raises(ValueError, match="more than one ABLFL"):
        derive_var_base(df, ["USUBJID", "PARAMCD"])


def test_pchg_missing_for_zero_baseline():
    out = derive_var_pchg(pd.DataFrame({"AVAL": [1.0], "BASE": [0.0]}))
    assert np.isnan(out["PCHG"].iloc[0])


WINDOWS = pd.DataFrame({
    "USUBJID": ["1"] * 4, "_SCHEDULE": ["lab"] * 4, "AVISIT": ["DAY 28", "DAY 35", "DAY 56", "WEEK 12"],
    "AVISITN": [7.0, 11, 12, 17], "AWTARGET": [28.0, 35, 56, 85], "AWLO": [25.0, 32, 53, 78], "AWHI": [28.0, 40, 56, 92]})


def test_windows_nearest_target_and_ties_go_to_the_later_visit():
    recs = pd.DataFrame({"USUBJID": ["1"] * 6, "_SCHEDULE": ["lab"] * 6, "ADY": [26.0, 31.0, 33.0, 45.0, 85.0, 93.0]})
    out = derive_vars_avisit(recs, WINDOWS, ["USUBJID", "_SCHEDULE"])
    # 26 -> DAY 28 (2 away); 31 is in no window (DAY 28 ends 28, DAY 35 starts 32); 33 -> DAY 35;
    # 45 in no window; 85 -> WEEK 12 exactly; 93 beyond WEEK 12's window
    assert out["AVISIT"].tolist() == ["DAY 28", "", "DAY 35", "", "WEEK 12", ""]
    assert out["AWTDIFF"].tolist()[:1] == [2.0] and np.isnan(out["AWTDIFF"].iloc[1])
    tie = pd.DataFrame({"USUBJID": ["1"] * 2, "_SCHEDULE": ["lab"] * 2, "AVISIT": ["A", "B"], "AVISITN": [1.0, 2.0],
                        "AWTARGET": [10.0, 14.0], "AWLO": [8.0, 11.0], "AWHI": [13.0, 16.0]})
    out = derive_vars_avisit(pd.DataFrame({"USUBJID": ["1"], "_SCHEDULE": ["lab"], "ADY": [12.0]}), tie,
                             ["USUBJID", "_SCHEDULE"])
    assert out["AVISIT"].tolist() == ["B"]          # 2 days from both targets: the later visit


def test_windows_are_per_subject_and_schedule():
    other = WINDOWS.assign(USUBJID="2", AWTARGET=[30.0, 37, 58, 87], AWLO=[27.0, 34, 55, 80], AWHI=[30.0, 42, 58, 94])
    recs = pd.DataFrame({"USUBJID": ["1", "2"], "_SCHEDULE": ["lab", "lab"], "ADY": [29.0, 29.0]})
    out = derive_vars_avisit(recs, pd.concat([WINDOWS, other]), ["USUBJID", "_SCHEDULE"])
    assert out["AVISIT"].tolist() == ["", "DAY 28"]


def test_anl01fl_one_record_per_window_closest_then_later():
    df = pd.DataFrame({"USUBJID": ["1"] * 5, "PARAMCD": ["ALT"] * 5, "ABLFL": ["Y", "", "", "", ""],
                       "AVISIT": ["DAY -1", "DAY 35", "DAY 35", "DAY 35", ""], "AVISITN": [2.0, 11, 11, 11, np.nan],
                       "AWTARGET": [-1.0, 35, 35, 35, np.nan], "AWLO": [-1.0, 32, 32, 32, np.nan],
                       "AWHI": [-1.0, 40, 40, 40, np.nan], "AWTDIFF": [0.0, 2, 1, 1, np.nan],
                       "ADY": [-1.0, 33, 34, 36, 50], "AVAL": [1.0, 2, 3, 4, 5], "ATPT": [""] * 5})
    df = derive_var_baseline_avisit(df)
    assert df["AVISIT"].tolist()[0] == "BASELINE" and df["AVISITN"].tolist()[0] == 0.0
    out = derive_var_anl01fl(df, ["USUBJID", "PARAMCD", "AVISIT", "ATPT"], value_c=None)
    # Day 34 and Day 36 are both 1 day from Day 35: the later (36) is kept
    assert out["ANL01FL"].tolist() == ["Y", "", "", "Y", ""]


def test_anl01fl_skips_records_without_value():
    df = pd.DataFrame({"USUBJID": ["1"] * 2, "PARAMCD": ["ALT"] * 2, "AVISIT": ["DAY 7"] * 2, "AWTDIFF": [0.0, 1.0],
                       "ADY": [7.0, 8.0], "AVAL": [np.nan, 5.0], "AVALC": ["", "5"]})
    assert derive_var_anl01fl(df, ["USUBJID", "PARAMCD", "AVISIT"])["ANL01FL"].tolist() == ["", "Y"]


def test_below_lloq_conventions():
    df = pd.DataFrame({"AVALC": ["<20", "TARGET NOT DETECTED", "<0.5", "12", ">1000", "< 5"],
                       "AVAL": [np.nan, np.nan, np.nan, 12.0, np.nan, np.nan],
                       "LLOQ": [20.0, 20.0, np.nan, 20.0, np.nan, np.nan]})
    out = derive_vars_blq(df)
    # LLOQ/2; TND also LLOQ/2; no LLOQ column value -> the reported limit /2; ">x" -> x
    assert out["AVAL"].tolist() == [10.0, 10.0, 0.25, 12.0, 1000.0, 2.5]
    assert out["BLQFL"].tolist() == ["Y", "Y", "Y", "", "", "Y"]
    assert out["ALQFL"].tolist() == ["", "", "", "", "Y", ""]
    assert out["AVALC"].tolist() == df["AVALC"].tolist()          # the reported text is kept
    assert derive_vars_blq(df, blq_factor=1.0)["AVAL"].tolist()[0] == 20.0


def test_normal_range_indicator_boundaries_inclusive():
    df = pd.DataFrame({"AVAL": [6.99, 7.0, 40.0, 40.01, np.nan, 5.0],
                       "ANRLO": [7.0] * 5 + [np.nan], "ANRHI": [40.0] * 5 + [np.nan]})
    assert derive_var_anrind(df)["ANRIND"].tolist() == ["LOW", "NORMAL", "NORMAL", "HIGH", "", ""]
    # only an upper limit: below it is NORMAL
    one = pd.DataFrame({"AVAL": [3.0, 9.0], "ANRLO": [np.nan] * 2, "ANRHI": [5.0] * 2})
    assert derive_var_anrind(one)["ANRIND"].tolist() == ["NORMAL", "HIGH"]


def test_uln_multiple_and_criteria():
    df = pd.DataFrame({"PARAMCD": ["ALT", "ALT", "ALT", "BILI"], "AVAL": [120.0, 121.0, 50.0, 50.0],
                       "ANRHI": [40.0, 40.0, np.nan, 20.5]})
    out = derive_var_r2anrhi(df)
    assert out["R2ANRHI"].tolist()[:2] == [3.0, pytest.approx(3.025)]
    out = derive_var_crit_uln(out, paramcds=("ALT",), multiple=3, crit="CRIT1", label="> 3 x ULN")
    # exactly 3 x ULN is not "> 3 x ULN"
    assert out["CRIT1FL"].tolist() == ["N", "Y", "", ""]
    assert out["CRIT1"].tolist() == ["> 3 x ULN"] * 3 + [""]
