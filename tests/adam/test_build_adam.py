"""`analysis adam` on the embedded study: every spec dataset written, conformance-clean,
byte-identical on rerun, consistent across datasets, and the cutoff censors time to event."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.adam.build import build_adam
from analysis.adam.metadata import load_adam_specs
from analysis.cli import main as analysis_main
from analysis.errors import UserError
from analysis.specs import load_study

ROOT = Path(__file__).resolve().parents[2]
STUDY = load_study(ROOT / "specs" / "study.yaml")
SPECS = ROOT / "specs" / "adam"
SAS_EPOCH = pd.Timestamp("1960-01-01")


@pytest.fixture(scope="module")
def adam(embedded_sdtm_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("adam")
    return out, build_adam(embedded_sdtm_dir, STUDY, out, keep=True)


def test_every_spec_dataset_is_written(adam):
    out, ds = adam
    assert set(ds) == set(load_adam_specs(SPECS))
    assert sorted(p.name for p in out.glob("*.xpt")) == sorted(f"{n.lower()}.xpt" for n in ds)
    assert not list(out.glob(".adam-*"))                    # no temporary folder left behind


def test_conformance_checker_finds_no_errors(adam, tmp_path):
    out, _ = adam
    code = analysis_main(["validate", str(out), "--standard", "adam", "--specs", str(SPECS),
                          "--study", str(ROOT / "specs" / "study.yaml"), "--report", str(tmp_path)])
    assert code == 0
    report = pd.read_csv(tmp_path / "adam_conformance.csv", keep_default_na=False)
    assert "ERROR" not in set(report["severity"])


def test_define_xml_is_schema_valid(adam, tmp_path):
    out, _ = adam
    define = tmp_path / "define.xml"
    assert analysis_main(["define", "--adam", str(out), "--specs", str(SPECS), "--out", str(define),
                          "--date", "2025-12-31"]) == 0
    text = define.read_text()
    assert 'def:StandardOID' in text and "ADaMIG" in text and "ADTTE" in text


def test_rerun_is_byte_identical(adam, embedded_sdtm_dir, tmp_path):
    out, _ = adam
    build_adam(embedded_sdtm_dir, STUDY, tmp_path)
    for f in out.glob("*.xpt"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_adsl_one_record_per_dm_subject_and_populations(adam, embedded_sdtm_dir):
    _, ds = adam
    adsl = ds["ADSL"]
    assert adsl["USUBJID"].is_unique
    screen_failures = adsl[adsl["ARMCD"] == ""]
    assert (screen_failures[["ENRLFL", "SAFFL", "DLTEVLFL"]] == "N").all().all()
    dosed = adsl[adsl["SAFFL"] == "Y"]
    assert len(dosed) == 18 and (dosed["NINF"] >= 1).all() and dosed["TRTSDT"].notna().all()
    # baseline covariates are present for the dosed subjects and in range
    assert dosed["MELDBL"].between(6, 40).all()
    assert dosed["CPCLSBL"].isin(["A", "B", "C"]).all()
    assert dosed["CPSBL"].between(5, 15).all()
    # last known alive is never before the first infusion, and equals the death date if dead
    assert (dosed["LSTALVDT"] >= dosed["TRTSDT"]).all()
    dead = adsl[adsl["DTHFL"] == "Y"]
    assert (dead["LSTALVDT"] == dead["DTHDT"]).all()


def test_adsl_dlt_agrees_with_adae_and_addlt(adam):
    _, ds = adam
    adsl, adae, addlt = ds["ADSL"], ds["ADAE"], ds["ADDLT"]
    with_dlt = set(adae.loc[adae["ADLTFL"] == "Y", "USUBJID"])
    assert set(adsl.loc[adsl["DLTFL"] == "Y", "USUBJID"]) == with_dlt
    assert (adae.loc[adae["ADLTFL"] == "Y", "ASTDY"].between(1, 28)).all()
    assert set(addlt["USUBJID"]) == set(adsl.loc[adsl["SAFFL"] == "Y", "USUBJID"])
    assert addlt.set_index("USUBJID")["NDLT"].gt(0).eq(addlt.set_index("USUBJID")["DLTFL"] == "Y").all()


def test_teae_flag_matches_onset_window(adam):
    _, ds = adam
    adae = ds["ADAE"]
    emergent = adae["ASTDY"].between(1, STUDY.data["teae_window"]["end_day"])
    assert (adae["TRTEMFL"] == np.where(emergent, "Y", "")).all()
    # one AOCCFL per subject with a TEAE
    teae_subjects = adae.loc[adae["TRTEMFL"] == "Y", "USUBJID"].nunique()
    assert (adae["AOCCFL"] == "Y").sum() == teae_subjects


def test_bds_baseline_and_change(adam):
    _, ds = adam
    for name in ("ADLB", "ADRS", "ADCYT"):
        bds = ds[name]
        base = bds[bds["ABLFL"] == "Y"]
        assert not base.duplicated(["USUBJID", "PARAMCD"]).any(), name
        # every baseline is on or before the first infusion day
        assert (base["ADT"] <= base["TRTSDT"]).all(), name
        post = bds[bds["CHG"].notna()]
        assert np.allclose(post["CHG"], post["AVAL"] - post["BASE"]), name


def test_tte_endpoints_and_cutoff(embedded_sdtm_dir, tmp_path):
    cutoff = "2024-12-31"
    ds = build_adam(embedded_sdtm_dir, STUDY, tmp_path, cutoff=cutoff, keep=True)
    adtte = ds["ADTTE"]
    assert set(adtte["PARAMCD"]) == {"OS", "TFS", "TTLTX", "TTHCC", "TTHEPFL", "TTDECOMP"}
    cut_day = (pd.Timestamp(cutoff) - SAS_EPOCH).days
    assert (adtte["ADT"] <= cut_day).all()                   # nothing after the cutoff
    assert (adtte["AVAL"] == adtte["ADT"] - adtte["STARTDT"] + 1).all()
    assert set(adtte["CNSR"]) <= {0.0, 1.0}
    os_ = adtte[adtte["PARAMCD"] == "OS"].set_index("USUBJID")
    adsl = ds["ADSL"].set_index("USUBJID")
    for subj, r in os_.iterrows():
        dth = adsl.loc[subj, "DTHDT"]
        if not np.isnan(dth) and dth <= cut_day:
            assert r["CNSR"] == 0 and r["ADT"] == dth
        else:
            assert r["CNSR"] == 1


def test_bad_cutoff_and_missing_sdtm_are_user_errors(embedded_sdtm_dir, tmp_path):
    with pytest.raises(UserError, match="not a date"):
        build_adam(embedded_sdtm_dir, STUDY, tmp_path, cutoff="31/12/2024")
    with pytest.raises(UserError, match="dm.xpt: SDTM dataset missing"):
        build_adam(tmp_path, STUDY, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_test_code_without_a_parameter_is_a_one_line_error(embedded_sdtm_dir, tmp_path, capsys):
    # a real export may carry a lab test the ADaM specs do not define yet: the user adds it
    specs = tmp_path / "specs"
    import shutil
    shutil.copytree(SPECS, specs)
    params = (specs / "params" / "ADLB.csv").read_text().splitlines()
    (specs / "params" / "ADLB.csv").write_text("\n".join(l for l in params if not l.startswith("ADLB,PLAT,")) + "\n")
    code = analysis_main(["adam", "--sdtm", str(embedded_sdtm_dir), "--specs", str(specs), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"ERROR {specs / 'params' / 'ADLB.csv'}: no parameter for PARAMCD ['PLAT']")
    assert "e.g. LB record LBSEQ" in err[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.xpt"))
