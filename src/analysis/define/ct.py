"""The study's controlled terminology (specs/ct/), read and checked once.

specs/ct holds only what the study uses:

- codelists.csv    one row per codelist: the id variables.csv names, its name, NCI code (only
                   where known for certain), CDISC extensibility (Y/N; empty for codelists that
                   are not CDISC CT), data type, the standard it comes from ("CDISC CT", an
                   external dictionary such as "MedDRA", or empty for sponsor-defined), the
                   dictionary version for external dictionaries, and a comment.
- terms.csv        one row per term, in display order: codelist, submission value, decode,
                   NCI code (only where certain) and a status saying how sure we are:
                   cdisc (a CDISC term), unconfirmed (believed to be a CDISC term, not checked
                   against a CT release), extended (sponsor extension of an extensible CDISC
                   codelist), sponsor (term of a sponsor-defined codelist), external (term of
                   an external dictionary).
- value_codelists.csv  codelists that apply to a variable only where another variable has a
                   given value (DSDECOD by DSCAT): they become value-level metadata.
- origin_sources.csv   the Define-XML origin source (Investigator, Subject, Vendor, Sponsor)
                   of the values collected on each raw form.
- standards.csv    the standards the define.xml names (the SDTMIG and the CT release).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import SpecError

CDISC_CT = "CDISC CT"
STATUSES = ("cdisc", "unconfirmed", "extended", "sponsor", "external")
CDISC_STATUSES = ("cdisc", "unconfirmed", "extended")  # the statuses a CDISC codelist's terms may have
ORIGIN_SOURCES = ("Investigator", "Sponsor", "Subject", "Vendor")  # Define-XML 2.1 OriginSource
CL_DATA_TYPES = ("text", "integer", "float")
_NCI = re.compile(r"C\d+")


@dataclass(frozen=True)
class Term:
    value: str
    decode: str
    nci_code: str
    status: str
    comment: str


@dataclass(frozen=True)
class Codelist:
    id: str
    name: str
    nci_code: str
    extensible: str
    data_type: str
    standard: str
    version: str
    comment: str
    terms: tuple[Term, ...]

    @property
    def is_cdisc(self) -> bool:
        return self.standard == CDISC_CT

    @property
    def is_external(self) -> bool:
        """An external dictionary referenced by name and version only (no terms listed)."""
        return not self.terms and bool(self.standard) and not self.is_cdisc

    @property
    def values(self) -> list[str]:
        return [t.value for t in self.terms]

    @property
    def has_decodes(self) -> bool:
        return any(t.decode for t in self.terms)


@dataclass(frozen=True)
class ValueCodelist:
    dataset: str
    variable: str
    where_variable: str
    where_value: str
    codelist: str


@dataclass(frozen=True)
class Standard:
    oid: str
    name: str
    type: str
    publishing_set: str
    version: str
    status: str
    comment: str


@dataclass(frozen=True)
class Terminology:
    codelists: dict[str, Codelist]
    value_codelists: tuple[ValueCodelist, ...]
    origin_sources: dict[str, str]
    standards: tuple[Standard, ...]

    def standard(self, type_: str) -> Standard:
        found = [s for s in self.standards if s.type == type_]
        if len(found) != 1:
            raise SpecError(f"standards.csv: exactly one standard of type {type_} expected, found {len(found)}")
        return found[0]


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SpecError(f"{path}: missing columns {missing}")
            return [(i, {k: (v or "").strip() for k, v in r.items()}) for i, r in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None


def _check(ok, where: str, message: str) -> None:
    if not ok:
        raise SpecError(f"{where}: {message}")


def _check_nci(code: str, where: str) -> None:
    _check(not code or _NCI.fullmatch(code), where, f"NCI code '{code}' is not C<digits>")


def load_ct(ct_dir: str | Path) -> Terminology:
    """Read specs/ct/*.csv and check them; problems raise SpecError naming file and line."""
    ct_dir = Path(ct_dir)
    path = ct_dir / "codelists.csv"
    heads: dict[str, dict] = {}
    for line, r in _read(path, ("codelist", "name", "nci_code", "extensible", "data_type", "standard",
                                "version", "comment")):
        where = f"{path}, line {line}: {r['codelist']}"
        cdisc = r["standard"] == CDISC_CT
        _check(r["codelist"] and r["codelist"] not in heads, where, "codelist id empty or defined twice")
        _check(r["data_type"] in CL_DATA_TYPES, where, f"data_type must be one of {list(CL_DATA_TYPES)}")
        _check_nci(r["nci_code"], where)
        _check(not cdisc or r["extensible"] in ("Y", "N"), where, "a CDISC codelist needs extensible Y or N")
        # A sponsor codelist may say it is extensible (VISIT: unscheduled visits join from the data).
        _check(r["extensible"] in ("", "Y", "N"), where, "extensible must be Y, N or empty")
        _check(cdisc or not r["nci_code"], where, "nci_code is for CDISC codelists only")
        heads[r["codelist"]] = r | {"terms": []}

    path = ct_dir / "terms.csv"
    for line, r in _read(path, ("codelist", "value", "decode", "nci_code", "status", "comment")):
        where = f"{path}, line {line}: {r['codelist']} '{r['value']}'"
        head = heads.get(r["codelist"])
        _check(head is not None, where, "codelist not in codelists.csv")
        cdisc = head["standard"] == CDISC_CT
        _check(r["value"] and r["value"] not in [t.value for t in head["terms"]], where, "value empty or listed twice")
        _check(r["status"] in STATUSES, where, f"status must be one of {list(STATUSES)}")
        _check_nci(r["nci_code"], where)
        _check(not cdisc or r["status"] in CDISC_STATUSES, where,
               f"a CDISC codelist's term is one of {list(CDISC_STATUSES)}")
        _check(cdisc or r["status"] not in CDISC_STATUSES, where,
               f"status {r['status']} is for terms of CDISC codelists")
        _check(r["status"] != "extended" or head["extensible"] == "Y", where,
               "codelist is not extensible, so it cannot be extended")
        _check(r["status"] != "extended" or not r["nci_code"], where, "a sponsor extension has no NCI code")
        head["terms"].append(Term(value=r["value"], decode=r["decode"], nci_code=r["nci_code"],
                                  status=r["status"], comment=r["comment"]))

    codelists = {}
    for cid, h in heads.items():
        terms = tuple(h["terms"])
        if any(t.decode for t in terms) and not all(t.decode for t in terms):
            raise SpecError(f"{ct_dir / 'terms.csv'}: {cid}: give a decode for every term or for none")
        if not terms and (h["standard"] in ("", CDISC_CT) or not h["version"]):
            raise SpecError(f"{ct_dir / 'codelists.csv'}: {cid}: no terms; only an external dictionary "
                            "with a version may have none")
        codelists[cid] = Codelist(id=cid, name=h["name"], nci_code=h["nci_code"], extensible=h["extensible"],
                                  data_type=h["data_type"], standard=h["standard"], version=h["version"],
                                  comment=h["comment"], terms=terms)

    path = ct_dir / "value_codelists.csv"
    value_codelists = []
    for line, r in _read(path, ("dataset", "variable", "where_variable", "where_value", "codelist")):
        if r["codelist"] not in codelists:
            raise SpecError(f"{path}, line {line}: unknown codelist '{r['codelist']}'")
        value_codelists.append(ValueCodelist(**{k: r[k] for k in ValueCodelist.__dataclass_fields__}))

    path = ct_dir / "origin_sources.csv"
    origin_sources = {}
    for line, r in _read(path, ("form", "source")):
        if r["source"] not in ORIGIN_SOURCES:
            raise SpecError(f"{path}, line {line}: {r['form']}: source must be one of {list(ORIGIN_SOURCES)}")
        origin_sources[r["form"]] = r["source"]

    path = ct_dir / "standards.csv"
    standards = tuple(Standard(**{k: r[k] for k in Standard.__dataclass_fields__})
                      for _, r in _read(path, ("oid", "name", "type", "publishing_set", "version", "status",
                                               "comment")))
    return Terminology(codelists=codelists, value_codelists=tuple(value_codelists),
                       origin_sources=origin_sources, standards=standards)
