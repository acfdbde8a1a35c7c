"""RTF tables and listings through rtflite (the Python port of r2rtf).

Layout: A4 landscape, 1 inch margins; page header "<study>" left and "Page x of y" right (RTF
PAGE/NUMPAGES fields); title block (output number, title, population) centred on every page; column
labels split before the big N and repeated on every page (``\\trhdr``); body in Times New Roman 9 pt
(8 pt when the columns' longest words do not fit side by side at 9 pt) without vertical rules;
footnotes under the table on every page; program, data cutoff and code version in the page footer.
Column widths come from the content. Pagination is done here, not by rtflite (whose row estimate
ignores word wrap and counts a wrapped label or footnote block as one row, so its pages overflowed):
each row's wrapped height is measured with the font metrics, pages are filled to the height left
under the title block, labels and footnotes, each page is encoded by rtflite and the pages are
joined with rtflite's own page break. LibreOffice reproduces the planned page count (tests).

Text is escaped here (``\\``, braces, non-ASCII as ``\\u``) and rtflite's LaTeX-like conversion is off,
so ``10^6`` or ``ANL01FL_X`` print literally. The file is pure ASCII and contains no date.

>>> import pandas as pd
>>> from analysis.ard import ListingResult
>>> from analysis.tlf.layout import RenderContext
>>> res = ListingResult("l_demo", "Demo listing", pd.DataFrame({"Subject": ["01-001"], "Note": ["{µ}"]}))
>>> text = render_rtf(res, RenderContext("NCT05948982", "2025-06-30", "demo", "0.1.0"))
>>> text.startswith("{\\\\rtf1"), "\\\\trhdr" in text, "\\\\{\\\\uc1\\\\u181?\\\\}" in text
(True, True, True)
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

from analysis.ard import ListingResult, TableResult
from analysis.errors import UserError

from .layout import (
    RenderContext,
    column_alignment,
    display_cells,
    source_line,
    split_n_header,
    title_lines,
    write_text_atomic,
)

PAPER = {"A4": (297 / 25.4, 210 / 25.4), "letter": (11.0, 8.5)}  # landscape width, height in inches
MARGIN = 1.0  # inches, all four sides; header and footer sit 0.5 inch from the edge
HEADER_FOOTER = 0.5
FONT = "Times New Roman"  # rtflite font 1; LibreOffice substitutes the metric-compatible Liberation Serif
GAP_TWIPS = 72  # RTF cell padding on each side (\\trgaph); rtflite writes 108, too wide for listings
CELL_GAP = GAP_TWIPS / 1440
CELL_PAD = 2 * CELL_GAP + 0.02  # width a column needs beyond its text
LINE_FACTOR = 1.17  # line height / font size; 1.12 overflowed pages in LibreOffice, so some slack is kept
SAFETY = 0.2  # inches kept free per page for the page-break paragraphs and rounding
PAGE_BREAK = "{\\pard\\fs2\\par}\\page{\\pard\\fs2\\par}"  # as rtflite writes it
# tags column-label rows so \trhdr can be set after encoding; escaped cell text can never contain it
_MARK = "{\\*\\anhdr}"


def rtf_escape(text: str) -> str:
    """Escape text for RTF: backslash, braces, line breaks; non-ASCII as ``\\uN?``.

    >>> print(rtf_escape("a\\\\b {c} ≥ 5\\nx"))
    a\\\\b \\{c\\} \\uc1\\u8805? 5\\line x
    """
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        elif code < 32:
            out.append(" ")
        elif code < 128:
            out.append(ch)
        else:
            units = ch.encode("utf-16-le")
            for i in range(0, len(units), 2):
                value = int.from_bytes(units[i:i + 2], "little", signed=True)
                out.append(f"\\uc1\\u{value}?")
    return "".join(out)


@lru_cache(maxsize=8)
def _font(size: float):
    """The metric-compatible TrueType font rtflite ships (Liberation Serif for Times New Roman)."""
    import importlib.resources

    import rtflite.fonts
    from PIL import ImageFont
    from rtflite.fonts_mapping import FontMapping

    path = importlib.resources.files(rtflite.fonts) / FontMapping.get_font_paths()[FONT]
    return ImageFont.truetype(str(path), size=size)


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    """Printed width in inches of one line of text.

    >>> round(text_width("Subject", 9), 3)  # 6143/2048 em x 9 pt / 72
    0.375
    """
    return _font(size).getlength(str(text)) / 72


_BREAK_AFTER = re.compile(r"(?<=[/-])(?=[A-Za-z])")


def _longest_word(text: str, size: float) -> float:
    """Widest unbreakable piece: words split at spaces and after a slash or hyphen before a letter
    (line-break opportunities in Word and LibreOffice, e.g. RECOVERED/ RESOLVED)."""
    pieces = [p for w in str(text).split() for p in _BREAK_AFTER.split(w)]
    return max((text_width(p, size) for p in pieces), default=0.0)


def column_widths(labels: list[list[str]], rows: list[list[str]], total: float, size: float) -> list[float]:
    """Column widths in inches summing to ``total``, from the content.

    Each column wants its longest cell on one line; if that does not fit, the widest columns are
    capped at a common width (water-filling) but never below their longest word; columns that fit
    share the spare width in proportion.

    >>> w = column_widths([["Subject"], ["Comment"]], [["01-001", "x " * 200]], 9.0, 9)
    >>> round(sum(w), 6), w[0] < 1.0 < w[1]
    (9.0, True)
    """
    natural, minimal = _natural_minimal(labels, rows, size)
    if sum(natural) <= total:
        scale = total / sum(natural)
        return [w * scale for w in natural]
    if sum(minimal) >= total:
        scale = total / sum(minimal)
        return [w * scale for w in minimal]
    lo, hi = 0.0, max(natural)
    for _ in range(60):  # bisection on the cap; 60 halvings reach float precision
        cap = (lo + hi) / 2
        if sum(min(n, max(cap, m)) for n, m in zip(natural, minimal)) > total:
            hi = cap
        else:
            lo = cap
    widths = [min(n, max(lo, m)) for n, m in zip(natural, minimal)]
    spare = total - sum(widths)
    return [w + spare / len(widths) for w in widths]


def _natural_minimal(labels, rows, size):
    natural, minimal = [], []
    for j in range(len(labels)):
        texts = set(labels[j]) | {r[j] for r in rows}  # distinct texts: a listing repeats many
        natural.append(max(text_width(t, size) for t in texts) + CELL_PAD)
        minimal.append(max(_longest_word(t, size) for t in texts) + CELL_PAD)
    return natural, minimal


def choose_font_size(labels, rows, total: float) -> float:
    """9 pt, or 8 pt when the longest words of all columns do not fit side by side at 9 pt."""
    return 9.0 if sum(_natural_minimal(labels, rows, 9.0)[1]) <= total else 8.0


def wrapped_lines(text: str, width: float, size: float) -> int:
    """Lines a cell of ``width`` inches needs: greedy word wrap at spaces (LibreOffice and Word
    may also break at hyphens, so this never underestimates).

    >>> wrapped_lines("a b", 5.0, 9), wrapped_lines("word " * 40, 1.0, 9), wrapped_lines("", 1.0, 9)
    (1, 14, 1)
    """
    usable = max(width - 2 * CELL_GAP, 0.05)
    space = text_width(" ", size)
    lines = 0
    for para in str(text).split("\n"):
        lines += 1
        current = 0.0
        for word in para.split():
            w = text_width(word, size)
            if current and current + space + w <= usable:
                current += space + w
                continue
            if current:
                lines += 1
            lines += max(0, math.ceil(w / usable) - 1)  # a word wider than the cell breaks inside
            current = w - (math.ceil(w / usable) - 1) * usable if w > usable else w
    return lines


def row_height(cells: list[str], widths: list[float], size: float) -> float:
    """Inches one table row takes: its tallest cell plus the 15-twip space before and after."""
    lines = max(wrapped_lines(c, w, size) for c, w in zip(cells, widths))
    return lines * size * LINE_FACTOR / 72 + 1.5 / 72


def paginate(rows: list[list[str]], widths: list[float], size: float, available: float) -> list[tuple[int, int]]:
    """Split body rows into pages of at most ``available`` inches; ``(start, stop)`` slices.

    >>> paginate([["a"]] * 5, [1.0], 9, 0.5)
    [(0, 2), (2, 4), (4, 5)]
    """
    pages, start, used = [], 0, 0.0
    lines: list[dict] = [{} for _ in widths]  # per column: text -> wrapped lines (listings repeat texts)

    def height(cells):
        n = 1
        for cell, width, seen in zip(cells, widths, lines):
            k = seen.get(cell)
            if k is None:
                k = seen[cell] = wrapped_lines(cell, width, size)
            n = max(n, k)
        return n * size * LINE_FACTOR / 72 + 1.5 / 72  # as row_height

    for i, cells in enumerate(rows):
        h = height(cells)
        if i > start and used + h > available:
            pages.append((start, i))
            start, used = i, 0.0
        used += h
    pages.append((start, len(rows)))
    return pages


def _block_height(lines: list[str], width: float, size: float) -> float:
    return sum(wrapped_lines(t, width, size) for t in lines) * size * LINE_FACTOR / 72


def body_height(titles, labels, widths, footnotes, total, page_h, size, title_size) -> float:
    """Inches left for body rows once the title block, column labels and footnotes are placed."""
    title_h = _block_height(titles, total, title_size) + 180 / 1440  # + space after the titles
    label_h = max(_block_height(lab, w, size) for lab, w in zip(labels, widths)) + 1.5 / 72
    foot_h = _block_height(footnotes, total + 2 * CELL_GAP, size) + 1.5 / 72 if footnotes else 0.0
    return page_h - 2 * MARGIN - title_h - label_h - foot_h - SAFETY


def render_rtf(result: TableResult | ListingResult, context: RenderContext, paper: str = "A4",
               font_size: float | None = None, title_size: float = 10) -> str:
    """The RTF document (a str of ASCII) for one table or listing."""
    context.check()
    if paper not in PAPER:
        raise UserError(f"render_rtf: paper {paper!r} is not one of {sorted(PAPER)}")
    page_w, page_h = PAPER[paper]
    total = page_w - 2 * MARGIN
    titles = title_lines(result, context)
    raw_labels, rows = display_cells(result)
    labels = [split_n_header(c) for c in raw_labels]
    size = font_size or choose_font_size(labels, rows, total)
    widths = column_widths(labels, rows, total, size)
    footnotes = [str(f) for f in result.footnotes]
    available = body_height(titles, labels, widths, footnotes, total, page_h, size, title_size)
    pages = paginate(rows, widths, size, available)
    spec = {"titles": titles, "labels": labels, "widths": widths, "footnotes": footnotes, "size": size,
            "title_size": title_size, "align": column_alignment(result), "page": (page_w, page_h),
            "study": context.study_id, "source": source_line(result, context)}
    docs = _page_documents([[rtf_escape(c) for c in row] for row in rows], pages, spec)
    return _repeat_header_rows(_stitch(docs)).replace("\\trgaph108", f"\\trgaph{GAP_TWIPS}")


def _placeholder(i: int, j: int) -> str:
    return f"ZQPROBE{i}X{j}QZ"  # plain ASCII: rtflite writes it verbatim, and only probes hold it


class _Probe:
    """rtflite's encoding of a page whose body has `n` rows of placeholder cells, cut into the
    text before the body, each body row as the literal pieces around its cells, the text between
    rows and the text after the body. Filling the pieces with real cells gives the bytes rtflite
    writes for those cells (escaped cell text is ASCII, which rtflite copies unchanged)."""

    def __init__(self, spec: dict, n: int):
        ncol = len(spec["labels"])
        doc = _page_document([[_placeholder(i, j) for j in range(ncol)] for i in range(n)], raw=True, **spec)
        self.ok = all(doc.count(_placeholder(i, j)) == 1 for i in range(n) for j in range(ncol))
        if not self.ok:
            return
        self.rows, spans = [], []
        for i in range(n):
            first = doc.index(_placeholder(i, 0))
            start = doc.rfind("\\trowd", 0, first)
            stop = doc.index("\\intbl\\row\\pard", doc.index(_placeholder(i, ncol - 1))) + len("\\intbl\\row\\pard")
            pieces, at = [], start
            for j in range(ncol):
                k = doc.index(_placeholder(i, j), at)
                pieces.append(doc[at:k])
                at = k + len(_placeholder(i, j))
            pieces.append(doc[at:stop])
            self.rows.append(pieces)
            spans.append((start, stop))
        self.head, self.tail = doc[:spans[0][0]], doc[spans[-1][1]:]
        gaps = {doc[a[1]:b[0]] for a, b in zip(spans, spans[1:])}
        self.gap = gaps.pop() if gaps else "\n"
        self.ok = not gaps and min(a for a, _ in spans) >= 0

    def page(self, rows: list[list[str]]) -> str:
        """The page with these (escaped) body rows: the probe's first row pieces for the first
        row, its last for the last, its middle one for every row between."""
        n = len(rows)
        kinds = [self.rows[0]] + [self.rows[1]] * (n - 2) + [self.rows[-1]] if n > 1 else [self.rows[0]]
        body = []
        for pieces, cells in zip(kinds, rows):
            parts = [pieces[0]]
            for cell, piece in zip(cells, pieces[1:]):
                parts += (cell, piece)
            body.append("".join(parts))
        return self.head + self.gap.join(body) + self.tail


def _page_documents(rows: list[list[str]], pages: list[tuple[int, int]], spec: dict) -> list[str]:
    """One rtflite document per page. rtflite's own encoding takes ~2 ms per row (it rebuilds
    its attribute tables for every cell), so a listing of 100,000 rows took minutes: instead
    each page is filled into pieces cut from rtflite's encoding of small placeholder pages (1,
    2 or 3 rows: first, middle and last rows differ in their borders). For a long output a
    4-row probe must come out the same both ways, else (a future rtflite) every page goes
    through rtflite; tests/tlf compare both ways for 1 to 6 rows."""
    sizes = {b - a for a, b in pages}
    probes = {n: _Probe(spec, n) for n in {min(k, 3) for k in sizes}}
    if len(pages) >= 10 and max(sizes) >= 4 and probes[3].ok:  # where it matters; tests check the rest
        check = [[_placeholder(i, j) for j in range(len(spec["labels"]))] for i in range(4)]
        if probes[3].page(check) != _page_document(check, raw=True, **spec):
            probes[3].ok = False
    if not all(p.ok for p in probes.values()):  # pragma: no cover - only if rtflite changes its layout
        return [_page_document(rows[a:b], raw=True, **spec) for a, b in pages]
    return [probes[min(b - a, 3)].page(rows[a:b]) for a, b in pages]


def _page_document(rows, titles, labels, widths, footnotes, size, title_size, align, page, study,
                   source, raw: bool = False) -> str:
    """One page through rtflite (its own pagination off: the page was sized above); `raw`:
    the cells are escaped already."""
    import polars as pl
    import rtflite as rtf

    names = [f"c{j}" for j in range(len(labels))]  # display labels may repeat; polars names must not
    df = pl.DataFrame({n: [r[j] if raw else rtf_escape(r[j]) for r in rows] for j, n in enumerate(names)},
                      schema={n: pl.Utf8 for n in names})
    header_text = ["\\line ".join(rtf_escape(x) for x in lab) for lab in labels]
    header_text[0] = _MARK + header_text[0]
    total = page[0] - 2 * MARGIN
    page_header = (f"\\tqr\\tx{round(total * 1440)} {rtf_escape(study)}\\tab Page "
                   "{\\field{\\*\\fldinst PAGE }{\\fldrslt 1}} of "
                   "{\\field{\\*\\fldinst NUMPAGES }{\\fldrslt 1}}")
    doc = rtf.RTFDocument(
        df=df,
        rtf_page=rtf.RTFPage(orientation="landscape", width=page[0], height=page[1],
                             margin=[MARGIN, MARGIN, MARGIN, MARGIN, HEADER_FOOTER, HEADER_FOOTER],
                             col_width=total, nrow=100_000, border_first="single",
                             border_last="single", page_title="all", page_footnote="all"),
        rtf_page_header=rtf.RTFPageHeader(text=page_header, text_font_size=size,
                                          text_justification="l", text_convert=False),
        rtf_title=rtf.RTFTitle(text=[rtf_escape(t) for t in titles], text_font_size=title_size,
                               text_format="b", text_convert=False, text_space_before=0,
                               text_space_after=180),
        rtf_column_header=[rtf.RTFColumnHeader(
            text=header_text, col_rel_width=widths, text_font_size=size, text_justification=align,
            border_left="", border_right="", border_top="single", border_bottom="single",
            text_convert=False)],
        rtf_body=rtf.RTFBody(col_rel_width=widths, text_font_size=size, text_justification=[align],
                             border_left=[[""]], border_right=[[""]], border_first=[["single"]],
                             border_last=[["single"]], text_convert=[[False]]),
        rtf_footnote=(rtf.RTFFootnote(text=[rtf_escape(f) for f in footnotes], as_table=False,
                                      text_font_size=size, text_convert=False)
                      if footnotes else None),
        rtf_page_footer=rtf.RTFPageFooter(text=rtf_escape(source), text_font_size=size - 1,
                                          text_justification="l", text_convert=False),
    )
    text = doc.rtf_encode()
    if "\\page" in text.replace("\\pagenumber", ""):
        raise AssertionError("rtflite paginated a page that was sized to fit")  # pragma: no cover
    return text


def _stitch(docs: list[str]) -> str:
    """Join one-page rtflite documents into one: the first whole, the others from their page
    settings on, separated by the page break rtflite itself writes between pages."""
    first = docs[0].rstrip()
    parts = [first[: first.rindex("}")].rstrip()]
    for doc in docs[1:]:
        body = doc.rstrip()
        body = body[body.index("\\paperw"): body.rindex("}")].rstrip()
        parts.append(PAGE_BREAK + "\n" + body)
    return "\n".join(parts) + "\n\n}"


def _repeat_header_rows(text: str) -> str:
    """Mark every column-label row as a header row (``\\trhdr``) and drop the tag."""
    parts = text.split("\\trowd")
    for i, part in enumerate(parts[1:], start=1):
        if _MARK in part:
            parts[i] = "\\trhdr" + part.replace(_MARK, "")
    return "\\trowd".join(parts)


def write_rtf(result: TableResult | ListingResult, path: str | Path, context: RenderContext,
              **options) -> Path:
    """Write the RTF of ``result`` to ``path`` atomically (ASCII bytes); returns the path."""
    return write_text_atomic(path, render_rtf(result, context, **options), encoding="ascii")
