"""AE listings on the hand-made fixture."""

import pytest

from analysis.errors import UserError
from analysis.safety import l_ae_disc, l_ae_serious, l_deaths, l_dlt, options_from_spec, prepare


def test_sae_listing_rows_order_dates_and_days(data):
    t = l_ae_serious(data).table
    # S1's pre-treatment SAE is listed (TEAE = N) before its later SAE; S4 is outside SAFFL
    assert t[["Dose group", "Subject", "Preferred Term", "TEAE"]].values.tolist() == [
        ["A", "S1", "Abdominal pain", "N"], ["A", "S1", "Nausea", "Y"], ["B", "S3", "Hepatic failure", "Y"]]
    assert t["Onset date"].tolist() == ["1959-12-27", "1960-01-20", "1960-03-01"]
    assert t["Onset day"].tolist() == ["-5", "20", "51"]  # no day 0
    assert t["Grade"].tolist() == ["4", "3", "5"]
    assert t["Serious"].tolist() == ["Y", "Y", "Y"]
    assert list(t.columns[:2]) == ["Dose group", "Subject"]


def test_listings_identify_subjects_by_usubjid_only(data):
    for make in (l_ae_serious, l_deaths, l_dlt, l_ae_disc):
        cols = set(make(data).table.columns)
        assert not cols & {"SUBJID", "SITEID", "AGE", "SEX"}, make.__name__


def test_dlt_and_discontinuation_listings(data):
    assert l_dlt(data).table[["Subject", "Preferred Term"]].values.tolist() == [["S3", "Headache"]]
    disc = l_ae_disc(data).table
    assert disc[["Subject", "Action taken"]].values.tolist() == [["S3", "DRUG WITHDRAWN"]]
    assert "AEACN in (DRUG WITHDRAWN)" in " ".join(l_ae_disc(data).footnotes)


def test_deaths_listing_joins_adsl_deaths_and_fatal_aes(data):
    t = l_deaths(data).table
    assert t[["Subject", "Source"]].values.tolist() == [["S3", "Death (ADSL)"], ["S3", "Fatal adverse event"]]
    death = t.iloc[0]
    assert (death["Date of death"], death["Death day"], death["Cause of death"]) == ("1960-03-01", "51",
                                                                                    "HEPATIC FAILURE")
    assert t.iloc[1]["Outcome"] == "FATAL" and t.iloc[1]["Date of death"] == ""


def test_deaths_listing_without_adsl_death_variables(adsl, adae, spec):
    data = prepare(adsl.drop(columns=["DTHFL", "DTHDT", "DTHCAUS"]), adae, options_from_spec(spec))
    result = l_deaths(data)
    assert result.table["Source"].tolist() == ["Fatal adverse event"]
    assert any("ADSL has no DTHFL" in n for n in result.footnotes)


def test_listing_without_its_variable_is_a_user_error(adsl, adae, spec):
    data = prepare(adsl, adae.drop(columns=["ADLTFL"]), options_from_spec({**spec, "dlt": None}))
    with pytest.raises(UserError, match="no DLT flag"):
        l_dlt(data)
