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


def result_metadata(result: TableResult | ListingResult | FigureResult, out_dir: str | Path) -> dict:
    """What a renderer needs besides the display CSV: kind, title, population, footnotes and,
    for a figure, its files (relative to `out_dir`).

    >>> from analysis.ard import ListingResult
    >>> result_metadata(ListingResult("l1", "Deaths", pd.DataFrame(), ["Note."]), ".")["kind"]
    'listing'
    """
    kind = {TableResult: "table", ListingResult: "listing", FigureResult: "figure"}[type(result)]
    meta = {"analysis_id": result.analysis_id, "kind": kind, "title": result.title,
            "population": getattr(result, "population", ""), "footnotes": list(result.footnotes)}
    if isinstance(result, FigureResult):
        meta["files"] = [Path(f).relative_to(Path(out_dir)).as_posix() if Path(f).is_relative_to(Path(out_dir))
                         else Path(f).name for f in result.files]
    return meta


def write_metadata(result, out_dir: str | Path) -> Path:
    """``<out>/meta/<analysis_id>.json`` (sorted keys, LF, no timestamps)."""
    import json

    path = Path(out_dir) / "meta" / f"{result.analysis_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result_metadata(result, out_dir), indent=1, sort_keys=True, ensure_ascii=False)
                   + "\n", encoding="utf-8", newline="\n")
    tmp.replace(path)
    return path


def write_result(result: TableResult | ListingResult | FigureResult, out_dir: str | Path) -> list[Path]:
    """Write one analysis result under `out_dir` (``ard/``, ``tlf/`` and ``meta/``, the title,
    population and footnotes that the RTF/HTML renderers read); returns the paths."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    ard = getattr(result, "ard", None)
    if ard is not None:
        written.append(write_csv_atomic(ard, out_dir / "ard" / f"{result.analysis_id}.csv"))
    written.append(write_metadata(result, out_dir))
    if isinstance(result, FigureResult):
        return written + list(result.files)
    written.append(write_csv_atomic(result.table, out_dir / "tlf" / f"{result.analysis_id}.csv"))
    md = out_dir / "tlf" / f"{result.analysis_id}.md"
    tmp = md.with_name(md.name + ".tmp")
    tmp.write_text(render_markdown(result), encoding="utf-8", newline="\n")
    tmp.replace(md)
    written.append(md)
    return written
