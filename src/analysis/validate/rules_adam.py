"""Generic ADaM rules (ADaMIG 1.3): they run on any ADaM folder, ours or anyone's.

A dataset is BDS when the specs say so (class BASIC DATA STRUCTURE) or, without specs, when it
has PARAMCD; it is time-to-event when the specs give it the TIME-TO-EVENT subclass or it has
CNSR. Dates are SAS numbers: *DT days since 1960-01-01, *DTM seconds since then, *TM seconds
since midnight.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from analysis.validate import rules_structure
from analysis.validate.package import CHAR, NUM, Dataset, Package
from analysis.validate.registry import (
    ERROR, WARNING, Issue, all_records, count_note, fmt, numeric, per_group, per_record, rule, show,
)
from analysis.validate.rules_visits import one_to_one

BDS_CLASS, TTE_SUBCLASS = "BASIC DATA STRUCTURE", "TIME-TO-EVENT"
SUBJECT_KEYS = ("STUDYID", "USUBJID")
RTOL, ATOL = 1e-6, 1e-9  # derived numbers (CHG, PCHG, ratios) are compared with these tolerances
SAS_EPOCH = dt.datetime(1960, 1, 1)
# plausible SAS dates/datetimes: 1900-01-01 to 2099-12-31 (a *DTM holding days, or a *DT holding
# seconds, falls outside)
DAY_MIN, DAY_MAX = (dt.datetime(1900, 1, 1) - SAS_EPOCH).days, (dt.datetime(2099, 12, 31) - SAS_EPOCH).days
SEC_MIN, SEC_MAX = DAY_MIN * 86400.0, (DAY_MAX + 1) * 86400.0
# ADSL population flags (ADaMIG 1.3 section 3.1.4 lists FAS/SAF/ITT/PPROT/COMPL/RAND/ENRL; EFFFL and
# COMPnnFL are the common study-specific ones): Y or N, never null
POPULATION_FLAG = re.compile(r"(FAS|SAF|ITT|PPROT|COMPL|RAND|ENRL|EFF)FL|COMP\d+FL")
# record-level analysis flags that ADaMIG defines as 'Y' or null
_PARAMCD = re.compile(r"[A-Z][A-Z0-9_]{0,7}")
RECORD_FLAG = re.compile(r"ABLFL|ANL\d\dFL|ONTRTFL|LVOTFL|AOCC\w*FL")


# --- what kind of dataset, and shared helpers

def _spec(pkg: Package, ds: Dataset):
    return (pkg.specs or {}).get(ds.name)


def is_bds(pkg: Package, ds: Dataset) -> bool:
    spec = _spec(pkg, ds)
    if spec is not None and spec.cls:
        return spec.cls == BDS_CLASS
    return "PARAMCD" in ds


def is_tte(pkg: Package, ds: Dataset) -> bool:
    spec = _spec(pkg, ds)
    return (spec is not None and spec.subclass == TTE_SUBCLASS) or (is_bds(pkg, ds) and "CNSR" in ds)


def bds_datasets(pkg: Package):
    return [ds for ds in pkg if is_bds(pkg, ds)]


def param_keys(ds: Dataset) -> list[str]:
    """USUBJID, PARAMCD and BASETYPE (when there is one): the records that share a baseline."""
    return [k for k in ("USUBJID", "PARAMCD", "BASETYPE") if k in ds]


def where(keys: list[str], k: tuple) -> str:
    """'subject S, parameter P[, BASETYPE 'B'][, AVISIT 'V']...' for a group key."""
    names = {"USUBJID": "subject", "PARAMCD": "parameter"}
    return ", ".join(f"{names[n]} {fmt(v)}" if n in names else f"{n} {show(v)}" for n, v in zip(keys, k))


def sas_date(value: float, variable: str = "DT") -> str:
    """A SAS date (days), datetime (*DTM: seconds) or time (*TM) as ISO 8601, for messages."""
    if pd.isna(value):
        return "null"
    try:
        if variable.endswith("DTM"):
            return (SAS_EPOCH + dt.timedelta(seconds=float(value))).isoformat()
        if variable.endswith("TM"):
            return str(dt.timedelta(seconds=float(value)))
        return (SAS_EPOCH + dt.timedelta(days=float(value))).date().isoformat()
    except (OverflowError, ValueError):
        return fmt(value)


def num(value: float) -> str:
    """A computed number for a message: 12 significant digits, no needless '.0'."""
    return "null" if pd.isna(value) else fmt(float(f"{value:.12g}"))


def shown(value) -> str:
    """A data value in a message: text quoted, numbers as num() writes them, null as 'null'."""
    return repr(value) if isinstance(value, str) else num(value)


def floats(ds: Dataset, variable: str) -> pd.Series:
    return pd.to_numeric(ds.data[variable], errors="coerce").astype(float)


def close(got: pd.Series, expected: pd.Series) -> np.ndarray:
    return np.isclose(got.to_numpy(float), expected.to_numpy(float), rtol=RTOL, atol=ATOL)


# --- the package: ADSL, subjects, identifiers

@rule("AD0001", ERROR, "ADSL present",
      analogue="Pinnacle 21's check that an ADaM submission has ADSL (ADaMIG: ADSL is required).")
def adsl_present(pkg: Package):
    """The package has an ADSL dataset (the subject-level checks need it)."""
    if pkg.get("ADSL") is None:
        yield Issue("ADSL", "", (), "", "", "no ADSL dataset in the package")


@rule("AD0002", ERROR, "ADSL has one record per subject",
      analogue="Pinnacle 21's check for duplicate USUBJID in ADSL (ADaMIG: one record per subject).")
def adsl_one_record_per_subject(pkg: Package):
    """No USUBJID occurs on more than one ADSL record."""
    adsl = pkg.get("ADSL")
    if adsl is None or "USUBJID" not in adsl:
        return
    dup = adsl.data["USUBJID"].duplicated(keep=False) & adsl.data["USUBJID"].ne("")
    yield from per_group(adsl, dup, "USUBJID", "USUBJID",
                         lambda k, rows: f"USUBJID '{k[0]}' has {len(rows)} ADSL records")


@rule("AD0003", ERROR, "Every USUBJID is in ADSL",
      analogue="Pinnacle 21's check that every subject of an ADaM dataset is in ADSL.")
def usubjid_in_adsl(pkg: Package):
    """Every non-null USUBJID of every dataset other than ADSL has an ADSL record."""
    if pkg.adsl_index is None:
        return
    known = set(pkg.adsl_index.index)
    for ds in pkg:
        if ds.name == "ADSL" or "USUBJID" not in ds:
            continue
        s = ds.data["USUBJID"]
        yield from per_group(ds, s.ne("") & ~s.isin(known), "USUBJID", "USUBJID",
                             lambda k, rows: f"USUBJID '{k[0]}' is not in ADSL ({count_note(rows)})")


@rule("AD0004", ERROR, "STUDYID and USUBJID present",
      analogue="Pinnacle 21's checks for the ADaMIG required identifiers STUDYID and USUBJID.")
def identifiers_present(pkg: Package):
    """Every dataset has STUDYID and USUBJID."""
    for ds in pkg:
        for v in SUBJECT_KEYS:
            if v not in ds:
                yield Issue(ds.name, v, (), "", "", f"required variable {v} is not in {ds.name}")


@rule("AD0005", ERROR, "Identifiers and parameters populated",
      analogue="Pinnacle 21's checks for nulls in ADaMIG Req variables (STUDYID, USUBJID; PARAM, "
               "PARAMCD in BDS).")
def identifiers_populated(pkg: Package):
    """STUDYID and USUBJID are never null, nor PARAMCD and PARAM in a BDS dataset."""
    for ds in pkg:
        variables = list(SUBJECT_KEYS) + (["PARAMCD", "PARAM"] if is_bds(pkg, ds) else [])
        for v in variables:
            if v in ds:
                yield from all_records(ds, ds.null(v), v, lambda rows, v=v: f"{v} is null ({count_note(rows)})")


@rule("AD0006", ERROR, "One STUDYID across the package",
      analogue="Pinnacle 21's check that STUDYID is consistent across datasets.")
def single_studyid(pkg: Package):
    """All datasets carry the same STUDYID (ADSL's; without ADSL, the most frequent value)."""
    yield from rules_structure.studyid_consistency(pkg, "ADSL")


@rule("AD0007", ERROR, "Dataset names start with AD",
      analogue="Pinnacle 21's check of the ADaMIG naming convention (ADaM dataset names begin with AD).")
def names_start_with_ad(pkg: Package):
    """Every dataset name begins with 'AD' (ADSL, ADAE, ADLB, ...): an SDTM or other file does not
    belong in an ADaM folder."""
    for ds in pkg:
        if not ds.name.startswith("AD"):
            yield Issue(ds.name, "", (), "", ds.name, f"dataset name '{ds.name}' does not start with 'AD'")


# --- names, labels, text: the SAS V5 limits are those of SDTM, so the SDTM rules do the work

@rule("AD0008", ERROR, "Variable and dataset names fit XPT v5",
      analogue="Pinnacle 21's / FDA's checks on variable name length and characters (SAS V5 transport names).")
def names_fit_v5(pkg: Package):
    """Dataset and variable names are at most 8 characters: an upper-case letter, then upper-case
    letters, digits or underscores."""
    yield from rules_structure.names_fit_v5(pkg)


@rule("AD0009", ERROR, "Labels at most 40 characters",
      analogue="Pinnacle 21's / FDA's checks on variable and dataset label length (SAS V5 limit).")
def labels_fit_v5(pkg: Package):
    """Variable labels and the dataset label are at most 40 characters long."""
    yield from rules_structure.labels_fit_v5(pkg)


@rule("AD0010", ERROR, "Character values at most 200 bytes",
      analogue="FDA / Pinnacle 21 check that character values do not exceed 200 bytes (SAS V5 limit).")
def values_fit_200(pkg: Package):
    """Every character value is at most 200 bytes long (UTF-8, or the file's Latin-1)."""
    yield from rules_structure.values_fit_200(pkg)


@rule("AD0011", ERROR, "Character values are printable ASCII",
      analogue="Pinnacle 21's check for non-ASCII / unprintable characters in values.")
def values_ascii(pkg: Package):
    """Character values contain only printable ASCII (space to '~')."""
    yield from rules_structure.values_ascii(pkg)


@rule("AD0012", WARNING, "Dataset and variable labels present",
      analogue="Pinnacle 21's checks for a missing dataset label and missing variable labels.")
def labels_present(pkg: Package):
    """The dataset and each of its variables have a (non-blank) label."""
    yield from rules_structure.labels_present(pkg)


def expected_type(ds: Dataset, v: str) -> str | None:
    """The type ADaMIG gives a variable by name, or None when this rule does not know it."""
    if v.endswith("ELTM") and v != "ARELTM":
        return None  # SDTM's --ELTM (character ISO 8601 durations) copied into ADaM: not a time
    if v in ("STUDYID", "USUBJID", "SUBJID", "SITEID", "PARAMCD", "PARAM", "AVALC", "BASEC", "AVISIT", "ATPT",
             "DTYPE", "BASETYPE", "TRTP", "TRTA", "AVALU") or re.fullmatch(
            r"TRT\d\d[PA]|PARCAT\d+|.+FL|.+DTF|.+TMF|.+DTC|.+GR\d+", v):
        return CHAR
    if v in ("AVAL", "BASE", "CHG", "PCHG", "CNSR", "ASEQ", "ADY", "ASTDY", "AENDY") or re.fullmatch(
            r".+(DT|DTM|TM|FN)|TRT\d\d[PA]N|.+GR\d+N|B?R2.+", v):
        return NUM
    if v.endswith("DY") and v[:-2] + "DT" in ds:
        return NUM
    if v.endswith("N") and ds.types.get(v[:-1]) == CHAR:
        return NUM  # the numeric version of a character variable: RACEN, AVISITN, PARAMN, TRTPN
    return None


@rule("AD0013", ERROR, "Standard variables have their ADaMIG type",
      analogue="Pinnacle 21's checks of ADaM variable types (e.g. numeric dates, character flags).")
def standard_types(pkg: Package):
    """Dates, datetimes and times (*DT, *DTM, *TM), study days (*DY), *FN, AVAL, BASE, CHG,
    PCHG, ratios (R2*, BR2*), CNSR, ASEQ, *GRyN, TRTxxPN/AN and the numeric twin of a character
    variable (RACEN, AVISITN, PARAMN, ...) are numeric; STUDYID, USUBJID, SUBJID, SITEID,
    PARAMCD, PARAM, AVALC, BASEC, AVISIT, ATPT, DTYPE, BASETYPE, TRTP/TRTA, TRTxxP/A, PARCATy,
    *FL, *DTF, *TMF, *DTC and *GRy are character."""
    for ds in pkg:
        for v in ds.columns:
            want = expected_type(ds, v)
            if want and ds.types.get(v) != want:
                yield Issue(ds.name, v, (), "", ds.types.get(v, ""), f"{v} is {ds.types.get(v)}, ADaMIG says {want}")


def date_kind(ds: Dataset, v: str) -> str | None:
    """'DTM', 'DT' or 'TM' for a numeric date, datetime or time variable, else None. Relative
    and elapsed times (ARELTM, --ELTM) end in TM but are durations, not times of day."""
    if not numeric(ds, v) or v.endswith("ELTM"):
        return None
    for kind in ("DTM", "DT", "TM"):
        if v.endswith(kind) and len(v) > len(kind):
            return kind
    return None


@rule("AD0014", ERROR, "Dates, datetimes and times are plausible SAS values",
      analogue="Pinnacle 21's checks on ADaM numeric date variables (a sponsor addition: implausible "
               "values catch a datetime stored as a date and vice versa).")
def plausible_dates(pkg: Package):
    """A numeric *DT is a whole number of days between 1900-01-01 and 2099-12-31, a *DTM a number
    of seconds in that range, a *TM a number of seconds from 0 to 86400. A *DTM that is a whole
    number no further from 0 than a date in days can be (within 14 hours of 1960-01-01T00:00) is
    taken for a date in days stored as a datetime."""
    for ds in pkg:
        for v in ds.columns:
            kind = date_kind(ds, v)
            if kind is None:
                continue
            x = ds.data[v].astype(float)
            checks = []
            if kind == "DT":
                checks.append(((x % 1 != 0) | (x < DAY_MIN) | (x > DAY_MAX),
                               lambda first, v=v: f"{v} {fmt(first)} is not a whole number of days from 1900 to 2099"))
            elif kind == "DTM":
                checks.append(((x < SEC_MIN) | (x >= SEC_MAX), lambda first, v=v:
                               f"{v} {fmt(first)} is not seconds since 1960 for a datetime from 1900 to 2099"))
                checks.append(((x % 1 == 0) & (x.abs() <= DAY_MAX), lambda first, v=v:
                               f"{v} {fmt(first)} looks like a date in days, not a datetime in seconds "
                               f"(as seconds it is {sas_date(first, 'DTM')})"))
            else:
                checks.append(((x < 0) | (x > 86400),
                               lambda first, v=v: f"{v} {fmt(first)} is not seconds since midnight (0 to 86400)"))
            for bad, message in checks:
                bad &= x.notna()
                yield from all_records(ds, bad, v, lambda rows, v=v, message=message:
                                       f"{message(rows[v].iloc[0])} ({count_note(rows)})",
                                       value=fmt(x[bad].iloc[0]) if bad.any() else "")


def numeric_twins(ds: Dataset) -> list[tuple[str, str]]:
    """(X, XN) for a character X with a numeric XN: AVISIT/AVISITN, PARAM/PARAMN, RACE/RACEN,
    TRT01P/TRT01PN, AGEGR1/AGEGR1N, ..."""
    return [(v, v + "N") for v in ds.columns if ds.types.get(v) == CHAR and ds.types.get(v + "N") == NUM]


@rule("AD0015", ERROR, "Variables and their numeric versions correspond one to one",
      analogue="Pinnacle 21's checks that a variable and its *N numeric version map one to one (AVISIT/AVISITN, "
               "PARAM/PARAMN, TRTP/TRTPN, ...).")
def numeric_versions(pkg: Package):
    """Within a dataset, a character variable X and its numeric version XN (AVISIT/AVISITN,
    PARAM/PARAMN, TRTP/TRTPN, RACE/RACEN, AGEGR1/AGEGR1N, ...) correspond one to one where both
    are populated."""
    for ds in pkg:
        for x, xn in numeric_twins(ds):
            yield from one_to_one(ds, x, xn, f"{xn} is the numeric version of {x}")
            yield from one_to_one(ds, xn, x, f"{x} and {xn} must correspond one to one")


ADSL_REQUIRED = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARM", "ACTARM")


@rule("AD0016", ERROR, "ADSL has the ADaMIG required variables",
      analogue="Pinnacle 21's checks for the ADSL variables whose ADaMIG core is Req.")
def adsl_required(pkg: Package):
    """ADSL has STUDYID, USUBJID, SUBJID, SITEID, AGE, AGEU, SEX, RACE, ARM, ACTARM and at least
    one planned treatment TRTxxP (TRT01P, ...)."""
    adsl = pkg.get("ADSL")
    if adsl is None:
        return
    for v in ADSL_REQUIRED:
        if v not in adsl:
            yield Issue("ADSL", v, (), "", "", f"required ADSL variable {v} is not in ADSL")
    if not any(re.fullmatch(r"TRT\d\dP", v) for v in adsl.columns):
        yield Issue("ADSL", "TRT01P", (), "", "", "ADSL has no planned treatment variable TRTxxP (TRT01P, ...)")


@rule("AD0017", ERROR, "ASEQ unique within a subject",
      analogue="Pinnacle 21's check that ASEQ identifies a subject's records (ADaMIG: ASEQ makes records unique "
               "within USUBJID).")
def aseq_unique(pkg: Package):
    """Where a dataset has ASEQ, it is populated and no two records of a subject share a value."""
    for ds in pkg:
        if not ds.has("ASEQ", "USUBJID"):
            continue
        yield from all_records(ds, ds.null("ASEQ"), "ASEQ", lambda rows: f"ASEQ is null ({count_note(rows)})")
        dup = ds.data.duplicated(["USUBJID", "ASEQ"], keep=False) & ~ds.null("ASEQ")
        yield from per_group(ds, dup, ["USUBJID", "ASEQ"], "ASEQ", lambda k, rows:
                             f"ASEQ {fmt(k[1])} occurs {len(rows)} times for subject {k[0]}", value=lambda k: fmt(k[1]))


# --- BDS: parameters, baseline, change

@rule("AD0020", ERROR, "BDS datasets have PARAMCD, PARAM and AVAL or AVALC",
      analogue="Pinnacle 21's checks for the BDS required variables.")
def bds_required(pkg: Package):
    """A BDS dataset has PARAMCD, PARAM and at least one of AVAL and AVALC."""
    for ds in bds_datasets(pkg):
        for v in ("PARAMCD", "PARAM"):
            if v not in ds:
                yield Issue(ds.name, v, (), "", "", f"required BDS variable {v} is not in {ds.name}")
        if "AVAL" not in ds and "AVALC" not in ds:
            yield Issue(ds.name, "AVAL", (), "", "", f"{ds.name} has neither AVAL nor AVALC")


@rule("AD0021", ERROR, "PARAMCD values are valid short names",
      analogue="Pinnacle 21's check on PARAMCD values (ADaMIG: at most 8 characters, a letter first, "
               "then letters, digits, underscores).")
def paramcd_short_name(pkg: Package):
    """PARAMCD values are 1-8 characters: an upper-case letter, then upper-case letters, digits or
    '_' (they may become variable names when the data are transposed)."""
    for ds in bds_datasets(pkg):
        if ds.types.get("PARAMCD") == CHAR:  # a numeric PARAMCD is AD0013's finding
            bad = ds.where_values("PARAMCD", lambda v: v != "" and not _PARAMCD.fullmatch(v))
            yield from per_group(ds, bad, "PARAMCD", "PARAMCD", lambda k, rows: f"PARAMCD {k[0]!r} is not 1-8 "
                                 f"upper-case letters, digits or '_' starting with a letter ({count_note(rows)})")


@rule("AD0022", ERROR, "PARAMCD and PARAM correspond one to one",
      analogue="Pinnacle 21's checks for inconsistent PARAM within PARAMCD and PARAMCD within PARAM.")
def paramcd_param_one_to_one(pkg: Package):
    """Within a dataset, each PARAMCD goes with one PARAM and each PARAM with one PARAMCD."""
    for ds in bds_datasets(pkg):
        if ds.has("PARAMCD", "PARAM"):
            yield from one_to_one(ds, "PARAMCD", "PARAM", "PARAM names the parameter PARAMCD codes")
            yield from one_to_one(ds, "PARAM", "PARAMCD", "PARAMCD and PARAM must correspond one to one")


@rule("AD0023", WARNING, "AVAL or AVALC populated",
      analogue="Pinnacle 21's check for BDS records with neither AVAL nor AVALC.")
def aval_or_avalc(pkg: Package):
    """A BDS record has an analysis value: AVAL or AVALC (whichever the dataset has) is populated."""
    for ds in bds_datasets(pkg):
        have = [v for v in ("AVAL", "AVALC") if v in ds]
        if not have:
            continue
        empty = np.logical_and.reduce([ds.null(v).to_numpy() for v in have])
        yield from per_group(ds, empty, "PARAMCD" if "PARAMCD" in ds else have[0], have[0], lambda k, rows, have=have:
                             f"{' and '.join(have)} {'are' if len(have) > 1 else 'is'} null for parameter "
                             f"{fmt(k[0])} ({count_note(rows)})")


@rule("AD0024", ERROR, "At most one baseline record per subject and parameter",
      analogue="Pinnacle 21's check for more than one ABLFL = 'Y' record per USUBJID, PARAMCD and BASETYPE.")
def one_baseline(pkg: Package):
    """ABLFL = 'Y' on at most one record per USUBJID, PARAMCD and (when present) BASETYPE."""
    for ds in bds_datasets(pkg):
        keys = param_keys(ds)
        if "ABLFL" not in ds or len(keys) < 2:
            continue
        flagged = ds.data["ABLFL"].eq("Y")
        many = flagged & ds.data[keys].assign(_flag=flagged).duplicated(keep=False)
        yield from per_group(ds, many, keys, "ABLFL", lambda k, rows, keys=keys:
                             f"{len(rows)} records have ABLFL = 'Y' for {where(keys, k)}",
                             value=lambda k: fmt(k[1]))


@rule("AD0025", ERROR, "BASE constant within subject and parameter",
      analogue="Pinnacle 21's check that BASE (BASEC) has one value per USUBJID, PARAMCD and BASETYPE.")
def base_constant(pkg: Package):
    """The populated BASE (and BASEC) values of a USUBJID, PARAMCD and (when present) BASETYPE are
    all the same."""
    for ds in bds_datasets(pkg):
        keys = param_keys(ds)
        if len(keys) < 2:
            continue
        for v in ("BASE", "BASEC"):
            if v not in ds:
                continue
            given = ~ds.null(v)
            distinct = ds.data.loc[given, keys + [v]].drop_duplicates()
            several = distinct[distinct.duplicated(keys, keep=False)][keys].drop_duplicates()
            if several.empty:
                continue
            bad = given & pd.MultiIndex.from_frame(ds.data[keys]).isin(pd.MultiIndex.from_frame(several))
            yield from per_group(ds, bad, keys, v, lambda k, rows, v=v, keys=keys:
                                 f"{v} takes {rows[v].nunique()} values for {where(keys, k)}: "
                                 + ", ".join(show(x) for x in pd.unique(rows[v])), value=lambda k: fmt(k[1]))


def baseline_reference(ds: Dataset, keys: list[str], value: str) -> tuple[pd.Series, pd.Series]:
    """For each record, `value` on its group's ABLFL = 'Y' record and that record's number (NaN
    when the group has no baseline record, or several: AD0024 reports those)."""
    flagged = ds.data["ABLFL"].eq("Y")
    base = ds.data.loc[flagged, keys + [value]].assign(_rec=ds.data.index[flagged] + 1.0)
    base = base[~base.duplicated(keys, keep=False)].rename(columns={value: "_ref"})
    merged = ds.data[keys].merge(base, on=keys, how="left")
    return merged["_ref"].set_axis(ds.data.index), merged["_rec"].set_axis(ds.data.index)


@rule("AD0026", ERROR, "BASE is the AVAL of the baseline record",
      analogue="Pinnacle 21's check that BASE equals AVAL on the ABLFL = 'Y' record (BASEC: AVALC).")
def base_is_baseline_aval(pkg: Package):
    """Where a USUBJID, PARAMCD and (when present) BASETYPE has one ABLFL = 'Y' record, BASE on
    each of its records equals AVAL of that record (BASEC equals AVALC), both null included: a
    populated baseline value with a null BASE, or the other way round, is reported."""
    for ds in bds_datasets(pkg):
        keys = param_keys(ds)
        if "ABLFL" not in ds or len(keys) < 2:
            continue
        for base_var, value in (("BASE", "AVAL"), ("BASEC", "AVALC")):
            if not ds.has(base_var, value):
                continue
            ref, rec = baseline_reference(ds, keys, value)
            got = ds.data[base_var]
            if numeric(ds, base_var) and numeric(ds, value):
                g, r = got.astype(float), ref.astype(float)
                same = (g.isna() & r.isna()).to_numpy() | np.isclose(g.to_numpy(), r.to_numpy(), rtol=RTOL, atol=ATOL)
            else:
                same = (got.map(fmt) == ref.map(fmt)).to_numpy()
            bad = rec.notna().to_numpy() & ~same
            yield from per_group(ds, bad, keys, base_var, lambda k, rows, b=base_var, a=value, keys=keys, ref=ref, rec=rec:
                                 f"{b} is {', '.join(shown(x) for x in pd.unique(rows[b]))} but {a} of the baseline "
                                 f"record (ABLFL = 'Y', record {int(rec[rows.index[0]])}) is {shown(ref[rows.index[0]])} "
                                 f"({where(keys, k)}; {count_note(rows)})", value=lambda k: fmt(k[1]))


@rule("AD0027", ERROR, "CHG = AVAL - BASE",
      analogue="Pinnacle 21's check that CHG equals AVAL minus BASE.")
def change_from_baseline(pkg: Package):
    """Where CHG is populated, AVAL and BASE are too and CHG = AVAL - BASE (relative tolerance
    1e-6). A null CHG is not checked (ADaMIG leaves it optional on baseline and earlier records)."""
    for ds in bds_datasets(pkg):
        if not ds.has("AVAL", "BASE", "CHG") or not all(numeric(ds, v) for v in ("AVAL", "BASE", "CHG")):
            continue
        aval, base, chg = floats(ds, "AVAL"), floats(ds, "BASE"), floats(ds, "CHG")
        expected = aval - base
        bad = chg.notna() & (expected.isna() | ~close(chg, expected))
        yield from per_record(ds, bad, "CHG", lambda rec: (
            f"CHG is {num(rec['CHG'])} but AVAL or BASE is null" if pd.isna(rec["_expected"]) else
            f"CHG is {num(rec['CHG'])}, expected AVAL - BASE = {num(rec['AVAL'])} - {num(rec['BASE'])} = "
            f"{num(rec['_expected'])}"), extra={"_expected": expected})


@rule("AD0028", ERROR, "PCHG = 100 * (AVAL - BASE) / BASE",
      analogue="Pinnacle 21's check that PCHG equals the percent change from BASE.")
def percent_change(pkg: Package):
    """Where PCHG is populated, AVAL and BASE are too, BASE is not 0 (PCHG is null when BASE is
    0) and PCHG = 100 * (AVAL - BASE) / BASE, i.e. 100 * CHG / BASE (relative tolerance 1e-6)."""
    for ds in bds_datasets(pkg):
        if not ds.has("AVAL", "BASE", "PCHG") or not all(numeric(ds, v) for v in ("AVAL", "BASE", "PCHG")):
            continue
        aval, base, pchg = floats(ds, "AVAL"), floats(ds, "BASE"), floats(ds, "PCHG")
        expected = (100 * (aval - base) / base.where(base != 0)).astype(float)
        bad = pchg.notna() & (expected.isna() | ~close(pchg, expected))

        def message(rec):
            if rec["BASE"] == 0:
                return f"PCHG is {num(rec['PCHG'])} but BASE is 0: PCHG must be null"
            if pd.isna(rec["_expected"]):
                return f"PCHG is {num(rec['PCHG'])} but AVAL or BASE is null"
            return (f"PCHG is {num(rec['PCHG'])}, expected 100 * (AVAL - BASE) / BASE = 100 * ({num(rec['AVAL'])} - "
                    f"{num(rec['BASE'])}) / {num(rec['BASE'])} = {num(rec['_expected'])}")
        yield from per_record(ds, bad, "PCHG", message, extra={"_expected": expected})


def ratio_variables(ds: Dataset) -> list[tuple[str, str, str]]:
    """(ratio, numerator, denominator): R2<X> = AVAL / X and BR2<X> = BASE / X for a numeric X in
    the dataset (R2BASE, R2A1LO, R2A1HI, BR2A1LO, BR2A1HI, ...)."""
    out = []
    for v in ds.columns:
        m = re.fullmatch(r"(B?)R2(\w+)", v)
        if m and numeric(ds, v):
            top, bottom = ("BASE" if m.group(1) else "AVAL"), m.group(2)
            if bottom in ds and top in ds and numeric(ds, bottom) and numeric(ds, top):
                out.append((v, top, bottom))
    return out


@rule("AD0029", ERROR, "Ratio variables are their ratios",
      analogue="Pinnacle 21's check that R2BASE equals AVAL / BASE (and the R2A1LO-style ratios theirs).")
def ratios(pkg: Package):
    """Where a ratio variable is populated, R2BASE = AVAL / BASE and in general R2<X> = AVAL / X and
    BR2<X> = BASE / X for a numeric variable X of the dataset (R2A1LO = AVAL / A1LO, BR2A1HI =
    BASE / A1HI, ...), relative tolerance 1e-6; a ratio whose denominator is 0 or null is null."""
    for ds in bds_datasets(pkg):
        for v, top, bottom in ratio_variables(ds):
            got, t, b = floats(ds, v), floats(ds, top), floats(ds, bottom)
            expected = (t / b.where(b != 0)).astype(float)
            bad = got.notna() & (expected.isna() | ~close(got, expected))
            yield from per_record(ds, bad, v, lambda rec, v=v, t=top, b=bottom: (
                f"{v} is {num(rec[v])} but {b} is {num(rec[b])}: {v} must be null" if rec[b] == 0 else
                f"{v} is {num(rec[v])} but {t} or {b} is null" if pd.isna(rec["_expected"]) else
                f"{v} is {num(rec[v])}, expected {t} / {b} = {num(rec[t])} / {num(rec[b])} = {num(rec['_expected'])}"),
                extra={"_expected": expected})


@rule("AD0030", WARNING, "At most one ANL01FL record per subject, parameter and visit",
      analogue="A sponsor convention (no ADaMIG rule): ANL01FL picks the one record per USUBJID, PARAMCD, "
               "AVISIT (ATPT) that by-visit analyses use; Pinnacle 21 has no equivalent.")
def one_analysis_record_per_visit(pkg: Package):
    """ANL01FL = 'Y' on at most one record per USUBJID, PARAMCD, AVISIT (AVISITN when there is no
    AVISIT) and, when present, ATPT and BASETYPE."""
    for ds in bds_datasets(pkg):
        visit = "AVISIT" if "AVISIT" in ds else "AVISITN" if "AVISITN" in ds else None
        if "ANL01FL" not in ds or visit is None or not ds.has("USUBJID", "PARAMCD"):
            continue
        keys = ["USUBJID", "PARAMCD", visit] + [k for k in ("ATPT", "BASETYPE") if k in ds]
        flagged = ds.data["ANL01FL"].eq("Y")
        many = flagged & ds.data[keys].assign(_flag=flagged).duplicated(keep=False)
        yield from per_group(ds, many, keys, "ANL01FL", lambda k, rows, keys=keys:
                             f"{len(rows)} records have ANL01FL = 'Y' for {where(keys, k)}",
                             value=lambda k: fmt(k[1]))


# --- time to event

@rule("AD0035", ERROR, "CNSR is a whole number >= 0",
      analogue="Pinnacle 21's checks on CNSR in time-to-event datasets (required, 0 for an event, "
               "positive integers for censoring).")
def censor_values(pkg: Package):
    """A time-to-event dataset has CNSR, populated on every record with a whole number >= 0 (0:
    event; 1, 2, ...: censored)."""
    for ds in pkg:
        if not is_tte(pkg, ds):
            continue
        if "CNSR" not in ds:
            yield Issue(ds.name, "CNSR", (), "", "", f"time-to-event dataset {ds.name} has no CNSR")
            continue
        c = floats(ds, "CNSR")
        yield from all_records(ds, c.isna(), "CNSR", lambda rows: f"CNSR is null ({count_note(rows)})")
        yield from per_record(ds, c.notna() & ((c < 0) | (c % 1 != 0)), "CNSR",
                              lambda rec: f"CNSR {fmt(rec['CNSR'])} is not a whole number >= 0")


@rule("AD0036", ERROR, "Time to event is not negative",
      analogue="Pinnacle 21's check for a negative AVAL in a time-to-event dataset.")
def tte_not_negative(pkg: Package):
    """In a time-to-event dataset, AVAL (the time from STARTDT to the event or censoring) is >= 0."""
    for ds in pkg:
        if is_tte(pkg, ds) and "AVAL" in ds and numeric(ds, "AVAL"):
            yield from per_record(ds, floats(ds, "AVAL") < 0, "AVAL",
                                  lambda rec: f"AVAL {fmt(rec['AVAL'])} is negative in a time-to-event dataset")


@rule("AD0037", ERROR, "Time-to-event origin not after the event date",
      analogue="Pinnacle 21's check that STARTDT (STARTDTM) is not after ADT (ADTM).")
def tte_start_before_event(pkg: Package):
    """In a time-to-event dataset, STARTDT is not after ADT and STARTDTM not after ADTM, where both
    are populated."""
    for ds in pkg:
        if not is_tte(pkg, ds):
            continue
        for st, en in (("STARTDT", "ADT"), ("STARTDTM", "ADTM")):
            if ds.has(st, en) and numeric(ds, st) and numeric(ds, en):
                yield from per_record(ds, floats(ds, st) > floats(ds, en), st, lambda rec, st=st, en=en:
                                      f"{st} {sas_date(rec[st], st)} is after {en} {sas_date(rec[en], en)}")


# --- flags

def flag_variables(ds: Dataset, suffix: str, kind: str) -> list[str]:
    return [v for v in ds.columns if v.endswith(suffix) and len(v) > 2 and ds.types.get(v) == kind]


@rule("AD0040", ERROR, "*FL values are Y, N or null",
      analogue="Pinnacle 21's checks on ADaM character flags (ADaMIG: Y/N or Y/null).")
def fl_values(pkg: Package):
    """A character variable whose name ends in FL holds only 'Y', 'N' or null."""
    for ds in pkg:
        for v in flag_variables(ds, "FL", CHAR):
            s = ds.data[v]
            yield from per_group(ds, ~s.isin(["Y", "N", ""]), v, v, lambda k, rows, v=v:
                                 f"{v} is {k[0]!r}; a flag is 'Y', 'N' or null ({count_note(rows)})")


@rule("AD0041", ERROR, "*FN values are 1, 0 or null",
      analogue="Pinnacle 21's checks on ADaM numeric flags (ADaMIG: *FN is 1/0).")
def fn_values(pkg: Package):
    """A numeric variable whose name ends in FN holds only 1, 0 or null."""
    for ds in pkg:
        for v in flag_variables(ds, "FN", NUM):
            x = floats(ds, v)
            yield from per_group(ds, x.notna() & ~x.isin([0.0, 1.0]), v, v, lambda k, rows, v=v:
                                 f"{v} is {fmt(k[0])}; a numeric flag is 1, 0 or null ({count_note(rows)})")


@rule("AD0042", ERROR, "*FN agrees with its *FL",
      analogue="Pinnacle 21's check that a numeric flag corresponds to its character flag.")
def fn_matches_fl(pkg: Package):
    """Where a dataset has both xxFL and xxFN, xxFN is 1 where xxFL is 'Y', 0 where it is 'N' and
    null where it is null (values outside those, AD0040's and AD0041's, are not compared)."""
    code = {"Y": 1.0, "N": 0.0, "": np.nan}
    for ds in pkg:
        for fn in flag_variables(ds, "FN", NUM):
            fl = fn[:-1] + "L"
            if ds.types.get(fl) != CHAR:
                continue
            want = ds.data[fl].map(code)
            got = floats(ds, fn)
            valid = ds.data[fl].isin(list(code)) & (got.isna() | got.isin([0.0, 1.0]))
            bad = valid & ~((want.isna() & got.isna()) | (want == got))
            yield from per_group(ds, bad, [fl, fn], fn, lambda k, rows, fl=fl, fn=fn:
                                 f"{fn} is {fmt(k[1]) or 'null'} where {fl} is {k[0]!r} (expected "
                                 f"{fmt(code[k[0]]) or 'null'}) ({count_note(rows)})", value=lambda k: fmt(k[1]))


@rule("AD0043", ERROR, "ADSL population flags are Y or N",
      analogue="Pinnacle 21's check that subject-level population flags are never null (ADaMIG: Y/N).")
def population_flags(pkg: Package):
    """In ADSL, a population flag (FASFL, SAFFL, ITTFL, PPROTFL, COMPLFL, RANDFL, ENRLFL, EFFFL,
    COMPnnFL) is 'Y' or 'N' on every record, never null."""
    adsl = pkg.get("ADSL")
    if adsl is None:
        return
    for v in flag_variables(adsl, "FL", CHAR):
        if POPULATION_FLAG.fullmatch(v):
            yield from all_records(adsl, adsl.data[v].eq(""), v, lambda rows, v=v:
                                   f"{v} is null; a population flag is 'Y' or 'N' ({count_note(rows)})")


@rule("AD0044", ERROR, "Record-level analysis flags are Y or null",
      analogue="Pinnacle 21's checks that ABLFL, ANLzzFL, ONTRTFL, LVOTFL and AOCCzzFL are 'Y' or null.")
def record_flags(pkg: Package):
    """ABLFL, ANLzzFL, ONTRTFL, LVOTFL and the OCCDS first-occurrence flags AOCC*FL are 'Y' or null,
    never 'N' (ADaMIG defines them so)."""
    for ds in pkg:
        for v in flag_variables(ds, "FL", CHAR):
            if RECORD_FLAG.fullmatch(v):
                yield from all_records(ds, ds.data[v].eq("N"), v, lambda rows, v=v:
                                       f"{v} is 'N'; {v} is 'Y' or null ({count_note(rows)})", value="N")


# --- dates and study days

def dy_pairs(ds: Dataset) -> list[tuple[str, str]]:
    """(study day, its date): ADY/ADT, ASTDY/ASTDT, AENDY/AENDT, any numeric xxDY with its xxDT."""
    return [(v, v[:-2] + "DT") for v in ds.columns
            if v.endswith("DY") and numeric(ds, v) and v[:-2] + "DT" in ds and numeric(ds, v[:-2] + "DT")]


@rule("AD0050", WARNING, "Analysis study days match the dates and TRTSDT",
      analogue="Pinnacle 21's check of ADY against ADT and the reference date (a warning: ADaMIG lets the "
               "sponsor choose the reference date; TRTSDT is the usual one).")
def study_days(pkg: Package):
    """Where a study day (ADY, ASTDY, AENDY, any xxDY with its xxDT), its date and TRTSDT (the
    dataset's own, else ADSL's) are known, the day is date - TRTSDT + 1 on or after TRTSDT and
    date - TRTSDT before it (no day 0)."""
    for ds in pkg:
        pairs = dy_pairs(ds)
        if not pairs:
            continue
        if "TRTSDT" in ds and numeric(ds, "TRTSDT"):
            ref, source = floats(ds, "TRTSDT"), "TRTSDT"
        elif "USUBJID" in ds and pkg.get("ADSL") is not None and pkg.get("ADSL").types.get("TRTSDT") == NUM:
            ref, source = pkg.adsl_value(ds.data["USUBJID"], "TRTSDT"), "ADSL.TRTSDT"
        else:
            continue
        for dy, date in pairs:
            d = floats(ds, date) - ref
            expected = d + (d >= 0)
            got = floats(ds, dy)
            bad = expected.notna() & (got.isna() | (got - expected).abs().gt(1e-9))
            yield from per_record(ds, bad, dy, lambda rec, dy=dy, date=date, source=source:
                                  f"{dy} is {num(rec[dy])}, expected {num(rec['_expected'])} from {date} "
                                  f"{sas_date(rec[date])} and {source} {sas_date(rec['_ref'])}",
                                  extra={"_expected": expected, "_ref": ref})


def start_end_pairs(ds: Dataset) -> list[tuple[str, str]]:
    """(start, end) date pairs: ASTDT/AENDT, ASTDTM/AENDTM, TRTSDT/TRTEDT, TRxxSDT/TRxxEDT,
    APxxSDT/APxxEDT (and their DTM forms)."""
    out = []
    for v in ds.columns:
        if date_kind(ds, v) not in ("DT", "DTM"):
            continue
        m = re.fullmatch(r"(\w*)ST(DTM?)", v) or re.fullmatch(r"(TRT|TR\d\d|AP\d\d)S(DTM?)", v)
        if m is None:
            continue
        end = m.group(1) + ("EN" if v[len(m.group(1)):].startswith("ST") else "E") + m.group(2)
        if end in ds and date_kind(ds, end) == date_kind(ds, v):
            out.append((v, end))
    return out


@rule("AD0051", ERROR, "Start dates not after end dates",
      analogue="Pinnacle 21's checks for ASTDT after AENDT and TRTSDT after TRTEDT.")
def start_not_after_end(pkg: Package):
    """Where a record has both, ASTDT is not after AENDT, TRTSDT not after TRTEDT, TRxxSDT not after
    TRxxEDT, APxxSDT not after APxxEDT (and the same for their *DTM datetimes)."""
    for ds in pkg:
        for st, en in start_end_pairs(ds):
            yield from per_record(ds, floats(ds, st) > floats(ds, en), st, lambda rec, st=st, en=en:
                                  f"{st} {sas_date(rec[st], st)} is after {en} {sas_date(rec[en], en)}")


# --- ADSL variables in other datasets

@rule("AD0060", ERROR, "Variables copied from ADSL keep ADSL's values",
      analogue="Pinnacle 21's check that a variable from ADSL has the same value in another ADaM dataset "
               "(ADaMIG: ADSL variables keep their name, attributes and values).")
def adsl_values_retained(pkg: Package):
    """A variable of another dataset that ADSL also has (other than STUDYID and USUBJID) has, for
    every record of a subject in ADSL, the subject's ADSL value (numbers to a relative 1e-9; null
    only where ADSL's is null). A variable whose type differs from ADSL's is reported once."""
    adsl = pkg.adsl_index
    if adsl is None:
        return
    types = pkg.get("ADSL").types
    for ds in pkg:
        if ds.name == "ADSL" or "USUBJID" not in ds:
            continue
        known = ds.data["USUBJID"].isin(adsl.index)
        for v in ds.columns:
            if v in SUBJECT_KEYS or v not in adsl.columns:
                continue
            if ds.types.get(v) != types.get(v):
                yield Issue(ds.name, v, (), "", ds.types.get(v, ""), f"{v} is {ds.types.get(v)} but "
                            f"ADSL.{v} is {types.get(v)}")
                continue
            ref = pkg.adsl_value(ds.data["USUBJID"], v)
            got = ds.data[v]
            if ds.types.get(v) == NUM:
                g, r = got.astype(float).to_numpy(), ref.astype(float).to_numpy()
                same = (np.isnan(g) & np.isnan(r)) | np.isclose(g, r, rtol=1e-9, atol=0)
            else:
                same = (got == ref).to_numpy()
            yield from per_group(ds, known.to_numpy() & ~same, "USUBJID", v, lambda k, rows, v=v, ref=ref:
                                 f"{v} is {', '.join(shown(x) for x in pd.unique(rows[v]))} but ADSL.{v} is "
                                 f"{shown(ref[rows.index[0]])} for subject {k[0]} ({count_note(rows)})",
                                 value=lambda k: "")


@rule("AD0061", WARNING, "Variables copied from ADSL keep ADSL's label",
      analogue="Pinnacle 21's check that a variable from ADSL has the same label in another ADaM dataset.")
def adsl_labels_retained(pkg: Package):
    """A variable of another dataset that ADSL also has (STUDYID and USUBJID included) has ADSL's
    label. A missing label is AD0012's finding, not this rule's."""
    adsl = pkg.get("ADSL")
    if adsl is None:
        return
    for ds in pkg:
        if ds.name == "ADSL":
            continue
        for v in ds.columns:
            mine, theirs = ds.labels.get(v, "").strip(), adsl.labels.get(v, "").strip()
            if v in adsl and mine and theirs and ds.labels[v] != adsl.labels[v]:
                yield Issue(ds.name, v, (), "", ds.labels.get(v, ""), f"label of {v} is {ds.labels.get(v, '')!r}; "
                            f"ADSL's is {adsl.labels.get(v, '')!r}")
