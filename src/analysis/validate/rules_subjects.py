"""Generic rules on DM, AE, SUPP--/RELREC, TS and record keys."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.validate.package import Dataset, Package
from analysis.validate.registry import (
    ERROR, WARNING, Issue, as_number, count_note, fmt, numeric, per_group, per_record, rule,
)
from analysis.validate.rules_visits import real_arm


def _dm(pkg: Package, *variables: str) -> Dataset | None:
    dm = pkg.get("DM")
    return dm if dm is not None and dm.has(*variables) else None


@rule("SD0050", ERROR, "Arm code and description null together",
      analogue="Pinnacle 21's checks that ARM is null exactly when ARMCD is null, and ACTARM exactly "
               "when ACTARMCD is.")
def arm_and_code_together(pkg: Package):
    """In DM, ARM is null if and only if ARMCD is null, and ACTARM if and only if ACTARMCD is."""
    for code, desc in (("ARMCD", "ARM"), ("ACTARMCD", "ACTARM")):
        dm = _dm(pkg, code, desc)
        if dm is None:
            continue
        odd = dm.null(code) != dm.null(desc)
        yield from per_record(dm, odd, desc, lambda rec, c=code, d=desc:
                              f"{d} is {rec[d]!r} but {c} is {rec[c]!r}: both or neither must be null")


@rule("SD0051", ERROR, "ARMNRS populated exactly when an arm is null",
      analogue="The SDTMIG 3.3+ assumption (a CORE rule) that ARMNRS is populated if and only if "
               "ARMCD or ACTARMCD is null.")
def armnrs_when_no_arm(pkg: Package):
    """In DM, ARMNRS (reason the arm is null) is populated if and only if ARMCD or ACTARMCD is
    null. Without an ARMNRS variable, a null ARMCD/ACTARMCD is reported against ARMNRS."""
    dm = _dm(pkg, "ARMCD")
    if dm is None:
        return
    no_arm = dm.null("ARMCD") | (dm.null("ACTARMCD") if "ACTARMCD" in dm else False)
    if "ARMNRS" not in dm:
        yield from per_record(dm, no_arm, "ARMNRS", "ARMCD or ACTARMCD is null and DM has no ARMNRS to say why",
                              value="ARMCD")
        return
    has_reason = ~dm.null("ARMNRS")
    yield from per_record(dm, no_arm & ~has_reason, "ARMNRS", "ARMCD or ACTARMCD is null but ARMNRS is null")
    yield from per_record(dm, ~no_arm & has_reason, "ARMNRS", "ARMNRS is populated but ARMCD and ACTARMCD are not null")


@rule("SD0052", WARNING, "Actual arm equals planned arm",
      analogue="Pinnacle 21's check flagging subjects whose ACTARMCD differs from ARMCD.")
def actual_arm_is_planned(pkg: Package):
    """For a treated subject (ARMCD and ACTARMCD both populated with real arms), ACTARMCD equals
    ARMCD; a difference is legitimate only when the subject got another arm's treatment."""
    dm = _dm(pkg, "ARMCD", "ACTARMCD")
    if dm is None:
        return
    a, b = dm.data["ARMCD"], dm.data["ACTARMCD"]
    real = real_arm(a) & real_arm(b)
    yield from per_record(dm, real & a.ne(b), "ACTARMCD", lambda rec: f"ACTARMCD {rec['ACTARMCD']!r} differs from "
                          f"ARMCD {rec['ARMCD']!r}")


@rule("SD0053", ERROR, "DTHFL is Y exactly when DTHDTC is populated",
      analogue="Pinnacle 21's checks that the death flag and the death date agree, and that DTHFL "
               "is Y or null.")
def death_flag_and_date(pkg: Package):
    """In DM, DTHFL is 'Y' or null; DTHFL = 'Y' when DTHDTC is populated and DTHDTC is populated
    when DTHFL = 'Y'."""
    dm = _dm(pkg, "DTHFL")
    if dm is None:
        return
    fl = dm.data["DTHFL"]
    yield from per_record(dm, fl.ne("") & fl.ne("Y"), "DTHFL", "DTHFL must be 'Y' or null")
    if "DTHDTC" in dm:
        date = ~dm.null("DTHDTC")
        yield from per_record(dm, date & fl.ne("Y"), "DTHFL", lambda rec: f"DTHDTC is {rec['DTHDTC']} but DTHFL is not 'Y'")
        yield from per_record(dm, ~date & fl.eq("Y"), "DTHDTC", "DTHFL is 'Y' but DTHDTC is null", value="DTHFL")


