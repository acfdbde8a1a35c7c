"""Statistical models for the analysis layer.

- `fit_mmrm` / `fit_mmrm_design` / `fit_with_fallback`: mixed model for repeated measures
  (SAS PROC MIXED REPEATED / nlme::gls / R mmrm), see `analysis.stats.mmrm` and docs/mmrm.md.
- `fit_random_slope`, `ancova`: sensitivity analyses, see `analysis.stats.sensitivity`.
- `groups`, `proportions`: populations, treatment groups, exact CIs for the summary tables.

The model names load on first use, so importing a light submodule (e.g. `analysis.stats.groups`
from a command-line parser) does not pay for scipy and the MMRM code.
"""

import importlib

_LAZY = {"FALLBACK_ORDER": "mmrm", "MMRMConvergenceError": "mmrm", "MMRMResults": "mmrm", "fit_mmrm": "mmrm",
         "fit_mmrm_design": "mmrm", "fit_with_fallback": "mmrm", "AncovaResult": "sensitivity",
         "ancova": "sensitivity", "fit_random_slope": "sensitivity", "STRUCTURES": "structures"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
