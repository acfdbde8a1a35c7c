"""The TLF catalogue (``specs/tlf/catalogue.yaml``): which number, title, population label,
footnotes, source datasets and layout every output gets, read and checked on load.

An entry names one analysis id (``id: demographics``) or a family of them through a pattern
(``match: "eff_mmrm_{paramcd}"``). A placeholder ``{name}`` stands for one run of letters and
digits (no underscore), so ``eff_mmrm_{paramcd}`` matches ``eff_mmrm_meld`` but not
``eff_mmrm_meld_plot``. The pattern is turned into a regular expression by escaping everything
else; nothing from the spec is evaluated. A family numbers its members with ``{seq}``
(``14.2.2.{seq}``): first the values listed under ``order``, then the rest in analysis-id order.

>>> cat = parse_catalogue({"sections": {"14.2": "Efficacy"}, "entries": [
...     {"match": "eff_mmrm_{paramcd}", "number": "14.2.2.{seq}", "kind": "table",
...      "area": "efficacy", "source": ["ADLB"], "order": ["meld"]}]}, "demo.yaml")
>>> assigned, unused = assign(cat, [("eff_mmrm_alb", "efficacy"), ("eff_mmrm_meld", "efficacy")])
>>> [(a.analysis_id, a.label) for a in assigned]
[('eff_mmrm_alb', 'Table 14.2.2.2'), ('eff_mmrm_meld', 'Table 14.2.2.1')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import SpecError

DEFAULT_CATALOGUE = Path(__file__).resolve().parents[3] / "specs" / "tlf" / "catalogue.yaml"
KINDS = {"table": "Table", "listing": "Listing", "figure": "Figure"}
PAPERS = ("A4", "letter")
ORIENTATIONS = ("landscape",)  # the RTF renderer (analysis.tlf.rtf) lays out landscape pages only
ENTRY_KEYS = {"id", "match", "number", "kind", "area", "title", "population", "footnotes", "source",
              "layout", "order", "sort", "report"}
TOP_KEYS = {"catalogue_version", "defaults", "sections", "entries"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ID_TEXT = re.compile(r"^[A-Za-z0-9_]+$")
_NUMBER = re.compile(r"^\d+(\.\d+)*(\.\{seq\})?$")
_DATASET = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_REPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")


@dataclass(frozen=True)
class Entry:
    """One catalogue entry as read from the spec (``pattern`` is set for families)."""

    key: str  # the id or the match pattern, as written
    number: str
    kind: str
    area: str
    source: tuple[str, ...]
    title: str = "{title}"
    population: str = "{population}"
    footnotes: tuple[str, ...] = ()
    layout: dict = field(default_factory=dict)
    order: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    report: dict | None = None
    pattern: re.Pattern | None = None

    @property
    def is_family(self) -> bool:
        return self.pattern is not None


@dataclass(frozen=True)
class Catalogue:
    path: str
    sections: dict[str, str]
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Assigned:
    """An analysis id with its entry, its expanded number and its placeholder values."""

    analysis_id: str
    entry: Entry
    number: str
    values: dict

    @property
    def label(self) -> str:
        return f"{KINDS[self.entry.kind]} {self.number}"

    @property
    def section(self) -> str:
        return ".".join(self.number.split(".")[:2])


def pattern_regex(pattern: str) -> re.Pattern:
    """A regular expression for a ``match`` pattern: text literal, each ``{name}`` one run of
    letters/digits.

    >>> pattern_regex("tte_km_{paramcd}_plot").pattern
    'tte_km_(?P<paramcd>[A-Za-z0-9]+)_plot'
    >>> bool(pattern_regex("eff_mmrm_{paramcd}").fullmatch("eff_mmrm_meld_plot"))
    False
    """
    parts, names, pos = [], [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[pos:m.start()]))
        if m[1] in names:
            raise ValueError(f"placeholder {{{m[1]}}} is used twice")
        names.append(m[1])
        parts.append(f"(?P<{m[1]}>[A-Za-z0-9]+)")
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    if not names:
        raise ValueError("a match pattern needs at least one {placeholder}; use id: for one output")
    return re.compile("".join(parts))


def number_key(number: str) -> tuple[int, ...]:
    """Sort key of an output number: numeric part by part ("14.2.10" after "14.2.9").

    >>> sorted(["14.2.10", "14.2.9", "14.1"], key=number_key)
    ['14.1', '14.2.9', '14.2.10']
    """
    return tuple(int(p) for p in number.split("."))


def fill_template(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` by ``values[name]`` and ``{NAME}`` by the upper-cased value.

    >>> fill_template("{title} ({PARAMCD})", {"title": "MMRM", "paramcd": "meld"})
    'MMRM (MELD)'
    """
    def sub(m):
        name = m[1]
        if name in values:
            return str(values[name])
        return str(values[name.lower()]).upper()
    return _PLACEHOLDER.sub(sub, template)


