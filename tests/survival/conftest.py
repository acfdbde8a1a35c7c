"""Shared helpers of the survival tests: stored R reference CSVs and hand-made ADSL/ADTTE."""

from pathlib import Path

import pandas as pd
import pytest

RESULTS = Path(__file__).parent / "results"
PILOT = Path(__file__).resolve().parents[1] / "data" / "cdiscpilot01"


def frames_from_fixture(rows: pd.DataFrame):
    """ADSL + ADTTE (PARAMCD TT) from rows with group, time, status (1 event, 2 competing)."""
    rows = rows.reset_index(drop=True)
    ids = [f"S{i:03d}" for i in range(len(rows))]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01A": rows["group"], "SAFFL": "Y"})
    adtte = pd.DataFrame({"USUBJID": ids, "PARAMCD": "TT", "PARAM": "Test endpoint",
                          "AVAL": rows["time"].astype(float),
                          "CNSR": (rows["status"] != 1).astype(float),
                          "CMPEVFL": ["Y" if s == 2 else "" for s in rows["status"]]})
    return adsl, adtte


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
