"""Aalen-Johansen cumulative incidence against R survfit with a multi-state status
(results/cif.R -> cif_reference.csv) on a hand-made fixture with ties and competing events
and on the embedded study's TTDECOMP and TTLTX."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.survival.cif import aalen_johansen, cif_at
from analysis.survival.data import tte_records
from analysis.survival.km import km_curve
from analysis.xpt import read_analysis_dataset

RESULTS = Path(__file__).parent / "results"


def _check(curve, rows):
    for row in rows.itertuples():
        est = cif_at(curve, row.time)
        if pd.isna(row.cif):
            assert math.isnan(est["cif"]), row
            continue
        assert est["cif"] == pytest.approx(row.cif, abs=1e-12), row
        assert est["std_err"] == pytest.approx(row.std_err, rel=1e-9, abs=1e-12), row
        if 0 < row.cif < 1:
            assert est["lower"] == pytest.approx(row.lower, rel=1e-9), row
            assert est["upper"] == pytest.approx(row.upper, rel=1e-9), row
        else:
            assert math.isnan(est["lower"])  # log-log undefined at 0: NE (R: 0 or NA)


def test_fixture_matches_r(reference):
    ref = reference("cif_reference.csv")
    fx = pd.read_csv(RESULTS / "cif_fixture.csv")
    for group in ("A", "B", "Total"):
        sub = fx if group == "Total" else fx[fx["group"] == group]
        _check(aalen_johansen(sub["time"], sub["status"]), ref[(ref.source == "fixture") & (ref.group == group)])
    a = aalen_johansen(fx[fx.group == "A"]["time"], fx[fx.group == "A"]["status"])
    # hand check at t = 2: S(2-) = 11/12, one event among 11 at risk -> 1/12 + 11/12 * 1/11 = 1/6
    assert cif_at(a, 2)["cif"] == pytest.approx(1 / 6)
    assert round(cif_at(a, 8)["std_err"], 6) == 0.170625  # R 0.170624766822524


def test_tied_times_are_deterministic_and_consistent():
    fx = pd.read_csv(RESULTS / "cif_fixture.csv")
    one = aalen_johansen(fx["time"], fx["status"])
    two = aalen_johansen(fx["time"][::-1], fx["status"][::-1])
    pd.testing.assert_frame_equal(one, two)
    # event-free + CIF(event) + CIF(competing) = 1 at every time
    other = aalen_johansen(fx["time"], fx["status"].map({0: 0, 1: 2, 2: 1}))
    assert np.allclose(one["surv"] + one["cif"] + other["cif"], 1.0)
    # all-cause event-free probability equals the KM of any event
    km = km_curve(fx["time"], fx["status"] > 0)
    assert np.allclose(one["surv"], km["surv"])


def test_no_competing_events_gives_one_minus_km():
    t = [1, 2, 2, 3, 5, 8]
    s = [1, 0, 1, 1, 0, 1]
    cif = aalen_johansen(t, s)
    km = km_curve(t, s)
    assert np.allclose(cif["cif"], 1 - km["surv"])
    # without competing events the infinitesimal-jackknife SE reduces to Greenwood's
    assert np.allclose(cif["std_err"][:-1], km["std_err"][:-1])  # last: S = 0, SE undefined
    tied = aalen_johansen([1, 1, 2, 3, 3, 4, 5], [1, 1, 0, 1, 1, 0, 1])
    assert np.allclose(tied["std_err"][:4], km_curve([1, 1, 2, 3, 3, 4, 5], [1, 1, 0, 1, 1, 0, 1])["std_err"][:4])


def test_embedded_records_are_the_exported_ones(embedded_adam_dir):
    """The stored R input is the embedded study's records: if the simulation changes, the R
    reference must be regenerated (export + Rscript cif.R)."""
    adsl = read_analysis_dataset(embedded_adam_dir / "adsl.xpt", "ADSL")
    adtte = read_analysis_dataset(embedded_adam_dir / "adtte.xpt", "ADTTE")
    stored = pd.read_csv(RESULTS / "embedded_tte.csv")
    for p in ("TTDECOMP", "TTLTX"):
        rec = tte_records(adsl, adtte, p).records
        exp = stored[stored.paramcd == p].reset_index(drop=True)
        assert rec["USUBJID"].tolist() == exp["USUBJID"].tolist()
        assert rec["TIME"].tolist() == exp["time"].tolist()
        assert rec["STATUS"].tolist() == exp["status"].tolist()


def test_embedded_matches_r(reference):
    ref = reference("cif_reference.csv")
    stored = pd.read_csv(RESULTS / "embedded_tte.csv")
    for p in ("TTDECOMP", "TTLTX"):
        ep = stored[stored.paramcd == p]
        for group in list(ep["group"].unique()) + ["Total"]:
            sub = ep if group == "Total" else ep[ep["group"] == group]
            rows = ref[(ref.source == p) & (ref.group == group)]
            assert len(rows) == 4
            _check(aalen_johansen(sub["time"], sub["status"]), rows)
    ltx = stored[stored.paramcd == "TTLTX"]
    assert round(cif_at(aalen_johansen(ltx["time"], ltx["status"]), 393)["cif"], 6) == 0.117647
