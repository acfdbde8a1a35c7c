"""Properties of the simulated raw export: determinism, conformance to the raw spec, schedule
adherence, clinical plausibility and the messiness a real export has."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.simulate import simulate
from analysis.specs import load_study
from analysis.xpt import read_xpt

ROOT = Path(__file__).resolve().parents[1]
STUDY_SPEC = ROOT / "specs" / "study.yaml"


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY_SPEC)


@pytest.fixture(scope="module")
def export(tmp_path_factory, study):
    """A 40-per-cohort study: large enough for rates and correlations to show."""
    out = tmp_path_factory.mktemp("sim40")
    simulate(out, seed=7, subjects_per_cohort=40, study_spec=STUDY_SPEC, progress=False)
    forms = {}
    for name, form in study.forms.items():
        path = out / form.file
        forms[name] = read_xpt(path).astype(str) if form.format == "xpt" else pd.read_csv(
            path, dtype=str, keep_default_na=False)
    return out, forms


def _std_value(study, lab: pd.DataFrame, test_col: str, result_col: str, unit_col: str) -> pd.Series:
    numeric = pd.to_numeric(lab[result_col], errors="coerce")
    factor = [study.lab_tests[t].units[u] for t, u in zip(lab[test_col], lab[unit_col])]
    return numeric * factor


def test_same_seed_gives_byte_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    simulate(a, seed=3, subjects_per_cohort=2, study_spec=STUDY_SPEC, progress=False)
    simulate(b, seed=3, subjects_per_cohort=2, study_spec=STUDY_SPEC, progress=False)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []


def test_other_seed_gives_other_data(tmp_path):
    simulate(tmp_path / "a", seed=3, subjects_per_cohort=2, study_spec=STUDY_SPEC, progress=False)
    simulate(tmp_path / "b", seed=4, subjects_per_cohort=2, study_spec=STUDY_SPEC, progress=False)
    assert (tmp_path / "a" / "local_lab.csv").read_bytes() != (tmp_path / "b" / "local_lab.csv").read_bytes()


def test_embedded_study_is_the_simulators_output(tmp_path):
    """data/raw must be exactly `analysis simulate --seed 26 --subjects-per-cohort 6`."""
    simulate(tmp_path, seed=26, subjects_per_cohort=6, study_spec=STUDY_SPEC, progress=False)
    embedded = ROOT / "data" / "raw"
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(p.name for p in embedded.iterdir() if p.name != "README.md")
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, embedded, files, shallow=False)
    assert mismatch == [] and errors == []


def test_every_form_has_exactly_the_spec_columns(export, study):
    _, forms = export
    for name, form in study.forms.items():
        assert list(forms[name].columns) == form.column_names, name


def test_one_form_is_sas_transport(export, study):
    out, _ = export
    xpt_forms = [f for f in study.forms.values() if f.format == "xpt"]
    assert xpt_forms
    df = read_xpt(out / xpt_forms[0].file)
    assert df["RESULT"].dtype == float and len(df) > 0


def test_enrolment_counts_and_screen_failures(export, study):
    _, f = export
    enr = f["enrolment"]
    enrolled = enr[enr["ENROLLED"] == "Y"]
    assert enrolled["COHORT"].value_counts().to_dict() == {"1": 40, "2": 40, "3": 40}
    sf = enr[enr["ENROLLED"] == "N"]
    assert len(sf) > 0 and (sf["SFREAS"] != "").all() and (sf["COHORT"] == "").all()
    # screen failures never receive study treatment
    assert not set(f["infusions"]["SUBJID"]) & set(sf["SUBJID"])
    ages = enr["AGE"].astype(int)
    assert ages.between(18, 75).all()


def test_all_subjects_and_visits_are_known(export, study):
    _, f = export
    subjects = set(f["enrolment"]["SUBJID"])
    for name, form in study.forms.items():
        assert set(f[name]["SUBJID"]) <= subjects, name
        if form.visit_column:
            visits = f[name][form.visit_column]
            assert visits.map(study.is_known_visit).all(), name


def test_infusions_follow_the_schedule(export, study):
    _, f = export
    inf = f["infusions"]
    given = inf[inf["INFDONE"] == "Y"].copy()
    given["date"] = pd.to_datetime(given["INFDAT"])
    first = given[given["INFNUM"] == "1"].set_index("SUBJID")["date"]
    given["day"] = (given["date"] - given["SUBJID"].map(first)).dt.days + 1
    planned = {str(i["number"]): i["day"] for i in study.infusions}
    deviation = given["day"] - given["INFNUM"].map(planned)
    assert deviation.abs().max() <= 4
    assert (deviation == 0).mean() > 0.5
    # actual dose = cells infused / body weight used for dosing, within 6 % of the plan
    actual = given["TOTCELL"].astype(float) / given["WEIGHT"].astype(float)
    assert np.allclose(actual, given["DOSEACT"].astype(float), atol=0.005)
    assert (actual / given["DOSEPLN"].astype(float)).between(0.93, 1.06).all()
    assert set(given["DOSEPLN"].astype(float)) == {c["dose"] for c in study.cohorts}


def test_visits_mostly_in_window_with_a_few_out(export, study):
    _, f = export
    v = f["visits"]
    v = v[(v["VISDONE"] == "Y")].copy()
    day1 = v[v["VISIT"] == "DAY 1"].set_index("SUBJID")["VISDAT"]
    v = v[v["SUBJID"].isin(day1.index) & ~v["VISIT"].str.startswith("UNSCHEDULED")]
    delta = (pd.to_datetime(v["VISDAT"]) - pd.to_datetime(v["SUBJID"].map(day1))).dt.days
    v["day"] = np.where(delta >= 0, delta + 1, delta)
    plain = [x for x in study.visits if not x.get("infusion") and x["day"] > 1]
    lo = v["VISIT"].map({x["visit"]: x["window"][0] for x in plain})
    hi = v["VISIT"].map({x["visit"]: x["window"][1] for x in plain})
    checked = lo.notna()
    outside = ((v["day"] < lo) | (v["day"] > hi))[checked]
    assert 0 < outside.mean() < 0.1
    assert (f["visits"]["VISDONE"] == "N").any()
    assert f["visits"]["VISIT"].str.startswith("UNSCHEDULED").any()


def test_cytokine_time_points_bracket_the_infusion(export):
    _, f = export
    cyt = f["central_lab"]
    cyt = cyt[cyt["TPT"] != ""].drop_duplicates(["SUBJID", "VISIT", "TPT"])
    inf = f["infusions"].set_index(["SUBJID", "VISIT"])["INFSTTIM"]
    start = pd.to_timedelta(cyt.set_index(["SUBJID", "VISIT"]).index.map(inf) + ":00")
    taken = pd.to_timedelta(cyt["COLTIM"] + ":00").to_numpy()
    pre = (cyt["TPT"] == "PRE-DOSE").to_numpy()
    assert (taken[pre] < start[pre]).all()
    assert (taken[~pre] > start[~pre]).all()


def test_lab_values_are_plausible_and_mixed_units_present(export, study):
    _, f = export
    lab = f["local_lab"]
    lab = lab[lab["LBSTAT"] == ""]
    value = _std_value(study, lab, "LBTESTCD", "LBORRES", "LBORRESU")
    lo = lab["LBTESTCD"].map(lambda t: study.lab_tests[t].plausible[0])
    hi = lab["LBTESTCD"].map(lambda t: study.lab_tests[t].plausible[1])
    assert value.between(lo, hi).all()
    units = lab.groupby("LBTESTCD")["LBORRESU"].nunique()
    assert units["BILI"] == 2 and units["CREAT"] == 2 and units["ALB"] == 2
    assert (lab["LBSTAT"] == "").all() and (f["local_lab"]["LBSTAT"] == "NOT DONE").any()


def test_meld_inputs_move_together(export, study):
    """Bilirubin, INR and albumin share the latent severity, as in real cirrhosis."""
    _, f = export
    lab = f["local_lab"]
    lab = lab[(lab["LBSTAT"] == "") & (lab["VISIT"] == "SCREENING")].copy()
    lab["std"] = _std_value(study, lab, "LBTESTCD", "LBORRES", "LBORRESU")
    wide = lab.pivot(index="SUBJID", columns="LBTESTCD", values="std")
    assert np.log(wide["BILI"]).corr(np.log(wide["INR"])) > 0.2
    assert np.log(wide["BILI"]).corr(wide["ALB"]) < -0.2
    # decompensated cirrhosis: low albumin and platelets, raised bilirubin and INR
    assert wide["ALB"].median() < 35 and wide["PLAT"].median() < 125
    assert wide["BILI"].median() > 20.5 and wide["INR"].median() > 1.2


def test_central_lab_carries_lloq_and_hbv_categories(export):
    _, f = export
    c = f["central_lab"]
    hbv = c[c["LBTESTCD"] == "HBVDNA"]["RESULT"]
    assert (hbv == "TARGET NOT DETECTED").any() and (hbv == "<20").any()
    assert pd.to_numeric(hbv, errors="coerce").notna().any()
    cyt = c[c["LBCAT"] == "CYTOKINES"]["RESULT"]
    assert cyt.str.startswith("<").any()
    assert c.groupby(["SUBJID", "VISIT", "TPT"])["ACCSNUM"].nunique().max() == 1


def test_questionnaires_within_item_ranges(export, study):
    _, f = export
    for name in ("sf36", "cldq", "eq5d5l"):
        form = study.forms[name]
        for col in form.columns:
            if col.codelist:
                vals = pd.to_numeric(f[name][col.name], errors="coerce").dropna()
                assert vals.isin(col.codelist).all(), (name, col.name)
    # some items unanswered, as on paper questionnaires
    assert (f["sf36"][[f"Q{i:02d}" for i in range(1, 37)]] == "").any().any()


def test_events_deaths_and_disposition_are_consistent(export):
    _, f = export
    death = f["death"].set_index("SUBJID")["DTHDAT"]
    assert len(death) > 0
    ds = f["disposition"].set_index("SUBJID")
    assert (ds.loc[death.index, "DSREAS"] == "DEATH").all()
    assert (ds.loc[death.index, "LSTALDAT"] == death).all()
    visits = f["visits"][f["visits"]["VISDONE"] == "Y"]
    after = visits["VISDAT"] > visits["SUBJID"].map(death).fillna("9999")
    assert not after.any()
    ae = f["adverse_events"]
    fatal = ae[ae["AEOUT"] == "FATAL"]
    assert set(fatal["SUBJID"]) == set(death.index) and (fatal["AETOXGR"] == "5").all()
    tx = f["liver_transplant"]
    assert (ds.loc[tx["SUBJID"], "DSREAS"] == "LIVER TRANSPLANTATION").all()
    le = f["liver_events"]
    assert {"HEPATOCELLULAR CARCINOMA", "ASCITES"} <= set(le["CETERM"])
    linked = ae.set_index(["SUBJID", "AESPID"]).index
    assert le.set_index(["SUBJID", "AESPID"]).index.isin(linked).all()


def test_partial_dates_and_identifiers_are_present(export):
    _, f = export
    assert f["adverse_events"]["AESTDAT"].str.endswith("-UK").any()
    assert f["concomitant_meds"]["CMSTDAT"].str.contains("UK").any()
    assert f["medical_history"]["MHSTDAT"].str.endswith("UK-UK").any()
    enr = f["enrolment"]
    assert enr["INITIALS"].str.fullmatch("[A-Z]{2,3}").all()
    assert enr["BRTHDAT"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_dlt_flags_only_on_related_grade3_events_in_window(export, study):
    _, f = export
    ae = f["adverse_events"]
    dlt = ae[ae["AEDLT"] == "Y"]
    assert len(dlt) > 0
    assert (dlt["AETOXGR"].astype(int) >= 3).all()
    assert dlt["AEREL"].isin(["POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED"]).all()
    inf1 = f["infusions"].query("INFNUM == '1'").set_index("SUBJID")["INFDAT"]
    day = (pd.to_datetime(dlt["AESTDAT"]) - pd.to_datetime(dlt["SUBJID"].map(inf1))).dt.days + 1
    w = study.data["dlt_window"]
    assert day.between(w["start_day"], w["end_day"]).all()


def test_cli_shows_progress_and_rejects_bad_size(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--subjects-per-cohort", "1", "--seed", "2",
                 "--study", str(STUDY_SPEC)]) == 0
    err = capsys.readouterr().err
    assert "[simulate 21/21] disposition.csv" in err
    assert main(["simulate", "--out", str(tmp_path / "y"), "--subjects-per-cohort", "0",
                 "--study", str(STUDY_SPEC)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "ERROR --subjects-per-cohort must be at least 1, got 0"
    assert "Traceback" not in err


def test_large_studies_open_more_sites_and_keep_subject_numbers_valid(study):
    """3,000 enrolled subjects must not overflow the 3-digit subject number of a site."""
    from analysis.simulate.subjects import screen_subjects

    subjects = screen_subjects(study, seed=1, per_cohort=1000)
    pattern = study.forms["enrolment"].column("SUBJID").pattern
    assert subjects["SUBJID"].str.fullmatch(pattern).all()
    assert subjects["SUBJID"].is_unique
    assert subjects["site"].nunique() > 3


def test_no_medication_is_recorded_twice_on_one_day(export):
    _, f = export
    cm = f["concomitant_meds"]
    assert not cm.duplicated(["SUBJID", "CMTRT", "CMSTDAT"]).any()
