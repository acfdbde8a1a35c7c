"""Generic rules on the shape of a package: identifiers, names, labels, types, text values."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from analysis.validate.package import CHAR, NUM, Dataset, Package
from analysis.validate.registry import (
    ERROR, NOTICE, WARNING, Issue, count_note, per_group, per_record, rule,
)

_TD_TOPICS = {"TA": ("ARMCD", "TAETORD", "ETCD", "EPOCH"), "TE": ("ETCD",), "TV": ("VISITNUM",),
              "TI": ("IETESTCD",), "TS": ("TSSEQ", "TSPARMCD")}
_SUPP_VARS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG")
_RELREC_VARS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID")
_TOPICS = {"findings": ("TESTCD", "TEST"), "events": ("TERM",), "interventions": ("TRT",)}


def required_identifiers(ds: Dataset) -> list[str]:
    """The identifier (and topic) variables a dataset of this kind cannot be without."""
    if ds.is_supp:
        return list(_SUPP_VARS)
    if ds.name == "RELREC":
        return list(_RELREC_VARS)
    if ds.is_trial_design:
        return ["STUDYID", "DOMAIN", *_TD_TOPICS.get(ds.name, ())]
    base = ["STUDYID", "DOMAIN", "USUBJID"]
    if ds.name == "DM":
        return base + ["SUBJID", "SITEID"]
    if ds.name == "SE":
        return base + ["SESEQ", "ETCD"]
    if ds.name == "SV":
        return base + ["VISITNUM"]
    if ds.is_general_observation:
        return base + [ds.var("SEQ")] + [ds.var(s) for s in _TOPICS.get(ds.observation_class, ())]
    return base


@rule("SD0001", ERROR, "Required identifier variables present",
      analogue="Pinnacle 21's check for a missing Required variable, applied to the identifiers "
               "every SDTM dataset class needs; CORE rules on the presence of STUDYID/DOMAIN/USUBJID.")
def required_identifiers_present(pkg: Package):
    """STUDYID, DOMAIN and USUBJID in every subject-level dataset, --SEQ and the topic variable
    (--TESTCD/--TEST, --TERM or --TRT) in interventions, events and findings, the SUPP-- and
    RELREC identifiers (RDOMAIN, IDVAR, IDVARVAL, QNAM, ... / RELID), and STUDYID, DOMAIN and the
    topic variables of the trial design datasets."""
    for ds in pkg:
        if ds.is_general_observation and not ds.observation_class:
            yield Issue(ds.name, f"{ds.prefix}TESTCD/{ds.prefix}TERM/{ds.prefix}TRT", (), "", "",
                        "no topic variable: a general-observation dataset needs --TESTCD, --TERM or --TRT")
        for v in required_identifiers(ds):
            if v not in ds:
                yield Issue(ds.name, v, (), "", "", f"required identifier variable {v} is not in {ds.name}")


@rule("SD0002", ERROR, "DOMAIN (RDOMAIN in SUPP--) matches the dataset name",
      analogue="Pinnacle 21's and CORE's checks that DOMAIN holds the dataset's own domain code.")
def domain_matches_name(pkg: Package):
    """DOMAIN equals the dataset name (a split dataset such as QSCG may carry the parent code QS);
    in SUPP-- datasets RDOMAIN equals the name without SUPP (SUPPAE: AE)."""
    for ds in pkg:
        if ds.is_supp:
            var, expected = "RDOMAIN", ds.name[4:]
        elif "DOMAIN" in ds:
            var, expected = "DOMAIN", ds.name
        else:
            continue
        if var not in ds:
            continue
        ok = ds.where_values(var, lambda v, e=expected: v == "" or v == e or (
            len(v) == 2 and e.startswith(v) and len(e) > 2 and not ds.is_supp))
        yield from per_group(ds, ~ok, var, var, lambda k, rows, e=expected, v=var:
                             f"{v} is '{k[0]}', expected '{e}' ({count_note(rows)})")


@rule("SD0003", ERROR, "One STUDYID across the package",
      analogue="Pinnacle 21's check that STUDYID is consistent across datasets.")
def single_studyid(pkg: Package):
    """All datasets carry the same STUDYID (that of DM; without DM, the most frequent value)."""
    yield from studyid_consistency(pkg, "DM")


def studyid_consistency(pkg: Package, reference: str):
    """Records whose STUDYID differs from the package's: that of the `reference` dataset (DM for
    SDTM, ADSL for ADaM) when it has exactly one, else the most frequent value."""
    counts: Counter = Counter()
    for ds in pkg:
        if "STUDYID" in ds:
            counts.update(v for v in ds.data["STUDYID"] if v != "")
    if len(counts) < 2:
        return
    ref_ds = pkg.get(reference)
    own = [v for v in (ref_ds.data["STUDYID"].unique() if ref_ds is not None and "STUDYID" in ref_ds else []) if v]
    ref = own[0] if len(own) == 1 else sorted(counts, key=lambda v: (-counts[v], v))[0]
    for ds in pkg:
        if "STUDYID" in ds:
            s = ds.data["STUDYID"]
            yield from per_group(ds, s.ne("") & s.ne(ref), "STUDYID", "STUDYID", lambda k, rows, r=ref:
                                 f"STUDYID '{k[0]}' differs from the package's '{r}' ({count_note(rows)})")


def identifier_variables(ds: Dataset) -> list[str]:
    """Variables that must be populated on every record (identifiers and topic)."""
    out = [v for v in required_identifiers(ds) if v in ds]
    if ds.name == "RELREC":
        out = [v for v in out if v not in ("USUBJID", "IDVARVAL")]  # null for dataset-level relations
    if ds.is_supp:
        out = [v for v in out if v not in ("IDVAR", "IDVARVAL")]  # null for subject-level qualifiers
    if ds.name == "TS":
        out += [v for v in ("TSPARM",) if v in ds]
    return out


@rule("SD0004", ERROR, "Identifier and topic variables populated",
      analogue="Pinnacle 21's check for nulls in Required variables, for the identifier and topic "
               "variables.")
def identifiers_populated(pkg: Package):
    """No null STUDYID, DOMAIN, USUBJID, --SEQ or topic variable (--TESTCD, --TEST, --TERM,
    --TRT), nor null QNAM, QLABEL, QVAL or QORIG in SUPP--."""
    for ds in pkg:
        for v in identifier_variables(ds):
            yield from per_record(ds, ds.null(v), v, f"{v} is null")


@rule("SD0005", ERROR, "Every USUBJID is in DM",
      analogue="Pinnacle 21's check that a subject in a domain is found in DM; CORE's referential "
               "check of USUBJID against DM.")
def usubjid_in_dm(pkg: Package):
    """Every non-null USUBJID of every dataset other than DM has a DM record."""
    if pkg.dm_index is None:
        return
    known = set(pkg.dm_index.index)
    for ds in pkg:
        if ds.name == "DM" or "USUBJID" not in ds:
            continue
        s = ds.data["USUBJID"]
        yield from per_group(ds, s.ne("") & ~s.isin(known), "USUBJID", "USUBJID",
                             lambda k, rows: f"USUBJID '{k[0]}' is not in DM ({count_note(rows)})")


@rule("SD0006", ERROR, "DM has one record per subject",
      analogue="Pinnacle 21's check for a subject with more than one DM record (DM's structure is one "
               "record per subject).")
def dm_one_record_per_subject(pkg: Package):
    """No USUBJID occurs on more than one DM record."""
    dm = pkg.get("DM")
    if dm is None or "USUBJID" not in dm:
        return
    dup = dm.data["USUBJID"].duplicated(keep=False) & dm.data["USUBJID"].ne("")
    yield from per_group(dm, dup, "USUBJID", "USUBJID",
                         lambda k, rows: f"USUBJID '{k[0]}' has {len(rows)} DM records")


@rule("SD0007", ERROR, "--SEQ is a positive integer, unique within USUBJID",
      analogue="Pinnacle 21's check for a --SEQ value used twice for a subject; CORE's uniqueness of --SEQ within "
               "USUBJID.")
def seq_unique(pkg: Package):
    """In subject-level datasets with a --SEQ variable (SE and the general-observation datasets),
    --SEQ is a whole number >= 1 and no two records of a subject share it."""
    for ds in pkg:
        seq = ds.var("SEQ")
        if not (ds.is_general_observation or ds.name == "SE") or not ds.has(seq, "USUBJID"):
            continue
        n = pd.to_numeric(ds.data[seq], errors="coerce")
        bad = ~ds.null(seq) & ~(n.notna() & (n >= 1) & (n % 1 == 0))
        yield from per_record(ds, bad, seq, f"{seq} is not a whole number >= 1")
        dup = ds.data.duplicated(["USUBJID", seq], keep=False) & ~ds.null(seq)
        yield from per_group(ds, dup, ["USUBJID", seq], seq,
                             lambda k, rows, s=seq: f"{s} {k[1]} occurs {len(rows)} times for subject {k[0]}")


_SAS_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,7}")


@rule("SD0008", ERROR, "Variable and dataset names fit XPT v5",
      analogue="Pinnacle 21's / FDA's checks on variable name length and characters (SAS V5 "
               "transport names).")
def names_fit_v5(pkg: Package):
    """Dataset and variable names are at most 8 characters: an upper-case letter, then upper-case
    letters, digits or underscores."""
    for ds in pkg:
        if not _SAS_NAME.fullmatch(ds.name):
            yield Issue(ds.name, "", (), "", ds.name, f"dataset name '{ds.name}' is not 1-8 upper-case "
                        "letters, digits or '_' starting with a letter")
        for v in ds.columns:
            if not _SAS_NAME.fullmatch(v):
                yield Issue(ds.name, v, (), "", v, f"variable name '{v}' is not 1-8 upper-case letters, "
                            "digits or '_' starting with a letter")


@rule("SD0009", ERROR, "Labels at most 40 characters",
      analogue="Pinnacle 21's / FDA's checks on variable and dataset label length (SAS V5 limit).")
def labels_fit_v5(pkg: Package):
    """Variable labels and the dataset label are at most 40 characters long."""
    for ds in pkg:
        if len(ds.label) > 40:
            yield Issue(ds.name, "", (), "", ds.label, f"dataset label is {len(ds.label)} characters long (max 40)")
        for v in ds.columns:
            lab = ds.labels.get(v, "")
            if len(lab) > 40:
                yield Issue(ds.name, v, (), "", lab, f"label of {v} is {len(lab)} characters long (max 40)")


def _char_columns(ds: Dataset) -> list[str]:
    return [c for c in ds.columns if ds.types.get(c) == CHAR]


@rule("SD0010", ERROR, "Character values at most 200 bytes",
      analogue="FDA / Pinnacle 21 check that character values do not exceed 200 bytes (SAS V5 limit).")
def values_fit_200(pkg: Package):
    """Every character value is at most 200 bytes long (UTF-8, or the file's Latin-1)."""
    for ds in pkg:
        enc = ds.encoding
        for c in _char_columns(ds):
            if max(map(len, ds.distinct(c)[1]), default=0) * 4 <= 200:  # no character takes more than 4 bytes
                continue
            too_long = ds.where_values(c, lambda v, e=enc: len(v.encode(e, errors="replace")) > 200)
            yield from per_record(ds, too_long, c, lambda rec, c=c, e=enc:
                                  f"{c} is {len(rec[c].encode(e, errors='replace'))} bytes long (max 200)")


_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7E]")


