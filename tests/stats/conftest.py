"""Shared fixtures for the MMRM tests: the fev data, reference numbers, fitted models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.stats import fit_mmrm

HERE = Path(__file__).parent
FORMULA = "FEV1 ~ ARMCD*AVISIT + RACE + SEX"
REFERENCE = {"ARMCD": "PBO", "AVISIT": "VIS1", "RACE": "Asian", "SEX": "Male"}


@pytest.fixture(scope="session")
def reference() -> dict:
    return dict(REFERENCE)


@pytest.fixture(scope="session")
def fev() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "fev_data.csv")


@pytest.fixture(scope="session")
def sas() -> dict:
    return yaml.safe_load((HERE / "results" / "sas_fev_data.yaml").read_text())


@pytest.fixture(scope="session")
def nlme() -> pd.DataFrame:
    return pd.read_csv(HERE / "results" / "nlme_fev_data.csv", keep_default_na=False,
                       na_values=[])


@pytest.fixture(scope="session")
def un_fit(fev):
    return fit_mmrm(FORMULA, fev, subject="USUBJID", visit="AVISIT", reference=REFERENCE)
