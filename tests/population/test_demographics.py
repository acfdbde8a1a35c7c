"""Demographics on a hand-made ADSL: every cell below was tallied by hand.

AGE, group A = 50, 61, 40: mean 151/3 = 50.333, SD sqrt((1 + 1024 + 961)/9/2) = 10.504, median 50.
AGE, Total = 50, 61, 40, 70: mean 55.25 (rounded half up: 55.3), SD sqrt(510.75/3) = 13.048,
median 55.5. WEIGHTBL (2 decimals in the data, so mean to 3, SD to 4): A = 60.5, 70.25 and a
missing value: mean 65.375, SD 9.75/sqrt(2) = 6.8943; Total = 60.5, 70.25, 80: mean 70.25, SD 9.75.
"""

import doctest
import math

import pytest

import analysis.population.demographics as demographics_module
from analysis.errors import UserError
from analysis.population.demographics import demographics_table

VARS = ["AGE", "WEIGHTBL", "SEX", "RACE", "ECOGBL", "ASCHXFL"]


def _table(adsl, **kw):
    return demographics_table(adsl, VARS, categorical=["ECOGBL"], levels=["A", "B", "C"],
                              labels={"AGE": "Age (years)"}, **kw)


def test_display_matches_hand_tallies(demog_adsl):
    result = _table(demog_adsl)
    assert list(result.table.columns) == ["Characteristic", "Statistic", "A (N=3)", "B (N=1)",
                                          "C (N=0)", "Total (N=4)"]
    assert result.table.values.tolist() == [
        ["Age (years)", "n", "3", "1", "0", "4"],
        ["", "Mean (SD)", "50.3 (10.50)", "70.0 (-)", "", "55.3 (13.05)"],
        ["", "Median", "50.0", "70.0", "", "55.5"],
        ["", "Min, Max", "40, 61", "70, 70", "", "40, 70"],
        ["WEIGHTBL", "n", "2", "1", "0", "3"],
        ["", "Mean (SD)", "65.375 (6.8943)", "80.000 (-)", "", "70.250 (9.7500)"],
        ["", "Median", "65.375", "80.000", "", "70.250"],
        ["", "Min, Max", "60.50, 70.25", "80.00, 80.00", "", "60.50, 80.00"],
        ["", "Missing", "1", "0", "0", "1"],
        ["SEX", "F", "2 (66.7)", "0", "0", "2 (50.0)"],
        ["", "M", "1 (33.3)", "1 (100.0)", "0", "2 (50.0)"],
        # RACEN orders WHITE (1) before ASIAN (2); BLACK is only outside the population
        ["RACE", "WHITE", "1 (33.3)", "0", "0", "1 (25.0)"],
        ["", "ASIAN", "1 (33.3)", "1 (100.0)", "0", "2 (50.0)"],
        ["", "Missing", "1 (33.3)", "0", "0", "1 (25.0)"],
        ["ECOGBL", "0", "1 (33.3)", "0", "0", "1 (25.0)"],
        ["", "1", "2 (66.7)", "0", "0", "2 (50.0)"],
        ["", "2", "0", "1 (100.0)", "0", "1 (25.0)"],
        ["ASCHXFL", "Y", "2 (66.7)", "0", "0", "2 (50.0)"],
    ]
    assert any("1 subject(s) in ADSL not in the population" in f for f in result.footnotes)
    assert result.population == "SAFFL = Y"


def _stat(ard, level, variable, stat, variable_level=""):
    hit = ard[(ard.group1_level == level) & (ard.variable == variable)
              & (ard.variable_level == variable_level) & (ard.stat_name == stat)]
    assert len(hit) == 1, (level, variable, stat, variable_level)
    return hit.stat.iloc[0]