@rule("SD0011", ERROR, "Character values are printable ASCII",
      analogue="Pinnacle 21's check for non-ASCII / unprintable characters in values (FDA Technical "
               "Conformance Guide: ASCII text only).")
def values_ascii(pkg: Package):
    """Character values contain only printable ASCII (space to '~'): no accented letters, tabs,
    line breaks or other control characters."""
    for ds in pkg:
        for c in _char_columns(ds):
            if not _NOT_PRINTABLE_ASCII.search("".join(ds.distinct(c)[1])):
                continue
            bad = ds.where_values(c, lambda v: bool(_NOT_PRINTABLE_ASCII.search(v)))
            yield from per_record(ds, bad, c, lambda rec, c=c: f"{c} has a character that is not printable "
                                  f"ASCII: {_NOT_PRINTABLE_ASCII.search(rec[c]).group()!r}")


@rule("SD0012", WARNING, "No leading or trailing spaces",
      analogue="Pinnacle 21's check for values with leading spaces (trailing ones do not survive XPT).")
def no_surrounding_spaces(pkg: Package):
    """Character values do not start or end with a space (XPT drops trailing spaces, so in a file
    this finds leading ones)."""
    for ds in pkg:
        for c in _char_columns(ds):
            bad = ds.where_values(c, lambda v: v[:1] == " " or v[-1:] == " ")
            yield from per_record(ds, bad, c, f"{c} has leading or trailing spaces")


