"""Rules on DM, AE, SUPP--/RELREC, TS and keys (rules_subjects), and on our specs and study
spec (rules_spec)."""

from __future__ import annotations

import pytest

from mini_package import S1, S2, Case, check_case

CASES = [
    Case("arm-null", "SD0050", lambda m: m.set("DM", 0, "ARM", ""), "DM", "ARM", (1,), "both or neither"),
    Case("actarm-only", "SD0050", lambda m: m.set("DM", 2, "ACTARM", "Drug A"), "DM", "ACTARM", (3,)),
    Case("no-reason", "SD0051", lambda m: m.set("DM", 2, "ARMNRS", ""), "DM", "ARMNRS", (3,), "ARMNRS is null"),
    Case("needless-reason", "SD0051", lambda m: m.set("DM", 0, "ARMNRS", "SCREEN FAILURE"), "DM", "ARMNRS", (1,),
         "ARMNRS is populated"),
    Case("no-armnrs-var", "SD0051", lambda m: m.drop_col("DM", "ARMNRS"), "DM", "ARMNRS", (3,), "no ARMNRS"),
    Case("not-treated", "SD0051", lambda m: (m.set("DM", 1, "ACTARMCD", ""), m.set("DM", 1, "ACTARM", "")), "DM",
         "ARMNRS", (2,), "ARMCD or ACTARMCD is null"),
    Case("other-arm", "SD0052", lambda m: (m.set("DM", 1, "ACTARMCD", "A"), m.set("DM", 1, "ACTARM", "Drug A")), "DM",
         "ACTARMCD", (2,), "'A' differs from ARMCD 'B'", usubjid=S2),
    Case("no-flag", "SD0053", lambda m: m.set("DM", 1, "DTHFL", ""), "DM", "DTHFL", (2,), "DTHDTC is 2024-02-20"),
    Case("flag-n", "SD0053", lambda m: m.set("DM", 0, "DTHFL", "N"), "DM", "DTHFL", (1,), "'Y' or null"),
    Case("no-date", "SD0053", lambda m: m.set("DM", 1, "DTHDTC", ""), "DM", "DTHDTC", (2,), value="Y"),
    Case("no-ageu", "SD0054", lambda m: m.set("DM", 0, "AGEU", ""), "DM", "AGEU", (1,), value="50"),
    Case("negative-age", "SD0054", lambda m: m.set("DM", 0, "AGE", -1.0), "DM", "AGE", (1,)),
    Case("age-130", "SD0054", lambda m: m.set("DM", 1, "AGE", 130.0), "DM", "AGE", (2,)),
    Case("too-young", "SD0055", lambda m: m.set("DM", 0, "AGE", 17.0), "DM", "AGE", (1,), "outside 18 to 75 years (TS"),
    Case("too-old-study", "SD0055", lambda m: (m.drop_rows("TS", lambda d: d.TSPARMCD.isin(["AGEMIN", "AGEMAX"])),
                                               m.set("DM", 1, "AGE", 76.0)), "DM", "AGE", (2,), "(the study spec)",
         study=True),
    Case("serious-no-criterion", "SD0060", lambda m: (m.set("AE", 1, "AESDTH", "N"), m.set("AE", 1, "AESHOSP", "N")),
         "AE", "AESER", (2,)),
    Case("criterion-not-serious", "SD0061", lambda m: m.set("AE", 0, "AESHOSP", "Y"), "AE", "AESER", (1,),
         "AESHOSP is 'Y' but AESER is 'N'"),
    Case("fatal-no-death", "SD0062", lambda m: m.set("AE", 1, "AESDTH", "N"), "AE", "AESDTH", (2,)),
    Case("fatal-no-var", "SD0062", lambda m: m.drop_col("AE", "AESDTH"), "AE", "AESDTH", (2,), value="FATAL"),
    Case("death-not-in-dm", "SD0063", lambda m: (m.set("DM", 1, "DTHFL", ""), m.set("DM", 1, "DTHDTC", "")), "AE",
         "AESDTH", (2,), usubjid=S2),
    Case("supp-orphan", "SD0070", lambda m: m.set("SUPPAE", 0, "IDVARVAL", "9"), "SUPPAE", "IDVARVAL", (1,),
         "no AE record of this subject has AESEQ = 9", usubjid=S1),
    Case("supp-no-parent", "SD0070", lambda m: m.frames.pop("AE"), "SUPPAE", "RDOMAIN", (1,),
         "parent dataset AE is not in the package"),
    Case("supp-bad-idvar", "SD0070", lambda m: m.set("SUPPAE", 0, "IDVAR", "AEGRPID"), "SUPPAE", "IDVAR", (1,)),
    Case("supp-subject", "SD0070", lambda m: (m.set("SUPPAE", 0, "IDVAR", ""), m.set("SUPPAE", 0, "IDVARVAL", ""),
                                              m.set("SUPPAE", 0, "USUBJID", "MINI01-003")), "SUPPAE", "USUBJID", (1,),
         "subject is not in AE"),
    Case("supp-seq-twice", "SD0070", lambda m: m.append_copy("AE", 0, AETERM="NAUSEA"), "SUPPAE", "IDVARVAL", (1,),
         "matches 2 AE records"),
    Case("relrec-orphan", "SD0071", lambda m: m.set("RELREC", 1, "IDVARVAL", "99"), "RELREC", "IDVARVAL", (2,)),
    Case("relrec-single", "SD0071", lambda m: m.drop_rows("RELREC", lambda d: d.RDOMAIN == "LB"), "RELREC", "RELID",
         (1,), "only this one record"),
    Case("ts-agemax", "SD0080", lambda m: m.drop_rows("TS", lambda d: d.TSPARMCD == "AGEMAX"), "TS", "TSPARMCD", (),
         "AGEMAX is missing", value="AGEMAX"),
    Case("ts-regid", "SD0080", lambda m: m.drop_rows("TS", lambda d: d.TSPARMCD == "REGID"), "TS", "TSPARMCD", (),
         value="REGID", study=True),
    Case("ts-sstdtc", "SD0081", lambda m: m.drop_rows("TS", lambda d: d.TSPARMCD == "SSTDTC"), "TS", "TSPARMCD", (),
         value="SSTDTC"),
    Case("tsval", "SD0082", lambda m: m.set("TS", 0, "TSVAL", ""), "TS", "TSVAL", (1,), value="AGEMAX"),
    Case("dup-ae", "SD0090", lambda m: m.append_copy("AE", 0, AESEQ=2.0), "AE", "USUBJID;AETERM;AEDECOD;AESTDTC",
         (1, 3), "2 records share USUBJID='MINI01-001', AETERM='HEADACHE'", usubjid=S1),
    Case("dup-sv", "SD0090", lambda m: m.append_copy("SV", 4), "SV", "USUBJID;VISITNUM", (5, 6)),
    Case("spec-dataset", "SD0100", lambda m: m.frames.pop("SE"), "SE", "", (), "no se.xpt", specs=True),
    Case("extra-dataset", "SD0101", lambda m: m.add("CM", m.frames["AE"].assign(DOMAIN="CM")), "CM",
         "", (), "not in the specs", specs=True),
    Case("spec-variable", "SD0102", lambda m: m.drop_col("AE", "AEOUT"), "AE", "AEOUT", (), "(Perm)", specs=True),
    Case("extra-variable", "SD0103", lambda m: m.frames["AE"].insert(5, "AEXTRA", "x"), "AE", "AEXTRA", (), specs=True),
    Case("type", "SD0104", lambda m: m.retype("DM", "AGE", str), "DM", "AGE",
         (), "is Char but the specs say Num", specs=True),
    Case("label", "SD0105", lambda m: m.label("AE", "AETERM", "Term"), "AE", "AETERM", (), "the specs say 'AETERM label'",
         specs=True),
    Case("ds-label", "SD0105", lambda m: m.label("AE", "", "AE"), "AE", "", (), "dataset label", specs=True),
    Case("req-null", "SD0106", lambda m: m.set("AE", 0, "AETERM", ""), "AE", "AETERM", (1,), "Req but null", specs=True),
    Case("codelist", "SD0107", lambda m: m.set("DM", 0, "SEX", "FEMALE"), "DM", "SEX", (1,), "not in codelist SEX",
         specs=True, study=True),
    Case("study-codelist", "SD0107", lambda m: m.set("DM", 1, "ACTARMCD", "C"), "DM", "ACTARMCD", (2,), "ARMCD",
         specs=True, study=True),
    Case("order", "SD0108", lambda m: m.reorder("AE", ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AEDECOD", "AETERM"]),
        "AE", "AEDECOD", (), "variable 5 is AEDECOD; the specs put AETERM there", specs=True),
    Case("sort", "SD0109", lambda m: m.add("AE", m.frames["AE"].iloc[::-1]), "AE",
         "STUDYID;USUBJID;AESEQ", (1,), "not sorted", specs=True),
    Case("key", "SD0110", lambda m: m.set("AE", 1, "USUBJID", S1), "AE", "STUDYID;USUBJID;AESEQ", (1, 2),
         value="MINI01 / MINI01-001 / 1", specs=True),
    Case("extensible", "SD0111", lambda m: m.set("LB", 0, "LBSTRESU", "IU/L"), "LB", "LBSTRESU", (1,),
         "not in extensible codelist UNIT", specs=True),
    Case("studyid", "SD0120", lambda m: m.set_col("TS", "STUDYID", "OTHER"), "TS", "STUDYID",
         tuple(range(1, 15)), "not the study's 'MINI01'", study=True),
    Case("tv-visitnum", "SD0121", lambda m: m.set("TV", 2, "VISITNUM", 4.0), "TV", "VISITNUM", (3,),
         "the study spec says 3", study=True),
    Case("tv-missing", "SD0121", lambda m: m.drop_rows("TV", lambda d: d.VISIT == "DAY 15"), "TV", "VISIT", (),
         value="DAY 15", study=True),
    Case("tv-extra", "SD0121", lambda m: m.append_copy("TV", 2, VISIT="DAY 29", VISITNUM=4.0, VISITDY=29.0), "TV",
         "VISIT", (4,), "not in the study spec", study=True),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.id}" for c in CASES])
def test_rule_reports_the_broken_value(mini, case):
    check_case(mini, case)


def test_screen_failures_outside_the_age_range_are_not_flagged(mini):
    assert mini.frames["DM"].loc[2, "AGE"] == 80 and mini.findings("SD0055") == []


def test_unscheduled_visits_named_by_their_own_visitnum_pass_the_visit_codelist(mini):
    assert mini.findings("SD0107", specs=True) == []
    mini.set("SV", 3, "VISITNUM", 3.02)  # 'UNSCHEDULED 3.01' no longer names its own visit
    [f] = mini.findings("SD0107", specs=True)
    assert (f.dataset, f.variable, f.value, f.records) == ("SV", "VISIT", "UNSCHEDULED 3.01", (4,))


def test_value_level_codelists_apply_where_their_condition_holds(mini):
    ct = mini.specs_dir().parent / "ct"
    (ct / "terms.csv").write_text((ct / "terms.csv").read_text() + "CHEMCAT,CHEMISTRY\nHEMCAT,HEMATOLOGY\n")
    (ct / "value_codelists.csv").write_text("dataset,variable,where_variable,where_value,codelist\n"
                                            "LB,LBCAT,LBTESTCD,ALT,CHEMCAT\nLB,LBCAT,LBTESTCD,CRP,HEMCAT\n")
    [f] = mini.findings("SD0107", specs=True, study=True)
    assert (f.dataset, f.variable, f.records, f.message) == (
        "LB", "LBCAT", (3,), "LBCAT 'CHEMISTRY' is not in codelist HEMCAT (1 record)")


def test_unknown_codelists_are_skipped_and_noted(mini):
    from analysis.validate.engine import build_package, validate_package
    from analysis.xpt import write_xpt

    folder = mini.tmp_path / "sdtm"
    folder.mkdir()
    dm = mini.frames["DM"]
    write_xpt(dm, folder / "dm.xpt", name="DM", label="Demographics", column_labels={c: f"{c} label" for c in dm})
    specs = mini.specs_dir()
    vars_csv = specs / "variables.csv"
    text = vars_csv.read_text()
    assert ",SEX,SEX label,Char,Perm,SEX," in text
    vars_csv.write_text(text.replace(",SEX,SEX label,Char,Perm,SEX,", ",SEX,SEX label,Char,Perm,NOSUCH,"))
    pkg = build_package(folder, specs_dir=specs)
    assert any("NOSUCH" in n for n in pkg.notes)
    assert validate_package(pkg, rules=["SD0107"]).findings == []


def test_planned_doses_not_given_at_different_visits_are_not_duplicates(mini):
    for visitnum in (2.0, 3.0):  # e.g. EC records with ECOCCUR = N: no dose, no dates
        mini.append_copy("EX", 2, EXSEQ=visitnum + 1, EXDOSE=float("nan"), EXSTDTC="", EXENDTC="",
                         EXSTDY=float("nan"), EXENDY=float("nan"), VISITNUM=visitnum + 10)
    assert mini.findings("SD0090") == []
