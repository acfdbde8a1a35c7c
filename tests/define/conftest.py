"""The embedded study taken through ingest and SDTM once, and its define.xml; a small ADaM
fixture and its define.xml."""

from __future__ import annotations

import pytest

from analysis.define import write_define
from analysis.raw.ingest import ingest
from analysis.sdtm.build import build_sdtm
from analysis.specs import load_study
from define_paths import CT, RAW, SPECS, STUDY


@pytest.fixture(scope="session")
def study():
    return load_study(STUDY)


@pytest.fixture(scope="session")
def sdtm_dir(tmp_path_factory, study):
    tables = tmp_path_factory.mktemp("define_tables")
    ingest(RAW, study, tables)
    out = tmp_path_factory.mktemp("define_sdtm")
    build_sdtm(tables, study, out)
    return out


@pytest.fixture(scope="session")
def define(tmp_path_factory, sdtm_dir, study):
    """(result, parsed tree) of define.xml written for the embedded study."""
    from lxml import etree

    out = tmp_path_factory.mktemp("define") / "define.xml"
    result = write_define(sdtm_dir, SPECS, study, out, CT, created="2024-06-30")
    return result, etree.parse(str(out))


@pytest.fixture(scope="session")
def adam_files(tmp_path_factory):
    """(specs folder, ADaM folder) of the small ADaM fixture (tests/define/adam_fixture.py)."""
    from adam_fixture import write_adam_fixture

    return write_adam_fixture(tmp_path_factory.mktemp("define_adam"))


@pytest.fixture(scope="session")
def adam_define(tmp_path_factory, adam_files, study):
    """(result, parsed tree) of define.xml written for the ADaM fixture."""
    from lxml import etree

    from analysis.define import write_adam_define

    specs_dir, adam_dir = adam_files
    out = tmp_path_factory.mktemp("define_adam_out") / "define.xml"
    result = write_adam_define(adam_dir, specs_dir, study, out, CT, created="2024-06-30")
    return result, etree.parse(str(out))
