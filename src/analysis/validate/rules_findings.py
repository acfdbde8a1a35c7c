"""Generic rules for findings datasets: results, units, status, test codes, baseline flags."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.validate.package import Dataset, Package
from analysis.validate.registry import (
    ERROR, WARNING, Issue, MAX_RECORDS, as_number, count_note, fmt, per_group, per_record, rule,
)
from analysis.validate.rules_visits import one_to_one

NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_SHORT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,7}")
UNITLESS_DOMAINS = ("QS", "FT", "RS")  # questionnaire, functional test and rating scale scores


def findings(pkg: Package):
    return (ds for ds in pkg if ds.observation_class == "findings")


def stresc_number(ds: Dataset) -> pd.Series:
    """--STRESC as a number where it is one (plain decimal notation), else NaN."""
    codes, values = ds.distinct(ds.var("STRESC"))  # parsed once per distinct value
    s = pd.Series(values, dtype=object)
    number = pd.to_numeric(s.where(s.str.fullmatch(NUMBER)), errors="coerce").astype(float).to_numpy()
    return pd.Series(number[codes] if len(values) else number, index=ds.data.index)


@rule("SD0040", ERROR, "--STRESN equals a numeric --STRESC",
      analogue="Pinnacle 21's check that --STRESN equals --STRESC when --STRESC is numeric.")
def stresn_equals_stresc(pkg: Package):
    """When --STRESC is a number, --STRESN holds that number."""
    for ds in findings(pkg):
        c, n = ds.var("STRESC"), ds.var("STRESN")
        if not ds.has(c, n):
            continue
        want, got = stresc_number(ds), as_number(ds, n)
        bad = want.notna() & ~np.isclose(got.fillna(np.inf), want, rtol=1e-9, atol=0)
        yield from per_record(ds, bad, n, lambda rec: f"{n} is {fmt(rec[n]) or 'null'} but {c} is {rec[c]!r}")


@rule("SD0041", ERROR, "--STRESN null when --STRESC is not numeric",
      analogue="Pinnacle 21's check that --STRESN is null when --STRESC is a character result.")
def stresn_null_for_text(pkg: Package):
    """When --STRESC is populated but not a number (e.g. '<0.5', 'NEGATIVE'), --STRESN is null."""
    for ds in findings(pkg):
        c, n = ds.var("STRESC"), ds.var("STRESN")
        if not ds.has(c, n):
            continue
        bad = ds.data[c].ne("") & stresc_number(ds).isna() & as_number(ds, n).notna()
        yield from per_record(ds, bad, n, lambda rec: f"{n} is {fmt(rec[n])} but {c} {rec[c]!r} is not a number")


@rule("SD0042", WARNING, "--STRESU present when --STRESN present",
      analogue="Pinnacle 21's check for a numeric standard result without a standard unit.")
def stresu_for_stresn(pkg: Package):
    """A numeric standard result (--STRESN) has its unit (--STRESU). Not applied to QS, FT and RS,
    whose scores have no units. Reported once per test code."""
    for ds in findings(pkg):
        n, u, tc = ds.var("STRESN"), ds.var("STRESU"), ds.var("TESTCD")
        if ds.prefix in UNITLESS_DOMAINS or n not in ds:
            continue
        populated = as_number(ds, n).notna()
        if u not in ds:
            if populated.any():
                yield Issue(ds.name, u, tuple(ds.records(populated)[:MAX_RECORDS]), "", "",
                            f"{u} is not in {ds.name} but {n} is populated ({count_note(ds.data[populated])})")
            continue
        by = tc if tc in ds else n
        yield from per_group(ds, populated & ds.null(u), by, u, lambda k, rows:
                             f"{u} is null where {n} is populated, for {by} {fmt(k[0])!r} ({count_note(rows)})")


def not_done(ds: Dataset) -> pd.Series:
    stat = ds.var("STAT")
    return ds.data[stat].eq("NOT DONE") if stat in ds else pd.Series(False, index=ds.data.index)


@rule("SD0043", ERROR, "No result when --STAT is NOT DONE",
      analogue="Pinnacle 21's check for a result recorded on a test marked not done.")
def no_result_when_not_done(pkg: Package):
    """A record with --STAT = NOT DONE has no --ORRES (nor --STRESC, --STRESN)."""
    for ds in findings(pkg):
        nd = not_done(ds)
        for v in (ds.var("ORRES"), ds.var("STRESC"), ds.var("STRESN")):
            if v in ds:
                yield from per_record(ds, nd & ~ds.null(v), v, f"{v} is populated but {ds.var('STAT')} is NOT DONE")


@rule("SD0044", WARNING, "--REASND given when --STAT is NOT DONE",
      analogue="Pinnacle 21's check for a test marked not done without a reason.")
def reason_when_not_done(pkg: Package):
    """A record with --STAT = NOT DONE says why in --REASND (when the dataset has no --REASND
    variable at all, one finding for the dataset)."""
    for ds in findings(pkg):
        nd, r = not_done(ds), ds.var("REASND")
        if r in ds:
            yield from per_record(ds, nd & ds.null(r), r, f"{r} is null but {ds.var('STAT')} is NOT DONE")
        elif nd.any():
            yield Issue(ds.name, r, tuple(ds.records(nd)[:MAX_RECORDS]), "", "",
                        f"{r} is not in {ds.name}, so the reason is missing for every {ds.var('STAT')} = "
                        f"NOT DONE record ({count_note(ds.data[nd])})")


def short_name_variables(ds: Dataset) -> list[str]:
    """Variables holding SDTM 'short names': --TESTCD, TSPARMCD, QNAM."""
    out = [ds.var("TESTCD")] if ds.observation_class == "findings" or ds.name == "TI" else []
    out += {"TS": ["TSPARMCD"]}.get(ds.name, []) + (["QNAM"] if ds.is_supp else [])
    return [v for v in out if v in ds]


@rule("SD0045", ERROR, "--TESTCD / QNAM / TSPARMCD are valid short names",
      analogue="Pinnacle 21's checks on --TESTCD (and QNAM) values: at most 8 characters, not "
               "starting with a digit, letters, digits and underscores only.")
def short_names(pkg: Package):
    """--TESTCD, TSPARMCD and QNAM values are 1-8 characters: a letter, then letters, digits or '_'
    (they may become variable names when data are transposed)."""
    for ds in pkg:
        for v in short_name_variables(ds):
            bad = ds.where_values(v, lambda x: x != "" and not _SHORT_NAME.fullmatch(x))
            yield from per_group(ds, bad, v, v, lambda k, rows, v=v:
                                 f"{v} {k[0]!r} is not 1-8 letters, digits or '_' starting with a letter "
                                 f"({count_note(rows)})")


def long_name_variables(ds: Dataset) -> list[str]:
    """--TEST (not IETEST, which may be 200 long), TSPARM and QLABEL: at most 40 characters."""
    out = [ds.var("TEST")] if ds.observation_class == "findings" and ds.prefix != "IE" else []
    out += {"TS": ["TSPARM"]}.get(ds.name, []) + (["QLABEL"] if ds.is_supp else [])
    return [v for v in out if v in ds]


@rule("SD0046", ERROR, "--TEST / QLABEL / TSPARM at most 40 characters",
      analogue="Pinnacle 21's checks on the length of --TEST, QLABEL and TSPARM values (they may "
               "become variable labels).")
def long_names(pkg: Package):
    """--TEST (except IETEST), TSPARM and QLABEL values are at most 40 characters long."""
    for ds in pkg:
        for v in long_name_variables(ds):
            s = ds.data[v]
            yield from per_group(ds, s.str.len() > 40, v, v, lambda k, rows, v=v:
                                 f"{v} {k[0]!r} is {len(k[0])} characters long (max 40) ({count_note(rows)})")


BASELINE_QUALIFIERS = ("CAT", "SCAT", "SPEC", "METHOD", "LOC", "LAT", "DIR", "POS")


@rule("SD0047", ERROR, "At most one last-observation-before-exposure flag per subject and test",
      analogue="Pinnacle 21's checks on --LOBXFL / --BLFL: only Y or null, and not more than one "
               "flagged record per subject and test.")
def one_baseline_per_test(pkg: Package):
    """--LOBXFL (and the older --BLFL) is 'Y' or null, and is 'Y' on at most one record per
    USUBJID and --TESTCD (within --CAT, --SCAT, --SPEC, --METHOD, --LOC, --LAT, --DIR, --POS where
    the dataset has them)."""
    for ds in findings(pkg):
        for flag in (ds.var("LOBXFL"), ds.var("BLFL")):
            if flag not in ds or "USUBJID" not in ds:
                continue
            s = ds.data[flag]
            yield from per_record(ds, s.ne("") & s.ne("Y"), flag, f"{flag} must be 'Y' or null")
            keys = ["USUBJID", ds.var("TESTCD")] + [ds.var(q) for q in BASELINE_QUALIFIERS if ds.var(q) in ds]
            flagged = s.eq("Y")
            many = flagged & ds.data[keys].assign(_flag=flagged).duplicated(keep=False)
            yield from per_group(ds, many, keys, flag, lambda k, rows, f=flag:
                                 f"{len(rows)} records have {f} = 'Y' for subject {k[0]}, test {k[1]}"
                                 + (f" ({', '.join(fmt(x) for x in k[2:] if fmt(x))})" if any(fmt(x) for x in k[2:]) else ""),
                                 value=lambda k: fmt(k[1]))


@rule("SD0048", ERROR, "--TESTCD and --TEST correspond one to one",
      analogue="Pinnacle 21's checks for inconsistent --TEST within --TESTCD and --TESTCD within --TEST.")
def testcd_test_one_to_one(pkg: Package):
    """Within a findings dataset, each --TESTCD goes with one --TEST and each --TEST with one --TESTCD."""
    for ds in findings(pkg):
        tc, t = ds.var("TESTCD"), ds.var("TEST")
        if ds.has(tc, t):
            yield from one_to_one(ds, tc, t, f"{t} names the test {tc} codes")
            yield from one_to_one(ds, t, tc, f"{tc} and {t} must correspond one to one")
