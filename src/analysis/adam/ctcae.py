"""CTCAE v5.0 lab toxicity grades for ADLB (admiral `derive_var_atoxgr_dir`, `derive_var_base`,
`derive_var_shift`), driven by the criteria in specs/adam/ctcae_v5.yaml.

The criteria are data: each grade is a comparison of AVAL with an absolute value or a multiple
of ANRHI (ULN), ANRLO (LLN) or BASE. Nothing in the spec is evaluated as code.

Grading rules (the YAML header states them too):

* The grade is the highest grade whose criterion holds, else "0" (grades are cumulative lower
  edges, as admiral's `case_when` from grade 4 down). Grades are character, "0".."4"; "" when
  the parameter has no term in that direction, AVAL is missing, or a limit that decides the
  grade is missing (e.g. ALT without ANRHI; platelets without ANRLO unless the value is below
  an absolute cut-off, which settles the grade on its own).
* Both sides of every comparison are rounded to `signif_digits` significant digits (admiral
  `signif_dig`), so 3 x 1.1 = 3.3000000000000003 compares equal to 3.3.
* Baseline abnormal = BNRIND in `high_indicator` ("HIGH"); then the term's
  `grades_baseline_abnormal` apply (multiples of BASE). Missing baseline -> default criteria.
  Boundaries follow the CTCAE text literally, so the baseline-abnormal grade 1 is >= 1.5 x BL
  (ALT/AST) and >= 2.0 x BL (ALP and GGT alike); bilirubin is > 1.0 x BL.
* Caveat (admiral issue #2512): with an abnormal baseline, the baseline record itself is
  graded against its own value, so its grade is "0" for ALT/AST/ALP/GGT/bilirubin. Shift tables
  for these terms may prefer BNRIND as the baseline category.
* Alternatives (`any`, creatinine grades 2-3): the grade holds when any alternative holds; an
  alternative whose limit is missing (BASE missing) is ignored when another can be evaluated.
* INR: `grades_anticoagulated` (multiples of BASE) replace the absolute criteria only where
  `anticoag_var` is "Y"; without that column every record uses the absolute criteria.
* Values below the LLOQ (`blq_var` == "Y"; AVAL is imputed, e.g. LLOQ/2): a reported "<x" is
  never graded upward in severity.
  - direction H: grade "0" when AVAL <= ANRHI (domain reference 7.4), otherwise "" (the true
    value lies anywhere below the unreported limit, so no grade can be affirmed);
  - direction L: always "" because the true value lies between 0 and the limit, and AVAL may
    be imputed below that limit, so grading AVAL could overstate the grade and the limit itself
    is not available to grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.adam.derive.checks import fresh
from analysis.errors import SpecError

OPS = {"gt": np.greater, "ge": np.greater_equal, "lt": np.less, "le": np.less_equal}
OPS_BY_DIRECTION = {"H": ("gt", "ge"), "L": ("lt", "le")}
# Bound kind -> the input column it multiplies (None: the factor is the absolute value).
BOUND_LIMIT = {"value": None, "uln": "ANRHI", "lln": "ANRLO", "base": "BASE"}
GRADE_SETS = ("grades", "grades_baseline_abnormal", "grades_anticoagulated")
TERM_KEYS = {"term", "direction", "paramcd", "unit", *GRADE_SETS}
REQUIRED_VARS = ("PARAMCD", "AVAL", "ANRLO", "ANRHI", "BASE", "BNRIND")
OUTPUT_VARS = {"H": ("ATOXDSCH", "ATOXGRH"), "L": ("ATOXDSCL", "ATOXGRL")}


@dataclass(frozen=True)
class Bound:
    """AVAL <op> factor x limit (limit = ANRHI/ANRLO/BASE), or AVAL <op> factor for kind "value"."""

    op: str
    kind: str
    factor: float


@dataclass(frozen=True)
class Grade:
    """A grade and its criterion: it holds when any of the alternatives holds."""

    grade: int
    alternatives: tuple[Bound, ...]


@dataclass(frozen=True)
class Term:
    name: str
    direction: str
    paramcds: tuple[str, ...]
    unit: str | None
    grades: tuple[Grade, ...]
    grades_baseline_abnormal: tuple[Grade, ...] = ()
    grades_anticoagulated: tuple[Grade, ...] = ()


@dataclass(frozen=True)
class CtcaeCriteria:
    terms: tuple[Term, ...]
    signif_digits: int

    def term_for(self, paramcd: str, direction: str) -> Term | None:
        """The term grading `paramcd` in `direction`, or None (e.g. CHE)."""
        return next((t for t in self.terms if t.direction == direction and paramcd in t.paramcds), None)


# ---------------------------------------------------------------------------------------------
# Reading and checking the spec


def load_ctcae_criteria(path: str | Path) -> CtcaeCriteria:
    """Read and check the CTCAE criteria YAML (yaml.safe_load; nothing is evaluated).

    SpecError names the term and field for a malformed entry: unknown keys or bound kinds,
    a missing or invalid direction, grades not in 1..4 ascending, an operator that does not fit
    the direction (gt/ge for H, lt/le for L), an absolute cut-off without a unit, or a PARAMCD
    graded by two terms in the same direction.

    >>> c = load_ctcae_criteria("specs/adam/ctcae_v5.yaml")  # doctest: +SKIP
    >>> c.term_for("ALT", "H").grades[1]  # doctest: +SKIP
    Grade(grade=2, alternatives=(Bound(op='gt', kind='uln', factor=3.0),))
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read CTCAE criteria: {exc}") from None
    return parse_ctcae_criteria(doc, where=str(path))


