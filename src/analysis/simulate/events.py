"""Subject-level and event forms: enrolment, eligibility, history, visits, infusions, AEs,
medications, liver events, transplant, death and disposition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.simulate import fmt
from analysis.simulate.subjects import _days, stream
from analysis.specs import Study

SOC = {
    "gen": "General disorders and administration site conditions", "gi": "Gastrointestinal disorders",
    "inf": "Infections and infestations", "nerv": "Nervous system disorders",
    "psy": "Psychiatric disorders", "skin": "Skin and subcutaneous tissue disorders",
    "inv": "Investigations", "met": "Metabolism and nutrition disorders",
    "msk": "Musculoskeletal and connective tissue disorders", "hep": "Hepatobiliary disorders",
    "inj": "Injury, poisoning and procedural complications", "ren": "Renal and urinary disorders",
    "neo": "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "imm": "Immune system disorders", "resp": "Respiratory, thoracic and mediastinal disorders",
}
# Background AEs: coded term, SOC key, events per subject-year, P(grade 1, 2, 3), verbatims.
BACKGROUND_AES = [
    ("Fatigue", "gen", 0.35, (0.7, 0.27, 0.03), ["fatigue", "tiredness", "Fatigue"]),
    ("Abdominal distension", "gi", 0.35, (0.7, 0.28, 0.02), ["abdominal distension", "bloating"]),
    ("Diarrhea", "gi", 0.2, (0.8, 0.18, 0.02), ["diarrhoea", "loose stools", "Diarrhea"]),
    ("Nausea", "gi", 0.2, (0.85, 0.15, 0.0), ["nausea"]),
    ("Upper respiratory infection", "inf", 0.3, (0.75, 0.25, 0.0), ["URTI", "common cold", "upper respiratory tract infection"]),
    ("Lung infection", "inf", 0.05, (0.0, 0.4, 0.6), ["pneumonia", "lung infection"]),
    ("Headache", "nerv", 0.15, (0.85, 0.15, 0.0), ["headache"]),
    ("Insomnia", "psy", 0.12, (0.8, 0.2, 0.0), ["insomnia", "poor sleep"]),
    ("Pruritus", "skin", 0.1, (0.8, 0.2, 0.0), ["itching", "pruritus"]),
    ("Platelet count decreased", "inv", 0.15, (0.3, 0.5, 0.2), ["thrombocytopenia", "low platelets"]),
    ("Alanine aminotransferase increased", "inv", 0.1, (0.7, 0.25, 0.05), ["ALT elevated", "raised ALT"]),
    ("Hyponatremia", "met", 0.1, (0.6, 0.3, 0.1), ["hyponatraemia", "low sodium"]),
    ("Hypoalbuminemia", "met", 0.1, (0.3, 0.6, 0.1), ["hypoalbuminaemia", "low albumin"]),
    ("Edema limbs", "gen", 0.15, (0.7, 0.3, 0.0), ["oedema of lower limbs", "leg swelling"]),
    ("Back pain", "msk", 0.1, (0.8, 0.2, 0.0), ["back pain"]),
]
# Infusion-related events: coded term, SOC, P(per infusion) = a + b * dose, verbatims.
INFUSION_AES = [
    ("Fever", "gen", 0.05, 0.03, ["fever after infusion", "fever", "pyrexia"]),
    ("Chills", "gen", 0.03, 0.02, ["chills", "rigors"]),
    ("Infusion related reaction", "inj", 0.01, 0.015, ["infusion reaction", "infusion-related reaction"]),
]
# Liver events reported also as AEs: coded term, SOC, grade choices and probabilities.
LIVER_EVENT_AES = {
    "ASCITES": ("Ascites", "gi", (2, 3), (0.6, 0.4), "Ultrasound"),
    "VARICEAL BLEEDING": ("Esophageal varices hemorrhage", "gi", (3, 4), (0.7, 0.3), "Endoscopy"),
    "HEPATIC ENCEPHALOPATHY": ("Encephalopathy", "nerv", (2, 3), (0.6, 0.4), "Clinical (West Haven)"),
    "SPONTANEOUS BACTERIAL PERITONITIS": ("Peritoneal infection", "inf", (3,), (1.0,), "Paracentesis"),
    "HEPATORENAL SYNDROME": ("Acute kidney injury", "ren", (3, 4), (0.6, 0.4), "Clinical and creatinine"),
    "HEPATIC FAILURE": ("Hepatic failure", "hep", (3, 4), (0.4, 0.6), "Clinical and laboratory"),
    "HEPATOCELLULAR CARCINOMA": ("Hepatocellular carcinoma", "neo", (3,), (1.0,), "CT/MRI and AFP"),
}
DEATH_CAUSES = ["Hepatic failure", "Esophageal varices hemorrhage", "Sepsis", "Acute kidney injury"]
DEATH_SOC = {"Hepatic failure": "hep", "Esophageal varices hemorrhage": "gi", "Sepsis": "inf",
             "Acute kidney injury": "ren"}
DLT_TERMS = [("Infusion related reaction", "inj"), ("Anaphylaxis", "imm"), ("Fever", "gen")]
STOP_TERMS = [("Rash maculo-papular", "skin", "maculopapular rash"),
              ("Alanine aminotransferase increased", "inv", "ALT increased"),
              ("Dyspnea", "resp", "shortness of breath")]
DLT_RATE_PER_DOSE = 0.03  # P(subject has a DLT) = rate * dose (10^6 cells/kg)
PARTIAL_ONSET_RATE = 0.04


def _date(subjects: pd.DataFrame, ids, day) -> np.ndarray:
    """Calendar date of study day `day` (no Day 0) for subjects `ids`."""
    d1 = subjects.set_index("SUBJID").loc[np.asarray(ids), "day1"].to_numpy()
    day = np.asarray(day)
    return d1 + _days(np.where(day >= 1, day - 1, day))


def enrolment(subjects: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "enrolment")
    n = len(subjects)
    hbv_years = rng.uniform(5, 25, n) * 365.25
    cir_years = rng.uniform(0.5, 6, n) * 365.25
    consent = subjects["consent"].to_numpy()
    level = rng.choice(3, size=n, p=[0.3, 0.4, 0.3])
    enr = subjects["enrolled"].to_numpy()
    return fmt.frame({
        "SITEID": subjects["site"], "SUBJID": subjects["SUBJID"], "INITIALS": subjects["INITIALS"],
        "BRTHDAT": fmt.dates(subjects["birth"]), "AGE": subjects["AGE"].astype(str),
        "SEX": subjects["SEX"], "ETHNIC": "NOT HISPANIC OR LATINO", "RACE": "ASIAN",
        "CONSDAT": fmt.dates(consent), "SCRNDAT": fmt.dates(subjects["screen"]),
        "ENROLLED": np.where(enr, "Y", "N"), "SFREAS": subjects["sf_reason"],
        "COHORT": np.where(enr, subjects["cohort"].astype(str), ""),
        "ENRLDAT": np.where(enr, fmt.dates(subjects["day1"].to_numpy() - _days(np.full(n, 1))), ""),
        "HEIGHT": fmt.numbers(subjects["height"], 1), "WEIGHT": fmt.numbers(subjects["weight"], 1),
        "HBVDXDAT": fmt.partial_dates(consent - _days(hbv_years), level),
        "CIRDXDAT": fmt.partial_dates(consent - _days(cir_years), np.minimum(level, 1)),
    })


def eligibility(subjects: pd.DataFrame, study: Study) -> pd.DataFrame:
    crit = study.data["eligibility"]
    rows = subjects.loc[subjects.index.repeat(len(crit))].reset_index(drop=True)
    ids = np.tile([c["id"] for c in crit], len(subjects))
    inclusion = np.tile([c["category"] == "INCLUSION" for c in crit], len(subjects))
    failed = rows["sf_crit"].to_numpy() == ids
    met = np.where(inclusion != failed, "Y", "N")
    return fmt.frame({"SUBJID": rows["SUBJID"], "IEDAT": fmt.dates(rows["screen"]), "IECRIT": ids, "IEMET": met})


def medical_history(subjects: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "medical_history")
    items = [  # term, category, probability, years before consent (low, high), ongoing
        ("Chronic hepatitis B", "LIVER DISEASE HISTORY", 1.0, (5, 25), True),
        ("Liver cirrhosis", "LIVER DISEASE HISTORY", 1.0, (0.5, 6), True),
        ("Ascites", "DECOMPENSATION HISTORY", 0.8, (0.1, 3), None),
        ("Oesophageal variceal bleeding", "DECOMPENSATION HISTORY", 0.35, (0.2, 4), False),
        ("Hepatic encephalopathy", "DECOMPENSATION HISTORY", 0.2, (0.1, 3), False),
        ("Spontaneous bacterial peritonitis", "DECOMPENSATION HISTORY", 0.1, (0.2, 3), False),
        ("Hypertension", "GENERAL MEDICAL HISTORY", 0.2, (1, 15), True),
        ("Type 2 diabetes mellitus", "GENERAL MEDICAL HISTORY", 0.15, (1, 10), True),
        ("Cholecystolithiasis", "GENERAL MEDICAL HISTORY", 0.1, (1, 10), True),
    ]
    frames = []
    n = len(subjects)
    for term, cat, p, (lo, hi), ongoing in items:
        has = rng.random(n) < p
        start = subjects["consent"].to_numpy() - _days(rng.uniform(lo, hi, n) * 365.25)
        ongo = (rng.random(n) < 0.6) if ongoing is None else np.full(n, ongoing)
        end = start + _days(rng.uniform(10, 120, n))
        level = rng.choice(3, size=n, p=[0.2, 0.5, 0.3])
        frames.append(pd.DataFrame({
            "SUBJID": subjects["SUBJID"], "MHCAT": cat, "MHTERM": term,
            "MHSTDAT": fmt.partial_dates(start, level), "MHONGO": np.where(ongo, "Y", "N"),
            "MHENDAT": np.where(ongo, "", fmt.partial_dates(end, np.minimum(level, 1))), "_has": has,
            "_start": start}))
    mh = pd.concat(frames, ignore_index=True)
    mh = mh[mh["_has"]].sort_values(["SUBJID", "_start", "MHTERM"], kind="stable")
    mh.insert(1, "MHSPID", (mh.groupby("SUBJID").cumcount() + 1).astype(str))
    return mh.drop(columns=["_has", "_start"]).reset_index(drop=True)


def visits_form(visits: pd.DataFrame) -> pd.DataFrame:
    done = visits["done"].to_numpy()
    return fmt.frame({
        "SUBJID": visits["SUBJID"], "VISIT": visits["VISIT"], "VISDONE": np.where(done, "Y", "N"),
        "VISDAT": np.where(done, fmt.dates(visits["date"]), ""),
        "VISNDRSN": visits["not_done_reason"],
    })


def infusions_form(subjects: pd.DataFrame, infusions: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "infusions_form")
    inf = infusions[infusions["alive"]].reset_index(drop=True)
    n = len(inf)
    s = subjects.set_index("SUBJID")
    given = inf["given"].to_numpy()
    weight = np.round(s.loc[inf["SUBJID"], "weight"].to_numpy() + rng.normal(0, 0.6, n), 1)
    planned = s.loc[inf["SUBJID"], "dose"].to_numpy()
    # The product is released as a cell count; the actual dose per kg follows from it.
    total = np.round(planned * weight * rng.uniform(0.94, 1.05, n), 1)
    actual = total / weight
    interrupted = given & (rng.random(n) < 0.06)
    reasons = np.array(["Chills during infusion", "IV line occlusion", "Transient hypotension"])
    g = lambda x: np.where(given, x, "")  # noqa: E731 - values only for infusions given
    return fmt.frame({
        "SUBJID": inf["SUBJID"], "VISIT": inf["VISIT"], "INFNUM": inf["INFNUM"].astype(str),
        "INFDONE": np.where(given, "Y", "N"),
        "INFNDRSN": np.where(given, "", "Adverse event"),
        "INFDAT": g(fmt.dates(inf["date"])), "INFSTTIM": g(fmt.clock(inf["start_min"])),
        "INFENTIM": g(fmt.clock(inf["start_min"] + inf["duration"] + interrupted * 20)),
        "WEIGHT": g(fmt.numbers(weight, 1)), "DOSEPLN": fmt.numbers(planned, 1),
        "DOSEACT": g(fmt.numbers(actual, 2)), "TOTCELL": g(fmt.numbers(total, 1)),
        "VOLUME": g(fmt.integers(np.where(total > 150, 200, 100))),
        "INTERR": g(np.where(interrupted, "Y", "N")),
        "INTRRSN": np.where(interrupted, reasons[rng.integers(0, 3, n)], ""),
        "INTRDUR": np.where(interrupted, fmt.integers(rng.integers(5, 40, n)), ""),
    })


def _ae_rows(ids, day, term, soc, grade, related, infr, verbatim, minutes=None, dlt=None, acn=None):
    n = len(ids)
    return pd.DataFrame({
        "SUBJID": np.asarray(ids), "day": np.asarray(day, dtype=int), "AEDECOD": np.asarray(term),
        "AESOC": [SOC[k] for k in np.broadcast_to(soc, n)], "grade": np.asarray(grade, dtype=int),
        "AEREL": np.broadcast_to(related, n), "AEINFR": np.broadcast_to(infr, n),
        "AETERM": np.asarray(verbatim),
        "minutes": np.nan if minutes is None else np.asarray(minutes, dtype=float),
        "AEDLT": np.broadcast_to("N" if dlt is None else dlt, n),
        "AEACN": np.broadcast_to("" if acn is None else acn, n),
    })


def adverse_events(subjects, infusions, liver_events, study: Study, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """AE form, and the liver-events form linked to it (AESPID)."""
    rng = stream(seed, "adverse_events")
    enr = subjects[subjects["enrolled"]].reset_index(drop=True)
    parts = []
    consent_day = (enr["consent"] - enr["day1"]).dt.days.to_numpy()
    end_day = enr["end_day"].to_numpy()
    years = (end_day - consent_day) / 365.25
    for term, soc, rate, gp, verbs in BACKGROUND_AES:
        k = rng.poisson(rate * years)
        idx = np.repeat(np.arange(len(enr)), k)
        day = np.floor(rng.uniform(consent_day[idx], end_day[idx])).astype(int)
        day = np.where(day >= 0, day + 1, day)  # no Day 0
        grade = rng.choice(3, size=len(idx), p=gp) + 1
        rel = np.where(rng.random(len(idx)) < 0.1, "POSSIBLY RELATED",
                       np.where(rng.random(len(idx)) < 0.4, "UNLIKELY RELATED", "NOT RELATED"))
        parts.append(_ae_rows(enr["SUBJID"].to_numpy()[idx], day, np.full(len(idx), term), soc, grade, rel, "N",
                              np.array(verbs)[rng.integers(0, len(verbs), len(idx))]))
    given = infusions[infusions["given"]].reset_index(drop=True)
    dose = given["SUBJID"].map(subjects.set_index("SUBJID")["dose"]).to_numpy()
    for term, soc, a, b, verbs in INFUSION_AES:
        hit = rng.random(len(given)) < a + b * dose
        g = given[hit]
        grade = rng.choice([1, 2], size=len(g), p=[0.8, 0.2])
        rel = np.where(rng.random(len(g)) < 0.5, "PROBABLY RELATED", "DEFINITELY RELATED")
        parts.append(_ae_rows(g["SUBJID"], g["day"], np.full(len(g), term), soc, grade, rel, "Y",
                              np.array(verbs)[rng.integers(0, len(verbs), len(g))],
                              minutes=g["start_min"].to_numpy() + rng.integers(20, 180, len(g))))
    # Dose-limiting toxicities: related grade 3 events within the DLT window, more with dose.
    lo, hi = study.data["dlt_window"]["start_day"], study.data["dlt_window"]["end_day"]
    first = given[given["INFNUM"] == given["INFNUM"].min()]
    has_dlt = rng.random(len(first)) < DLT_RATE_PER_DOSE * first["SUBJID"].map(subjects.set_index("SUBJID")["dose"]).to_numpy()
    d = first[has_dlt]
    pick = rng.integers(0, len(DLT_TERMS), len(d))
    dday = np.minimum(d["day"].to_numpy() + rng.integers(0, 3, len(d)), hi)
    parts.append(_ae_rows(d["SUBJID"], np.maximum(dday, lo), [DLT_TERMS[i][0] for i in pick],
                          [DLT_TERMS[i][1] for i in pick], np.full(len(d), 3), "PROBABLY RELATED", "Y",
                          [DLT_TERMS[i][0].lower() for i in pick],
                          minutes=d["start_min"].to_numpy() + rng.integers(15, 120, len(d)), dlt="Y",
                          acn="DRUG INTERRUPTED"))
    # Treatment stopped early: a related AE, between the last infusion given and the next, led to it.
    stopped = infusions[infusions["stopped"] & infusions["alive"]].sort_values("INFNUM").drop_duplicates("SUBJID")
    prev = infusions[infusions["given"]].groupby("SUBJID")["day"].max()
    lo_day = stopped["SUBJID"].map(prev).to_numpy() + 1
    sday = np.floor(rng.uniform(lo_day, np.maximum(stopped["day"].to_numpy() - 1, lo_day + 1))).astype(int)
    pick = rng.integers(0, len(STOP_TERMS), len(stopped))
    parts.append(_ae_rows(stopped["SUBJID"], sday, [STOP_TERMS[i][0] for i in pick], [STOP_TERMS[i][1] for i in pick],
                          rng.choice([2, 3], size=len(stopped)), "POSSIBLY RELATED", "N",
                          [STOP_TERMS[i][2] for i in pick], acn="DRUG WITHDRAWN"))
    # Liver events, reported as AEs too.
    le = liver_events.reset_index(drop=True)
    le_terms = [LIVER_EVENT_AES[e] for e in le["event"]]
    grade = [rng.choice(t[2], p=t[3]) for t in le_terms]
    parts.append(_ae_rows(le["SUBJID"], le["day"], [t[0] for t in le_terms], [t[1] for t in le_terms], grade,
                          "NOT RELATED", "N", [t[0].lower() for t in le_terms]).assign(_liver=le.index.to_numpy()))
    # Fatal events: one grade 5 AE per death, starting a few days before.
    dead = enr[enr["t_death"] > 0]
    cause = np.array(DEATH_CAUSES)[rng.integers(0, len(DEATH_CAUSES), len(dead))]
    onset = np.maximum(dead["t_death"].to_numpy() - rng.integers(0, 6, len(dead)), 2)
    parts.append(_ae_rows(dead["SUBJID"], onset, cause, [DEATH_SOC[c] for c in cause], np.full(len(dead), 5),
                          "NOT RELATED", "N", [c.lower() for c in cause]).assign(_fatal=True))
    ae = pd.concat(parts, ignore_index=True)
    ae = ae.merge(enr[["SUBJID", "end_day", "end_reason", "t_death"]], on="SUBJID", how="left")
    ae = ae[ae["day"] <= ae["end_day"]].copy()
    ae = _ae_outcomes(ae, subjects, infusions, rng)
    ae = ae.sort_values(["SUBJID", "day", "minutes", "AEDECOD"], kind="stable", na_position="first").reset_index(drop=True)
    ae["AESPID"] = ae.groupby("SUBJID").cumcount() + 1
    links = ae.dropna(subset=["_liver"]) if "_liver" in ae else ae.iloc[:0]
    le = le.assign(AESPID=pd.Series(links["AESPID"].to_numpy(), index=links["_liver"].astype(int).to_numpy()))
    return _ae_format(ae, subjects, rng), _liver_events_format(le, subjects, rng)


def _ae_outcomes(ae: pd.DataFrame, subjects, infusions, rng) -> pd.DataFrame:
    n = len(ae)
    fatal = ae["_fatal"].eq(True).to_numpy() if "_fatal" in ae else np.zeros(n, bool)
    grade = ae["grade"].to_numpy()
    ae["AESER"] = np.where(fatal | (grade >= 4) | ((grade == 3) & (rng.random(n) < 0.75)), "Y", "N")
    duration = np.ceil(rng.exponential(12, n)).astype(int)
    end = ae["day"].to_numpy() + duration
    end = np.where(fatal, ae["t_death"].to_numpy(), end)
    last = ae["end_day"].to_numpy()
    ongoing = ~fatal & ((end > last) | (rng.random(n) < 0.08))
    ae["end"] = np.where(ongoing, -9999, end)
    ae["AEONGO"] = np.where(ongoing, "Y", "N")
    ae["AEOUT"] = np.where(fatal, "FATAL", np.where(ongoing, "NOT RECOVERED/NOT RESOLVED",
                                                    np.where(rng.random(n) < 0.05, "RECOVERED/RESOLVED WITH SEQUELAE",
                                                             "RECOVERED/RESOLVED")))
    last_inf = infusions[infusions["given"]].groupby("SUBJID")["day"].max()
    after_last = ae["day"].to_numpy() > ae["SUBJID"].map(last_inf).fillna(-10**6).to_numpy()
    default_acn = np.where(after_last | (ae["day"].to_numpy() < 1), "NOT APPLICABLE", "DOSE NOT CHANGED")
    ae["AEACN"] = np.where(ae["AEACN"].to_numpy() == "", default_acn, ae["AEACN"].to_numpy())
    ae["fatal"] = fatal
    return ae


def _ae_format(ae: pd.DataFrame, subjects, rng) -> pd.DataFrame:
    n = len(ae)
    ser = ae["AESER"].to_numpy() == "Y"
    fatal = ae["fatal"].to_numpy()
    start = _date(subjects, ae["SUBJID"], ae["day"])
    partial = np.where(rng.random(n) < PARTIAL_ONSET_RATE, 1, 0) * (ae["minutes"].isna().to_numpy())
    end_day = ae["end"].to_numpy()
    end = _date(subjects, ae["SUBJID"], np.where(end_day == -9999, 1, end_day))
    yn = lambda cond: np.where(ser, np.where(cond, "Y", "N"), "")  # noqa: E731 - only if serious
    hosp = ser & ~fatal & (ae["grade"].to_numpy() >= 3)
    return fmt.frame({
        "SUBJID": ae["SUBJID"], "AESPID": ae["AESPID"].astype(str), "AETERM": ae["AETERM"],
        "AEDECOD": ae["AEDECOD"], "AESOC": ae["AESOC"], "AESTDAT": fmt.partial_dates(start, partial),
        "AESTTIM": fmt.clock(ae["minutes"]), "AEONGO": ae["AEONGO"],
        "AEENDAT": np.where(end_day == -9999, "", fmt.partial_dates(end, partial)),
        "AETOXGR": ae["grade"].astype(str), "AESER": ae["AESER"],
        "AESDTH": yn(fatal), "AESLIFE": yn(ae["grade"].to_numpy() == 4), "AESHOSP": yn(hosp),
        "AESDISAB": yn(np.zeros(n, bool)), "AESCONG": yn(np.zeros(n, bool)),
        "AESMIE": yn(~hosp & ~fatal & (ae["grade"].to_numpy() < 4)),
        "AEREL": ae["AEREL"], "AEACN": ae["AEACN"], "AEOUT": ae["AEOUT"], "AEDLT": ae["AEDLT"],
        "AEINFR": ae["AEINFR"],
    })


def _liver_events_format(le: pd.DataFrame, subjects, rng) -> pd.DataFrame:
    le = le.sort_values(["SUBJID", "day", "event"], kind="stable").reset_index(drop=True)
    le = le[le["AESPID"].notna()].reset_index(drop=True)
    return fmt.frame({
        "SUBJID": le["SUBJID"], "CESPID": (le.groupby("SUBJID").cumcount() + 1).astype(str),
        "CETERM": le["event"], "CESTDAT": fmt.dates(_date(subjects, le["SUBJID"], le["day"])),
        "CEDIAG": [LIVER_EVENT_AES[e][4] for e in le["event"]],
        "AESPID": fmt.integers(le["AESPID"]),
    })


def concomitant_meds(subjects, ae_form: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "concomitant_meds")
    n = len(subjects)
    consent = subjects["consent"].to_numpy()
    rows = []

    def add(mask, trt, cls, indc, dose, unit, route, freq, start, end, ongoing, level):
        m = np.asarray(mask)
        rows.append(pd.DataFrame({
            "SUBJID": subjects["SUBJID"].to_numpy()[m], "CMTRT": trt, "CMCLASS": cls, "CMINDC": indc,
            "CMDOSE": dose, "CMDOSU": unit, "CMROUTE": route, "CMFREQ": freq,
            "_start": np.asarray(start)[m], "CMSTDAT": fmt.partial_dates(np.asarray(start)[m], np.asarray(level)[m]),
            "CMONGO": np.where(np.asarray(ongoing)[m], "Y", "N"),
            "CMENDAT": np.where(np.asarray(ongoing)[m], "", fmt.dates(np.asarray(end)[m]))}))

    level = rng.choice(3, size=n, p=[0.2, 0.5, 0.3])
    etv = rng.random(n) < 0.7
    av_start = consent - _days(rng.uniform(1, 10, n) * 365.25)
    yes = np.ones(n, bool)
    add(etv, "Entecavir", "NUCLEOS(T)IDE ANALOGUE", "Chronic hepatitis B", "0.5", "mg", "ORAL", "QD", av_start, av_start, yes, level)
    add(~etv, "Tenofovir alafenamide", "NUCLEOS(T)IDE ANALOGUE", "Chronic hepatitis B", "25", "mg", "ORAL", "QD", av_start, av_start, yes, level)
    diur = subjects["z0"].to_numpy() > -0.4
    d_start = consent - _days(rng.uniform(30, 700, n))
    lvl1 = np.minimum(level, 1)
    add(diur, "Spironolactone", "DIURETIC", "Ascites", "40", "mg", "ORAL", "BID", d_start, d_start, yes, lvl1)
    add(diur, "Furosemide", "DIURETIC", "Ascites", "20", "mg", "ORAL", "QD", d_start, d_start, yes, lvl1)
    bb = rng.random(n) < 0.4
    add(bb, "Propranolol", "BETA BLOCKER", "Prevention of variceal bleeding", "10", "mg", "ORAL", "BID",
        consent - _days(rng.uniform(60, 900, n)), consent, yes, lvl1)
    # Albumin infusions: repeated single administrations during the study.
    enr = subjects["enrolled"].to_numpy()
    k = rng.poisson(1.5 * np.exp(0.5 * subjects["z0"].to_numpy()) * subjects["end_day"].clip(lower=0).to_numpy() / 365.25)
    idx = np.repeat(np.arange(n), k * enr)
    day = np.floor(rng.uniform(1, subjects["end_day"].to_numpy()[idx] + 1)).astype(int)
    alb_date = subjects["day1"].to_numpy()[idx] + _days(day - 1)
    mask = np.zeros(len(idx), bool) | True
    sub = subjects.iloc[idx].reset_index(drop=True)
    # At most one albumin infusion per subject and day (two draws can land on the same day).
    rows.append(pd.DataFrame({
        "SUBJID": sub["SUBJID"], "CMTRT": "Human albumin", "CMCLASS": "ALBUMIN", "CMINDC": "Hypoalbuminaemia",
        "CMDOSE": "10", "CMDOSU": "g", "CMROUTE": "INTRAVENOUS", "CMFREQ": "ONCE", "_start": alb_date[mask],
        "CMSTDAT": fmt.dates(alb_date), "CMONGO": "N", "CMENDAT": fmt.dates(alb_date)}).drop_duplicates(
        ["SUBJID", "CMSTDAT"]))
    # Paracetamol for fevers reported as AEs.
    fev = ae_form[ae_form["AEDECOD"] == "Fever"]
    fdate = np.array(fev["AESTDAT"].str.replace("UK", "01"), dtype="datetime64[D]") if len(fev) else np.array([], "datetime64[D]")
    rows.append(pd.DataFrame({
        "SUBJID": fev["SUBJID"].to_numpy(), "CMTRT": "Paracetamol", "CMCLASS": "ANTIPYRETIC", "CMINDC": "Fever",
        "CMDOSE": "500", "CMDOSU": "mg", "CMROUTE": "ORAL", "CMFREQ": "ONCE", "_start": fdate,
        "CMSTDAT": fmt.dates(fdate), "CMONGO": "N", "CMENDAT": fmt.dates(fdate)}).drop_duplicates(
        ["SUBJID", "CMSTDAT"]))
    cm = pd.concat(rows, ignore_index=True).sort_values(["SUBJID", "_start", "CMTRT"], kind="stable")
    cm.insert(1, "CMSPID", (cm.groupby("SUBJID").cumcount() + 1).astype(str))
    return cm.drop(columns=["_start"]).reset_index(drop=True).astype(str)


def liver_transplant(subjects, seed: int) -> pd.DataFrame:
    rng = stream(seed, "liver_transplant")
    tx = subjects[subjects["t_transplant"] > 0]
    return fmt.frame({
        "SUBJID": tx["SUBJID"], "TXDAT": fmt.dates(_date(subjects, tx["SUBJID"], tx["t_transplant"])),
        "TXDONOR": np.where(rng.random(len(tx)) < 0.85, "DECEASED DONOR", "LIVING DONOR")})


def death(subjects, ae_form: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "death")
    dead = subjects[subjects["t_death"] > 0]
    fatal = ae_form[ae_form["AESDTH"] == "Y"].drop_duplicates("SUBJID").set_index("SUBJID")["AEDECOD"].astype(str)
    return fmt.frame({
        "SUBJID": dead["SUBJID"], "DTHDAT": fmt.dates(_date(subjects, dead["SUBJID"], dead["t_death"])),
        "DTHCAUS": dead["SUBJID"].map(fatal).fillna("Unknown"),
        "AUTOPSY": np.where(rng.random(len(dead)) < 0.1, "Y", "N")})


def disposition(subjects, visits) -> pd.DataFrame:
    enr = subjects[subjects["enrolled"]]
    last_visit = visits[visits["done"]].groupby("SUBJID")["date"].max()
    end_date = _date(subjects, enr["SUBJID"], enr["end_day"])
    reason = enr["end_reason"].to_numpy()
    completed = reason == "COMPLETED"
    lv = enr["SUBJID"].map(last_visit).to_numpy()
    alive_to = np.where(np.isin(reason, ["DEATH", "LIVER TRANSPLANTATION"]), end_date, lv)
    return fmt.frame({
        "SUBJID": enr["SUBJID"], "DSSTAT": np.where(completed, "COMPLETED", "DISCONTINUED"),
        "DSDAT": fmt.dates(np.where(completed, lv, np.where(np.isin(reason, ["WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP"]), lv, end_date))),
        "DSREAS": np.where(completed, "", reason), "LSTALDAT": fmt.dates(alive_to)})
