"""define.xml (Define-XML 2.1) for the SDTM datasets, from the specs that built them (and the
machinery `analysis.define.adam` reuses for the ADaM datasets).

Dataset and variable metadata come from specs/sdtm (datasets.csv, variables.csv), test
metadata from specs/sdtm/findings.yaml and specs/lab_tests.yaml, terminology from specs/ct,
study facts from specs/study.yaml; data types, lengths and significant digits come from the
XPT files themselves (see `analysis.define.profile`). The output is deterministic: elements in
a fixed order, no wall-clock time (ODM CreationDateTime is the caller's date), so the same
inputs give the same bytes.

What goes where:
- one ItemGroupDef per dataset (class order, then name), its variables as ItemRefs in spec
  order with KeySequence from the dataset keys, Mandatory = core Req, MethodOID for Derived
  variables and def:HasNoData for columns without a value;
- one ItemDef per dataset variable: def:Origin with the spec's origin type; Source from
  specs/ct/origin_sources.csv for Collected values (by the raw form the spec's source names),
  Sponsor for the other types; the spec's source text as origin description, or as the
  MethodDef description for Derived variables;
- value-level metadata: --ORRES, --STRESC and --STRESN by --TESTCD for Findings datasets with
  results (one WhereClauseDef per test code, shared by the three), QVAL by QNAM for SUPP--
  datasets, and the codelists of specs/ct/value_codelists.csv (DSDECOD by DSCAT);
- CodeLists for every codelist referenced, with the terms of specs/ct (CodeListItem with Decode
  where the codelist has decodes, else EnumeratedItem; NCI codes as Alias; sponsor extensions of
  CDISC codelists marked def:ExtendedValue), ExternalCodeList for external dictionaries; the
  VISIT codelist also lists the unscheduled visits found in the data;
- CommentDefs for the file, custom (X/Y/Z) domains and codelists that carry a comment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.define.ct import Codelist, Term, Terminology, load_ct
from analysis.define.profile import Profile, distinct_text, profile_column, profile_distinct_text
from analysis.errors import SpecError, UserError
from analysis.sdtm.metadata import NUM, DatasetSpec, Variable, load_sdtm_specs
from analysis.specs import Study, load_study, read_yaml

NS_ODM = "http://www.cdisc.org/ns/odm/v1.3"
NS_DEF = "http://www.cdisc.org/ns/def/v2.1"
NS_XLINK = "http://www.w3.org/1999/xlink"
NS_XML = "http://www.w3.org/XML/1998/namespace"
DEFINE_VERSION = "2.1.0"
STYLESHEET_NAME = "define2-1.xsl"
DEFAULT_CREATED = dt.datetime(2000, 1, 1)  # the same fixed default as the XPT header stamps
CLASS_ORDER = ("TRIAL DESIGN", "SPECIAL PURPOSE", "INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT",
               "RELATIONSHIP")
VISIT_CODELIST = "VISIT"
CUSTOM_PREFIXES = ("X", "Y", "Z")  # SDTMIG reserves these domain prefixes for sponsor domains
VLM_RESULTS = ("ORRES", "STRESC", "STRESN")
_ORIGIN_FORM = re.compile(r"\b([a-z][a-z0-9_]*)\.[A-Z]")

ODM_, DEF_, XLINK_ = f"{{{NS_ODM}}}", f"{{{NS_DEF}}}", f"{{{NS_XLINK}}}"
LANG = f"{{{NS_XML}}}lang"


@dataclass
class DefineResult:
    path: Path
    stylesheet: Path | None
    datasets: int = 0
    variables: int = 0
    value_level: int = 0
    codelists: int = 0
    issues: list[str] = field(default_factory=list)


@dataclass
class _Item:
    """One ItemDef (variable or value level) and what its ItemRef needs."""
    oid: str
    name: str
    label: str
    profile: Profile
    origin: str
    source: str | None
    origin_text: str
    codelist: str | None = None
    method: str | None = None
    value_list: str | None = None
    mandatory: str = "No"
    display_format: str | None = None  # def:DisplayFormat (ADaM numeric dates)


@dataclass
class _ValueList:
    oid: str
    refs: list[tuple[_Item, str]]  # (item, where clause OID)


@dataclass
class _Where:
    oid: str
    item_oid: str
    value: str


def _positions_by_value(column: pd.Series) -> dict:
    """value -> the positions (ascending) of the records holding it, from one factorisation
    (a groupby per value, or a comparison per value, would pass over the column every time).

    >>> {k: v.tolist() for k, v in _positions_by_value(pd.Series(["b", "a", "b", ""])).items()}
    {'b': [0, 2], 'a': [1], '': [3]}
    """
    codes, uniq = pd.factorize(column)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniq) + 1))
    return {value: order[bounds[k]:bounds[k + 1]] for k, value in enumerate(uniq)}


def _oid_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", value)


def _natural(value: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", value)]


def _text(value) -> str:
    return "" if value is None else str(value)


class _Define:
    """The SDTM define.xml; `analysis.define.adam` subclasses it for ADaM, overriding what differs
    (origins, value-level metadata, comments and the hooks that shape the ItemGroupDefs)."""
    MODEL = "SDTM"             # FileOID, MetaDataVersion name and messages
    PURPOSE = "Tabulation"
    CLASS_ORDER = CLASS_ORDER

    def __init__(self, specs: dict[str, DatasetSpec], data: dict[str, pd.DataFrame], study: Study,
                 findings: dict, ct: Terminology):
        self.specs, self.data, self.study, self.findings, self.ct = specs, data, study, findings, ct
        self.issues: list[str] = []
        self.items: dict[str, _Item] = {}               # variable-level, by OID
        self.vlm_items: list[_Item] = []
        self.value_lists: list[_ValueList] = []
        self.wheres: dict[str, _Where] = {}
        self.methods: dict[str, tuple[str, str]] = {}   # OID -> (name, description)
        self.comments: dict[str, str] = {}              # OID -> text
        # specs/ct, plus codelists built from other specs (ADaM: PARAMCD from params.csv)
        self.codelists: dict[str, Codelist] = dict(ct.codelists)
        self.codelist_terms: dict[str, tuple[Term, ...]] = {}
        order = self.CLASS_ORDER
        self.ordered = sorted(specs.values(), key=lambda s: (order.index(s.cls) if s.cls in order
                                                             else len(order), s.name))
        self._groups: dict[tuple[str, str], dict] = {}  # (dataset, variable) -> value -> record positions
        self._distinct: dict[tuple[str, str], tuple[list[str], int]] = {}  # (dataset, Char variable) ->
        # its distinct non-empty values (in order of appearance) and how many records are not empty
        self._profiles: dict[tuple[str, str], Profile] = {}  # (dataset, variable) -> whole-column profile

    # ---- looking at the data: each column hashed once, not once per value it is sliced by -----
    def rows_where(self, ds: str, where_var: str, value: str, var: str) -> pd.Series:
        """`var` on the records of `ds` whose `where_var` is `value` (in record order): the same
        as df.loc[df[where_var] == value, var], but the column is grouped once for all values."""
        df = self.data[ds]
        groups = self._groups.get((ds, where_var))
        if groups is None:
            groups = self._groups[(ds, where_var)] = _positions_by_value(df[where_var])
        positions = groups.get(value)
        if positions is None:
            return df[var].iloc[:0]
        return df[var].iloc[positions]

    def present_values(self, ds: str, var: str) -> list[str]:
        """The distinct non-empty values of Char variable `var` of `ds`, as text, in order of
        appearance (hashed once, however often asked)."""
        return self._distinct_text(ds, var)[0]

    def _distinct_text(self, ds: str, var: str) -> tuple[list[str], int]:
        key = (ds, var)
        if key not in self._distinct:
            self._distinct[key] = distinct_text(self.data[ds][var])
        return self._distinct[key]

    def column_profile(self, ds: str, var: str, numeric: bool) -> Profile:
        """`profile_column` of a whole variable (once), sharing the distinct values with the
        codelist checks."""
        key = (ds, var)
        if key not in self._profiles:
            self._profiles[key] = (profile_column(self.data[ds][var], var, True) if numeric
                                   else profile_distinct_text(*self._distinct_text(ds, var), var))
        return self._profiles[key]

    def sliced_columns(self, spec: DatasetSpec) -> set[str]:
        """The variables value-level metadata slices (and slices by): the only columns needed
        once every variable is profiled."""
        ds = spec.name
        wanted = {f"{ds}TESTCD", *(f"{ds}{s}" for s in VLM_RESULTS), "QNAM", "QVAL", "QLABEL"}
        wanted |= {c for vc in self.ct.value_codelists if vc.dataset == ds for c in (vc.variable, vc.where_variable)}
        return wanted & set(spec.names)

    def digest(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Profile every variable of a dataset as soon as it is read, and keep only the columns
        that later steps slice (at least one, so the record count stays): the big datasets are
        not all held in memory at once."""
        spec = self.specs[name]
        self.data[name] = df
        for v in spec.variables:
            self.column_profile(name, v.name, v.type == NUM)
        keep = [c for c in df.columns if c in self.sliced_columns(spec)] or list(df.columns[:1])
        self.data[name] = df[keep]
        return self.data[name]

    # ---- what differs between SDTM and ADaM in the XML ----------------------------------------
    def ig_standard(self):
        return self.ct.standard("IG")

    def standards(self):
        return self.ct.standards

    def group_attrs(self, spec: DatasetSpec, df: pd.DataFrame) -> list[tuple[str, object]]:
        custom = spec.name.startswith(CUSTOM_PREFIXES)
        subject_level = "USUBJID" in spec.names
        repeating = subject_level and bool(set(spec.keys) - {"STUDYID", "USUBJID"})
        return [
            ("OID", f"IG.{spec.name}"), ("Name", spec.name), ("Repeating", "Yes" if repeating else "No"),
            ("IsReferenceData", "No" if subject_level else "Yes"), ("SASDatasetName", spec.name),
            ("Domain", spec.name), ("Purpose", self.PURPOSE), (f"{DEF_}Structure", spec.structure),
            (f"{DEF_}ArchiveLocationID", f"LF.{spec.name}"),
            (f"{DEF_}StandardOID", None if custom else self.ig_standard().oid),
            (f"{DEF_}IsNonStandard", "Yes" if custom else None),
            (f"{DEF_}HasNoData", "Yes" if df.empty else None),
            (f"{DEF_}CommentOID", f"COM.{spec.name}" if f"COM.{spec.name}" in self.comments else None)]

    def class_element(self, group, spec: DatasetSpec) -> None:
        _el(group, f"{DEF_}Class", [("Name", spec.cls)])

    # ---- origins -----------------------------------------------------------------------------
    def _forms_named(self, text: str) -> set[str]:
        return {f for f in _ORIGIN_FORM.findall(text) if f in self.study.forms}

    def _findings_entries(self, ds: str) -> list[dict]:
        entry = self.findings.get(ds)
        return [] if entry is None else (entry if isinstance(entry, list) else [entry])

    def dataset_forms(self, spec: DatasetSpec) -> set[str]:
        forms = set().union(*(self._forms_named(v.source) for v in spec.variables))
        return forms or {e["form"] for e in self._findings_entries(spec.name)}

    def origin_source(self, forms: set[str], where: str) -> str | None:
        sources = {self.ct.origin_sources.get(f) for f in forms}
        if None in sources:
            missing = sorted(f for f in forms if f not in self.ct.origin_sources)
            raise SpecError(f"specs/ct/origin_sources.csv: no source for raw form(s) {missing} ({where})")
        if len(sources) == 1:
            return sources.pop()
        if not sources:
            self.issues.append(f"{where}: collected, but no raw form is known; origin source left out")
        return None  # several sources: value-level metadata, where there is one, gives each

    def variable_origin(self, spec: DatasetSpec, v: Variable) -> tuple[str | None, str]:
        if v.origin != "Collected":
            return "Sponsor", v.source
        forms = self._forms_named(v.source) or self.dataset_forms(spec)
        return self.origin_source(forms, f"{spec.name}.{v.name}"), v.source

    # ---- variable level ----------------------------------------------------------------------
    def add_variables(self) -> None:
        overridden = {(vc.dataset, vc.variable) for vc in self.ct.value_codelists}
        for spec in self.ordered:
            for v in spec.variables:
                oid = f"IT.{spec.name}.{v.name}"
                source, text = self.variable_origin(spec, v)
                item = _Item(oid=oid, name=v.name, label=v.label,
                             profile=self.column_profile(spec.name, v.name, v.type == NUM),
                             origin=v.origin, source=source, origin_text=text,
                             codelist=None if (spec.name, v.name) in overridden else (v.codelist or None),
                             mandatory="Yes" if v.core == "Req" else "No")
                if item.profile.bad:
                    self.issues.append(f"{spec.name}.{v.name}: not ISO 8601: {', '.join(item.profile.bad[:5])}")
                if v.origin == "Derived":
                    item.method = f"MT.{spec.name}.{v.name}"
                    self.methods[item.method] = (f"Algorithm to derive {spec.name}.{v.name}", v.source)
                self.items[oid] = item

    # ---- value level -------------------------------------------------------------------------
    def _where(self, ds: str, where_var: str, value: str) -> str:
        oid = f"WC.{ds}.{where_var}.{_oid_part(value)}"
        known = self.wheres.get(oid)
        if known and known.value != value:
            raise SpecError(f"{ds}.{where_var}: values '{known.value}' and '{value}' give the same OID {oid}")
        self.wheres[oid] = _Where(oid=oid, item_oid=f"IT.{ds}.{where_var}", value=value)
        return oid

    def _ordered_values(self, values, codelist: str | None) -> list[str]:
        order = {t.value: i for i, t in enumerate(self.codelists[codelist].terms)} if (
            codelist in self.codelists) else {}
        return sorted(values, key=lambda x: (order.get(x, len(order)), _natural(x)))

    def _value_list(self, spec: DatasetSpec, var: str, where_var: str, slices: list[tuple[str, dict]]) -> None:
        """slices: (where value, overrides for the value-level item: label, source, origin_text,
        codelist, origin, method) in display order. Slices without a value in the data are left out."""
        parent = self.items[f"IT.{spec.name}.{var}"]
        numeric = next(v for v in spec.variables if v.name == var).type == NUM
        refs = []
        for value, extra in slices:
            rows = self.rows_where(spec.name, where_var, value, var)
            prof = profile_column(rows, var, numeric, numeric_ok=not numeric)
            if prof.count == 0:
                continue
            item = _Item(oid=f"{parent.oid}.{_oid_part(value)}", name=var, label=extra.get("label", parent.label),
                         profile=prof, origin=extra.get("origin", parent.origin),
                         source=extra.get("source", parent.source),
                         origin_text=extra.get("origin_text", parent.origin_text), codelist=extra.get("codelist"),
                         method=extra.get("method", parent.method), mandatory=parent.mandatory)
            refs.append((item, self._where(spec.name, where_var, value)))
        if refs:
            parent.value_list = f"VL.{spec.name}.{var}"
            self.value_lists.append(_ValueList(oid=parent.value_list, refs=refs))
            self.vlm_items.extend(item for item, _ in refs)

    def _test_info(self, spec: DatasetSpec) -> dict[str, dict]:
        """testcd -> test name, raw form, original units, standard unit."""
        info = {}
        lab_forms = set()
        for entry in self._findings_entries(spec.name):
            if "long" in entry:
                lab_forms.add(entry["form"])
            for t in (entry.get("tests") or {}).values():
                unit = [t["unit"]] if t.get("unit") else []
                info[t["testcd"]] = {"test": t["test"], "form": entry["form"], "units": unit, "std": unit}
        if not self._findings_entries(spec.name):
            lab_forms = self.dataset_forms(spec)
        for t in self.study.lab_tests.values():
            if t.form in lab_forms:
                info[t.testcd] = {"test": t.test, "form": t.form, "units": list(t.units), "std": [t.std_unit]}
        return info

    def add_value_level(self) -> None:
        for spec in self.ordered:
            names, df = spec.names, self.data[spec.name]
            testcd = f"{spec.name}TESTCD"
            if spec.cls == "FINDINGS" and testcd in names and f"{spec.name}ORRES" in names and \
                    f"{spec.name}STRESN" in names:
                info = self._test_info(spec)
                codes = self._ordered_values(self.present_values(spec.name, testcd),
                                             self.items[f"IT.{spec.name}.{testcd}"].codelist)
                for suffix in VLM_RESULTS:
                    var = f"{spec.name}{suffix}"
                    if var not in names:
                        continue
                    slices = []
                    for code in codes:
                        t = info.get(code, {})
                        units = t.get("units" if suffix == "ORRES" else "std") or []
                        label = t.get("test", code) + (f" ({', '.join(units)})" if units else "")
                        extra = {"label": label}
                        parent = self.items[f"IT.{spec.name}.{var}"]
                        if parent.origin == "Collected" and t.get("form"):
                            extra["source"] = self.origin_source({t["form"]}, f"{spec.name}.{var} {code}")
                            parts = [p for p in parent.origin_text.split(";") if f"{t['form']}." in p]
                            extra["origin_text"] = "; ".join(p.strip() for p in parts) or parent.origin_text
                        slices.append((code, extra))
                    self._value_list(spec, var, testcd, slices)
            if spec.name.startswith("SUPP") and {"QNAM", "QVAL", "QLABEL"} <= set(names):
                qnams = self._ordered_values(self.present_values(spec.name, "QNAM"), None)
                labels = df.drop_duplicates("QNAM").set_index("QNAM")["QLABEL"]
                self._value_list(spec, "QVAL", "QNAM", [(q, {"label": labels[q]}) for q in qnams])
        by_var: dict[tuple[str, str, str], list] = {}
        for vc in self.ct.value_codelists:
            by_var.setdefault((vc.dataset, vc.variable, vc.where_variable), []).append(vc)
        for (ds, var, where_var), vcs in by_var.items():
            spec = self.specs.get(ds)
            if spec is None or var not in spec.names or where_var not in spec.names:
                raise SpecError(f"specs/ct/value_codelists.csv: {ds}.{var} by {where_var}: not a dataset variable")
            label = self.items[f"IT.{ds}.{var}"].label
            self._value_list(spec, var, where_var, [(vc.where_value, {"codelist": vc.codelist,
                                                                       "label": f"{label} ({vc.where_value})"})
                                                    for vc in vcs])

    # ---- codelists ---------------------------------------------------------------------------
    def check_codelists(self) -> None:
        used = sorted({i.codelist for i in [*self.items.values(), *self.vlm_items] if i.codelist})
        unknown = [c for c in used if c not in self.codelists]
        if unknown:
            raise SpecError(f"codelists {unknown} are referenced by the {self.MODEL} specs but missing from specs/ct")
        extra_visits: set[str] = set()
        value_lists = {vl.oid: vl for vl in self.value_lists}
        for spec in self.ordered:
            for v in spec.variables:
                item = self.items[f"IT.{spec.name}.{v.name}"]
                checks = [(item.codelist, None)]
                if item.value_list:
                    checks += [(i.codelist, self.wheres[w]) for i, w in value_lists[item.value_list].refs]
                for cid, where in checks:
                    if not cid or self.codelists[cid].is_external:
                        continue
                    if v.type == NUM:
                        present = set()
                    elif where is None:
                        present = set(self.present_values(spec.name, v.name))
                    else:
                        rows = self.rows_where(spec.name, where.item_oid.split(".")[-1], where.value, v.name)
                        present = set(distinct_text(rows)[0])
                    allowed = set(self.codelists[cid].values)
                    if cid == VISIT_CODELIST:
                        extra_visits |= {x for x in present - allowed if self.study.unscheduled_pattern.match(x)
                                         or self.study.sdtm_unscheduled_pattern.match(x)}
                        allowed |= extra_visits
                    for bad in sorted(present - allowed):
                        self.issues.append(f"{spec.name}.{v.name}: value '{bad}' is not in codelist {cid}")
        for cid in used:
            terms = self.codelists[cid].terms
            if cid == VISIT_CODELIST:
                terms += tuple(Term(value=x, decode="", nci_code="", status="sponsor",
                                    comment="unscheduled visit found in the data")
                               for x in sorted(extra_visits, key=_natural))
            self.codelist_terms[cid] = terms

    # ---- comments ----------------------------------------------------------------------------
    def add_comments(self) -> None:
        self.comments["COM.DEFINE"] = (
            "Generated by `analysis define` from specs/sdtm (datasets.csv, variables.csv, findings.yaml), "
            "specs/lab_tests.yaml, specs/study.yaml and the controlled terminology subset in specs/ct; data "
            "types, lengths and significant digits are read from the XPT files. Terms marked unconfirmed in "
            "specs/ct/terms.csv have not been checked against the CDISC CT release named in def:Standards.")
        for spec in self.ordered:
            if spec.name.startswith(CUSTOM_PREFIXES):
                self.comments[f"COM.{spec.name}"] = (
                    f"Sponsor-defined custom domain {spec.name} ({spec.label}): the SDTMIG has no standard "
                    f"domain for these data; modelled on the {spec.cls.lower()} class.")
        self.add_codelist_comments()

    def add_codelist_comments(self) -> None:
        for cid in self.codelist_terms:
            cl = self.codelists[cid]
            parts = [cl.comment] if cl.comment else []
            unconfirmed = [t.value for t in self.codelist_terms[cid] if t.status == "unconfirmed"]
            if unconfirmed:
                parts.append("Not yet checked against the CDISC CT release: " + ", ".join(unconfirmed) + ".")
            if parts:
                self.comments[f"COM.CL.{cid}"] = " ".join(parts)


