"""Input checks: denominators from ADSL, ADAE consistent with ADSL, explicit vs default options."""

import pytest

from analysis.errors import UserError
from analysis.safety import AeOptions, ae_overview, options_from_spec, prepare
from analysis.safety.options import Criterion


def test_adae_subject_missing_from_adsl_is_an_error(adsl, adae, spec):
    adae.loc[0, "USUBJID"] = "S9"
    with pytest.raises(UserError, match=r"ADAE: 1 record\(s\) of subject\(s\) not in ADSL \(e.g. S9\)"):
        prepare(adsl, adae, options_from_spec(spec))


def test_adae_treatment_must_agree_with_adsl(adsl, adae, spec):
    adae = adae.rename(columns={"TRT01A": "TRTA"})
    prepare(adsl, adae, options_from_spec({**spec, "treatment": "TRTA"}))  # agrees: fine
    adae.loc[adae["USUBJID"] == "S3", "TRTA"] = "A"
    with pytest.raises(UserError, match="ADAE: TRTA differs from ADSL TRT01A for 3 record.*S3"):
        prepare(adsl, adae, options_from_spec({**spec, "treatment": "TRTA"}))


def test_explicit_variable_missing_is_an_error(adsl, adae, spec):
    with pytest.raises(UserError, match="ADAE: required variable\\(s\\) missing: ADLTFL"):
        prepare(adsl, adae.drop(columns=["ADLTFL"]), options_from_spec(spec))


def test_default_variable_missing_is_skipped_with_a_note(adsl, adae):
    data = prepare(adsl, adae.drop(columns=["ADLTFL", "AREL"]), AeOptions())
    assert data.options.dlt is None and data.options.related is None
    result = ae_overview(data)
    assert "Dose-limiting toxicity" not in result.table["Category"].tolist()
    assert any("ADAE has no ADLTFL" in n for n in result.footnotes)


def test_default_grade_falls_back_to_severity(adsl, adae):
    sev = adae.drop(columns=["ATOXGRN"]).assign(AESEV="MILD")
    assert prepare(adsl, sev, AeOptions()).options.grade.variable == "AESEV"


def test_population_level_not_requested_is_an_error(adsl, adae, spec):
    with pytest.raises(UserError, match="TRT01A value\\(s\\) B not among the requested levels"):
        prepare(adsl, adae, options_from_spec({**spec, "levels": ["A", "C"]}))


def test_criterion_compares_numbers_as_text():
    import pandas as pd

    assert Criterion("X", ("1",)).mask(pd.DataFrame({"X": [1.0, 2.0, float("nan")]})).tolist() == [True, False, False]


def test_study_spec_is_complete_and_explicit():
    from pathlib import Path

    o = options_from_spec(Path(__file__).resolve().parents[2] / "specs" / "analysis" / "safety.yaml")
    assert (o.treatment, o.population, o.teae_flag) == ("TRT01A", "SAFFL", "TRTEMFL")
    assert o.grade.variable == "ATOXGRN" and o.grade.high_from == "3"
    assert o.related == Criterion("AREL", ("RELATED",))
    assert o.dlt == Criterion("ADLTFL", ("Y",)) and o.discontinuation == Criterion("AEACN", ("DRUG WITHDRAWN",))
    assert [c.variable for c in o.fatal] == ["AESDTH", "AEOUT"]
    assert o.exposure_end == ("EOSDT", "LSTALVDT")  # ongoing subjects at an interim cut


def test_bad_spec_options_are_user_errors():
    with pytest.raises(UserError, match="unknown option"):
        options_from_spec({"treatmnt": "TRT01A"})
    with pytest.raises(UserError, match="sort must be"):
        options_from_spec({"sort": "size"})
    with pytest.raises(UserError, match="high_from 6 is not one of its levels"):
        options_from_spec({"grade": {"variable": "ATOXGRN", "levels": [1, 2], "high_from": 6}})
