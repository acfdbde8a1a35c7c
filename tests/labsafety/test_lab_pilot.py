"""The generic path on the public CDISC pilot (ADLBC, 254 subjects; not in the repo: skipped when
absent): normal-range shift BNRIND -> worst ANRIND (codes L/N/H; severity N < L < H) and eDISH
with the pilot's R2A1HI, against the R reference results/pilot_lab_safety.R."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.labsafety.config import load_spec, normal_range_params, normal_range_scale
from analysis.labsafety.edish import edish_outputs
from analysis.labsafety.shift import shift_table
from analysis.xpt import read_xpt

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
PILOT_ADLBC = Path("/work/shared/reference-data/cdiscpilot01/adam/adlbc.xpt")

pytestmark = pytest.mark.skipif(not PILOT_ADLBC.exists(), reason="CDISC pilot ADLBC not available")


@pytest.fixture(scope="module")
def pilot():
    return read_xpt(ROOT / "tests" / "data" / "cdiscpilot01" / "adsl.xpt"), read_xpt(PILOT_ADLBC)


def test_normal_range_shift_matches_r(pilot):
    adsl, adlb = pilot
    params = ["ALT", "AST", "BILI", "CREAT"]
    scale = normal_range_scale(load_spec(), ["L", "N", "H"], ["N", "L", "H"])
    t = shift_table(adsl, adlb, normal_range_params(load_spec(), params), scale, "TRT01A", "SAFFL",
                    "lab_shift_nrind")
    ard = t.ard
    n = ard[(ard.stat_name == "n") & (ard.stat != "0")]
    ours = {(r.group2_level, r.group1_level, r.variable_level): int(r.stat) for r in n.itertuples()}
    ref = pd.read_csv(RESULTS / "pilot_nrind_shift.csv", dtype=str, keep_default_na=False)
    theirs = {(r.paramcd, r.group, f"{r.baseline}->{r.worst}"): int(r.n) for r in ref.itertuples()}
    assert ours == theirs
    assert ours[("ALT", "Total", "N->H")] == 5 and ours[("ALT", "Total", "Missing->N")] == 2
    assert t.table.columns[-1] == "Total (N=254)"


def test_edish_quadrants_match_r(pilot, tmp_path):
    adsl, adlb = pilot
    _, table, listing = edish_outputs(adsl, adlb, tmp_path, ["ALT"], "BILI", ratio_var="R2A1HI",
                                      uln_var="A1HI")
    n = table.ard[(table.ard.stat_name == "n") & (table.ard.stat != "0")
                  & (table.ard.variable_level != "Not evaluable")]
    ours = {(r.group1_level, r.variable_level): int(r.stat) for r in n.itertuples()}
    ref = pd.read_csv(RESULTS / "pilot_edish_quadrants.csv", dtype=str, keep_default_na=False)
    assert ours == {(r.TRT01A, r.quadrant): int(r.Freq) for r in ref.itertuples()}
    assert len(listing.table) == 1
