"""The dose-finding design parameters (specs/analysis/dose_finding.yaml), read and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import SpecError
from analysis.specs import read_yaml

DESIGNS = ("3+3", "BOIN")


@dataclass(frozen=True)
class BoinParams:
    """BOIN options as in the BOIN R package (get.boundary / select.mtd)."""

    target: float = 0.30
    phi1_factor: float = 0.6
    phi2_factor: float = 1.4
    elimination_cutoff: float = 0.95
    prior: tuple[float, float] = (1.0, 1.0)
    extrasafe: bool = False
    offset: float = 0.05
    n_earlystop: int = 100
    bound_mtd: bool = False

    @property
    def phi1(self) -> float:
        return self.phi1_factor * self.target

    @property
    def phi2(self) -> float:
        return self.phi2_factor * self.target


@dataclass(frozen=True)
class DoseFindingSpec:
    boin: BoinParams = field(default_factory=BoinParams)
    designs: tuple[str, ...] = DESIGNS
    cohort_size: int = 3
    max_sample_size: int = 18
    dose_variable: str = "TRT01AN"
    dose_label: str = "TRT01A"
    dose_levels: tuple[tuple[float, str], ...] = ()
    population: str = "SAFFL"
    dlt_population: str = "DLTEVLFL"
    order_variable: str = "TRTSDT"
    dlt_flag: str = "DLTFL"
    dlt_count: str = "NDLT"
    not_evaluable_reason: str = "NEVALRS"
    teae_flag: str = "TRTEMFL"
    grade_variable: str = "ATOXGRN"
    serious_variable: str = "AESER"
    relationship_variable: str = "AREL"
    related_values: tuple[str, ...] = ("RELATED",)

    @property
    def target(self) -> float:
        return self.boin.target


def _number(raw: dict, key: str, where: str, default: Any, lo: float, hi: float,
            closed: bool = False, integer: bool = False) -> Any:
    value = raw.get(key, default)
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        kind = "an integer" if integer else "a number"
        raise SpecError(f"{where}{key} must be {kind}, got {value!r}")
    inside = lo <= value <= hi if closed else lo < value < hi
    if not inside:
        brackets = f"[{lo}, {hi}]" if closed else f"({lo}, {hi})"
        raise SpecError(f"{where}{key} must be in {brackets}, got {value}")
    return value


def _flag(raw: dict, key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"{where}{key} must be true or false, got {value!r}")
    return value


def boin_params_from_dict(raw: dict, target: float, source: str = "dose_finding spec") -> BoinParams:
    """Check the BOIN block; the limits are those get.boundary() of the BOIN package enforces.

    >>> boin_params_from_dict({}, 0.3).phi2
    0.42
    >>> boin_params_from_dict({"phi1_factor": 0.95}, 0.3)
    Traceback (most recent call last):
    ...
    analysis.errors.SpecError: dose_finding spec: boin.phi1_factor must be <= 0.9 (phi1 too close to the target), got 0.95
    """
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: boin must be a mapping")
    src = f"{source}: boin."
    unknown = sorted(set(raw) - {f for f in BoinParams.__dataclass_fields__ if f != "target"})
    if unknown:
        raise SpecError(f"{source}: boin: unknown key(s): {', '.join(unknown)}")
    f1 = _number(raw, "phi1_factor", src, 0.6, 0, 1)
    if target - f1 * target < 0.1 * target - 1e-12:
        raise SpecError(f"{source}: boin.phi1_factor must be <= 0.9 (phi1 too close to the target), got {f1}")
    f2 = _number(raw, "phi2_factor", src, 1.4, 1, 1 / target)
    if f2 * target - target < 0.1 * target - 1e-12:
        raise SpecError(f"{source}: boin.phi2_factor must be >= 1.1 (phi2 too close to the target), got {f2}")
    cutoff = _number(raw, "elimination_cutoff", src, 0.95, 0, 1)
    prior = raw.get("prior", [1, 1])
    if (not isinstance(prior, list) or len(prior) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in prior)):
        raise SpecError(f"{source}: boin.prior must be two positive numbers [a, b], got {prior!r}")
    offset = _number(raw, "offset", src, 0.05, 0, 0.5)
    nes = _number(raw, "n_earlystop", src, 100, 1, 10**6, closed=True, integer=True)
    return BoinParams(target=float(target), phi1_factor=float(f1), phi2_factor=float(f2),
                      elimination_cutoff=float(cutoff), prior=(float(prior[0]), float(prior[1])),
                      extrasafe=_flag(raw, "extrasafe", src, False), offset=float(offset),
                      n_earlystop=int(nes), bound_mtd=_flag(raw, "bound_mtd", src, False))


def spec_from_dict(raw: Any, source: str = "dose_finding spec") -> DoseFindingSpec:
    """Validate a parsed spec; every problem is a one-line SpecError (a UserError).

    >>> spec_from_dict({"target": 0.25}).boin.phi1
    0.15
    >>> spec_from_dict({"target": 1.2})
    Traceback (most recent call last):
    ...
    analysis.errors.SpecError: dose_finding spec: target must be in [0.05, 0.6], got 1.2
    """
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: the spec must be a YAML mapping")
    known = {f for f in DoseFindingSpec.__dataclass_fields__} | {"target"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpecError(f"{source}: unknown key(s): {', '.join(unknown)}")
    # BOIN's own limits (get.boundary): targets outside [0.05, 0.6] are refused there too.
    target = _number(raw, "target", source + ": ", 0.30, 0.05, 0.6, closed=True)
    boin = boin_params_from_dict(raw.get("boin", {}) or {}, float(target), source)
    designs = raw.get("designs", list(DESIGNS))
    if not isinstance(designs, list) or not designs or any(d not in DESIGNS for d in designs):
        raise SpecError(f"{source}: designs must be a non-empty list drawn from {list(DESIGNS)}, got {designs!r}")
    cohort = _number(raw, "cohort_size", source + ": ", 3, 1, 100, closed=True, integer=True)
    max_n = _number(raw, "max_sample_size", source + ": ", 18, 1, 10**5, closed=True, integer=True)
    if max_n < cohort:
        raise SpecError(f"{source}: max_sample_size ({max_n}) is smaller than cohort_size ({cohort})")
    text = {}
    for key in ("dose_variable", "dose_label", "population", "dlt_population", "order_variable",
                "dlt_flag", "dlt_count", "not_evaluable_reason", "teae_flag", "grade_variable",
                "serious_variable", "relationship_variable"):
        value = raw.get(key, DoseFindingSpec.__dataclass_fields__[key].default)
        if not isinstance(value, str) or not value.strip():
            raise SpecError(f"{source}: {key} must be a variable name, got {value!r}")
        text[key] = value.strip()
    related = raw.get("related_values", ["RELATED"])
    if not isinstance(related, list) or not related or not all(isinstance(v, str) for v in related):
        raise SpecError(f"{source}: related_values must be a non-empty list of strings")
    levels = []
    for i, lv in enumerate(raw.get("dose_levels", []) or []):
        if (not isinstance(lv, dict) or not isinstance(lv.get("value"), (int, float))
                or isinstance(lv.get("value"), bool) or not isinstance(lv.get("label"), str)):
            raise SpecError(f"{source}: dose_levels[{i}] must be {{value: number, label: text}}")
        levels.append((float(lv["value"]), lv["label"].strip()))
    values = [v for v, _ in levels]
    if values != sorted(set(values)):
        raise SpecError(f"{source}: dose_levels must be listed once each in increasing dose order")
    if len({lab for _, lab in levels}) != len(levels):
        raise SpecError(f"{source}: dose_levels labels must be unique")
    return DoseFindingSpec(boin=boin, designs=tuple(designs), cohort_size=int(cohort),
                           max_sample_size=int(max_n), dose_levels=tuple(levels),
                           related_values=tuple(related), **text)


def load_spec(path: str | Path) -> DoseFindingSpec:
    """Read and check specs/analysis/dose_finding.yaml (yaml.safe_load; nothing evaluated)."""
    return spec_from_dict(read_yaml(Path(path)), str(path))