def _fail(path: str, where: str, message: str):
    raise SpecError(f"{path}: {where}: {message}")


def _text_list(value, path, where, name) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(path, where, f"{name} must be a list of texts")
    return tuple(value)


def _check_layout(layout, path, where) -> dict:
    if layout is None:
        return {}
    if not isinstance(layout, dict):
        _fail(path, where, "layout must be a mapping (paper, font_size, orientation)")
    unknown = sorted(set(layout) - {"paper", "font_size", "orientation"})
    if unknown:
        _fail(path, where, f"layout has unknown key(s) {', '.join(unknown)}; known: paper, font_size, orientation")
    if "paper" in layout and layout["paper"] not in PAPERS:
        _fail(path, where, f"layout paper {layout['paper']!r} must be one of {', '.join(PAPERS)}")
    if "orientation" in layout and layout["orientation"] not in ORIENTATIONS:
        _fail(path, where, f"layout orientation {layout['orientation']!r} not supported; "
                           f"the RTF renderer writes {', '.join(ORIENTATIONS)} pages only")
    size = layout.get("font_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float)) or not 6 <= size <= 12):
        _fail(path, where, f"layout font_size {size!r} must be a number from 6 to 12 (points)")
    return dict(layout)


def _check_report(report, path, where, kind) -> dict | None:
    if report is None:
        return None
    if not isinstance(report, dict) or sorted(set(report) - {"only"}) != ["category", "subcategory"]:
        _fail(path, where, "report must have category and subcategory (and optionally only: [ids])")
    for key in ("category", "subcategory"):
        if not isinstance(report[key], str) or not _REPORT_NAME.fullmatch(report[key]):
            _fail(path, where, f"report {key} {report[key]!r} must be letters, digits, space, _ or -")
    return {"category": report["category"], "subcategory": report["subcategory"],
            "only": _text_list(report.get("only"), path, where, "report only")}


def _templates_ok(entry_key, texts, names, path, where):
    allowed = {"title", "population"} | set(names)
    for text in texts:
        for m in _PLACEHOLDER.finditer(text):
            if m[1] not in allowed and m[1].lower() not in allowed:
                _fail(path, where, f"placeholder {{{m[1]}}} in {text!r} is not one of "
                                   f"{', '.join('{' + a + '}' for a in sorted(allowed))}")


def parse_entry(raw: Any, index: int, path: str, areas: set[str] | None = None) -> Entry:
    """Check one entry of ``entries`` and return it as an ``Entry`` (SpecError on any problem)."""
    where = f"entries[{index}]"
    if not isinstance(raw, dict):
        _fail(path, where, "must be a mapping")
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        _fail(path, where, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(ENTRY_KEYS))}")
    if ("id" in raw) == ("match" in raw):
        _fail(path, where, "needs exactly one of id (one output) or match (a family pattern)")
    key = raw.get("id", raw.get("match"))
    if not isinstance(key, str) or not _ID_TEXT.fullmatch(_PLACEHOLDER.sub("x", key)):
        _fail(path, where, f"id/match {key!r} must be letters, digits, _ and {{placeholders}}")
    where = f"entry {key}"
    pattern = None
    if "match" in raw:
        try:
            pattern = pattern_regex(key)
        except ValueError as exc:
            _fail(path, where, str(exc))
    elif _PLACEHOLDER.search(key):
        _fail(path, where, "an id cannot hold {placeholders}; use match: for a family")
    number = raw.get("number")
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        _fail(path, where, f"number {number!r} must look like 14.2.1 (a family may end in .{{seq}})")
    if pattern is not None and not number.endswith("{seq}"):
        _fail(path, where, f"number {number!r} of a family must end in .{{seq}} so each member has its own")
    if pattern is None and "{seq}" in number:
        _fail(path, where, "{seq} is only for match: families")
    kind = raw.get("kind")
    if kind not in KINDS:
        _fail(path, where, f"kind {kind!r} must be one of {', '.join(KINDS)}")
    area = raw.get("area")
    if not isinstance(area, str) or (areas is not None and area not in areas):
        _fail(path, where, f"area {area!r} must be one of {', '.join(sorted(areas or []))}")
    source = _text_list(raw.get("source"), path, where, "source")
    # `source: []` is allowed, but only said explicitly: a design table reads no subject data
    if raw.get("source") is None or not all(_DATASET.fullmatch(s) for s in source):
        _fail(path, where, "source must list the ADaM datasets read, e.g. [ADSL, ADAE] ([] for no data)")
    names = list(pattern.groupindex) if pattern is not None else []
    title = raw.get("title", "{title}")
    population = raw.get("population", "{population}")
    footnotes = _text_list(raw.get("footnotes"), path, where, "footnotes")
    for name, value in (("title", title), ("population", population)):
        if not isinstance(value, str) or (name == "title" and not value.strip()):
            _fail(path, where, f"{name} must be a text")
    _templates_ok(key, [title, population, *footnotes], names, path, where)
    order = _text_list(raw.get("order"), path, where, "order")
    if order and pattern is None:
        _fail(path, where, "order is only for match: families")
    if len(set(order)) != len(order):
        _fail(path, where, "order lists a value twice")
    sort = _text_list(raw.get("sort"), path, where, "sort")
    if sort and kind != "listing":
        _fail(path, where, "sort (display columns to order rows by) is only for listings")
    return Entry(key=key, number=number, kind=kind, area=area, source=source, title=title,
                 population=population, footnotes=footnotes,
                 layout=_check_layout(raw.get("layout"), path, where), order=order, sort=sort,
                 report=_check_report(raw.get("report"), path, where, kind), pattern=pattern)


