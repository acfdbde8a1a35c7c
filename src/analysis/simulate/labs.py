"""Local lab, central lab and flow cytometry transfers.

Values are driven by the subject's latent severity on the sample day (so bilirubin, albumin,
INR, creatinine and sodium move together, as MELD and Child-Pugh inputs must), plus a subject
effect per test and sample noise. Cytokines respond to each infusion and decay within days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.simulate import fmt
from analysis.simulate.schedule import assessment_samples
from analysis.simulate.subjects import severity, stream
from analysis.specs import Study

# testcd: (log scale?, centre at z=0 in std unit, severity coefficient, subject SD, noise SD,
# decimals in std unit). On the log scale the coefficients act on ln(value).
LOCAL_MODEL = {
    "ALT": (True, 36, 0.15, 0.35, 0.18, 0), "AST": (True, 50, 0.2, 0.3, 0.15, 0),
    "BILI": (True, 33, 0.45, 0.15, 0.10, 1), "GGT": (True, 58, 0.1, 0.5, 0.15, 0),
    "ALP": (True, 118, 0.1, 0.25, 0.10, 0), "ALB": (False, 31.5, -3.2, 1.5, 1.2, 1),
    "CHE": (True, 3600, -0.22, 0.15, 0.08, 0), "CREAT": (True, 70, 0.12, 0.18, 0.07, 0),
    "SODIUM": (False, 137.5, -1.8, 1.2, 1.3, 0), "WBC": (True, 3.7, 0.05, 0.25, 0.12, 2),
    "HGB": (False, 121, -6, 10, 4, 0), "PLAT": (True, 72, -0.08, 0.35, 0.10, 0),
    "LYM": (True, 1.05, -0.08, 0.25, 0.12, 2), "NEUT": (True, 2.2, 0.05, 0.25, 0.15, 2),
    "INR": (True, 1.42, 0.11, 0.06, 0.04, 2), "PT": (False, 0, 0, 0, 0.3, 1),
}
# Sites whose hospital labs report conventional units (the mixed units of a real export).
SITE_UNITS = {"02": {"BILI": ("mg/dL", 2), "CREAT": ("mg/dL", 2), "ALB": ("g/dL", 1), "HGB": ("g/dL", 1)},
              "03": {"CHE": ("kU/L", 2)}}
NOT_DONE_RATE = 0.01
# Cytokines: (median in std unit, subject SD, noise SD on ln scale, fold at 2 h post-dose,
# fold 1 day and 2 days after an infusion, long-term ln change per 10^6 cells/kg).
CYTOKINE_MODEL = {
    "IL1B": (0.9, 0.6, 0.3, 1.6, 1.2, 1.0, 0.0), "IL6": (9, 0.6, 0.3, 2.5, 1.8, 1.2, -0.03),
    "IL8": (25, 0.5, 0.3, 1.8, 1.2, 1.0, 0.0), "IL10": (4, 0.5, 0.3, 2.0, 1.5, 1.1, 0.03),
    "IL12": (0.9, 0.6, 0.35, 1.2, 1.0, 1.0, 0.0), "IL17": (3.5, 0.5, 0.3, 1.0, 1.0, 1.0, -0.04),
    "TNFA": (9, 0.4, 0.25, 1.5, 1.1, 1.0, -0.02), "TGFB1": (18, 0.35, 0.2, 1.1, 1.1, 1.0, 0.02),
    "IFNG": (4, 0.6, 0.3, 1.3, 1.0, 1.0, 0.0), "SDF1": (2100, 0.2, 0.1, 1.2, 1.1, 1.0, 0.01),
    "CRP": (6, 0.7, 0.35, 1.1, 2.5, 2.0, -0.03), "MMP9": (350, 0.4, 0.25, 1.2, 1.0, 1.0, -0.03),
}
CENTRAL_MODEL = {  # (median, subject SD, noise SD on ln scale, decimals)
    "IGG": (19, 0.2, 0.06, 1), "IGA": (3.6, 0.3, 0.06, 2), "IGM": (1.6, 0.35, 0.07, 2),
    "IGE": (55, 1.2, 0.15, 1), "AFP": (6, 0.8, 0.15, 1), "AFPL3": (5, 0.6, 0.2, 1),
    "CEA": (2.6, 0.4, 0.12, 2), "CA199": (28, 0.6, 0.15, 1), "CA153": (11, 0.4, 0.12, 1),
    "PIVKA2": (30, 0.5, 0.15, 0),
}
HBV_LLOQ_TEXT = "<20"
HBV_TND = "TARGET NOT DETECTED"


def _subject_effects(rng, n_subjects: int, sds: np.ndarray) -> np.ndarray:
    return rng.normal(0, 1, (n_subjects, len(sds))) * sds


def _cross(samples: pd.DataFrame, tests: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per sample and test; returns the frame and each row's test index."""
    k = len(tests)
    rows = samples.loc[samples.index.repeat(k)].reset_index(drop=True)
    t_idx = np.tile(np.arange(k), len(samples))
    rows["LBTESTCD"] = np.array(tests)[t_idx]
    return rows, t_idx


