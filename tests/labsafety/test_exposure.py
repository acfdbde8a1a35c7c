"""Exposure summary on the hand-made fixture, checked against numpy/statistics and by hand."""

import statistics

import pytest

from analysis.errors import UserError
from analysis.labsafety.config import exposure_variables, load_spec
from analysis.labsafety.exposure import exposure_summary

TOTCELL = {"S1": 151.0, "S2": 121.5, "S3": 165.0, "S4": 100.0, "S5": 359.0}   # sums by hand


def ard_stats(ard, variable, level):
    rows = ard[(ard.variable == variable) & (ard.group1_level == level) & (ard.variable_level == "")]
    return {k: float(v) if v else None for k, v in zip(rows.stat_name, rows.stat)}


def test_exposure_from_adex(adsl, adex):
    t = exposure_summary(adsl, exposure_variables(load_spec()), adex, "adex")
    tab = t.table.set_index(["Variable", "Statistic"])
    ninf = "Number of infusions received"
    # A = S1 (3), S2 (2), S3 (3); B = S4 (1), S5 (3)
    assert tab.loc[(ninf, "1")].tolist() == ["0", "1 (50.0)", "1 (20.0)"]
    assert tab.loc[(ninf, "2")].tolist() == ["1 (33.3)", "0", "1 (20.0)"]
    assert tab.loc[(ninf, "3")].tolist() == ["2 (66.7)", "1 (50.0)", "3 (60.0)"]
    cells = "Total cells infused (10^6 cells)"
    a = [TOTCELL[s] for s in ("S1", "S2", "S3")]
    s = ard_stats(t.ard, "TOTCELL", "A")
    assert s["n"] == 3
    assert s["mean"] == pytest.approx(statistics.mean(a), rel=1e-14)
    assert s["sd"] == pytest.approx(statistics.stdev(a), rel=1e-14)
    assert (s["median"], s["min"], s["max"]) == (151.0, 121.5, 165.0)
    assert tab.loc[(cells, "Mean (SD)"), "A (N=3)"] == "145.83 (22.205)"   # sqrt(986.1667 / 2)
    assert tab.loc[(cells, "Min, Max"), "Total (N=5)"] == "100.0, 359.0"
    total = ard_stats(t.ard, "CUMDOSE", "Total")
    assert total["mean"] == pytest.approx(statistics.mean([3.0, 2.0, 3.1, 2.0, 6.2]), rel=1e-14)
    assert total["sd"] == pytest.approx(statistics.stdev([3.0, 2.0, 3.1, 2.0, 6.2]), rel=1e-14)
    dur = ard_stats(t.ard, "TRTDURD", "B")
    assert (dur["n"], dur["mean"], dur["median"]) == (2, 29.0, 29.0)
    assert any("ADEX PARAMCD TOTCELL (sum of the per-infusion records)" in f for f in t.footnotes)


def test_exposure_from_adsl_has_no_total_cells(adsl):
    t = exposure_summary(adsl, exposure_variables(load_spec()), None, "adsl")
    assert "Total cells infused (10^6 cells)" not in set(t.table["Variable"])
    assert any("not available from ADSL" in f for f in t.footnotes)
    s = ard_stats(t.ard, "NINF", "A")
    assert s["mean"] == pytest.approx(8 / 3) and s["sd"] == pytest.approx(statistics.stdev([3, 2, 3]))


def test_unexpected_number_of_infusions_gets_a_row(adsl, adex):
    adex = adex.copy()
    adex.loc[(adex.USUBJID == "S4") & (adex.PARAMCD == "NINF"), "AVAL"] = 4.0
    t = exposure_summary(adsl, exposure_variables(load_spec()), adex, "adex")
    tab = t.table.set_index(["Variable", "Statistic"])
    assert tab.loc[("Number of infusions received", "4"), "B (N=2)"] == "1 (50.0)"


def test_exposure_errors(adsl, adex):
    spec_vars = exposure_variables(load_spec())
    with pytest.raises(UserError, match="more than one record for subject"):
        exposure_summary(adsl, spec_vars, adex.assign(PARAMCD=adex.PARAMCD.replace("TOTCELL", "NINF")))
    with pytest.raises(UserError, match="needs an ADEX"):
        exposure_summary(adsl, spec_vars, None, "adex")
    with pytest.raises(UserError, match="not in ADSL"):
        exposure_summary(adsl, spec_vars, adex.assign(USUBJID="X1"))