def parse_catalogue(data: Any, path: str, areas: set[str] | None = None) -> Catalogue:
    """Check a loaded catalogue mapping; ``areas`` (default: the pipeline's) limits ``area``."""
    if areas is None:
        from analysis.outputs import RUNNERS

        areas = set(RUNNERS)
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the catalogue must be a mapping with sections and entries")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise SpecError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; known: {', '.join(sorted(TOP_KEYS))}")
    sections = data.get("sections")
    if not isinstance(sections, dict) or not sections:
        raise SpecError(f"{path}: sections must map section numbers (e.g. \"14.1\") to names")
    for num, name in sections.items():
        if not isinstance(num, str) or not re.fullmatch(r"\d+\.\d+", num) or not isinstance(name, str):
            raise SpecError(f"{path}: sections: {num!r} must be a quoted two-part number (\"14.1\") with a name")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict) or sorted(set(defaults) - {"layout"}):
        raise SpecError(f"{path}: defaults may only hold layout")
    default_layout = _check_layout(defaults.get("layout"), path, "defaults")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise SpecError(f"{path}: entries must be a non-empty list")
    entries, seen_keys, seen_numbers = [], {}, {}
    for i, raw in enumerate(raw_entries):
        entry = parse_entry(raw, i, path, areas)
        section = ".".join(entry.number.split(".")[:2])
        if section not in sections:
            raise SpecError(f"{path}: entry {entry.key}: number {entry.number} is in no section "
                            f"({', '.join(sections)})")
        if entry.key in seen_keys:
            raise SpecError(f"{path}: entry {entry.key}: listed twice (entries[{seen_keys[entry.key]}] and [{i}])")
        seen_keys[entry.key] = i
        label = (entry.kind, entry.number)
        if label in seen_numbers:
            raise SpecError(f"{path}: entry {entry.key}: {KINDS[entry.kind]} {entry.number} is already "
                            f"used by entry {seen_numbers[label]}")
        seen_numbers[label] = entry.key
        if default_layout:
            entry = Entry(**{**entry.__dict__, "layout": {**default_layout, **entry.layout}})
        entries.append(entry)
    return Catalogue(path=str(path), sections={str(k): v for k, v in sections.items()},
                     entries=tuple(entries))