# ---- XML ---------------------------------------------------------------------------------------
def _el(parent, tag: str, attrs: list[tuple[str, object]] | None = None, text: str | None = None):
    from lxml import etree

    el = etree.SubElement(parent, tag)
    for k, v in attrs or []:
        if v is not None and v != "":
            el.set(k, str(v))
    if text is not None:
        el.text = text
    return el


def _translated(parent, tag: str, text: str) -> None:
    holder = _el(parent, tag)
    _el(holder, f"{ODM_}TranslatedText", [(LANG, "en")], text)


def _origin(parent, item: _Item) -> None:
    origin = _el(parent, f"{DEF_}Origin", [("Type", item.origin), ("Source", item.source)])
    if item.origin != "Derived" and item.origin_text:
        _translated(origin, f"{ODM_}Description", item.origin_text)


def _item_def(parent, item: _Item) -> None:
    p = item.profile
    el = _el(parent, f"{ODM_}ItemDef", [("OID", item.oid), ("Name", item.name), ("DataType", p.data_type),
                                      ("Length", p.length), ("SignificantDigits", p.digits),
                                      ("SASFieldName", item.name), (f"{DEF_}DisplayFormat", item.display_format)])
    _translated(el, f"{ODM_}Description", item.label)
    if item.codelist:
        _el(el, f"{ODM_}CodeListRef", [("CodeListOID", f"CL.{item.codelist}")])
    _origin(el, item)
    if item.value_list:
        _el(el, f"{DEF_}ValueListRef", [("ValueListOID", item.value_list)])


