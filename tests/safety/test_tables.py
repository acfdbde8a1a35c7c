"""AE tables on the hand-made fixture (conftest.py); every expected number is a hand tally.

N: A = 2 (S1, S2), B = 2 (S3, S5), C = 0, Total = 4. Treatment-emergent events: S1 4 (nausea
x2, abdominal distension, headache), S3 3 (nausea, hepatic failure, headache), S5 2 (nausea,
rash). S1's pre-treatment grade-4 abdominal pain and S4's event (not in SAFFL) never count.
"""

import doctest
import importlib

import pandas as pd
import pytest

from analysis.safety import ae_overview, ae_soc_pt, ae_soc_pt_grade, ae_soc_pt_related, ae_soc_pt_serious
from analysis.safety import options_from_spec, prepare

from ae_fixtures import GI, HEP, NERV, SKIN, ard_stat

MODULES = ["analysis.safety.options", "analysis.safety.data", "analysis.safety.counting",
           "analysis.safety.tables", "analysis.safety.eair", "analysis.safety.listings"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def col(table: pd.DataFrame, level: str) -> str:
    return next(c for c in table.columns if c.startswith(f"{level} (N="))


def rows(table: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(table["System Organ Class"], table["Preferred Term"]))


def test_denominators_from_adsl_including_subject_without_aes_and_empty_group(data):
    assert data.groups.n == {"A": 2, "B": 2, "C": 0, "Total": 4}
    table = ae_soc_pt(data).table
    assert list(table.columns[2:]) == ["A (N=2)", "B (N=2)", "C (N=0)", "Total (N=4)"]


def test_soc_pt_counts_by_hand(data):
    result = ae_soc_pt(data)
    t = result.table.set_index(["System Organ Class", "Preferred Term"])
    expected = {
        ("Any TEAE", ""): ["1 (50.0) [4]", "2 (100.0) [5]", "0", "3 (75.0) [9]"],
        (GI, ""): ["1 (50.0) [3]", "2 (100.0) [2]", "0", "3 (75.0) [5]"],
        ("", "Nausea"): ["1 (50.0) [2]", "2 (100.0) [2]", "0", "3 (75.0) [4]"],
        ("", "Abdominal distension"): ["1 (50.0) [1]", "0", "0", "1 (25.0) [1]"],
        (NERV, ""): ["1 (50.0) [1]", "1 (50.0) [1]", "0", "2 (50.0) [2]"],
        ("", "Headache"): ["1 (50.0) [1]", "1 (50.0) [1]", "0", "2 (50.0) [2]"],
        (HEP, ""): ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
        ("", "Hepatic failure"): ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
        (SKIN, ""): ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
        ("", "Rash"): ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
    }
    assert len(t) == len(expected)
    for key, cells in expected.items():
        assert t.loc[key].tolist() == cells, key
    assert "Abdominal pain" not in set(result.table["Preferred Term"])  # pre-treatment only


def test_frequency_sort_soc_then_pt_ties_alphabetical(data):
    # GI 3 subjects, Nervous 2, then Hepatobiliary and Skin tie at 1 (alphabetical);
    # within GI nausea (3) precedes abdominal distension (1) although it sorts later
    assert rows(ae_soc_pt(data).table) == [
        ("Any TEAE", ""), (GI, ""), ("", "Nausea"), ("", "Abdominal distension"), (NERV, ""),
        ("", "Headache"), (HEP, ""), ("", "Hepatic failure"), (SKIN, ""), ("", "Rash")]


def test_alphabetical_sort_option(adsl, adae, spec):
    data = prepare(adsl, adae, options_from_spec({**spec, "sort": "alpha"}))
    assert rows(ae_soc_pt(data).table) == [
        ("Any TEAE", ""), (GI, ""), ("", "Abdominal distension"), ("", "Nausea"), (HEP, ""),
        ("", "Hepatic failure"), (NERV, ""), ("", "Headache"), (SKIN, ""), ("", "Rash")]


def test_soc_pt_ard_rows(data):
    ard = ae_soc_pt(data).ard
    pt = dict(group2="AEBODSYS", group2_level=GI, variable="AEDECOD", variable_level="Nausea")
    assert ard_stat(ard, "n", "A", **pt) == "1"
    assert ard_stat(ard, "events", "A", **pt) == "2"
    assert ard_stat(ard, "N", "B", **pt) == "2"
    assert ard_stat(ard, "p", "Total", **pt) == "0.75"
    assert ard_stat(ard, "n", "C", **pt) == "0" and ard_stat(ard, "p", "C", **pt) == ""  # N = 0
    assert ard_stat(ard, "n", "Total", variable="AEBODSYS", variable_level=NERV) == "2"
    assert ard_stat(ard, "events", "Total", variable="ANY_EVENT") == "9"
    assert set(ard["group1"]) == {"TRT01A"}
    # 10 rows x 4 columns x (n, N, p, events)
    assert len(ard) == 10 * 4 * 4


def test_max_grade_counts_each_subject_once_at_its_worst(data):
    result = ae_soc_pt_grade(data)
    table, by_key, soc, pt = result.table, {}, "", ""
    for row in table.itertuples(index=False, name=None):
        if row[2] == "Any grade":
            soc, pt = (row[0], "") if row[0] else (soc, row[1])
        by_key[(soc, pt, row[2])] = list(row[3:])
    def cells(*key):
        return by_key[key]
    # any TEAE: S1 max 3 (the grade-4 event is pre-treatment), S3 max 5, S5 max 2 (rash ungraded)
    assert cells("Any TEAE", "", "Grade 3") == ["1 (50.0)", "0", "0", "1 (25.0)"]
    assert cells("Any TEAE", "", "Grade 2") == ["0", "1 (50.0)", "0", "1 (25.0)"]
    assert cells("Any TEAE", "", "Grade 5") == ["0", "1 (50.0)", "0", "1 (25.0)"]
    assert cells("Any TEAE", "", "Grade 4") == ["0", "0", "0", "0"]
    assert cells("Any TEAE", "", "Grade 1") == ["0", "0", "0", "0"]
    # nausea: S1 had grades 1 and 3 -> once, at grade 3
    assert cells(GI, "Nausea", "Grade 1") == ["0", "1 (50.0)", "0", "1 (25.0)"]
    assert cells(GI, "Nausea", "Grade 3") == ["1 (50.0)", "0", "0", "1 (25.0)"]
    assert cells(GI, "Nausea", "Any grade") == ["1 (50.0) [2]", "2 (100.0) [2]", "0", "3 (75.0) [4]"]
    # an ungraded term gets a Missing row; graded terms do not
    assert cells(SKIN, "Rash", "Missing") == ["0", "1 (50.0)", "0", "1 (25.0)"]
    assert (GI, "Nausea", "Missing") not in by_key
    ard = result.ard
    assert ard_stat(ard, "n", "Total", group2="ATOXGRN", group2_level="3", variable="AEDECOD",
                    variable_level="Nausea") == "1"
    assert ard_stat(ard, "n", "B", group2="ATOXGRN", group2_level="Missing", variable="AEDECOD",
                    variable_level="Rash") == "1"


def test_severity_scale_with_ordered_levels(adsl, adae, spec):
    sev = adae.assign(AESEV=adae["ATOXGRN"].map({1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE",
                                                 5: "SEVERE"}).fillna(""))
    g = {"variable": "AESEV", "levels": ["MILD", "MODERATE", "SEVERE"], "high_from": "SEVERE",
         "name": "Severity"}
    data = prepare(adsl, sev, options_from_spec({**spec, "grade": g}))
    t = ae_soc_pt_grade(data).table
    assert t.iloc[:4, 2].tolist() == ["Any grade", "MILD", "MODERATE", "SEVERE"]
    assert t.iloc[3, 3:].tolist() == ["1 (50.0)", "1 (50.0)", "0", "2 (50.0)"]
    overview = ae_overview(data).table
    assert "TEAE of Severity SEVERE" in overview["Category"].tolist()


def test_unknown_grade_level_is_a_user_error(adsl, adae, spec):
    from analysis.errors import UserError

    with pytest.raises(UserError, match="ATOXGRN value.*7"):
        prepare(adsl, adae.assign(ATOXGRN=adae["ATOXGRN"].replace(1.0, 7.0)), options_from_spec(spec))


def test_overview_by_hand(data):
    result = ae_overview(data)
    t = result.table
    n_rows = t[t["Statistic"] == "n (%) [E]"].set_index("Category")
    expected = {
        "Any TEAE": ["1 (50.0) [4]", "2 (100.0) [5]", "0", "3 (75.0) [9]"],
        "Related TEAE": ["1 (50.0) [2]", "1 (50.0) [1]", "0", "2 (50.0) [3]"],  # S5's blank AREL: not related
        "TEAE of CTCAE grade >= 3": ["1 (50.0) [1]", "1 (50.0) [1]", "0", "2 (50.0) [2]"],
        "Serious TEAE": ["1 (50.0) [1]", "1 (50.0) [1]", "0", "2 (50.0) [2]"],  # S1's pre-treatment SAE excluded
        "TEAE leading to discontinuation of study treatment": ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
        "Dose-limiting toxicity": ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],
        "TEAE with fatal outcome": ["0", "1 (50.0) [1]", "0", "1 (25.0) [1]"],  # AEOUT FATAL, AESDTH N
    }
    assert list(n_rows.index) == list(expected)
    for label, cells in expected.items():
        assert n_rows.loc[label].iloc[1:].tolist() == cells, label
    # Clopper-Pearson from R: binom.test(1, 2)$conf.int, binom.test(3, 4)$conf.int
    ard = result.ard
    assert float(ard_stat(ard, "ci_lower", "B", variable="RELATED")) == pytest.approx(0.01257912, abs=1e-8)
    assert float(ard_stat(ard, "ci_upper", "B", variable="RELATED")) == pytest.approx(0.98742088, abs=1e-8)
    assert float(ard_stat(ard, "ci_lower", "Total", variable="ANY")) == pytest.approx(0.1941204, abs=1e-7)
    assert float(ard_stat(ard, "ci_upper", "Total", variable="ANY")) == pytest.approx(0.9936905, abs=1e-7)
    assert ard_stat(ard, "ci_lower", "C", variable="ANY") == ""  # empty group: no CI, no error
    assert t.iloc[1, 2:].tolist() == ["(1.3, 98.7)", "(15.8, 100.0)", "", "(19.4, 99.4)"]


