"""Censoring edge cases on a hand-made fixture (results/km_edge_fixture.csv) against R
survival (results/edge_km.R -> km_edge_*.csv), plus NE handling and input errors."""

import math

import pandas as pd
import pytest
from survival_helpers import frames_from_fixture

from analysis.errors import UserError
from analysis.survival.compare import cox_hazard_ratios, logrank_test
from analysis.survival.config import Timepoint
from analysis.survival.data import tte_records
from analysis.survival.km import km_at, km_curve, km_quantile
from analysis.survival.tables import km_table

LEVELS = ["A", "B", "D", "E"]


@pytest.fixture
def data(fixture_frames):
    adsl, adtte = fixture_frames("km_edge_fixture.csv")
    return tte_records(adsl, adtte, "TT")


def _curve(data, group):
    sub = data.subset(group)
    return km_curve(sub["TIME"], sub["STATUS"] == 1)


def test_estimates_match_r_where_r_gives_them(data, reference):
    for row in reference("km_edge_estimates.csv").itertuples():
        est = km_at(_curve(data, row.group), row.time)
        if pd.isna(row.surv):
            assert math.isnan(est["surv"]), row          # after the last observed time: NE
            continue
        assert est["surv"] == pytest.approx(row.surv, abs=1e-12), row
        if 0 < row.surv < 1:
            assert est["std_err"] == pytest.approx(row.std_err, rel=1e-9), row
            assert est["lower"] == pytest.approx(row.lower, rel=1e-9), row
            assert est["upper"] == pytest.approx(row.upper, rel=1e-9), row
        else:
            # R shows (1, 1) before the first event of a curve with events, NA otherwise;
            # the log-log CI is undefined at S = 1 or 0: we report NE for both
            assert math.isnan(est["lower"]) and math.isnan(est["upper"])


def test_quantiles_match_r(data, reference):
    for row in reference("km_edge_quantiles.csv").itertuples():
        q = km_quantile(_curve(data, row.group), row.p)
        for ours, theirs in ((q["estimate"], row.estimate), (q["lower"], row.lower), (q["upper"], row.upper)):
            assert (math.isnan(ours) if pd.isna(theirs) else ours == theirs), (row, q)


def test_event_on_last_day_counts_and_censoring_at_timepoint(data):
    a = _curve(data, "A")
    # the last subject's event at 393 (e.g. on the cutoff date) takes S to 0 at 393
    assert km_at(a, 393)["surv"] == 0.0 and km_at(a, 392)["surv"] > 0
    # censoring exactly at 85: still at risk at 85, S unchanged by it
    row = a[a["time"] == 85].iloc[0]
    assert (row["n_risk"], row["n_event"], row["n_censor"]) == (3, 0, 1)
    assert km_at(a, 85)["surv"] == km_at(a, 84)["surv"]


def test_tie_event_before_censoring(data):
    d = _curve(data, "D")
    r15 = d[d["time"] == 15].iloc[0]
    assert (r15["n_risk"], r15["n_event"], r15["n_censor"]) == (6, 2, 1)
    assert r15["surv"] == pytest.approx(4 / 6)
    r60 = d[d["time"] == 60].iloc[0]  # censored subject at 60 still in the risk set
    assert r60["n_risk"] == 3 and r60["surv"] == pytest.approx(4 / 6 * 2 / 3)


def test_group_without_events_and_single_subject(data):
    b = _curve(data, "B")
    assert km_at(b, 100)["surv"] == 1.0 and math.isnan(km_at(b, 100)["lower"])
    assert math.isnan(km_quantile(b, 0.5)["estimate"])
    e = km_quantile(_curve(data, "E"), 0.5)
    assert e["estimate"] == 30.0 and math.isnan(e["lower"])


def test_logrank_and_cox_where_events_allow(data, reference):
    ref = dict(reference("km_edge_tests.csv").values)
    lr = logrank_test(data.records, LEVELS)
    assert lr["chisq"] == pytest.approx(ref["logrank_chisq"], rel=1e-9) and lr["df"] == 3
    b, d, e = cox_hazard_ratios(data.records, LEVELS)
    assert not b.estimable and b.status == "no events in the group" and math.isnan(b.hr)
    assert d.hr == pytest.approx(ref["hr_D"], rel=1e-6) and e.hr == pytest.approx(ref["hr_E"], rel=1e-6)
    assert d.lower == pytest.approx(ref["hr_ci_lower_D"], rel=1e-6)
    assert e.upper == pytest.approx(ref["hr_ci_upper_E"], rel=1e-6)
    # R's full model (B's coefficient running to -Inf) gives the same HRs: the limit argument
    assert ref["full_coef_B"] < -15
    assert d.hr == pytest.approx(ref["full_hr_D"], rel=1e-5) and e.hr == pytest.approx(ref["full_hr_E"], rel=1e-5)


