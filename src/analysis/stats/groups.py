"""Populations, treatment groups and display formats shared by the summary tables.

These helpers are generic over ADaM: they take the treatment variable and the population flag
as arguments, and denominators always come from ADSL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.errors import UserError

TOTAL = "Total"

# Occurrence datasets carry the period-free names; ADSL carries the period-01 names.
_ADSL_EQUIVALENT = {"TRTA": "TRT01A", "TRTP": "TRT01P", "TRTAN": "TRT01AN", "TRTPN": "TRT01PN"}


def require(df: pd.DataFrame, columns: list[str], dataset: str) -> None:
    """Raise a one-line UserError naming the dataset and the missing columns."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{dataset}: required variable(s) missing: {', '.join(missing)}")


def adsl_treatment_variable(adsl: pd.DataFrame, treatment: str) -> str:
    """The ADSL variable that holds `treatment`: itself, or TRT01A for TRTA (single period).

    >>> adsl_treatment_variable(pd.DataFrame(columns=["USUBJID", "TRT01A"]), "TRTA")
    'TRT01A'
    """
    if treatment in adsl.columns:
        return treatment
    alt = _ADSL_EQUIVALENT.get(treatment)
    if alt and alt in adsl.columns:
        return alt
    raise UserError(f"ADSL: treatment variable {treatment} not found"
                    + (f" (nor {alt})" if alt else ""))


@dataclass(frozen=True)
class Groups:
    """The analysis population split by treatment: `subjects` is ADSL restricted to the
    population with a `_GROUP` column; `levels` are the groups in display order; `n` the big N."""

    subjects: pd.DataFrame
    treatment: str
    levels: list[str]
    n: dict[str, int]
    population: str
    total: bool

    def columns(self) -> list[str]:
        """Group levels in display order, with "Total" last when requested."""
        return self.levels + ([TOTAL] if self.total else [])

    def header(self, level: str) -> str:
        return f"{level} (N={self.n[level]})"

    def members(self, level: str) -> pd.Series:
        """Boolean mask over `subjects` for one column (Total = everyone)."""
        if level == TOTAL:
            return pd.Series(True, index=self.subjects.index)
        return self.subjects["_GROUP"] == level


def analysis_groups(adsl: pd.DataFrame, treatment: str, population: str | None = "SAFFL",
                    levels: list[str] | None = None, total: bool = True) -> Groups:
    """Split ADSL's `population` (flag == "Y") by `treatment`.

    Levels are ordered by the numeric companion (e.g. TRT01AN) when ADSL has it, else
    alphabetically. Explicit `levels` keep their order and may include empty groups (N=0).
    Subjects in the population with a blank treatment are an error: they would vanish silently.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01A": ["B", "A", "B"],
    ...                      "TRT01AN": [2, 1, 2], "SAFFL": ["Y", "Y", "N"]})
    >>> g = analysis_groups(adsl, "TRTA")
    >>> g.levels, g.n
    (['A', 'B'], {'A': 1, 'B': 1, 'Total': 2})
    """
    var = adsl_treatment_variable(adsl, treatment)
    require(adsl, ["USUBJID", var] + ([population] if population else []), "ADSL")
    subjects = adsl if not population else adsl[adsl[population].astype(str).str.strip() == "Y"]
    subjects = subjects.copy()
    subjects["_GROUP"] = subjects[var].astype(str).str.strip()
    blank = subjects["_GROUP"].isin(["", "nan", "None"])
    if blank.any():
        ids = ", ".join(subjects.loc[blank, "USUBJID"].astype(str).head(5))
        raise UserError(f"ADSL: {int(blank.sum())} subject(s) in {population or 'the population'} have no "
                        f"{var} (e.g. {ids}); every analysed subject needs a treatment group")
    if subjects["USUBJID"].duplicated().any():
        raise UserError("ADSL: USUBJID is not unique")
    found = list(subjects["_GROUP"].unique())
    if levels is None:
        numeric = var + "N"
        if numeric in subjects.columns:
            order = subjects.groupby("_GROUP")[numeric].min()
            levels = sorted(found, key=lambda lv: (order.get(lv, math.inf), lv))
        else:
            levels = sorted(found)
    else:
        unknown = sorted(set(found) - set(levels))
        if unknown:
            raise UserError(f"ADSL: {var} value(s) {', '.join(unknown)} not among the requested levels")
    n = {lv: int((subjects["_GROUP"] == lv).sum()) for lv in levels}
    if total:
        n[TOTAL] = len(subjects)
    return Groups(subjects, var, list(levels), n, population or "", total)


def fmt_n_pct(n: int, denominator: int, digits: int = 1) -> str:
    """``n (pct)`` as in a safety table; ``0`` alone when n is 0 or the group is empty.

    >>> fmt_n_pct(3, 6), fmt_n_pct(0, 6), fmt_n_pct(0, 0), fmt_n_pct(1, 3)
    ('3 (50.0)', '0', '0', '1 (33.3)')
    """
    if n == 0 or denominator == 0:
        return "0"
    return f"{n} ({fmt_num(100 * n / denominator, digits)})"


def fmt_num(value: float, digits: int) -> str:
    """Round half away from zero (as SAS does), then format; blank for missing, NE (not
    estimable) for an infinite value such as the limit of a CI with no information.

    >>> fmt_num(2.25, 1), fmt_num(-2.25, 1), fmt_num(float("nan"), 1), fmt_num(12.5, 0)
    ('2.3', '-2.3', '', '13')
    >>> fmt_num(float("inf"), 2), fmt_num(1e30, 1)
    ('NE', '1000000000000000000000000000000.0')
    """
    from decimal import ROUND_HALF_UP, Context, Decimal

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if math.isinf(float(value)):
        return "NE"
    q = Decimal(1).scaleb(-digits)
    # enough digits for any finite double (the default 28 fail above ~1e27)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP, context=Context(prec=400)))


def pct(n: int, denominator: int) -> float:
    """Percentage, nan for an empty denominator."""
    return math.nan if denominator == 0 else 100.0 * n / denominator
