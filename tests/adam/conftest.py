"""The embedded study's SDTM, built once per test session from data/raw (ingest + sdtm, a few
seconds), so the ADaM tests that run on real SDTM never depend on a previous snakemake run."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def embedded_sdtm_dir(tmp_path_factory) -> Path:
    from analysis.raw.ingest import ingest
    from analysis.sdtm.build import build_sdtm
    from analysis.specs import load_study

    study = load_study(ROOT / "specs" / "study.yaml")
    tables = tmp_path_factory.mktemp("adam-tables")
    ingest(ROOT / "data" / "raw", study, tables)
    out = tmp_path_factory.mktemp("adam-sdtm")
    build_sdtm(tables, study, out)
    return out
