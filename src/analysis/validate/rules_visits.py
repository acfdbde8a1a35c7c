"""Generic rules on visits, epochs, arms and elements (against TV, TA and TE when present;
against the study spec's schedule, elements and cohorts when TV/TA are absent and it is given)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.validate.package import Dataset, Package
from analysis.validate.registry import ERROR, WARNING, Issue, count_note, fmt, per_group, rule, show

SPECIAL_ARMCD = {"SCRNFAIL", "NOTASSGN", "NOTTRT", "UNPLAN"}  # SDTMIG <= 3.2 codes for no arm


def real_arm(codes: pd.Series) -> pd.Series:
    """Populated and not one of the special codes (compared case-insensitively: 'Scrnfail')."""
    return codes.ne("") & ~codes.str.upper().isin(SPECIAL_ARMCD)


_UNSCHEDULED = re.compile(r"UNSCHED", re.IGNORECASE)


def one_to_one(ds: Dataset, key: str, other: str, rule_text: str):
    """Issues for each value of `key` that goes with more than one non-null value of `other`:
    the records listed are the first of each combination."""
    data = ds.data[[key, other]][(~ds.null(key) & ~ds.null(other)).to_numpy()]  # two columns, not all
    n = data.groupby(key)[other].nunique()
    for k in sorted(n[n > 1].index):
        rows = data[data[key] == k]
        firsts = rows.drop_duplicates(other)
        sizes = rows.groupby(other, sort=False).size()
        combos = "; ".join(f"{other} {show(v)} ({sizes[v]} record{'s' if sizes[v] != 1 else ''})"
                           for v in firsts[other])
        yield Issue(ds.name, key, tuple(int(i) + 1 for i in firsts.index), "", fmt(k),
                    f"{key} {show(k)} has {len(firsts)} {other} values: {combos} ({rule_text})")


@rule("SD0030", ERROR, "One VISIT per VISITNUM",
      analogue="Pinnacle 21's check for a VISITNUM with more than one VISIT name.")
def visit_per_visitnum(pkg: Package):
    """Within a dataset, every VISITNUM value goes with a single VISIT value."""
    for ds in pkg:
        if ds.has("VISITNUM", "VISIT"):
            yield from one_to_one(ds, "VISITNUM", "VISIT", "VISIT names the visit VISITNUM numbers")


@rule("SD0031", ERROR, "One VISITNUM per VISIT",
      analogue="Pinnacle 21's check for a VISIT name with more than one VISITNUM.")
def visitnum_per_visit(pkg: Package):
    """Within a dataset, every VISIT value goes with a single VISITNUM value (so an unscheduled
    visit needs a name of its own, e.g. 'UNSCHEDULED 3.01', not a shared 'UNSCHEDULED 1')."""
    for ds in pkg:
        if ds.has("VISITNUM", "VISIT"):
            yield from one_to_one(ds, "VISIT", "VISITNUM",
                                  "VISITNUM and VISIT must correspond one to one")


def planned_visits(pkg: Package) -> tuple[dict[float, str], str] | None:
    """VISITNUM -> VISIT of the planned visits, from TV, else from the study spec; and the source."""
    tv = pkg.get("TV")
    if tv is not None and tv.has("VISITNUM", "VISIT"):
        rows = tv.data[tv.data["VISITNUM"].notna()].drop_duplicates("VISITNUM")
        return dict(zip(rows["VISITNUM"].astype(float), rows["VISIT"])), "TV"
    if pkg.study is not None:
        return {float(v["visitnum"]): v["visit"] for v in pkg.study.visits}, "the study spec"
    return None


@rule("SD0032", ERROR, "Scheduled visits agree with TV",
      analogue="Pinnacle 21's checks that VISITNUM/VISIT of planned visits match the Trial Visits "
               "(TV) dataset.")
def visits_match_schedule(pkg: Package):
    """A record whose VISITNUM is a planned visit (TV, or the study spec when there is no TV) has
    that visit's VISIT name, and a record whose VISIT is a planned visit name has its VISITNUM."""
    plan = planned_visits(pkg)
    if plan is None:
        return
    by_num, source = plan
    by_name = {v: k for k, v in by_num.items()}
    for ds in pkg:
        if ds.name == "TV" or not ds.has("VISITNUM", "VISIT"):
            continue
        num, name = ds.data["VISITNUM"], ds.data["VISIT"]
        want_name = num.map(by_num)
        want_num = name.map(by_name)
        bad = (want_name.notna() & name.ne("") & name.ne(want_name)) | (want_num.notna() & num.ne(want_num))
        yield from per_group(ds, bad, ["VISITNUM", "VISIT"], "VISIT", lambda k, rows: (
            f"VISITNUM {fmt(k[0])} / VISIT {k[1]!r} do not match {source}, which has "
            + "; ".join(sorted({f"VISITNUM {fmt(n)} = VISIT {v!r}" for n, v in by_num.items()
                                if n == k[0] or v == k[1]})) + f" ({count_note(rows)})"))


