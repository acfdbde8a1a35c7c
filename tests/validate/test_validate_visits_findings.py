"""Rules on visits, epochs, arms and elements (rules_visits) and on findings results
(rules_findings)."""

from __future__ import annotations

import pytest

from mini_package import S1, Case, check_case

CASES = [
    Case("visitnum-2-names", "SD0030", lambda m: m.set("LB", 2, "VISIT", "WEEK 2"), "LB", "VISITNUM", (2, 3),
         "VISITNUM 3 has 2 VISIT values", value="3"),
    Case("visit-2-numbers", "SD0031", lambda m: m.set("LB", 3, "VISIT", "DAY 15"), "LB", "VISIT", (2, 4),
         "VISIT 'DAY 15' has 2 VISITNUM values: VISITNUM 3 (2 records); VISITNUM 3.01 (1 record)"),
    Case("not-tv-name", "SD0032", lambda m: m.set("SV", 1, "VISIT", "BASELINE"), "SV", "VISIT", (2,),
         "do not match TV, which has VISITNUM 2 = VISIT 'DAY 1'"),
    Case("not-tv-number", "SD0032", lambda m: m.set("EX", 1, "VISITNUM", 4.0), "EX", "VISIT", (2,),
         "VISITNUM 3 = VISIT 'DAY 15'"),
    Case("study-schedule", "SD0032", lambda m: (m.frames.pop("TV"), m.set("SV", 1, "VISIT", "BASELINE")), "SV",
         "VISIT", (2,), "do not match the study spec", study=True),
    Case("unsched-whole", "SD0033", lambda m: m.set("SV", 3, "VISITNUM", 4.0), "SV", "VISITNUM", (4,),
         "unscheduled visit 4 / UNSCHEDULED 3.01"),
    Case("unplanned-whole", "SD0033", lambda m: (m.set("LB", 3, "VISIT", "EXTRA"), m.set("LB", 3, "VISITNUM", 9.0)),
         "LB", "VISITNUM", (4,), "unscheduled visit 9 / EXTRA"),
    Case("epoch", "SD0034", lambda m: m.set("AE", 0, "EPOCH", "FOLLOW-UP"), "AE", "EPOCH", (1,),
         "not an epoch of TA (SCREENING, TREATMENT)"),
    Case("epoch-study", "SD0034", lambda m: (m.frames.pop("TA"), m.set("AE", 0, "EPOCH", "FOLLOW-UP")), "AE",
         "EPOCH", (1,), "the study spec", study=True),
    Case("actarm", "SD0035", lambda m: m.set("DM", 1, "ACTARMCD", "C"), "DM", "ACTARMCD", (2,), "not an arm of TA"),
    Case("etcd", "SD0036", lambda m: m.set("SE", 1, "ETCD", "FU"), "SE", "ETCD", (2,), "not an element of TE"),
    Case("stresn", "SD0040", lambda m: m.set("LB", 0, "LBSTRESN", 41.0), "LB", "LBSTRESN", (1,),
         "LBSTRESN is 41 but LBSTRESC is '40'", usubjid=S1),
    Case("stresn-null", "SD0040", lambda m: m.set("LB", 4, "LBSTRESN", float("nan")), "LB", "LBSTRESN", (5,),
         "LBSTRESN is null"),
    Case("stresn-text", "SD0041", lambda m: m.set("LB", 2, "LBSTRESN", 5.0), "LB", "LBSTRESN", (3,), "'<5' is not a number"),
    Case("stresu", "SD0042", lambda m: m.set("LB", 0, "LBSTRESU", ""), "LB", "LBSTRESU", (1,), "for LBTESTCD 'ALT'",
         value="ALT"),
    Case("no-stresu-var", "SD0042", lambda m: m.drop_col("LB", "LBSTRESU"), "LB", "LBSTRESU", (1, 2, 5),
         "LBSTRESU is not in LB"),
    Case("orres-not-done", "SD0043", lambda m: m.set("LB", 3, "LBORRES", "12"), "LB", "LBORRES", (4,)),
    Case("reasnd", "SD0044", lambda m: m.set("LB", 3, "LBREASND", ""), "LB", "LBREASND", (4,)),
    Case("no-reasnd-var", "SD0044", lambda m: m.drop_col("LB", "LBREASND"), "LB", "LBREASND", (4,),
         "LBREASND is not in LB"),
    Case("testcd-long", "SD0045", lambda m: m.set("LB", 2, "LBTESTCD", "CRPHIGHSENS"), "LB", "LBTESTCD", (3,)),
    Case("testcd-digit", "SD0045", lambda m: m.set("LB", 2, "LBTESTCD", "1CRP"), "LB", "LBTESTCD", (3,)),
    Case("qnam", "SD0045", lambda m: m.set("SUPPAE", 0, "QNAM", "AE-INFR"), "SUPPAE", "QNAM", (1,)),
    Case("test-41", "SD0046", lambda m: m.set("LB", 2, "LBTEST", "C" * 41), "LB", "LBTEST", (3,), "41 characters"),
    Case("tsparm-41", "SD0046", lambda m: m.set("TS", 0, "TSPARM", "P" * 41), "TS", "TSPARM", (1,)),
    Case("two-baselines", "SD0047", lambda m: m.set("LB", 1, "LBLOBXFL", "Y"), "LB", "LBLOBXFL", (1, 2),
         "2 records have LBLOBXFL = 'Y' for subject MINI01-001, test ALT (CHEMISTRY)", usubjid=S1, value="ALT"),
    Case("flag-n", "SD0047", lambda m: m.set("LB", 1, "LBLOBXFL", "N"), "LB", "LBLOBXFL", (2,), "'Y' or null"),
    Case("test-2-names", "SD0048", lambda m: m.set("LB", 1, "LBTEST", "ALT test"), "LB", "LBTESTCD", (1, 2)),
    Case("testcd-2-codes", "SD0048", lambda m: m.set("LB", 2, "LBTEST", "Alanine Aminotransferase"), "LB", "LBTEST",
         (1, 3)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.id}" for c in CASES])
def test_rule_reports_the_broken_value(mini, case):
    check_case(mini, case)


def test_without_tv_or_study_the_schedule_checks_do_not_run(mini):
    mini.frames.pop("TV")
    mini.set("SV", 1, "VISIT", "BASELINE")
    assert mini.findings("SD0032") == []


def test_unscheduled_by_name_is_found_without_a_schedule(mini):
    mini.frames.pop("TV")
    mini.set("SV", 3, "VISITNUM", 4.0)
    [f] = mini.findings("SD0033")
    assert (f.dataset, f.records) == ("SV", (4,))


def test_special_arm_codes_of_older_sdtmig_pass(mini):
    mini.set("DM", 2, "ARMCD", "Scrnfail")
    mini.set("DM", 2, "ARM", "Screen Failure")
    assert mini.findings("SD0035") == [] and mini.findings("SD0052") == []


def test_units_are_not_required_for_questionnaire_scores(mini):
    qs = mini.frames["LB"].rename(columns=lambda c: "QS" + c[2:] if c.startswith("LB") else c).assign(DOMAIN="QS")
    qs["QSSTRESU"] = ""
    mini.frames["QS"] = qs
    assert mini.findings("SD0042") == []


def test_baseline_flags_in_different_categories_are_separate(mini):
    mini.set("LB", 1, "LBLOBXFL", "Y")
    mini.set("LB", 1, "LBCAT", "HEMATOLOGY")
    assert mini.findings("SD0047") == []
