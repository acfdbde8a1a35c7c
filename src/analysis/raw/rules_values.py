"""Value rules: each record's values against its column's spec (RAW005-RAW012, RAW019, RAW023).

Each rule judges only what is its own: a type rule skips empty values (the required rules
report those), and codelist, pattern and range rules skip values of the wrong type (the type
rules report those), so one bad value gives one finding.
"""

from __future__ import annotations

import numpy as np

from analysis.raw import values as v
from analysis.raw.catalogue import HARD, ROW, SOFT, listing, rule, show
from analysis.raw.context import FormData, StudyContext

DATE_FORMATS = {"date": "YYYY-MM-DD", "partial_date": "YYYY-MM-DD, YYYY-MM-UK or YYYY-UK-UK"}


def _columns(fd: FormData, *types: str):
    return [c for c in fd.form.columns if not types or c.type in types]


def _each_column(r, fd: FormData, columns, rows_of, **fields_of) -> list:
    """Apply one rule column by column: `rows_of(c)` flags records, `fields_of` fill the message."""
    out = []
    for c in columns:
        out += r.found(fd, rows_of(c), c.name, **{k: f(c) for k, f in fields_of.items()})
    return out


def _malformed(fd: FormData):
    return lambda c: fd.present(c.name) & ~fd.well_formed(c.name)


@rule("RAW005", HARD, ROW, "A column marked required has a value (not empty, not only blanks) in every record.",
      "required value is empty")
def required_empty(r, fd: FormData, sc: StudyContext):
    return _each_column(r, fd, [c for c in fd.form.columns if c.required], lambda c: fd.blank(c.name))


@rule("RAW006", HARD, ROW,
      "A column required only under a condition (required_if: another column's value is one of a "
      "list; \"\" means that column is empty) has a value whenever the condition holds.",
      "value is empty but required because {other} is {other_value}")
def required_if_empty(r, fd: FormData, sc: StudyContext):
    out = []
    for c in _columns(fd):
        if not c.required_if:
            continue
        other = c.required_if["column"]
        d = fd.distinct(other)
        condition = v.isin(d.values, [str(x) for x in c.required_if["in"]])
        said = np.array(["empty" if x == "" else f"'{x}'" for x in d.values], dtype=object)
        rows = np.flatnonzero(d.expand(condition) & fd.blank(c.name))
        out += r.found(fd, rows, c.name, other=other, other_value=said[d.codes[rows]])
    return out


@rule("RAW007", HARD, ROW, "An integer column holds whole numbers of up to 15 digits (e.g. 12, -3); a "
      "number column holds decimal numbers (e.g. 1.5, 2e3), with '.' as the decimal mark and no blanks.",
      "'{value}' is not {kind}")
def not_a_number(r, fd: FormData, sc: StudyContext):
    return _each_column(r, fd, _columns(fd, "integer", "number"), _malformed(fd),
                        kind=lambda c: "an integer" if c.type == "integer" else "a number")


@rule("RAW008", HARD, ROW, "A date is a real calendar date written YYYY-MM-DD (partial_date "
      "columns also accept YYYY-MM-UK and YYYY-UK-UK).",
      "'{value}' is not a valid date ({formats})")
def bad_date(r, fd: FormData, sc: StudyContext):
    return _each_column(r, fd, _columns(fd, "date", "partial_date"), _malformed(fd),
                        formats=lambda c: DATE_FORMATS[c.type])


@rule("RAW009", HARD, ROW, "A column of type date holds complete dates only; partial dates are "
      "allowed in partial_date columns only.",
      "'{value}' is a partial date but this column needs a complete date (YYYY-MM-DD)")
def partial_in_date(r, fd: FormData, sc: StudyContext):
    return _each_column(r, fd, _columns(fd, "date"), _partial(fd))


def _partial(fd: FormData):
    return lambda c: fd.well_formed(c.name) & np.isnat(fd.full_dates(c.name))


