"""CSV and Markdown rendering of tables and listings (deterministic: no timestamps)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.ard import FigureResult, ListingResult, TableResult, write_csv_atomic


def _cell(value) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: TableResult | ListingResult) -> str:
    """A Markdown page: title, population, the table as a pipe table, footnotes.

    >>> import pandas as pd
    >>> from analysis.ard import ListingResult
    >>> print(render_markdown(ListingResult("l1", "Deaths", pd.DataFrame({"Subject": ["01-003"]}),
    ...                                     footnotes=["Safety population."])), end="")
    # Deaths
    <BLANKLINE>
    | Subject |
    |---|
    | 01-003 |
    <BLANKLINE>
    Safety population.
    """
    lines = [f"# {result.title}", ""]
    if result.population:
        lines += [f"Population: {result.population}", ""]
    table = result.table
    if len(table.columns):
        lines.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        for row in table.itertuples(index=False):
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
        if table.empty:
            lines += ["", "No records."]
    lines.append("")
    lines += list(result.footnotes)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_result(result: TableResult | ListingResult | FigureResult, out_dir: str | Path) -> list[Path]:
    """Write one analysis result under `out_dir` (``ard/`` and ``tlf/``); returns the paths."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    ard = getattr(result, "ard", None)
    if ard is not None:
        written.append(write_csv_atomic(ard, out_dir / "ard" / f"{result.analysis_id}.csv"))
    if isinstance(result, FigureResult):
        return written + list(result.files)
    written.append(write_csv_atomic(result.table, out_dir / "tlf" / f"{result.analysis_id}.csv"))
    md = out_dir / "tlf" / f"{result.analysis_id}.md"
    tmp = md.with_name(md.name + ".tmp")
    tmp.write_text(render_markdown(result), encoding="utf-8", newline="\n")
    tmp.replace(md)
    written.append(md)
    return written