def parse_ctcae_criteria(doc: Any, where: str = "CTCAE criteria") -> CtcaeCriteria:
    """Check an already-parsed criteria document (see `load_ctcae_criteria`).

    >>> doc = {"signif_digits": 8, "terms": [{"term": "Anemia", "direction": "L",
    ...        "paramcd": ["HGB"], "unit": "g/L", "grades": [{"grade": 1, "lt": {"lln": 1}}]}]}
    >>> parse_ctcae_criteria(doc).term_for("HGB", "L").name
    'Anemia'
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("terms"), list) or not doc["terms"]:
        raise SpecError(f"{where}: needs a non-empty list `terms`")
    digits = doc.get("signif_digits")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
        raise SpecError(f"{where}: signif_digits must be an integer 1..15, got {digits!r}")
    terms = tuple(_parse_term(entry, i, where) for i, entry in enumerate(doc["terms"], start=1))
    _check_unique(terms, where)
    return CtcaeCriteria(terms=terms, signif_digits=digits)


def _parse_term(entry: Any, i: int, where: str) -> Term:
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: terms[{i}] must be a mapping")
    name = entry.get("term")
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{where}: terms[{i}]: missing `term` (the CTCAE term text)")
    at = f"{where}: term {name!r}"
    unknown = set(entry) - TERM_KEYS
    if unknown:
        raise SpecError(f"{at}: unknown field(s) {sorted(unknown)}; allowed: {sorted(TERM_KEYS)}")
    direction = entry.get("direction")
    if direction not in OPS_BY_DIRECTION:
        raise SpecError(f"{at}: field `direction` must be H or L, got {direction!r}")
    paramcds = entry.get("paramcd")
    if not isinstance(paramcds, list) or not paramcds or not all(isinstance(p, str) and p for p in paramcds):
        raise SpecError(f"{at}: field `paramcd` must be a non-empty list of PARAMCDs")
    unit = entry.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit):
        raise SpecError(f"{at}: field `unit` must be a unit string or null, got {unit!r}")
    if "grades" not in entry:
        raise SpecError(f"{at}: missing field `grades`")
    if "grades_baseline_abnormal" in entry and "grades_anticoagulated" in entry:
        # Which set wins for a record that is both would be arbitrary: keep one per term.
        raise SpecError(f"{at}: give either grades_baseline_abnormal or grades_anticoagulated, not both")
    sets = {key: _parse_grades(entry[key], direction, f"{at}, field `{key}`")
            for key in GRADE_SETS if key in entry}
    absolute = any(b.kind == "value" for gs in sets.values() for g in gs for b in g.alternatives)
    if absolute and unit is None:
        raise SpecError(f"{at}: field `unit` is needed because the term has absolute ({{value: x}}) cut-offs")
    return Term(name=name, direction=direction, paramcds=tuple(paramcds), unit=unit, **sets)


def _parse_grades(items: Any, direction: str, at: str) -> tuple[Grade, ...]:
    if not isinstance(items, list) or not items:
        raise SpecError(f"{at}: must be a non-empty list of {{grade: n, <op>: <bound>}}")
    grades: list[Grade] = []
    for item in items:
        if not isinstance(item, dict) or "grade" not in item:
            raise SpecError(f"{at}: each entry needs `grade`, got {item!r}")
        g = item["grade"]
        if isinstance(g, bool) or not isinstance(g, int) or not 1 <= g <= 4:
            raise SpecError(f"{at}: grade must be an integer 1..4, got {g!r}")
        if grades and g <= grades[-1].grade:
            raise SpecError(f"{at}: grades must be ascending 1..4 without repeats, got {g} after {grades[-1].grade}")
        rest = {k: v for k, v in item.items() if k != "grade"}
        if len(rest) != 1:
            raise SpecError(f"{at}, grade {g}: needs exactly one of {sorted(OPS)} or `any`, got {sorted(rest)}")
        (key, value), = rest.items()
        if key == "any":
            if not isinstance(value, list) or len(value) < 2:
                raise SpecError(f"{at}, grade {g}: `any` needs a list of at least two criteria")
            alternatives = tuple(_parse_comparison(v, direction, f"{at}, grade {g}") for v in value)
        else:
            alternatives = (_parse_comparison({key: value}, direction, f"{at}, grade {g}"),)
        grades.append(Grade(grade=g, alternatives=alternatives))
    return tuple(grades)


def _parse_comparison(item: Any, direction: str, at: str) -> Bound:
    if not isinstance(item, dict) or len(item) != 1:
        raise SpecError(f"{at}: a criterion is one {{<op>: <bound>}} mapping, got {item!r}")
    (op, bound), = item.items()
    if op not in OPS:
        raise SpecError(f"{at}: unknown operator {op!r}; allowed: {sorted(OPS)}")
    if op not in OPS_BY_DIRECTION[direction]:
        # An L term with gt (or H with lt) is almost certainly a typo, and the cascade from
        # the highest grade down would silently misgrade.
        raise SpecError(f"{at}: operator {op!r} does not fit direction {direction} "
                        f"(use {' or '.join(OPS_BY_DIRECTION[direction])})")
    if not isinstance(bound, dict) or len(bound) != 1:
        raise SpecError(f"{at}: a bound is one of {{value|uln|lln|base: x}}, got {bound!r}")
    (kind, factor), = bound.items()
    if kind not in BOUND_LIMIT:
        raise SpecError(f"{at}: unknown bound kind {kind!r}; allowed: {sorted(BOUND_LIMIT)}")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not np.isfinite(factor) or factor <= 0:
        raise SpecError(f"{at}: bound {kind} needs a positive number, got {factor!r}")
    return Bound(op=op, kind=kind, factor=float(factor))


def _check_unique(terms: tuple[Term, ...], where: str) -> None:
    names: set[str] = set()
    graded: dict[tuple[str, str], str] = {}
    for t in terms:
        if t.name in names:
            raise SpecError(f"{where}: term {t.name!r} appears twice")
        names.add(t.name)
        for p in t.paramcds:
            other = graded.setdefault((p, t.direction), t.name)
            if other != t.name:
                raise SpecError(f"{where}: term {t.name!r}: PARAMCD {p} is already graded in "
                                f"direction {t.direction} by {other!r}")


# ---------------------------------------------------------------------------------------------
# Grading


def signif(x: Any, digits: int) -> np.ndarray:
    """Round to `digits` significant digits (R `signif`), vectorised; NaN/0/inf unchanged.

    Scaling goes by an exact power of ten (multiply for small numbers, divide for large) so
    the result is the double nearest the rounded decimal.

    >>> [float(v) for v in signif([3 * 1.1, 1.2 * 1.5, 123456789.0, 0.0], 8)]
    [3.3, 1.8, 123456790.0, 0.0]
    """
    x = np.asarray(x, dtype=float)
    out = fresh(x)
    ok = np.isfinite(x) & (x != 0)
    v = x[ok]
    e = digits - 1 - np.floor(np.log10(np.abs(v)))
    scale = 10.0 ** np.abs(e)
    out[ok] = np.where(e >= 0, np.round(v * scale) / scale, np.round(v / scale) * scale)
    return out


def derive_var_atoxgr_dir(
    df: pd.DataFrame,
    criteria: CtcaeCriteria | str | Path,
    direction: str,
    *,
    blq_var: str | None = "BLQFL",
    anticoag_var: str | None = None,
    unit_var: str | None = None,
    high_indicator: Iterable[str] = ("HIGH",),
) -> pd.DataFrame:
    """Add the CTCAE term and grade in one direction: ATOXDSCH/ATOXGRH ("H") or ATOXDSCL/ATOXGRL ("L").

    Required columns: PARAMCD, AVAL, ANRLO, ANRHI (same unit as AVAL), BASE, BNRIND.
    Optional: `blq_var` (below-LLOQ flag "Y"/"", used when present), `anticoag_var` (record on
    an anticoagulant "Y"/"", selects the INR anticoagulation criteria; must exist when named),
    `unit_var` (when named, every graded record's unit must equal the term's `unit`).
    Existing output columns are replaced. See the module docstring for the rules
    (cascade, rounding, baseline abnormal, alternatives, BLQ).

    >>> crit = parse_ctcae_criteria({"signif_digits": 8, "terms": [{"term": "ALT increased",
    ...     "direction": "H", "paramcd": ["ALT"], "grades": [{"grade": 1, "gt": {"uln": 1}},
    ...     {"grade": 2, "gt": {"uln": 3}}]}]})
    >>> df = pd.DataFrame({"PARAMCD": ["ALT", "ALT", "CHE"], "AVAL": [120.0, 121.0, 5.0],
    ...     "ANRLO": 7.0, "ANRHI": 40.0, "BASE": 30.0, "BNRIND": "NORMAL"})
    >>> derive_var_atoxgr_dir(df, crit, "H")["ATOXGRH"].tolist()
    ['1', '2', '']
    """
    if direction not in OUTPUT_VARS:
        raise ValueError(f"direction must be 'H' or 'L', got {direction!r}")
    _check_vars(df, [*REQUIRED_VARS, *(v for v in (anticoag_var, unit_var) if v)])
    if not isinstance(criteria, CtcaeCriteria):
        criteria = load_ctcae_criteria(criteria)
    digits = criteria.signif_digits
    desc_var, grade_var = OUTPUT_VARS[direction]

    n = len(df)
    paramcd = df["PARAMCD"].astype(object).fillna("").astype(str).to_numpy()  # categorical-safe
    aval = signif(_floats(df, "AVAL"), digits)
    limits = {kind: _floats(df, var) for kind, var in BOUND_LIMIT.items() if var}
    abnormal = df["BNRIND"].isin(list(high_indicator)).to_numpy()
    anticoag = df[anticoag_var].eq("Y").to_numpy() if anticoag_var else np.zeros(n, dtype=bool)

    desc = np.full(n, "", dtype=object)
    grade = np.full(n, "", dtype=object)
    for term in (t for t in criteria.terms if t.direction == direction):
        rows = np.isin(paramcd, term.paramcds)
        if not rows.any():
            continue
        if unit_var:
            _check_unit(df, rows, aval, term, unit_var)
        desc[rows] = term.name
        for grades, when in _grade_sets(term, abnormal, anticoag):
            sel = rows & when
            if sel.any():
                grade[sel] = _grade_cascade(grades, aval[sel], {k: v[sel] for k, v in limits.items()}, digits)
        grade[rows & np.isnan(aval)] = ""

    if blq_var and blq_var in df.columns:
        graded = desc != ""
        blq = graded & df[blq_var].eq("Y").to_numpy()
        grade[blq] = _blq_grade(direction, aval[blq], signif(limits["uln"][blq], digits))

    out = fresh(df)
    out[desc_var] = desc
    out[grade_var] = grade
    return out


def _grade_sets(term: Term, abnormal: np.ndarray, anticoag: np.ndarray) -> list[tuple[tuple[Grade, ...], np.ndarray]]:
    """(criteria, rows they apply to): the alternative set where its condition holds, the
    default set elsewhere. A term has at most one alternative set (checked on load)."""
    if term.grades_baseline_abnormal:
        return [(term.grades, ~abnormal), (term.grades_baseline_abnormal, abnormal)]
    if term.grades_anticoagulated:
        return [(term.grades, ~anticoag), (term.grades_anticoagulated, anticoag)]
    return [(term.grades, np.ones_like(abnormal, dtype=bool))]


def _grade_cascade(grades: tuple[Grade, ...], aval: np.ndarray, limits: dict[str, np.ndarray],
                   digits: int) -> np.ndarray:
    """Walk from the highest grade down: the first grade that holds is the grade; a grade that
    cannot be decided (its limit missing) before that makes the result "" (it might hold)."""
    out = np.full(len(aval), "0", dtype=object)
    decided = np.zeros(len(aval), dtype=bool)
    for g in reversed(grades):
        holds, unknown = _criterion(g.alternatives, aval, limits, digits)
        out[~decided & holds] = str(g.grade)
        out[~decided & ~holds & unknown] = ""
        decided |= holds | unknown
    return out


def _criterion(alternatives: tuple[Bound, ...], aval: np.ndarray, limits: dict[str, np.ndarray],
               digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(holds, unknown) per row: holds if any evaluable alternative holds; unknown if none of
    the alternatives can be evaluated (every limit they need is missing)."""
    holds = np.zeros(len(aval), dtype=bool)
    evaluable = np.zeros(len(aval), dtype=bool)
    for b in alternatives:
        limit = np.full(len(aval), b.factor) if b.kind == "value" else b.factor * limits[b.kind]
        cut = signif(limit, digits)
        ok = ~np.isnan(cut)
        with np.errstate(invalid="ignore"):
            holds |= ok & OPS[b.op](aval, cut)
        evaluable |= ok
    return holds, ~evaluable


