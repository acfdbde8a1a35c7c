"""Ingest of a simulated study: it passes, balances, drops identifiers and reruns identically."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.raw.ingest import ISSUES_FILE, RECON_FILE, ingest
from raw_export import STUDY_SPEC

simulate = pytest.importorskip("analysis.simulate").simulate


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, study):
    raw = tmp_path_factory.mktemp("sim") / "raw"
    simulate(raw, seed=1, subjects_per_cohort=2, study_spec=str(STUDY_SPEC), progress=False)
    outs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name) / "out"
        result = ingest(raw, study, out)  # raises DataError on any hard problem
        outs.append((result, out))
    return raw, outs


def test_a_simulated_study_ingests_without_hard_problems(simulated, study):
    _, [(result, out), _] = simulated
    assert set(result.tables) == set(study.forms)
    assert (out / ISSUES_FILE).exists()


def test_reconciliation_balances_for_every_form(simulated, study):
    raw, [(_, out), _] = simulated
    recon = pd.read_csv(out / RECON_FILE, keep_default_na=False)
    for form, rows in recon.groupby("FORM"):
        read = rows.loc[rows.STATUS == "read", "RECORDS"].item()
        kept = rows.loc[rows.STATUS == "passed on", "RECORDS"].item()
        assert kept + rows.loc[rows.STATUS == "set aside", "RECORDS"].sum() == read, form
    for name, form in study.forms.items():
        if form.format == "csv":
            n = len(pd.read_csv(raw / form.file, dtype=str, keep_default_na=False))
            assert recon.query("FORM == @name and STATUS == 'read'")["RECORDS"].item() == n, name


def test_identifiers_are_absent_from_the_tables(simulated):
    _, [(_, out), _] = simulated
    enrolment = pd.read_parquet(out / "enrolment.parquet")
    assert "INITIALS" not in enrolment.columns
    assert enrolment["BRTHDAT"].str.fullmatch(r"\d{4}").all()
    for path in out.glob("*.parquet"):
        assert "INITIALS" not in pd.read_parquet(path).columns, path.name


def test_rerun_outputs_are_byte_identical(simulated):
    _, [(_, first), (_, second)] = simulated
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