def test_blank_relationship_counts_as_related_when_asked(adsl, adae, spec):
    rel = {"variable": "AREL", "values": ["RELATED"], "missing_counts": True}
    data = prepare(adsl, adae, options_from_spec({**spec, "related": rel}))
    t = ae_soc_pt_related(data).table
    assert t.iloc[0].tolist()[2:] == ["1 (50.0) [2]", "2 (100.0) [2]", "0", "3 (75.0) [4]"]
    assert "Rash" in set(t["Preferred Term"])


def test_related_and_serious_subsets(data):
    rel = ae_soc_pt_related(data).table
    assert rows(rel) == [("Any related TEAE", ""), (NERV, ""), ("", "Headache"), (GI, ""), ("", "Nausea")]
    assert rel.iloc[0, 2:].tolist() == ["1 (50.0) [2]", "1 (50.0) [1]", "0", "2 (50.0) [3]"]
    ser = ae_soc_pt_serious(data).table
    assert rows(ser) == [("Any serious TEAE", ""), (GI, ""), ("", "Nausea"), (HEP, ""), ("", "Hepatic failure")]
    assert ser.iloc[2, 2:].tolist() == ["1 (50.0) [1]", "0", "0", "1 (25.0) [1]"]


def test_exclusions_are_footnoted(data):
    notes = " ".join(ae_soc_pt(data).footnotes)
    assert "1 ADAE record(s) of 1 subject(s) outside the population" in notes
    assert "1 record(s) not treatment-emergent" in notes


def test_no_total_column(adsl, adae, spec):
    data = prepare(adsl, adae, options_from_spec({**spec, "total": False}))
    t = ae_soc_pt(data).table
    assert list(t.columns[2:]) == ["A (N=2)", "B (N=2)", "C (N=0)"]
    assert rows(t)[1:3] == [(GI, ""), ("", "Nausea")]  # still sorted by the overall incidence


def test_empty_adae_gives_zeros(adsl, adae, spec):
    data = prepare(adsl, adae.iloc[0:0], options_from_spec(spec))
    t = ae_soc_pt(data).table
    assert rows(t) == [("Any TEAE", "")]
    assert t.iloc[0, 2:].tolist() == ["0", "0", "0", "0"]
    assert ae_overview(data).table.iloc[0, 2:].tolist() == ["0", "0", "0", "0"]
