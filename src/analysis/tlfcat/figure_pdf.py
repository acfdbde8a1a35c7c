"""A figure's PDF page: the PNG the analysis saved, placed on a landscape page under the same
title block as the RTF tables (Figure number, title, population) with its footnotes and the
program / data cutoff / code version line, so every figure prints alike.

The PNG is embedded unresampled (``interpolation="none"``); the PDF has no creation date,
producer or creator, so reruns give the same bytes. A vector PDF straight from the analysis
(``save_figure(..., formats=("png", "svg", "pdf"))``) would be sharper; see docs/tlf-catalogue.md.

>>> import tempfile, matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from analysis.tlf import figure_style, save_figure
>>> out = Path(tempfile.mkdtemp())
>>> with figure_style("doctest"):
...     fig, ax = plt.subplots()
...     png = save_figure(fig, out, "f_demo", formats=("png",))[0]
>>> pdf = figure_page_pdf(png, out / "f_demo.pdf", ["Figure 14.2.2.1", "Demo"], ["Note."], "Program: x", "STUDY")
>>> pdf.read_bytes()[:5], b"CreationDate" in pdf.read_bytes()
(b'%PDF-', False)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PAPER = {"A4": (297 / 25.4, 210 / 25.4), "letter": (11.0, 8.5)}  # landscape width, height (inches)
MARGIN = 1.0  # inches, as the RTF pages
_PDF_METADATA = {"CreationDate": None, "Producer": None, "Creator": None}
TITLE_PT, NOTE_PT = 10, 8
LINE = 1.25  # line height / font size


def _wrap(lines: list[str], width_in: float, size_pt: float) -> list[str]:
    # DejaVu Sans averages ~0.55 em per character; wrapping is only for the page text
    chars = max(20, int(width_in * 72 / (0.55 * size_pt)))
    out = []
    for line in lines:
        out += textwrap.wrap(str(line), chars) or [""]
    return out


def figure_page_pdf(png: str | Path, pdf: str | Path, titles: list[str], footnotes: list[str],
                    source: str, study_id: str, paper: str = "A4", font_size: float | None = None) -> Path:
    """Write ``pdf``: one landscape page with header (study, Page 1 of 1), title block, the PNG
    scaled to fit, footnotes and the source line. Returns the path."""
    import matplotlib.image as mpimg

    from analysis.tlf import figure_style

    note_pt = font_size or NOTE_PT
    width, height = PAPER[paper]
    text_w = width - 2 * MARGIN
    title_lines = _wrap(titles, text_w, TITLE_PT)
    note_lines = _wrap(footnotes, text_w, note_pt)
    title_h = len(title_lines) * TITLE_PT * LINE / 72
    notes_h = len(note_lines) * note_pt * LINE / 72
    top = height - MARGIN
    image_top = top - title_h - 0.15
    image_bottom = MARGIN + notes_h + (0.15 if note_lines else 0)
    image = mpimg.imread(str(png))
    with figure_style("tlfcat-page"):
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(width, height))
        try:
            def put(x, y, text, size, **kw):
                fig.text(x / width, y / height, text, fontsize=size, **kw)

            put(MARGIN, height - 0.5, study_id, note_pt, va="top")
            put(width - MARGIN, height - 0.5, "Page 1 of 1", note_pt, va="top", ha="right")
            for i, line in enumerate(title_lines):
                put(width / 2, top - i * TITLE_PT * LINE / 72, line, TITLE_PT, ha="center", va="top",
                    fontweight="bold")
            for i, line in enumerate(note_lines):
                put(MARGIN, MARGIN + notes_h - i * note_pt * LINE / 72, line, note_pt, va="top")
            put(MARGIN, 0.5, source, note_pt - 1, va="bottom")
            box_h = max(image_top - image_bottom, 1.0)
            img_h, img_w = image.shape[:2]
            scale = min(text_w / img_w, box_h / img_h)
            w, h = img_w * scale, img_h * scale
            ax = fig.add_axes([(width - w) / 2 / width, (image_bottom + (box_h - h) / 2) / height,
                               w / width, h / height])
            ax.imshow(image, interpolation="none")
            ax.set_axis_off()
            pdf = Path(pdf)
            pdf.parent.mkdir(parents=True, exist_ok=True)
            tmp = pdf.with_name(pdf.stem + ".tmp.pdf")
            fig.savefig(tmp, format="pdf", metadata=_PDF_METADATA)
            tmp.replace(pdf)
        finally:
            plt.close(fig)
    return pdf
