"""Reading specs/analysis/lab_safety.yaml into the objects the analyses take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.errors import SpecError
from analysis.specs import read_analysis_spec

from .exposure import ExposureVariable
from .shift import ShiftParam, ShiftScale

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "specs" / "analysis" / "lab_safety.yaml"
SECTIONS = ["grades", "directions", "parameters", "normal_range", "te_abnormal", "edish", "exposure"]


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The lab-safety spec as a dict, with its sections checked to be present.

    >>> spec = load_spec()
    >>> spec["grades"], spec["edish"]["alt_threshold"]
    (['0', '1', '2', '3', '4'], 3.0)
    """
    path = Path(path) if path else DEFAULT_SPEC
    spec = read_analysis_spec(path, SECTIONS)
    return spec


def ctcae_scale(spec: dict) -> ShiftScale:
    """Grades 0..4 as an ordered scale (display order = severity order)."""
    return ShiftScale([str(g) for g in spec["grades"]], name="grade")


def normal_range_scale(spec: dict, levels: list[str] | None = None,
                       worst_order: list[str] | None = None) -> ShiftScale:
    """The normal-range indicator scale; `levels`/`worst_order` override the spec."""
    nr = spec["normal_range"]
    levels = levels or [str(v) for v in nr["levels"]]
    if worst_order is None:
        # the spec's severity order only fits the spec's own categories; else display order
        spec_worst = [str(v) for v in nr.get("worst_order", [])]
        worst_order = spec_worst if sorted(spec_worst) == sorted(levels) else []
    worst = worst_order
    return ShiftScale(levels, worst, name="normal range indicator")


def ctcae_params(spec: dict, paramcds: list[str] | None = None) -> list[ShiftParam]:
    """ShiftParams for the spec's parameters (or the requested subset, in the requested order).

    >>> [(p.paramcd, p.post_var) for p in ctcae_params(load_spec(), ["PLAT", "ALT"])]
    [('PLAT', 'ATOXGRL'), ('ALT', 'ATOXGRH')]
    """
    path = spec.get("_path", "lab_safety spec")
    by_code = {}
    for entry in spec["parameters"]:
        direction = spec["directions"].get(entry.get("direction"))
        if direction is None:
            raise SpecError(f"{path}: parameter {entry.get('paramcd')}: direction must be one of "
                            f"{', '.join(spec['directions'])}")
        by_code[entry["paramcd"]] = ShiftParam(entry["paramcd"], direction["baseline"],
                                               direction["post"], direction.get("term"))
    if paramcds is None:
        return list(by_code.values())
    unknown = [p for p in paramcds if p not in by_code]
    if unknown:
        raise SpecError(f"{path}: PARAMCD {', '.join(unknown)} not in parameters (no CTCAE "
                        "direction known)")
    return [by_code[p] for p in paramcds]


def normal_range_params(spec: dict, paramcds: list[str]) -> list[ShiftParam]:
    """ShiftParams using the normal-range indicators for any PARAMCDs."""
    nr = spec["normal_range"]
    return [ShiftParam(p, nr["baseline"], nr["post"]) for p in paramcds]


def exposure_variables(spec: dict) -> list[ExposureVariable]:
    """The exposure variables of the spec.

    >>> [v.name for v in exposure_variables(load_spec())]
    ['NINF', 'CUMDOSE', 'TOTCELL', 'TRTDURD']
    """
    out = []
    for entry in spec["exposure"]["variables"]:
        try:
            out.append(ExposureVariable(
                name=entry["name"], label=entry["label"], digits=int(entry.get("digits", 1)),
                adex=entry.get("adex"), adsl=entry.get("adsl"),
                aggregate=entry.get("aggregate", "single"),
                categories=tuple(entry.get("categories", ()))))
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"{spec.get('_path', 'lab_safety spec')}: exposure variable {entry}: "
                            f"{exc}") from None
    return out
