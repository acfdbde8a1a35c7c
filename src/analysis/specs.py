"""Load and check the study specs (specs/study.yaml and the files it names).

Specs are data: they are read with yaml.safe_load and checked against the JSON schemas in
specs/schemas/; nothing in them is ever evaluated as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import SpecError

SCHEMA_DIR_NAME = "schemas"
STUDY_CODELIST_PREFIX = "study."


def read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML ({exc})".replace("\n", " ")) from None


def check_against_schema(data: Any, schema_path: Path, source: Path) -> None:
    import jsonschema

    schema = read_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise SpecError(f"{source}: {where}: {first.message} [spec schema {schema_path.name}]")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    required: bool = False
    required_if: dict | None = None
    pattern: str | None = None
    codelist: tuple | None = None  # allowed values, resolved
    codelist_name: str | None = None
    unit: str | None = None
    range: tuple[float, float] | None = None
    identifier: str | None = None

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number")


@dataclass(frozen=True)
class Form:
    form: str
    file: str
    format: str
    title: str
    description: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    visit_column: str | None = None
    date_column: str | None = None
    subject_registry: bool = False
    may_predate_consent: bool = False
    lab: dict | None = None
    spec_path: Path | None = None
    ongoing_at_cut: dict | None = None   # end/ongoing/outcome/death columns a data cut edits
    enrolled_at_cut: dict | None = None  # enrolment date and the columns blank before enrolment

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class LabTest:
    testcd: str
    test: str
    form: str
    category: str
    std_unit: str
    units: dict[str, float]
    ref: tuple[float, float]
    plausible: tuple[float, float]
    lloq: float | None = None
    text: tuple[str, ...] = ()


@dataclass
class Study:
    """The study spec plus everything it names, loaded and checked once."""

    path: Path
    data: dict
    forms: dict[str, Form] = field(default_factory=dict)
    codelists: dict[str, list] = field(default_factory=dict)
    lab_tests: dict[str, LabTest] = field(default_factory=dict)

    @property
    def studyid(self) -> str:
        return self.data["study"]["studyid"]

    @property
    def cohorts(self) -> list[dict]:
        return self.data["cohorts"]

    @property
    def visits(self) -> list[dict]:
        return self.data["visits"]

    @property
    def infusions(self) -> list[dict]:
        return self.data["infusions"]

    @cached_property
    def visit_by_name(self) -> dict[str, dict]:
        return {v["visit"]: v for v in self.visits}

    @cached_property
    def unscheduled_pattern(self) -> re.Pattern:
        return re.compile(self.data["unscheduled_visit_pattern"])

    @cached_property
    def pre_dose_timepoints(self) -> frozenset[str]:
        """Planned time points taken before the infusion starts (negative minutes)."""
        return frozenset(t["tpt"] for t in self.data["infusion_timepoints"] if t["minutes"] < 0)

    @property
    def screening_epoch(self) -> str:
        return self.data["elements"][0]["epoch"]

    @cached_property
    def sdtm_unscheduled_pattern(self) -> re.Pattern:
        return re.compile(self.data["sdtm_unscheduled_visit_pattern"])

    def sdtm_unscheduled_name(self, visitnum: float) -> str:
        return self.data["sdtm_unscheduled_visit_name"].format(visitnum=visitnum)

    def is_known_visit(self, visit: str) -> bool:
        return visit in self.visit_by_name or bool(self.unscheduled_pattern.match(visit))

    def registry_form(self) -> Form:
        return next(f for f in self.forms.values() if f.subject_registry)


def _study_codelist(name: str, study_data: dict, form: str, lab_tests: dict[str, LabTest]) -> tuple:
    key = name[len(STUDY_CODELIST_PREFIX):]
    if key == "cohort":
        return tuple(c["cohort"] for c in study_data["cohorts"])
    if key == "dose":
        return tuple(c["dose"] for c in study_data["cohorts"])
    if key == "infusion":
        return tuple(i["number"] for i in study_data["infusions"])
    if key == "eligibility":
        return tuple(e["id"] for e in study_data["eligibility"])
    if key == "lab_tests":
        return tuple(t.testcd for t in lab_tests.values() if t.form == form)
    raise SpecError(f"unknown study codelist '{name}' in form {form}")


def _load_form(path: Path, schema: Path, codelists: dict, study_data: dict,
               lab_tests: dict[str, LabTest]) -> Form:
    raw = read_yaml(path)
    check_against_schema(raw, schema, path)
    columns = []
    names = [c["name"] for c in raw["columns"]]
    for c in raw["columns"]:
        cl = c.get("codelist")
        cl_name = None
        if isinstance(cl, str):
            cl_name = cl
            if cl.startswith(STUDY_CODELIST_PREFIX):
                cl = _study_codelist(cl, study_data, raw["form"], lab_tests)
            elif cl in codelists:
                cl = tuple(codelists[cl])
            else:
                raise SpecError(f"{path}: column {c['name']}: unknown codelist '{cl}'")
        elif isinstance(cl, list):
            cl = tuple(cl)
        cond = c.get("required_if")
        if cond and cond["column"] not in names:
            raise SpecError(f"{path}: column {c['name']}: required_if names unknown column {cond['column']}")
        if c.get("pattern"):
            try:
                re.compile(c["pattern"])
            except re.error as exc:
                raise SpecError(f"{path}: column {c['name']}: bad pattern ({exc})") from None
        columns.append(Column(
            name=c["name"], label=c["label"], type=c["type"], required=c.get("required", False),
            required_if=cond, pattern=c.get("pattern"), codelist=cl, codelist_name=cl_name,
            unit=c.get("unit"), range=tuple(c["range"]) if c.get("range") else None,
            identifier=c.get("identifier"),
        ))
    enrolled = raw.get("enrolled_at_cut") or {}
    for ref in (list(raw["keys"]) + [raw.get("visit_column"), raw.get("date_column")]
                + list((raw.get("lab") or {}).values()) + list((raw.get("ongoing_at_cut") or {}).values())
                + [enrolled.get("date"), *enrolled.get("blank", [])]):
        if ref and ref not in names:
            raise SpecError(f"{path}: '{ref}' is used as a key/visit/date/lab/cut column but is not a column")
    return Form(
        form=raw["form"], file=raw["file"], format=raw["format"], title=raw["title"],
        description=" ".join(raw["description"].split()), keys=tuple(raw["keys"]),
        columns=tuple(columns), visit_column=raw.get("visit_column"),
        date_column=raw.get("date_column"), subject_registry=raw.get("subject_registry", False),
        may_predate_consent=raw.get("may_predate_consent", False),
        lab=raw.get("lab"), spec_path=path, ongoing_at_cut=raw.get("ongoing_at_cut"),
        enrolled_at_cut=raw.get("enrolled_at_cut"),
    )


def load_lab_tests(path: Path) -> dict[str, LabTest]:
    raw = read_yaml(path)
    tests = {}
    for t in raw.get("tests", []):
        if t["testcd"] in tests:
            raise SpecError(f"{path}: test code {t['testcd']} defined twice")
        if t["std_unit"] not in t["units"] or t["units"][t["std_unit"]] != 1:
            raise SpecError(f"{path}: {t['testcd']}: std_unit must be listed in units with factor 1")
        tests[t["testcd"]] = LabTest(
            testcd=t["testcd"], test=t["test"], form=t["form"], category=t["category"],
            std_unit=t["std_unit"], units={str(k): float(v) for k, v in t["units"].items()},
            ref=tuple(t["ref"]), plausible=tuple(t["plausible"]), lloq=t.get("lloq"),
            text=tuple(t.get("text", ())),
        )
    return tests


def load_study(path: str | Path) -> Study:
    """Load specs/study.yaml with its lab dictionary and raw form specs, checking each.

    >>> study = load_study("specs/study.yaml")  # doctest: +SKIP
    >>> study.forms["enrolment"].keys
    ('SUBJID',)
    """
    path = Path(path)
    spec_dir = path.parent
    schema_dir = spec_dir / SCHEMA_DIR_NAME
    data = read_yaml(path)
    check_against_schema(data, schema_dir / "study.schema.yaml", path)
    visit_names = [v["visit"] for v in data["visits"]]
    if len(set(visit_names)) != len(visit_names):
        raise SpecError(f"{path}: visits: visit names must be unique")
    for name, a in data["assessments"].items():
        unknown = [v for v in a["visits"] if v not in visit_names]
        if unknown:
            raise SpecError(f"{path}: assessments/{name}: unknown visits {unknown}")
    lab_tests = load_lab_tests(spec_dir / data["lab_tests"])
    raw_dir = spec_dir / data["raw_spec"]
    codelists = read_yaml(raw_dir / "codelists.yaml")
    forms = {}
    for form_path in sorted(raw_dir.glob("*.yaml")):
        if form_path.name == "codelists.yaml":
            continue
        form = _load_form(form_path, schema_dir / "raw_form.schema.yaml", codelists, data, lab_tests)
        if form.form != form_path.stem:
            raise SpecError(f"{form_path}: form name '{form.form}' must match the file name")
        forms[form.form] = form
    registries = [f.form for f in forms.values() if f.subject_registry]
    if len(registries) != 1:
        raise SpecError(f"{raw_dir}: exactly one form must be the subject registry, found {registries}")
    for name, a in data["assessments"].items():
        if a["form"] not in forms:
            raise SpecError(f"{path}: assessments/{name}: unknown form {a['form']}")
    return Study(path=path, data=data, forms=forms, codelists=codelists, lab_tests=lab_tests)


def read_analysis_spec(path: Path, sections: list[str]) -> dict[str, Any]:
    """An analysis spec (specs/analysis/<area>.yaml) as a dict whose top-level ``sections`` are
    all present; ``_path`` records where it came from, for error messages.

    >>> spec = read_analysis_spec(Path("specs/analysis/lab_safety.yaml"), ["grades"])
    >>> spec["grades"][:2], spec["_path"]
    (['0', '1'], 'specs/analysis/lab_safety.yaml')
    """
    spec = read_yaml(path)
    if not isinstance(spec, dict):
        raise SpecError(f"{path}: expected a mapping at the top level")
    missing = [s for s in sections if s not in spec]
    if missing:
        raise SpecError(f"{path}: section(s) missing: {', '.join(missing)}")
    spec["_path"] = str(path)
    return spec


def check_conf_level(value: Any, path: Path, key: str = "conf_level") -> float:
    """A confidence level from a spec: a number strictly between 0 and 1.

    >>> check_conf_level(0.95, Path("x.yaml"))
    0.95
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise SpecError(f"{path}: {key} must be a number between 0 and 1, not {value!r}")
    return float(value)
