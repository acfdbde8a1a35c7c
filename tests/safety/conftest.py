"""Fixtures for the AE table tests; the data are described in ae_fixtures.py."""

import pandas as pd
import pytest

from ae_fixtures import PILOT, make_adae, make_adsl


@pytest.fixture
def adsl() -> pd.DataFrame:
    return make_adsl()


@pytest.fixture
def adae() -> pd.DataFrame:
    return make_adae()


@pytest.fixture
def spec() -> dict:
    """The fixture study's options, as a safety spec would give them (all explicit)."""
    return {
        "treatment": "TRT01A", "population": "SAFFL", "teae_flag": "TRTEMFL", "levels": ["A", "B", "C"],
        "grade": {"variable": "ATOXGRN", "levels": [1, 2, 3, 4, 5], "high_from": 3, "prefix": "Grade ",
                  "name": "CTCAE grade"},
        "related": {"variable": "AREL", "values": ["RELATED"]},
        "serious": {"variable": "AESER", "values": ["Y"]},
        "fatal": [{"variable": "AESDTH", "values": ["Y"]}, {"variable": "AEOUT", "values": ["FATAL"]}],
        "dlt": {"variable": "ADLTFL", "values": ["Y"]},
        "discontinuation": {"variable": "AEACN", "values": ["DRUG WITHDRAWN"]},
        "exposure": {"start": "TRTSDT", "end": ["EOSDT"], "onset": "ASTDT"},
    }


@pytest.fixture
def data(adsl, adae, spec):
    from analysis.safety import options_from_spec, prepare

    return prepare(adsl, adae, options_from_spec(spec))


@pytest.fixture(scope="session")
def pilot():
    from analysis.xpt import read_xpt

    return read_xpt(PILOT / "adsl.xpt"), read_xpt(PILOT / "adae.xpt")
