"""A snapshot laid out like outputs/<cut>/ (sdtm/, adam/ with define.xml, conformance/, a TLF
file and a log) inside a scratch repository root (data/raw, specs, config, the code), built from
the session's embedded SDTM/ADaM; and the package + manifest built from it once per session.
The code is copied into the scratch root, so two builds cannot see different code while other
work goes on in the repository (and the root is not a git checkout: code version = package)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from package_helpers import build_all, make_root


@pytest.fixture(scope="session")
def package_template(tmp_path_factory, embedded_sdtm_dir, embedded_adam_dir) -> Path:
    """A read-only scratch root with outputs/full ready to package (no m5, no manifest)."""
    return make_root(tmp_path_factory.mktemp("package-template") / "root", embedded_sdtm_dir, embedded_adam_dir)


@pytest.fixture(scope="session")
def built_root(tmp_path_factory, package_template) -> Path:
    """Template copy with the package and manifest built (read-only for tests)."""
    root = tmp_path_factory.mktemp("package-built") / "root"
    shutil.copytree(package_template, root)
    build_all(root)
    return root


@pytest.fixture()
def fresh_built_root(tmp_path, built_root) -> Path:
    """A private copy of the built root for tests that change files."""
    root = tmp_path / "root"
    shutil.copytree(built_root, root)
    return root