def expected_type(ds: Dataset, v: str) -> str | None:
    """The type SDTMIG gives a standard variable, or None when this rule does not know it."""
    p = ds.prefix
    if v in ("STUDYID", "DOMAIN", "RDOMAIN", "USUBJID", "SUBJID", "VISIT", "EPOCH", "IDVAR",
             "IDVARVAL", "QNAM", "QVAL", "ARMCD", "ACTARMCD", "ETCD") or v.endswith("DTC"):
        return CHAR
    if v in (f"{p}TESTCD", f"{p}TEST", f"{p}ORRES", f"{p}STRESC", f"{p}TERM", f"{p}TRT", f"{p}DECOD"):
        return CHAR
    if v in ("VISITNUM", "VISITDY", "TAETORD", "AGE", "TSSEQ", f"{p}SEQ", f"{p}STRESN", f"{p}DOSE",
             f"{p}TPTNUM", f"{p}STNRLO", f"{p}STNRHI", f"{p}LLOQ", f"{p}ULOQ", f"{p}DOSTOT"):
        return NUM
    if v.endswith("DY") and v[:-2] + "DTC" in ds:
        return NUM
    return None


@rule("SD0013", ERROR, "Standard variables have their SDTMIG type",
      analogue="Pinnacle 21's check of variable types against the SDTMIG metadata.")