@rule("SD0054", ERROR, "AGE plausible and AGEU given",
      analogue="Pinnacle 21's checks that AGEU is populated when AGE is, and that AGE is not negative "
               "or implausibly large.")
def age_with_units(pkg: Package):
    """In DM, AGE is not negative (nor over 120 when AGEU is YEARS), and AGEU is populated when
    AGE is."""
    dm = _dm(pkg, "AGE")
    if dm is None:
        return
    age = as_number(dm, "AGE")
    years = dm.data["AGEU"].eq("YEARS") if "AGEU" in dm else pd.Series(True, index=dm.data.index)
    yield from per_record(dm, (age < 0) | (years & (age > 120)), "AGE", lambda rec: f"AGE {fmt(rec['AGE'])} is not plausible")
    if "AGEU" in dm:
        yield from per_record(dm, age.notna() & dm.null("AGEU"), "AGEU", "AGE is populated but AGEU is null", value="AGE")
    elif age.notna().any():
        yield Issue("DM", "AGEU", (), "", "", "AGE is populated but DM has no AGEU")


def _years(iso_duration: str) -> float | None:
    m = re.fullmatch(r"P(\d+(?:\.\d+)?)Y", iso_duration.strip())
    return float(m.group(1)) if m else None


def planned_age_range(pkg: Package) -> tuple[float | None, float | None, str] | None:
    ts = pkg.get("TS")
    if ts is not None and ts.has("TSPARMCD", "TSVAL"):
        val = dict(zip(ts.data["TSPARMCD"], ts.data["TSVAL"]))
        lo, hi = _years(val.get("AGEMIN", "")), _years(val.get("AGEMAX", ""))
        if lo is not None or hi is not None:
            return lo, hi, "TS AGEMIN/AGEMAX"
    if pkg.study is not None:
        s = pkg.study.data.get("study", {})
        if "age_min_years" in s or "age_max_years" in s:
            return s.get("age_min_years"), s.get("age_max_years"), "the study spec"
    return None


@rule("SD0055", WARNING, "Enrolled subjects' AGE within the planned age range",
      analogue="Pinnacle 21's check of DM.AGE against TS AGEMIN/AGEMAX.")
def age_in_planned_range(pkg: Package):
    """A subject assigned to an arm (ARMCD populated with a real arm) with AGEU = YEARS has an AGE
    within TS AGEMIN..AGEMAX (or the study spec's age range when TS lacks them)."""
    dm, plan = _dm(pkg, "AGE"), planned_age_range(pkg)
    if dm is None or plan is None:
        return
    lo, hi, source = plan
    age = as_number(dm, "AGE")
    enrolled = real_arm(dm.data["ARMCD"]) if "ARMCD" in dm else pd.Series(True, index=dm.data.index)
    years = dm.data["AGEU"].eq("YEARS") if "AGEU" in dm else pd.Series(True, index=dm.data.index)
    out = (age < (lo if lo is not None else -np.inf)) | (age > (hi if hi is not None else np.inf))
    yield from per_record(dm, enrolled & years & out, "AGE", lambda rec: f"AGE {fmt(rec['AGE'])} is outside "
                          f"{fmt(lo) or '-'} to {fmt(hi) or '-'} years ({source})")


SERIOUS_CRITERIA = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")
OTHER_SERIOUS = ("AESCAN", "AESOD")  # seriousness variables of older SDTMIG versions


@rule("SD0060", ERROR, "Serious AEs have a seriousness criterion",
      analogue="Pinnacle 21's check for a serious AE with no seriousness criterion.")
def serious_has_criterion(pkg: Package):
    """An AE with AESER = 'Y' has at least one of AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG,
    AESMIE (or the older AESCAN, AESOD) equal to 'Y'."""
    ae = pkg.get("AE")
    if ae is None or "AESER" not in ae:
        return
    crit = [c for c in SERIOUS_CRITERIA + OTHER_SERIOUS if c in ae]
    any_y = ae.data[crit].eq("Y").any(axis=1) if crit else pd.Series(False, index=ae.data.index)
    yield from per_record(ae, ae.data["AESER"].eq("Y") & ~any_y, "AESER",
                          "AESER is 'Y' but no seriousness criterion (" + ", ".join(crit or SERIOUS_CRITERIA) + ") is 'Y'")


