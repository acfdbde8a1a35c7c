"""Rules against our own dataset/variable specs (specs/sdtm/*.csv) and the study spec. They run
only when the caller gives the specs (`specs_dir`) or the study (`study`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.validate.package import Package
from analysis.validate.registry import (
    ERROR, SPEC, STUDY, WARNING, Issue, as_number, count_note, fmt, per_group, rule,
)


def _spec_datasets(pkg: Package):
    """(dataset, spec) for the datasets that are both in the package and in the specs."""
    for name in sorted(pkg.specs or {}):
        ds = pkg.get(name)
        if ds is not None:
            yield ds, pkg.specs[name]


@rule("SD0100", ERROR, "Every spec dataset is present", scope=SPEC,
      analogue="Pinnacle 21's check that each dataset described in define.xml has a data file.")
def spec_datasets_present(pkg: Package):
    """Every dataset in datasets.csv has an XPT file in the folder."""
    for name in sorted(set(pkg.specs) - set(pkg.datasets)):
        yield Issue(name, "", (), "", "", f"dataset {name} is in the specs but there is no {name.lower()}.xpt")


@rule("SD0101", WARNING, "Every dataset is in the specs", scope=SPEC,
      analogue="Pinnacle 21's check for datasets that define.xml does not describe.")
def datasets_in_spec(pkg: Package):
    """Every XPT file in the folder is a dataset of datasets.csv."""
    for name in sorted(set(pkg.datasets) - set(pkg.specs)):
        yield Issue(name, "", (), "", "", f"dataset {name} is not in the specs")


@rule("SD0102", ERROR, "Every spec variable is present", scope=SPEC,
      analogue="Pinnacle 21's checks for a variable that define.xml (or the SDTMIG, for Req/Exp "
               "variables) describes but the dataset lacks.")
def spec_variables_present(pkg: Package):
    """Every variable variables.csv gives a dataset is in that dataset."""
    for ds, spec in _spec_datasets(pkg):
        for v in spec.variables:
            if v.name not in ds:
                yield Issue(ds.name, v.name, (), "", "", f"{v.name} ({v.core}) is in the specs but not in {ds.name}")


@rule("SD0103", ERROR, "No variables outside the specs", scope=SPEC,
      analogue="Pinnacle 21's check for a dataset variable that define.xml does not describe.")
def no_extra_variables(pkg: Package):
    """A dataset has no variable that variables.csv does not give it."""
    for ds, spec in _spec_datasets(pkg):
        for v in ds.columns:
            if v not in spec.names:
                yield Issue(ds.name, v, (), "", "", f"{v} is in {ds.name} but not in the specs")


@rule("SD0104", ERROR, "Variable types match the specs", scope=SPEC,
      analogue="Pinnacle 21's check that a variable's type in the data agrees with define.xml.")
def spec_types(pkg: Package):
    """Each variable is Char or Num as variables.csv says."""
    for ds, spec in _spec_datasets(pkg):
        for v in spec.variables:
            if v.name in ds and ds.types.get(v.name) != v.type:
                yield Issue(ds.name, v.name, (), "", ds.types.get(v.name, ""),
                            f"{v.name} is {ds.types.get(v.name)} but the specs say {v.type}")


@rule("SD0105", WARNING, "Labels match the specs", scope=SPEC,
      analogue="Pinnacle 21's checks that variable and dataset labels agree with define.xml.")
def spec_labels(pkg: Package):
    """The dataset label and each variable label are those of datasets.csv / variables.csv."""
    for ds, spec in _spec_datasets(pkg):
        if ds.label != spec.label:
            yield Issue(ds.name, "", (), "", ds.label, f"dataset label {ds.label!r}; the specs say {spec.label!r}")
        for v in spec.variables:
            got = ds.labels.get(v.name)
            if v.name in ds and got != v.label:
                yield Issue(ds.name, v.name, (), "", got or "", f"label of {v.name} is {got!r}; the specs say {v.label!r}")


@rule("SD0106", ERROR, "Required variables populated", scope=SPEC,
      analogue="Pinnacle 21's check for nulls in a variable whose core is Required.")
def spec_required_populated(pkg: Package):
    """A variable whose core is Req in variables.csv is populated on every record."""
    for ds, spec in _spec_datasets(pkg):
        for v in spec.variables:
            if v.core == "Req" and v.name in ds:
                yield from per_group(ds, ds.null(v.name), v.name, v.name, lambda k, rows, n=v.name:
                                     f"{n} is Req but null ({count_note(rows)})", value=lambda k: "")


def named_by_visitnum(ds) -> pd.Series:
    """VISIT is 'UNSCHEDULED <the record's own VISITNUM>' (e.g. 'UNSCHEDULED 10.01' at VISITNUM
    10.01): unplanned visit names are terms the data add to the VISIT codelist."""
    codes, values = ds.distinct("VISIT")  # the names, not the records, are parsed
    names = pd.Series(values, dtype=object)
    n = pd.to_numeric(names.str.extract(r"^UNSCHEDULED (\d+(?:\.\d+)?)$", expand=False), errors="coerce")
    n = n.to_numpy(dtype=float)[codes] if len(values) else n.to_numpy(dtype=float)
    return pd.Series(np.isclose(n, as_number(ds, "VISITNUM"), rtol=0, atol=1e-9), index=ds.data.index)


def codelist_violations(pkg: Package, extensible: bool):
    """(dataset, variable, codelist, mask of records whose value is not in it) for the codelists
    of the given extensibility that apply to each spec variable (value-level ones first)."""
    cl = pkg.codelists
    for ds, spec in _spec_datasets(pkg):
        for v in spec.variables:
            if v.name not in ds:
                continue
            covered = np.zeros(len(ds), dtype=bool)
            applies = []
            for x in cl.value_level:
                if x.dataset == ds.name and x.variable == v.name and x.where_variable in ds:
                    where = ds.where_values(x.where_variable, lambda u, w=x.where_value: fmt(u) == w)
                    applies.append((where, x.codelist))
                    covered |= where
            if v.codelist:
                applies.append((~covered, v.codelist))
            for where, name in applies:
                allowed = cl.get(name)
                if allowed is None or cl.extensible.get(name, False) != extensible:
                    continue
                bad = ds.where_values(v.name, lambda u, a=allowed: fmt(u) != "" and fmt(u) not in a)
                if name == "VISIT" and "VISITNUM" in ds:
                    bad = bad & ~named_by_visitnum(ds).to_numpy()
                yield ds, v.name, name, where & bad


@rule("SD0107", ERROR, "Values in their (non-extensible) codelists", scope=SPEC,
      analogue="Pinnacle 21's / CORE's checks of values against non-extensible controlled terminology.")
def spec_codelists(pkg: Package):
    """A variable with a codelist in variables.csv (or a value-level codelist in
    specs/ct/value_codelists.csv) has only values of that codelist, when the codelist is not
    extensible (CDISC non-extensible, sponsor-defined, or from specs/raw/codelists.yaml). Values
    come from specs/ct/terms.csv, specs/raw/codelists.yaml and the study spec (ARMCD, ARM, ETCD,
    EPOCH). The VISIT codelist also takes 'UNSCHEDULED <VISITNUM>' where VISITNUM is the record's
    own. Codelists with no known values are skipped (the report's notes name them)."""
    for ds, var, name, bad in codelist_violations(pkg, extensible=False):
        yield from per_group(ds, bad, var, var, lambda k, rows, n=var, cl=name:
                             f"{n} {fmt(k[0])!r} is not in codelist {cl} ({count_note(rows)})")


@rule("SD0111", WARNING, "Values in their extensible codelists", scope=SPEC,
      analogue="Pinnacle 21's / CORE's checks of values against extensible controlled terminology "
               "(reported as warnings: a sponsor extension should be declared).")
def spec_extensible_codelists(pkg: Package):
    """As SD0107 for codelists that specs/ct/codelists.csv marks extensible (Y): a value outside
    the listed terms is a warning (an undeclared extension)."""
    for ds, var, name, bad in codelist_violations(pkg, extensible=True):
        yield from per_group(ds, bad, var, var, lambda k, rows, n=var, cl=name:
                             f"{n} {fmt(k[0])!r} is not in extensible codelist {cl} ({count_note(rows)})")


@rule("SD0108", WARNING, "Variable order as in the specs", scope=SPEC,
      analogue="Pinnacle 21's check that variable order matches define.xml.")
def spec_variable_order(pkg: Package):
    """The variables that are in both the dataset and the specs come in the specs' order."""
    for ds, spec in _spec_datasets(pkg):
        want = [v for v in spec.names if v in ds]
        got = [v for v in ds.columns if v in spec.names]
        if got != want:
            i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
            yield Issue(ds.name, got[i], (), "", "", f"variable {i + 1} is {got[i]}; the specs put {want[i]} there")


@rule("SD0109", WARNING, "Records sorted by the spec keys", scope=SPEC,
      analogue="Pinnacle 21's check that records are sorted by the define.xml key variables.")
def spec_sorted(pkg: Package):
    """Records come in the order of the dataset's keys in datasets.csv."""
    for ds, spec in _spec_datasets(pkg):
        keys = list(spec.keys)
        if not keys or not ds.has(*keys) or len(ds) < 2:
            continue
        order = ds.data.sort_values(keys, kind="stable").index.to_numpy()
        out = (order != np.arange(len(order))).nonzero()[0]
        if len(out):
            first = int(out[0])
            yield Issue(ds.name, ";".join(keys), (first + 1,), "", "",
                        f"records are not sorted by {', '.join(keys)} from record {first + 1} on")


@rule("SD0110", ERROR, "Spec keys identify records", scope=SPEC,
      analogue="Pinnacle 21's check that the define.xml key variables are unique.")
def spec_keys_unique(pkg: Package):
    """No two records share the values of the dataset's keys in datasets.csv."""
    for ds, spec in _spec_datasets(pkg):
        keys = list(spec.keys)
        if not keys or not ds.has(*keys):
            continue
        dup = ds.data.duplicated(keys, keep=False)
        yield from per_group(ds, dup, keys, ";".join(keys), lambda k, rows:
                             f"{len(rows)} records share the key {' / '.join(fmt(x) for x in k)}",
                             value=lambda k: " / ".join(fmt(x) for x in k))


@rule("SD0120", ERROR, "STUDYID is the study's", scope=STUDY,
      analogue="CORE / Pinnacle 21 consistency of STUDYID with the study metadata (define.xml).")
def studyid_is_study(pkg: Package):
    """Every STUDYID value is the study spec's study identifier."""
    want = pkg.study.studyid
    for ds in pkg:
        if "STUDYID" in ds:
            s = ds.data["STUDYID"]
            yield from per_group(ds, s.ne("") & s.ne(want), "STUDYID", "STUDYID", lambda k, rows:
                                 f"STUDYID {k[0]!r} is not the study's {want!r} ({count_note(rows)})")


@rule("SD0121", ERROR, "TV is the study's visit schedule", scope=STUDY,
      analogue="A sponsor check of Trial Visits against the protocol schedule (no CORE/P21 "
               "equivalent: they do not see the protocol).")
def tv_is_schedule(pkg: Package):
    """TV has exactly the study spec's visits, each with its VISITNUM and (where TV has it)
    planned study day VISITDY."""
    tv = pkg.get("TV")
    if tv is None or not tv.has("VISITNUM", "VISIT"):
        return
    plan = {v["visit"]: v for v in pkg.study.visits}
    rows = {}
    for i, rec in tv.data.iterrows():
        rows.setdefault(rec["VISIT"], (i, rec))
    for name, v in plan.items():
        if name not in rows:
            yield Issue("TV", "VISIT", (), "", name, f"study visit {name!r} (VISITNUM {v['visitnum']}) is not in TV")
            continue
        i, rec = rows[name]
        if fmt(rec["VISITNUM"]) != fmt(float(v["visitnum"])):
            yield Issue("TV", "VISITNUM", (i + 1,), "", fmt(rec["VISITNUM"]),
                        f"VISIT {name!r} has VISITNUM {fmt(rec['VISITNUM'])}; the study spec says {v['visitnum']}")
        if "VISITDY" in tv and "day" in v and fmt(rec["VISITDY"]) != fmt(float(v["day"])):
            yield Issue("TV", "VISITDY", (i + 1,), "", fmt(rec["VISITDY"]),
                        f"VISIT {name!r} has VISITDY {fmt(rec['VISITDY'])}; the study spec says {v['day']}")
    for name, (i, _rec) in sorted(rows.items(), key=lambda kv: kv[1][0]):
        if name not in plan:
            yield Issue("TV", "VISIT", (i + 1,), "", name, f"TV visit {name!r} is not in the study spec")
