"""Dataset and variable metadata from specs/<standard>/{datasets,variables}.csv (SDTM and ADaM
share the format; ADaM adds `length`, `method` and `subclass`), and the one function that makes
a derived DataFrame conform to it (column order, types, sort) before it is written."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import SpecError

CHAR, NUM = "Char", "Num"


@dataclass(frozen=True)
class Variable:
    dataset: str
    order: int
    name: str
    label: str
    type: str
    core: str
    codelist: str
    origin: str
    source: str
    length: int | None = None  # Char: the longest value allowed (None: as long as the data)
    method: str = ""  # how a Derived variable is computed (define.xml MethodDef)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    label: str
    cls: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]
    subclass: str = ""  # ADaM sub-class, e.g. TIME-TO-EVENT

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]


def _rows(path: Path) -> list[dict]:
    """Rows of a CSV; for `x.csv` a folder `x/` of CSVs with the same header (one per dataset,
    e.g. specs/adam/variables/ADSL.csv) is read instead when it exists."""
    folder = path.with_suffix("")
    if not path.exists() and folder.is_dir():
        return [row for part in sorted(folder.glob("*.csv")) for row in _rows(part)]
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None


def load_sdtm_specs(spec_dir: str | Path) -> dict[str, DatasetSpec]:
    """Read datasets.csv and variables.csv; check names, labels and types fit XPT v5.
    The same reader serves specs/adam (see analysis.adam.metadata)."""
    spec_dir = Path(spec_dir)
    variables: dict[str, list[Variable]] = {}
    for i, r in enumerate(_rows(spec_dir / "variables.csv"), start=1):
        where = f"{spec_dir / 'variables.csv'}, row {i}"
        if len(r["variable"]) > 8 or len(r["label"]) > 40 or r["type"] not in (CHAR, NUM):
            raise SpecError(f"{where}: {r['variable']}: name <= 8, label <= 40 and type Char/Num required")
        length = (r.get("length") or "").strip()
        if length and not (length.isdigit() and 1 <= int(length) <= 200):
            raise SpecError(f"{where}: {r['variable']}: length must be a whole number 1-200, not {length!r}")
        variables.setdefault(r["dataset"], []).append(Variable(
            dataset=r["dataset"], order=int(r["order"]), name=r["variable"], label=r["label"],
            type=r["type"], core=r["core"], codelist=r["codelist"], origin=r["origin"], source=r["source"],
            length=int(length) if length else None, method=(r.get("method") or "").strip()))
    out = {}
    for r in _rows(spec_dir / "datasets.csv"):
        vs = tuple(sorted(variables.get(r["dataset"], []), key=lambda v: v.order))
        if not vs:
            raise SpecError(f"{spec_dir / 'variables.csv'}: no variables for dataset {r['dataset']}")
        keys = tuple(k for k in r["keys"].split(";") if k)
        unknown = [k for k in keys if k not in [v.name for v in vs]]
        if unknown:
            raise SpecError(f"{spec_dir / 'datasets.csv'}: {r['dataset']}: keys {unknown} are not variables")
        out[r["dataset"]] = DatasetSpec(name=r["dataset"], label=r["label"], cls=r["class"],
                                        structure=r["structure"], keys=keys, variables=vs,
                                        subclass=(r.get("subclass") or "").strip())
    return out


def as_text(col: pd.Series) -> pd.Series:
    """A column as str objects, '' for missing (None, NaN, pd.NA); numbers as str() gives them.

    A column of str already (what the derivations make) is only blanked where missing: calling
    str() on a million values that are str already costs seconds and changes nothing.

    >>> as_text(pd.Series(["a", None, float("nan")])).tolist(), as_text(pd.Series([1.5, None])).tolist()
    (['a', '', ''], ['1.5', ''])
    """
    if pd.api.types.infer_dtype(col, skipna=True) == "string" and type(col.dtype) is not pd.StringDtype:
        obj = col.astype(object)
        return obj.where(col.notna(), "") if col.hasnans else obj
    return col.astype(object).where(col.notna(), "").astype(str)


def conform(df: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Columns in spec order with spec types (Char: str, '' for missing; Num: float), rows
    sorted by the spec keys. Columns starting with '_' are private (traceability) and dropped.
    A derived column the spec does not know, or a spec variable the derivation did not produce,
    is a programming error and raises."""
    df = df[[c for c in df.columns if not c.startswith("_")]]  # private helpers, e.g. _SRC_ROW
    extra = [c for c in df.columns if c not in spec.names]
    missing = [c for c in spec.names if c not in df.columns]
    if extra or missing:
        raise ValueError(f"{spec.name}: columns not in spec {extra}; spec variables not derived {missing}")
    # Sort first (on the conformed keys), then conform each column straight into its sorted
    # place: LB has over a million records, and a conformed copy plus a sorted copy of it
    # next to the derived frame was the job's memory peak.
    by_name = {v.name: v for v in spec.variables}
    keys = pd.DataFrame({k: conform_column(df[k], by_name[k], spec.name).to_numpy() for k in spec.keys},
                        index=pd.RangeIndex(len(df)))
    order = keys.sort_values(list(spec.keys), kind="stable").index.to_numpy()
    del keys
    columns = {v.name: conform_column(df[v.name], v, spec.name).to_numpy()[order] for v in spec.variables}
    return pd.DataFrame(columns, copy=False)


def conform_column(col: pd.Series, v: Variable, dataset: str) -> pd.Series:
    """One column with its spec type (Char: str, '' for missing; Num: float); a text value
    longer than the spec length raises.

    >>> v = Variable("DS", 1, "X", "X", CHAR, "Req", "", "CRF", "", length=8)
    >>> conform_column(pd.Series(["a", None]), v, "DS").tolist()
    ['a', '']
    """
    if v.type == NUM:
        return pd.to_numeric(col, errors="raise").astype(float)
    text = as_text(col)
    if v.length is not None:
        too_long = text.str.len() > v.length
        if too_long.any():
            raise ValueError(f"{dataset}.{v.name}: {int(too_long.sum())} value(s) longer than the "
                             f"spec length {v.length}, e.g. {text[too_long].iloc[0]!r}")
    return text
