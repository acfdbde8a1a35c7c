"""Errors that a user can fix: they are reported as one line each, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """A problem with the user's input or specs; the CLI prints it and exits non-zero."""


class SpecError(UserError):
    """A spec file is missing, unreadable or breaks its schema."""


@dataclass(frozen=True)
class Problem:
    """One finding about one raw value: where it is and which rule it breaks.

    `row` is the 1-based data record number in the file (the header does not count), or None
    when the finding concerns the whole file or a column.
    """

    file: str
    row: int | None
    column: str | None
    rule: str
    message: str
    subject: str = ""
    value: str = ""

    def line(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message} [{self.rule}]"


class DataError(UserError):
    """Hard data problems: the pipeline stops and lists them."""

    def __init__(self, problems: list[Problem], shown_per_rule: int = 50):
        self.problems = problems
        self.shown_per_rule = shown_per_rule
        super().__init__(f"{len(problems)} data problem(s)")

    def lines(self) -> list[str]:
        out: list[str] = []
        seen: dict[tuple, int] = {}
        for p in self.problems:
            key = (p.file, p.column, p.rule)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= self.shown_per_rule:
                out.append(p.line())
        for (file, column, rule), n in seen.items():
            if n > self.shown_per_rule:
                where = f"{file}, column {column}" if column else file
                out.append(f"{where}: ... and {n - self.shown_per_rule} more [{rule}]")
        return out
