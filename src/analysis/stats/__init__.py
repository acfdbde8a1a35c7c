"""Statistical models for the analysis layer.

- `fit_mmrm` / `fit_mmrm_design` / `fit_with_fallback`: mixed model for repeated measures
  (SAS PROC MIXED REPEATED / nlme::gls / R mmrm), see `analysis.stats.mmrm` and docs/mmrm.md.
"""

from .mmrm import (FALLBACK_ORDER, MMRMConvergenceError, MMRMResults, fit_mmrm,
                   fit_mmrm_design, fit_with_fallback)
from .structures import STRUCTURES

__all__ = ["FALLBACK_ORDER", "MMRMConvergenceError", "MMRMResults", "STRUCTURES", "fit_mmrm",
           "fit_mmrm_design", "fit_with_fallback"]
