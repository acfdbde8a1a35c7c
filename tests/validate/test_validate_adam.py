"""The ADaM rules (rules_adam, rules_adam_spec): each with a failing example on the mini ADaM
package and a pass on the valid one; the ADaM catalogue in the doc; validate_adam, the report
names and the CLI's --standard; reading numeric dates from real XPT files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.validate import ADAM_RULES, RULES, main_validate, validate_adam, validate_package
from analysis.validate.cli import run
from analysis.validate.engine import INTERNAL_RULES, build_package
from analysis.validate.registry import SEVERITIES, catalogue_markdown
from analysis.xpt import write_xpt
from mini_adam import ADAM_LABELS, S1, S2, MiniAdam, day, write_adam_specs
from mini_package import Case, check_case, label_of, mini_study

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "conformance-rules.md"


@pytest.fixture
def adam(tmp_path) -> MiniAdam:
    return MiniAdam(tmp_path)


def _days_in_dtm(m):
    m.frames["ADLB"]["ADTM"] = m.frames["ADLB"]["ADT"]  # days where seconds belong


def _all_base(m, value):
    for row in (0, 1, 2):
        m.set("ADLB", row, "BASE", value)


CASES = [
    # --- package, subjects, identifiers
    Case("no-adsl", "AD0001", lambda m: m.frames.pop("ADSL"), "ADSL", "", (), "no ADSL dataset in the package"),
    Case("adsl-dup", "AD0002", lambda m: m.append_copy("ADSL", 0), "ADSL", "USUBJID", (1, 4),
         "USUBJID 'MINI01-001' has 2 ADSL records"),
    Case("not-in-adsl", "AD0003", lambda m: m.set("ADAE", 1, "USUBJID", "MINI01-009"), "ADAE", "USUBJID", (2,),
         "USUBJID 'MINI01-009' is not in ADSL (1 record)"),
    Case("no-studyid", "AD0004", lambda m: m.drop_col("ADTTE", "STUDYID"), "ADTTE", "STUDYID", (),
         "required variable STUDYID is not in ADTTE"),
    Case("null-param", "AD0005", lambda m: m.set("ADLB", 3, "PARAM", ""), "ADLB", "PARAM", (4,),
         "PARAM is null (1 record)", usubjid=S1),
    Case("studyid", "AD0006", lambda m: m.set_col("ADAE", "STUDYID", "OTHER"), "ADAE", "STUDYID", (1, 2),
         "STUDYID 'OTHER' differs from the package's 'MINI01' (2 records)"),
    Case("sdtm-name", "AD0007", lambda m: m.frames.update(LB=m.frames.pop("ADLB")), "LB", "", (),
         "dataset name 'LB' does not start with 'AD'"),
    Case("long-name", "AD0008", lambda m: m.frames["ADAE"].rename(columns={"AETERM": "AETERMLONG"}, inplace=True),
         "ADAE", "AETERMLONG", (), "variable name 'AETERMLONG' is not 1-8"),
    Case("long-label", "AD0009", lambda m: m.label("ADAE", "AETERM", "T" * 41), "ADAE", "AETERM", (),
         "label of AETERM is 41 characters long (max 40)"),
    Case("long-value", "AD0010", lambda m: m.set("ADAE", 0, "AETERM", "H" * 201), "ADAE", "AETERM", (1,),
         "AETERM is 201 bytes long (max 200)"),
    Case("not-ascii", "AD0011", lambda m: m.set("ADAE", 0, "AETERM", "HEADACH\u00c9"), "ADAE", "AETERM", (1,),
         "not printable ASCII: '\u00c9'"),
    Case("no-label", "AD0012", lambda m: m.label("ADAE", "AETERM", ""), "ADAE", "AETERM", (), "AETERM has no label"),
    Case("char-date", "AD0013", lambda m: m.retype("ADLB", "ADT", lambda x: f"{x:.0f}"), "ADLB", "ADT", (),
         "ADT is Char, ADaMIG says Num", value="Char"),
    Case("fraction-date", "AD0014", lambda m: m.set("ADLB", 0, "ADT", day("2024-01-08") + 0.5), "ADLB", "ADT", (1,),
         "ADT 23383.5 is not a whole number of days from 1900 to 2099 (1 record)", value="23383.5"),
    Case("seconds-in-dt", "AD0014", lambda m: m.set("ADAE", 0, "ASTDT", day("2024-01-12") * 86400), "ADAE", "ASTDT",
         (1,), "ASTDT 2020636800 is not a whole number of days from 1900 to 2099 (1 record)"),
    Case("days-in-dtm", "AD0014", _days_in_dtm, "ADLB", "ADTM", (1, 2, 3, 4, 5, 6, 7),
         "ADTM 23383 looks like a date in days, not a datetime in seconds (as seconds it is 1960-01-01T06:29:43) (7 records)"),
    Case("avisitn", "AD0015", lambda m: m.set("ADLB", 2, "AVISITN", 3.0), "ADLB", "AVISIT", (2, 3),
         "AVISIT 'WEEK 2' has 2 AVISITN values: AVISITN 2 (3 records); AVISITN 3 (1 record) (AVISITN is the "
         "numeric version of AVISIT)"),
    Case("trt01pn", "AD0015", lambda m: m.set("ADSL", 1, "TRT01PN", 1.0), "ADSL", "TRT01PN", (1, 2),
         "TRT01PN 1 has 2 TRT01P values: TRT01P 'Drug A' (1 record); TRT01P 'Drug B' (1 record) (TRT01P and "
         "TRT01PN must correspond one to one)"),
    Case("no-actarm", "AD0016", lambda m: m.drop_col("ADSL", "ACTARM"), "ADSL", "ACTARM", (),
         "required ADSL variable ACTARM is not in ADSL"),
    Case("no-trtxxp", "AD0016", lambda m: m.drop_col("ADSL", "TRT01P"), "ADSL", "TRT01P", (),
         "ADSL has no planned treatment variable TRTxxP (TRT01P, ...)"),
    Case("aseq-dup", "AD0017", lambda m: m.append_copy("ADAE", 0, AESEQ=2.0), "ADAE", "ASEQ", (1, 3),
         "ASEQ 1 occurs 2 times for subject MINI01-001", usubjid=S1),
    # --- BDS
    Case("no-param", "AD0020", lambda m: m.drop_col("ADLB", "PARAM"), "ADLB", "PARAM", (),
         "required BDS variable PARAM is not in ADLB"),
    Case("paramcd-lower", "AD0021", lambda m: m.set("ADLB", 3, "PARAMCD", "crp"), "ADLB", "PARAMCD", (4,),
         "PARAMCD 'crp' is not 1-8 upper-case letters, digits or '_' starting with a letter (1 record)"),
    Case("param-2-names", "AD0022", lambda m: m.set("ADLB", 1, "PARAM", "ALT (U/L)"), "ADLB", "PARAMCD", (1, 2),
         "PARAMCD 'ALT' has 2 PARAM values: PARAM 'Alanine Aminotransferase (U/L)' (4 records); PARAM 'ALT (U/L)' "
         "(1 record)"),
    Case("no-value", "AD0023", lambda m: m.set("ADLB", 4, "AVAL", np.nan), "ADLB", "AVAL", (5,),
         "AVAL is null for parameter CRP (1 record)", value="CRP"),
    Case("two-baselines", "AD0024", lambda m: m.set("ADLB", 1, "ABLFL", "Y"), "ADLB", "ABLFL", (1, 2),
         "2 records have ABLFL = 'Y' for subject MINI01-001, parameter ALT", usubjid=S1, value="ALT"),
    Case("base-varies", "AD0025", lambda m: m.set("ADLB", 2, "BASE", 41.0), "ADLB", "BASE", (1, 2, 3),
         "BASE takes 2 values for subject MINI01-001, parameter ALT: 40, 41"),
    Case("base-not-baseline", "AD0026", lambda m: _all_base(m, 41.0), "ADLB", "BASE", (1, 2, 3),
         "BASE is 41 but AVAL of the baseline record (ABLFL = 'Y', record 1) is 40 (subject MINI01-001, "
         "parameter ALT; 3 records)"),
    Case("base-null", "AD0026", lambda m: m.set("ADLB", 6, "BASE", np.nan), "ADLB", "BASE", (7,),
         "BASE is null but AVAL of the baseline record (ABLFL = 'Y', record 6) is 30"),
    Case("chg", "AD0027", lambda m: m.set("ADLB", 1, "CHG", 14.0), "ADLB", "CHG", (2,),
         "CHG is 14, expected AVAL - BASE = 55 - 40 = 15", usubjid=S1),
    Case("chg-no-base", "AD0027", lambda m: m.set("ADLB", 6, "BASE", np.nan), "ADLB", "CHG", (7,),
         "CHG is 3 but AVAL or BASE is null"),
    Case("pchg", "AD0028", lambda m: m.set("ADLB", 1, "PCHG", 37.0), "ADLB", "PCHG", (2,),
         "PCHG is 37, expected 100 * (AVAL - BASE) / BASE = 100 * (55 - 40) / 40 = 37.5"),
    Case("pchg-base-0", "AD0028", lambda m: m.set("ADLB", 4, "PCHG", 100.0), "ADLB", "PCHG", (5,),
         "PCHG is 100 but BASE is 0: PCHG must be null"),
    Case("r2base", "AD0029", lambda m: m.set("ADLB", 1, "R2BASE", 1.4), "ADLB", "R2BASE", (2,),
         "R2BASE is 1.4, expected AVAL / BASE = 55 / 40 = 1.375"),
    Case("r2a1lo-0", "AD0029", lambda m: m.set("ADLB", 4, "R2A1LO", 1.0), "ADLB", "R2A1LO", (5,),
         "R2A1LO is 1 but A1LO is 0: R2A1LO must be null"),
    Case("two-anl01fl", "AD0030", lambda m: m.set("ADLB", 2, "ANL01FL", "Y"), "ADLB", "ANL01FL", (2, 3),
         "2 records have ANL01FL = 'Y' for subject MINI01-001, parameter ALT, AVISIT 'WEEK 2'"),
    # --- time to event
    Case("cnsr-fraction", "AD0035", lambda m: m.set("ADTTE", 0, "CNSR", 0.5), "ADTTE", "CNSR", (1,),
         "CNSR 0.5 is not a whole number >= 0"),
    Case("cnsr-null", "AD0035", lambda m: m.set("ADTTE", 1, "CNSR", np.nan), "ADTTE", "CNSR", (2,), "CNSR is null (1 record)"),
    Case("tte-negative", "AD0036", lambda m: m.set("ADTTE", 0, "AVAL", -1.0), "ADTTE", "AVAL", (1,),
         "AVAL -1 is negative in a time-to-event dataset"),
    Case("tte-origin", "AD0037", lambda m: m.set("ADTTE", 1, "STARTDT", day("2024-02-11")), "ADTTE", "STARTDT", (2,),
         "STARTDT 2024-02-11 is after ADT 2024-02-10", usubjid=S2),
    # --- flags
    Case("fl-value", "AD0040", lambda m: m.set("ADSL", 1, "DTHFL", "y"), "ADSL", "DTHFL", (2,),
         "DTHFL is 'y'; a flag is 'Y', 'N' or null (1 record)"),
    Case("fn-value", "AD0041", lambda m: m.set("ADSL", 0, "SAFFN", 2.0), "ADSL", "SAFFN", (1,),
         "SAFFN is 2; a numeric flag is 1, 0 or null (1 record)"),
    Case("fn-vs-fl", "AD0042", lambda m: m.set("ADSL", 2, "SAFFN", 1.0), "ADSL", "SAFFN", (3,),
         "SAFFN is 1 where SAFFL is 'N' (expected 0) (1 record)"),
    Case("fn-null", "AD0042", lambda m: m.set("ADSL", 0, "SAFFN", np.nan), "ADSL", "SAFFN", (1,),
         "SAFFN is null where SAFFL is 'Y' (expected 1)"),
    Case("population-null", "AD0043", lambda m: m.set("ADSL", 2, "ITTFL", ""), "ADSL", "ITTFL", (3,),
         "ITTFL is null; a population flag is 'Y' or 'N' (1 record)"),
    Case("record-flag-n", "AD0044", lambda m: m.set("ADLB", 2, "ANL01FL", "N"), "ADLB", "ANL01FL", (3,),
         "ANL01FL is 'N'; ANL01FL is 'Y' or null (1 record)"),
    # --- dates
    Case("astdy", "AD0050", lambda m: m.set("ADAE", 0, "ASTDY", 2.0), "ADAE", "ASTDY", (1,),
         "ASTDY is 2, expected 3 from ASTDT 2024-01-12 and TRTSDT 2024-01-10"),
    Case("ady-adsl", "AD0050", lambda m: m.set("ADLB", 0, "ADY", -1.0), "ADLB", "ADY", (1,),
         "ADY is -1, expected -2 from ADT 2024-01-08 and ADSL.TRTSDT 2024-01-10"),
    Case("ady-null", "AD0050", lambda m: m.set("ADLB", 6, "ADY", np.nan), "ADLB", "ADY", (7,),
         "ADY is null, expected 15 from ADT 2024-02-15 and ADSL.TRTSDT 2024-02-01"),
    Case("ae-dates", "AD0051", lambda m: m.set("ADAE", 1, "AENDT", day("2024-02-09")), "ADAE", "ASTDT", (2,),
         "ASTDT 2024-02-10 is after AENDT 2024-02-09"),
    Case("trt-dates", "AD0051", lambda m: m.set("ADSL", 0, "TRTEDT", day("2024-01-09")), "ADSL", "TRTSDT", (1,),
         "TRTSDT 2024-01-10 is after TRTEDT 2024-01-09"),
    # --- ADSL variables elsewhere
    Case("adsl-value", "AD0060", lambda m: m.set("ADLB", 1, "SAFFL", "N"), "ADLB", "SAFFL", (2,),
         "SAFFL is 'N' but ADSL.SAFFL is 'Y' for subject MINI01-001 (1 record)", usubjid=S1),
    Case("adsl-number", "AD0060", lambda m: m.set("ADAE", 1, "AGE", 62.0), "ADAE", "AGE", (2,),
         "AGE is 62 but ADSL.AGE is 61 for subject MINI01-002 (1 record)"),
    Case("adsl-type", "AD0060", lambda m: m.retype("ADAE", "AGE", lambda x: f"{x:.0f}"), "ADAE", "AGE", (),
         "AGE is Char but ADSL.AGE is Num"),
    Case("adsl-label", "AD0061", lambda m: m.label("ADAE", "AGE", "Age in Years"), "ADAE", "AGE", (),
         "label of AGE is 'Age in Years'; ADSL's is 'AGE label'"),
    # --- against the specs
    Case("spec-dataset", "AD0100", lambda m: m.frames.pop("ADTTE"), "ADTTE", "", (),
         "dataset ADTTE is in the specs but there is no adtte.xpt", specs=True),
    Case("extra-dataset", "AD0101", lambda m: m.frames.update(ADCM=m.frames["ADAE"].copy()), "ADCM", "", (),
         "dataset ADCM is not in the specs", specs=True),
    Case("spec-variable", "AD0102", lambda m: m.drop_col("ADAE", "AEDECOD"), "ADAE", "AEDECOD", (),
         "AEDECOD (Perm) is in the specs but not in ADAE", specs=True),
    Case("extra-variable", "AD0103", lambda m: m.frames["ADAE"].insert(5, "AEXTRA", "x"), "ADAE", "AEXTRA", (),
         "AEXTRA is in ADAE but not in the specs", specs=True),
    Case("type", "AD0104", lambda m: m.retype("ADSL", "AGE", lambda x: f"{x:.0f}"), "ADSL", "AGE", (),
         "AGE is Char but the specs say Num", specs=True),
    Case("label", "AD0105", lambda m: m.label("ADLB", "PARAM", "Parameter"), "ADLB", "PARAM", (),
         "label of PARAM is 'Parameter'; the specs say 'PARAM label'", specs=True),
    Case("req-null", "AD0106", lambda m: m.set("ADAE", 0, "AETERM", ""), "ADAE", "AETERM", (1,),
         "AETERM is Req but null (1 record)", specs=True),
    Case("codelist", "AD0107", lambda m: m.set("ADSL", 0, "SEX", "FEMALE"), "ADSL", "SEX", (1,),
         "SEX 'FEMALE' is not in codelist SEX (1 record)", specs=True),
    Case("order", "AD0108", lambda m: m.reorder("ADAE", ["STUDYID", "USUBJID", "AETERM"]), "ADAE", "AETERM", (),
         "variable 3 is AETERM; the specs put AGE there", specs=True),
    Case("sort", "AD0109", lambda m: m.add("ADLB", m.frames["ADLB"].iloc[::-1]), "ADLB",
         "STUDYID;USUBJID;PARAMCD;AVISITN;ADT", (1,), "records are not sorted by STUDYID, USUBJID, PARAMCD, "
         "AVISITN, ADT from record 1 on", specs=True),
    Case("key", "AD0110", lambda m: m.set("ADAE", 1, "USUBJID", S1), "ADAE", "STUDYID;USUBJID;AESEQ", (1, 2),
         "2 records share the key MINI01 / MINI01-001 / 1", specs=True),
    Case("extensible", "AD0111", lambda m: m.set("ADLB", 0, "AVALU", "IU/L"), "ADLB", "AVALU", (1,),
         "AVALU 'IU/L' is not in extensible codelist UNIT (1 record)", specs=True),
    Case("length", "AD0112", lambda m: m.set("ADAE", 0, "AETERM", "HEADACHE AND NAUSEA"), "ADAE", "AETERM", (1,),
         "AETERM 'HEADACHE AND NAUSEA' is 19 bytes long; the spec length is 15 (1 record)", specs=True),
    Case("paramcd", "AD0113", lambda m: m.set("ADLB", 4, "PARAMCD", "HSCRP"), "ADLB", "PARAMCD", (5,),
         "PARAMCD 'HSCRP' is not in params.csv for ADLB (1 record)", specs=True),
    Case("param-text", "AD0114", lambda m: m.set("ADLB", 0, "PARAM", "ALT"), "ADLB", "PARAM", (1,),
         "PARAM is 'ALT' for PARAMCD ALT; params.csv says param 'Alanine Aminotransferase (U/L)' (1 record)",
         value="ALT", specs=True),
    Case("paramn", "AD0114", lambda m: m.set("ADTTE", 1, "PARAMN", 2.0), "ADTTE", "PARAMN", (2,),
         "PARAMN is 2 for PARAMCD TTAE; params.csv says paramn 1 (1 record)", specs=True),
    Case("studyid-study", "AD0120", lambda m: m.set_col("ADSL", "STUDYID", "OTHER"), "ADSL", "STUDYID", (1, 2, 3),
         "STUDYID 'OTHER' is not the study's 'MINI01'", study=True),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.id}" for c in CASES])
def test_adam_rule_reports_the_broken_value(adam, case):
    check_case(adam, case)


def test_every_adam_rule_has_a_failing_example():
    assert sorted(ADAM_RULES) == sorted({c.rule for c in CASES})


def test_adam_catalogue_ids_and_descriptions():
    assert len(ADAM_RULES) >= 40 and not set(ADAM_RULES) & set(RULES)
    for rid, r in ADAM_RULES.items():
        assert re.fullmatch(r"AD\d{4}", rid) and r.id == rid
        assert r.severity in SEVERITIES and r.title and r.description and r.analogue, rid


@pytest.mark.parametrize("rule_id", sorted(ADAM_RULES))
def test_every_adam_rule_passes_on_the_valid_package(adam, rule_id):
    assert adam.findings(rule_id, specs=True, study=True) == []


def test_the_valid_adam_package_passes_everything_at_once(adam):
    report = validate_package(adam.package(specs=True, study=True))
    assert report.findings == [] and report.rules_skipped == {} and report.rules_run == sorted(ADAM_RULES)


def test_sdtm_and_adam_packages_run_only_their_own_rules(adam, mini):
    assert validate_package(mini.package()).rules_run == sorted(r for r in RULES if RULES[r].scope == "generic")
    report = validate_package(adam.package())
    assert report.rules_run == sorted(r for r in ADAM_RULES if ADAM_RULES[r].scope == "generic")
    assert report.rules_skipped["AD0100"] == "needs the ADaM specs (specs_dir / --specs)"
    with pytest.raises(ValueError, match="unknown adam rule ids"):
        validate_package(adam.package(), rules=["SD0001"])


def test_the_doc_lists_every_adam_rule_as_the_registry_describes_it():
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("<!-- adam-rules:begin")
    block = text[text.index("-->", begin) + 4:text.index("<!-- adam-rules:end -->")]
    assert block == catalogue_markdown("adam"), "docs/conformance-rules.md: paste catalogue_markdown('adam') output"
    rows = re.findall(r"^\| (AD\d{4}) \| (ERROR|WARNING|NOTICE) \|", block, re.M)
    assert dict(rows) == {rid: r.severity for rid, r in ADAM_RULES.items()}


# --- details of single rules

def test_pchg_and_ratios_are_null_when_the_baseline_is_zero(adam):
    crp = adam.frames["ADLB"].iloc[3:5]
    assert (crp["BASE"] == 0).all() and crp["PCHG"].isna().all() and crp["R2BASE"].isna().all()
    assert adam.findings("AD0028") == [] and adam.findings("AD0029") == []


def test_chg_within_the_relative_tolerance_passes(adam):
    adam.set("ADLB", 1, "CHG", 15.0 * (1 + 5e-7))  # rounding noise, not a wrong derivation
    assert adam.findings("AD0027") == []
    adam.set("ADLB", 1, "CHG", 15.0 * (1 + 5e-6))
    assert len(adam.findings("AD0027")) == 1


def test_null_chg_on_a_post_baseline_record_is_allowed(adam):
    adam.set("ADLB", 1, "CHG", np.nan)
    assert adam.findings("AD0027") == []


def test_baselines_of_different_basetypes_are_separate(adam):
    lb = adam.frames["ADLB"]
    other = lb.iloc[[0, 1]].assign(BASETYPE="LAST", ABLFL=["Y", ""], AVISIT=["BASELINE", "WEEK 2"])
    adam.add("ADLB", pd.concat([lb.assign(BASETYPE="FIRST"), other], ignore_index=True))
    for rid in ("AD0024", "AD0025", "AD0026", "AD0030"):
        assert adam.findings(rid) == [], rid
    adam.set("ADLB", 8, "ABLFL", "Y")
    [f] = adam.findings("AD0024")
    assert f.records == (8, 9) and f.message == "2 records have ABLFL = 'Y' for subject MINI01-001, parameter ALT, BASETYPE 'LAST'"


def test_character_baselines_compare_basec_with_avalc(adam):
    lb = adam.frames["ADLB"]
    lb["AVALC"] = ["NEG", "POS", "POS", "NEG", "NEG", "NEG", "NEG"]
    lb["BASEC"] = ["NEG", "NEG", "NEG", "NEG", "NEG", "NEG", "NEG"]
    assert adam.findings("AD0026") == []
    adam.set("ADLB", 1, "BASEC", "POS")
    found = adam.findings("AD0026")
    assert [(f.variable, f.records) for f in found] == [("BASEC", (2,))]
    assert found[0].message.startswith("BASEC is 'POS' but AVALC of the baseline record (ABLFL = 'Y', record 1) is 'NEG'")


def test_without_specs_a_dataset_with_paramcd_is_bds_and_one_with_cnsr_is_tte(adam):
    adam.set("ADTTE", 0, "AVAL", -1.0)
    assert [f.rule for f in validate_package(adam.package()).findings] == ["AD0036"]
    adam.drop_col("ADTTE", "CNSR")  # no longer recognisable as time-to-event without the specs ...
    assert adam.findings("AD0036") == []
    [f] = adam.findings("AD0035", specs=True)  # ... but the specs say it is
    assert f.message == "time-to-event dataset ADTTE has no CNSR"


def test_elapsed_and_relative_times_are_not_times_of_day(adam):
    adam.frames["ADLB"]["LBELTM"] = "PT2H"  # an ISO 8601 duration, not a SAS time
    adam.frames["ADLB"]["ARELTM"] = -30.0 * 3600  # a relative time (hours before dosing, in seconds)
    assert adam.findings("AD0013") == [] and adam.findings("AD0014") == []


def test_types_other_than_adamig_s_do_not_crash_the_rules(adam):
    adam.retype("ADSL", "TRTSDT", lambda x: "" if pd.isna(x) else f"{x:.0f}")
    adam.retype("ADLB", "PARAMCD", lambda x: 1.0)
    report = validate_package(adam.package())
    assert not [f for f in report.findings if f.rule == "AD9999"]
    assert {(f.rule, f.dataset, f.variable) for f in report.findings if f.rule == "AD0013"} == {
        ("AD0013", "ADSL", "TRTSDT"), ("AD0013", "ADLB", "PARAMCD")}


def test_study_days_without_trtsdt_are_not_checked(adam):
    adam.set("ADSL", 0, "TRTSDT", np.nan)
    adam.frames["ADLB"].loc[0, "ADY"] = 99.0
    assert adam.findings("AD0050") == []


def test_values_from_adsl_of_subjects_not_in_adsl_are_left_to_ad0003(adam):
    adam.set("ADAE", 1, "USUBJID", "MINI01-009")
    assert adam.findings("AD0060") == []


def test_missing_params_csv_is_noted_and_the_parameter_rules_do_nothing(adam):
    specs = adam.specs_dir()
    (specs / "params.csv").unlink()
    folder = _write_xpt_folder(adam.tmp_path / "adam", adam.frames)
    report = validate_adam(folder, specs_dir=specs)
    assert any(n.startswith("no parameter specs in") for n in report.notes)
    assert "AD0113" in report.rules_run and report.findings == []


@pytest.mark.parametrize("dataset", ["ADSL", "ADAE", "ADLB", "ADTTE"])
def test_adam_rules_cope_with_datasets_without_their_usual_variables(adam, dataset):
    """Any variable may be missing from someone else's package: no rule may crash (AD9999)."""
    keep = {"STUDYID", "USUBJID"}
    adam.add(dataset, adam.frames[dataset][[c for c in adam.frames[dataset].columns if c in keep]])
    report = validate_package(adam.package(specs=True, study=True))
    assert not [f for f in report.findings if f.rule == INTERNAL_RULES["adam"]]
    adam.add(dataset, adam.frames[dataset].iloc[0:0])
    report = validate_package(adam.package(specs=True, study=True))
    assert not [f for f in report.findings if f.rule == INTERNAL_RULES["adam"]]


