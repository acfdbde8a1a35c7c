"""Analysis results data (ARD): one long row per statistic, the contract between the analyses
and everything that renders or checks them (architecture.md; in the spirit of CDISC's Analysis
Results Standard and the pharmaverse `cards` package).

Columns, in order:

- ``analysis_id``: the output the statistic belongs to (e.g. ``ae_soc_pt``).
- ``group1``/``group1_level``, ``group2``/``group2_level``: grouping variables and their levels,
  e.g. ``TRT01A`` / ``UC-MSC 1x10^6 cells/kg``; ``""`` when unused. The total column of a table
  has ``group1_level == "Total"``.
- ``variable``/``variable_level``: what is summarised and which of its values, e.g.
  ``AEDECOD`` / ``Ascites`` (hierarchies use ``group2`` for the parent, e.g. ``AEBODSYS``).
- ``stat_name``: a short machine name (``n``, ``N``, ``p``, ``events``, ``mean``, ``ci_lower``...).
  ``p`` is always a proportion (0-1), never a percentage; displays multiply by 100.
- ``stat_label``: a human label (``n``, ``%``, ``95% CI lower``...).
- ``stat``: the value. Numbers are written at full precision (shortest round-trip repr), so the
  CSV can be checked by machine; text statistics (e.g. a dose-finding decision) stay text.

Example:

>>> rows = ArdRows("demo")
>>> rows.add("n", 3, group1="TRT01A", group1_level="A", variable="SEX", variable_level="F")
>>> rows.add("p", 0.5, group1="TRT01A", group1_level="A", variable="SEX", variable_level="F")
>>> frame = rows.frame()
>>> frame[["group1_level", "variable_level", "stat_name", "stat"]].values.tolist()
[['A', 'F', 'n', '3'], ['A', 'F', 'p', '0.5']]
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ARD_COLUMNS = ["analysis_id", "group1", "group1_level", "group2", "group2_level", "variable",
               "variable_level", "stat_name", "stat_label", "stat"]

DEFAULT_LABELS = {"n": "n", "N": "N", "p": "proportion", "events": "Events", "mean": "Mean", "sd": "SD",
                  "median": "Median", "q1": "Q1", "q3": "Q3", "min": "Min", "max": "Max",
                  "ci_lower": "95% CI lower", "ci_upper": "95% CI upper", "rate": "Rate"}


def format_stat(value: Any) -> str:
    """Full-precision, platform-independent text for one statistic; missing -> ``""``.

    >>> format_stat(3), format_stat(np.int64(3)), format_stat(1 / 3), format_stat(2.0), format_stat(None)
    ('3', '3', '0.3333333333333333', '2', '')
    >>> format_stat(float("nan")), format_stat("escalate"), format_stat(True)
    ('', 'escalate', 'true')
    """
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


class ArdRows:
    """Collects ARD rows for one analysis; ``frame()`` returns them in insertion order."""

    def __init__(self, analysis_id: str):
        self.analysis_id = analysis_id
        self._rows: list[tuple] = []

    def add(self, stat_name: str, value: Any, *, group1: str = "", group1_level: Any = "",
            group2: str = "", group2_level: Any = "", variable: str = "", variable_level: Any = "",
            stat_label: str | None = None) -> None:
        label = DEFAULT_LABELS.get(stat_name, stat_name) if stat_label is None else stat_label
        self._rows.append((self.analysis_id, group1, format_stat(group1_level), group2,
                           format_stat(group2_level), variable, format_stat(variable_level),
                           stat_name, label, format_stat(value)))

    def extend(self, other: "ArdRows") -> None:
        self._rows.extend(other._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=ARD_COLUMNS, dtype=object)


@dataclass
class TableResult:
    """A summary table: the display (strings; first column(s) are row labels, the rest are
    columns such as ``"UC-MSC 1x10^6 cells/kg (N=6)"``) and the ARD behind every number."""

    analysis_id: str
    title: str
    table: pd.DataFrame
    ard: pd.DataFrame
    footnotes: list[str] = field(default_factory=list)
    population: str = ""


@dataclass
class ListingResult:
    """A listing: one row per record, columns already labelled for display; no statistics."""

    analysis_id: str
    title: str
    table: pd.DataFrame
    footnotes: list[str] = field(default_factory=list)
    population: str = ""


@dataclass
class FigureResult:
    """A figure saved by the analysis; ``files`` are the paths written (PNG and SVG/PDF)."""

    analysis_id: str
    title: str
    files: list[Path]
    ard: pd.DataFrame | None = None
    footnotes: list[str] = field(default_factory=list)


def read_ard(path: str | Path) -> pd.DataFrame:
    """Read an ARD CSV back with every column as text (``""`` for empty), as written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_csv_atomic(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV with LF line ends through a temporary file, so no partial file is left."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path
