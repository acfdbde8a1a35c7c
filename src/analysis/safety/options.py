"""Which ADaM variables and values the AE tables read: one options object, from a study spec
(specs/analysis/safety.yaml) or from the command line.

A criterion given explicitly must exist in the data (else a one-line UserError). A criterion
left at its CDISC default (e.g. AREL for relatedness) is dropped, with a footnote, when the
dataset does not carry it, so the same command runs on ADaMs that lack optional variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import UserError


def as_text(values: pd.Series) -> pd.Series:
    """Values as stripped text: numbers without a trailing ``.0``, missing as ``""``.

    >>> as_text(pd.Series([3.0, float("nan"), 2.5])).tolist(), as_text(pd.Series([" Y", None])).tolist()
    (['3', '', '2.5'], ['Y', ''])
    """
    if pd.api.types.is_numeric_dtype(values):
        def one(v):
            if pd.isna(v):
                return ""
            v = float(v)
            return str(int(v)) if v.is_integer() else repr(v)
        return values.map(one).astype(object)
    return values.fillna("").astype(str).str.strip()


@dataclass(frozen=True)
class Criterion:
    """Records meeting ``variable in values``; blanks too when ``missing_counts``."""

    variable: str
    values: tuple[str, ...]
    missing_counts: bool = False
    explicit: bool = True

    def describe(self) -> str:
        text = f"{self.variable} in ({', '.join(self.values)})"
        return text + (" or missing" if self.missing_counts else "")

    def mask(self, df: pd.DataFrame) -> pd.Series:
        """Boolean mask over `df`.

        >>> Criterion("AESER", ("Y",)).mask(pd.DataFrame({"AESER": ["Y", "N", ""]})).tolist()
        [True, False, False]
        """
        text = as_text(df[self.variable])
        hit = text.isin(self.values)
        return hit | (text == "") if self.missing_counts else hit


@dataclass(frozen=True)
class GradeScale:
    """An ordered toxicity grade or severity variable: `levels` low to high, as text."""

    variable: str
    levels: tuple[str, ...]
    high_from: str
    prefix: str = ""
    name: str = "grade"
    explicit: bool = True

    def label(self, level: str) -> str:
        return f"{self.prefix}{level}"

    def high_label(self) -> str:
        top = self.levels[-1]
        return (f"{self.name} {self.label(self.high_from)}" if self.high_from == top
                else f"{self.name} >= {self.high_from}" if self.prefix
                else f"{self.name} {self.high_from} or worse")

    def ranks(self, df: pd.DataFrame, dataset: str = "ADAE") -> pd.Series:
        """0-based rank of each record's level; NaN when blank. Unknown levels are an error.

        >>> GradeScale("AESEV", ("MILD", "SEVERE"), "SEVERE").ranks(
        ...     pd.DataFrame({"AESEV": ["SEVERE", "", "MILD"]})).tolist()
        [1.0, nan, 0.0]
        """
        text = as_text(df[self.variable])
        order = {lv: i for i, lv in enumerate(self.levels)}
        unknown = sorted(set(text.unique()) - set(order) - {""})
        if unknown:
            raise UserError(f"{dataset}: {self.variable} value(s) {', '.join(unknown)} not among the "
                            f"ordered levels {', '.join(self.levels)}")
        return text.map(order).astype(float)


# CDISC defaults, used only when the dataset carries the variable (see module docstring).
DEFAULT_GRADES = (
    GradeScale("ATOXGRN", ("1", "2", "3", "4", "5"), "3", prefix="Grade ", name="CTCAE grade", explicit=False),
    GradeScale("AESEV", ("MILD", "MODERATE", "SEVERE"), "SEVERE", name="Severity", explicit=False),
)
DEFAULT_RELATED = Criterion("AREL", ("RELATED",), missing_counts=True, explicit=False)
DEFAULT_SERIOUS = Criterion("AESER", ("Y",), explicit=False)
DEFAULT_FATAL = (Criterion("AESDTH", ("Y",), explicit=False), Criterion("AEOUT", ("FATAL",), explicit=False))
DEFAULT_DLT = Criterion("ADLTFL", ("Y",), explicit=False)
DEFAULT_DISCONTINUATION = Criterion("AEACN", ("DRUG WITHDRAWN",), explicit=False)
DEFAULT_EXPOSURE_END = ("EOSDT", "TRTEDT")  # the first one ADSL has, unless given


@dataclass(frozen=True)
class AeOptions:
    """Everything the AE tables and listings need to know about the ADaM at hand."""

    treatment: str = "TRT01A"
    population: str | None = "SAFFL"
    teae_flag: str | None = "TRTEMFL"
    levels: tuple[str, ...] | None = None
    total: bool = True
    soc: str = "AEBODSYS"
    pt: str = "AEDECOD"
    sort: str = "frequency"
    grade: GradeScale | tuple[GradeScale, ...] | None = DEFAULT_GRADES
    related: Criterion | None = DEFAULT_RELATED
    serious: Criterion | None = DEFAULT_SERIOUS
    fatal: tuple[Criterion, ...] = DEFAULT_FATAL
    dlt: Criterion | None = DEFAULT_DLT
    discontinuation: Criterion | None = DEFAULT_DISCONTINUATION
    onset: str = "ASTDT"
    exposure_start: str = "TRTSDT"
    exposure_end: tuple[str, ...] = DEFAULT_EXPOSURE_END
    exposure_end_explicit: bool = False
    conf: float = 0.95
    dictionaries: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.sort not in ("frequency", "alpha"):
            raise UserError(f"options: sort must be frequency or alpha, not {self.sort!r}")
        if not 0 < self.conf < 1:
            raise UserError(f"options: confidence level must be between 0 and 1, not {self.conf}")

    def resolve(self, adsl: pd.DataFrame, adae: pd.DataFrame) -> "AeOptions":
        """Drop defaulted criteria the data lack (noting it); keep explicit ones (checked later)."""
        notes = list(self.notes)

        def keep(c: Criterion | None, what: str) -> Criterion | None:
            if c is None or c.explicit or c.variable in adae.columns:
                return c
            notes.append(f"ADAE has no {c.variable}: {what} not summarised.")
            return None

        grade = self.grade
        if isinstance(grade, tuple):
            present = [g for g in grade if g.variable in adae.columns]
            grade = present[0] if present else None
            if grade is None:
                notes.append(f"ADAE has no {' or '.join(g.variable for g in self.grade)}: grades not summarised.")
        elif grade is not None and not grade.explicit and grade.variable not in adae.columns:
            notes.append(f"ADAE has no {grade.variable}: grades not summarised.")
            grade = None
        fatal = tuple(c for c in self.fatal if c.explicit or c.variable in adae.columns)
        if self.fatal and not fatal:
            notes.append("ADAE has none of " + ", ".join(c.variable for c in self.fatal)
                         + ": fatal events not summarised.")
        end = self.exposure_end
        if not self.exposure_end_explicit:
            present = [v for v in end if v in adsl.columns]
            end = tuple(present[:1]) or end[:1]
        return replace(self, grade=grade, related=keep(self.related, "relatedness"),
                       serious=keep(self.serious, "seriousness"), fatal=fatal,
                       dlt=keep(self.dlt, "dose-limiting toxicities"),
                       discontinuation=keep(self.discontinuation, "discontinuation"),
                       exposure_end=end, exposure_end_explicit=True, notes=tuple(notes))


def _criterion(entry: Any, key: str, source: str) -> Criterion | None:
    if entry is None:
        return None
    if not isinstance(entry, dict) or "variable" not in entry or not entry.get("values"):
        raise UserError(f"{source}: {key} needs 'variable' and a non-empty 'values' list")
    return Criterion(str(entry["variable"]), tuple(str(v) for v in entry["values"]),
                     bool(entry.get("missing_counts", False)))


def options_from_spec(spec: dict | str | Path) -> AeOptions:
    """AeOptions from a safety spec (a mapping, or the path of its YAML file).

    >>> o = options_from_spec({"treatment": "TRT01A", "related": {"variable": "AREL",
    ...                        "values": ["RELATED"]}, "grade": None})
    >>> o.related.describe(), o.grade
    ('AREL in (RELATED)', None)
    """
    source = "safety spec"
    if not isinstance(spec, dict):
        from analysis.specs import read_yaml

        source = str(spec)
        spec = read_yaml(Path(spec))
        if not isinstance(spec, dict):
            raise UserError(f"{source}: expected a mapping of options")
    known = {"treatment", "population", "teae_flag", "levels", "total", "soc", "pt", "sort", "grade",
             "related", "serious", "fatal", "dlt", "discontinuation", "exposure", "conf", "dictionaries"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise UserError(f"{source}: unknown option(s) {', '.join(unknown)}")
    kw: dict[str, Any] = {k: spec[k] for k in ("treatment", "population", "teae_flag", "total", "soc",
                                               "pt", "sort", "conf", "dictionaries") if k in spec}
    if spec.get("levels") is not None:
        kw["levels"] = tuple(str(v) for v in spec["levels"])
    if "grade" in spec:
        g = spec["grade"]
        if g is not None:
            if not isinstance(g, dict) or not {"variable", "levels", "high_from"} <= set(g):
                raise UserError(f"{source}: grade needs variable, levels and high_from")
            levels = tuple(str(v) for v in g["levels"])
            if str(g["high_from"]) not in levels:
                raise UserError(f"{source}: grade high_from {g['high_from']} is not one of its levels")
            g = GradeScale(str(g["variable"]), levels, str(g["high_from"]), str(g.get("prefix", "")),
                           str(g.get("name", "grade")))
        kw["grade"] = g
    for key in ("related", "serious", "dlt", "discontinuation"):
        if key in spec:
            kw[key] = _criterion(spec[key], key, source)
    if "fatal" in spec:
        kw["fatal"] = tuple(_criterion(e, "fatal", source) for e in (spec["fatal"] or []))
    if "exposure" in spec:
        exp = spec["exposure"] or {}
        end = exp.get("end", list(DEFAULT_EXPOSURE_END))
        kw.update(onset=str(exp.get("onset", "ASTDT")), exposure_start=str(exp.get("start", "TRTSDT")),
                  exposure_end=tuple(str(v) for v in ([end] if isinstance(end, str) else end)),
                  exposure_end_explicit=True)
    return AeOptions(**kw)