def test_ard_full_precision(demog_adsl):
    ard = _table(demog_adsl).ard
    assert set(ard.analysis_id) == {"demographics"} and set(ard.group1) == {"TRT01A"}
    assert float(_stat(ard, "A", "AGE", "mean")) == pytest.approx(151 / 3, abs=1e-12)
    assert float(_stat(ard, "A", "AGE", "sd")) == pytest.approx(math.sqrt(1986 / 9 / 2), abs=1e-12)
    assert float(_stat(ard, "Total", "AGE", "sd")) == pytest.approx(math.sqrt(510.75 / 3), abs=1e-12)
    assert _stat(ard, "Total", "AGE", "median") == "55.5"
    assert _stat(ard, "B", "AGE", "sd") == ""          # n = 1: not estimable
    assert _stat(ard, "C", "AGE", "n") == "0" and _stat(ard, "C", "AGE", "mean") == ""
    assert _stat(ard, "A", "WEIGHTBL", "n_missing") == "1"
    assert float(_stat(ard, "A", "WEIGHTBL", "sd")) == pytest.approx(9.75 / math.sqrt(2), abs=1e-12)
    assert float(_stat(ard, "A", "SEX", "p", "F")) == pytest.approx(2 / 3, abs=1e-15)
    assert _stat(ard, "Total", "RACE", "n_missing") == "1"
    assert _stat(ard, "C", "SEX", "p", "F") == ""      # empty group: no proportion
    assert _stat(ard, "Total", "ECOGBL", "n", "1") == "2"
    assert _stat(ard, "A", "ASCHXFL", "n", "Y") == "2" and _stat(ard, "A", "ASCHXFL", "N") == "3"
    assert _stat(ard, "C", "", "N") == "0" and _stat(ard, "Total", "", "N") == "4"
    assert "BLACK" not in set(ard.variable_level)


def test_alphabetical_without_companion_and_spec_order_shows_empty_levels(demog_adsl):
    adsl = demog_adsl.drop(columns="RACEN")
    t = demographics_table(adsl, ["RACE"]).table
    assert t["Statistic"].tolist() == ["ASIAN", "WHITE", "Missing"]
    t = demographics_table(adsl, ["RACE", "ECOGBL"], categorical=["ECOGBL"],
                           level_order={"RACE": ["WHITE", "OTHER"], "ECOGBL": [0, 1, 2, 3]}).table
    assert t["Statistic"].tolist() == ["WHITE", "OTHER", "ASIAN", "Missing", "0", "1", "2", "3"]
    assert t.iloc[1, 2:].tolist() == ["0", "0", "0"]


def test_numeric_without_override_is_continuous_and_decimals_override(demog_adsl):
    t = demographics_table(demog_adsl, ["ECOGBL"], decimals={"ECOGBL": 1}).table
    assert t["Statistic"].tolist() == ["n", "Mean (SD)", "Median", "Min, Max"]
    # A: 0, 1, 1 -> mean 0.667, SD 0.5774; shown as if measured to 1 decimal
    assert t.iloc[1, 2] == "0.67 (0.577)" and t.iloc[3, 2] == "0.0, 1.0"


def test_flag_with_other_values_is_categorical(demog_adsl):
    adsl = demog_adsl.assign(ASCHXFL=["Y", "U", "Y", "N", "Y"])
    assert demographics_table(adsl, ["ASCHXFL"]).table["Statistic"].tolist() == ["N", "U", "Y"]


def test_deterministic(demog_adsl):
    a, b = _table(demog_adsl), _table(demog_adsl.sample(frac=1, random_state=3))
    assert a.table.equals(b.table) and a.ard.equals(b.ard)


@pytest.mark.parametrize("kwargs, message", [
    ({"variables": ["AGE", "HEIGHTBL"]}, "ADSL: variable HEIGHTBL not found"),
    ({"variables": []}, "demographics: no variables requested"),
    ({"variables": ["AGE", "AGE"]}, "demographics: variable AGE listed twice"),
    ({"variables": ["AGE"], "categorical": ["ECOGBL"]}, "categorical option names ECOGBL"),
    ({"variables": ["AGE"], "decimals": {"AGE": -1}}, "decimals for AGE must be an integer"),
    ({"variables": ["AGE"], "treatment": "ARM"}, "ADSL: treatment variable ARM not found"),
    ({"variables": ["AGE"], "population": "ITTFL"}, "ADSL: required variable(s) missing: ITTFL"),
    ({"variables": ["AGE"], "levels": ["A"]}, "value(s) B not among the requested levels"),
])
def test_bad_input_is_user_error(demog_adsl, kwargs, message):
    kwargs = dict(kwargs)
    with pytest.raises(UserError) as err:
        demographics_table(demog_adsl, kwargs.pop("variables"), **kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_doctests():
    assert doctest.testmod(demographics_module).failed == 0
