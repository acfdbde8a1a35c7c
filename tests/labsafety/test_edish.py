"""eDISH on the hand-made fixture (conftest.adlb_liver). By hand:
S1 peak ALT 3.3/1.1 = 3 x ULN (Day 15; float 2.9999999999999996 must count as >= 3), peak BILI
50/20 = 2.5 (Day 29) -> potential Hy's law, peaks on different days; S2 119.6/40 = 2.99, 40/20 = 2
-> hyperbilirubinaemia; S3 4.0, 1.99 -> Temple's corollary; S4 1.0, 0.5 -> normal (pre-treatment
10 x ULN ignored); S5 no post-baseline BILI -> not evaluable; S6 outside the population."""

import hashlib

import pytest

from analysis.labsafety.edish import edish_outputs, edish_peaks, quadrant
from analysis.stats.groups import analysis_groups


def test_quadrant_boundaries():
    assert quadrant(3.0, 2.0) == "Potential Hy's law"
    assert quadrant(3.3 / 1.1, 2.0) == "Potential Hy's law"        # float noise below 3
    assert quadrant(2.99, 2.0) == "Hyperbilirubinaemia"
    assert quadrant(3.0, 1.99) == "Temple's corollary"
    assert quadrant(2.99, 1.99) == "Normal"
    assert quadrant(5.0, 3.0, alt_cut=6.0, bili_cut=2.5) == "Hyperbilirubinaemia"


def test_peaks_and_quadrants_by_hand(adsl, adlb_liver):
    peaks, _ = edish_peaks(adsl, adlb_liver, analysis_groups(adsl, "TRT01A"), ["ALT"], "BILI")
    p = peaks.set_index("USUBJID")
    assert list(p.index) == ["S1", "S2", "S3", "S4", "S5"]
    assert p.loc["S1", "ALT_PEAK"] == pytest.approx(3.0) and p.loc["S1", "ALT_ADY"] == 15
    assert p.loc["S1", "BILI_PEAK"] == pytest.approx(2.5) and p.loc["S1", "BILI_ADY"] == 29
    assert p.loc["S1", "ALT_BASE_XULN"] == pytest.approx(5.0)
    assert p.loc["S2", "ALT_PEAK"] == pytest.approx(2.99) and p.loc["S2", "BILI_PEAK"] == 2.0
    assert p.loc["S4", "ALT_PEAK"] == 1.0
    assert p["QUADRANT"].to_dict() == {"S1": "Potential Hy's law", "S2": "Hyperbilirubinaemia",
                                       "S3": "Temple's corollary", "S4": "Normal",
                                       "S5": "Not evaluable"}


def test_baseline_multiple_variant(adsl, adlb_liver):
    peaks, _ = edish_peaks(adsl, adlb_liver, analysis_groups(adsl, "TRT01A"), ["ALT"], "BILI",
                           reference="baseline")
    p = peaks.set_index("USUBJID")
    assert p.loc["S1", "ALT_PEAK"] == pytest.approx(3.3 / 5.5)      # peak AVAL / BASE
    assert p.loc["S2", "BILI_PEAK"] == pytest.approx(40 / 30)
    assert p.loc["S3", "QUADRANT"] == "Temple's corollary"           # 160/40 = 4, 39.8/20 < 2
    assert p.loc["S1", "ALT_BASE_XULN"] == pytest.approx(5.0)        # listing still shows x ULN


def test_outputs_table_listing_and_figures(adsl, adlb_liver, tmp_path):
    fig, table, listing = edish_outputs(adsl, adlb_liver, tmp_path / "a")
    tab = table.table.set_index("eDISH quadrant")
    assert tab["A (N=3)"].tolist() == ["0", "1 (33.3)", "1 (33.3)", "1 (33.3)", "0"]
    assert tab["B (N=2)"].tolist() == ["1 (50.0)", "0", "0", "0", "1 (50.0)"]
    assert tab["Total (N=5)"]["Potential Hy's law"] == "1 (20.0)"
    assert listing.table[["Subject", "Peak x ULN", "Peak study day", "Peak bilirubin x ULN",
                          "Bilirubin peak study day", "Baseline x ULN"]].values.tolist() == [
        ["S1", "3.00", "15", "2.50", "29", "5.00"]]
    assert any("different dates" in f for f in table.footnotes)
    assert any("bilirubin > 2 x ULN already at baseline" in f for f in table.footnotes)
    peaks = fig.ard[fig.ard.stat_name == "peak"]
    assert len(peaks) == 10                                           # 5 subjects x 2 peaks
    assert [p.name for p in fig.files] == ["edish.png", "edish.svg"]
    for f in fig.files:
        assert f.stat().st_size > 1000
    assert fig.files[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in fig.files[1].read_bytes()[:2000]
    # byte-identical on a second run
    again, _, _ = edish_outputs(adsl, adlb_liver, tmp_path / "b")
    for f1, f2 in zip(fig.files, again.files):
        assert hashlib.sha256(f1.read_bytes()).hexdigest() == hashlib.sha256(f2.read_bytes()).hexdigest()
    assert b"Date" not in fig.files[1].read_bytes() and b"Software" not in fig.files[0].read_bytes()


def test_alt_or_ast_takes_the_larger(adsl, adlb_liver):
    ast = adlb_liver[adlb_liver.PARAMCD == "ALT"].assign(PARAMCD="AST")
    ast.loc[ast.USUBJID == "S4", "R2ANRHI"] = 3.5
    import pandas as pd
    lb = pd.concat([adlb_liver, ast], ignore_index=True)
    peaks, _ = edish_peaks(adsl, lb, analysis_groups(adsl, "TRT01A"), ["ALT", "AST"], "BILI")
    p = peaks.set_index("USUBJID")
    assert (p.loc["S4", "ALT_PEAK"], p.loc["S4", "ALT_PARAMCD"]) == (3.5, "AST")
