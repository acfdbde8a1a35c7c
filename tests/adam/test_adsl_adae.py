"""ADSL and ADAE steps on small hand-built SDTM, plus ADEX/ADDLT helpers."""

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.adam.adae import derive_var_arel, derive_vars_occurrence_flags, derive_vars_supp
from analysis.adam.addlt import build_addlt
from analysis.adam.adex import derive_vars_infusion, params_per_subject
from analysis.adam.adsl import (derive_adsl_dlt, derive_var_dltevlfl, derive_var_lstalvdt, derive_vars_disposition,
                                derive_vars_exposure, derive_vars_transplant, derive_vars_trt)
from analysis.adam.adtte import tte_event_status

COHORTS = [{"armcd": "UCMSC1", "dose": 1.0}, {"armcd": "UCMSC4", "dose": 4.0}]


def test_treatment_variables_and_screen_failures():
    dm = pd.DataFrame({"ARMCD": ["UCMSC4", ""], "ARM": ["UC-MSC 4x10^6 cells/kg", ""],
                       "ACTARMCD": ["UCMSC4", ""], "ACTARM": ["UC-MSC 4x10^6 cells/kg", ""]})
    out = derive_vars_trt(dm, COHORTS)
    assert out["TRT01AN"].tolist()[0] == 4.0 and np.isnan(out["TRT01AN"].iloc[1])
    assert out["TRT01A"].tolist() == ["UC-MSC 4x10^6 cells/kg", ""]


def test_exposure_counts_only_infusions_given():
    adsl = pd.DataFrame({"USUBJID": ["1"]})
    ex = pd.DataFrame({"USUBJID": ["1"] * 3, "EXDOSE": [1.0, 0.0, 0.98],
                       "EXSTDTC": ["2024-01-01T09:00", "2024-01-29T09:00", "2024-02-26T10:30"],
                       "EXENDTC": ["2024-01-01T10:00", "2024-01-29T09:00", "2024-02-26T11:10"]})
    out = derive_vars_exposure(adsl, ex).iloc[0]
    assert out["NINF"] == 2.0 and out["CUMDOSE"] == 1.98
    assert str(out["TRTSDTM"]) == "2024-01-01 09:00:00" and str(out["TRTEDTM"]) == "2024-02-26 11:10:00"
    assert out["TRTDURD"] == 57.0                     # 1 Jan -> 26 Feb 2024 is 56 days, + 1


def test_disposition_transplant_and_last_alive():
    adsl = pd.DataFrame({"USUBJID": ["1", "2"], "DTHDT": pd.to_datetime(["2024-06-01", None])})
    ds = pd.DataFrame({"USUBJID": ["1", "1", "2"], "DSCAT": ["PROTOCOL MILESTONE", "DISPOSITION EVENT", "PROTOCOL MILESTONE"],
                       "DSDECOD": ["INFORMED CONSENT OBTAINED", "DEATH", "INFORMED CONSENT OBTAINED"],
                       "DSTERM": ["", "DEATH", ""], "DSSTDTC": ["2023-12-20", "2024-06-01", "2023-12-22"]})
    out = derive_vars_disposition(adsl, ds)
    assert out["EOSSTT"].tolist() == ["DISCONTINUED", "ONGOING"] and out["DCSREAS"].tolist() == ["DEATH", ""]
    assert out["RFICDT"].astype(str).tolist() == ["2023-12-20", "2023-12-22"]
    pr = pd.DataFrame({"USUBJID": ["2", "2"], "PRTRT": ["LIVER TRANSPLANTATION", "TIPS"], "PRSTDTC": ["2024-03-03", "2024-01-05"]})
    out = derive_vars_transplant(out, pr, {"variable": "PRTRT", "values": ["LIVER TRANSPLANTATION"]})
    assert out["LTXFL"].tolist() == ["N", "Y"] and str(out["LTXDT"].iloc[1].date()) == "2024-03-03"
    sdtm = {"SV": pd.DataFrame({"USUBJID": ["1", "2"], "SVSTDTC": ["2024-05-01", "2024-04-01"]}),
            "AE": pd.DataFrame({"USUBJID": ["2", "2"], "AESTDTC": ["2024-04-10", "2024-05"], "AEENDTC": ["2024-04-20", ""]})}
    out = derive_var_lstalvdt(out, sdtm)
    # subject 1 died: its death date; subject 2: latest complete date (the partial 2024-05 proves nothing)
    assert out["LSTALVDT"].astype(str).tolist() == ["2024-06-01", "2024-04-20"]


