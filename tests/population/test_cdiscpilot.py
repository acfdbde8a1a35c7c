"""The CDISC pilot ADSL (254 subjects, data no one on this project wrote), checked against base R
(results/cdiscpilot01_demog.R and _dispo.R, run with R 4.2.2; their CSVs are stored beside
them) and against the published Table 14-2.01 (mean age 75.2 / 75.7 / 74.4, N 86 / 84 / 84)."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.population.demographics import demographics_table
from analysis.population.disposition import disposition_table
from analysis.population.io import read_adsl_with_labels

ROOT = Path(__file__).resolve().parents[2]
PILOT_ADSL = ROOT / "tests" / "data" / "cdiscpilot01" / "adsl.xpt"
RESULTS = Path(__file__).resolve().parent / "results"

PILOT_VARS = ["AGE", "AGEGR1", "SEX", "RACE", "ETHNIC", "HEIGHTBL", "WEIGHTBL", "BMIBL", "MMSETOT",
              "DURDIS", "EDUCLVL"]
COUNTS = {"n", "N", "n_missing"}


@pytest.fixture(scope="module")
def pilot():
    return read_adsl_with_labels(PILOT_ADSL)


@pytest.fixture(scope="module")
def demog(pilot):
    adsl, labels = pilot
    return demographics_table(adsl, PILOT_VARS, labels=labels)


def _ours(ard: pd.DataFrame, skip=("p", "p_missing")) -> dict:
    ard = ard[~ard.stat_name.isin(skip)]
    return {(r.group1_level, r.variable, r.variable_level, r.stat_name): r.stat
            for r in ard.itertuples()}


def test_demographics_ard_equals_r(demog):
    ref = pd.read_csv(RESULTS / "cdiscpilot01_demog.csv", dtype=str, keep_default_na=False)
    ours = _ours(demog.ard)
    theirs = {(r.group, r.variable, r.level, r.stat): r.value for r in ref.itertuples()}
    assert len(theirs) == 256
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key[3] in COUNTS:
            assert ours[key] == value, key
        else:
            assert float(ours[key]) == pytest.approx(float(value), rel=0, abs=1e-10), key


def test_proportions_are_counts_over_n(demog):
    ard = demog.ard
    n = ard[(ard.variable == "RACE") & (ard.stat_name == "n")].set_index(["group1_level", "variable_level"]).stat
    p = ard[(ard.variable == "RACE") & (ard.stat_name == "p")].set_index(["group1_level", "variable_level"]).stat
    big_n = {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84, "Total": 254}
    for (group, level), count in n.items():
        assert float(p[(group, level)]) == pytest.approx(int(count) / big_n[group], abs=1e-15)


def test_published_table_14_2_01(demog):
    t = demog.table
    assert list(t.columns[2:]) == ["Placebo (N=86)", "Xanomeline Low Dose (N=84)",
                                   "Xanomeline High Dose (N=84)", "Total (N=254)"]
    age_mean_sd = t[(t.Characteristic == "") & (t.Statistic == "Mean (SD)")].iloc[0, 2:5].tolist()
    assert [s.split(" ")[0] for s in age_mean_sd] == ["75.2", "75.7", "74.4"]
    assert [s.split(" ")[1] for s in age_mean_sd] == ["(8.59)", "(8.29)", "(7.89)"]
    groups = t.iloc[4:7]
    assert groups.Characteristic.tolist() == ["Pooled Age Group 1", "", ""]
    assert groups.Statistic.tolist() == ["<65", "65-80", ">80"]          # AGEGR1N order
    assert groups.iloc[:, 2].tolist() == ["14 (16.3)", "42 (48.8)", "30 (34.9)"]
    race = t[t.Characteristic == "Race"].index[0]
    assert t.Statistic[race:race + 3].tolist() == ["WHITE", "BLACK OR AFRICAN AMERICAN",
                                                   "AMERICAN INDIAN OR ALASKA NATIVE"]  # RACEN order
    weight_missing = t[(t.Statistic == "Missing")].iloc[0, 2:].tolist()
    assert weight_missing == ["0", "1", "0", "1"]


def test_disposition_equals_r(pilot):
    adsl, labels = pilot
    result = disposition_table(adsl, labels=labels)
    ref = pd.read_csv(RESULTS / "cdiscpilot01_dispo.csv", dtype=str, keep_default_na=False)
    ours = _ours(result.ard)
    for r in ref.itertuples():
        if r.variable == "":
            key = (r.group, "", "", "N")
        else:
            key = (r.group, r.variable, r.level, "n")
        assert ours[key] == r.n, key
    t = result.table.set_index("Disposition")
    # published pilot disposition: completed 58 / 25 / 27; AE discontinuations 8 / 44 / 40
    assert t.loc["Completed"].tolist() == ["58 (67.4)", "25 (29.8)", "27 (32.1)", "110 (43.3)"]
    assert t.loc["  Adverse Event"].tolist()[:3] == ["8 (9.3)", "44 (52.4)", "40 (47.6)"]
    assert t.loc["Screen failures"].tolist() == ["", "", "", "not available"]
    assert result.population == "Safety Population Flag (SAFFL = Y)"