def _blq_grade(direction: str, aval: np.ndarray, uln: np.ndarray) -> np.ndarray:
    """Grade of below-LLOQ records: H -> "0" when AVAL <= ULN, else ""; L -> "" (see module doc)."""
    if direction == "L":
        return np.full(len(aval), "", dtype=object)
    with np.errstate(invalid="ignore"):
        return np.where(aval <= uln, "0", "").astype(object)


def _check_unit(df: pd.DataFrame, rows: np.ndarray, aval: np.ndarray, term: Term, unit_var: str) -> None:
    if term.unit is None:
        return
    units = df[unit_var].fillna("").astype(str).to_numpy()
    bad = rows & ~np.isnan(aval) & (units != term.unit)
    if bad.any():
        found = sorted(set(units[bad]))
        raise ValueError(f"{term.name!r} cut-offs are in {term.unit}, but {unit_var} has {found} "
                         f"for PARAMCD {sorted(set(df['PARAMCD'].to_numpy()[bad]))}")


# ---------------------------------------------------------------------------------------------
# Baseline grade and shift


def derive_var_btoxgr(df: pd.DataFrame, by: Sequence[str] = ("USUBJID", "PARAMCD"),
                      baseline_flag: str = "ABLFL") -> pd.DataFrame:
    """Add BTOXGRH/BTOXGRL: the baseline record's ATOXGRH/ATOXGRL on every record of its `by`
    group (admiral `derive_var_base`); "" where the group has no baseline record. Needs at
    least one of ATOXGRH/ATOXGRL; ValueError if a group has two baseline records.

    >>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "ALT",
    ...     "ABLFL": ["Y", "", ""], "ATOXGRH": ["1", "3", "2"]})
    >>> derive_var_btoxgr(df)["BTOXGRH"].tolist()
    ['1', '1', '']
    """
    by = list(by)
    _check_vars(df, [*by, baseline_flag])
    sources = [v for v in ("ATOXGRH", "ATOXGRL") if v in df.columns]
    if not sources:
        raise ValueError("derive_var_btoxgr needs column ATOXGRH or ATOXGRL; neither is present")
    targets = {s: "B" + s[1:] for s in sources}
    base = df.loc[df[baseline_flag].eq("Y"), by + sources]
    dup = base.duplicated(by, keep=False)
    if dup.any():
        first = base.loc[dup, by].iloc[0].tolist()
        raise ValueError(f"more than one baseline record ({baseline_flag} = 'Y') for {dict(zip(by, first))}")
    merged = df[by].merge(base.rename(columns=targets), on=by, how="left", validate="m:1")
    out = df.drop(columns=[t for t in targets.values() if t in df.columns])
    for t in targets.values():
        out[t] = merged[t].fillna("").to_numpy(dtype=object)
    return out


