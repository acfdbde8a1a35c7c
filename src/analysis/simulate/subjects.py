"""Subject-level simulation: who is screened and enrolled, their disease, their fate.

Everything here is a vector over subjects (numpy arrays in one DataFrame), so a 3,000-subject
study costs the same code path as the 18-subject one. Assumptions about the simulated world
(rates, distributions) are module constants with their reasoning; study facts (cohorts, doses,
visits, windows) come from the study spec.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.specs import Study

STUDY_START = np.datetime64("2024-03-04")
MIN_SITES = 3
SUBJECTS_PER_SITE = 400  # subject numbers are 3 digits within a site (raw spec pattern)
SCREEN_FAIL_FRACTION = 0.2
# Annual hazards at average severity (z = 0); severity multiplies them by exp(beta * z).
# Decompensated HBV cirrhosis: ~10-20 %/year mortality, a few % transplant and HCC a year.
HAZARDS = {  # name: (events per year at z=0, beta on baseline severity)
    "death": (0.09, 0.9),
    "transplant": (0.05, 0.6),
    "withdrawal": (0.06, 0.0),
    "hcc": (0.035, 0.3),
    "hepatic_failure": (0.04, 0.9),
}
DECOMP_RATE = 0.45  # new decompensation events per year at z = 0
DECOMP_TYPES = {  # share of new decompensation events
    "ASCITES": 0.45, "VARICEAL BLEEDING": 0.2, "HEPATIC ENCEPHALOPATHY": 0.2,
    "SPONTANEOUS BACTERIAL PERITONITIS": 0.1, "HEPATORENAL SYNDROME": 0.05,
}
SCREEN_FAIL_REASONS = (
    ("EX02", "Child-Pugh score > 12"),
    ("IN04", "HBV DNA > 1000 IU/mL"),
    ("EX03", "Liver lesion suspicious of HCC on screening imaging"),
    ("EX05", "Variceal bleeding within 4 weeks before screening"),
    ("IN05", "Consent withdrawn before enrolment"),
)
INITIAL_LETTERS = np.array(list("ABCDFGHJKLMNPQRSTWXYZ"))


def stream(seed: int, name: str) -> np.random.Generator:
    """Independent, named random stream: one form's draws never shift another's."""
    key = [ord(ch) for ch in name]
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _days(x) -> np.ndarray:
    return np.asarray(np.round(x), dtype="int64").astype("timedelta64[D]")


def screen_subjects(study: Study, seed: int, per_cohort: int) -> pd.DataFrame:
    """One row per screened subject: demographics, screening outcome, cohort and key dates."""
    rng = stream(seed, "subjects")
    cohorts = study.cohorts
    n_enr = per_cohort * len(cohorts)
    n_sf = max(1, int(round(SCREEN_FAIL_FRACTION * n_enr)))
    n = n_enr + n_sf
    enrolled = np.zeros(n, dtype=bool)
    enrolled[rng.choice(n, size=n_enr, replace=False)] = True
    # Sequential cohorts: cohort k enrols after cohort k-1 passed its DLT window, so screening
    # order follows cohort order; screen failures are interleaved in time.
    cohort = np.zeros(n, dtype=int)
    cohort[enrolled] = np.repeat([c["cohort"] for c in cohorts], per_cohort)
    dose = np.zeros(n)
    dose[enrolled] = np.repeat([c["dose"] for c in cohorts], per_cohort)
    cohort_rank = np.zeros(n)
    cohort_rank[enrolled] = np.repeat(np.arange(len(cohorts)), per_cohort)
    cohort_rank[~enrolled] = rng.uniform(0, len(cohorts), size=n_sf)
    # Accrual: each cohort takes ~ 7 days per subject per site, cohorts start 60 days apart.
    # Larger studies open more sites, so no site runs out of 3-digit subject numbers.
    sites = [f"{i:02d}" for i in range(1, max(MIN_SITES, -(-n // SUBJECTS_PER_SITE)) + 1)]
    accrual_days = max(21.0, 7.0 * per_cohort / len(sites) * 3)
    within = rng.uniform(0, accrual_days, size=n)
    consent_day = np.floor(cohort_rank) * (accrual_days + 45) + within
    order = np.argsort(consent_day, kind="stable")
    site = rng.choice(len(sites), size=n)
    subjects = pd.DataFrame({
        "order": np.arange(n), "enrolled": enrolled[order], "cohort": cohort[order],
        "dose": dose[order], "site": np.array(sites)[site[order]],
        "consent": STUDY_START + _days(consent_day[order]),
    })
    subjects["SUBJID"] = subjects["site"] + "-" + (
        subjects.groupby("site").cumcount() + 1).map("{:03d}".format)
    n = len(subjects)
    female = rng.random(n) < 0.25
    age = np.clip(np.round(rng.normal(52, 9, n)), 25, 74).astype(int)
    subjects["SEX"] = np.where(female, "F", "M")
    subjects["AGE"] = age
    birth_offset = age * 365.25 + rng.uniform(30, 330, n)
    subjects["birth"] = subjects["consent"].to_numpy() - _days(birth_offset)
    n_letters = np.where(rng.random(n) < 0.8, 2, 3)
    letters = INITIAL_LETTERS[rng.integers(0, len(INITIAL_LETTERS), size=(n, 3))]
    subjects["INITIALS"] = ["".join(row[:k]) for row, k in zip(letters, n_letters)]
    subjects["height"] = np.round(np.where(female, rng.normal(158, 5.5, n), rng.normal(169, 6, n)), 1)
    bmi = rng.normal(22.5, 2.8, n)
    subjects["weight"] = np.round(bmi * (subjects["height"] / 100) ** 2, 1)
    # Latent liver-disease severity: drives labs, Child-Pugh components, QoL and event hazards.
    subjects["z0"] = rng.normal(0, 1, n)
    subjects["renal"] = rng.normal(0, 0.15, n)
    subjects["qol"] = rng.normal(0, 1, n) - 0.5 * subjects["z0"]
    subjects["sf_reason"] = ""
    subjects["sf_crit"] = ""
    sf = ~subjects["enrolled"].to_numpy()
    pick = rng.integers(0, len(SCREEN_FAIL_REASONS), size=n)
    subjects.loc[sf, "sf_crit"] = [SCREEN_FAIL_REASONS[i][0] for i in pick[sf]]
    subjects.loc[sf, "sf_reason"] = [SCREEN_FAIL_REASONS[i][1] for i in pick[sf]]
    # Enrolled subjects must meet Child-Pugh <= 12; screen failures for EX02 are the sickest.
    subjects.loc[subjects["sf_crit"] == "EX02", "z0"] = np.abs(subjects.loc[subjects["sf_crit"] == "EX02", "z0"]) + 2.2
    subjects.loc[subjects["enrolled"], "z0"] = np.clip(subjects.loc[subjects["enrolled"], "z0"], -2.2, 1.9)
    subjects["screen"] = subjects["consent"]
    subjects["day1"] = subjects["consent"] + _days(rng.integers(8, 15, n))
    # Dose effect on the latent severity (improvement), reaching its plateau over ~2 months.
    subjects["effect"] = np.where(subjects["enrolled"], 0.12 + 0.08 * subjects["dose"] + rng.normal(0, 0.2, n), 0.0)
    return subjects.drop(columns=["order"])


def assign_fates(subjects: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    """Event and end-of-study days (study days, Day 1 = first infusion) for enrolled subjects."""
    rng = stream(seed, "fates")
    s = subjects.copy()
    n = len(s)
    z = s["z0"].to_numpy()
    end_day = max(v["window"][1] for v in study.visits)
    last_visit_day = max(v["day"] for v in study.visits)
    for name, (rate, beta) in HAZARDS.items():
        t = rng.exponential(365.25 / (rate * np.exp(beta * z)))
        s[f"t_{name}"] = np.where(t <= end_day, np.ceil(t).astype(int) + 1, -1)
    # Transplant and withdrawal end follow-up; death ends everything.
    s["w56_day"] = last_visit_day + rng.integers(-5, 6, n)
    stops = np.stack([
        np.where(s["t_death"] > 0, s["t_death"], 10**6),
        np.where(s["t_transplant"] > 0, s["t_transplant"], 10**6),
        np.where(s["t_withdrawal"] > 0, s["t_withdrawal"], 10**6),
        s["w56_day"].to_numpy(),
    ])
    first = stops.argmin(axis=0)
    s["end_day"] = stops.min(axis=0)
    s["end_reason"] = np.array(["DEATH", "LIVER TRANSPLANTATION", "WITHDRAWAL", "COMPLETED"])[first]
    # Events that would happen after the subject left are not observed.
    for name in HAZARDS:
        s.loc[s[f"t_{name}"] > s["end_day"], f"t_{name}"] = -1
    s.loc[s["end_reason"] != "DEATH", "t_death"] = -1
    s.loc[s["end_reason"] != "LIVER TRANSPLANTATION", "t_transplant"] = -1
    s.loc[~s["enrolled"], [f"t_{k}" for k in HAZARDS]] = -1
    s.loc[~s["enrolled"], "end_reason"] = "SCREEN FAILURE"
    s.loc[~s["enrolled"], "end_day"] = 0
    # Withdrawals split into consent withdrawn and lost to follow-up.
    lost = rng.random(n) < 0.35
    s.loc[(s["end_reason"] == "WITHDRAWAL") & lost, "end_reason"] = "LOST TO FOLLOW-UP"
    s.loc[s["end_reason"] == "WITHDRAWAL", "end_reason"] = "WITHDRAWAL BY SUBJECT"
    return s


def decompensation_events(subjects: pd.DataFrame, seed: int) -> pd.DataFrame:
    """New decompensation events (one row each) during follow-up of enrolled subjects."""
    rng = stream(seed, "decompensation")
    enr = subjects[subjects["enrolled"]]
    rate = DECOMP_RATE * np.exp(0.6 * enr["z0"].to_numpy()) * enr["end_day"].to_numpy() / 365.25
    counts = rng.poisson(rate)
    idx = np.repeat(np.arange(len(enr)), counts)
    day = np.floor(rng.uniform(2, np.repeat(enr["end_day"].to_numpy(), counts))).astype(int)
    kinds = np.array(list(DECOMP_TYPES))
    kind = kinds[rng.choice(len(kinds), size=len(idx), p=list(DECOMP_TYPES.values()))]
    ev = pd.DataFrame({"SUBJID": enr["SUBJID"].to_numpy()[idx], "day": day, "event": kind})
    extra = []
    for name, label in (("hcc", "HEPATOCELLULAR CARCINOMA"), ("hepatic_failure", "HEPATIC FAILURE")):
        has = enr[enr[f"t_{name}"] > 0]
        extra.append(pd.DataFrame({"SUBJID": has["SUBJID"], "day": has[f"t_{name}"], "event": label}))
    ev = pd.concat([ev, *extra], ignore_index=True)
    return ev.sort_values(["SUBJID", "day", "event"], kind="stable").reset_index(drop=True)


def severity(subjects: pd.DataFrame, idx: np.ndarray, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Latent severity of subject `idx` on study day `day` (vectorised), with visit noise.

    Natural progression of ~0.2 SD a year; the UC-MSC effect lowers severity towards
    `effect` over ~45 days after the first infusion.
    """
    z0 = subjects["z0"].to_numpy()[idx]
    eff = subjects["effect"].to_numpy()[idx]
    t = np.maximum(day, 0)
    return z0 + 0.2 * t / 365.25 - eff * (1 - np.exp(-t / 45.0)) + rng.normal(0, 0.12, len(idx))