def load_catalogue(path: str | Path | None = None, areas: set[str] | None = None) -> Catalogue:
    """Read and check the catalogue (default ``specs/tlf/catalogue.yaml``).

    >>> cat = load_catalogue()
    >>> cat.sections["14.3"], len(cat.entries) > 30
    ('Safety data', True)
    """
    from analysis.specs import read_yaml

    path = Path(path) if path else DEFAULT_CATALOGUE
    return parse_catalogue(read_yaml(path), str(path), areas)


def matching_entries(catalogue: Catalogue, analysis_id: str) -> list[tuple[Entry, dict]]:
    """Every entry that names ``analysis_id`` (with the placeholder values of a family)."""
    found = []
    for entry in catalogue.entries:
        if entry.pattern is None:
            if entry.key == analysis_id:
                found.append((entry, {}))
        else:
            m = entry.pattern.fullmatch(analysis_id)
            if m:
                found.append((entry, m.groupdict()))
    return found


def _family_key(entry: Entry, analysis_id: str, values: dict) -> tuple:
    value = "_".join(values[n] for n in entry.pattern.groupindex)
    rank = entry.order.index(value) if value in entry.order else len(entry.order)
    return (rank, analysis_id)


def assign(catalogue: Catalogue, outputs: list[tuple[str, str]]) -> tuple[list[Assigned], list[str]]:
    """Give each ``(analysis_id, area)`` its entry and number; returns them in input order and the
    keys of entries that matched nothing (a warning, not an error).

    An id matching no entry or more than one, or produced by another area than its entry says,
    is a SpecError naming the id; so is an expanded number used twice.
    """
    path = catalogue.path
    members: dict[str, list[tuple[str, dict]]] = {}
    chosen: dict[str, tuple[Entry, dict]] = {}
    for analysis_id, area in outputs:
        found = matching_entries(catalogue, analysis_id)
        if not found:
            raise SpecError(f"{path}: analysis id {analysis_id} (area {area}) matches no catalogue entry; "
                            "add an entry (id: or match:) for it")
        if len(found) > 1:
            raise SpecError(f"{path}: analysis id {analysis_id} matches {len(found)} entries "
                            f"({', '.join(e.key for e, _ in found)}); it must match exactly one")
        entry, values = found[0]
        if entry.area != area:
            raise SpecError(f"{path}: analysis id {analysis_id} is made by area {area} but its entry "
                            f"{entry.key} says area {entry.area}")
        chosen[analysis_id] = (entry, values)
        members.setdefault(entry.key, []).append((analysis_id, values))
    numbers: dict[str, str] = {}
    for entry in catalogue.entries:
        ids = members.get(entry.key, [])
        if entry.pattern is None:
            for analysis_id, _ in ids:
                numbers[analysis_id] = entry.number
            continue
        ranked = sorted(ids, key=lambda item: _family_key(entry, *item))
        for seq, (analysis_id, _) in enumerate(ranked, start=1):
            numbers[analysis_id] = entry.number.replace("{seq}", str(seq))
    assigned, labels = [], {}
    for analysis_id, _ in outputs:
        entry, values = chosen[analysis_id]
        item = Assigned(analysis_id, entry, numbers[analysis_id], values)
        if item.label in labels:
            raise SpecError(f"{path}: {item.label} is given to both {labels[item.label]} and {analysis_id}; "
                            "renumber the entries")
        labels[item.label] = analysis_id
        assigned.append(item)
    unused = [e.key for e in catalogue.entries if e.key not in members]
    return assigned, unused