def _subject_index(subjects: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    pos = pd.Series(np.arange(len(subjects)), index=subjects["SUBJID"])
    return pos.loc[ids].to_numpy()


def local_lab(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "local_lab")
    tests = [t.testcd for t in study.lab_tests.values() if t.form == "local_lab"]
    samples = assessment_samples(visits, study, "liver_labs", infusions, include_unscheduled=True)
    sidx = _subject_index(subjects, samples["SUBJID"])
    sev = severity(subjects, sidx, samples["day"].to_numpy(), rng)
    model = np.array([LOCAL_MODEL[t] for t in tests], dtype=float)
    subj = _subject_effects(rng, len(subjects), model[:, 3])
    rows, t_idx = _cross(samples, tests)
    r_sidx = np.repeat(sidx, len(tests))
    r_sev = np.repeat(sev, len(tests))
    is_log, centre, coef, _, noise, dec = (model[t_idx, j] for j in range(6))
    renal = subjects["renal"].to_numpy()[r_sidx] * (rows["LBTESTCD"] == "CREAT").to_numpy()
    lin = coef * r_sev + subj[r_sidx, t_idx] + rng.normal(0, 1, len(rows)) * noise + renal
    value = np.where(is_log == 1, centre * np.exp(lin), centre + lin)
    # PT follows INR of the same sample.
    inr = pd.Series(value[rows["LBTESTCD"].to_numpy() == "INR"], index=rows.index[rows["LBTESTCD"] == "INR"])
    pt_rows = np.flatnonzero(rows["LBTESTCD"].to_numpy() == "PT")
    value[pt_rows] = 11.0 * inr.to_numpy() + value[pt_rows]
    site = rows["SUBJID"].str[:2].to_numpy()
    unit = np.array([study.lab_tests[t].std_unit for t in tests])[t_idx]
    decimals = dec.astype(int)
    factor = np.ones(len(rows))
    for s, conv in SITE_UNITS.items():
        for testcd, (u, d) in conv.items():
            sel = (site == s) & (rows["LBTESTCD"].to_numpy() == testcd)
            unit[sel] = u
            decimals[sel] = d
            factor[sel] = study.lab_tests[testcd].units[u]
    reported = value / factor
    ref = np.array([study.lab_tests[t].ref for t in tests], dtype=float)[t_idx] / factor[:, None]
    not_done = rng.random(len(rows)) < NOT_DONE_RATE
    lbcat = np.array([study.lab_tests[t].category for t in tests])[t_idx]
    lbtest = np.array([study.lab_tests[t].test for t in tests])[t_idx]
    minutes = 7 * 60 + 30 + rng.integers(0, 120, len(samples))
    return fmt.frame({
        "SUBJID": rows["SUBJID"], "VISIT": rows["VISIT"], "LBDAT": fmt.dates(rows["date"]),
        "LBTIM": np.repeat(fmt.clock(minutes), len(tests)), "LBCAT": lbcat,
        "LBTESTCD": rows["LBTESTCD"], "LBTEST": lbtest,
        "LBSTAT": np.where(not_done, "NOT DONE", ""),
        "LBORRES": np.where(not_done, "", fmt.numbers(reported, decimals)),
        "LBORRESU": np.where(not_done, "", unit),
        "LBORNRLO": fmt.numbers(ref[:, 0], decimals), "LBORNRHI": fmt.numbers(ref[:, 1], decimals),
    })


def _latest_infusion_gap(samples: pd.DataFrame, infusions: pd.DataFrame) -> np.ndarray:
    """Days since the most recent infusion given on or before the sample (pre-dose: previous)."""
    given = infusions[infusions["given"]][["SUBJID", "day"]].sort_values(["SUBJID", "day"])
    gap = np.full(len(samples), np.nan)
    by_subject = {k: g["day"].to_numpy() for k, g in given.groupby("SUBJID")}
    subj = samples["SUBJID"].to_numpy()
    day = samples["day"].to_numpy()
    pre = (samples["TPT"] == "PRE-DOSE").to_numpy()
    for sid in np.unique(subj):
        sel = np.flatnonzero(subj == sid)
        days = by_subject.get(sid)
        if days is None:
            continue
        d = day[sel] - pre[sel] * 0.5  # a pre-dose sample precedes that day's infusion
        k = np.searchsorted(days, d, side="right") - 1
        ok = k >= 0
        gap[sel[ok]] = d[ok] + pre[sel[ok]] * 0.5 - days[k[ok]]
    return gap


def infusion_start_minutes(samples: pd.DataFrame, infusions: pd.DataFrame) -> np.ndarray:
    """Infusion start (minutes after midnight) for samples taken at an infusion visit, else NaN."""
    starts = infusions.set_index(["SUBJID", "VISIT"])["start_min"]
    keys = pd.MultiIndex.from_arrays([samples["SUBJID"], samples["VISIT"]])
    return starts.reindex(keys).to_numpy(dtype=float)


def _censor_below(values: np.ndarray, lloq: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    text = fmt.numbers(values, decimals)
    below = values < lloq
    lloq_text = np.array([f"<{x:g}" for x in lloq]) if len(lloq) else np.array([], dtype=str)
    return np.where(below, lloq_text, text)


def central_lab(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "central_lab")
    parts = []
    dose = subjects.set_index("SUBJID")["dose"]
    # Cytokines, densely around each infusion.
    samples = assessment_samples(visits, study, "cytokines", infusions)
    tests = [t for t in CYTOKINE_MODEL if t in study.lab_tests]
    if len(samples):
        sidx = _subject_index(subjects, samples["SUBJID"])
        gap = _latest_infusion_gap(samples, infusions)
        model = np.array([CYTOKINE_MODEL[t] for t in tests])
        subj = _subject_effects(rng, len(subjects), model[:, 1])
        rows, t_idx = _cross(samples, tests)
        r_gap = np.repeat(gap, len(tests))
        r_dose = np.repeat(samples["SUBJID"].map(dose).to_numpy(), len(tests))
        post2h = (rows["TPT"] == "2H POST-DOSE").to_numpy()
        fold = np.where(post2h, model[t_idx, 3],
                        np.where(np.isclose(r_gap, 1), model[t_idx, 4],
                                 np.where(np.isclose(r_gap, 2), model[t_idx, 5], 1.0)))
        fold = fold ** (0.6 + 0.2 * r_dose)  # larger doses, larger acute response
        long_term = model[t_idx, 6] * r_dose * (np.repeat(samples["day"].to_numpy(), len(tests)) > 1)
        ln = np.log(model[t_idx, 0]) + subj[np.repeat(sidx, len(tests)), t_idx] + long_term \
            + np.log(fold) + rng.normal(0, 1, len(rows)) * model[t_idx, 2]
        parts.append((rows, t_idx, tests, np.exp(ln), np.full(len(rows), 2)))
    # Immunoglobulins, tumour markers.
    for assessment, codes in (("immunoglobulins", ["IGG", "IGA", "IGM", "IGE"]),
                              ("tumour_markers", ["AFP", "AFPL3", "CEA", "CA199", "CA153", "PIVKA2"])):
        samples = assessment_samples(visits, study, assessment, infusions)
        if not len(samples):
            continue
        sidx = _subject_index(subjects, samples["SUBJID"])
        model = np.array([CENTRAL_MODEL[t] for t in codes])
        subj = _subject_effects(rng, len(subjects), model[:, 1])
        rows, t_idx = _cross(samples, codes)
        r_sidx = np.repeat(sidx, len(codes))
        ln = np.log(model[t_idx, 0]) + subj[r_sidx, t_idx] + rng.normal(0, 1, len(rows)) * model[t_idx, 2]
        # HCC: AFP, AFP-L3 and PIVKA-II climb from a few months before diagnosis.
        t_hcc = subjects["t_hcc"].to_numpy()[r_sidx]
        rows_day = rows["day"].to_numpy()
        rising = (t_hcc > 0) & (rows_day > t_hcc - 90) & np.isin(rows["LBTESTCD"], ["AFP", "AFPL3", "PIVKA2"])
        ln = ln + rising * np.clip((rows_day - t_hcc + 90) / 60.0, 0, 3)
        parts.append((rows, t_idx, codes, np.exp(ln), model[t_idx, 3].astype(int)))
    frames = []
    for rows, t_idx, codes, value, dec in parts:
        lloq = np.array([study.lab_tests[t].lloq or 0 for t in codes], dtype=float)[t_idx]
        frames.append(pd.DataFrame({
            "SUBJID": rows["SUBJID"], "VISIT": rows["VISIT"], "TPT": rows["TPT"], "day": rows["day"],
            "date": rows["date"], "tpt_minutes": rows["tpt_minutes"], "LBTESTCD": rows["LBTESTCD"],
            "RESULT": _censor_below(value, lloq, dec)}))
    frames.append(_hbv_dna(subjects, visits, infusions, study, rng))
    lab = pd.concat(frames, ignore_index=True)
    return _central_format(lab, subjects, infusions, study, rng)


def _hbv_dna(subjects, visits, infusions, study: Study, rng) -> pd.DataFrame:
    samples = assessment_samples(visits, study, "hbv_dna", infusions)
    n_subj = len(subjects)
    # Suppressed on antivirals: most undetectable or below LLOQ; screen failures for IN04 high.
    status = rng.choice(3, size=n_subj, p=[0.6, 0.25, 0.15])
    level = rng.uniform(np.log10(25), np.log10(900), n_subj)
    sidx = _subject_index(subjects, samples["SUBJID"])
    s_status = status[sidx].copy()
    flip = rng.random(len(samples)) < 0.15
    s_status[flip] = rng.choice(3, size=flip.sum(), p=[0.5, 0.3, 0.2])
    value = 10 ** (level[sidx] + rng.normal(0, 0.15, len(samples)))
    sf_high = (subjects["sf_crit"].to_numpy()[sidx] == "IN04")
    value = np.where(sf_high, 10 ** rng.uniform(3.2, 5.5, len(samples)), value)
    s_status[sf_high] = 2
    result = np.where(s_status == 0, HBV_TND, np.where(s_status == 1, HBV_LLOQ_TEXT, fmt.integers(value)))
    out = samples[["SUBJID", "VISIT", "TPT", "day", "date", "tpt_minutes"]].copy()
    out["LBTESTCD"] = "HBVDNA"
    out["RESULT"] = result
    return out


def _central_format(lab: pd.DataFrame, subjects, infusions, study: Study, rng) -> pd.DataFrame:
    tests = study.lab_tests
    # One accession per sample; morning draws, or on infusion days relative to the infusion start.
    samp = lab.drop_duplicates(["SUBJID", "VISIT", "TPT"])[["SUBJID", "VISIT", "TPT", "tpt_minutes"]]
    samp = samp.reset_index(drop=True)
    samp["ACCSNUM"] = [f"A{1000001 + i:07d}" for i in range(len(samp))]
    start = infusion_start_minutes(samp, infusions)
    samp["minutes"] = np.where(samp["tpt_minutes"].isna(), 7 * 60 + 45, start + samp["tpt_minutes"]) \
        + rng.integers(-10, 11, len(samp))
    lab = lab.merge(samp[["SUBJID", "VISIT", "TPT", "ACCSNUM", "minutes"]], on=["SUBJID", "VISIT", "TPT"], how="left")
    codes = lab["LBTESTCD"].to_numpy()
    cat = np.array([tests[c].category for c in codes])
    ref = np.array([tests[c].ref for c in codes], dtype=float)
    lloq = np.array([np.nan if tests[c].lloq is None else tests[c].lloq for c in codes])
    spec = np.where(cat == "CYTOKINES", "PLASMA", "SERUM")
    return fmt.frame({
        "ACCSNUM": lab["ACCSNUM"], "SUBJID": lab["SUBJID"], "VISIT": lab["VISIT"], "TPT": lab["TPT"],
        "COLDAT": fmt.dates(lab["date"]), "COLTIM": fmt.clock(lab["minutes"]), "SPEC": spec,
        "LBCAT": cat, "LBTESTCD": codes, "LBTEST": np.array([tests[c].test for c in codes]),
        "STATUS": np.full(len(lab), ""), "RESULT": lab["RESULT"],
        "UNIT": np.array([tests[c].std_unit for c in codes]),
        "REFLO": [f"{x:g}" for x in ref[:, 0]], "REFHI": [f"{x:g}" for x in ref[:, 1]],
        "LLOQ": np.where(np.isnan(lloq), "", [f"{x:g}" for x in np.nan_to_num(lloq)]),
    })


FLOW_MODEL = {  # testcd: (centre, subject SD, noise SD, ln change per 10^6 cells/kg after Day 1)
    "CD3": (66, 6, 3, 0.0), "CD4": (38, 6, 2.5, 0.0), "CD8": (25, 5, 2, 0.0),
    "TREG": (6.5, 0.25, 0.1, 0.04), "TH17": (1.6, 0.3, 0.12, -0.05),
}


def flow_cytometry(subjects, visits, infusions, study: Study, seed: int) -> pd.DataFrame:
    rng = stream(seed, "flow_cytometry")
    samples = assessment_samples(visits, study, "lymphocyte_subsets", infusions)
    n = len(samples)
    sidx = _subject_index(subjects, samples["SUBJID"])
    ns = len(subjects)
    after = (samples["day"].to_numpy() > 1) * samples["SUBJID"].map(subjects.set_index("SUBJID")["dose"]).to_numpy()
    lym = 1050 * np.exp(rng.normal(0, 0.25, ns)[sidx] + rng.normal(0, 0.12, n))
    pct = {}
    for t in ("CD3", "CD4", "CD8"):
        c, ssd, nsd, _ = FLOW_MODEL[t]
        pct[t] = np.clip(c + rng.normal(0, ssd, ns)[sidx] + rng.normal(0, nsd, n), 3, 95)
    out = {"CD3": (pct["CD3"], "%", 1), "CD3ABS": (pct["CD3"] / 100 * lym, "cells/uL", 0),
           "CD4": (pct["CD4"], "%", 1), "CD4ABS": (pct["CD4"] / 100 * lym, "cells/uL", 0),
           "CD8": (pct["CD8"], "%", 1), "CD8ABS": (pct["CD8"] / 100 * lym, "cells/uL", 0)}
    for t in ("TREG", "TH17"):
        c, ssd, nsd, eff = FLOW_MODEL[t]
        out[t] = (c * np.exp(rng.normal(0, ssd, ns)[sidx] + rng.normal(0, nsd, n) + eff * after), "%", 2)
    frames = []
    for code, (val, unit, dec) in out.items():
        frames.append(pd.DataFrame({
            "SUBJID": samples["SUBJID"].to_numpy(), "VISIT": samples["VISIT"].to_numpy(),
            "COLDAT": fmt.dates(samples["date"]), "TESTCD": code,
            "RESULT": np.round(val, dec), "UNIT": unit, "_order": samples.index.to_numpy()}))
    flow = pd.concat(frames, ignore_index=True)
    order = {c: i for i, c in enumerate(out)}
    flow["_t"] = flow["TESTCD"].map(order)
    return flow.sort_values(["_order", "_t"]).drop(columns=["_order", "_t"]).reset_index(drop=True)
