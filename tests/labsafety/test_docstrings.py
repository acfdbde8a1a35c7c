"""Every lab-safety module's >>> examples run (they double as small hand-checked tests)."""

import doctest
import importlib
import pkgutil

import pytest

import analysis.labsafety

MODULES = sorted(m.name for m in pkgutil.walk_packages(analysis.labsafety.__path__, "analysis.labsafety."))


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_functions_have_examples_or_docs():
    for name in MODULES:
        mod = importlib.import_module(name)
        for fname, fn in vars(mod).items():
            if callable(fn) and not fname.startswith("_") and getattr(fn, "__module__", "") == name:
                assert fn.__doc__, f"{name}.{fname} has no docstring"