def test_an_adam_rule_that_raises_is_reported_under_ad9999(adam, monkeypatch):
    from analysis.validate.registry import Rule

    def broken(pkg):
        raise KeyError("PARAMCD")
        yield  # pragma: no cover

    monkeypatch.setitem(ADAM_RULES, "AD0024", Rule("AD0024", "ERROR", "generic", "t", "d", "a", broken))
    [f] = validate_package(adam.package()).findings
    assert f.rule == "AD9999" and "rule AD0024 could not run: KeyError" in f.message


# --- files, report, command line

def _write_xpt_folder(folder: Path, frames) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        write_xpt(df, folder / f"{name.lower()}.xpt", name=name, label=ADAM_LABELS.get(name, name),
                  column_labels={c: label_of(c) for c in df.columns})
    return folder


def test_adam_xpt_files_round_trip_clean(adam):
    folder = _write_xpt_folder(adam.tmp_path / "adam", adam.frames)
    report = validate_adam(folder, specs_dir=adam.specs_dir(), study=mini_study())
    assert report.findings == [] and report.rules_skipped == {} and report.datasets["ADLB"] == 7
    assert report.standard == "adam" and report.to_markdown().startswith(f"# ADaM conformance report: {folder}")


def test_dates_with_a_sas_date_format_are_read_as_numbers(tmp_path):
    """pyreadstat turns DATE9.-formatted numbers into Python dates unless told not to; the rules
    need the SAS numbers."""
    import pyreadstat

    df = pd.DataFrame({"STUDYID": ["X"], "USUBJID": ["X-1"], "TRTSDT": [day("2024-01-10")]})
    pyreadstat.write_xport(df, str(tmp_path / "adsl.xpt"), table_name="ADSL", file_format_version=5,
                           variable_format={"TRTSDT": "DATE9."})
    pkg = build_package(tmp_path, standard="adam")
    assert pkg.datasets["ADSL"].data["TRTSDT"].tolist() == [day("2024-01-10")]
    assert pkg.datasets["ADSL"].types["TRTSDT"] == "Num"