def _codelist(parent, cl: Codelist, terms: tuple[Term, ...], standard_oid: str, comment: str | None) -> None:
    el = _el(parent, f"{ODM_}CodeList", [("OID", f"CL.{cl.id}"), ("Name", cl.name), ("DataType", cl.data_type),
                                       (f"{DEF_}StandardOID", standard_oid if cl.is_cdisc else None),
                                       (f"{DEF_}CommentOID", comment)])
    if cl.is_external:
        _el(el, f"{ODM_}ExternalCodeList", [("Dictionary", cl.standard), ("Version", cl.version)])
    decoded = any(t.decode for t in terms)
    for n, t in enumerate(terms, start=1):
        attrs = [("CodedValue", t.value), ("OrderNumber", n),
                 (f"{DEF_}ExtendedValue", "Yes" if t.status == "extended" else None)]
        if decoded:
            item = _el(el, f"{ODM_}CodeListItem", attrs)
            _translated(item, f"{ODM_}Decode", t.decode)
        else:
            item = _el(el, f"{ODM_}EnumeratedItem", attrs)
        if t.nci_code:
            _el(item, f"{ODM_}Alias", [("Context", "nci:ExtCodeID"), ("Name", t.nci_code)])
    if cl.nci_code:
        _el(el, f"{ODM_}Alias", [("Context", "nci:ExtCodeID"), ("Name", cl.nci_code)])


