"""Partial-date imputation, date-times and study day, against hand-worked calendars."""

import numpy as np
import pandas as pd
import pytest

from analysis.adam.derive.dates import (derive_var_dy, derive_vars_dt, derive_vars_dtm, impute_dtc_dt, study_day,
                                        to_sas_numbers)


def _iso(s: pd.Series) -> list[str]:
    return [d.strftime("%Y-%m-%d") if pd.notna(d) else "" for d in s]


DTC = pd.Series(["2024-02-17", "2024-02", "2024", "", "2024-02-17T08:30"])


@pytest.mark.parametrize("imputation, expected", [
    # 2024 is a leap year: the last day of February is the 29th
    ("first", ["2024-02-17", "2024-02-01", "2024-01-01", "", "2024-02-17"]),
    ("last", ["2024-02-17", "2024-02-29", "2024-12-31", "", "2024-02-17"]),
    ("mid", ["2024-02-17", "2024-02-15", "2024-06-30", "", "2024-02-17"]),
])
def test_month_and_year_precision(imputation, expected):
    dates, flags = impute_dtc_dt(DTC, highest_imputation="M", date_imputation=imputation)
    assert _iso(dates) == expected
    assert flags.tolist() == ["", "D", "M", "", ""]


def test_highest_imputation_limits_what_is_filled():
    dates, flags = impute_dtc_dt(DTC, highest_imputation="D")
    assert _iso(dates) == ["2024-02-17", "2024-02-01", "", "", "2024-02-17"]   # year-only stays missing
    assert flags.tolist() == ["", "D", "", "", ""]
    dates, _ = impute_dtc_dt(DTC, highest_imputation="n")
    assert _iso(dates) == ["2024-02-17", "", "", "", "2024-02-17"]


def test_min_date_moves_start_into_the_first_infusion_month_only():
    ae = pd.DataFrame({"AESTDTC": ["2024-05", "2024-04", "2024", "2024-05-03"],
                       "TRTSDT": pd.to_datetime(["2024-05-11"] * 4)})
    out = derive_vars_dt(ae, "AST", "AESTDTC", highest_imputation="M", min_dates=["TRTSDT"])
    # May 2024 contains the first infusion -> the infusion day; April cannot -> 1 April;
    # year 2024 contains it -> infusion day; a complete date is never moved
    assert _iso(out["ASTDT"]) == ["2024-05-11", "2024-04-01", "2024-05-11", "2024-05-03"]
    assert out["ASTDTF"].tolist() == ["D", "D", "M", ""]


def test_max_date_caps_an_imputed_end_at_death():
    ae = pd.DataFrame({"AEENDTC": ["2024-12", "2024-11"], "DTHDT": pd.to_datetime(["2024-12-12", "2024-12-12"])})
    out = derive_vars_dt(ae, "AEN", "AEENDTC", highest_imputation="M", date_imputation="last", max_dates=["DTHDT"])
    assert _iso(out["AENDT"]) == ["2024-12-12", "2024-11-30"]


def test_not_iso_is_an_error_naming_the_value():
    with pytest.raises(ValueError, match="'12/05/2024'"):
        impute_dtc_dt(pd.Series(["2024-05-01", "12/05/2024"]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="highest_imputation"):
        impute_dtc_dt(DTC, highest_imputation="Y")
    with pytest.raises(ValueError, match="required column"):
        derive_vars_dt(pd.DataFrame({"X": []}), "AST", "AESTDTC")


def test_datetime_and_time_flags():
    lb = pd.DataFrame({"LBDTC": ["2024-05-11T07:30:15", "2024-05-11T07:30", "2024-05-11T07", "2024-05-11", "2024-05"]})
    out = derive_vars_dtm(lb, "A", "LBDTC")
    assert out["ATMF"].tolist() == ["", "S", "M", "H", ""]
    assert out["ADTM"].astype(str).tolist()[:4] == ["2024-05-11 07:30:15", "2024-05-11 07:30:00",
                                                     "2024-05-11 07:00:00", "2024-05-11 00:00:00"]
    assert pd.isna(out["ADTM"].iloc[4])
    last = derive_vars_dtm(lb.iloc[[3]], "A", "LBDTC", time_imputation="last")
    assert str(last["ADTM"].iloc[0]) == "2024-05-11 23:59:59"


def test_study_day_has_no_day_zero():
    ref = pd.Series(pd.to_datetime(["2024-05-11"] * 4))
    d = pd.Series(pd.to_datetime(["2024-05-09", "2024-05-10", "2024-05-11", "2024-06-08"]))
    assert study_day(d, ref).tolist() == [-2.0, -1.0, 1.0, 29.0]
    df = pd.DataFrame({"ASTDT": d, "TRTSDT": ref})
    assert derive_var_dy(df, "ASTDT")["ASTDY"].tolist() == [-2.0, -1.0, 1.0, 29.0]
    nan = derive_var_dy(pd.DataFrame({"ADT": [pd.NaT], "TRTSDT": ref[:1]}))["ADY"]
    assert np.isnan(nan.iloc[0])


def test_sas_numbers():
    df = pd.DataFrame({"ADT": pd.to_datetime(["1960-01-01", "2024-05-11"]),
                       "ADTM": pd.to_datetime(["1960-01-01 00:01:00", None])})
    out = to_sas_numbers(df)
    # 1960-01-01 -> 2024-05-11: 64 years incl. 16 leap days = 23376 days, + 131 days into 2024
    assert out["ADT"].tolist() == [0.0, 23507.0]
    assert out["ADTM"].iloc[0] == 60.0 and np.isnan(out["ADTM"].iloc[1])
