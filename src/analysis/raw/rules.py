"""The catalogue of raw data validation rules, in one list (`RULES`, ordered by id).

Hard rules stop the pipeline (`analysis ingest` writes nothing and lists them); soft rules go
to the data issues listing and the pipeline goes on. The rules themselves live in modules by
what they look at; importing them here registers them:

    rules_file    RAW001-RAW004  the file and its columns
    rules_values  RAW005-RAW012, RAW019, RAW023  each value against its column's spec
    rules_lab     RAW013-RAW015, RAW024  lab records against the lab test dictionary
    rules_study   RAW016-RAW018, RAW020-RAW022, RAW025-RAW027  keys, subjects, visits, dates

>>> [r.id for r in RULES][:3]
['RAW001', 'RAW002', 'RAW003']
>>> BY_ID["RAW013"].template
"unit '{value}' is not allowed for test {test} (allowed: {allowed})"
"""

from __future__ import annotations

from analysis.raw import rules_file, rules_lab, rules_study, rules_values  # noqa: F401 (registers)
from analysis.raw.catalogue import COLUMN, FILE, HARD, ROW, RULES, SOFT, Rule  # noqa: F401
from analysis.raw.rules_file import column_missing, file_missing, file_unreadable, unknown_column  # noqa: F401

RULES.sort(key=lambda r: r.id)
BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