def test_main_validate_writes_the_adam_report(adam):
    adam.set("ADLB", 4, "AVAL", np.nan)  # one warning (AD0023); CHG etc. are not recomputed
    adam.set("ADLB", 4, "CHG", np.nan)
    adam.set("ADLB", 4, "R2BASE", np.nan)
    adam.set("ADLB", 4, "R2A1LO", np.nan)
    folder = _write_xpt_folder(adam.tmp_path / "adam", adam.frames)
    out = adam.tmp_path / "report"
    assert main_validate(folder, out, standard="adam") == 0
    assert main_validate(folder, out, standard="adam", fail_on="warning") == 1
    rows = list(csv.DictReader(open(out / "adam_conformance.csv", encoding="utf-8")))
    assert [(r["rule"], r["dataset"], r["variable"], r["records"]) for r in rows] == [("AD0023", "ADLB", "AVAL", "5")]
    assert "0 error(s), 1 warning(s)" in (out / "adam_conformance.md").read_text()
    assert not (out / "sdtm_conformance.csv").exists()


def test_cli_standard_adam(adam, capsys):
    folder = _write_xpt_folder(adam.tmp_path / "adam", adam.frames)
    specs = write_adam_specs(adam.tmp_path / "other", adam.frames)
    out = adam.tmp_path / "r"
    assert run([str(folder), "--standard", "adam", "--specs", str(specs), "--report", str(out)]) == 0
    assert "0 error(s), 0 warning(s), 0 notice(s) in 4 dataset(s)" in capsys.readouterr().out
    assert (out / "adam_conformance.csv").read_text().count("\n") == 1  # header only
    assert (out / "adam_conformance.md").exists() and not (out / "sdtm_conformance.csv").exists()
    (folder / "adsl.xpt").unlink()
    assert run([str(folder), "--standard", "adam"]) == 1  # no ADSL: AD0001
    assert "| AD0001 | ERROR | ADSL | 1 |" in capsys.readouterr().out
    # the default standard is still SDTM: the same folder fails SDTM's "DM present"
    assert run([str(folder)]) == 1
    assert "| SD0098 | ERROR | DM | 1 |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run([str(folder), "--standard", "send"])


