"""The ARD contract, the text renderers and the shared group/proportion helpers."""

import json

import pandas as pd
import pytest

from analysis.ard import ARD_COLUMNS, ArdRows, ListingResult, TableResult, read_ard
from analysis.errors import UserError
from analysis.stats.groups import analysis_groups, fmt_n_pct
from analysis.stats.proportions import clopper_pearson, poisson_exact_ci
from analysis.tlf import write_result

# domain-reference.md §7.2 (95%, three decimals)
CP_TABLE = [(3, 0, 0, 0.708), (3, 1, 0.008, 0.906), (3, 2, 0.094, 0.992), (6, 0, 0, 0.459),
            (6, 1, 0.004, 0.641), (6, 2, 0.043, 0.777), (18, 0, 0, 0.185), (18, 1, 0.001, 0.273),
            (18, 2, 0.014, 0.347)]


@pytest.mark.parametrize("n,x,lo,hi", CP_TABLE)
def test_clopper_pearson_matches_the_reference_table(n, x, lo, hi):
    lower, upper = clopper_pearson(x, n)
    assert round(lower, 3) == lo and round(upper, 3) == hi


def test_clopper_pearson_edges():
    assert clopper_pearson(6, 6)[1] == 1.0
    assert all(pd.isna(v) for v in clopper_pearson(0, 0))
    with pytest.raises(ValueError):
        clopper_pearson(4, 3)


def test_poisson_ci_example_from_the_reference():
    lower, upper = poisson_exact_ci(3, 10.5)
    assert (round(lower, 3), round(upper, 3)) == (0.059, 0.835)


ADSL = pd.DataFrame({"USUBJID": list("abcde"), "TRT01A": ["Hi", "Lo", "Lo", "", "Hi"],
                     "TRT01AN": [2, 1, 1, None, 2], "SAFFL": ["Y", "Y", "Y", "N", "N"]})


def test_groups_use_adsl_denominators_and_numeric_order():
    g = analysis_groups(ADSL, "TRT01A", "SAFFL")
    assert g.levels == ["Lo", "Hi"]
    assert g.n == {"Lo": 2, "Hi": 1, "Total": 3}
    assert g.header("Lo") == "Lo (N=2)"
    assert list(g.subjects.loc[g.members("Hi"), "USUBJID"]) == ["a"]


def test_explicit_levels_keep_an_empty_group():
    g = analysis_groups(ADSL, "TRTA", "SAFFL", levels=["Lo", "Mid", "Hi"])
    assert g.n["Mid"] == 0 and g.columns() == ["Lo", "Mid", "Hi", "Total"]


def test_group_errors_are_one_line_user_errors():
    with pytest.raises(UserError, match="treatment variable ARM not found"):
        analysis_groups(ADSL, "ARM")
    with pytest.raises(UserError, match="not among the requested levels"):
        analysis_groups(ADSL, "TRT01A", levels=["Lo"])
    with pytest.raises(UserError, match="have no TRT01A"):
        analysis_groups(ADSL, "TRT01A", population=None)


def test_percent_format_rounds_half_up():
    assert fmt_n_pct(1, 8) == "1 (12.5)" and fmt_n_pct(1, 16) == "1 (6.3)"


def test_write_result_writes_ard_and_display_files(tmp_path):
    rows = ArdRows("t1")
    rows.add("n", 2, group1="TRT01A", group1_level="Lo", variable="X", variable_level="y")
    table = pd.DataFrame({"Row": ["X"], "Lo (N=2)": ["2 (100.0)"]})
    paths = write_result(TableResult("t1", "A title", table, rows.frame(), ["A footnote."]), tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == [
        "ard/t1.csv", "meta/t1.json", "tlf/t1.csv", "tlf/t1.md"]
    meta = json.loads((tmp_path / "meta" / "t1.json").read_text())
    assert meta == {"analysis_id": "t1", "kind": "table", "title": "A title", "population": "",
                    "footnotes": ["A footnote."]}
    ard = read_ard(tmp_path / "ard" / "t1.csv")
    assert list(ard.columns) == ARD_COLUMNS and ard.loc[0, "stat"] == "2"
    md = (tmp_path / "tlf" / "t1.md").read_text()
    assert md.startswith("# A title\n") and "| X | 2 (100.0) |" in md and md.endswith("A footnote.\n")
    write_result(ListingResult("l1", "Empty", pd.DataFrame(columns=["Subject"])), tmp_path)
    assert "No records." in (tmp_path / "tlf" / "l1.md").read_text()


def test_describe_agrees_with_the_statistics_module():
    import statistics

    from analysis.stats.descriptive import describe

    values = [2.04, 3.04, 2.98, 3.03, 2.99, 3.03, None]
    d = describe(values)
    present = [v for v in values if v is not None]
    assert d["n"] == 6 and d["n_missing"] == 1
    assert d["mean"] == pytest.approx(statistics.fmean(present), rel=1e-15)
    assert d["sd"] == pytest.approx(statistics.stdev(present), rel=1e-14)
    assert d["median"] == statistics.median(present) and (d["min"], d["max"]) == (2.04, 3.04)
