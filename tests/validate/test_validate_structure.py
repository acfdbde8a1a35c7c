"""Rules on identifiers, names, labels, types and text values (rules_structure)."""

from __future__ import annotations

import pytest

from mini_package import S1, S2, Case, check_case

CASES = [
    Case("no-seq", "SD0001", lambda m: m.drop_col("AE", "AESEQ"), "AE", "AESEQ", (), "required identifier"),
    Case("supp-no-qnam", "SD0001", lambda m: m.drop_col("SUPPAE", "QNAM"), "SUPPAE", "QNAM", ()),
    Case("domain", "SD0002", lambda m: m.set("AE", 1, "DOMAIN", "XX"), "AE", "DOMAIN", (2,), "expected 'AE'", value="XX"),
    Case("rdomain", "SD0002", lambda m: m.set("SUPPAE", 0, "RDOMAIN", "CM"), "SUPPAE", "RDOMAIN", (1,)),
    Case("studyid", "SD0003", lambda m: m.set("LB", 0, "STUDYID", "OTHER"), "LB", "STUDYID", (1,), "'MINI01'"),
    Case("null-term", "SD0004", lambda m: m.set("AE", 0, "AETERM", ""), "AE", "AETERM", (1,), usubjid=S1),
    Case("null-qval", "SD0004", lambda m: m.set("SUPPAE", 0, "QVAL", ""), "SUPPAE", "QVAL", (1,)),
    Case("not-in-dm", "SD0005", lambda m: m.set("EX", 2, "USUBJID", "MINI01-999"), "EX", "USUBJID", (3,),
         usubjid="MINI01-999", value="MINI01-999"),
    Case("dm-twice", "SD0006", lambda m: m.set("DM", 2, "USUBJID", S2), "DM", "USUBJID", (2, 3), "2 DM records"),
    Case("seq-dup", "SD0007", lambda m: m.set("LB", 1, "LBSEQ", 1.0), "LB", "LBSEQ", (1, 2), usubjid=S1),
    Case("seq-fraction", "SD0007", lambda m: m.set("LB", 1, "LBSEQ", 2.5), "LB", "LBSEQ", (2,), "whole number"),
    Case("long-name", "SD0008", lambda m: m.frames["AE"].insert(6, "AEVERYLONG", "x"), "AE", "AEVERYLONG", ()),
    Case("lower-name", "SD0008", lambda m: m.frames["AE"].insert(6, "aeacn", "x"), "AE", "aeacn", ()),
    Case("long-label", "SD0009", lambda m: m.label("AE", "AETERM", "x" * 41), "AE", "AETERM", (), "41 characters"),
    Case("long-ds-label", "SD0009", lambda m: m.label("AE", "", "y" * 45), "AE", "", (), "dataset label"),
    Case("201-bytes", "SD0010", lambda m: m.set("AE", 0, "AETERM", "A" * 201), "AE", "AETERM", (1,), "201 bytes"),
    Case("utf8-bytes", "SD0010", lambda m: m.set("AE", 0, "AETERM", "É" * 101), "AE", "AETERM", (1,), "202 bytes"),
    Case("accent", "SD0011", lambda m: m.set("AE", 0, "AETERM", "CÉPHALÉE"), "AE", "AETERM", (1,), "'É'"),
    Case("tab", "SD0011", lambda m: m.set("LB", 2, "LBORRES", "<\t5"), "LB", "LBORRES", (3,), "'\\t'"),
    Case("leading-space", "SD0012", lambda m: m.set("AE", 0, "AETERM", " HEADACHE"), "AE", "AETERM", (1,)),
    Case("char-seq", "SD0013", lambda m: m.retype("LB", "LBSEQ", str),
         "LB", "LBSEQ", (), "is Char, SDTMIG says Num"),
    Case("num-dtc", "SD0013", lambda m: m.set_col("AE", "AEENDTC", 1.0), "AE", "AEENDTC", (), "Num"),
    Case("no-ds-label", "SD0014", lambda m: m.label("LB", "", ""), "LB", "", (), "no label"),
    Case("no-var-label", "SD0014", lambda m: m.label("LB", "LBCAT", " "), "LB", "LBCAT", ()),
    Case("no-dm", "SD0098", lambda m: m.frames.pop("DM"), "DM", "", ()),
    Case("no-tv", "SD0099", lambda m: m.frames.pop("TV"), "TV", "", (), "checks against TV did not run"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.id}" for c in CASES])
def test_rule_reports_the_broken_value(mini, case):
    check_case(mini, case)


def test_split_dataset_may_carry_the_parent_domain_code(mini):
    mini.frames["LBCH"] = mini.frames.pop("LB")
    assert mini.findings("SD0002") == []


def test_relrec_and_subject_level_supp_may_leave_idvar_null(mini):
    mini.set("SUPPAE", 0, "IDVAR", "")
    mini.set("SUPPAE", 0, "IDVARVAL", "")
    assert mini.findings("SD0004") == []


def test_studyid_reference_is_dm_not_the_majority(mini):
    for name in ("LB", "AE", "EX", "SV"):
        mini.frames[name]["STUDYID"] = "OTHER"
    [*found] = mini.findings("SD0003")
    assert {f.dataset for f in found} == {"AE", "EX", "LB", "SV"}
    assert all("differs from the package's 'MINI01'" in f.message for f in found)


def test_short_values_skip_the_byte_count_and_200_bytes_pass(mini):
    mini.set("AE", 0, "AETERM", "A" * 200)
    assert mini.findings("SD0010") == []
