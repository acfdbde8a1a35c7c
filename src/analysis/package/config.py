"""Reading specs/analysis/package.yaml (layout, programs, Dataset-JSON and manifest options)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.errors import SpecError
from analysis.specs import read_analysis_spec

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SPEC = REPO_ROOT / "specs" / "analysis" / "package.yaml"
SECTIONS = ["layout", "programs", "dataset_json", "reviewers_guides", "manifest"]
_LAYOUT_KEYS = ["root", "sdtm", "adam_datasets", "adam_programs", "dataset_json", "index"]


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The package spec as a dict, with its sections and layout keys checked.

    >>> spec = load_spec()
    >>> spec["layout"]["sdtm"], spec["dataset_json"]["version"]
    ('tabulations/sdtm', '1.1.0')
    """
    path = Path(path) if path else DEFAULT_SPEC
    spec = read_analysis_spec(path, SECTIONS)
    missing = [k for k in _LAYOUT_KEYS if not isinstance(spec["layout"], dict) or k not in spec["layout"]]
    if missing:
        raise SpecError(f"{path}: layout: key(s) missing: {', '.join(missing)}")
    if not isinstance(spec["programs"].get("include"), list) or not spec["programs"]["include"]:
        raise SpecError(f"{path}: programs: include must be a non-empty list of globs")
    if not str(spec["dataset_json"].get("version", "")).startswith("1.1"):
        raise SpecError(f"{path}: dataset_json: version must be 1.1.x (Dataset-JSON v1.1)")
    if not isinstance(spec["manifest"].get("software"), list):
        raise SpecError(f"{path}: manifest: software must be a list of distribution names")
    return spec
