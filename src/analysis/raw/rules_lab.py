"""Lab rules (RAW013-RAW015, RAW024): lab records against the lab test dictionary.

A lab form names its test, result and unit columns in its `lab:` block. Results, units and
ranges are judged per test, so each check works on the distinct (test, unit) or (test, result)
combinations, of which even a very large transfer has few.
"""

from __future__ import annotations

import numpy as np

from analysis.raw import values as v
from analysis.raw.catalogue import HARD, ROW, SOFT, listing, rule, show
from analysis.raw.context import FormData, StudyContext
from analysis.specs import LabTest


def _tests(fd: FormData, sc: StudyContext) -> dict[str, LabTest]:
    """The dictionary's tests that this form may carry."""
    return {code: t for code, t in sc.study.lab_tests.items() if t.form == fd.form.form}


def _by_combination(fd: FormData, sc: StudyContext, other: str):
    """(combinations, test code and `other` value of each, LabTest or None of each)."""
    test_col = fd.form.lab["test"]
    c = fd.combined([test_col, other])
    codes, others = fd.text(test_col)[c.values], fd.text(other)[c.values]
    tests = _tests(fd, sc)
    return c, codes, others, [tests.get(code) for code in codes]


@rule("RAW013", HARD, ROW, "A lab unit is one of the units the lab test dictionary lists for the "
      "record's test.",
      "unit '{value}' is not allowed for test {test} (allowed: {allowed})")
def lab_unit(r, fd: FormData, sc: StudyContext):
    if not fd.form.lab:
        return []
    unit_col = fd.form.lab["unit"]
    c, codes, units, tests = _by_combination(fd, sc, unit_col)
    bad = np.array([t is not None and u != "" and u not in t.units for t, u in zip(tests, units)], dtype=bool)
    allowed = np.array([listing(t.units) if t else "" for t in tests], dtype=object)
    rows = np.flatnonzero(c.expand(bad))
    return r.found(fd, rows, unit_col, test=codes[c.codes[rows]], allowed=allowed[c.codes[rows]])


@rule("RAW014", HARD, ROW, "A lab result (type result) is a number, '<number' (below a limit), "
      "'>number' (above a limit) or one of the texts the lab test dictionary allows for the test.",
      "result '{value}' for test {test} is not a number, '<number' or '>number'{texts}")
def lab_result(r, fd: FormData, sc: StudyContext):
    if not fd.form.lab or fd.form.column(fd.form.lab["result"]).type != "result":
        return []
    result_col = fd.form.lab["result"]
    c, codes, results, tests = _by_combination(fd, sc, result_col)
    numeric = ~np.isnan(fd.rows(result_col, _result_numbers(fd, result_col)[1]))[c.values]
    bad = np.zeros(len(c.values), dtype=bool)
    texts = np.full(len(c.values), "", dtype=object)
    for k in np.flatnonzero(~numeric):  # combinations whose result is not a number: few
        t, x = tests[k], results[k]
        if t is not None and x != "" and x not in t.text:
            bad[k] = True
            texts[k] = f" or a text allowed for the test ({listing(t.text)})" if t.text else ""
    rows = np.flatnonzero(c.expand(bad))
    return r.found(fd, rows, result_col, test=codes[c.codes[rows]], texts=texts[c.codes[rows]])


def _result_numbers(fd: FormData, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct result: (qualifier, number); plain number columns have no qualifier."""
    def make():
        if fd.form.column(col).type == "result":
            return v.result_number(fd.distinct(col).values)
        numbers = fd.number_values(col)
        return np.full(len(numbers), "", dtype=object), numbers
    return fd.cached(("result_numbers", col), make)


@rule("RAW015", HARD, ROW, "A lab test code is in the lab test dictionary and belongs to the form "
      "that carries it.",
      "test code '{value}' is not a test of form {form} ({why})")
def lab_test_code(r, fd: FormData, sc: StudyContext):
    if not fd.form.lab:
        return []
    test_col = fd.form.lab["test"]
    d = fd.distinct(test_col)
    known = sc.study.lab_tests
    why = np.array([
        "" if x == "" or (x in known and known[x].form == fd.form.form)
        else f"the lab test dictionary assigns it to form {known[x].form}" if x in known
        else "it is not in the lab test dictionary"
        for x in d.values], dtype=object)
    rows = np.flatnonzero(d.expand(why != ""))
    return r.found(fd, rows, test_col, form=fd.form.form, why=why[d.codes[rows]])


@rule("RAW024", SOFT, ROW, "A numeric lab result, converted to the test's standard unit, lies "
      "within the test's plausible range ('<x' results are not checked; '>x' only when x is "
      "at or above the range's upper limit).",
      "result {value} {unit}{converted} is outside the plausible range {lo} to {hi} {std_unit} for test {test}")
def lab_implausible(r, fd: FormData, sc: StudyContext):
    if not fd.form.lab:
        return []
    result_col, unit_col = fd.form.lab["result"], fd.form.lab["unit"]
    c, codes, units, tests = _by_combination(fd, sc, unit_col)
    factor = np.array([t.units.get(u, np.nan) if t else np.nan for t, u in zip(tests, units)])
    lo = np.array([t.plausible[0] if t else np.nan for t in tests])
    hi = np.array([t.plausible[1] if t else np.nan for t in tests])
    qualifier, number = (fd.rows(result_col, a) for a in _result_numbers(fd, result_col))
    std = number * factor[c.codes]
    lo_r, hi_r = lo[c.codes], hi[c.codes]
    with np.errstate(invalid="ignore"):
        outside = ((qualifier == "") & ((std < lo_r) | (std > hi_r))) | ((qualifier == ">") & (std >= hi_r))
    rows = np.flatnonzero(outside)
    k = c.codes[rows]
    std_unit = np.array([tests[i].std_unit for i in k], dtype=object)
    converted = np.array(["" if units[i] == tests[i].std_unit else f" (= {show(s)} {tests[i].std_unit})"
                          for i, s in zip(k, std[rows])], dtype=object)
    return r.found(fd, rows, result_col, unit=units[k], converted=converted, std_unit=std_unit,
                   lo=np.array([show(x) for x in lo[k]], dtype=object),
                   hi=np.array([show(x) for x in hi[k]], dtype=object), test=codes[k])
