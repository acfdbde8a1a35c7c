"""ADaM rules against our specs (specs/adam: datasets.csv, variables.csv, params.csv) and the
study spec. They run only when the caller gives the specs (`specs_dir`) or the study (`study`).

The dataset/variable checks are those of SDTM (same spec format, same rule functions); the
lengths and the parameters are ADaM's own.
"""

from __future__ import annotations

import pandas as pd

from analysis.validate import rules_spec
from analysis.validate.package import CHAR, Package
from analysis.validate.registry import (
    ERROR, SPEC, STUDY, WARNING, count_note, fmt, per_group, rule,
)
from analysis.validate.rules_adam import bds_datasets, shown


@rule("AD0100", ERROR, "Every spec dataset is present", scope=SPEC,
      analogue="Pinnacle 21's check that each dataset described in define.xml has a data file.")
def spec_datasets_present(pkg: Package):
    """Every dataset in datasets.csv has an XPT file in the folder."""
    yield from rules_spec.spec_datasets_present(pkg)


@rule("AD0101", WARNING, "Every dataset is in the specs", scope=SPEC,
      analogue="Pinnacle 21's check for datasets that define.xml does not describe.")
def datasets_in_spec(pkg: Package):
    """Every XPT file in the folder is a dataset of datasets.csv."""
    yield from rules_spec.datasets_in_spec(pkg)


@rule("AD0102", ERROR, "Every spec variable is present", scope=SPEC,
      analogue="Pinnacle 21's check for a variable that define.xml describes but the dataset lacks.")
def spec_variables_present(pkg: Package):
    """Every variable variables.csv gives a dataset is in that dataset."""
    yield from rules_spec.spec_variables_present(pkg)


@rule("AD0103", ERROR, "No variables outside the specs", scope=SPEC,
      analogue="Pinnacle 21's check for a dataset variable that define.xml does not describe.")
def no_extra_variables(pkg: Package):
    """A dataset has no variable that variables.csv does not give it."""
    yield from rules_spec.no_extra_variables(pkg)


@rule("AD0104", ERROR, "Variable types match the specs", scope=SPEC,
      analogue="Pinnacle 21's check that a variable's type in the data agrees with define.xml.")
def spec_types(pkg: Package):
    """Each variable is Char or Num as variables.csv says."""
    yield from rules_spec.spec_types(pkg)


@rule("AD0105", WARNING, "Labels match the specs", scope=SPEC,
      analogue="Pinnacle 21's checks that variable and dataset labels agree with define.xml.")
def spec_labels(pkg: Package):
    """The dataset label and each variable label are those of datasets.csv / variables.csv."""
    yield from rules_spec.spec_labels(pkg)


@rule("AD0106", ERROR, "Required variables populated", scope=SPEC,
      analogue="Pinnacle 21's check for nulls in a variable whose core is Required.")
def spec_required_populated(pkg: Package):
    """A variable whose core is Req in variables.csv is populated on every record."""
    yield from rules_spec.spec_required_populated(pkg)


@rule("AD0107", ERROR, "Values in their (non-extensible) codelists", scope=SPEC,
      analogue="Pinnacle 21's / CORE's checks of values against non-extensible controlled terminology.")
def spec_codelists(pkg: Package):
    """A variable with a codelist in variables.csv has only values of that codelist, when the
    codelist is not extensible; codelists come from specs/ct and specs/raw/codelists.yaml as for
    SDTM (SD0107), and those with no known values are skipped (the report's notes name them)."""
    yield from rules_spec.spec_codelists(pkg)


@rule("AD0108", WARNING, "Variable order as in the specs", scope=SPEC,
      analogue="Pinnacle 21's check that variable order matches define.xml.")
def spec_variable_order(pkg: Package):
    """The variables that are in both the dataset and the specs come in the specs' order."""
    yield from rules_spec.spec_variable_order(pkg)


@rule("AD0109", WARNING, "Records sorted by the spec keys", scope=SPEC,
      analogue="Pinnacle 21's check that records are sorted by the define.xml key variables.")
def spec_sorted(pkg: Package):
    """Records come in the order of the dataset's keys in datasets.csv."""
    yield from rules_spec.spec_sorted(pkg)


@rule("AD0110", ERROR, "Spec keys identify records", scope=SPEC,
      analogue="Pinnacle 21's check that the define.xml key variables are unique.")
