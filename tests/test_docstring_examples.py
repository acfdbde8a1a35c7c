"""Every analysis-layer module documents itself with runnable examples (admiral style); run
them all, so an example that drifts from the code fails here. (The ADaM layer has its own
runner, tests/adam/test_adam_docstring_examples.py, which also requires examples on its verbs.)"""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["analysis.safety", "analysis.dosefinding", "analysis.labsafety", "analysis.population", "analysis.tlf",
            "analysis.survival", "analysis.cytokines", "analysis.efficacy",
            "analysis.tlfcat", "analysis.package"]
SHARED = ["analysis.ard", "analysis.stats.groups", "analysis.stats.proportions", "analysis.stats.descriptive",
          "analysis.outputs", "analysis.fileio", "analysis.codeversion", "analysis.xpt_reader"]


def _modules() -> list[str]:
    names = list(SHARED)
    for package in PACKAGES:
        mod = importlib.import_module(package)
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, package + ".")]
    return sorted(names)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"


@pytest.mark.parametrize("package", ["analysis.labsafety", "analysis.dosefinding"])
def test_public_functions_have_docstrings(package):
    missing = []
    for name in (m for m in MODULES if m.startswith(package + ".")):
        mod = importlib.import_module(name)
        for fname, fn in vars(mod).items():
            if callable(fn) and not fname.startswith("_") and getattr(fn, "__module__", "") == name and not fn.__doc__:
                missing.append(f"{name}.{fname}")
    assert not missing, f"public functions without a docstring: {missing}"
