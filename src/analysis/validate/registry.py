"""The rule registries, and the small helpers rules use to say where a problem is.

A rule is a function of the `Package` that yields `Issue`s; `@rule` registers it with its id,
severity and description. The engine adds the id and severity to each issue it yields. The id's
prefix says which standard the rule belongs to: SDxxxx rules (in `RULES`) check SDTM folders,
ADxxxx rules (in `ADAM_RULES`) ADaM folders; a package is only ever checked by its own standard's
rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.validate.package import NUM, Dataset, Package

ERROR, WARNING, NOTICE = "ERROR", "WARNING", "NOTICE"
SEVERITIES = (ERROR, WARNING, NOTICE)
GENERIC, SPEC, STUDY = "generic", "spec", "study"
MAX_RECORDS = 20  # record numbers listed in one finding about a group of records


@dataclass(frozen=True)
class Issue:
    dataset: str
    variable: str
    records: tuple[int, ...]
    usubjid: str
    value: str
    message: str


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    scope: str  # generic (any package of its standard), spec (needs the specs), study (needs study.yaml)
    title: str
    description: str
    analogue: str  # the CDISC CORE / Pinnacle 21 check it corresponds to, in our words
    func: Callable[[Package], Iterable[Issue]]


RULES: dict[str, Rule] = {}  # SDTM rules (SDxxxx)
ADAM_RULES: dict[str, Rule] = {}  # ADaM rules (ADxxxx)
SDTM, ADAM = "sdtm", "adam"
STANDARDS = (SDTM, ADAM)
_REGISTRY = {"SD": RULES, "AD": ADAM_RULES}
_PREFIX = {SDTM: "SD", ADAM: "AD"}


def rules_for(standard: str) -> dict[str, Rule]:
    """The registry of `standard` ('sdtm' or 'adam')."""
    if standard not in STANDARDS:
        raise ValueError(f"standard must be one of {STANDARDS}, not {standard!r}")
    return _REGISTRY[_PREFIX[standard]]


def rule(id: str, severity: str, title: str, *, scope: str = GENERIC, analogue: str = ""):
    """Register the decorated function as rule `id` (in the registry its prefix names); its
    docstring is the description."""
    if severity not in SEVERITIES or scope not in (GENERIC, SPEC, STUDY):
        raise ValueError(f"{id}: bad severity {severity!r} or scope {scope!r}")
    registry = _REGISTRY.get(id[:2])
    if registry is None:
        raise ValueError(f"{id}: a rule id starts with one of {sorted(_REGISTRY)}")

    def register(func):
        if id in registry:
            raise ValueError(f"rule {id} registered twice ({registry[id].func.__name__}, {func.__name__})")
        description = " ".join((func.__doc__ or title).split())
        registry[id] = Rule(id, severity, scope, title, description, analogue, func)
        return func
    return register


def fmt(value: object) -> str:
    """A value as the report shows it: numbers without a needless '.0', NaN as ''."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    return str(value)


def show(value: object) -> str:
    """A value inside a message: text quoted, numbers as fmt() writes them."""
    return repr(value) if isinstance(value, str) else fmt(value)


def _subject(ds: Dataset, rows: np.ndarray) -> str:
    if "USUBJID" not in ds or len(rows) == 0:
        return ""
    subjects = ds.data["USUBJID"].to_numpy()[rows]
    first = subjects[0]
    return first if (subjects == first).all() else ""


def per_record(ds: Dataset, mask: pd.Series, variable: str,
               message: str | Callable[[dict], str], value: str | None = None,
               extra: dict[str, pd.Series] | None = None) -> Iterator[Issue]:
    """One issue per record where `mask` holds. `message` may be a function of the record (a
    dict of its values, plus the `extra` series aligned with the dataset, under their keys);
    the reported value is that of `value` (default: `variable`)."""
    mask = pd.Series(np.asarray(mask), index=ds.data.index).fillna(False).astype(bool)
    if not mask.any():
        return
    shown = value or variable
    m = mask.to_numpy()
    rows = ds.data[m]
    if extra:
        rows = rows.assign(**{k: np.asarray(s)[m] for k, s in extra.items()})
    for i, rec in zip(rows.index, rows.to_dict("records")):
        yield Issue(ds.name, variable, (int(i) + 1,), rec.get("USUBJID", "") if "USUBJID" in ds else "",
                    fmt(rec.get(shown, "")), message(rec) if callable(message) else message)


def per_group(ds: Dataset, mask: pd.Series | None, by: list[str] | str, variable: str,
              message: Callable[[tuple, pd.DataFrame], str], value: Callable[[tuple], str] | None = None,
              ) -> Iterator[Issue]:
    """One issue per distinct value of `by` among the records where `mask` holds, listing the
    first MAX_RECORDS of its records; `message(key, rows)` says what is wrong."""
    by = [by] if isinstance(by, str) else list(by)
    data = ds.data if mask is None else ds.data[pd.Series(mask, index=ds.data.index).fillna(False).to_numpy()]
    if data.empty:
        return
    for key, rows in data.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        idx = rows.index.to_numpy()
        shown = value(key) if value else ", ".join(fmt(k) for k in key)
        yield Issue(ds.name, variable, tuple(int(i) + 1 for i in idx[:MAX_RECORDS]), _subject(ds, idx),
                    shown, message(key, rows))


def all_records(ds: Dataset, mask: pd.Series, variable: str, message: Callable[[pd.DataFrame], str],
                value: str = "") -> Iterator[Issue]:
    """One issue for all the records where `mask` holds (a variable that is wrong throughout,
    e.g. null where it must not be), listing the first MAX_RECORDS; `message(rows)`."""
    m = pd.Series(np.asarray(mask), index=ds.data.index).fillna(False).astype(bool).to_numpy()
    if not m.any():
        return
    idx = ds.data.index.to_numpy()[m]
    yield Issue(ds.name, variable, tuple(int(i) + 1 for i in idx[:MAX_RECORDS]), _subject(ds, idx), value,
                message(ds.data[m]))


def values_where(s: pd.Series, predicate: Callable[[object], bool]) -> pd.Series:
    """Mask of the records whose value satisfies `predicate`, which is called once per distinct
    value (columns repeat their values: a million lab records hold a few thousand)."""
    bad = [v for v in pd.unique(s) if predicate(v)]
    return s.isin(bad) if bad else pd.Series(False, index=s.index)


def count_note(rows: pd.DataFrame) -> str:
    n = len(rows)
    return f"{n} record{'s' if n != 1 else ''}" + (f"; first {MAX_RECORDS} listed" if n > MAX_RECORDS else "")


def numeric(ds: Dataset, variable: str) -> bool:
    return ds.types.get(variable) == NUM


def as_number(ds: Dataset, variable: str) -> pd.Series:
    """The variable as floats: numeric as is, character parsed (NaN where it is not a number)."""
    if numeric(ds, variable):
        return ds.data[variable].astype(float)
    return pd.to_numeric(ds.data[variable].where(ds.data[variable].ne("")), errors="coerce").astype(float)


def catalogue_markdown(standard: str = SDTM) -> str:
    """The rule catalogue of `standard` as a Markdown table (docs/conformance-rules.md holds a
    copy of each, kept equal by a test)."""
    import analysis.validate.engine  # noqa: F401  (registers every rule)

    registry = rules_for(standard)
    lines = ["| id | severity | scope | rule | what it checks | CDISC CORE / Pinnacle 21 analogue |",
             "| --- | --- | --- | --- | --- | --- |"]
    for rid in sorted(registry):
        r = registry[rid]
        cells = [r.id, r.severity, r.scope, r.title, r.description, r.analogue]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
