"""Fixtures for the conformance checker tests (the package itself is in mini_package.py)."""

from __future__ import annotations

import pytest

from mini_package import Mini


@pytest.fixture
def mini(tmp_path) -> Mini:
    return Mini(tmp_path)
