"""What every rendered table or listing shows, whatever the format: the run context, the title
block, the column labels, the source line; plus atomic text writing.

The RTF and HTML renderers only decide how these look. A run is identified by the data cutoff and
the code version, never by a wall-clock time, so rendering the same result twice gives the same bytes.

>>> import pandas as pd
>>> from analysis.ard import ListingResult
>>> ctx = RenderContext("NCT05948982", "2025-06-30", "analysis safety-listings", "0.1.0", "16.2.7.1")
>>> res = ListingResult("l_deaths", "Deaths", pd.DataFrame({"Subject": ["01-003"]}), population='SAFFL = "Y"')
>>> title_lines(res, ctx)
['Listing 16.2.7.1', 'Deaths', 'Population: SAFFL = "Y"']
>>> source_line(res, ctx)
'Program: analysis safety-listings; output l_deaths; data cutoff 2025-06-30; code version 0.1.0'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.ard import ListingResult, TableResult
from analysis.errors import UserError

NO_RECORDS = "No records to report."
_N_HEADER = re.compile(r"^(?P<label>.*\S)\s+(?P<n>\(N\s*=\s*\d+\))$")


@dataclass(frozen=True)
class RenderContext:
    """Run facts printed on every page.

    ``data_cutoff`` and ``code_version`` identify the run (no clock time is printed);
    ``output_number`` (e.g. ``"14.3.1.1"``) prefixes the title when given.
    """

    study_id: str
    data_cutoff: str
    program: str
    code_version: str
    output_number: str = ""

    def check(self) -> RenderContext:
        """Raise UserError if a required field is blank; returns self."""
        for name in ("study_id", "data_cutoff", "program", "code_version"):
            if not str(getattr(self, name) or "").strip():
                raise UserError(f"render context: {name} is empty; every page must show it")
        return self


def result_kind(result: TableResult | ListingResult) -> str:
    """``"Table"`` or ``"Listing"`` (the word before the output number)."""
    if isinstance(result, TableResult):
        return "Table"
    if isinstance(result, ListingResult):
        return "Listing"
    raise UserError(f"render: {type(result).__name__} is not a TableResult or ListingResult")


def title_lines(result: TableResult | ListingResult, context: RenderContext) -> list[str]:
    """Output number line (if any), the title, and the population line (if any)."""
    lines = []
    if context.output_number.strip():
        lines.append(f"{result_kind(result)} {context.output_number.strip()}")
    lines.append(result.title)
    if result.population:
        lines.append(f"Population: {result.population}")
    return lines


def source_line(result: TableResult | ListingResult, context: RenderContext) -> str:
    """The program/cutoff/version line printed at the foot of every page."""
    return (f"Program: {context.program}; output {result.analysis_id}; "
            f"data cutoff {context.data_cutoff}; code version {context.code_version}")


def split_n_header(label: str) -> list[str]:
    """Split a group column label before its big N so it prints on two lines.

    >>> split_n_header("UC-MSC 1x10^6 cells/kg (N=6)")
    ['UC-MSC 1x10^6 cells/kg', '(N=6)']
    >>> split_n_header("Preferred Term")
    ['Preferred Term']
    """
    m = _N_HEADER.match(str(label))
    return [m["label"], m["n"]] if m else [str(label)]


def _cell_text(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and pd.isna(value):
        return ""
    return str(value)


def display_cells(result: TableResult | ListingResult) -> tuple[list[str], list[list[str]]]:
    """Column labels and body cells as text; an empty table gets one "No records" row.

    >>> from analysis.ard import ListingResult
    >>> display_cells(ListingResult("l", "t", pd.DataFrame({"A": [], "B": []})))
    (['A', 'B'], [['No records to report.', '']])
    >>> display_cells(ListingResult("l", "t", pd.DataFrame({"A": [1.5, None]})))
    (['A'], [['1.5'], ['']])
    """
    table = result.table
    labels = [_cell_text(c) for c in table.columns] or [""]
    rows = [[_cell_text(v) for v in row] for row in table.itertuples(index=False)]
    if not rows:
        rows = [[NO_RECORDS] + [""] * (len(labels) - 1)]
    return labels, rows


def column_alignment(result: TableResult | ListingResult) -> list[str]:
    """``"l"`` for label columns, ``"c"`` for group columns of a table (labels ending in (N=..)).

    >>> import pandas as pd
    >>> from analysis.ard import TableResult
    >>> t = pd.DataFrame(columns=["Characteristic", "A (N=6)"])
    >>> column_alignment(TableResult("t", "T", t, pd.DataFrame()))
    ['l', 'c']
    """
    labels, _ = display_cells(result)
    if isinstance(result, ListingResult):
        return ["l"] * len(labels)
    return ["c" if len(split_n_header(c)) == 2 else "l" for c in labels]


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write through a temporary file then rename, so no partial file is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding=encoding, newline="\n") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path
