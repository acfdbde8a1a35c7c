"""Every hard rule: one broken value or file gives exactly the expected line (and nothing else:
no cascade), ingest writes nothing, and `analysis ingest` exits 1 without a traceback."""

from __future__ import annotations

import pytest

from raw_export import base_records


def changed(form: str, row: int, **values) -> dict:
    """The minimal export with `values` set in record `row` (1-based) of `form`."""
    records = base_records()
    records[form][row - 1].update(values)
    return records


def appended(form: str, **values) -> dict:
    records = base_records()
    records[form].append(dict(records[form][0], **values))
    return records


def rewrite(file: str, edit):
    """A file edit: `edit(text) -> text` applied to the written file."""
    def apply(raw):
        path = raw / file
        path.write_bytes(edit(path.read_bytes()))
    return apply


def remove(file: str):
    return lambda raw: (raw / file).unlink()


HARD_CASES = [
    # RAW001-RAW004: the file and its columns
    ("RAW001", None, remove("ecog.csv"), ["ecog.csv: file is missing from the raw export folder [RAW001]"]),
    ("RAW002", None, rewrite("enrolment.csv", lambda b: b.replace(b"Child-Pugh", "Child-Pügh".encode("latin-1"))),
     ["enrolment.csv: file cannot be read: it is not UTF-8 text (byte 0xFC on line 3) [RAW002]"]),
    ("RAW002", None, rewrite("ecog.csv", lambda b: b.replace(b",1\n", b",1,x\n")),
     ["ecog.csv, row 1: file cannot be read: record has 5 fields, the header has 4 [RAW002]"]),
    ("RAW002", None, rewrite("ecog.csv", lambda b: b + b"01-001,DAY 28\n"),
     ["ecog.csv, row 2: file cannot be read: record has 2 fields, the header has 4 [RAW002]"]),
    ("RAW002", None, rewrite("ecog.csv", lambda b: "\ufeff".encode() + b),
     ["ecog.csv: file cannot be read: it starts with a byte order mark (save it as UTF-8 without BOM) [RAW002]"]),
    ("RAW002", None, rewrite("ecog.csv", lambda b: b.replace(b"ECOG\n", b"ECOG,ECOG\n").replace(b",1\n", b",1,1\n")),
     ["ecog.csv: file cannot be read: the header names column(s) ECOG more than once [RAW002]"]),
    ("RAW002", None, rewrite("ecog.csv", lambda b: b""), ["ecog.csv: file cannot be read: it has no header line [RAW002]"]),
    ("RAW002", None, rewrite("flow_cytometry.xpt", lambda b: b"SUBJID,VISIT\n"),
     ["flow_cytometry.xpt: file cannot be read: it is not a valid SAS transport (XPT v5) file [RAW002]"]),
    ("RAW003", changed("ecog", 1, ECOG="x"), rewrite("ecog.csv", lambda b: b.replace(b",ECOG\n", b"\n").replace(b",x\n", b"\n")),
     ["ecog.csv, column ECOG: column listed in the spec is missing from the file [RAW003]"]),
    ("RAW004", None, rewrite("ecog.csv", lambda b: b.replace(b"ECOG\n", b"ECOG,COMMENT\n").replace(b",1\n", b",1,\n")),
     ["ecog.csv, column COMMENT: column is not in the spec of form ecog [RAW004]"]),
    # RAW005-RAW012: values against their column spec
    ("RAW005", changed("enrolment", 1, SEX=""), None,
     ["enrolment.csv, row 1, column SEX: required value is empty [RAW005]"]),
    ("RAW005", changed("adverse_events", 1, AETERM="  "), None,
     ["adverse_events.csv, row 1, column AETERM: required value is empty [RAW005]"]),
    ("RAW006", changed("adverse_events", 1, AEENDAT=""), None,
     ["adverse_events.csv, row 1, column AEENDAT: value is empty but required because AEONGO is 'N' [RAW006]"]),
    ("RAW006", changed("local_lab", 2, LBORRES=""), None,
     ["local_lab.csv, row 2, column LBORRES: value is empty but required because LBSTAT is empty [RAW006]"]),
    ("RAW007", changed("ecog", 1, ECOG="1.0"), None, ["ecog.csv, row 1, column ECOG: '1.0' is not an integer [RAW007]"]),
    ("RAW007", changed("enrolment", 2, HEIGHT="158,5"), None,
     ["enrolment.csv, row 2, column HEIGHT: '158,5' is not a number [RAW007]"]),
    ("RAW008", changed("ecog", 1, ECOGDAT="2024-02-30"), None,
     ["ecog.csv, row 1, column ECOGDAT: '2024-02-30' is not a valid date (YYYY-MM-DD) [RAW008]"]),
    ("RAW008", changed("ecog", 1, ECOGDAT="03/01/2024"), None,
     ["ecog.csv, row 1, column ECOGDAT: '03/01/2024' is not a valid date (YYYY-MM-DD) [RAW008]"]),
    ("RAW008", changed("adverse_events", 1, AEENDAT="2024-13-UK"), None,
     ["adverse_events.csv, row 1, column AEENDAT: '2024-13-UK' is not a valid date "
      "(YYYY-MM-DD, YYYY-MM-UK or YYYY-UK-UK) [RAW008]"]),
    ("RAW009", changed("vital_signs", 1, VSDAT="2024-01-UK"), None,
     ["vital_signs.csv, row 1, column VSDAT: '2024-01-UK' is a partial date but this column needs a "
      "complete date (YYYY-MM-DD) [RAW009]"]),
    ("RAW010", changed("vital_signs", 1, VSTIM="24:00"), None,
     ["vital_signs.csv, row 1, column VSTIM: '24:00' is not a valid time (HH:MM, 00:00 to 23:59) [RAW010]"]),
    ("RAW010", changed("vital_signs", 1, VSTIM="9:30"), None,
     ["vital_signs.csv, row 1, column VSTIM: '9:30' is not a valid time (HH:MM, 00:00 to 23:59) [RAW010]"]),
    ("RAW011", changed("enrolment", 1, SEX="X"), None,
     ["enrolment.csv, row 1, column SEX: 'X' is not in codelist SEX (allowed: M, F) [RAW011]"]),
    ("RAW011", changed("enrolment", 1, SEX=" M"), None,
     ["enrolment.csv, row 1, column SEX: ' M' is not in codelist SEX (allowed: M, F); remove the surrounding blanks [RAW011]"]),
    ("RAW011", changed("enrolment", 1, SEX="m"), None,
     ["enrolment.csv, row 1, column SEX: 'm' is not in codelist SEX (allowed: M, F); values are case-sensitive [RAW011]"]),
    ("RAW011", changed("ecog", 1, ECOG="7"), None,
     ["ecog.csv, row 1, column ECOG: '7' is not in the allowed values (allowed: 0, 1, 2, 3, 4, 5) [RAW011]"]),
    ("RAW011", changed("infusions", 1, DOSEPLN="3"), None,
     ["infusions.csv, row 1, column DOSEPLN: '3' is not in codelist study.dose (allowed: 1, 2, 4) [RAW011]"]),
    ("RAW012", changed("enrolment", 1, INITIALS="Abc"), None,
     ["enrolment.csv, row 1, column INITIALS: 'Abc' does not match the pattern ^[A-Z]{2,3}$ [RAW012]"]),
    # RAW013-RAW015: lab records against the lab test dictionary
    ("RAW013", changed("local_lab", 1, LBORRESU="mg/L"), None,
     ["local_lab.csv, row 1, column LBORRESU: unit 'mg/L' is not allowed for test BILI (allowed: umol/L, mg/dL) [RAW013]"]),
    ("RAW014", changed("local_lab", 1, LBORRES="high"), None,
     ["local_lab.csv, row 1, column LBORRES: result 'high' for test BILI is not a number, '<number' or '>number' [RAW014]"]),
    ("RAW014", changed("central_lab", 2, RESULT="NOT DETECTED"), None,
     ["central_lab.csv, row 2, column RESULT: result 'NOT DETECTED' for test HBVDNA is not a number, '<number' or "
      "'>number' or a text allowed for the test (TARGET NOT DETECTED) [RAW014]"]),
    ("RAW014", changed("central_lab", 1, RESULT="< 1.5"), None,
     ["central_lab.csv, row 1, column RESULT: result '< 1.5' for test IL6 is not a number, '<number' or '>number' [RAW014]"]),
    ("RAW015", changed("central_lab", 1, LBTESTCD="ALT"), None,
     ["central_lab.csv, row 1, column LBTESTCD: test code 'ALT' is not a test of form central_lab "
      "(the lab test dictionary assigns it to form local_lab) [RAW015]"]),
    ("RAW015", changed("flow_cytometry", 1, TESTCD="CD5"), None,
     ["flow_cytometry.xpt, row 1, column TESTCD: test code 'CD5' is not a test of form flow_cytometry "
      "(it is not in the lab test dictionary) [RAW015]"]),
    # RAW016-RAW018: keys, subjects, visits
    ("RAW016", appended("ecog"), None, ["ecog.csv, row 2: key SUBJID=01-001, VISIT=SCREENING repeats row 1 [RAW016]"]),
    ("RAW017", changed("ecog", 1, SUBJID="09-999"), None,
     ["ecog.csv, row 1, column SUBJID: subject '09-999' is not in the subject registry (enrolment.csv) [RAW017]"]),
    ("RAW018", changed("ecog", 1, VISIT="WEEK 13"), None,
     ["ecog.csv, row 1, column VISIT: visit 'WEEK 13' is not in the visit schedule and does not match the "
      "unscheduled visit pattern ^UNSCHEDULED [0-9]{1,2}$ [RAW018]"]),
]