@rule("SD0061", WARNING, "A seriousness criterion implies AESER = Y",
      analogue="Pinnacle 21's check for a seriousness criterion on an AE not marked serious.")
def criterion_implies_serious(pkg: Package):
    """An AE with AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG or AESMIE = 'Y' has AESER = 'Y'."""
    ae = pkg.get("AE")
    if ae is None or "AESER" not in ae:
        return
    for c in SERIOUS_CRITERIA:
        if c in ae:
            yield from per_record(ae, ae.data[c].eq("Y") & ae.data["AESER"].ne("Y"), "AESER",
                                  lambda rec, c=c: f"{c} is 'Y' but AESER is {rec['AESER']!r}")


@rule("SD0062", ERROR, "Fatal AEs have AESDTH = Y",
      analogue="Pinnacle 21's check that a fatal outcome goes with the results-in-death flag.")
def fatal_outcome_is_death(pkg: Package):
    """An AE with AEOUT = FATAL has AESDTH = 'Y'."""
    ae = pkg.get("AE")
    if ae is None or "AEOUT" not in ae:
        return
    fatal = ae.data["AEOUT"].eq("FATAL")
    if "AESDTH" not in ae:
        yield from per_record(ae, fatal, "AESDTH", "AEOUT is FATAL and AE has no AESDTH", value="AEOUT")
        return
    yield from per_record(ae, fatal & ae.data["AESDTH"].ne("Y"), "AESDTH",
                          lambda rec: f"AEOUT is FATAL but AESDTH is {rec['AESDTH']!r}")


@rule("SD0063", WARNING, "AE deaths appear in DM",
      analogue="Pinnacle 21's cross-check of AE deaths against the DM death flag.")
def ae_death_in_dm(pkg: Package):
    """A subject with an AE whose AESDTH = 'Y' has DM.DTHFL = 'Y'."""
    ae = pkg.get("AE")
    if ae is None or not ae.has("AESDTH", "USUBJID") or pkg.dm_index is None or "DTHFL" not in pkg.dm_index.columns:
        return
    dthfl = pkg.dm_value(ae.data["USUBJID"], "DTHFL")
    yield from per_record(ae, ae.data["AESDTH"].eq("Y") & dthfl.ne("Y") & ae.data["USUBJID"].isin(pkg.dm_index.index),
                          "AESDTH", "AESDTH is 'Y' but DM.DTHFL is not 'Y'")


def _normalise(values: pd.Series, as_num: bool) -> pd.Series:
    """IDVARVAL-style text for matching: numbers as fmt() writes them (1.0 -> '1')."""
    if as_num:
        n = pd.to_numeric(values.where(values.astype(str).ne("")), errors="coerce")
        return n.map(fmt)
    return values.astype(str)


def match_counts(parent: Dataset, usubjid: pd.Series, idvar: str, idvarval: pd.Series) -> pd.Series:
    """How many records of `parent` have the given USUBJID and `idvar` == IDVARVAL."""
    as_num = numeric(parent, idvar)
    left = pd.MultiIndex.from_arrays([usubjid.astype(str), _normalise(idvarval, as_num)])
    right = pd.DataFrame({"u": parent.data["USUBJID"], "v": _normalise(parent.data[idvar], as_num)})
    size = right.groupby(["u", "v"]).size()
    return pd.Series(size.reindex(left).fillna(0).to_numpy(dtype=int), index=usubjid.index)


@rule("SD0070", ERROR, "SUPP-- records point to a parent record",
      analogue="Pinnacle 21's / CORE's referential checks that SUPP-- RDOMAIN/USUBJID/IDVAR/IDVARVAL "
               "identify a record of the parent domain.")
def supp_parent_exists(pkg: Package):
    """For each SUPP-- record, the parent dataset exists; with IDVAR null, the subject is in the
    parent; otherwise IDVAR is a parent variable and USUBJID + IDVAR = IDVARVAL matches parent
    records (exactly one when IDVAR is --SEQ)."""
    for ds in pkg:
        if not ds.is_supp or not ds.has("USUBJID", "IDVAR", "IDVARVAL"):
            continue
        yield from _resolve(ds, pkg.get(ds.name[4:]), ds.name[4:])


