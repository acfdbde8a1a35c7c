"""EAIR on the hand-made fixture: days at risk by hand, rates and exact Poisson CIs from R
(results/eair_fixture.R -> eair_fixture.csv)."""

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.safety import ae_eair, options_from_spec, prepare
from analysis.safety.eair import at_risk_days

from ae_fixtures import GI, HEP, RESULTS, SKIN, ard_stat


def where(term: str) -> dict:
    socs = {"Nausea": GI, "Hepatic failure": HEP, "Rash": SKIN}
    if term == "ANY":
        return {"variable": "ANY_EVENT"}
    return {"group2": "AEBODSYS", "group2_level": socs[term], "variable": "AEDECOD", "variable_level": term}


def test_days_at_risk_count_both_ends(data):
    days = at_risk_days(data).set_index("USUBJID")["_DAYS"].to_dict()
    assert days == {"S1": 100, "S2": 200, "S3": 51, "S5": 300}


@pytest.mark.parametrize("case", pd.read_csv(RESULTS / "eair_fixture.csv").to_dict("records"),
                         ids=lambda c: f"{c['term']}-{c['col']}")
def test_eair_matches_hand_days_and_r(data, case):
    ard = ae_eair(data).ard
    w = where(case["term"])
    assert ard_stat(ard, "n", case["col"], **w) == str(case["n"])
    assert float(ard_stat(ard, "py", case["col"], **w)) * 365.25 == pytest.approx(case["days"], abs=1e-9)
    for stat in ("rate", "ci_lower", "ci_upper"):
        assert float(ard_stat(ard, stat, case["col"], **w)) == pytest.approx(case[stat], rel=1e-9), stat


def test_eair_display_and_empty_group(data):
    result = ae_eair(data)
    first = result.table.iloc[0].tolist()
    assert first[:2] == ["Any TEAE", ""]
    assert first[2] == "1/0.6: 178.2 (4.5, 992.7)"
    assert first[4] == "0"  # group C: no subjects, no person-time
    assert ard_stat(result.ard, "rate", "C", variable="ANY_EVENT") == ""
    assert any("+1 day" in n for n in result.footnotes)


def test_exposure_end_falls_back_in_order(adsl, adae, spec):
    adsl = adsl.assign(EOSDT=adsl["EOSDT"].where(adsl["USUBJID"] != "S2"), LSTALVDT=104.0)
    exp = {"start": "TRTSDT", "end": ["EOSDT", "LSTALVDT"], "onset": "ASTDT"}
    data = prepare(adsl, adae, options_from_spec({**spec, "exposure": exp}))
    assert at_risk_days(data).set_index("USUBJID").loc["S2", "_DAYS"] == 100  # 104 - 5 + 1


def test_missing_exposure_end_is_a_user_error(adsl, adae, spec):
    adsl = adsl.assign(EOSDT=adsl["EOSDT"].where(adsl["USUBJID"] != "S2"))
    data = prepare(adsl, adae, options_from_spec(spec))
    with pytest.raises(UserError, match="ADSL: 1 subject.*lack TRTSDT or EOSDT.*S2"):
        ae_eair(data)


def test_missing_onset_of_a_teae_is_a_user_error(adsl, adae, spec):
    adae = adae.assign(ASTDT=adae["ASTDT"].where(adae["AEDECOD"] != "Rash"))
    with pytest.raises(UserError, match="ADAE: 1 treatment-emergent record.*lack ASTDT"):
        ae_eair(prepare(adsl, adae, options_from_spec(spec)))