# --- the CDISC pilot study's ADaM (generic rules only)

PILOT_ADAM = ROOT.parent / "shared" / "reference-data" / "cdiscpilot01" / "adam"
PILOT_ADAM_RESULTS = Path(__file__).parent / "results" / "cdiscpilot01_adam_findings.csv"


@pytest.mark.skipif(not PILOT_ADAM.is_dir(), reason=f"CDISC pilot ADaM not available at {PILOT_ADAM}")
def test_cdisc_pilot_adam_generic_rules_give_the_recorded_findings(tmp_path):
    """Generic rules only; the findings are recorded in results/ (docs/conformance-rules.md says
    why each is there) and must not change unless a rule does (then rerun with
    UPDATE_VALIDATE_RESULTS=1 and review the diff)."""
    import os

    report = validate_adam(PILOT_ADAM)
    assert report.datasets == {"ADADAS": 12463, "ADAE": 1191, "ADLBC": 37132, "ADSL": 254, "ADTTE": 254}
    assert not [f for f in report.findings if f.rule == "AD9999"], "a rule crashed on the pilot"
    report.to_csv(tmp_path / "pilot.csv")
    got = (tmp_path / "pilot.csv").read_text(encoding="utf-8")
    if os.environ.get("UPDATE_VALIDATE_RESULTS"):
        PILOT_ADAM_RESULTS.write_text(got, encoding="utf-8", newline="\n")
    assert got == PILOT_ADAM_RESULTS.read_text(encoding="utf-8")
    assert report.counts == {"ERROR": 1, "WARNING": 98, "NOTICE": 0}
    assert {(f.rule, f.dataset) for f in report.errors} == {("AD0016", "ADSL")}  # no ACTARM (ADaMIG 1.0 era)


@pytest.mark.skipif(not PILOT_ADAM.is_dir(), reason=f"CDISC pilot ADaM not available at {PILOT_ADAM}")
def test_rules_find_errors_planted_in_the_pilot_adam():
    """The pilot is clean on the derivation rules; these show the rules do look at its data."""
    pkg = build_package(PILOT_ADAM, standard="adam")
    lb, adas = pkg.datasets["ADLBC"].data, pkg.datasets["ADADAS"].data
    lb.loc[5, "CHG"] = lb.loc[5, "CHG"] + 1
    adas.loc[0, "ABLFL"] = "N"
    pkg.datasets["ADSL"].data.loc[0, "AGE"] = 99.0
    report = validate_package(pkg, rules=["AD0027", "AD0044", "AD0060"])
    assert {(f.rule, f.dataset) for f in report.findings} == {
        ("AD0027", "ADLBC"), ("AD0044", "ADADAS"), ("AD0060", "ADADAS"), ("AD0060", "ADAE"), ("AD0060", "ADLBC"),
        ("AD0060", "ADTTE")}
