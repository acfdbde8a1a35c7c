"""Partial dates that straddle the cut are kept (judged on their earliest possible day), and the
imputed ADaM dates then never pass the cut. Hand-checked on the embedded raw export:
02-004 AE 3/4 start 2024-09-UK (end 2024-10-UK); 02-002 AE 2 runs 2024-06-UK to 2024-07-UK."""

from __future__ import annotations

import pandas as pd
import pytest

from cutoff_build import as_date, build_cut, read


@pytest.fixture(scope="module")
def mid_september(tmp_path_factory):
    return build_cut(tmp_path_factory.mktemp("cut-2024-09-15"), "2024-09-15")


@pytest.fixture(scope="module")
def mid_july(tmp_path_factory):
    return build_cut(tmp_path_factory.mktemp("cut-2024-07-15"), "2024-07-15")


def _ae(folder, subject, term):
    adae = read(folder / "adam", "ADAE")
    rows = adae[(adae["USUBJID"] == f"NCT05948982-{subject}") & (adae["AEDECOD"] == term)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_start_in_the_cut_month_is_kept_and_imputed_on_or_before_the_cut(mid_september):
    ae = _ae(mid_september, "02-004", "Hepatic failure")  # Hepatic failure, 2024-09-UK
    assert ae["AESTDTC"] == "2024-09" and ae["ASTDTF"] == "D"
    assert as_date(pd.Series([ae["ASTDT"]])).iloc[0] == pd.Timestamp("2024-09-01")  # first possible day
    assert ae["AEENDTC"] == "" and ae["AEOUT"] == "NOT RECOVERED/NOT RESOLVED"   # end 2024-10-UK: after the cut
    # the CE record of the same event is dated 2024-09-17: after the cut, so removed
    assert "HEPATIC FAILURE" not in set(read(mid_september / "sdtm", "CE")["CETERM"])


def test_an_end_in_the_cut_month_is_kept_and_capped_at_the_cut(mid_july):
    ae = _ae(mid_july, "02-002", "Pruritus")  # Pruritus, ends 2024-07-UK
    assert ae["AEENDTC"] == "2024-07" and ae["AENDTF"] == "D"
    assert as_date(pd.Series([ae["AENDT"]])).iloc[0] == pd.Timestamp("2024-07-15")  # last day 07-31 -> the cut
    log = pd.read_csv(mid_july / "raw" / "cut_log.csv", dtype=str, keep_default_na=False)
    assert not ((log["FORM"] == "adverse_events") & (log["ROW"] == "25")).any()  # kept unchanged
