"""Reading specs/analysis/survival.yaml into checked values the analyses take."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import SpecError
from analysis.specs import check_conf_level, read_analysis_spec

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "specs" / "analysis" / "survival.yaml"
SECTIONS = ["treatment", "population", "conf_level", "ci_transform", "timepoints", "quantiles",
            "plot", "km_endpoints", "cif_endpoints", "incidence_endpoints"]


@dataclass(frozen=True)
class Timepoint:
    """A time at which KM/CIF estimates are reported: display label and AVAL value."""

    label: str
    aval: float

    @property
    def text(self) -> str:
        """Row label, e.g. 'Week 12 (Day 85)'; a bare day when the label is the day itself."""
        day = f"Day {self.aval:g}"
        return day if self.label == day else f"{self.label} ({day})"


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The survival spec as a dict, with its sections checked.

    >>> spec = load_spec()
    >>> spec["km_endpoints"], [t.aval for t in timepoints(spec)]
    (['OS', 'TFS'], [85.0, 169.0, 393.0])
    """
    path = Path(path) if path else DEFAULT_SPEC
    spec = read_analysis_spec(path, SECTIONS)
    if spec["ci_transform"] != "log-log":
        raise SpecError(f"{path}: ci_transform must be log-log (the only one implemented)")
    check_conf_level(spec["conf_level"], path)
    for q in spec["quantiles"]:
        if q not in QUANTILE_NAMES:
            raise SpecError(f"{path}: quantiles must be among {sorted(QUANTILE_NAMES)}, got {q!r}")
    timepoints(spec)
    return spec


QUANTILE_NAMES = {0.25: "q1", 0.5: "median", 0.75: "q3"}


def timepoints(spec: dict) -> list[Timepoint]:
    """The spec's timepoints, checked: a label and a non-negative numeric AVAL each."""
    out = []
    for entry in spec["timepoints"]:
        try:
            aval = float(entry["aval"])
            label = str(entry["label"])
        except (KeyError, TypeError, ValueError):
            raise SpecError(f"{spec.get('_path', 'survival spec')}: timepoint {entry!r} needs "
                            "label and numeric aval") from None
        if aval < 0:
            raise SpecError(f"{spec.get('_path', 'survival spec')}: timepoint {label}: aval < 0")
        out.append(Timepoint(label, aval))
    return out


def parse_timepoints(text: str) -> list[Timepoint]:
    """CLI form: comma-separated AVAL values, each optionally 'label=aval'.

    >>> [(t.label, t.aval) for t in parse_timepoints("Week 12=85, 30")]
    [('Week 12', 85.0), ('Day 30', 30.0)]
    """
    out = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        label, _, value = part.rpartition("=")
        try:
            aval = float(value)
        except ValueError:
            raise SpecError(f"--timepoints: '{part}' is not a number (AVAL units) or label=number") from None
        if aval < 0:
            raise SpecError(f"--timepoints: '{part}' is negative")
        out.append(Timepoint(label.strip() or f"Day {aval:g}", aval))
    return out
