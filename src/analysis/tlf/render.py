"""RTF and HTML files for one table or listing, next to its CSV and Markdown.

>>> import tempfile, pandas as pd
>>> from analysis.ard import ListingResult
>>> res = ListingResult("l_demo", "Demo listing", pd.DataFrame({"Subject": ["01-001"]}))
>>> ctx = RenderContext("NCT05948982", "2025-06-30", "demo", "0.1.0", "16.2.1")
>>> [p.name for p in render_table_files(res, tempfile.mkdtemp(), ctx)]
['l_demo.rtf', 'l_demo.html']
"""

from __future__ import annotations

from pathlib import Path

from analysis.ard import ListingResult, TableResult

from .html import write_html
from .layout import RenderContext
from .rtf import write_rtf

__all__ = ["RenderContext", "render_table_files"]


def render_table_files(result: TableResult | ListingResult, out_dir: str | Path,
                       context: RenderContext, paper: str = "A4") -> list[Path]:
    """Write ``<out_dir>/tlf/<analysis_id>.rtf`` and ``.html``; returns the two paths."""
    out = Path(out_dir) / "tlf"
    return [write_rtf(result, out / f"{result.analysis_id}.rtf", context, paper=paper),
            write_html(result, out / f"{result.analysis_id}.html", context)]
