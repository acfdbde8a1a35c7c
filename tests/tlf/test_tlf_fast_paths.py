"""The probe-based RTF pages and HTML rows give exactly what rtflite and great_tables give when
they encode every row themselves (1 to 6 rows per page: first, middle, last and single rows;
several pages; both alignments; 8 and 9 pt; empty cells and text that needs escaping)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.ard import ListingResult, TableResult
from analysis.tlf import rtf
from analysis.tlf.html import build_gt, table_fragment
from analysis.tlf.layout import RenderContext, column_alignment, display_cells, source_line, split_n_header, title_lines

CTX = RenderContext("NCT05948982", "2025-06-30", "analysis demo", "0.1.0", "14.1.1")


def _table(n: int) -> TableResult:
    frame = pd.DataFrame({"Characteristic": [f"Row {i} {{x}} \\ µ" if i % 2 else "" for i in range(n)],
                          "Statistic": ["n (%)"] * n,
                          "A (N=6)": [f"{i} (16.7)" for i in range(n)], "Total (N=18)": ["<5 & >2"] * n})
    return TableResult("t_demo", "Demo <table>", frame, pd.DataFrame(), ["Note 1.", "Note & 2."], "SAFFL = \"Y\"")


def _spec(result, size):
    titles = title_lines(result, CTX)
    labels_raw, rows = display_cells(result)
    labels = [split_n_header(c) for c in labels_raw]
    total = rtf.PAPER["A4"][0] - 2 * rtf.MARGIN
    return ({"titles": titles, "labels": labels, "widths": rtf.column_widths(labels, rows, total, size),
             "footnotes": list(result.footnotes), "size": size, "title_size": 10,
             "align": column_alignment(result), "page": rtf.PAPER["A4"], "study": CTX.study_id,
             "source": source_line(result, CTX)}, rows)


@pytest.mark.parametrize("size", [8.0, 9.0])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_rtf_probe_pages_equal_rtflite_pages(n, size):
    spec, rows = _spec(_table(n), size)
    escaped = [[rtf.rtf_escape(c) for c in row] for row in rows]
    assert rtf._page_documents(escaped, [(0, n)], spec) == [rtf._page_document(rows, **spec)]


def test_rtf_probe_pages_of_a_long_listing_equal_rtflite_pages():
    frame = pd.DataFrame({"Subject": [f"01-{i:03d}" for i in range(40)], "Term": ["RECOVERED/RESOLVED"] * 40})
    result = ListingResult("l_demo", "Demo", frame)
    spec, rows = _spec(result, 9.0)
    pages = [(0, 1), (1, 3), (3, 6), (6, 13), (13, 14), (14, 20), (20, 24), (24, 30), (30, 33), (33, 39), (39, 40)]
    escaped = [[rtf.rtf_escape(c) for c in row] for row in rows]
    assert rtf._page_documents(escaped, pages, spec) == [rtf._page_document(rows[a:b], **spec) for a, b in pages]


@pytest.mark.parametrize("n", [1, 3, 4, 7])
def test_html_rows_equal_great_tables(n):
    for result in (_table(n), ListingResult("l_demo", "Demo", pd.DataFrame({"A": [" x"] * n, "B": ["a\nb"] * n}))):
        assert table_fragment(result, CTX) == build_gt(result, CTX).as_raw_html()
