"""Statistical models for the analysis layer.

- `fit_mmrm` / `fit_mmrm_design` / `fit_with_fallback`: mixed model for repeated measures
  (SAS PROC MIXED REPEATED / nlme::gls / R mmrm), see `analysis.stats.mmrm` and docs/mmrm.md.
- `fit_random_slope`, `ancova`: sensitivity analyses, see `analysis.stats.sensitivity`.
"""

from .mmrm import (FALLBACK_ORDER, MMRMConvergenceError, MMRMResults, fit_mmrm,
                   fit_mmrm_design, fit_with_fallback)
from .sensitivity import AncovaResult, ancova, fit_random_slope
from .structures import STRUCTURES

__all__ = ["AncovaResult", "FALLBACK_ORDER", "MMRMConvergenceError", "MMRMResults", "STRUCTURES", "ancova",
           "fit_mmrm", "fit_mmrm_design", "fit_random_slope", "fit_with_fallback"]
