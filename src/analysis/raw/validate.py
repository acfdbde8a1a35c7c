"""Run the rule catalogue over a raw export: file rules, then column rules, then row rules.

A form with a file or column problem gets no row-level checks (one missing column would
otherwise become a finding on every record), and rules that need another form skip when that
form is unusable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.errors import DataError, Problem
from analysis.raw import rules
from analysis.raw.context import FormData, StudyContext
from analysis.raw.read import read_form
from analysis.specs import Study


@dataclass
class Validation:
    forms: dict[str, FormData]  # forms read with the spec's columns, in spec column order
    problems: list[Problem]     # hard and soft
    context: StudyContext

    def hard(self) -> list[Problem]:
        return sort_problems([p for p in self.problems if rules.BY_ID[p.rule].severity == rules.HARD])

    def soft(self) -> list[Problem]:
        return [p for p in self.problems if rules.BY_ID[p.rule].severity == rules.SOFT]


def validate(raw_dir: str | Path, study: Study, cutoff: np.datetime64 | None = None) -> Validation:
    """Read every form of `study` from `raw_dir` and apply every rule.

    >>> from analysis.specs import load_study
    >>> validate("data/raw", load_study("specs/study.yaml")).hard()
    []
    """
    problems: list[Problem] = []
    usable: dict[str, FormData] = {}
    subject_column = study.registry_form().keys[0]
    for name, form in study.forms.items():
        try:
            df = read_form(raw_dir, form)
        except DataError as exc:
            problems += exc.problems
            continue
        header = list(df.columns)
        shape = rules.column_missing(form, header) + rules.unknown_column(form, header)
        problems += shape
        if not shape:
            usable[name] = FormData(form, df[form.column_names], subject_column=subject_column)
    context = StudyContext.build(study, usable, cutoff)
    for fd in usable.values():
        for r in rules.RULES:
            if r.scope == rules.ROW:
                problems += r(fd, context)
    return Validation(usable, problems, context)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File order, then record, then column, then rule: file and column problems come first."""
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.rule, p.message))
