"""Reading specs/analysis/cytokines.yaml: cytokines, cycles, the nominal time schedule, AUC and
model options, checked on load so a broken spec fails with one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import SpecError
from analysis.specs import check_conf_level, read_analysis_spec

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "specs" / "analysis" / "cytokines.yaml"
SECTIONS = ["treatment", "population", "conf_level", "cytokines", "cycles", "times", "schedule", "auc", "model"]
SCHEDULE_KEYS = ["atptref", "avisit", "atpt", "time", "hours"]


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The cytokine spec as a dict, with its sections and schedule checked.

    >>> spec = load_spec()
    >>> spec["cytokines"][:3], spec["times"][0], len(spec["schedule"])
    (['IL1B', 'IL6', 'IL8'], 'Pre-dose', 18)
    """
    path = Path(path) if path else DEFAULT_SPEC
    spec = read_analysis_spec(path, SECTIONS)
    check_conf_level(spec["conf_level"], path)
    if not spec["cytokines"] or not all(isinstance(c, str) for c in spec["cytokines"]):
        raise SpecError(f"{path}: cytokines must be a non-empty list of PARAMCDs")
    schedule_frame(spec)  # raises on a broken schedule
    for key in ("first_time", "last_time"):
        if spec["auc"].get(key) not in spec["times"]:
            raise SpecError(f"{path}: auc.{key} must be one of times ({', '.join(spec['times'])})")
    if spec["auc"].get("time_source", "actual") not in ("actual", "nominal"):
        raise SpecError(f"{path}: auc.time_source must be 'actual' or 'nominal'")
    return spec


def cycles_frame(spec: dict) -> pd.DataFrame:
    """ATPTREF, CYCLE (number), CYCLE_LABEL and START_DAY of each cycle, by cycle number.

    >>> cycles_frame(load_spec())[["ATPTREF", "CYCLE", "START_DAY"]].values.tolist()[-1]
    ['INFUSION 3', 3, 57]
    """
    path = spec.get("_path", "cytokine spec")
    try:
        frame = pd.DataFrame([{"ATPTREF": str(c["atptref"]), "CYCLE": int(c["cycle"]),
                               "CYCLE_LABEL": str(c.get("label", f"Cycle {c['cycle']}")),
                               "START_DAY": int(c["start_day"])} for c in spec["cycles"]])
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{path}: cycles: each entry needs atptref, cycle, start_day ({exc})") from None
    if frame.empty or frame["ATPTREF"].duplicated().any() or frame["CYCLE"].duplicated().any():
        raise SpecError(f"{path}: cycles: ATPTREF and cycle numbers must be non-empty and unique")
    return frame.sort_values("CYCLE").reset_index(drop=True)


def schedule_frame(spec: dict) -> pd.DataFrame:
    """The schedule as a frame: ATPTREF, AVISIT, ATPT, TIME, NOMHRS, CYCLE, CYCLE_LABEL, TIMEN
    (position of TIME in `times`); one row per (cycle, time), checked.

    >>> s = schedule_frame(load_spec())
    >>> s.loc[s.AVISIT == "DAY 64", ["CYCLE", "TIME", "NOMHRS", "TIMEN"]].values.tolist()
    [[3, 'Week 1', 168.0, 4]]
    """
    path = spec.get("_path", "cytokine spec")
    cycles = cycles_frame(spec)
    times = [str(t) for t in spec["times"]]
    rows = []
    for i, entry in enumerate(spec["schedule"], start=1):
        if not isinstance(entry, dict) or any(k not in entry for k in SCHEDULE_KEYS):
            raise SpecError(f"{path}: schedule entry {i} needs {', '.join(SCHEDULE_KEYS)}")
        if str(entry["time"]) not in times:
            raise SpecError(f"{path}: schedule entry {i}: time {entry['time']!r} not in times")
        try:
            hours = float(entry["hours"])
        except (TypeError, ValueError):
            raise SpecError(f"{path}: schedule entry {i}: hours must be a number") from None
        rows.append({"ATPTREF": str(entry["atptref"]), "AVISIT": str(entry["avisit"] or ""),
                     "ATPT": str(entry["atpt"] or ""), "TIME": str(entry["time"]), "NOMHRS": hours})
    frame = pd.DataFrame(rows)
    unknown = sorted(set(frame["ATPTREF"]) - set(cycles["ATPTREF"]))
    if unknown:
        raise SpecError(f"{path}: schedule: ATPTREF {', '.join(unknown)} not in cycles")
    if frame.duplicated(["ATPTREF", "AVISIT", "ATPT"]).any():
        raise SpecError(f"{path}: schedule: an (atptref, avisit, atpt) appears twice")
    if frame.duplicated(["ATPTREF", "TIME"]).any():
        raise SpecError(f"{path}: schedule: a cycle has the same nominal time twice")
    frame = frame.merge(cycles[["ATPTREF", "CYCLE", "CYCLE_LABEL"]], on="ATPTREF", how="left")
    frame["TIMEN"] = frame["TIME"].map({t: i for i, t in enumerate(times)})
    return frame.sort_values(["CYCLE", "TIMEN"]).reset_index(drop=True)


def predose_time(spec: dict) -> str:
    """The nominal time of the cycle pre-infusion value: the first of `times`.

    >>> predose_time(load_spec())
    'Pre-dose'
    """
    return str(spec["times"][0])


def param_list(spec: dict, params: list[str] | None = None) -> list[str]:
    """The cytokines to analyse: `params` in the given order, else the spec's list.

    >>> param_list(load_spec(), ["IL6", "CRP"])
    ['IL6', 'CRP']
    """
    return list(params) if params else [str(p) for p in spec["cytokines"]]
