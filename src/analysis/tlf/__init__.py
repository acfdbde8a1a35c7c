"""Rendering layer: turns analysis results (display tables, listings, ARD) into files.

`write_result` is the one entry point the analyses' command lines use:
``<out>/ard/<analysis_id>.csv`` for the ARD, ``<out>/tlf/<analysis_id>.csv`` and ``.md`` for the
display. RTF/HTML/PDF come later from the same results.
"""

from .figures import figure_style, save_figure
from .text import render_markdown, write_result

__all__ = ["figure_style", "render_markdown", "save_figure", "write_result"]