def _to_xml(d: _Define, study: Study, created: dt.datetime, stylesheet: bool) -> bytes:
    from lxml import etree

    from analysis import __version__

    studyid = study.studyid
    root = etree.Element(f"{ODM_}ODM", nsmap={None: NS_ODM, "def": NS_DEF, "xlink": NS_XLINK})
    for k, v in [("ODMVersion", "1.3.2"), ("FileType", "Snapshot"),
                 ("FileOID", f"DEFINE.{_oid_part(studyid)}.{d.MODEL}"),
                 ("CreationDateTime", created.strftime("%Y-%m-%dT%H:%M:%S")), ("Originator", studyid),
                 ("SourceSystem", "analysis"), ("SourceSystemVersion", __version__), (f"{DEF_}Context", "Submission")]:
        root.set(k, v)
    study_el = _el(root, f"{ODM_}Study", [("OID", f"STDY.{_oid_part(studyid)}")])
    gv = _el(study_el, f"{ODM_}GlobalVariables")
    _el(gv, f"{ODM_}StudyName", text=studyid)
    _el(gv, f"{ODM_}StudyDescription", text=" ".join(str(study.data["study"]["title"]).split()))
    _el(gv, f"{ODM_}ProtocolName", text=studyid)

    ig_std, ct_std = d.ig_standard(), d.ct.standard("CT")
    mdv = _el(study_el, f"{ODM_}MetaDataVersion", [
        ("OID", f"MDV.{_oid_part(studyid)}.{_oid_part(ig_std.name)}.{ig_std.version}"),
        ("Name", f"Study {studyid}, {d.MODEL} data definitions"),
        ("Description", f"{d.MODEL} data definitions for study {studyid} ({ig_std.name} {ig_std.version})"),
        (f"{DEF_}DefineVersion", DEFINE_VERSION), (f"{DEF_}CommentOID", "COM.DEFINE")])
    stds = _el(mdv, f"{DEF_}Standards")
    for s in d.standards():
        _el(stds, f"{DEF_}Standard", [("OID", s.oid), ("Name", s.name), ("Type", s.type),
                                   ("PublishingSet", s.publishing_set), ("Version", s.version), ("Status", s.status)])
    for vl in d.value_lists:
        vl_el = _el(mdv, f"{DEF_}ValueListDef", [("OID", vl.oid)])
        for n, (item, where) in enumerate(vl.refs, start=1):
            ref = _el(vl_el, f"{ODM_}ItemRef", [("ItemOID", item.oid), ("OrderNumber", n),
                                             ("Mandatory", item.mandatory), ("MethodOID", item.method)])
            _el(ref, f"{DEF_}WhereClauseRef", [("WhereClauseOID", where)])
    for w in sorted(d.wheres.values(), key=lambda w: w.oid):
        wc = _el(mdv, f"{DEF_}WhereClauseDef", [("OID", w.oid)])
        rc = _el(wc, f"{ODM_}RangeCheck", [("Comparator", "EQ"), ("SoftHard", "Soft"), (f"{DEF_}ItemOID", w.item_oid)])
        _el(rc, f"{ODM_}CheckValue", text=w.value)
    for spec in d.ordered:
        df = d.data[spec.name]
        ig = _el(mdv, f"{ODM_}ItemGroupDef", d.group_attrs(spec, df))
        _translated(ig, f"{ODM_}Description", spec.label)
        for v in spec.variables:
            item = d.items[f"IT.{spec.name}.{v.name}"]
            key = spec.keys.index(v.name) + 1 if v.name in spec.keys else None
            _el(ig, f"{ODM_}ItemRef", [("ItemOID", item.oid), ("OrderNumber", v.order), ("Mandatory", item.mandatory),
                                    ("KeySequence", key), ("MethodOID", item.method),
                                    (f"{DEF_}HasNoData", "Yes" if item.profile.count == 0 and not df.empty else None)])
        d.class_element(ig, spec)
        leaf = _el(ig, f"{DEF_}leaf", [("ID", f"LF.{spec.name}"), (f"{XLINK_}href", f"{spec.name.lower()}.xpt")])
        _el(leaf, f"{DEF_}title", text=f"{spec.name.lower()}.xpt")
    for item in [*d.items.values(), *d.vlm_items]:
        _item_def(mdv, item)
    for cid in sorted(d.codelist_terms):
        _codelist(mdv, d.codelists[cid], d.codelist_terms[cid], ct_std.oid,
                  f"COM.CL.{cid}" if f"COM.CL.{cid}" in d.comments else None)
    for oid in sorted(d.methods):
        name, description = d.methods[oid]
        m = _el(mdv, f"{ODM_}MethodDef", [("OID", oid), ("Name", name), ("Type", "Computation")])
        _translated(m, f"{ODM_}Description", description)
    for oid in sorted(d.comments):
        c = _el(mdv, f"{DEF_}CommentDef", [("OID", oid)])
        _translated(c, f"{ODM_}Description", d.comments[oid])

    if stylesheet:
        root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{STYLESHEET_NAME}"'))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _creation_time(created) -> dt.datetime:
    if created is None or created == "":
        return DEFAULT_CREATED
    if isinstance(created, dt.datetime):
        return created.replace(microsecond=0, tzinfo=None)
    if isinstance(created, dt.date):
        return dt.datetime(created.year, created.month, created.day)
    try:
        return _creation_time(dt.date.fromisoformat(str(created)))
    except ValueError:
        raise UserError(f"creation date '{created}' is not a date YYYY-MM-DD") from None


