"""Lab safety outputs: CTCAE shift tables, treatment-emergent lab abnormalities, eDISH (Hy's
law) and the exposure summary. Options come from specs/analysis/lab_safety.yaml."""

from .abnormalities import te_lab_abnormalities, worsening_flags
from .cli import register, run_all
from .edish import edish_outputs, edish_peaks, quadrant
from .exposure import ExposureVariable, describe, exposure_summary
from .shift import ShiftParam, ShiftScale, shift_table, worst_by_subject

__all__ = [
           "ExposureVariable",
           "ShiftParam",
           "ShiftScale",
           "describe",
           "edish_outputs",
           "edish_peaks",
           "exposure_summary",
           "quadrant",
           "register",
           "run_all",
           "shift_table",
           "te_lab_abnormalities",
           "worsening_flags",
           "worst_by_subject",
]
