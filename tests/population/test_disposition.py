"""Disposition on a hand-made ADSL (conftest `dispo_adsl`), every cell tallied by hand:
9 screened, 2 screen failures (22.2 % of 9), 7 enrolled of whom 1 never dosed and without a
TRT01A (Total column only), 6 dosed (A 3, B 3, requested group C none)."""

import doctest

import pytest

import analysis.population.disposition as disposition_module
from analysis.errors import UserError
from analysis.population.disposition import disposition_table


def test_display_matches_hand_tallies(dispo_adsl):
    result = disposition_table(dispo_adsl, levels=["A", "B", "C"], reason_specify="DCSREASP")
    assert list(result.table.columns) == ["Disposition", "A (N=3)", "B (N=3)", "C (N=0)", "Total (N=6)"]
    assert result.table.values.tolist() == [
        ["Screened", "", "", "", "9"],
        ["Screen failures", "", "", "", "2 (22.2)"],
        ["Enrolled", "3", "3", "0", "7"],
        ["Enrolled, not in population (SAFFL not Y)", "0", "0", "0", "1"],
        ["Population (SAFFL = Y)", "3 (100.0)", "3 (100.0)", "0", "6 (100.0)"],
        ["Completed", "1 (33.3)", "0", "0", "1 (16.7)"],
        ["Discontinued", "2 (66.7)", "2 (66.7)", "0", "4 (66.7)"],
        ["  DEATH", "0", "1 (33.3)", "0", "1 (16.7)"],
        ["  OTHER", "2 (66.7)", "0", "0", "2 (33.3)"],
        ["    LIVER TRANSPLANTATION", "1 (33.3)", "0", "0", "1 (16.7)"],
        ["    Not specified", "1 (33.3)", "0", "0", "1 (16.7)"],
        ["  Missing", "0", "1 (33.3)", "0", "1 (16.7)"],
        ["Ongoing", "0", "1 (33.3)", "0", "1 (16.7)"],
    ]
    notes = " ".join(result.footnotes)
    assert "Enrolled, not in population (SAFFL not Y): 1 subject(s) without a TRT01A group" in notes
    assert "Enrolled: 1 subject(s)" in notes


def _stat(ard, level, variable, variable_level, stat):
    hit = ard[(ard.group1_level == level) & (ard.variable == variable)
              & (ard.variable_level == variable_level) & (ard.stat_name == stat)]
    assert len(hit) == 1, (level, variable, variable_level, stat)
    return hit.iloc[0]


def test_ard(dispo_adsl):
    ard = disposition_table(dispo_adsl, levels=["A", "B", "C"], reason_specify="DCSREASP").ard
    assert _stat(ard, "Total", "DISPOSITION", "SCREENED", "n").stat == "9"
    assert float(_stat(ard, "Total", "DISPOSITION", "SCREEN FAILURE", "p").stat) == pytest.approx(2 / 9)
    assert _stat(ard, "Total", "DISPOSITION", "ENROLLED", "n").stat == "7"
    assert _stat(ard, "A", "EOSSTT", "COMPLETED", "n").stat == "1"
    assert float(_stat(ard, "B", "EOSSTT", "DISCONTINUED", "p").stat) == pytest.approx(2 / 3)
    death = _stat(ard, "B", "DCSREAS", "DEATH", "n")
    assert (death.stat, death.group2, death.group2_level) == ("1", "EOSSTT", "DISCONTINUED")
    liver = _stat(ard, "A", "DCSREASP", "LIVER TRANSPLANTATION", "n")
    assert (liver.stat, liver.group2, liver.group2_level) == ("1", "DCSREAS", "OTHER")
    assert _stat(ard, "Total", "DCSREAS", "", "n_missing").stat == "1"
    assert _stat(ard, "C", "EOSSTT", "ONGOING", "p").stat == ""     # empty group: no %
    assert _stat(ard, "Total", "EOSSTT", "ONGOING", "n").stat == "1"


def test_without_specify_option_other_is_one_row(dispo_adsl):
    labels = disposition_table(dispo_adsl).table["Disposition"].tolist()
    assert "  OTHER" in labels and "    LIVER TRANSPLANTATION" not in labels


def test_no_enrolled_flag_says_not_available(dispo_adsl):
    adsl = dispo_adsl[dispo_adsl.SAFFL == "Y"].drop(columns="ENRLFL")
    result = disposition_table(adsl)
    rows = result.table.values.tolist()
    assert rows[0] == ["Screened", "", "", "6"]
    assert rows[1] == ["Screen failures", "", "", "not available"]
    assert rows[2] == ["Enrolled", "not available", "not available", "not available"]
    assert any("no enrolled flag" in f for f in result.footnotes)
    assert _stat(result.ard, "Total", "DISPOSITION", "SCREEN FAILURE", "n").stat == ""
    with pytest.raises(UserError, match="ADSL: enrolled flag ENRLFL not found"):
        disposition_table(adsl, require_enrolled_flag=True)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(EOSSTT=d.EOSSTT.replace("COMPLETED", "DONE")), "EOSSTT has value(s) DONE"),
    (lambda d: d.drop(columns="DCSREAS"), "ADSL: required variable(s) missing: DCSREAS"),
    (lambda d: d.assign(ENRLFL=["N"] + ["Y"] * 6 + ["N"] * 2), "SAFFL = Y but ENRLFL not Y (e.g. 1)"),
    (lambda d: d.assign(TRT01A=["A", "A", "", "B", "B", "B", "", "", ""]), "1 subject(s) in SAFFL have no TRT01A"),
])
def test_bad_input_is_user_error(dispo_adsl, change, message):
    with pytest.raises(UserError) as err:
        disposition_table(change(dispo_adsl))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_specify_variable_is_user_error(dispo_adsl):
    with pytest.raises(UserError, match="missing: DCSREASX"):
        disposition_table(dispo_adsl, reason_specify="DCSREASX")


def test_doctests():
    assert doctest.testmod(disposition_module).failed == 0
