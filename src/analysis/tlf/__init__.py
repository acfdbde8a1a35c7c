"""Rendering layer: turns analysis results (display tables, listings, ARD) into files.

`write_result` is the one entry point the analyses' command lines use:
``<out>/ard/<analysis_id>.csv`` for the ARD, ``<out>/tlf/<analysis_id>.csv`` and ``.md`` for the
display. `render_table_files` adds ``.rtf`` (rtflite) and ``.html`` (great_tables) from the same
result; `save_figure_pdf` writes figures as PDF (docs/rendering.md).
"""

from .figures import figure_style, save_figure, save_figure_pdf
from .layout import RenderContext
from .render import render_table_files
from .text import render_markdown, write_result

__all__ = ["RenderContext", "figure_style", "render_markdown", "render_table_files", "save_figure",
           "save_figure_pdf", "write_result"]