def _resolve(ds: Dataset, parent: Dataset | None, parent_name: str, mask: pd.Series | None = None):
    """Issues for the records of SUPP--/RELREC `ds` (those in `mask`) that do not identify
    records of `parent` by USUBJID, IDVAR and IDVARVAL."""
    rows = pd.Series(True, index=ds.data.index) if mask is None else mask
    if parent is None or "USUBJID" not in parent:
        yield from per_group(ds, rows, "RDOMAIN" if "RDOMAIN" in ds else "IDVAR", "RDOMAIN", lambda k, r:
                             f"parent dataset {parent_name} is not in the package ({count_note(r)})",
                             value=lambda k: parent_name)
        return
    idvar = ds.data["IDVAR"]
    subject_level = rows & idvar.eq("")
    yield from per_record(ds, subject_level & ~ds.data["USUBJID"].isin(set(parent.data["USUBJID"])), "USUBJID",
                          f"subject is not in {parent_name}")
    for var in sorted(set(idvar[rows & idvar.ne("")])):
        sel = rows & idvar.eq(var)
        if var not in parent:
            yield from per_group(ds, sel, "IDVAR", "IDVAR", lambda k, r: f"IDVAR {k[0]} is not a variable of "
                                 f"{parent_name} ({count_note(r)})")
            continue
        n = match_counts(parent, ds.data["USUBJID"], var, ds.data["IDVARVAL"])
        yield from per_record(ds, sel & n.eq(0), "IDVARVAL",
                              lambda rec: f"no {parent_name} record of this subject has {rec['IDVAR']} = {rec['IDVARVAL']}")
        if var.endswith("SEQ"):
            yield from per_record(ds, sel & n.gt(1), "IDVARVAL", lambda rec: f"{rec['IDVAR']} = {rec['IDVARVAL']} "
                                  f"matches {rec['_n']} {parent_name} records of this subject", extra={"_n": n})


@rule("SD0071", ERROR, "RELREC records point to records, and relate at least two",
      analogue="Pinnacle 21's / CORE's referential checks on RELREC (RDOMAIN/USUBJID/IDVAR/IDVARVAL "
               "identify records; RELID groups at least two).")
def relrec_resolves(pkg: Package):
    """Each RELREC record with a USUBJID identifies records of its RDOMAIN dataset (as in SD0070);
    a dataset-level record (no USUBJID) names an IDVAR of that dataset; every RELID (per subject)
    relates at least two records."""
    rel = pkg.get("RELREC")
    if rel is None or not rel.has("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"):
        return
    for rdomain in sorted(set(rel.data["RDOMAIN"]) - {""}):
        sel = rel.data["RDOMAIN"].eq(rdomain)
        parent = pkg.get(rdomain)
        yield from _resolve(rel, parent, rdomain, sel & rel.data["USUBJID"].ne(""))
        if parent is not None:
            dataset_level = sel & rel.data["USUBJID"].eq("") & rel.data["IDVAR"].ne("") & ~rel.data["IDVAR"].isin(parent.columns)
            yield from per_record(rel, dataset_level, "IDVAR", f"IDVAR is not a variable of {rdomain}")
    if "RELID" in rel:
        single = ~rel.data.duplicated(["USUBJID", "RELID"], keep=False) & rel.data["RELID"].ne("")
        yield from per_record(rel, single, "RELID", "RELID relates only this one record")


TS_REQUIRED = ("TITLE", "TPHASE", "STYPE", "PLANSUB", "SEXPOP", "AGEMIN", "AGEMAX")
TS_RECOMMENDED = ("SSTDTC", "SPONSOR", "INDIC", "TRT", "TTYPE", "RANDOM")


@rule("SD0080", ERROR, "TS has the required parameters",
      analogue="The FDA Technical Conformance Guide's required trial summary parameters, checked by "
               "Pinnacle 21's / CORE's 'missing TSPARMCD' rules.")
def ts_required(pkg: Package):
    """TS has TITLE, TPHASE, STYPE, PLANSUB, SEXPOP, AGEMIN and AGEMAX; and REGID when the study
    spec gives a registry identifier."""
    ts = pkg.get("TS")
    if ts is None or "TSPARMCD" not in ts:
        return
    need = list(TS_REQUIRED)
    if pkg.study is not None and pkg.study.data.get("study", {}).get("registry_id"):
        need.append("REGID")
    have = set(ts.data["TSPARMCD"])
    for p in need:
        if p not in have:
            yield Issue("TS", "TSPARMCD", (), "", p, f"trial summary parameter {p} is missing")


