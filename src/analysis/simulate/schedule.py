"""Visit calendar: infusion dates and the visits each subject attended, missed or added."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.simulate.subjects import _days, stream
from analysis.specs import Study

OUT_OF_WINDOW_RATE = 0.03
MISSED_VISIT_RATE = 0.04
UNSCHEDULED_PER_SUBJECT = 0.4
TREATMENT_STOP_RATE = 0.05
NOT_DONE_REASONS = ("SUBJECT DECLINED", "SUBJECT HOSPITALISED", "SCHEDULING CONFLICT", "OTHER")


def plan_infusions(subjects: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    """One row per enrolled subject and planned infusion: actual study day, given or not."""
    rng = stream(seed, "infusions")
    enr = subjects[subjects["enrolled"]].reset_index(drop=True)
    n = len(enr)
    plans = sorted(study.infusions, key=lambda i: i["number"])
    # Some subjects stop study treatment after infusion 1 or 2 (adverse event or decision).
    stop_after = np.where(rng.random(n) < TREATMENT_STOP_RATE, rng.integers(1, len(plans), n), 99)
    rows = []
    prev_day = None
    for k, p in enumerate(plans):
        if prev_day is None:
            day = np.full(n, p["day"])
        else:
            gap = p["day"] - plans[k - 1]["day"]
            jitter = np.where(rng.random(n) < 0.25, rng.integers(-2, 3, n), 0)
            day = prev_day + gap + jitter
        given = (day < enr["end_day"].to_numpy()) & (p["number"] <= stop_after)
        rows.append(pd.DataFrame({
            "SUBJID": enr["SUBJID"], "INFNUM": p["number"], "VISIT": p["visit"], "day": day,
            "start_min": 9 * 60 + rng.integers(0, 90, n), "duration": rng.integers(30, 61, n),
            "given": given, "stopped": p["number"] > stop_after,
            "alive": day < enr["end_day"].to_numpy(),
        }))
        prev_day = day
    inf = pd.concat(rows, ignore_index=True)
    inf["date"] = enr.set_index("SUBJID").loc[inf["SUBJID"], "day1"].to_numpy() + _days(inf["day"] - 1)
    return inf.sort_values(["SUBJID", "INFNUM"]).reset_index(drop=True)


def build_visits(subjects: pd.DataFrame, infusions: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    """Every visit the EDC opened for each subject, with study day, date and done flag."""
    rng = stream(seed, "visits")
    day1 = subjects.set_index("SUBJID")["day1"]
    end_day = subjects.set_index("SUBJID")["end_day"]
    inf_day = infusions.pivot(index="SUBJID", columns="INFNUM", values="day")
    enr = subjects[subjects["enrolled"]]
    frames = []
    # Screening: everyone screened, on the screening date.
    scr = subjects[["SUBJID"]].copy()
    scr["VISIT"] = study.visits[0]["visit"]
    scr["day"] = (subjects["screen"] - subjects["day1"]).dt.days.to_numpy()
    frames.append(scr)
    for v in study.visits[1:]:
        ids = enr["SUBJID"].to_numpy()
        n = len(ids)
        lo, hi = v["window"]
        if v.get("infusion") and v.get("offset", 0) > 0:
            anchor = inf_day.loc[ids, v["infusion"]].to_numpy()
            olo, ohi = v["offset_window"]
            day = anchor + rng.integers(olo, ohi + 1, n)
            width = ohi - olo
        elif v.get("infusion"):
            day = inf_day.loc[ids, v["infusion"]].to_numpy()
            width = 0
        elif v["visit"] == study.visits[-1]["visit"]:
            day = enr["w56_day"].to_numpy()
            width = hi - lo
        else:
            day = np.clip(v["day"] + np.round(rng.normal(0, (hi - lo) / 4 + 0.01, n)), lo, hi).astype(int)
            width = hi - lo
        # A few visits fall outside their window, as in any real trial.
        out = (rng.random(n) < OUT_OF_WINDOW_RATE) & (v["day"] > 1) & (not v.get("infusion") or v.get("offset", 0) > 0)
        day = np.where(out, day + rng.choice([-1, 1], n) * (width // 2 + rng.integers(2, 6, n)), day)
        if v["day"] < 1:
            day = np.full(n, v["day"])
        # A visit planned just before an infusion (Day 28, Day 56) must precede it.
        for i in study.infusions:
            if not v.get("infusion") and v["day"] < i["day"] <= v["day"] + 3:
                day = np.minimum(day, inf_day.loc[ids, i["number"]].to_numpy() - 1)
        frames.append(pd.DataFrame({"SUBJID": ids, "VISIT": v["visit"], "day": day}))
    vis = pd.concat(frames, ignore_index=True)
    # No visits after the subject left; a subject who completed is seen on the Week 56 day.
    end = vis["SUBJID"].map(end_day).to_numpy()
    completed = vis["SUBJID"].map(subjects.set_index("SUBJID")["end_reason"]).eq("COMPLETED").to_numpy()
    vis = vis[(vis["day"] < 1) | (vis["day"] < end) | (completed & (vis["day"] <= end))]
    # Unscheduled visits (labs and vitals) between Day 2 and the end of follow-up.
    counts = rng.poisson(UNSCHEDULED_PER_SUBJECT, len(enr))
    uidx = np.repeat(np.arange(len(enr)), counts)
    uday = np.floor(rng.uniform(2, np.repeat(enr["end_day"].to_numpy(), counts) + 1)).astype(int)
    uns = pd.DataFrame({"SUBJID": enr["SUBJID"].to_numpy()[uidx], "day": uday}).sort_values(["SUBJID", "day"])
    uns["VISIT"] = "UNSCHEDULED " + (uns.groupby("SUBJID").cumcount() + 1).astype(str)
    vis = pd.concat([vis, uns], ignore_index=True)
    vis["scheduled"] = ~vis["VISIT"].str.startswith("UNSCHEDULED")
    vis["date"] = vis["SUBJID"].map(day1).to_numpy() + _days(np.where(vis["day"] >= 1, vis["day"] - 1, vis["day"]))
    infusion_visits = {i["visit"] for i in study.infusions}
    can_miss = vis["scheduled"] & (vis["day"] > 1) & ~vis["VISIT"].isin(infusion_visits) & (vis["VISIT"] != study.visits[-1]["visit"])
    missed = can_miss.to_numpy() & (rng.random(len(vis)) < MISSED_VISIT_RATE)
    vis["done"] = ~missed
    vis["not_done_reason"] = np.where(missed, np.array(NOT_DONE_REASONS)[rng.integers(0, len(NOT_DONE_REASONS), len(vis))], "")
    visitnum = {v["visit"]: v["visitnum"] for v in study.visits}
    vis["visitnum"] = vis["VISIT"].map(visitnum).fillna(0)
    return vis.sort_values(["SUBJID", "date", "visitnum", "VISIT"], kind="stable").reset_index(drop=True)


def assessment_samples(visits: pd.DataFrame, study: Study, assessment: str, infusions: pd.DataFrame,
                       include_unscheduled: bool = False) -> pd.DataFrame:
    """Done visits at which `assessment` is collected, one row per sample (time point)."""
    a = study.data["assessments"][assessment]
    keep = visits["done"] & (visits["VISIT"].isin(a["visits"]) | (include_unscheduled & ~visits["scheduled"]))
    s = visits[keep].copy()
    s["TPT"] = ""
    if a.get("timepoints") == "infusion":
        inf_visits = {i["visit"] for i in study.infusions}
        given = infusions[infusions["given"]]
        given_keys = set(zip(given["SUBJID"], given["VISIT"]))
        on_inf = s["VISIT"].isin(inf_visits).to_numpy() & np.array(
            [k in given_keys for k in zip(s["SUBJID"], s["VISIT"])], dtype=bool)
        tpts = study.data["infusion_timepoints"]
        expanded = [s[~on_inf]]
        for tp in tpts:
            part = s[on_inf].copy()
            part["TPT"] = tp["tpt"]
            part["tpt_minutes"] = tp["minutes"]
            expanded.append(part)
        s = pd.concat(expanded, ignore_index=True)
    if "tpt_minutes" not in s:
        s["tpt_minutes"] = np.nan
    return s.sort_values(["SUBJID", "date", "TPT"], kind="stable").reset_index(drop=True)
