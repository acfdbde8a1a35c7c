"""File and column rules (RAW001-RAW004): is the file there, readable, and shaped as the spec says."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import Problem
from analysis.raw.catalogue import COLUMN, FILE, HARD, rule
from analysis.specs import Form


@rule("RAW001", HARD, FILE, "Every form of the raw spec has its file in the raw export folder.",
      "file is missing from the raw export folder")
def file_missing(r, form: Form, path: Path) -> list[Problem]:
    return [] if path.is_file() else [r.problem(form.file, {})]


@rule("RAW002", HARD, FILE,
      "The file can be parsed: UTF-8 text without byte order mark, one header line with unique "
      "names, every record with as many fields as the header (XPT: a valid SAS transport file).",
      "file cannot be read: {reason}")
def file_unreadable(r, form: Form, reason: str, row: int | None = None) -> Problem:
    return r.problem(form.file, {"reason": reason}, row=row)


@rule("RAW003", HARD, COLUMN,
      "Every column of the form's spec is present in the file (its values may be empty unless required).",
      "column listed in the spec is missing from the file")
def column_missing(r, form: Form, header: list[str]) -> list[Problem]:
    return [r.problem(form.file, {}, column=c) for c in form.column_names if c not in header]


@rule("RAW004", HARD, COLUMN, "The file has no column that the form's spec does not list.",
      "column is not in the spec of form {form}")
def unknown_column(r, form: Form, header: list[str]) -> list[Problem]:
    known = set(form.column_names)
    return [r.problem(form.file, {"form": form.form}, column=c) for c in header if c not in known]
