"""Generic rules on dates, study days and the treatment period."""

from __future__ import annotations

import pandas as pd

from analysis.validate.dtc import compare_dtc, iso8601_problem, study_day
from analysis.validate.package import CHAR, Dataset, Package
from analysis.validate.registry import ERROR, fmt, numeric, per_record, rule


def dtc_variables(ds: Dataset) -> list[str]:
    return [c for c in ds.columns if c.endswith("DTC") and ds.types.get(c) == CHAR]


def dy_variables(ds: Dataset) -> list[tuple[str, str]]:
    """(--DY variable, the --DTC it is the study day of), e.g. (AESTDY, AESTDTC)."""
    return [(c, c[:-2] + "DTC") for c in ds.columns
            if c.endswith("DY") and numeric(ds, c) and c[:-2] + "DTC" in ds.types]


@rule("SD0020", ERROR, "--DTC values are ISO 8601",
      analogue="Pinnacle 21's check of --DTC values against ISO 8601; the CORE rules on --DTC format.")
def dtc_iso8601(pkg: Package):
    """Every --DTC value (any character variable whose name ends in DTC) is an ISO 8601 date/time
    as SDTM uses it: YYYY-MM-DDThh:mm:ss, truncated from the right for partial dates/times, '-' for
    an unknown inner component, or an interval of two such values; month, day and time must exist."""
    for ds in pkg:
        for c in dtc_variables(ds):
            problems = {v: iso8601_problem(v) for v in ds.distinct(c)[1]}
            bad = ds.where_values(c, lambda v: problems[v] is not None)
            yield from per_record(ds, bad, c, lambda rec, c=c: f"{c} '{rec[c]}' is not ISO 8601: {problems[rec[c]]}")


def start_end_pairs(ds: Dataset) -> list[tuple[str, str]]:
    """(--STDTC, --ENDTC) pairs of a dataset: AESTDTC/AEENDTC, RFSTDTC/RFENDTC, RFXSTDTC/RFXENDTC."""
    return [(c, c[:-5] + "ENDTC") for c in dtc_variables(ds) if c.endswith("STDTC") and c[:-5] + "ENDTC" in ds]


@rule("SD0021", ERROR, "--STDTC is not after --ENDTC",
      analogue="Pinnacle 21's checks for a start date after its end date (--STDTC/--ENDTC, "
               "RFSTDTC/RFENDTC).")
def start_not_after_end(pkg: Package):
    """Where a record has both a start and an end date/time with complete dates (--STDTC/--ENDTC,
    RFSTDTC/RFENDTC, RFXSTDTC/RFXENDTC, SESTDTC/SEENDTC, ...), the start is not after the end,
    compared on what both values know (the date, then the time if both have one)."""
    for ds in pkg:
        for st, en in start_end_pairs(ds):
            after = compare_dtc(ds.data[st], ds.data[en]) > 0
            yield from per_record(ds, after.to_numpy(), st,
                                  lambda rec, st=st, en=en: f"{st} {rec[st]} is after {en} {rec[en]}",
                                  value=st)


def _rfstdtc(pkg: Package, ds: Dataset) -> pd.Series | None:
    if ds.name == "DM" and "RFSTDTC" in ds:
        return ds.data["RFSTDTC"]
    if "USUBJID" not in ds or pkg.dm_index is None or "RFSTDTC" not in pkg.dm_index.columns:
        return None
    return pkg.dm_value(ds.data["USUBJID"], "RFSTDTC")


@rule("SD0022", ERROR, "--DY matches the dates",
      analogue="Pinnacle 21's checks that a study day agrees with the value computed (--DY, --STDY, "
               "--ENDY against RFSTDTC).")