def read_datasets(folder: Path, specs: dict[str, DatasetSpec], model: str = "SDTM",
                  specs_dir: str = "specs/sdtm", keep=None) -> dict[str, pd.DataFrame]:
    """The XPT file of every spec dataset in `folder`, its columns exactly the spec's variables;
    `keep(name, frame)`, when given, returns what to hold of each (as soon as it is read)."""
    from analysis.xpt import read_xpt

    data = {}
    for name, spec in specs.items():
        path = folder / f"{name.lower()}.xpt"
        if not path.is_file():
            raise UserError(f"{path}: {model} dataset not found (run `analysis {model.lower()}` first)")
        df = _read_plain_xpt(path)
        if df is None:
            df = read_xpt(path)
        if list(df.columns) != spec.names:
            raise UserError(f"{path}: variables {list(df.columns)} differ from {specs_dir} ({spec.names})")
        data[name] = keep(name, df) if keep else df
        del df  # free the whole frame before the next file is read
    return data


def _read_plain_xpt(path: Path) -> pd.DataFrame | None:
    """The XPT file through the vectorised reader (what `read_xpt` gives, at a fraction of the
    time and memory: one str per distinct value), or None when it cannot read the file (or is
    not there) and `read_xpt` must."""
    try:
        from analysis.xpt_reader import read_xport_v5
    except ImportError:
        return None
    fast = read_xport_v5(path)
    return None if fast is None else fast[0]


