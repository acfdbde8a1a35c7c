"""Clinical scores for ADaM: MELD family, Child-Pugh, RAND-36 / SF-36 summaries, CLDQ, EQ-5D-5L.

Each function takes inputs as collected (SI lab units, SDTM RS/QS codes) and is vectorised:
scalars in -> float out, Series in -> Series out, NaN in -> NaN out. See docs/scores.md.
ECOG performance status is analysed as collected (RS ECOG101) and needs no function.
"""

from analysis.adam.scores._common import round_half_up
from analysis.adam.scores.child_pugh import (
    child_pugh_class,
    child_pugh_points_albumin,
    child_pugh_points_ascites,
    child_pugh_points_bilirubin,
    child_pugh_points_encephalopathy,
    child_pugh_points_inr,
    child_pugh_score,
)
from analysis.adam.scores.cldq import CLDQ_DOMAINS, cldq_scores
from analysis.adam.scores.eq5d import EQ5D5L_VALUE_SETS, eq5d5l_index, eq5d5l_profile
from analysis.adam.scores.meld import meld3, meld_na, meld_raw, meld_unos
from analysis.adam.scores.rand36 import (
    RAND36_RECODE,
    RAND36_SCALES,
    rand36_recode,
    rand36_scales,
    sf36_summary_scores,
)

__all__ = [
    "CLDQ_DOMAINS",
    "EQ5D5L_VALUE_SETS",
    "RAND36_RECODE",
    "RAND36_SCALES",
    "child_pugh_class",
    "child_pugh_points_albumin",
    "child_pugh_points_ascites",
    "child_pugh_points_bilirubin",
    "child_pugh_points_encephalopathy",
    "child_pugh_points_inr",
    "child_pugh_score",
    "cldq_scores",
    "eq5d5l_index",
    "eq5d5l_profile",
    "meld3",
    "meld_na",
    "meld_raw",
    "meld_unos",
    "rand36_recode",
    "rand36_scales",
    "round_half_up",
    "sf36_summary_scores",
]