def standard_types(pkg: Package):
    """Identifiers, --DTC, --TESTCD, --TEST, --ORRES, --STRESC, VISIT, EPOCH are character;
    --SEQ, VISITNUM, VISITDY, --DY, AGE, --STRESN, --DOSE, --TPTNUM, reference limits and TAETORD are
    numeric."""
    for ds in pkg:
        for v in ds.columns:
            want = expected_type(ds, v)
            if want and ds.types.get(v) != want:
                yield Issue(ds.name, v, (), "", ds.types.get(v, ""), f"{v} is {ds.types.get(v)}, SDTMIG says {want}")


@rule("SD0014", WARNING, "Dataset and variable labels present",
      analogue="Pinnacle 21's checks for a missing dataset label and missing variable labels.")
def labels_present(pkg: Package):
    """The dataset and each of its variables have a (non-blank) label."""
    for ds in pkg:
        if not ds.label.strip():
            yield Issue(ds.name, "", (), "", "", "dataset has no label")
        for v in ds.columns:
            if not ds.labels.get(v, "").strip():
                yield Issue(ds.name, v, (), "", "", f"{v} has no label")


@rule("SD0098", ERROR, "DM present",
      analogue="Pinnacle 21's / FDA's check that the submission has a DM dataset.")
def dm_present(pkg: Package):
    """The package has a DM dataset (without it, subject-level cross-checks cannot run)."""
    if pkg.get("DM") is None:
        yield Issue("DM", "", (), "", "", "no DM dataset in the package")


@rule("SD0099", NOTICE, "Trial design datasets present",
      analogue="Pinnacle 21's notices for missing TS/TA/TE/TV datasets.")
def trial_design_present(pkg: Package):
    """TS, TA, TE and TV are in the package; when one is absent, the checks that use it (TS
    parameters, EPOCH and arm values, elements, the visit schedule) do not run."""
    for name in ("TA", "TE", "TS", "TV"):
        if pkg.get(name) is None:
            yield Issue(name, "", (), "", "", f"no {name} dataset: checks against {name} did not run")
