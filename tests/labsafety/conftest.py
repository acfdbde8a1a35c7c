"""Fixtures for the lab-safety tests: hand-made ADSL/ADLB/ADEX frames whose expected counts are
worked out by hand in the tests, and the embedded study's ADaM built once per session."""

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
PILOT_ADLBC = Path("/work/shared/reference-data/cdiscpilot01/adam/adlbc.xpt")


@pytest.fixture
def adsl():
    # subject 6 is outside the safety population: excluded by design
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "TRT01A": ["A", "A", "A", "B", "B", "A"],
        "TRT01AN": [1, 1, 1, 2, 2, 1],
        "SAFFL": ["Y", "Y", "Y", "Y", "Y", "N"],
        "NINF": [3, 2, 3, 1, 3, 0],
        "CUMDOSE": [3.0, 2.0, 3.1, 2.0, 6.2, None],
        "TRTDURD": [57, 29, 58, 1, 57, None],
    })


def _rec(subject, paramcd, ady, ablfl="", **values):
    return {"USUBJID": subject, "PARAMCD": paramcd, "PARAM": f"{paramcd} (unit)", "ADY": ady,
            "ABLFL": ablfl, "AVISIT": values.pop("AVISIT", "VISIT"), **values}


@pytest.fixture
def adlb_grades():
    """ALT (high direction) and PLAT (low direction) grades; expected shifts in test_shift.py."""
    h = lambda s, ady, grade, base, ablfl="", **kw: _rec(s, "ALT", ady, ablfl, ATOXGRH=grade,
                                                         BTOXGRH=base, ATOXGRL="", BTOXGRL="", **kw)
    low = lambda s, ady, grade, base, ablfl="": _rec(s, "PLAT", ady, ablfl, ATOXGRL=grade,
                                                     BTOXGRL=base, ATOXGRH="", BTOXGRH="")
    rows = [
        # S1: screening grade 4 and Day 1 grade 3 are not post-baseline; worst post = 3 (unscheduled)
        h("S1", -8, "4", "2"), h("S1", -1, "2", "2", "Y"), h("S1", 1, "3", "2"),
        h("S1", 8, "1", "2"), h("S1", 15, "3", "2", AVISIT=""), h("S1", 29, "2", "2"),
        # S2: no baseline grade
        h("S2", 8, "1", ""),
        # S3: baseline only, no post-baseline record
        h("S3", -1, "0", "0", "Y"),
        # S4: an ungradable post-baseline value is ignored
        h("S4", -1, "1", "1", "Y"), h("S4", 8, "0", "1"), h("S4", 15, "1", "1"), h("S4", 22, "", "1"),
        # S5: the baseline record (ABLFL = Y, even on Day 2) is never post-baseline
        h("S5", 2, "3", "3", "Y"), h("S5", 8, "1", "3"),
        # S6: outside the population
        h("S6", -1, "0", "0", "Y"), h("S6", 8, "4", "0"),
        low("S1", -1, "1", "1", "Y"), low("S1", 8, "2", "1"),
        low("S4", -1, "0", "0", "Y"), low("S4", 8, "0", "0"),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def adlb_liver():
    """ALT and BILI values for eDISH; expected peaks and quadrants in test_edish.py."""
    nan = float("nan")

    def r(s, p, ady, aval, uln, ratio=None, ablfl="", base=nan):
        return _rec(s, p, ady, ablfl, AVAL=aval, ANRHI=uln,
                    R2ANRHI=aval / uln if ratio is None else ratio, BASE=base)

    rows = [
        # S1: baseline ALT 5 x ULN is not post-baseline; ALT 3.3/1.1 (float 2.9999999999999996,
        # no stored ratio) is exactly 3 x ULN -> counts as >= 3; peaks on different days
        r("S1", "ALT", -1, 5.5, 1.1, ablfl="Y", base=5.5), r("S1", "ALT", 8, 2.2, 1.1, base=5.5),
        r("S1", "ALT", 15, 3.3, 1.1, ratio=nan, base=5.5),
        r("S1", "BILI", -1, 20.0, 20.0, ablfl="Y", base=20.0), r("S1", "BILI", 8, 20.0, 20.0, base=20.0),
        r("S1", "BILI", 29, 50.0, 20.0, base=20.0),
        # S2: ALT just below 3, bilirubin exactly 2 -> hyperbilirubinaemia
        r("S2", "ALT", 8, 119.6, 40.0, base=40.0), r("S2", "BILI", 8, 40.0, 20.0, base=30.0),
        # S3: ALT 4 x ULN, bilirubin 1.99 -> Temple's corollary
        r("S3", "ALT", 8, 160.0, 40.0, base=40.0), r("S3", "BILI", 8, 39.8, 20.0, base=20.0),
        # S4: a pre-treatment ALT of 10 x ULN does not count -> normal
        r("S4", "ALT", -8, 400.0, 40.0, base=40.0), r("S4", "ALT", 8, 40.0, 40.0, base=40.0),
        r("S4", "BILI", 8, 10.0, 20.0, base=20.0),
        # S5: no post-baseline bilirubin -> not evaluable
        r("S5", "ALT", 8, 40.0, 40.0, base=40.0), r("S5", "BILI", -1, 10.0, 20.0, ablfl="Y", base=10.0),
        # S6: outside the population
        r("S6", "ALT", 8, 400.0, 40.0), r("S6", "BILI", 8, 200.0, 20.0),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def adex():
    rows = []
    per_infusion = {"S1": [50.0, 52.0, 49.0], "S2": [60.0, 61.5], "S3": [55.0, 54.0, 56.0],
                    "S4": [100.0], "S5": [120.0, 118.0, 121.0]}
    ninf = {"S1": 3, "S2": 2, "S3": 3, "S4": 1, "S5": 3}
    cum = {"S1": 3.0, "S2": 2.0, "S3": 3.1, "S4": 2.0, "S5": 6.2}
    for s, cells in per_infusion.items():
        rows += [{"USUBJID": s, "PARAMCD": "TOTCELL", "AVAL": c} for c in cells]
        rows.append({"USUBJID": s, "PARAMCD": "NINF", "AVAL": float(ninf[s])})
        rows.append({"USUBJID": s, "PARAMCD": "CUMDOSE", "AVAL": cum[s]})
    return pd.DataFrame(rows)