@rule("RAW010", HARD, ROW, "A time is a clock time HH:MM from 00:00 to 23:59.",
      "'{value}' is not a valid time (HH:MM, 00:00 to 23:59)")
def bad_time(r, fd: FormData, sc: StudyContext):
    return _each_column(r, fd, _columns(fd, "time"), _malformed(fd))


@rule("RAW011", HARD, ROW, "A column with a codelist holds one of its values, exactly (case and "
      "blanks matter; integer and number columns compare as numbers, so 1.0 matches 1).",
      "'{value}' is not in {codelist} (allowed: {allowed}){hint}")
def not_in_codelist(r, fd: FormData, sc: StudyContext):
    lab_test = (fd.form.lab or {}).get("test")
    out = []
    for c in _columns(fd):
        if not c.codelist or c.name == lab_test:  # the lab test code has its own rule, RAW015
            continue
        u = fd.distinct(c.name).values
        if c.numeric:
            listed = np.isin(fd.number_values(c.name), np.array(c.codelist, dtype=float))
        else:
            listed = v.isin(u, [str(x) for x in c.codelist])
        bad_u = fd.well_formed_values(c.name) & ~listed
        rows = np.flatnonzero(fd.rows(c.name, bad_u))
        hints = _codelist_hints(u, bad_u, c.codelist)
        name = f"codelist {c.codelist_name}" if c.codelist_name else "the allowed values"
        out += r.found(fd, rows, c.name, codelist=name, allowed=listing(c.codelist),
                       hint=hints[fd.distinct(c.name).codes[rows]])
    return out


def _codelist_hints(u: np.ndarray, bad: np.ndarray, codelist) -> np.ndarray:
    """A hint for near misses: surrounding blanks, or letter case."""
    allowed = {str(x) for x in codelist}
    upper = {a.upper() for a in allowed}
    hints = np.full(len(u), "", dtype=object)
    for i in np.flatnonzero(bad):  # distinct bad values only: few
        if u[i].strip() in allowed:
            hints[i] = "; remove the surrounding blanks"
        elif u[i].upper() in upper:
            hints[i] = "; values are case-sensitive"
    return hints


@rule("RAW012", HARD, ROW, "A column with a pattern holds values matching it (a regular expression).",
      "'{value}' does not match the pattern {pattern}")
def pattern_mismatch(r, fd: FormData, sc: StudyContext):
    out = []
    for c in _columns(fd):
        if c.pattern:
            u = fd.distinct(c.name).series()
            fits = u.str.contains(c.pattern, regex=True).to_numpy(dtype=bool)
            out += r.found(fd, fd.rows(c.name, fd.well_formed_values(c.name) & ~fits), c.name,
                           pattern=c.pattern)
    return out


@rule("RAW019", SOFT, ROW, "A partial date (YYYY-MM-UK or YYYY-UK-UK) is listed, so imputation "
      "downstream can be reviewed.",
      "partial date '{value}' ({unknown} unknown)")
def partial_date_present(r, fd: FormData, sc: StudyContext):
    out = []
    for c in _columns(fd, "partial_date"):
        rows = np.flatnonzero(_partial(fd)(c))
        unknown = np.array(["month and day" if x.endswith("UK-UK") else "day"
                            for x in fd.text(c.name)[rows]], dtype=object)
        out += r.found(fd, rows, c.name, unknown=unknown)
    return out


@rule("RAW023", SOFT, ROW, "A numeric value lies within its column's plausible range (inclusive).",
      "value {value} is outside the plausible range {lo} to {hi}{unit}")
def outside_range(r, fd: FormData, sc: StudyContext):
    out = []
    for c in _columns(fd, "integer", "number"):
        if c.range:
            lo, hi = c.range
            x = fd.numbers(c.name)
            with np.errstate(invalid="ignore"):
                outside = (x < lo) | (x > hi)
            out += r.found(fd, outside, c.name, lo=show(lo), hi=show(hi),
                           unit=f" {c.unit}" if c.unit else "")
    return out