def study_day_matches(pkg: Package):
    """Where a --DY, --STDY or --ENDY variable has its --DTC, and that date and the subject's
    DM.RFSTDTC are complete, the study day is (date - RFSTDTC) + 1 on or after RFSTDTC and
    (date - RFSTDTC) before it (there is no Day 0)."""
    for ds in pkg:
        pairs = dy_variables(ds)
        rf = _rfstdtc(pkg, ds) if pairs else None
        if rf is None:
            continue
        for dy, dtc in pairs:
            expected = study_day(ds.data[dtc], rf)
            got = ds.data[dy]
            bad = expected.notna() & (got.isna() | (got - expected).abs().gt(1e-9))
            yield from per_record(ds, bad, dy, lambda rec, dy=dy, dtc=dtc:
                                  f"{dy} is {fmt(rec[dy]) or 'null'}, expected {fmt(rec['_expected'])} "
                                  f"from {dtc} {rec[dtc]} and RFSTDTC {rec['_rfstdtc']}",
                                  extra={"_expected": expected, "_rfstdtc": rf})


@rule("SD0023", ERROR, "No study day 0",
      analogue="Pinnacle 21's check that --DY is never 0 (SDTMIG: Day 1 is the reference date).")
def no_day_zero(pkg: Package):
    """No --DY, --STDY, --ENDY or VISITDY value is 0: SDTM study days go ..., -1, 1, 2, ..."""
    for ds in pkg:
        for c in ds.columns:
            if c.endswith("DY") and numeric(ds, c):
                yield from per_record(ds, ds.data[c].eq(0), c, f"{c} is 0; there is no study day 0")


@rule("SD0024", ERROR, "Exposure within RFXSTDTC to RFXENDTC",
      analogue="Pinnacle 21's checks that EX start/end dates fall within the first and last "
               "treatment dates of DM (RFXSTDTC/RFXENDTC).")
def exposure_within_reference(pkg: Package):
    """No EX record starts before the subject's DM.RFXSTDTC or ends (EXENDTC, else EXSTDTC) after
    DM.RFXENDTC, compared on what both values know."""
    ex = pkg.get("EX")
    if ex is None or not ex.has("USUBJID", "EXSTDTC") or pkg.dm_index is None:
        return
    subj = ex.data["USUBJID"]
    if "RFXSTDTC" in pkg.dm_index.columns:
        first = pkg.dm_value(subj, "RFXSTDTC")
        before = (compare_dtc(ex.data["EXSTDTC"], first) < 0).to_numpy()
        yield from per_record(ex, before, "EXSTDTC", lambda rec: f"EXSTDTC {rec['EXSTDTC']} is before "
                              f"DM.RFXSTDTC {rec['_first']}", extra={"_first": first})
    if "RFXENDTC" in pkg.dm_index.columns:
        last = pkg.dm_value(subj, "RFXENDTC")
        has_end = ex.data["EXENDTC"].ne("") if "EXENDTC" in ex else pd.Series(False, index=ex.data.index)
        for var, rows in (("EXENDTC", has_end), ("EXSTDTC", ~has_end)):  # no end: the start must do
            if not rows.any():
                continue
            after = rows.to_numpy() & (compare_dtc(ex.data[var], last) > 0).to_numpy()
            note = "" if var == "EXENDTC" else " (no EXENDTC)"
            yield from per_record(ex, after, var, lambda rec, v=var, n=note: f"{v} {rec[v]}{n} is after "
                                  f"DM.RFXENDTC {rec['_last']}", extra={"_last": last})


@rule("SD0025", ERROR, "Treated subjects have RFSTDTC and RFXSTDTC",
      analogue="Pinnacle 21's checks that DM.RFSTDTC / RFXSTDTC are populated for subjects with "
               "exposure records.")
def treated_have_reference_start(pkg: Package):
    """A subject with EX records has DM.RFSTDTC and DM.RFXSTDTC (where DM has the variable)."""
    dm, ex = pkg.get("DM"), pkg.get("EX")
    if dm is None or ex is None or "USUBJID" not in dm or "USUBJID" not in ex:
        return
    treated = dm.data["USUBJID"].isin(set(ex.data["USUBJID"]))
    for v in ("RFSTDTC", "RFXSTDTC"):
        if v in dm:
            yield from per_record(dm, treated & dm.null(v), v, f"{v} is null but the subject has EX records")
