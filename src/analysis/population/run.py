"""Every population display of a study from its ADaM folder and spec, in one call."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import UserError
from analysis.tlf import write_result

from .demographics import demographics_table
from .disposition import disposition_table
from .io import read_adsl_with_labels
from .spec import read_population_spec

DEFAULT_TREATMENT = "TRT01A"
DEFAULT_POPULATION = "SAFFL"


def disposition_from_spec(adsl, labels: dict, spec: dict):
    """The disposition TableResult with the spec's options."""
    d = spec.get("disposition") or {}
    return disposition_table(
        adsl, treatment=spec.get("treatment") or DEFAULT_TREATMENT,
        population=spec.get("population") or DEFAULT_POPULATION,
        enrolled_flag=d.get("enrolled_flag", "ENRLFL"),
        require_enrolled_flag="enrolled_flag" in d, status=d.get("status") or "EOSSTT",
        reason=d.get("reason") or "DCSREAS", reason_specify=d.get("reason_specify"),
        other_reason=d.get("other_reason") or "OTHER", levels=spec.get("treatment_levels"),
        labels=labels)


def demographics_from_spec(adsl, labels: dict, spec: dict):
    """The demographics TableResult with the spec's variables and options."""
    d = spec.get("demographics") or {}
    if not d.get("variables"):
        raise UserError("population spec: demographics/variables is empty")
    return demographics_table(
        adsl, d["variables"], treatment=spec.get("treatment") or DEFAULT_TREATMENT,
        population=spec.get("population") or DEFAULT_POPULATION,
        categorical=d.get("categorical") or [], labels=labels,
        levels=spec.get("treatment_levels"), level_order=d.get("level_order"),
        decimals=d.get("decimals"))


def run_all(adam_dir: str | Path, spec_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write disposition and demographics for the ADSL in `adam_dir`; returns the files written.

    Both tables are computed before anything is written, so an error leaves no partial output.
    """
    spec = read_population_spec(spec_path)
    adsl, labels = read_adsl_with_labels(Path(adam_dir) / "adsl.xpt")
    results = [disposition_from_spec(adsl, labels, spec), demographics_from_spec(adsl, labels, spec)]
    written: list[Path] = []
    for result in results:
        written += write_result(result, out_dir)
    return written
