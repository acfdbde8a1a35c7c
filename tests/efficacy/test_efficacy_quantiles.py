"""Quartiles (SAS QNTLDEF=5 = R type 2), descriptives and geometric statistics against R
(results/quantile_reference.R -> quantile_type2.csv) and hand calculations."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.efficacy.quantiles import (
    geometric_stats,
    quantile_qntldef5,
    summary_stats,
)

RESULTS = Path(__file__).parent / "results"
# the same vectors as quantile_reference.R
VECTORS = {
    "v4": [1, 2, 3, 4],
    "v5": [1, 2, 3, 4, 5],
    "v6": [3, 1, 4, 1, 5, 9],
    "v1": [7],
    "v7": [2.5, 2.5, 10, 1, 8, 8, 3],
    "v8": [0.12, -3.4, 5.5, 2.25, 2.25, 9.75, -0.5, 4],
    "v10": [16, 20, 14, 14, 18, 11, 9, 15, 20, 13],
}


@pytest.fixture(scope="module")
def r_ref():
    return pd.read_csv(RESULTS / "quantile_type2.csv").set_index("vector")


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_quartiles_match_r_type2(r_ref, name):
    ref = r_ref.loc[name]
    s = summary_stats(VECTORS[name])
    assert s["n"] == ref["n"]
    assert s["q1"] == pytest.approx(ref["q1"], abs=1e-12)
    assert s["median"] == pytest.approx(ref["median"], abs=1e-12)
    assert quantile_qntldef5(VECTORS[name], 0.5) == pytest.approx(ref["q2"], abs=1e-12)
    assert s["q3"] == pytest.approx(ref["q3"], abs=1e-12)
    assert s["mean"] == pytest.approx(ref["mean"], rel=1e-12)
    if not math.isnan(ref["sd"]):
        assert s["sd"] == pytest.approx(ref["sd"], rel=1e-12)


def test_type2_differs_from_numpy_default(r_ref):
    # the quartile definition matters for small n: R type 7 (numpy's default) gives 1.75 for 1..4
    assert quantile_qntldef5(VECTORS["v4"], 0.25) == 1.5
    assert np.quantile(VECTORS["v4"], 0.25) == pytest.approx(r_ref.loc["v4", "q7_q1"])


def test_quartiles_by_hand():
    # n = 10, p = 0.25: np = 2.5 -> x(3); p = 0.75: np = 7.5 -> x(8); sorted: 9 11 13 14 14 15 16 18 20 20
    assert quantile_qntldef5(VECTORS["v10"], 0.25) == 13
    assert quantile_qntldef5(VECTORS["v10"], 0.75) == 18
    # n = 8, p = 0.25: np = 2 (integer) -> mean of x(2), x(3) = (-0.5 + 0.12) / 2
    assert quantile_qntldef5(VECTORS["v8"], 0.25) == pytest.approx(-0.19)
    # missing values are ignored; the extremes
    assert quantile_qntldef5([np.nan, 4.0, 2.0], 0.5) == 3.0
    assert quantile_qntldef5([5.0, 1.0], 0.0) == 1.0 and quantile_qntldef5([5.0, 1.0], 1.0) == 5.0
    assert math.isnan(quantile_qntldef5([], 0.25))
    with pytest.raises(ValueError):
        quantile_qntldef5([1.0], 1.5)


def test_geometric_stats_by_hand():
    g = geometric_stats([2.0, 8.0, np.nan, 0.0])
    # GM of 2 and 8 = 4; s = SD(ln 2, ln 8) = sqrt(2) ln 2; CV = 100 sqrt(exp(s^2) - 1)
    assert g["geomean"] == pytest.approx(4.0)
    s = math.sqrt(2) * math.log(2)
    assert g["geocv"] == pytest.approx(100 * math.sqrt(math.exp(s * s) - 1))
    assert g["n_nonpositive"] == 1
    assert math.isnan(geometric_stats([3.0])["geocv"])
