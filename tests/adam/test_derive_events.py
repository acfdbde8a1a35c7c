"""Treatment emergence, DLT window, last infusion before onset, first-occurrence flags,
last known alive date and time-to-event derivations (incl. censoring on the cutoff date)."""

import numpy as np
import pandas as pd
import pytest

from analysis.adam.derive.occurrence import (derive_var_dltfl, derive_var_extreme_flag, derive_var_last_dose_number,
                                             derive_var_trtemfl)
from analysis.adam.derive.subject import DateSource, derive_var_extreme_dt, derive_vars_merged
from analysis.adam.derive.tte import EventSource, derive_param_tte

T0 = pd.Timestamp("2024-01-01")


def test_trtemfl_window_edges():
    # study day 421 is 2024-01-01 + 420 days = 2025-02-24; day 422 is outside
    ae = pd.DataFrame({"ASTDT": pd.to_datetime(["2023-12-31", "2024-01-01", "2025-02-24", "2025-02-25", None]),
                       "TRTSDT": [T0] * 5})
    assert derive_var_trtemfl(ae, window_end_day=421)["TRTEMFL"].tolist() == ["", "Y", "Y", "", ""]
    never_dosed = pd.DataFrame({"ASTDT": [T0], "TRTSDT": [pd.NaT]})
    assert derive_var_trtemfl(never_dosed, window_end_day=421)["TRTEMFL"].tolist() == [""]


def test_dlt_only_within_window_and_treatment_emergent():
    ae = pd.DataFrame({"TRTEMFL": ["Y", "Y", "Y", "Y", ""], "AEDLT": ["Y", "Y", "Y", "N", "Y"],
                       "ASTDY": [1.0, 28.0, 29.0, 10.0, -2.0]})
    assert derive_var_dltfl(ae, window=(1, 28))["DLTFL"].tolist() == ["Y", "Y", "N", "N", ""]


def test_last_infusion_before_onset_same_day_counts():
    ae = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"],
                       "ASTDT": pd.to_datetime(["2024-01-29", "2024-01-28", None, "2024-03-01"])})
    ex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "EXSTDT": pd.to_datetime(["2024-01-01", "2024-01-29", "2024-02-01"]),
                       "INFNUM": [1.0, 2.0, 1.0]})
    out = derive_var_last_dose_number(ae, ex)["INFNUM"].tolist()
    assert out[:2] == [2.0, 1.0] and np.isnan(out[2]) and out[3] == 1.0


def test_first_occurrence_and_max_grade_flags():
    ae = pd.DataFrame({"USUBJID": ["1"] * 4, "AEBODSYS": ["GI", "GI", "GI", "SKIN"],
                       "AEDECOD": ["Nausea", "Nausea", "Ascites", "Rash"], "ASTDT": [5, 2, 3, 1],
                       "ATOXGRN": [3.0, 1.0, 3.0, 2.0], "AESEQ": [1, 2, 3, 4], "TRTEMFL": ["Y", "Y", "Y", ""]})
    teae = ae["TRTEMFL"] == "Y"
    first = derive_var_extreme_flag(ae, ["USUBJID"], ["ASTDT", "AESEQ"], new_var="AOCCFL", filter_mask=teae)
    assert first["AOCCFL"].tolist() == ["", "Y", "", ""]      # Rash is earliest but not treatment-emergent
    pt = derive_var_extreme_flag(ae, ["USUBJID", "AEBODSYS", "AEDECOD"], ["ASTDT"], new_var="AOCCPFL", filter_mask=teae)
    assert pt["AOCCPFL"].tolist() == ["", "Y", "Y", ""]
    worst = derive_var_extreme_flag(ae, ["USUBJID"], ["ATOXGRN", "ASTDT"], new_var="AOCCIFL", filter_mask=teae,
                                    ascending=[False, True])
    # two grade-3 TEAEs: the earlier one (Ascites, day 3)
    assert worst["AOCCIFL"].tolist() == ["", "", "Y", ""]


def test_last_known_alive_over_sources():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    sv = pd.DataFrame({"USUBJID": ["1", "2"], "D": pd.to_datetime(["2024-05-01", "2024-02-01"])})
    lb = pd.DataFrame({"USUBJID": ["1", "2"], "D": pd.to_datetime(["2024-04-01 10:00", None])})
    out = derive_var_extreme_dt(adsl, "LSTALVDT", [DateSource(sv, "D"), DateSource(lb, "D")])
    assert out["LSTALVDT"].astype(str).tolist() == ["2024-05-01", "2024-02-01", "NaT"]
    first = derive_var_extreme_dt(adsl, "FIRSTDT", [DateSource(sv, "D"), DateSource(lb, "D")], mode="first")
    assert first["FIRSTDT"].astype(str).tolist()[0] == "2024-04-01"


