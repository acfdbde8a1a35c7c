"""ADaM metadata from specs/adam/: datasets.csv and variables.csv (the SDTM format plus
`subclass`, `length` and `method`) and params.csv (one row per PARAMCD of each BDS dataset).

    datasets.csv   dataset,label,class,subclass,structure,keys
    variables.csv  dataset,order,variable,label,type,length,core,codelist,origin,source,method
    params.csv     dataset,paramcd,param,paramn,parcat1,unit,source,method

`origin` is Predecessor (then `source` names DATASET.VARIABLE it is copied from), Derived (then
`method` says how) or Assigned. The metadata drives column order, labels, types, lengths and
sort order of every dataset (`conform`) and define.xml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import SpecError
from analysis.sdtm.metadata import DatasetSpec, _rows, conform, load_sdtm_specs  # noqa: F401 (re-export)

ADAM_CLASSES = ("SUBJECT LEVEL ANALYSIS DATASET", "BASIC DATA STRUCTURE", "OCCURRENCE DATA STRUCTURE",
                "ADAM OTHER")
ORIGINS = ("Predecessor", "Derived", "Assigned")
_SOURCE = re.compile(r"^[A-Z][A-Z0-9]{1,7}\.[A-Z][A-Z0-9_]{0,7}$")


@dataclass(frozen=True)
class Param:
    dataset: str
    paramcd: str
    param: str
    paramn: int
    parcat1: str
    unit: str
    source: str  # where AVAL comes from, e.g. LB.LBSTRESN where LBTESTCD = ALT
    method: str  # how AVAL is derived, when it is
    spec_file: str = ""  # the params CSV that defines it (for messages)


def load_adam_specs(spec_dir: str | Path) -> dict[str, DatasetSpec]:
    """Dataset and variable metadata, checked for the ADaM additions (class, origin, a source
    for every Predecessor and a method for every Derived variable)."""
    spec_dir = Path(spec_dir)
    specs = load_sdtm_specs(spec_dir)
    for spec in specs.values():
        if spec.cls not in ADAM_CLASSES:
            raise SpecError(f"{spec_dir / 'datasets.csv'}: {spec.name}: class {spec.cls!r} is not one of {ADAM_CLASSES}")
        for v in spec.variables:
            where = f"{spec_dir / 'variables.csv'}: {spec.name}.{v.name}"
            if v.origin not in ORIGINS:
                raise SpecError(f"{where}: origin {v.origin!r} is not one of {ORIGINS}")
            if v.origin == "Predecessor" and not _SOURCE.match(v.source):
                raise SpecError(f"{where}: a Predecessor needs source DATASET.VARIABLE, not {v.source!r}")
            if v.origin == "Derived" and not v.method:
                raise SpecError(f"{where}: a Derived variable needs a method")
    return specs


def load_params(spec_dir: str | Path) -> dict[str, dict[str, Param]]:
    """{dataset: {PARAMCD: Param}} from params.csv; PARAMCD <= 8 characters and PARAM <= 200,
    each unique within its dataset."""
    path = Path(spec_dir) / "params.csv"
    out: dict[str, dict[str, Param]] = {}
    seen_param: dict[tuple[str, str], str] = {}
    for i, r in enumerate(_rows(path), start=2):
        where = f"{path}, row {i}"
        ds, cd, name = r["dataset"], r["paramcd"], r["param"]
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", cd):
            raise SpecError(f"{where}: PARAMCD {cd!r} must be 1-8 upper-case letters/digits starting with a letter")
        if not name or len(name) > 200:
            raise SpecError(f"{where}: PARAM must be 1-200 characters")
        if cd in out.get(ds, {}):
            raise SpecError(f"{where}: PARAMCD {cd} appears twice in {ds}")
        if (ds, name) in seen_param:
            raise SpecError(f"{where}: PARAM {name!r} already names PARAMCD {seen_param[(ds, name)]} in {ds}")
        seen_param[(ds, name)] = cd
        out.setdefault(ds, {})[cd] = Param(dataset=ds, paramcd=cd, param=name, paramn=int(r["paramn"]),
                                           parcat1=r.get("parcat1", ""), unit=r.get("unit", ""),
                                           source=r.get("source", ""), method=r.get("method", ""),
                                           spec_file=str(path.with_suffix("") / f"{ds}.csv"
                                                         if path.with_suffix("").is_dir() else path))
    return out
