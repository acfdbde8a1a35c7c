"""Reading specs/analysis/efficacy.yaml: population, parameters (dataset, scale, analysis),
visits and model options, checked on load so a broken spec fails with one line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import SpecError
from analysis.specs import check_conf_level, read_analysis_spec

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "specs" / "analysis" / "efficacy.yaml"
SECTIONS = ["treatment", "population", "datasets", "visits", "mmrm", "primary_visit", "parameters"]
SCALES = ("identity", "log")
ANALYSES = ("mmrm", "descriptive")
DF_METHODS = ("kenward-roger", "kenward-roger-linear", "satterthwaite", "residual", "between-within")
STRUCTURES = ("UN", "CS", "CSH", "AR1", "AR1H", "TOEP", "TOEPH")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: where it is, whether it is modelled, its scale and display decimals."""

    dataset: str
    paramcd: str
    analysis: str = "mmrm"
    scale: str = "identity"
    digits: int = 1

    @property
    def modelled(self) -> bool:
        return self.analysis == "mmrm"


@dataclass(frozen=True)
class ModelOptions:
    """MMRM options: fallback order, per-structure fit options, df method, CI level."""

    order: tuple[str, ...] = ("UN", "TOEPH", "AR1H", "CS")
    control: dict | None = None
    df: str = "kenward-roger"
    conf: float = 0.95
    min_subjects_per_cell: int = 1


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The efficacy spec as a dict, with its sections, parameters and model options checked.

    >>> spec = load_spec()
    >>> spec["population"], spec["primary_visit"], spec["mmrm"]["df"]
    ('EFFFL', 'WEEK 12', 'kenward-roger')
    """
    path = Path(path) if path else DEFAULT_SPEC
    spec = read_analysis_spec(path, SECTIONS)
    param_specs(spec)
    model_options(spec)
    if not isinstance(spec["datasets"], dict):
        raise SpecError(f"{path}: datasets must map a dataset name to its file stem")
    unknown = sorted({p.dataset for p in param_specs(spec)} - set(spec["datasets"]))
    if unknown:
        raise SpecError(f"{path}: parameters name dataset(s) {', '.join(unknown)} not in datasets")
    return spec


def _param(entry, path) -> ParamSpec:
    if not isinstance(entry, dict) or not entry.get("paramcd") or not entry.get("dataset"):
        raise SpecError(f"{path}: parameters: each entry needs dataset and paramcd, got {entry!r}")
    p = ParamSpec(str(entry["dataset"]).upper(), str(entry["paramcd"]),
                  str(entry.get("analysis", "mmrm")), str(entry.get("scale", "identity")),
                  entry.get("digits", 1))
    if p.analysis not in ANALYSES:
        raise SpecError(f"{path}: parameter {p.paramcd}: analysis must be one of {', '.join(ANALYSES)}")
    if p.scale not in SCALES:
        raise SpecError(f"{path}: parameter {p.paramcd}: scale must be one of {', '.join(SCALES)}")
    if not isinstance(p.digits, int) or isinstance(p.digits, bool) or not 0 <= p.digits <= 6:
        raise SpecError(f"{path}: parameter {p.paramcd}: digits must be an integer 0-6")
    return p


def param_specs(spec: dict, paramcds: list[str] | None = None,
                dataset: str | None = None) -> list[ParamSpec]:
    """The spec's parameters (optionally of one dataset, or the requested PARAMCDs in the
    requested order; a PARAMCD not in the spec gets the defaults: mmrm, identity, 1 decimal).

    >>> [(p.paramcd, p.scale) for p in param_specs(load_spec(), ["MELD", "ALT", "XYZ"], "ADRS")]
    [('MELD', 'identity'), ('ALT', 'log'), ('XYZ', 'identity')]
    """
    path = spec.get("_path", "efficacy spec")
    entries = spec.get("parameters")
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{path}: parameters must be a non-empty list")
    params = [_param(e, path) for e in entries]
    seen = set()
    for p in params:
        if p.paramcd in seen:
            raise SpecError(f"{path}: parameter {p.paramcd} is listed twice")
        seen.add(p.paramcd)
    if paramcds is None:
        return [p for p in params if dataset is None or p.dataset == dataset.upper()]
    by_code = {p.paramcd: p for p in params}
    return [by_code.get(c, ParamSpec(str(dataset or "").upper(), c)) for c in paramcds]


def model_options(spec: dict) -> ModelOptions:
    """The MMRM options of the spec.

    >>> model_options(load_spec()).order
    ('UN', 'TOEPH', 'AR1H', 'CS')
    """
    path = spec.get("_path", "efficacy spec")
    m = spec.get("mmrm") or {}
    order = tuple(str(s).upper() for s in m.get("covariance_order", ModelOptions.order))
    bad = [s for s in order if s not in STRUCTURES]
    if not order or bad:
        raise SpecError(f"{path}: mmrm.covariance_order: unknown structure(s) {', '.join(bad) or '(empty)'}; "
                        f"known: {', '.join(STRUCTURES)}")
    df = str(m.get("df", "kenward-roger")).lower()
    if df not in DF_METHODS:
        raise SpecError(f"{path}: mmrm.df must be one of {', '.join(DF_METHODS)}")
    conf = check_conf_level(m.get("conf", 0.95), path, "mmrm.conf")
    control = m.get("control") or {}
    if not isinstance(control, dict) or not all(isinstance(v, dict) for v in control.values()):
        raise SpecError(f"{path}: mmrm.control must map a structure to fit options")
    min_n = m.get("min_subjects_per_cell", 1)
    if not isinstance(min_n, int) or min_n < 1:
        raise SpecError(f"{path}: mmrm.min_subjects_per_cell must be an integer >= 1")
    return ModelOptions(order, {str(k).upper(): dict(v) for k, v in control.items()}, df, float(conf), min_n)


def dataset_visits(spec: dict, dataset: str) -> list[str] | None:
    """Explicit model visits of a dataset from the spec, or None (derive them from the data)."""
    by = (spec.get("visits") or {}).get("by_dataset") or {}
    visits = by.get(dataset.upper())
    return [str(v) for v in visits] if visits else None


def excluded_visits(spec: dict) -> list[str]:
    """AVISIT values never summarised or modelled (e.g. SCREENING)."""
    return [str(v) for v in (spec.get("visits") or {}).get("exclude", [])]