def derive_var_shift(df: pd.DataFrame, from_var: str, to_var: str, new_var: str,
                     sep: str = " to ") -> pd.DataFrame:
    """Add `new_var` = "<from> to <to>" (e.g. SHIFT1 = "0 to 2"); "" when either side is
    missing or blank.

    >>> df = pd.DataFrame({"BTOXGRH": ["0", "", "1"], "ATOXGRH": ["2", "1", None]})
    >>> derive_var_shift(df, "BTOXGRH", "ATOXGRH", "SHIFT1")["SHIFT1"].tolist()
    ['0 to 2', '', '']
    """
    _check_vars(df, [from_var, to_var])
    a = df[from_var].fillna("").astype(str)
    b = df[to_var].fillna("").astype(str)
    out = fresh(df)
    out[new_var] = np.where((a != "") & (b != ""), a + sep + b, "").astype(object)
    return out


# ---------------------------------------------------------------------------------------------
# Helpers


def _check_vars(df: pd.DataFrame, names: Iterable[str]) -> None:
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise ValueError(f"required column(s) missing: {', '.join(missing)}")


def _floats(df: pd.DataFrame, var: str) -> np.ndarray:
    try:
        return pd.to_numeric(df[var], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column {var} must be numeric (NaN for missing): {exc}") from None
