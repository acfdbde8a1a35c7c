"""The embedded study's SDTM and ADaM, built once per test session from data/raw (ingest + SDTM
+ ADaM, a few seconds), so tests on real data never depend on a previous snakemake run. Tests
must treat these folders as read-only: every test folder shares them."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def embedded_sdtm_dir(tmp_path_factory) -> Path:
    from analysis.raw.ingest import ingest
    from analysis.sdtm.build import build_sdtm
    from analysis.specs import load_study

    study = load_study(ROOT / "specs" / "study.yaml")
    tables = tmp_path_factory.mktemp("embedded-tables")
    ingest(ROOT / "data" / "raw", study, tables)
    out = tmp_path_factory.mktemp("embedded-sdtm")
    build_sdtm(tables, study, out)
    return out


@pytest.fixture(scope="session")
def embedded_adam_dir(tmp_path_factory, embedded_sdtm_dir) -> Path:
    from analysis.adam.build import build_adam
    from analysis.specs import load_study

    out = tmp_path_factory.mktemp("embedded-adam")
    build_adam(embedded_sdtm_dir, load_study(ROOT / "specs" / "study.yaml"), out)
    return out