def test_merged_refuses_duplicates():
    with pytest.raises(ValueError, match="more than one record"):
        derive_vars_merged(pd.DataFrame({"USUBJID": ["1"]}), pd.DataFrame({"USUBJID": ["1", "1"], "X": [1, 2]}),
                           ["USUBJID"], ["X"])


def _adsl():
    return pd.DataFrame({
        "USUBJID": ["A", "B", "C", "D", "E"], "TRTSDT": [T0] * 4 + [pd.NaT],
        "DTHDT": pd.to_datetime([None, "2024-03-01", "2024-12-15", None, None]),
        "LTXDT": pd.to_datetime(["2024-02-10", None, None, None, None]),
        "LSTALVDT": pd.to_datetime(["2024-11-30", "2024-03-01", "2024-12-15", "2024-06-30", "2023-12-01"])})


def _sources(adsl):
    death = EventSource(adsl[adsl.DTHDT.notna()], "DTHDT", "DEATH", "ADSL", "DTHDT")
    tx = EventSource(adsl[adsl.LTXDT.notna()], "LTXDT", "LIVER TRANSPLANTATION", "ADSL", "LTXDT")
    alive = EventSource(adsl, "LSTALVDT", "LAST KNOWN ALIVE DATE", "ADSL", "LSTALVDT")
    return death, tx, alive


def test_overall_survival_censoring_on_the_cutoff_date():
    adsl = _adsl()
    death, tx, alive = _sources(adsl)
    os_ = derive_param_tte(adsl, paramcd="OS", param="OS", events=[death], censor=[alive], cutoff="2024-12-15")
    r = os_.set_index("USUBJID")
    # A transplanted but alive: censored at last alive (2024-11-30 = day 335); transplant does not censor OS
    assert r.loc["A", ["AVAL", "CNSR"]].tolist() == [335.0, 1.0]
    assert r.loc["B", ["AVAL", "CNSR", "EVNTDESC"]].tolist() == [61.0, 0.0, "DEATH"]
    # C died exactly on the cutoff date: an event (the cutoff is inclusive)
    assert r.loc["C", ["AVAL", "CNSR"]].tolist() == [350.0, 0.0]
    assert "E" not in r.index                                   # never dosed: no record
    cut_earlier = derive_param_tte(adsl, paramcd="OS", param="OS", events=[death], censor=[alive],
                                   cutoff="2024-12-14").set_index("USUBJID")
    # a day earlier C's death is after the cut: censored at the cutoff (day 349), A at 335
    assert cut_earlier.loc["C", ["AVAL", "CNSR"]].tolist() == [349.0, 1.0]
    assert cut_earlier.loc["C", "CNSDTDSC"] == "LAST KNOWN ALIVE DATE"


def test_transplant_free_survival_and_competing_events():
    adsl = _adsl()
    death, tx, alive = _sources(adsl)
    tfs = derive_param_tte(adsl, paramcd="TFS", param="TFS", events=[death, tx], censor=[alive]).set_index("USUBJID")
    assert tfs.loc["A", ["AVAL", "CNSR", "EVNTDESC"]].tolist() == [41.0, 0.0, "LIVER TRANSPLANTATION"]
    ttx = derive_param_tte(adsl, paramcd="TTLTX", param="TTLTX", events=[tx], censor=[alive],
                           competing=[death]).set_index("USUBJID")
    assert ttx.loc["A", ["CNSR", "CMPEVFL"]].tolist() == [0.0, ""]
    # B died without transplant: censored at death, flagged as a competing event
    assert ttx.loc["B", ["AVAL", "CNSR", "CMPEVFL", "CNSDTDSC", "SRCVAR"]].tolist() == [61.0, 1.0, "Y", "DEATH", "DTHDT"]
    assert ttx.loc["D", ["AVAL", "CNSR", "CMPEVFL"]].tolist() == [182.0, 1.0, ""]


def test_event_before_start_is_ignored():
    adsl = _adsl().iloc[[0]]
    pre = EventSource(pd.DataFrame({"USUBJID": ["A"], "D": pd.to_datetime(["2023-12-01"])}), "D", "HCC", "CE", "CESTDTC")
    alive = EventSource(adsl, "LSTALVDT", "LAST KNOWN ALIVE DATE", "ADSL", "LSTALVDT")
    out = derive_param_tte(adsl, paramcd="TTHCC", param="x", events=[pre], censor=[alive])
    assert out[["AVAL", "CNSR"]].values.tolist() == [[335.0, 1.0]]