@pytest.mark.parametrize("rule, records, edit_files, expected", HARD_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(HARD_CASES)])
def test_hard_rule_stops_ingest_with_exactly_its_line(hard_lines, rule, records, edit_files, expected):
    assert hard_lines(records, edit_files) == expected


def test_a_form_with_a_column_problem_gets_no_row_checks(hard_lines):
    # The renamed column is both missing and unknown; the bad ECOGDAT must not be reported too.
    records = changed("ecog", 1, ECOGDAT="2024-02-30")
    lines = hard_lines(records, rewrite("ecog.csv", lambda b: b.replace(b"ECOG\n", b"ECOGSCORE\n")))
    assert lines == ["ecog.csv, column ECOG: column listed in the spec is missing from the file [RAW003]",
                     "ecog.csv, column ECOGSCORE: column is not in the spec of form ecog [RAW004]"]


def test_an_unreadable_registry_does_not_make_every_subject_unknown(hard_lines):
    assert hard_lines(None, remove("enrolment.csv")) == [
        "enrolment.csv: file is missing from the raw export folder [RAW001]"]


def test_every_problem_of_a_file_is_listed_in_file_row_column_order(hard_lines):
    records = changed("enrolment", 2, SEX="X", AGE="old")
    records["enrolment"][0]["SEX"] = ""
    assert hard_lines(records) == [
        "enrolment.csv, row 1, column SEX: required value is empty [RAW005]",
        "enrolment.csv, row 2, column AGE: 'old' is not an integer [RAW007]",
        "enrolment.csv, row 2, column SEX: 'X' is not in codelist SEX (allowed: M, F) [RAW011]",
    ]


@pytest.mark.parametrize("dose", ["1", "1.0", "1.00", "1e0"])
def test_numeric_codelists_compare_as_numbers(soft_lines, dose):
    assert soft_lines(changed("infusions", 1, DOSEPLN=dose)) == []


def test_an_integer_too_long_to_hold_exactly_is_not_an_integer(hard_lines):
    assert hard_lines(changed("adverse_events", 1, AESPID="12345678901234567890")) == [
        "adverse_events.csv, row 1, column AESPID: '12345678901234567890' is not an integer [RAW007]"]
