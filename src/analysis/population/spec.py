"""The population displays' options for one study (specs/analysis/population.yaml)."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import SpecError
from analysis.specs import read_yaml

_TOP = {"treatment", "population", "treatment_levels", "disposition", "demographics"}
_DISPOSITION = {"enrolled_flag", "status", "reason", "other_reason", "reason_specify"}
_DEMOGRAPHICS = {"variables", "categorical", "level_order", "decimals"}


def read_population_spec(path: str | Path) -> dict:
    """Read and check the spec; unknown keys and wrong types are a one-line SpecError.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "population.yaml")
    >>> _ = open(p, "w").write("demographics:\\n  variables: [AGE, SEX]\\n")
    >>> read_population_spec(p)["demographics"]["variables"]
    ['AGE', 'SEX']
    """
    path = Path(path)
    data = read_yaml(path)
    if data is None:
        data = {}
    _check_mapping(data, _TOP, path, "(top level)")
    for key in ("treatment", "population"):
        _check_type(data, key, str, path, "")
    _check_string_list(data, "treatment_levels", path, "")
    disposition = data.setdefault("disposition", {}) or {}
    data["disposition"] = disposition
    _check_mapping(disposition, _DISPOSITION, path, "disposition")
    for key in _DISPOSITION:
        _check_type(disposition, key, str, path, "disposition/")
    demographics = data.setdefault("demographics", {}) or {}
    data["demographics"] = demographics
    _check_mapping(demographics, _DEMOGRAPHICS, path, "demographics")
    _check_string_list(demographics, "variables", path, "demographics/")
    _check_string_list(demographics, "categorical", path, "demographics/")
    order = demographics.get("level_order") or {}
    _check_mapping(order, None, path, "demographics/level_order")
    for name, levels in order.items():
        if not isinstance(levels, list) or not all(isinstance(v, (str, int, float)) for v in levels):
            raise SpecError(f"{path}: demographics/level_order/{name}: must be a list of values")
    decimals = demographics.get("decimals") or {}
    _check_mapping(decimals, None, path, "demographics/decimals")
    for name, d in decimals.items():
        if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6:
            raise SpecError(f"{path}: demographics/decimals/{name}: must be an integer 0-6")
    return data


def _check_mapping(value, allowed, path, where) -> None:
    if not isinstance(value, dict):
        raise SpecError(f"{path}: {where}: must be a mapping")
    unknown = sorted(set(value) - allowed) if allowed is not None else []
    if unknown:
        raise SpecError(f"{path}: {where}: unknown key(s) {', '.join(map(str, unknown))}")


def _check_type(data, key, kind, path, prefix) -> None:
    if key in data and data[key] is not None and not isinstance(data[key], kind):
        raise SpecError(f"{path}: {prefix}{key}: must be text")


def _check_string_list(data, key, path, prefix) -> None:
    value = data.get(key)
    if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        raise SpecError(f"{path}: {prefix}{key}: must be a list of names")
