"""The rule registry: every validation rule has an id, a severity, a scope, a one-line
description and one message template, and is registered here by the `rule` decorator.

The template is the only place a rule's wording lives: the check formats it through
`Rule.found`, and the raw data spec renders it, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from analysis.errors import Problem

HARD, SOFT = "hard", "soft"
# Scopes, in the order ingest applies them: a form with file or column problems gets no
# row-level checks, so one missing column does not become a million row findings.
FILE, COLUMN, ROW = "file", "column", "row"

RULES: list["Rule"] = []


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    scope: str
    description: str
    template: str
    check: Callable

    def __call__(self, *args, **kwargs):
        return self.check(self, *args, **kwargs)

    def problem(self, file: str, message_fields: dict, row: int | None = None,
                column: str | None = None, subject: str = "", value: str = "") -> Problem:
        return Problem(file=file, row=row, column=column, rule=self.id,
                       message=self.template.format(**message_fields), subject=subject, value=value)

    def found(self, fd, rows: np.ndarray, column: str | None, **fields) -> list[Problem]:
        """One Problem per flagged row of FormData `fd`.

        `rows` is a boolean mask over the form's records or an array of positions. A field
        given as a numpy array holds one entry per flagged row (so callers format text for
        flagged rows only); anything else is used as is. `value` defaults to the raw text of
        `column`.
        """
        rows = np.flatnonzero(rows) if rows.dtype == bool else np.asarray(rows)
        if len(rows) == 0:
            return []
        fields.setdefault("value", fd.text(column)[rows] if column else "")
        subjects = fd.subjects()[rows]
        out = []
        for i, pos in enumerate(rows):
            here = {k: (f[i] if isinstance(f, np.ndarray) else f) for k, f in fields.items()}
            out.append(self.problem(fd.form.file, here, row=int(pos) + 1, column=column,
                                    subject=str(subjects[i]), value=str(here["value"])))
        return out


def rule(rule_id: str, severity: str, scope: str, description: str, template: str):
    """Register the decorated check as a Rule; the name then refers to the Rule, which is
    callable with the check's arguments (the Rule itself is passed in first)."""
    def register(check: Callable) -> Rule:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"rule {rule_id} registered twice")
        r = Rule(rule_id, severity, scope, description, template, check)
        RULES.append(r)
        return r
    return register


def show(x) -> str:
    """A number as a reader expects it: 1 not 1.0, 0.1 not 0.1000000001."""
    if isinstance(x, (int, np.integer)):
        return str(x)
    if isinstance(x, (float, np.floating)):
        return format(float(x), ".6g")
    return str(x)


def listing(items, limit: int = 12) -> str:
    """Comma-separated values; long lists are cut so a message stays one readable line."""
    items = [show(x) for x in items]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])}, ... ({len(items)} values)"
