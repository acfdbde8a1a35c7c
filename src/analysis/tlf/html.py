"""HTML tables and listings through great_tables: one self-contained page per output.

great_tables writes its CSS inline in a ``<style>`` element scoped to the table id, uses the
system font stack (no web fonts) and no scripts, so the page opens offline. Its table id is random
unless given; here it is derived from the analysis id, so the bytes are the same on every run.
All text (titles, labels, cells, footnotes) is HTML-escaped.

>>> import pandas as pd
>>> from analysis.ard import ListingResult
>>> from analysis.tlf.layout import RenderContext
>>> res = ListingResult("l_demo", "Demo <listing>", pd.DataFrame({"Subject": ["01-001"]}))
>>> page = render_html(res, RenderContext("NCT05948982", "2025-06-30", "demo", "0.1.0"))
>>> 'id="tlf-l_demo"' in page, "Demo &lt;listing&gt;" in page, "http" in page
(True, True, False)
"""

from __future__ import annotations

import copy
import html as _html
import re
from pathlib import Path

import pandas as pd

from analysis.ard import ListingResult, TableResult

from .layout import (
    RenderContext,
    column_alignment,
    display_cells,
    source_line,
    split_n_header,
    title_lines,
    write_text_atomic,
)

_ALIGN = {"l": "left", "c": "center", "r": "right"}
# keep leading spaces (indented row labels) and line breaks inside cells
_EXTRA_CSS = ".gt_row { white-space: pre-wrap; vertical-align: top; }"


def table_id(analysis_id: str) -> str:
    """A stable HTML id for the table (great_tables would otherwise draw a random one).

    >>> table_id("ae soc/pt")
    'tlf-ae-soc-pt'
    """
    return "tlf-" + re.sub(r"[^A-Za-z0-9_-]+", "-", str(analysis_id)).strip("-")


def build_gt(result: TableResult | ListingResult, context: RenderContext):
    """The great_tables ``GT`` object: title block, two-line group labels, footnotes, source line."""
    from great_tables import GT, html

    context.check()
    labels, rows = display_cells(result)
    names = [f"c{j}" for j in range(len(labels))]  # display labels may repeat; GT names must not
    df = pd.DataFrame(rows, columns=names, dtype=object)
    tid = table_id(result.analysis_id)
    titles = title_lines(result, context)
    heading = titles[:-1] if result.population else titles
    subtitle = titles[-1] if result.population else None
    gt = GT(df, id=tid).tab_header(
        title=html("<br>".join(_html.escape(t) for t in heading)),
        subtitle=_html.escape(subtitle) if subtitle else None,
    )
    gt = gt.cols_label(**{n: html("<br>".join(_html.escape(p) for p in split_n_header(lab)))
                          for n, lab in zip(names, labels)})
    for align in sorted(set(column_alignment(result))):
        cols = [n for n, a in zip(names, column_alignment(result)) if a == align]
        gt = gt.cols_align(align=_ALIGN[align], columns=cols)
    for note in result.footnotes:
        gt = gt.tab_source_note(str(note))
    gt = gt.tab_source_note(f"{context.study_id}. {source_line(result, context)}")
    return gt.opt_css(_EXTRA_CSS, add=True)


PROBE_ROWS = 3  # placeholder rows great_tables renders for a table's row template


def _placeholder(i: int, j: int) -> str:
    return f"ZQHPROBE{i}X{j}QZ"  # plain text html.escape leaves alone; only probes hold it


def _row_pieces(fragment: str, i: int, ncol: int) -> tuple[int, int, list[str]] | None:
    """Where body row i of a probe lies in the fragment and the literal pieces around its cells."""
    marks = [_placeholder(i, j) for j in range(ncol)]
    if any(fragment.count(m) != 1 for m in marks):
        return None
    start = fragment.rfind("<tr", 0, fragment.index(marks[0]))
    stop = fragment.find("</tr>", fragment.index(marks[-1]))
    if start < 0 or stop < 0:
        return None
    stop += len("</tr>")
    pieces, at = [], start
    for m in marks:
        k = fragment.index(m, at)
        pieces.append(fragment[at:k])
        at = k + len(m)
    pieces.append(fragment[at:stop])
    return start, stop, pieces


def table_fragment(result: TableResult | ListingResult, context: RenderContext) -> str:
    """great_tables' HTML of the table. great_tables formats and escapes every cell through
    pandas one at a time (~1 ms per row), so a long listing took minutes: it renders a probe of
    placeholder rows instead, whose row markup is then filled with each row's escaped cells
    (``html.escape``, as great_tables escapes unformatted text). Rows alike in the probe are
    the condition; otherwise (a future great_tables, striping) the whole table goes through it.

    >>> from analysis.ard import ListingResult
    >>> res = ListingResult("l", "T", pd.DataFrame({"A": ["a<b", "", "x", "y"], "B": list("1234")}))
    >>> ctx = RenderContext("S", "2025-06-30", "p", "0.1")
    >>> table_fragment(res, ctx) == build_gt(res, ctx).as_raw_html()
    True
    """
    labels, rows = display_cells(result)
    if len(rows) <= PROBE_ROWS:
        return build_gt(result, context).as_raw_html()
    ncol = len(labels)
    probe = copy.copy(result)
    probe.table = pd.DataFrame([[_placeholder(i, j) for j in range(ncol)] for i in range(PROBE_ROWS)], dtype=object)
    probe.table.columns = list(result.table.columns)
    fragment = build_gt(probe, context).as_raw_html()
    found = [_row_pieces(fragment, i, ncol) for i in range(PROBE_ROWS)]
    if any(f is None for f in found) or any(f[2] != found[0][2] for f in found) \
            or fragment[found[0][1]:found[1][0]] != fragment[found[1][1]:found[2][0]]:
        return build_gt(result, context).as_raw_html()  # pragma: no cover - a row layout this does not know
    pieces, gap = found[0][2], fragment[found[0][1]:found[1][0]]
    escape = _html.escape
    body = []
    for cells in rows:
        parts = [pieces[0]]
        for cell, piece in zip(cells, pieces[1:]):
            parts += (escape(cell), piece)
        body.append("".join(parts))
    return fragment[:found[0][0]] + gap.join(body) + fragment[found[-1][1]:]


def render_html(result: TableResult | ListingResult, context: RenderContext) -> str:
    """A complete HTML page (UTF-8) for one table or listing."""
    fragment = table_fragment(result, context)
    page_title = _html.escape(" ".join(title_lines(result, context)[:2]))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{page_title}</title>\n</head>\n<body>\n{fragment.strip()}\n</body>\n</html>\n")


def write_html(result: TableResult | ListingResult, path: str | Path, context: RenderContext) -> Path:
    """Write the HTML page of ``result`` to ``path`` atomically; returns the path."""
    return write_text_atomic(path, render_html(result, context), encoding="utf-8")
