"""define.xml (Define-XML 2.1) for the ADaM datasets, from specs/adam and the XPT files.

The SDTM writer (`analysis.define.build`) does the work: this module subclasses its `_Define`
for what ADaM does differently.

- Standards: ADaMIG 1.3 (`ADAMIG`; specs/adam has no standards file, and specs/ct/standards.csv
  describes the SDTM submission) and the CT release of specs/ct/standards.csv.
- ItemGroupDef: Purpose "Analysis", def:Class from datasets.csv `class` with a def:SubClass from
  `subclass` (ADTTE: TIME-TO-EVENT), Repeating No for the subject-level dataset (ADSL) only,
  IsReferenceData No, no Domain (an SDTM/SEND attribute).
- def:Origin from variables.csv: Predecessor (description = the DATASET.VARIABLE copied; no
  Source: the predecessor's own define.xml says who supplied it), Derived (MethodOID to a
  MethodDef whose description is the spec `method`; Source Sponsor), Assigned (description = the
  spec `source`, else `method`; Source Sponsor).
- Numeric dates (*DT), datetimes (*DTM) and times (*TM) are SAS numbers: DataType `integer`
  (what the stored value is: days, seconds) with def:DisplayFormat DATE9., DATETIME20., TIME8.
  The ISO 8601 data types (date, datetime, ...) are for ISO 8601 text, which these are not.
- BDS datasets (those with rows in params.csv): a CodeList of PARAMCD decoded by PARAM, and
  value-level metadata on AVAL and AVALC by PARAMCD: one WhereClauseDef (PARAMCD EQ code) per
  parameter, an ItemDef per parameter with PARAM (and unit) as its description, the data type of
  that slice of the data and the origin from params.csv: Derived with a MethodDef when the
  parameter has a `method`, else Predecessor with the `source` text, else the variable's origin.
  params.csv describes the analysis value, i.e. AVAL, and AVALC of a parameter without AVAL; the
  AVALC of a numeric parameter keeps the variable-level AVALC origin.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from analysis.define.build import (
    DEF_,
    DefineResult,
    _creation_time,
    _Define,
    _el,
    _Item,
    read_datasets,
    write_built,
)
from analysis.define.ct import Codelist, Standard, Term, Terminology, load_ct
from analysis.define.profile import Profile
from analysis.errors import SpecError
from analysis.sdtm.metadata import NUM, DatasetSpec
from analysis.xpt import date_display_format
from analysis.specs import Study, load_study

ADAMIG = Standard(oid="STD.ADAMIG.1-3", name="ADaMIG", type="IG", publishing_set="", version="1.3",
                  status="Final", comment="")
SUBJECT_LEVEL = "SUBJECT LEVEL ANALYSIS DATASET"
BDS = "BASIC DATA STRUCTURE"
ADAM_CLASS_ORDER = (SUBJECT_LEVEL, BDS, "OCCURRENCE DATA STRUCTURE", "ADAM OTHER")
# def:SubClass names the Define-XML 2.1 schema allows (define-enumerations.xsd ItemGroupSubClass)
SUBCLASSES = ("TIME-TO-EVENT", "ADVERSE EVENT", "NON-COMPARTMENTAL ANALYSIS", "POPULATION PHARMACOKINETIC ANALYSIS",
              "MEDICAL DEVICE TIME-TO-EVENT")
# ADaM naming: *DTM datetime, *DT date, *TM time (DTM before TM: DTM ends in TM)
VLM_VARIABLES = ("AVAL", "AVALC")


def date_format(name: str, type_: str) -> str | None:
    """The SAS display format of a numeric ADaM date, datetime or time variable (by its name)."""
    fmt = date_display_format(name) if type_ == NUM else None
    return f"{fmt[0]}{fmt[1]}." if fmt else None


def paramcd_codelist_id(dataset: str) -> str:
    return f"{dataset}.PARAMCD"


def _param_label(p) -> str:
    """PARAM, with the unit when PARAM does not already name it."""
    return p.param if not p.unit or p.unit in p.param else f"{p.param} ({p.unit})"


class _AdamDefine(_Define):
    MODEL = "ADaM"
    PURPOSE = "Analysis"
    CLASS_ORDER = ADAM_CLASS_ORDER

    def __init__(self, specs: dict[str, DatasetSpec], data: dict[str, pd.DataFrame], study: Study,
                 params: dict[str, dict], ct: Terminology, specs_dir: Path):
        super().__init__(specs, data, study, {}, ct)
        self.params, self.specs_dir = params, specs_dir
        self._check_specs()
        for ds, by_code in params.items():
            cid = paramcd_codelist_id(ds)
            if cid in self.codelists:
                raise SpecError(f"specs/ct: codelist id {cid} is reserved for the PARAMCD codelist of {ds}")
            ordered = sorted(by_code.values(), key=lambda p: (p.paramn, p.paramcd))
            self.codelists[cid] = Codelist(
                id=cid, name=f"Parameter Code ({ds})", nci_code="", extensible="", data_type="text", standard="",
                version="", comment=f"Sponsor-defined: the parameters of {ds} (specs/adam/params.csv), "
                                    "decoded by PARAM, in PARAMN order",
                terms=tuple(Term(value=p.paramcd, decode=p.param, nci_code="", status="sponsor", comment="")
                            for p in ordered))

    def _check_specs(self) -> None:
        where = self.specs_dir / "params.csv"
        for ds in self.params:
            spec = self.specs.get(ds)
            if spec is None or "PARAMCD" not in spec.names:
                raise SpecError(f"{where}: {ds} is not a dataset with PARAMCD in {self.specs_dir / 'datasets.csv'}")
        for spec in self.ordered:
            if spec.subclass and spec.subclass not in SUBCLASSES:
                raise SpecError(f"{self.specs_dir / 'datasets.csv'}: {spec.name}: subclass {spec.subclass!r} is not "
                                f"a Define-XML 2.1 sub-class {list(SUBCLASSES)}")
            if spec.cls == BDS and "PARAMCD" in spec.names and spec.name not in self.params:
                raise SpecError(f"{where}: no parameters for BDS dataset {spec.name}")

    # ---- hooks of the XML writer ---------------------------------------------------------------
    def ig_standard(self) -> Standard:
        return ADAMIG

    def standards(self) -> tuple[Standard, ...]:
        return (ADAMIG, *(s for s in self.ct.standards if s.type == "CT"))

    def group_attrs(self, spec: DatasetSpec, df: pd.DataFrame) -> list[tuple[str, object]]:
        return [
            ("OID", f"IG.{spec.name}"), ("Name", spec.name),
            ("Repeating", "No" if spec.cls == SUBJECT_LEVEL else "Yes"), ("IsReferenceData", "No"),
            ("SASDatasetName", spec.name), ("Purpose", self.PURPOSE), (f"{DEF_}Structure", spec.structure),
            (f"{DEF_}ArchiveLocationID", f"LF.{spec.name}"), (f"{DEF_}StandardOID", ADAMIG.oid),
            (f"{DEF_}HasNoData", "Yes" if df.empty else None),
            (f"{DEF_}CommentOID", f"COM.{spec.name}" if f"COM.{spec.name}" in self.comments else None)]

    def class_element(self, group, spec: DatasetSpec) -> None:
        cls = _el(group, f"{DEF_}Class", [("Name", spec.cls)])
        if spec.subclass:
            _el(cls, f"{DEF_}SubClass", [("Name", spec.subclass)])

    def sliced_columns(self, spec: DatasetSpec) -> set[str]:
        return {"PARAMCD", "PARAM", *VLM_VARIABLES} & set(spec.names)

    # ---- variable level ------------------------------------------------------------------------
    def _profile(self, spec: DatasetSpec, v) -> tuple[Profile, str | None]:
        prof = self.column_profile(spec.name, v.name, v.type == NUM)
        fmt = date_format(v.name, v.type)
        if fmt:
            if prof.data_type == "float" and prof.count == 0:
                prof = Profile("integer", 1, None, 0)  # an empty date column is still a count of days
            elif prof.data_type == "float" and fmt != "DATETIME20.":
                self.issues.append(f"{spec.name}.{v.name}: a SAS {'date' if fmt == 'DATE9.' else 'time'} "
                                   "with fractional values")
        if v.type != NUM and v.length is not None and prof.length is not None and prof.length > v.length:
            self.issues.append(f"{spec.name}.{v.name}: values up to {prof.length} characters, longer than the "
                               f"spec length {v.length}")
        if prof.bad:
            self.issues.append(f"{spec.name}.{v.name}: not ISO 8601: {', '.join(prof.bad[:5])}")
        return prof, fmt

    def add_variables(self) -> None:
        for spec in self.ordered:
            for v in spec.variables:
                prof, fmt = self._profile(spec, v)
                codelist = v.codelist or None
                if v.name == "PARAMCD" and spec.name in self.params:
                    codelist = paramcd_codelist_id(spec.name)  # params.csv is the list of parameters
                item = _Item(oid=f"IT.{spec.name}.{v.name}", name=v.name, label=v.label, profile=prof,
                             origin=v.origin, source=None if v.origin == "Predecessor" else "Sponsor",
                             origin_text=v.source if v.origin != "Assigned" else (v.source or v.method),
                             codelist=codelist, mandatory="Yes" if v.core == "Req" else "No", display_format=fmt)
                if v.origin == "Derived":
                    item.method, item.origin_text = f"MT.{spec.name}.{v.name}", ""
                    self.methods[item.method] = (f"Algorithm to derive {spec.name}.{v.name}", v.method)
                self.items[item.oid] = item

    # ---- value level ---------------------------------------------------------------------------
    def add_value_level(self) -> None:
        pending: dict[str, tuple[str, str]] = {}  # parameter MethodDefs, kept only where a slice uses one
        for spec in self.ordered:
            params = self.params.get(spec.name)
            if not params:
                continue
            df = self.data[spec.name]
            self._check_param_names(spec, df, params)
            ordered = sorted(params.values(), key=lambda p: (p.paramn, p.paramcd))
            has_aval = set(df.loc[df["AVAL"].notna(), "PARAMCD"]) if "AVAL" in spec.names else set()
            for var in VLM_VARIABLES:
                if var not in spec.names:
                    continue
                slices = []
                for p in ordered:
                    extra: dict = {"label": _param_label(p)}
                    if var == "AVAL" or p.paramcd not in has_aval:
                        extra |= self._param_origin(spec, p, pending)
                    slices.append((p.paramcd, extra))
                self._value_list(spec, var, "PARAMCD", slices)
        for item in self.vlm_items:
            if item.method in pending:
                self.methods[item.method] = pending[item.method]

    def _param_origin(self, spec: DatasetSpec, p, pending: dict) -> dict:
        if p.method:
            oid = f"MT.{spec.name}.PARAM.{p.paramcd}"
            pending[oid] = (f"Algorithm to derive the analysis value of {spec.name} PARAMCD {p.paramcd}", p.method)
            return {"origin": "Derived", "source": "Sponsor", "origin_text": "", "method": oid}
        if p.source:
            return {"origin": "Predecessor", "source": None, "origin_text": p.source, "method": None}
        return {}  # params.csv says nothing: the variable's own origin holds

    def _check_param_names(self, spec: DatasetSpec, df: pd.DataFrame, params: dict) -> None:
        if "PARAM" not in spec.names:
            return
        pairs = df[["PARAMCD", "PARAM"]].drop_duplicates()
        for code, name in sorted(map(tuple, pairs.itertuples(index=False))):
            if code in params and name != params[code].param:
                self.issues.append(f"{spec.name}: PARAMCD {code} has PARAM '{name}', params.csv says "
                                   f"'{params[code].param}'")

    # ---- comments ------------------------------------------------------------------------------
    def add_comments(self) -> None:
        self.comments["COM.DEFINE"] = (
            "Generated by `analysis define --adam` from specs/adam (datasets.csv, variables.csv, "
            "params.csv), specs/study.yaml and the controlled terminology subset in specs/ct; data types, "
            "lengths and significant digits are read from the XPT files. Numeric dates, datetimes and times "
            "are SAS values (days or seconds since 1960-01-01) shown with their SAS display format.")
        self.add_codelist_comments()


def write_adam_define(adam_dir: str | Path, specs_dir: str | Path, study: Study | str | Path, out_path: str | Path,
                      ct_dir: str | Path, *, created: dt.date | dt.datetime | str | None = None,
                      stylesheet: bool = True) -> DefineResult:
    """Write define.xml for the ADaM XPT files in `adam_dir` (specs from `specs_dir`: datasets.csv,
    variables.csv, params.csv), atomically; otherwise as `analysis.define.write_define`."""
    from analysis.adam.metadata import load_adam_specs, load_params

    adam_dir, specs_dir, out_path = Path(adam_dir), Path(specs_dir), Path(out_path)
    when = _creation_time(created)
    study = study if isinstance(study, Study) else load_study(study)
    specs = load_adam_specs(specs_dir)
    params = load_params(specs_dir)
    ct = load_ct(ct_dir)
    d = _AdamDefine(specs, {}, study, params, ct, specs_dir)
    d.data = read_datasets(adam_dir, specs, "ADaM", str(specs_dir), keep=d.digest)
    return write_built(d, study, out_path, when, stylesheet)
