"""Clinical assessment forms: vital signs, FibroScan, ECOG, Child-Pugh components, PROs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.simulate import fmt
from analysis.simulate.labs import _subject_index, infusion_start_minutes
from analysis.simulate.schedule import assessment_samples
from analysis.simulate.subjects import severity, stream
from analysis.specs import Study

ITEM_MISSING_RATE = 0.02
# RAND-36 item groups by which end of the response scale is best (domain reference 5.1).
SF36_LOW_IS_BEST = {1, 2, 20, 21, 22, 23, 26, 27, 30, 34, 36}
SF36_LEVELS = {**{i: 5 for i in (1, 2, 20, 22, 32, 33, 34, 35, 36)}, **{i: 3 for i in range(3, 13)},
               **{i: 2 for i in range(13, 20)}, **{i: 6 for i in (21, *range(23, 32))}}


def _qol(subjects, samples, rng) -> np.ndarray:
    """Latent quality of life on the sample day: tracks severity, improves with treatment."""
    sidx = _subject_index(subjects, samples["SUBJID"])
    sev = severity(subjects, sidx, samples["day"].to_numpy(), rng)
    return subjects["qol"].to_numpy()[sidx] - 0.6 * (sev - subjects["z0"].to_numpy()[sidx]) + rng.normal(0, 0.3, len(samples))


def _items(theta: np.ndarray, levels: np.ndarray, low_is_best: np.ndarray, rng, ease: float = 0.3) -> np.ndarray:
    """Ordinal responses from a latent trait: 'goodness' in [0, 1] mapped to response levels.

    `ease` shifts the whole instrument: most cirrhosis patients report no or slight problems
    on the EQ-5D dimensions, fewer on the more sensitive SF-36 and CLDQ items.
    """
    n, k = len(theta), len(levels)
    good = 1 / (1 + np.exp(-(0.9 * theta[:, None] + rng.normal(ease, 0.8, (n, k)))))
    step = np.floor(good * levels[None, :]).clip(0, levels[None, :] - 1)  # 0 = worst
    resp = np.where(low_is_best[None, :], levels[None, :] - step, step + 1)
    resp = resp.astype(float)
    resp[rng.random((n, k)) < ITEM_MISSING_RATE] = np.nan
    return resp


def _base(samples: pd.DataFrame, date_col: str) -> dict:
    return {"SUBJID": samples["SUBJID"], "VISIT": samples["VISIT"], date_col: fmt.dates(samples["date"])}


def vital_signs(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "vital_signs")
    s = assessment_samples(visits, study, "vital_signs", infusions, include_unscheduled=True)
    n = len(s)
    sidx = _subject_index(subjects, s["SUBJID"])
    ns = len(subjects)
    start = infusion_start_minutes(s, infusions)
    minutes = np.where(s["tpt_minutes"].isna(), 8 * 60 + rng.integers(0, 180, n), start + s["tpt_minutes"].fillna(0))
    post = (s["TPT"] == "2H POST-DOSE").to_numpy()
    weight = subjects["weight"].to_numpy()[sidx] + rng.normal(0, 0.8, n)
    return fmt.frame({
        **_base(s, "VSDAT"), "VSTPT": s["TPT"], "VSTIM": fmt.clock(minutes),
        "SYSBP": fmt.integers(rng.normal(118, 10, ns)[sidx] + rng.normal(0, 7, n)),
        "DIABP": fmt.integers(rng.normal(72, 7, ns)[sidx] + rng.normal(0, 5, n)),
        "PULSE": fmt.integers(rng.normal(78, 8, ns)[sidx] + rng.normal(0, 6, n) + 6 * post),
        "RESP": fmt.integers(rng.normal(17, 1.5, n)),
        "TEMP": fmt.numbers(36.5 + rng.normal(0, 0.25, n) + post * rng.exponential(0.25, n), 1),
        "WEIGHT": fmt.numbers(weight, 1),
    })


def fibroscan(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "fibroscan")
    s = assessment_samples(visits, study, "fibroscan", infusions)
    n = len(s)
    sidx = _subject_index(subjects, s["SUBJID"])
    sev = severity(subjects, sidx, s["day"].to_numpy(), rng)
    lsm = np.clip(22 * np.exp(0.3 * sev + rng.normal(0, 0.12, n)), 6, 75)
    iqr_med = np.clip(rng.normal(14, 5, n), 3, 45)
    return fmt.frame({
        **_base(s, "FSDAT"), "LSM": fmt.numbers(lsm, 1), "LSMIQR": fmt.numbers(lsm * iqr_med / 100, 1),
        "IQRMED": fmt.integers(iqr_med), "CAP": fmt.integers(rng.normal(225, 30, n)),
        "VALIDN": fmt.integers(np.where(rng.random(n) < 0.9, 10, rng.integers(6, 10, n))),
    })


def ecog(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "ecog")
    s = assessment_samples(visits, study, "ecog", infusions)
    sidx = _subject_index(subjects, s["SUBJID"])
    sev = severity(subjects, sidx, s["day"].to_numpy(), rng)
    grade = np.clip(np.round(0.8 + 0.7 * sev + rng.normal(0, 0.4, len(s))), 0, 3)
    return fmt.frame({**_base(s, "ECOGDAT"), "ECOG": fmt.integers(grade)})


def child_pugh(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "child_pugh")
    s = assessment_samples(visits, study, "child_pugh_clinical", infusions)
    n = len(s)
    sidx = _subject_index(subjects, s["SUBJID"])
    sev = severity(subjects, sidx, s["day"].to_numpy(), rng)
    asc = np.digitize(sev + rng.normal(0, 0.5, n), [-0.3, 1.2])
    he = np.digitize(sev + rng.normal(0, 0.5, n), [0.9, 1.9, 2.8])
    diuretic = np.where(asc >= 1, np.where(rng.random(n) < 0.8, "Y", "N"), "N")
    return fmt.frame({
        **_base(s, "CPDAT"), "ASCITES": np.array(["NONE", "MILD", "MODERATE-SEVERE"])[asc],
        "HEGRADE": he.astype(str), "DIURETIC": diuretic,
    })


def sf36(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "sf36")
    s = assessment_samples(visits, study, "sf36", infusions)
    theta = _qol(subjects, s, rng)
    items = range(1, 37)
    resp = _items(theta, np.array([SF36_LEVELS[i] for i in items]),
                  np.array([i in SF36_LOW_IS_BEST for i in items]), rng)
    return fmt.frame({**_base(s, "QSDAT"), **{f"Q{i:02d}": fmt.integers(resp[:, i - 1]) for i in items}})


def cldq(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "cldq")
    s = assessment_samples(visits, study, "cldq", infusions)
    theta = _qol(subjects, s, rng)
    resp = _items(theta, np.full(29, 7), np.zeros(29, dtype=bool), rng, ease=0.6)
    return fmt.frame({**_base(s, "QSDAT"), **{f"Q{i:02d}": fmt.integers(resp[:, i - 1]) for i in range(1, 30)}})


def eq5d5l(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "eq5d5l")
    s = assessment_samples(visits, study, "eq5d5l", infusions)
    theta = _qol(subjects, s, rng)
    resp = _items(theta, np.full(5, 5), np.ones(5, dtype=bool), rng, ease=1.6)
    vas = np.clip(np.round(65 + 12 * theta + rng.normal(0, 8, len(s))), 0, 100)
    dims = ("MO", "SC", "UA", "PD", "AD")
    return fmt.frame({**_base(s, "QSDAT"), **{d: fmt.integers(resp[:, k]) for k, d in enumerate(dims)},
                      "VAS": fmt.integers(vas)})
