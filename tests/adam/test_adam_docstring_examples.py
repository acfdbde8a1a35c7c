"""Every ADaM verb, builder helper and score documents itself with a runnable example
(admiral style); run them all, so an example that drifts from the code fails here."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import analysis.adam

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(m.name for m in pkgutil.walk_packages(analysis.adam.__path__, "analysis.adam."))


@pytest.mark.parametrize("name", MODULES + ["analysis.xpt"])
def test_examples_run(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # some examples read specs/study.yaml
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"


def test_the_verbs_have_examples():
    missing = []
    for name in MODULES:
        if ".derive." not in name:
            continue
        mod = importlib.import_module(name)
        for fname, fn in vars(mod).items():
            if fname.startswith(("derive_", "impute_")) and getattr(fn, "__module__", "") == name:
                if ">>>" not in (fn.__doc__ or ""):
                    missing.append(f"{name}.{fname}")
    assert not missing, f"verbs without a runnable example: {missing}"
