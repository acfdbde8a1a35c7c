"""Fixtures of the survival tests: stored R reference CSVs and hand-made ADSL/ADTTE."""

import pandas as pd
import pytest
from survival_helpers import PILOT, RESULTS, frames_from_fixture


@pytest.fixture
def reference():
    """Read a stored R output CSV from tests/survival/results."""
    return lambda name: pd.read_csv(RESULTS / name)


@pytest.fixture
def fixture_frames():
    return lambda name: frames_from_fixture(pd.read_csv(RESULTS / name, dtype={"group": str}))


@pytest.fixture(scope="session")
def pilot_frames():
    from analysis.xpt import read_analysis_dataset

    return (read_analysis_dataset(PILOT / "adsl.xpt", "ADSL"),
            read_analysis_dataset(PILOT / "adtte.xpt", "ADTTE"))