def spec_keys_unique(pkg: Package):
    """No two records share the values of the dataset's keys in datasets.csv."""
    yield from rules_spec.spec_keys_unique(pkg)


@rule("AD0111", WARNING, "Values in their extensible codelists", scope=SPEC,
      analogue="Pinnacle 21's / CORE's checks of values against extensible controlled terminology.")
def spec_extensible_codelists(pkg: Package):
    """As AD0107 for codelists that specs/ct/codelists.csv marks extensible: a value outside the
    listed terms is a warning (an undeclared extension)."""
    yield from rules_spec.spec_extensible_codelists(pkg)


@rule("AD0112", ERROR, "Character values fit the spec length", scope=SPEC,
      analogue="Pinnacle 21's check that values fit the define.xml length (and the FDA's request that "
               "lengths be those of the longest value).")
def spec_lengths(pkg: Package):
    """A Char variable with a length in variables.csv has no value longer than that many bytes."""
    for ds, spec in rules_spec._spec_datasets(pkg):
        for v in spec.variables:
            if v.length is None or v.name not in ds or ds.types.get(v.name) != CHAR:
                continue
            too_long = ds.where_values(v.name, lambda x, n=v.length, e=ds.encoding:
                                    len(x.encode(e, errors="replace")) > n)
            yield from per_group(ds, too_long, v.name, v.name, lambda k, rows, v=v, e=ds.encoding:
                                 f"{v.name} {k[0]!r} is {len(k[0].encode(e, errors='replace'))} bytes long; the "
                                 f"spec length is {v.length} ({count_note(rows)})")


def _params(pkg: Package):
    """(dataset, its params.csv entries) for the BDS datasets that have PARAMCD, when params.csv
    was read."""
    if pkg.params is None:
        return
    for ds in bds_datasets(pkg):
        if "PARAMCD" in ds:
            yield ds, pkg.params.get(ds.name, {})


@rule("AD0113", ERROR, "Every PARAMCD is in params.csv", scope=SPEC,
      analogue="Pinnacle 21's check that PARAMCD values are in the define.xml parameter codelist.")
def paramcd_in_params(pkg: Package):
    """Every PARAMCD value of a BDS dataset is a parameter params.csv gives that dataset."""
    for ds, params in _params(pkg):
        s = ds.data["PARAMCD"]
        yield from per_group(ds, s.ne("") & ~s.isin(list(params)), "PARAMCD", "PARAMCD", lambda k, rows, n=ds.name:
                             f"PARAMCD {k[0]!r} is not in params.csv for {n} ({count_note(rows)})")


@rule("AD0114", ERROR, "Parameter attributes match params.csv", scope=SPEC,
      analogue="Pinnacle 21's checks of PARAM against the define.xml PARAMCD decode (and a sponsor check of "
               "PARAMN, PARCAT1 and AVALU).")
def param_attributes(pkg: Package):
    """For each PARAMCD of params.csv, PARAM is the spec's param text and, where the dataset has
    them, PARAMN is its paramn, PARCAT1 its parcat1 and AVALU its unit."""
    attrs = (("PARAM", "param"), ("PARAMN", "paramn"), ("PARCAT1", "parcat1"), ("AVALU", "unit"))
    for ds, params in _params(pkg):
        code = ds.data["PARAMCD"]
        for var, field in attrs:
            if var not in ds or not params:
                continue
            spec_values = {cd: getattr(p, field) for cd, p in params.items()}
            want = code.map(spec_values)
            got = ds.data[var]
            if ds.types.get(var) == CHAR:
                bad = want.notna() & got.ne(want.fillna("").astype(str))
            else:
                bad = want.notna() & ~(got.astype(float) == pd.to_numeric(want, errors="coerce"))
            yield from per_group(ds, bad, ["PARAMCD", var], var, lambda k, rows, var=var, sv=spec_values, f=field:
                                 f"{var} is {shown(k[1]) if isinstance(k[1], str) else fmt(k[1]) or 'null'} for "
                                 f"PARAMCD {k[0]}; params.csv says {f} {shown(sv[k[0]])} ({count_note(rows)})",
                                 value=lambda k: fmt(k[1]))


@rule("AD0120", ERROR, "STUDYID is the study's", scope=STUDY,
      analogue="CORE / Pinnacle 21 consistency of STUDYID with the study metadata (define.xml).")
def studyid_is_study(pkg: Package):
    """Every STUDYID value is the study spec's study identifier."""
    yield from rules_spec.studyid_is_study(pkg)