def test_dlt_evaluable_needs_the_whole_window_or_a_dlt():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": ["Y", "Y", "Y"], "TRTSDT": pd.to_datetime(["2024-01-01"] * 3),
                         "LSTALVDT": pd.to_datetime(["2024-01-28", "2024-01-20", "2024-01-20"])})
    adae = pd.DataFrame({"USUBJID": ["3", "3"], "ADLTFL": ["Y", "Y"], "ASTDT": pd.to_datetime(["2024-01-15", "2024-01-10"])})
    out = derive_adsl_dlt(adsl, adae, {"start_day": 1, "end_day": 28})
    # day 28 = 2024-01-28: subject 1 followed to it; 2 left early without a DLT; 3 had DLTs
    assert out["DLTEVLFL"].tolist() == ["Y", "N", "Y"]
    assert out["DLTFL"].tolist() == ["N", "N", "Y"] and str(out["DLTDT"].iloc[2].date()) == "2024-01-10"
    addlt = build_addlt(out.assign(STUDYID="S", SUBJID=["1", "2", "3"], SITEID="01", ACTARMCD="UCMSC1",
                                   TRT01A="A", TRT01AN=1.0), adae, {"start_day": 1, "end_day": 28})
    assert addlt["NDLT"].tolist() == [0.0, 0.0, 2.0]
    assert addlt["DLTWENDT"].astype(str).tolist()[0] == "2024-01-28"
    assert derive_var_dltevlfl(out.assign(SAFFL="N"), {"start_day": 1, "end_day": 28})["DLTEVLFL"].eq("N").all()


def test_suppae_flags_and_relatedness():
    ae = pd.DataFrame({"USUBJID": ["1", "1"], "AESEQ": [1.0, 2.0], "AEREL": ["UNLIKELY RELATED", "DEFINITELY RELATED"]})
    supp = pd.DataFrame({"USUBJID": ["1", "1"], "IDVAR": ["AESEQ"] * 2, "IDVARVAL": ["1", "2"],
                         "QNAM": ["AEINFR", "AEDLT"], "QVAL": ["Y", "Y"]})
    out = derive_vars_supp(ae, supp, {"AEDLT": "AEDLT", "AEINFR": "AEINFR"})
    assert out["AEDLT"].tolist() == ["", "Y"] and out["AEINFR"].tolist() == ["Y", ""]
    related = ["POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED"]
    assert derive_var_arel(out, related)["AREL"].tolist() == ["NOT RELATED", "RELATED"]


def test_occurrence_flags_per_soc_and_pt():
    ae = pd.DataFrame({"USUBJID": ["1"] * 3, "AEBODSYS": ["GI", "GI", "GI"], "AEDECOD": ["Ascites", "Nausea", "Ascites"],
                       "ASTDT": pd.to_datetime(["2024-02-01", "2024-01-10", "2024-03-01"]), "AESEQ": [1.0, 2.0, 3.0],
                       "ATOXGRN": [2.0, 1.0, 3.0], "TRTEMFL": ["Y"] * 3})
    out = derive_vars_occurrence_flags(ae)
    assert out["AOCCFL"].tolist() == ["", "Y", ""]
    assert out["AOCCSFL"].tolist() == ["", "Y", ""]
    assert out["AOCCPFL"].tolist() == ["Y", "Y", ""]
    assert out["AOCCPIFL"].tolist() == ["", "Y", "Y"]           # worst Ascites is the grade-3 one
    assert out["AOCCIFL"].tolist() == ["", "", "Y"]