def test_no_event_groups_are_ne_with_footnote(data):
    result = km_table(data, [Timepoint("Day 85", 85)], [0.5])
    assert result.table.shape[1] == 6  # Statistic + 4 groups + Total
    hrs = cox_hazard_ratios(data.records, ["B", "A", "D", "E"])
    assert all(not h.estimable and h.status == "no events in the reference group" for h in hrs)
    hr_row = result.table[result.table["Statistic"].str.startswith("Hazard ratio")].iloc[0]
    assert hr_row["B (N=3)"] == "NE [c]" and hr_row["A (N=7)"] == "Reference"
    assert "[c] NE = not estimable: B: no events in the group." in result.footnotes
    flipped = km_table(data, [Timepoint("Day 85", 85)], [0.5], reference="B")
    assert "[c] NE = not estimable: A, D, E: no events in the reference group." in flipped.footnotes
    with pytest.raises(UserError, match="Cox reference group 'X' is not a treatment group"):
        km_table(data, [], [0.5], reference="X")
    med = result.table[result.table["Statistic"].str.startswith("Median")].iloc[0]
    assert med["B (N=3)"] == "NE (NE, NE)" and med["A (N=7)"] == "100.0 (5.0, NE)"


def test_all_censored_dataset():
    rows = pd.DataFrame({"group": ["A", "A", "B", "B"], "time": [5.0, 9.0, 7.0, 7.0], "status": [0, 0, 0, 2]})
    adsl, adtte = frames_from_fixture(rows)
    data = tte_records(adsl, adtte, "TT")
    lr = logrank_test(data.records, ["A", "B"])
    assert math.isnan(lr["chisq"]) and math.isnan(lr["p"])
    (hr,) = cox_hazard_ratios(data.records, ["A", "B"])
    assert hr.status == "no events in the reference group"
    table = km_table(data, [Timepoint("Day 6", 6)], [0.5]).table
    row = table[table["Statistic"].str.startswith("Day 6: event-free")].iloc[0]
    assert row["A (N=2)"] == "1.000 (0.000)" and row["B (N=2)"] == "1.000 (0.000)"
    lrow = table[table["Statistic"].str.startswith("Log-rank")].iloc[0]
    assert lrow["Total (N=4)"] == "NE"


def test_monotone_likelihood_is_ne():
    # every B subject fails before any A subject: the HR runs to infinity
    rows = pd.DataFrame({"group": list("AAABBB"), "time": [10, 11, 12, 1, 2, 3], "status": [1, 1, 0, 1, 1, 1]})
    adsl, adtte = frames_from_fixture(rows)
    (hr,) = cox_hazard_ratios(tte_records(adsl, adtte, "TT").records, ["A", "B"])
    assert not hr.estimable and hr.status.startswith("degenerate")


def test_records_notes_and_errors():
    rows = pd.DataFrame({"group": ["A", "A", "B"], "time": [5.0, 9.0, 7.0], "status": [1, 0, 1]})
    adsl, adtte = frames_from_fixture(rows)
    extra = pd.DataFrame({"USUBJID": ["S100"], "TRT01A": ["B"], "SAFFL": ["Y"]})
    adtte.loc[1, "AVAL"] = float("nan")
    data = tte_records(pd.concat([adsl, extra]), adtte, "TT")
    assert data.notes == ["TT: 1 subject(s) with missing AVAL not analysed (A: 1).",
                          "TT: 1 subject(s) of the population have no record and are not analysed (B: 1)."]
    assert data.groups.n == {"A": 2, "B": 2, "Total": 4} and len(data.records) == 2
    with pytest.raises(UserError, match="ADTTE: no records with PARAMCD = OS"):
        tte_records(adsl, adtte, "OS")
    with pytest.raises(UserError, match="ADTTE: required variable\\(s\\) missing: CNSR"):
        tte_records(adsl, adtte.drop(columns="CNSR"), "TT")
    dup = pd.concat([adtte, adtte.iloc[[0]]])
    with pytest.raises(UserError, match="more than one record for USUBJID S000"):
        tte_records(adsl, dup, "TT")
    neg = adtte.assign(AVAL=[-1.0, 2.0, 3.0])
    with pytest.raises(UserError, match="USUBJID S000: AVAL < 0"):
        tte_records(adsl, neg, "TT")
    with pytest.raises(UserError, match="USUBJID S002: TRT01A 'A' differs from ADSL TRT01A 'B'"):
        tte_records(adsl, adtte.assign(TRT01A=["A", "A", "A"]), "TT")
    with pytest.raises(UserError, match="ADSL: treatment variable TRTX not found"):
        tte_records(adsl, adtte, "TT", treatment="TRTX")
