"""Rules on dates, study days and exposure (rules_timing), and the ISO 8601 helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.validate.dtc import compare_dtc, iso8601_problem, study_day
from mini_package import S1, Case, check_case

CASES = [
    Case("month-13", "SD0020", lambda m: m.set("AE", 0, "AESTDTC", "2024-13-01"), "AE", "AESTDTC", (1,), "month 13",
         value="2024-13-01"),
    Case("slashes", "SD0020", lambda m: m.set("LB", 1, "LBDTC", "24/01/2024"), "LB", "LBDTC", (2,), "not ISO 8601"),
    Case("feb-30", "SD0020", lambda m: m.set("DM", 0, "DTHDTC", "2024-02-30"), "DM", "DTHDTC", (1,), "day 30"),
    Case("hour-25", "SD0020", lambda m: m.set("EX", 0, "EXSTDTC", "2024-01-10T25:00"), "EX", "EXSTDTC", (1,), "hour 25"),
    Case("end-placeholder", "SD0020", lambda m: m.set("AE", 0, "AEENDTC", "2024-01-"), "AE", "AEENDTC", (1,)),
    Case("end-first", "SD0021", lambda m: m.set("AE", 0, "AEENDTC", "2024-01-11"), "AE", "AESTDTC", (1,),
         "AESTDTC 2024-01-12 is after AEENDTC 2024-01-11"),
    Case("same-day-time", "SD0021", lambda m: m.set("EX", 0, "EXENDTC", "2024-01-10T08:30"), "EX", "EXSTDTC", (1,)),
    Case("rf-pair", "SD0021", lambda m: m.set("DM", 1, "RFXENDTC", "2024-01-31"), "DM", "RFXSTDTC", (2,)),
    Case("dy-after", "SD0022", lambda m: m.set("AE", 0, "AESTDY", 4.0), "AE", "AESTDY", (1,), "expected 3", usubjid=S1),
    Case("dy-before", "SD0022", lambda m: m.set("LB", 0, "LBDY", -7.0), "LB", "LBDY", (1,), "expected -8"),
    Case("dy-null", "SD0022", lambda m: m.set("EX", 1, "EXENDY", float("nan")), "EX", "EXENDY", (2,), "null, expected 15"),
    Case("dy-in-dm", "SD0022", lambda m: m.set("DM", 1, "DMDY", -8.0), "DM", "DMDY", (2,), "expected -7"),
    Case("day-0", "SD0023", lambda m: m.set("LB", 0, "LBDY", 0.0), "LB", "LBDY", (1,)),
    Case("visitdy-0", "SD0023", lambda m: m.set("TV", 1, "VISITDY", 0.0), "TV", "VISITDY", (2,)),
    Case("ex-early", "SD0024", lambda m: m.set("EX", 0, "EXSTDTC", "2024-01-09T09:00"), "EX", "EXSTDTC", (1,),
         "before DM.RFXSTDTC 2024-01-10T09:00"),
    Case("ex-late", "SD0024", lambda m: m.set("EX", 1, "EXENDTC", "2024-01-25"), "EX", "EXENDTC", (2,),
         "after DM.RFXENDTC 2024-01-24T10:00"),
    Case("ex-late-no-end", "SD0024", lambda m: (m.set("EX", 1, "EXENDTC", ""), m.set("EX", 1, "EXSTDTC", "2024-01-25")),
         "EX", "EXSTDTC", (2,), "EXSTDTC 2024-01-25 (no EXENDTC) is after"),
    Case("no-rfxstdtc", "SD0025", lambda m: m.set("DM", 0, "RFXSTDTC", ""), "DM", "RFXSTDTC", (1,)),
    Case("no-rfstdtc", "SD0025", lambda m: m.set("DM", 1, "RFSTDTC", ""), "DM", "RFSTDTC", (2,)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.id}" for c in CASES])
def test_rule_reports_the_broken_value(mini, case):
    check_case(mini, case)


@pytest.mark.parametrize("value", ["2024", "2024-03", "2024-03-05", "2024-03-05T10", "2024-03-05T10:30",
                                   "2024-03-05T10:30:15", "2024-03-05T10:30:15.5", "2024-03-05T10:30Z",
                                   "2024-03-05T10:30+08:00", "2024---05", "--03-05", "-----T10:30",
                                   "2024-02-29", "2024-03-01/2024-03-10", ""])
def test_sdtm_iso8601_forms_pass(value):
    assert iso8601_problem(value) is None


@pytest.mark.parametrize("value", ["2023-02-29", "2024-3-5", "2024-03-05 10:30", "20240305", "2024-03-05T",
                                   "2024-03-", "2024-03-05T10:60", "2024/", "UNK", "2024-03-05T10:30:60"])
def test_malformed_dates_fail(value):
    assert iso8601_problem(value)


def test_partial_dates_are_not_compared_and_times_only_when_both_have_one(mini):
    cmp = compare_dtc(pd.Series(["2024-03", "2024-03-05T10:00", "2024-03-05T10", "2024-03-05T10:30"]),
                      pd.Series(["2024-02-01", "2024-03-05", "2024-03-05T09:59", "2024-03-05T10"]))
    assert cmp.tolist()[1:] == [0.0, 1.0, 0.0] and pd.isna(cmp[0])
    mini.set("AE", 0, "AESTDTC", "2024-01")  # partial start: nothing to compare
    mini.set("AE", 0, "AEENDTC", "2023-12-31")
    assert mini.findings("SD0021") == []


def test_study_day_has_no_day_zero():
    rf = pd.Series(["2024-01-10T09:00"] * 4)
    assert study_day(pd.Series(["2024-01-10", "2024-01-09", "2024-01-11T23:00", "2024-01"]), rf).tolist()[:3] == [1, -1, 2]


def test_partial_date_study_day_is_not_checked(mini):
    mini.set("AE", 0, "AESTDTC", "2024-01")
    assert mini.findings("SD0022") == []


def test_exposure_on_the_reference_dates_at_date_precision_passes(mini):
    mini.set("EX", 1, "EXENDTC", "2024-01-24")  # same day as RFXENDTC 2024-01-24T10:00
    assert mini.findings("SD0024") == []