def test_infusion_records_and_dose_intensity():
    ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXSEQ": [1.0, 2.0], "EXDOSE": [1.02, 1.0], "VISIT": ["DAY 1", "DAY 29"],
                       "VISITNUM": [3.0, 8.0], "EXSTDTC": ["2024-04-11T10:13", "2024-05-09T09:40"],
                       "EXENDTC": ["2024-04-11T11:05", "2024-05-09T10:54"]})
    ec = pd.DataFrame({"USUBJID": ["1", "1"], "ECOCCUR": ["Y", "Y"], "ECDOSE": [53.5, 53.0],
                       "ECADJ": ["", "Infusion interrupted"], "ECSTDTC": ["2024-04-11T10:13", "2024-05-09T09:40"]})
    inf = derive_vars_infusion(ex, ec)
    assert inf["INFDUR"].tolist() == [52.0, 74.0] and inf["INTRPFL"].tolist() == ["N", "Y"]
    per = params_per_subject(inf, pd.DataFrame({"USUBJID": ["1"], "TRT01PN": [1.0]}), 3).set_index("PARAMCD")["AVAL"]
    assert per["CUMDOSE"] == 2.02 and per["RDI"] == (100 * 2.02 / 3)


def test_event_status_for_cumulative_incidence():
    adtte = pd.DataFrame({"CNSR": [0.0, 1.0, 1.0], "CMPEVFL": ["", "Y", ""]})
    assert tte_event_status(adtte).tolist() == [1, 2, 0]


def test_ratio_pairs_samples_by_visit_when_two_visits_share_a_date():
    from analysis.adam.adlb import derive_param_ratio

    # Day 28 and Day 35 samples both dated 2024-02-03 without a time (seen at 3,000 subjects)
    df = pd.DataFrame({"USUBJID": ["1"] * 4, "ADTM": pd.to_datetime(["2024-02-03"] * 4),
                       "VISITNUM": [7.0, 7.0, 11.0, 11.0], "PARAMCD": ["CD4ABS", "CD8ABS"] * 2,
                       "AVAL": [600.0, 300.0, 500.0, 250.0], "AVALC": [""] * 4, "SRCSEQ": [1.0, 2, 3, 4]})
    out = derive_param_ratio(df, "CD4CD8R", "CD4ABS", "CD8ABS")
    assert out.loc[out.PARAMCD == "CD4CD8R", ["VISITNUM", "AVAL"]].values.tolist() == [[7.0, 2.0], [11.0, 2.0]]


def test_height_bmi_and_history_flags_on_the_embedded_study(embedded_sdtm_dir, tmp_path):
    """Height reaches VS from the enrolment form (one per subject, at SCREENING) and ADSL's BMI
    and decompensation-history flags agree with VS and MH by hand."""
    from analysis.adam.build import build_adam
    from analysis.specs import load_study
    from analysis.xpt import read_xpt

    vs = read_xpt(embedded_sdtm_dir / "vs.xpt")
    height = vs[vs["VSTESTCD"] == "HEIGHT"]
    dm = read_xpt(embedded_sdtm_dir / "dm.xpt")
    assert sorted(height["USUBJID"]) == sorted(dm["USUBJID"]) and set(height["VISIT"]) == {"SCREENING"}
    build_adam(embedded_sdtm_dir, load_study(Path(__file__).resolve().parents[2] / "specs" / "study.yaml"), tmp_path)
    adsl = read_xpt(tmp_path / "adsl.xpt").set_index("USUBJID")
    assert (adsl["HEIGHTBL"] == height.set_index("USUBJID")["VSSTRESN"].reindex(adsl.index)).all()
    bmi = adsl["WEIGHTBL"] / (adsl["HEIGHTBL"] / 100) ** 2
    assert np.allclose(adsl["BMIBL"], bmi)
    mh = read_xpt(embedded_sdtm_dir / "mh.xpt")
    decomp = mh[mh["MHCAT"] == "DECOMPENSATION HISTORY"]
    ascites = set(decomp.loc[decomp["MHTERM"] == "Ascites", "USUBJID"])
    assert set(adsl.index[adsl["ASCHXFL"] == "Y"]) == ascites
    assert set(adsl.index[adsl["DCMPHXFL"] == "Y"]) == set(decomp["USUBJID"])
    assert set(adsl["SBPHXFL"]) <= {"Y", "N"}
