"""Every soft rule: the finding is listed in data_issues.csv with its exact message and ingest
still succeeds."""

from __future__ import annotations

import pytest

from raw_export import S1, base_records
from test_raw_hard_rules import changed


def with_visit(**values) -> dict:
    records = base_records()
    records["visits"].append(dict(SUBJID=S1, **values))
    return records


SOFT_CASES = [
    ("RAW019", changed("adverse_events", 1, AESTDAT="2024-01-UK"),
     ["adverse_events.csv, row 1, column AESTDAT: partial date '2024-01-UK' (day unknown) [RAW019]"]),
    ("RAW019", changed("enrolment", 1, HBVDXDAT="2001-UK-UK"),
     ["enrolment.csv, row 1, column HBVDXDAT: partial date '2001-UK-UK' (month and day unknown) [RAW019]"]),
    ("RAW020", changed("ecog", 1, ECOGDAT="2024-01-14"),
     ["ecog.csv, row 1, column ECOGDAT: visit SCREENING on 2024-01-14 is study day -1, outside its window "
      "(study days -14 to -2) [RAW020]"]),
    ("RAW020", changed("visits", 4, VISDAT="2024-01-24"),
     ["visits.csv, row 4, column VISDAT: visit DAY 7 on 2024-01-24 is 9 days after infusion 1, outside its "
      "window (5 to 7 days after infusion 1) [RAW020]"]),
    ("RAW020", changed("infusions", 2, INFDAT="2024-02-20"),
     ["infusions.csv, row 2, column INFDAT: visit DAY 29 on 2024-02-20 is study day 37, outside its window "
      "(study days 26 to 32) [RAW020]"]),
    ("RAW021", with_visit(VISIT="DAY 28", VISDONE="N", VISNDRSN="SUBJECT DECLINED"),
     ["visits.csv, row 6, column VISDONE: scheduled visit DAY 28 was not done (reason: SUBJECT DECLINED) [RAW021]"]),
    ("RAW022", with_visit(VISIT="UNSCHEDULED 1", VISDONE="Y", VISDAT="2024-01-25"),
     ["visits.csv, row 6, column VISIT: unscheduled visit 'UNSCHEDULED 1' [RAW022]"]),
    ("RAW023", changed("vital_signs", 1, SYSBP="250"),
     ["vital_signs.csv, row 1, column SYSBP: value 250 is outside the plausible range 70 to 220 mmHg [RAW023]"]),
    ("RAW023", changed("ecog", 1), []),  # the unchanged export has no issue at all
    ("RAW024", changed("local_lab", 1, LBORRES="95", LBORRESU="mg/dL"),
     ["local_lab.csv, row 1, column LBORRES: result 95 mg/dL (= 1624.5 umol/L) is outside the plausible range "
      "1 to 900 umol/L for test BILI [RAW024]"]),
    ("RAW024", changed("local_lab", 1, LBORRES=">1000"),
     ["local_lab.csv, row 1, column LBORRES: result >1000 umol/L is outside the plausible range 1 to 900 umol/L "
      "for test BILI [RAW024]"]),
    ("RAW024", changed("local_lab", 1, LBORRES="<0.5"), []),  # below a limit: not range-checked
    ("RAW024", changed("local_lab", 1, LBORRES=">5"), []),    # may well be plausible
    ("RAW024", changed("flow_cytometry", 1, RESULT=150.0),
     ["flow_cytometry.xpt, row 1, column RESULT: result 150 % is outside the plausible range 1 to 100 % "
      "for test CD4 [RAW024]"]),
    ("RAW025", changed("eligibility", 1, IEDAT="2024-01-01"),
     ["eligibility.csv, row 1, column IEDAT: date 2024-01-01 is before the subject's informed consent on "
      "2024-01-02 [RAW025]"]),
]


@pytest.mark.parametrize("rule, records, expected", SOFT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SOFT_CASES)])
def test_soft_rule_is_listed_and_ingest_goes_on(soft_lines, rule, records, expected):
    assert soft_lines(records) == expected


def test_a_partial_date_is_before_consent_only_if_its_latest_day_is(soft_lines):
    records = changed("adverse_events", 1, AESTDAT="2024-01-UK")  # may be 2024-01-31: after consent
    assert [line[-8:] for line in soft_lines(records)] == ["[RAW019]"]


def test_no_window_check_for_a_subject_without_infusions(soft_lines):
    records = changed("ecog", 1, ECOGDAT="2024-01-14")
    for r in records["infusions"]:
        r.update(INFDONE="N", INFNDRSN="Subject withdrew", INFDAT="", INFSTTIM="", INFENTIM="", WEIGHT="",
                 DOSEACT="", TOTCELL="", VOLUME="", INTERR="")
    assert soft_lines(records) == []


def test_a_visit_tied_to_a_missing_infusion_falls_back_to_the_study_day_window(soft_lines):
    records = base_records()
    records["infusions"][1].update(INFDONE="N", INFNDRSN="AE", INFDAT="", INFSTTIM="", INFENTIM="", WEIGHT="",
                                   DOSEACT="", TOTCELL="", VOLUME="", INTERR="")
    records["visits"].append(dict(SUBJID=S1, VISIT="DAY 30", VISDONE="Y", VISDAT="2024-02-20"))
    assert soft_lines(records) == [
        "visits.csv, row 6, column VISDAT: visit DAY 30 on 2024-02-20 is study day 37, outside its window "
        "(study days 27 to 33) [RAW020]"]


def test_prior_medications_may_start_before_consent(soft_lines):
    """concomitant_meds is marked may_predate_consent: a drug started years ago is no finding."""
    records = changed("concomitant_meds", 1, CMSTDAT="2015-06-01")
    assert soft_lines(records) == []
