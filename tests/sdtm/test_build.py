"""SDTM built from the embedded study through ingest: structure, conformance to the specs,
key derivations on real pipeline inputs, and byte-identical reruns."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from analysis.raw.ingest import ingest
from analysis.sdtm.build import build_sdtm
from analysis.sdtm.metadata import load_sdtm_specs
from analysis.specs import load_study
from analysis.xpt import read_xpt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory):
    study = load_study(ROOT / "specs" / "study.yaml")
    tables = tmp_path_factory.mktemp("tables")
    ingest(ROOT / "data" / "raw", study, tables)
    out = tmp_path_factory.mktemp("sdtm")
    domains = build_sdtm(tables, study, out, keep=True)
    return study, tables, out, domains


def test_every_spec_dataset_is_written_and_reads_back(sdtm):
    study, _, out, domains = sdtm
    specs = load_sdtm_specs(ROOT / "specs" / "sdtm")
    assert set(domains) == set(specs)
    for name, spec in specs.items():
        back = read_xpt(out / f"{name.lower()}.xpt")
        assert list(back.columns) == spec.names, name
        assert len(back) == len(domains[name]), name
        assert all(len(c) <= 8 for c in back.columns)


def test_dm_has_every_screened_subject_with_arms_and_reference_dates(sdtm):
    study, tables, _, d = sdtm
    dm = d["DM"]
    enr = pd.read_parquet(tables / "enrolment.parquet")
    assert len(dm) == len(enr) and dm["USUBJID"].is_unique
    treated = dm[dm["ARMNRS"] == ""]
    assert treated["ARMCD"].value_counts().to_dict() == {"UCMSC1": 6, "UCMSC2": 6, "UCMSC4": 6}
    sf = dm[dm["ARMNRS"] == "SCREEN FAILURE"]
    assert len(sf) == (enr["ENROLLED"] == "N").sum() and (sf["ARMCD"] == "").all() and (sf["RFSTDTC"] == "").all()
    assert (treated["RFSTDTC"] == treated["RFXSTDTC"]).all()
    assert (treated["RFXSTDTC"].str.len() == 16).all()  # date and time of the first infusion
    assert dm["BRTHDTC"].str.fullmatch(r"\d{4}").all()  # de-identified: year only
    assert set(dm.loc[dm["DTHFL"] == "Y", "USUBJID"]) == set(d["DD"]["USUBJID"])


def test_study_days_and_epochs_are_consistent(sdtm):
    _, _, _, d = sdtm
    ex = d["EX"]
    first = ex[ex["EXSEQ"] == 1]
    assert (first["EXSTDY"] == 1).all() and (first["EPOCH"] == "TREATMENT").all()
    assert 0 not in set(d["LB"]["LBDY"].dropna())
    sv = d["SV"]
    assert set(sv.loc[sv["VISIT"] == "SCREENING", "EPOCH"]) <= {"SCREENING"}
    assert set(sv.loc[sv["VISIT"] == "WEEK 56", "EPOCH"]) <= {"FOLLOW-UP"}
    uns = sv[sv["VISIT"].str.startswith("UNSCHEDULED")]
    assert len(uns) > 0 and (uns["VISITNUM"] % 1 > 0).all()
    assert not sv.duplicated(["USUBJID", "VISITNUM"]).any()


def test_lab_units_are_standardised_and_lloq_text_kept(sdtm):
    study, _, _, d = sdtm
    lb = d["LB"]
    bili = lb[(lb["LBTESTCD"] == "BILI") & (lb["LBORRESU"] == "mg/dL")]
    assert len(bili) > 0
    assert (bili["LBSTRESU"] == "umol/L").all()
    ratio = bili["LBSTRESN"] / pd.to_numeric(bili["LBORRES"])
    assert ratio.round(6).eq(17.1).all()
    below = lb[lb["LBORRES"].str.startswith("<")]
    assert len(below) > 0 and below["LBSTRESN"].isna().all() and below["LBLLOQ"].notna().all()
    hbv = lb[lb["LBTESTCD"] == "HBVDNA"]
    assert (hbv["NHOID"] == "Hepatitis B Virus").all()
    assert "TARGET NOT DETECTED" in set(hbv["LBSTRESC"])
    # one baseline record per subject and test for every treated subject
    treated = d["DM"].loc[d["DM"]["RFXSTDTC"] != "", "USUBJID"]
    base = lb[(lb["LBLOBXFL"] == "Y")]
    assert not base.duplicated(["USUBJID", "LBTESTCD"]).any()
    assert set(base["USUBJID"]) == set(treated)


def test_every_raw_ae_and_infusion_is_represented(sdtm):
    _, tables, _, d = sdtm
    raw_ae = pd.read_parquet(tables / "adverse_events.parquet")
    assert len(d["AE"]) == len(raw_ae)
    assert len(d["SUPPAE"][d["SUPPAE"]["QNAM"] == "AEDLT"]) == len(raw_ae)
    raw_inf = pd.read_parquet(tables / "infusions.parquet")
    assert len(d["EC"]) == len(raw_inf)
    assert len(d["EX"]) == (raw_inf["INFDONE"] == "Y").sum()


def test_rerun_is_byte_identical(sdtm, tmp_path):
    study, tables, out, _ = sdtm
    build_sdtm(tables, study, tmp_path)
    names = sorted(p.name for p in out.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(out, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []


def test_every_raw_record_is_tabulated_or_has_a_declared_reason(sdtm):
    study, tables, out, _ = sdtm
    summary = pd.read_csv(out / "reconciliation.csv", keep_default_na=False)
    missing = pd.read_csv(out / "not_tabulated.csv", keep_default_na=False)
    assert set(summary["FORM"]) == set(study.forms)
    assert "no reason declared" not in set(missing["REASON"])
    for form in study.forms:
        n = len(pd.read_parquet(tables / f"{form}.parquet"))
        row = summary[(summary["FORM"] == form) & (summary["DOMAIN"] == "(all)")]
        assert int(row["RAW_RECORDS"].iloc[0]) == n
        assert int(row["TABULATED"].iloc[0]) + (missing["FORM"] == form).sum() == n


def test_a_record_no_domain_uses_is_reported_without_reason():
    from analysis.sdtm.trace import sdtm_reconciliation

    raw = {"visits": pd.DataFrame({"RAWROW": [1, 2, 3], "SUBJID": ["a", "a", "b"]})}
    domains = {"SV": pd.DataFrame({"_SRC_FORM": ["visits", "visits"], "_SRC_ROW": [1, 3]})}
    summary, missing = sdtm_reconciliation(raw, domains, reasons={})
    assert missing.to_dict("records") == [{"FORM": "visits", "RAWROW": 2, "SUBJID": "a", "REASON": "no reason declared"}]
    assert summary.loc[summary["DOMAIN"] == "SV", "RAW_RECORDS"].tolist() == [2]


def test_relrec_links_each_liver_event_to_its_adverse_event(sdtm):
    _, tables, _, d = sdtm
    rel, ce, ae = d["RELREC"], d["CE"], d["AE"]
    assert len(ce) == len(pd.read_parquet(tables / "liver_events.parquet"))
    pairs = rel.pivot(index="RELID", columns="RDOMAIN", values=["USUBJID", "IDVARVAL"])
    assert len(pairs) == len(ce)
    for _, p in pairs.iterrows():
        assert p[("USUBJID", "AE")] == p[("USUBJID", "CE")]
        c = ce[(ce["USUBJID"] == p[("USUBJID", "CE")]) & (ce["CESEQ"] == float(p[("IDVARVAL", "CE")]))].iloc[0]
        a = ae[(ae["USUBJID"] == p[("USUBJID", "AE")]) & (ae["AESEQ"] == float(p[("IDVARVAL", "AE")]))].iloc[0]
        assert c["CESTDTC"].startswith(a["AESTDTC"][:7])


def test_bad_cutoff_and_missing_tables_are_one_line_errors(tmp_path, capsys):
    from analysis.cli import main

    study = str(ROOT / "specs" / "study.yaml")
    assert main(["sdtm", "--raw-tables", str(tmp_path), "--out", str(tmp_path / "o"), "--study", study,
                 "--cutoff", "notadate"]) == 2
    assert capsys.readouterr().err == "ERROR cutoff 'notadate' is not a date YYYY-MM-DD\n"
    assert main(["sdtm", "--raw-tables", str(tmp_path), "--out", str(tmp_path / "o"), "--study", study]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ERROR ") and "validated table missing" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
