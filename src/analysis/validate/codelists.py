"""Controlled terminology for the codelist rules, from whatever the project has:

- the study spec (when given): ARMCD and ARM from its cohorts, ETCD and EPOCH from its elements,
  and the raw codelists it loaded;
- <specs>/../raw/codelists.yaml: name -> list of values (the raw transfer codelists);
- <specs>/../ct/terms.csv (columns codelist, value), with codelists.csv (codelist, extensible
  Y/N) and value_codelists.csv (dataset, variable, where_variable, where_value, codelist: a
  codelist that applies only where another variable has a value, e.g. DSDECOD by DSCAT).

Later sources override earlier ones for the same codelist name. A codelist name that none of
them defines is unknown: the rules skip it (and the report says so).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from analysis.define.ct import ValueCodelist  # one definition of a value-level codelist row
from analysis.errors import SpecError


@dataclass
class Codelists:
    values: dict[str, frozenset] = field(default_factory=dict)
    extensible: dict[str, bool] = field(default_factory=dict)
    value_level: list[ValueCodelist] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def get(self, name: str) -> frozenset | None:
        return self.values.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.values


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise SpecError(f"{path}: missing columns {missing}")
        return [{k: (v or "").strip() for k, v in r.items()} for r in reader]


def _from_mapping(data: dict) -> dict[str, frozenset]:
    return {str(k): frozenset(str(x) for x in v) for k, v in (data or {}).items() if isinstance(v, list)}


def load_codelists(specs_dir: Path | None, study=None) -> Codelists:
    from analysis.specs import read_yaml

    out = Codelists()
    if study is not None:
        out.values["ARMCD"] = frozenset(str(c["armcd"]) for c in study.cohorts)
        out.values["ARM"] = frozenset(str(c["arm"]) for c in study.cohorts)
        elements = study.data.get("elements") or []
        if elements:
            out.values["ETCD"] = frozenset(str(e["etcd"]) for e in elements)
            out.values["EPOCH"] = frozenset(str(e["epoch"]) for e in elements)
        out.values.update(_from_mapping(study.codelists))
        out.sources.append(f"the study spec {study.path}")
    if specs_dir is None:
        return out
    raw = specs_dir.parent / "raw" / "codelists.yaml"
    if raw.exists():
        out.values.update(_from_mapping(read_yaml(raw)))
        out.sources.append(str(raw))
    ct = specs_dir.parent / "ct"
    terms = ct / "terms.csv"
    if terms.exists():
        found: dict[str, set] = {}
        for r in _csv_rows(terms, ("codelist", "value")):
            found.setdefault(r["codelist"], set()).add(r["value"])
        out.values.update({k: frozenset(v) for k, v in found.items()})
        out.sources.append(str(terms))
    if (ct / "codelists.csv").exists():
        for r in _csv_rows(ct / "codelists.csv", ("codelist", "extensible")):
            out.extensible[r["codelist"]] = r["extensible"] == "Y"
    if (ct / "value_codelists.csv").exists():
        cols = ("dataset", "variable", "where_variable", "where_value", "codelist")
        out.value_level = [ValueCodelist(*(r[c] for c in cols)) for r in _csv_rows(ct / "value_codelists.csv", cols)]
    return out