@rule("SD0081", WARNING, "TS has the recommended parameters",
      analogue="Further FDA-expected trial summary parameters (start date, sponsor, indication, "
               "treatment, trial type, randomisation) that Pinnacle 21 reports when missing.")
def ts_recommended(pkg: Package):
    """TS has SSTDTC, SPONSOR, INDIC, TRT, TTYPE and RANDOM."""
    ts = pkg.get("TS")
    if ts is None or "TSPARMCD" not in ts:
        return
    have = set(ts.data["TSPARMCD"])
    for p in TS_RECOMMENDED:
        if p not in have:
            yield Issue("TS", "TSPARMCD", (), "", p, f"trial summary parameter {p} is missing")


@rule("SD0082", ERROR, "TS values or null flavours",
      analogue="Pinnacle 21's check that TSVAL is populated unless TSVALNF gives a null flavour.")
def ts_value_or_null_flavour(pkg: Package):
    """Every TS record has TSVAL, or TSVALNF says why it has none."""
    ts = pkg.get("TS")
    if ts is None or "TSVAL" not in ts:
        return
    nf = ~ts.null("TSVALNF") if "TSVALNF" in ts else pd.Series(False, index=ts.data.index)
    yield from per_record(ts, ts.null("TSVAL") & ~nf, "TSVAL", "TSVAL is null and TSVALNF does not say why",
                          value="TSPARMCD")


def natural_key(ds: Dataset) -> list[str] | None:
    """Variables that identify a record without --SEQ (SDTMIG natural keys, simplified)."""
    p = ds.prefix
    fixed = {"SV": ["USUBJID", "VISITNUM"], "SE": ["USUBJID", "ETCD", "SESTDTC"], "TA": ["ARMCD", "TAETORD"],
             "TE": ["ETCD"], "TV": ["VISITNUM", "ARMCD"], "TI": ["IETESTCD", "TIVERS"], "TS": ["TSPARMCD", "TSSEQ"],
             "RELREC": ["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"]}
    if ds.name == "DM":
        return None  # SD0006
    if ds.is_supp:
        keys = ["USUBJID", "IDVAR", "IDVARVAL", "QNAM"]
    elif ds.name in fixed:
        keys = fixed[ds.name]
    else:
        cls = ds.observation_class
        if cls == "findings":
            keys = ["USUBJID", f"{p}TESTCD"] + [f"{p}{q}" for q in ("CAT", "SCAT", "SPEC", "METHOD", "LOC", "LAT",
                                                                     "DIR", "POS", "EVAL", "NAM")] \
                + ["VISITNUM", f"{p}TPTNUM", f"{p}TPTREF", f"{p}DTC"]
        elif cls == "events":
            keys = ["USUBJID", f"{p}TERM", f"{p}DECOD", f"{p}CAT", f"{p}SCAT", f"{p}STDTC"]
        elif cls == "interventions":
            keys = ["USUBJID", f"{p}TRT", f"{p}CAT", f"{p}MOOD", f"{p}DOSE", f"{p}STDTC", f"{p}ENDTC", "VISITNUM"]
        else:
            return None
    keys = [k for k in keys if k in ds]
    return keys or None


@rule("SD0090", WARNING, "No duplicate records on the natural key",
      analogue="Pinnacle 21's duplicate-record checks (records identical on the domain's natural "
               "key, ignoring --SEQ).")
def no_duplicate_keys(pkg: Package):
    """No two records share the dataset's natural key: for findings USUBJID, --TESTCD, the result
    qualifiers (--CAT, --SCAT, --SPEC, --METHOD, --LOC, --LAT, --DIR, --POS, --EVAL, --NAM),
    VISITNUM, --TPTNUM, --TPTREF, --DTC; for events USUBJID, --TERM, --DECOD, --CAT, --SCAT,
    --STDTC; for interventions USUBJID, --TRT, --CAT, --MOOD, --DOSE, --STDTC, --ENDTC, VISITNUM
    (planned administrations that did not occur differ only by visit); fixed keys for SV,
    SE, the trial design datasets, SUPP-- and RELREC (those present in the dataset)."""
    for ds in pkg:
        keys = natural_key(ds)
        if not keys:
            continue
        dup = ds.data.duplicated(keys, keep=False)
        yield from per_group(ds, dup, keys, ";".join(keys), lambda k, rows, keys=keys:
                             f"{len(rows)} records share {', '.join(f'{c}={fmt(v)!r}' for c, v in zip(keys, k))}",
                             value=lambda k: " / ".join(fmt(v) for v in k))
