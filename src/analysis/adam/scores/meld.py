"""MELD family: original MELD (Kamath 2001), the OPTN integer, OPTN MELD-Na (2016), MELD 3.0 (Kim 2021).

Inputs are SI units as the labs arrive: bilirubin and creatinine in umol/L, albumin in g/L,
sodium in mmol/L (= mEq/L), INR as a ratio. They are converted to US units first
(bilirubin / 17.1, creatinine / 88.4, albumin / 10 -> mg/dL, mg/dL, g/dL), and only then bounded,
because every published bound is in US units (domain reference 1.2).

**Registry text is garbled.** The trial registry (NCT05948982) prints
"R = 3.78 * ln [T-Bil (umol/L) / 17.1] ln (INR) + 9.57 + 11.2 * * ln Cr (umol/L) / 88.4 + 6.43 * the
etiology": the INR and creatinine coefficients are displaced and operators are missing. The correct
Kamath formula, keeping the registry's unit conversions and aetiology coding, is

    MELD = 9.57 ln(Cr mg/dL) + 3.78 ln(Bili mg/dL) + 11.2 ln(INR) + 6.43 * E

with E = 0 for cholestatic/alcoholic and 1 for viral and other causes. All subjects here have HBV
cirrhosis (E = 1), so the 6.43 term is always present, which equals the UNOS convention of giving
every candidate the constant; no aetiology argument is therefore taken.

Bounds (OPTN policy 9.1, Wiesner 2003): bilirubin, creatinine and INR below 1.0 are set to 1.0;
creatinine above 4.0 mg/dL (353.6 umol/L), or any value when the patient is on dialysis
(>= 2 sessions or >= 24 h CVVHD in the 7 days before the test), is set to 4.0. MELD 3.0 uses 3.0 mg/dL
instead of 4.0 and also bounds sodium (125..137) and albumin (1.5..3.5 g/dL).

Rounding is half-up (11.5 -> 12) as OPTN and SAS ROUND do, never Python's banker's rounding.

Missing values: any missing lab -> NaN. A missing dialysis flag counts as "not on dialysis", as in the
CU-Anschutz sas-macros meld.sas ("If dialysis is missing, calculations will assume no dialysis"),
because dialysis is recorded only when it happens.

Sources: Kamath PS et al., Hepatology 2001;33:464-470; Wiesner R et al., Gastroenterology
2003;124:91-96; OPTN policy notice 11/2015 (MELD-Na); Kim WR et al., Gastroenterology
2021;161:1887-1895.e4 (MELD 3.0); CU-Anschutz-DOS-CORP/sas-macros meld.sas; ampel-leipzig/ameld.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.adam.scores._common import (
    ALBUMIN_GL_PER_GDL,
    BILIRUBIN_UMOL_PER_MGDL,
    CREATININE_UMOL_PER_MGDL,
    as_float,
    check_flag,
    check_nonnegative,
    round_half_up,
    shape_like,
)

MELD_CREATININE_CAP = 4.0  # mg/dL, original/OPTN MELD and MELD-Na
MELD3_CREATININE_CAP = 3.0  # mg/dL, MELD 3.0
SODIUM_BOUNDS = (125.0, 137.0)  # mmol/L, MELD-Na (OPTN 2016) and MELD 3.0
ALBUMIN_BOUNDS_GDL = (1.5, 3.5)  # g/dL, MELD 3.0
OPTN_RANGE = (6.0, 40.0)
MELD_NA_THRESHOLD = 11.0  # sodium term applies only when MELD(i) > 11


def _lab(x: Any, name: str) -> np.ndarray:
    arr = as_float(x, name)
    check_nonnegative(arr, name)
    return arr


def _dialysis(x: Any) -> np.ndarray:
    arr = as_float(x, "dialysis")
    check_flag(arr, "dialysis")
    # Dialysis is recorded only when it happens, so a missing flag means "not on dialysis" (sas-macros).
    return np.nan_to_num(arr, nan=0.0)


def _bounded_creatinine(creatinine_umol: np.ndarray, dialysis: np.ndarray, cap: float) -> np.ndarray:
    cr = np.maximum(creatinine_umol / CREATININE_UMOL_PER_MGDL, 1.0)
    cr = np.minimum(cr, cap)
    # Dialysis overrides the measured value (the test reflects dialysis, not kidney function);
    # a missing creatinine stays missing.
    return np.where((dialysis == 1) & ~np.isnan(cr), cap, cr)


def _meld_terms(bilirubin: Any, creatinine: Any, inr: Any, dialysis: Any) -> np.ndarray:
    """Kamath R = 0.957 ln Cr + 0.378 ln Bili + 1.120 ln INR + 0.643 on OPTN-bounded US-unit inputs."""
    bili = np.maximum(_lab(bilirubin, "bilirubin") / BILIRUBIN_UMOL_PER_MGDL, 1.0)
    i = np.maximum(_lab(inr, "inr"), 1.0)
    cr = _bounded_creatinine(_lab(creatinine, "creatinine"), _dialysis(dialysis), MELD_CREATININE_CAP)
    return 0.957 * np.log(cr) + 0.378 * np.log(bili) + 1.120 * np.log(i) + 0.643


def meld_raw(bilirubin: Any, creatinine: Any, inr: Any, dialysis: Any = False) -> Any:
    """Continuous (unrounded, uncapped) MELD: 9.57 ln Cr + 3.78 ln Bili + 11.2 ln INR + 6.43.

    Kamath 2001 with E = 1 (viral aetiology) and the OPTN bounds (values < 1 -> 1; creatinine
    capped at 4.0 mg/dL, or set to 4.0 on dialysis). Inputs: bilirubin and creatinine in umol/L.

    >>> round(meld_raw(1.9 * 17.1, 1.3 * 88.4, 1.2), 2)   # calculatorlib worked example
    13.41
    """
    r = _meld_terms(bilirubin, creatinine, inr, dialysis)
    return shape_like(10.0 * r, bilirubin, creatinine, inr, dialysis)


def _meld_optn(bilirubin: Any, creatinine: Any, inr: Any, dialysis: Any) -> np.ndarray:
    """OPTN MELD(i) before the 40 cap: round(R, 1) * 10 (so an integer), half-up."""
    r = _meld_terms(bilirubin, creatinine, inr, dialysis)
    return np.asarray(round_half_up(r, 1)) * 10.0


def meld_unos(bilirubin: Any, creatinine: Any, inr: Any, dialysis: Any = False) -> Any:
    """OPTN/UNOS integer MELD: round(R, 1) * 10, bounded to 6..40.

    R = 0.957 ln Cr + 0.378 ln Bili + 1.120 ln INR + 0.643 (US units after the OPTN bounds).
    Inputs: bilirubin and creatinine in umol/L.

    >>> meld_unos(2.5 * 17.1, 1.2 * 88.4, 1.0)   # R = 1.1638 -> 1.2 -> 12
    12.0
    """
    m = _meld_optn(bilirubin, creatinine, inr, dialysis)
    return shape_like(np.clip(m, *OPTN_RANGE), bilirubin, creatinine, inr, dialysis)


def meld_na(bilirubin: Any, creatinine: Any, inr: Any, sodium: Any, dialysis: Any = False) -> Any:
    """OPTN MELD-Na (policy effective 11 Jan 2016), integer, capped at 40.

    MELD-Na = MELD(i) + 1.32 (137 - Na) - 0.033 MELD(i) (137 - Na), Na bounded to 125..137,
    applied only when MELD(i) > 11 (otherwise MELD-Na = MELD(i)); rounded half-up, capped at 40.

    MELD(i) is the *rounded* OPTN integer (round(R, 1) * 10), as in the CU-Anschutz sas-macros
    meld.sas and the OPTN calculator; ameld::meld_na feeds the unrounded value instead, which can
    move the result by about 1 point. The OPTN threshold rule (> 11) is followed, i.e. the SAS
    macro's default meldNaAlways=1 is *not*. MELD(i) is fed uncapped; capping it at 40 first gives
    the same final score because the sodium term is <= 0 whenever MELD(i) >= 40.

    >>> meld_na(2.5 * 17.1, 1.2 * 88.4, 1.0, 131)   # 12 + 1.32*6 - 0.033*12*6 = 17.544 -> 18
    18.0
    """
    m = _meld_optn(bilirubin, creatinine, inr, dialysis)
    na = np.clip(_lab(sodium, "sodium"), *SODIUM_BOUNDS)
    deficit = 137.0 - na
    with_na = m + 1.32 * deficit - 0.033 * m * deficit
    # NaN sodium must give NaN even when MELD(i) <= 11 would make the sodium term irrelevant,
    # so the result never looks complete when an input is missing.
    score = np.where(m > MELD_NA_THRESHOLD, with_na, m + 0.0 * na)
    score = np.minimum(np.asarray(round_half_up(score)), OPTN_RANGE[1])
    return shape_like(score, bilirubin, creatinine, inr, sodium, dialysis)


def meld3(
    bilirubin: Any,
    creatinine: Any,
    inr: Any,
    sodium: Any,
    albumin: Any,
    female: Any,
    dialysis: Any = False,
    rounded: bool = True,
    cap40: bool = False,
) -> Any:
    """MELD 3.0 (Kim 2021), adults:

    1.33 female + 4.56 ln Bili + 0.82 (137 - Na) - 0.24 (137 - Na) ln Bili + 9.09 ln INR
    + 11.14 ln Cr + 1.85 (3.5 - Alb) - 1.83 (3.5 - Alb) ln Cr + 6

    Bounds: bilirubin, INR, creatinine < 1 -> 1; creatinine capped at 3.0 mg/dL (set to 3.0 on
    dialysis); Na 125..137; albumin 1.5..3.5 g/dL. Inputs: bilirubin/creatinine umol/L, albumin g/L.
    `rounded=True` rounds half-up to an integer; `rounded=False` returns the continuous score.
    Uncapped by default (sources conflict on the 40 cap; the domain reference recommends the
    uncapped value for a trial covariate); `cap40=True` applies min(score, 40).
    The OPTN +1.33 for candidates under 18 does not apply (adults only).

    >>> round(meld3(2.5 * 17.1, 1.2 * 88.4, 1.0, 131, 38, female=False, rounded=False), 2)
    15.81
    >>> meld3(2.5 * 17.1, 1.2 * 88.4, 1.0, 131, 38, female=True)
    17.0
    """
    if not isinstance(rounded, (bool, np.bool_)) or not isinstance(cap40, (bool, np.bool_)):
        raise ValueError("rounded and cap40 must be booleans")
    bili = np.maximum(_lab(bilirubin, "bilirubin") / BILIRUBIN_UMOL_PER_MGDL, 1.0)
    i = np.maximum(_lab(inr, "inr"), 1.0)
    cr = _bounded_creatinine(_lab(creatinine, "creatinine"), _dialysis(dialysis), MELD3_CREATININE_CAP)
    na = np.clip(_lab(sodium, "sodium"), *SODIUM_BOUNDS)
    alb = np.clip(_lab(albumin, "albumin") / ALBUMIN_GL_PER_GDL, *ALBUMIN_BOUNDS_GDL)
    fem = as_float(female, "female")
    check_flag(fem, "female")
    na_gap, alb_gap = 137.0 - na, 3.5 - alb
    score = (
        1.33 * fem
        + 4.56 * np.log(bili)
        + 0.82 * na_gap
        - 0.24 * na_gap * np.log(bili)
        + 9.09 * np.log(i)
        + 11.14 * np.log(cr)
        + 1.85 * alb_gap
        - 1.83 * alb_gap * np.log(cr)
        + 6.0
    )
    if rounded:
        score = np.asarray(round_half_up(score))
    if cap40:
        score = np.minimum(score, OPTN_RANGE[1])
    return shape_like(score, bilirubin, creatinine, inr, sodium, albumin, female, dialysis)
