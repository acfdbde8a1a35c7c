"""An early data cut (2024-09-30) of the embedded study against the full build (no cutoff).

Why 2024-09-30: 3 subjects consent after it (01-006, 03-003 are enrolled later; 01-005 consented
before it but was enrolled after it), 01-003 dies after it (2024-12-12), 03-002 has a transplant
after it (2025-02-22) while 01-002's (2024-08-18) is before it, 4 AEs started before it and end
after it (one with a partial end 2024-10-UK), 01-004 and 02-011 had only their first infusion by
then, 02-011's third infusion (not given) and 01-004's missed Day 2 visit were not yet due.
Expected values are worked out by hand from data/raw/*.csv (see the comments), not by the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cutoff_build import as_date, build_cut, earliest, raw_csv, read

CUT = "2024-09-30"
CUT_TS = pd.Timestamp(CUT)


@pytest.fixture(scope="module")
def cut(tmp_path_factory):
    return build_cut(tmp_path_factory.mktemp("cut-2024-09-30"), CUT)


@pytest.fixture(scope="module")
def cut_log(cut):
    return pd.read_csv(cut / "raw" / "cut_log.csv", dtype=str, keep_default_na=False)


def test_an_early_cut_has_fewer_subjects_and_events(cut, embedded_sdtm_dir, embedded_adam_dir):
    enrol = raw_csv("enrolment")
    in_cut = set(enrol.loc[enrol["CONSDAT"] <= CUT, "SUBJID"])
    assert len(in_cut) == 20 and len(enrol) == 22
    assert set(read(cut / "sdtm", "DM")["SUBJID"]) == in_cut
    assert set(read(embedded_sdtm_dir, "DM")["SUBJID"]) == set(enrol["SUBJID"])
    assert len(read(cut / "adam", "ADSL")) == 20 < len(read(embedded_adam_dir, "ADSL")) == 22
    ae = raw_csv("adverse_events")
    kept = ae[ae["SUBJID"].isin(in_cut) & (earliest(ae["AESTDAT"]) <= CUT_TS)]
    assert len(kept) == 21 and len(ae) == 70
    assert len(read(cut / "sdtm", "AE")) == 21
    assert len(read(cut / "adam", "ADAE")) == 21 < len(read(embedded_adam_dir, "ADAE")) == 70
    adsl = read(cut / "adam", "ADSL")
    assert (adsl["SAFFL"] == "Y").sum() == 14  # infused by 2024-09-30 (01-004 on the cut day itself)
    assert (read(embedded_adam_dir, "ADSL")["SAFFL"] == "Y").sum() == 18


def test_no_date_after_the_cut_anywhere(cut):
    late = []
    for xpt in sorted((cut / "sdtm").glob("*.xpt")):
        df = read(cut / "sdtm", xpt.stem)
        for col in [c for c in df.columns if c.endswith("DTC")]:
            text = df[col].astype(str).str[:10]
            if ((text != "") & (text > CUT)).any():
                late.append(f"{xpt.stem}.{col}")
    for xpt in sorted((cut / "adam").glob("*.xpt")):
        df = read(cut / "adam", xpt.stem)
        for col in [c for c in df.columns if c.endswith(("DT", "DTM"))]:
            if (as_date(df[col], seconds=col.endswith("DTM")).dt.normalize() > CUT_TS).any():
                late.append(f"{xpt.stem}.{col}")
    # The only exception: ADDLT's DLT window end is a planned date (TRTSDT + 27), not an observation;
    # the two subjects whose window runs past the cut are not DLT-evaluable at the cut.
    assert late == ["addlt.DLTWENDT"]
    addlt = read(cut / "adam", "ADDLT")
    beyond = addlt[as_date(addlt["DLTWENDT"]) > CUT_TS]
    assert sorted(beyond["SUBJID"]) == ["01-004", "02-011"]
    assert set(beyond["DLTEVLFL"]) == {"N"}


def test_time_to_event_is_censored_at_or_before_the_cut(cut, embedded_adam_dir):
    tte = read(cut / "adam", "ADTTE")
    adt = as_date(tte["ADT"])
    assert (adt <= CUT_TS).all()
    os_ = tte[tte["PARAMCD"] == "OS"].set_index("SUBJID")
    assert os_["CNSR"].eq(1).all()  # the only death (01-003, 2024-12-12) is after the cut
    # 01-003 was on study at the cut: censored at the last date known alive on or before it
    # (domain reference 8: ADSL.LSTALVDT), 2024-09-27, the latest raw date of 01-003 up to the cut.
    lstalvdt = read(cut / "adam", "ADSL").set_index("SUBJID")["LSTALVDT"]
    assert as_date(os_.loc[["01-003"], "ADT"]).iloc[0] == as_date(lstalvdt[["01-003"]]).iloc[0] \
        == pd.Timestamp("2024-09-27")
    full = read(embedded_adam_dir, "ADTTE")
    full_os = full[full["PARAMCD"] == "OS"].set_index("SUBJID")
    assert full_os.loc["01-003", "CNSR"] == 0
    ltx = tte[tte["PARAMCD"] == "TTLTX"].set_index("SUBJID")["CNSR"]
    assert ltx["01-002"] == 0 and ltx["03-002"] == 1  # transplants 2024-08-18 (kept), 2025-02-22 (cut)
    # consistent censoring: one record per dosed subject and parameter, events only on or before the cut
    assert not tte.duplicated(["USUBJID", "PARAMCD"]).any()
    assert (adt[tte["CNSR"] == 0] <= CUT_TS).all()


def test_a_death_after_the_cut_is_alive_at_the_cut(cut):
    dm = read(cut / "sdtm", "DM").set_index("SUBJID")
    adsl = read(cut / "adam", "ADSL").set_index("SUBJID")
    assert dm.loc["01-003", "DTHFL"] == "" and dm.loc["01-003", "DTHDTC"] == ""
    assert adsl.loc["01-003", "DTHFL"] == "" and adsl.loc["01-003", "EOSSTT"] == "ONGOING"
    assert as_date(adsl["LSTALVDT"]).max() <= CUT_TS
    assert len(read(cut / "sdtm", "DD")) == 0


def test_events_ongoing_at_the_cut_have_no_end(cut):
    ae = read(cut / "sdtm", "AE")
    # hand: started on or before 2024-09-30, end date's earliest day after it (raw rows 10, 38, 39, 61)
    raw = raw_csv("adverse_events")
    raw = raw[(earliest(raw["AESTDAT"]) <= CUT_TS) & (earliest(raw["AEENDAT"]) > CUT_TS)]
    assert [(s, int(n)) for s, n in zip(raw["SUBJID"], raw["AESPID"])] == [
        ("01-003", 2), ("02-004", 3), ("02-004", 4), ("03-001", 2)]
    keys = pd.DataFrame({"USUBJID": "NCT05948982-" + raw["SUBJID"], "AESPID": raw["AESPID"]})
    ongoing = ae.merge(keys, on=["USUBJID", "AESPID"])
    assert len(ongoing) == 4
    assert (ongoing["AEENDTC"] == "").all()
    assert set(ongoing["AEOUT"]) == {"NOT RECOVERED/NOT RESOLVED"}
    adae = read(cut / "adam", "ADAE")
    assert adae.merge(ongoing[["USUBJID", "AESEQ"]])["AENDT"].isna().all()
    assert (ae["AEENDTC"].str[:10].replace("", "0") <= CUT).all()


def test_exposure_is_truncated_at_the_cut(cut, embedded_adam_dir):
    def ninf(folder):
        ex = read(folder, "ADEX")
        return ex[ex["PARAMCD"] == "NINF"].set_index("SUBJID")["AVAL"]
    c, f = ninf(cut / "adam"), ninf(embedded_adam_dir)
    assert (c["01-004"], f["01-004"]) == (1, 3)   # infusions 2024-09-30 | 10-28, 11-25
    assert (c["02-011"], f["02-011"]) == (1, 2)   # 2024-09-25 | 10-23; the third not given
    assert c["01-001"] == f["01-001"] == 3
    inf = raw_csv("infusions")
    given = inf[(inf["INFDONE"] == "Y") & (inf["INFDAT"] <= CUT)]
    assert c.sum() == len(given) == 36 and f.sum() == 51  # hand: 52 records, 51 given
    adsl = read(cut / "adam", "ADSL").set_index("SUBJID")
    assert as_date(adsl["TRTEDT"]).max() <= CUT_TS
    assert adsl.loc["01-004", "NINF"] == 1
    ex = read(cut / "sdtm", "EX")
    assert (ex["EXSTDTC"].str[:10] <= CUT).all()
    # RDI counts only the infusions due by the cut: 01-004's one infusion was its one due
    rdi = read(cut / "adam", "ADEX").query("PARAMCD == 'RDI'").set_index("SUBJID")["AVAL"]
    assert rdi["01-004"] == pytest.approx(100 * 4.12 / 4)


def test_subject_enrolled_after_the_cut_is_still_in_screening(cut):
    dm = read(cut / "sdtm", "DM").set_index("SUBJID")
    assert dm.loc["01-005", "ARMCD"] == "" and dm.loc["01-005", "ARMNRS"] == "NOT ASSIGNED"
    assert dm.loc["02-012", "ARMNRS"] == "ASSIGNED, NOT TREATED"  # enrolled on the cut day, infused after
    assert read(cut / "adam", "ADSL").set_index("SUBJID").loc["01-005", "ENRLFL"] == "N"
    se = read(cut / "sdtm", "SE")
    assert (se["SEENDTC"].str[:10] <= CUT).all()
    open_ = se[se["SEENDTC"] == ""].set_index("USUBJID")["ETCD"]
    assert open_["NCT05948982-02-008"] == "INF3"  # infused 2024-09-05: its cycle ends after the cut
    assert open_["NCT05948982-01-003"] == "FU"


def test_the_cut_log_lists_every_removed_and_changed_record(cut, cut_log):
    assert list(cut_log.columns) == ["FORM", "FILE", "ROW", "SUBJID", "DATE_COLUMN", "DATE_VALUE", "ACTION",
                                     "REASON", "CHANGED", "OLD", "NEW"]
    assert cut_log[["FORM", "ROW"]].astype({"ROW": int}).apply(tuple, axis=1).is_monotonic_increasing
    recon = pd.read_csv(cut / "raw" / "reconciliation.csv", dtype=str, keep_default_na=False)
    recon = recon[(recon["FORM"] != "TOTAL") & recon["STATUS"].isin(["set aside", "changed"])]
    recon = recon.assign(RECORDS=recon["RECORDS"].astype(int))
    recon = recon[recon["RECORDS"] > 0].set_index(["FORM", "REASON"])["RECORDS"].sort_index()
    logged = cut_log.groupby(["FORM", "REASON"]).size().sort_index()
    assert logged.to_dict() == recon.to_dict()
    for form, rows in cut_log.groupby("FORM"):
        table = pd.read_parquet(cut / "raw" / f"{form}.parquet")
        removed = rows.loc[rows["ACTION"] == "removed", "ROW"].astype(int)
        changed = rows.loc[rows["ACTION"] == "changed", "ROW"].astype(int)
        assert not set(removed) & set(table["RAWROW"]), form
        assert set(changed) <= set(table["RAWROW"]), form
    death = cut_log[cut_log["FORM"] == "death"].iloc[0]
    assert (death["SUBJID"], death["DATE_VALUE"], death["ACTION"], death["REASON"]) == (
        "01-003", "2024-12-12", "removed", "after data cutoff")
    due = cut_log[cut_log["REASON"] == "not yet due at data cutoff"]
    assert due[["FORM", "ROW", "SUBJID", "DATE_VALUE"]].values.tolist() == [
        ["infusions", "40", "02-011", "2024-11-20"],  # infusion 3 (not given): Day 57 = 2024-09-25 + 56
        ["visits", "50", "01-003", "2024-11-23"],     # missed Week 20: Day 141 = 2024-07-06 + 140
        ["visits", "54", "01-004", "2024-10-01"],     # missed Day 2 of a 2024-09-30 Day 1
        ["visits", "64", "01-004", "2024-11-26"],     # missed Day 58: infusion 3 not given by the cut -> Day 1 + 57
        ["visits", "88", "01-005", ""]]               # missed Week 20 of a subject not infused by the cut
    ae = cut_log[(cut_log["FORM"] == "adverse_events") & (cut_log["ACTION"] == "changed")]
    assert ae[["ROW", "OLD", "NEW"]].values.tolist()[1] == [
        "38", "2024-10-UK|N|RECOVERED/RESOLVED", "|Y|NOT RECOVERED/NOT RESOLVED"]
    late = cut_log[cut_log["REASON"] == "subject consented after data cutoff"]
    assert set(late["SUBJID"]) == {"01-006", "03-003"} and set(late["DATE_COLUMN"]) == {"CONSDAT"}


def test_without_a_cutoff_nothing_is_cut(tmp_path):
    from analysis.raw.ingest import ingest
    from analysis.specs import load_study
    from cutoff_build import RAW, ROOT

    ingest(RAW, load_study(ROOT / "specs" / "study.yaml"), tmp_path / "raw")
    log = (tmp_path / "raw" / "cut_log.csv").read_text()
    assert log == "FORM,FILE,ROW,SUBJID,DATE_COLUMN,DATE_VALUE,ACTION,REASON,CHANGED,OLD,NEW\n"
    recon = pd.read_csv(tmp_path / "raw" / "reconciliation.csv", keep_default_na=False)
    assert recon.query("STATUS in ['set aside', 'changed']")["RECORDS"].sum() == 0
    read_n = recon.query("FORM == 'TOTAL' and STATUS == 'read'")["RECORDS"].item()
    assert recon.query("FORM == 'TOTAL' and STATUS == 'passed on'")["RECORDS"].item() == read_n == 11039