def read_sdtm(sdtm_dir: Path, specs: dict[str, DatasetSpec]) -> dict[str, pd.DataFrame]:
    return read_datasets(sdtm_dir, specs)


def write_define(sdtm_dir: str | Path, specs_dir: str | Path, study: Study | str | Path, out_path: str | Path,
                 ct_dir: str | Path, *, created: dt.date | dt.datetime | str | None = None,
                 stylesheet: bool = True) -> DefineResult:
    """Write define.xml for the SDTM XPT files in `sdtm_dir`, atomically; with `stylesheet`, copy
    define2-1.xsl next to it and reference it. `created` (the data cutoff, say) becomes the ODM
    CreationDateTime; by default a fixed date, never the wall clock. Data values missing from
    their codelist and dates that are not ISO 8601 are returned as `issues` (nothing fails).
    (`analysis.define.adam.write_adam_define` is the same for ADaM.)"""
    sdtm_dir, specs_dir, out_path = Path(sdtm_dir), Path(specs_dir), Path(out_path)
    when = _creation_time(created)
    study = study if isinstance(study, Study) else load_study(study)
    specs = load_sdtm_specs(specs_dir)
    findings = read_yaml(specs_dir / "findings.yaml")["domains"]
    ct = load_ct(ct_dir)
    d = _Define(specs, {}, study, findings, ct)
    d.data = read_datasets(sdtm_dir, specs, keep=d.digest)
    return write_built(d, study, out_path, when, stylesheet)


def write_built(d: _Define, study: Study, out_path: Path, when: dt.datetime, stylesheet: bool) -> DefineResult:
    """Complete `d` (variables, value level, codelists, comments), then write define.xml and the
    stylesheet: the steps SDTM and ADaM share."""
    d.add_variables()
    d.add_value_level()
    d.check_codelists()
    d.add_comments()
    xml = _to_xml(d, study, when, stylesheet)
    xsl = None
    if stylesheet:  # before anything is written: a missing stylesheet package writes nothing
        from analysis.define.stylesheet import stylesheet_bytes

        xsl = stylesheet_bytes()

    out_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out_path, xml)
    xsl_path = None
    if xsl is not None:
        xsl_path = out_path.parent / STYLESHEET_NAME
        _write_atomic(xsl_path, xsl)
    return DefineResult(path=out_path, stylesheet=xsl_path, datasets=len(d.specs), variables=len(d.items),
                        value_level=len(d.vlm_items), codelists=len(d.codelist_terms), issues=d.issues)


def _write_atomic(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these are deliverables
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
