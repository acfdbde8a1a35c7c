"""Helpers the survival tests import (a module of its own: test files cannot import conftest
reliably when several folders have one)."""

from pathlib import Path

import pandas as pd

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