@rule("SD0033", WARNING, "Unscheduled visits have a fractional VISITNUM",
      analogue="The SDTMIG convention (checked by Pinnacle 21 among its visit checks) that unplanned "
               "visits are numbered between the planned ones with decimals.")
def unscheduled_visitnum_fractional(pkg: Package):
    """A visit that is unscheduled (its VISIT says UNSCHED..., or, when the planned visits are known
    from TV or the study spec, neither its VISITNUM nor its VISIT is planned) has a VISITNUM that is
    not a whole number, so it sorts between the planned visits."""
    plan = planned_visits(pkg)
    for ds in pkg:
        if ds.name == "TV" or "VISITNUM" not in ds:
            continue
        num = ds.data["VISITNUM"]
        name = ds.data["VISIT"] if "VISIT" in ds else pd.Series("", index=ds.data.index)
        unscheduled = pd.Series(ds.where_values("VISIT", lambda v: bool(_UNSCHEDULED.search(v))) if "VISIT" in ds
                                else np.zeros(len(ds), dtype=bool), index=ds.data.index)
        if plan is not None:
            by_num = plan[0]
            unscheduled |= ~num.isin(list(by_num)) & ~name.isin(list(by_num.values()))
        bad = unscheduled & num.notna() & (num % 1 == 0)
        yield from per_group(ds, bad, ["VISITNUM", "VISIT"] if "VISIT" in ds else ["VISITNUM"], "VISITNUM",
                             lambda k, rows: f"unscheduled visit {' / '.join(fmt(x) for x in k)!s} has a whole "
                             f"VISITNUM ({count_note(rows)})")


def planned_epochs(pkg: Package) -> tuple[set[str], str] | None:
    ta = pkg.get("TA")
    if ta is not None and "EPOCH" in ta:
        return set(ta.data["EPOCH"]) - {""}, "TA"
    if pkg.study is not None and "elements" in pkg.study.data:
        return {e["epoch"] for e in pkg.study.data["elements"]}, "the study spec"
    return None


@rule("SD0034", ERROR, "EPOCH values are TA epochs",
      analogue="Pinnacle 21's / CORE's check that EPOCH values are found in TA.EPOCH.")
def epoch_in_ta(pkg: Package):
    """Every non-null EPOCH of every dataset is an EPOCH of TA (or of the study spec's elements
    when there is no TA)."""
    plan = planned_epochs(pkg)
    if plan is None:
        return
    epochs, source = plan
    for ds in pkg:
        if ds.name == "TA" or "EPOCH" not in ds:
            continue
        e = ds.data["EPOCH"]
        yield from per_group(ds, e.ne("") & ~e.isin(epochs), "EPOCH", "EPOCH", lambda k, rows:
                             f"EPOCH {k[0]!r} is not an epoch of {source} ({', '.join(sorted(epochs))}) "
                             f"({count_note(rows)})")


def planned_arms(pkg: Package) -> tuple[set[str], str] | None:
    ta = pkg.get("TA")
    if ta is not None and "ARMCD" in ta:
        return set(ta.data["ARMCD"]) - {""}, "TA"
    if pkg.study is not None:
        return {c["armcd"] for c in pkg.study.cohorts}, "the study spec"
    return None


@rule("SD0035", ERROR, "DM arm codes are TA arms",
      analogue="Pinnacle 21's checks that DM.ARMCD and DM.ACTARMCD values are found in TA.ARMCD "
               "(apart from the SDTMIG special codes).")
def dm_arms_in_ta(pkg: Package):
    """DM.ARMCD and DM.ACTARMCD, when populated, are arms of TA (or of the study spec's cohorts),
    or one of SCRNFAIL, NOTASSGN, NOTTRT, UNPLAN."""
    dm, plan = pkg.get("DM"), planned_arms(pkg)
    if dm is None or plan is None:
        return
    arms, source = plan
    for v in ("ARMCD", "ACTARMCD"):
        if v in dm:
            s = dm.data[v]
            yield from per_group(dm, real_arm(s) & ~s.isin(arms), v, v, lambda k, rows, v=v:
                                 f"{v} {k[0]!r} is not an arm of {source} ({count_note(rows)})")


@rule("SD0036", ERROR, "Element codes are TE elements",
      analogue="Pinnacle 21's checks that ETCD in SE and TA is found in TE.")
def etcd_in_te(pkg: Package):
    """Every ETCD of SE and TA is an element of TE (SE may also use UNPLAN for unplanned elements)."""
    te = pkg.get("TE")
    if te is None or "ETCD" not in te:
        return
    known = set(te.data["ETCD"]) - {""}
    for name in ("SE", "TA"):
        ds = pkg.get(name)
        if ds is None or "ETCD" not in ds:
            continue
        allowed = known | ({"UNPLAN"} if name == "SE" else set())
        s = ds.data["ETCD"]
        yield from per_group(ds, s.ne("") & ~s.isin(allowed), "ETCD", "ETCD", lambda k, rows:
                             f"ETCD {k[0]!r} is not an element of TE ({count_note(rows)})")
