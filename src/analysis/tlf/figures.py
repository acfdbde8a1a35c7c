"""Deterministic figure files: every figure is written as PNG and SVG, byte-identical on rerun.

matplotlib stamps a creation date into SVG and its version into PNG metadata, and SVG element
ids are random unless ``svg.hashsalt`` is fixed; `figure_style` fixes the salt and the fonts,
`save_figure` drops the metadata and writes through temporary files so no partial figure is
left behind.

>>> import tempfile, matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> out = tempfile.mkdtemp()
>>> with figure_style("doctest"):
...     fig, ax = plt.subplots()
...     _ = ax.plot([0, 1], [0, 1])
...     paths = save_figure(fig, out, "f_example")
>>> [p.name for p in paths]
['f_example.png', 'f_example.svg']
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

FORMATS = ("png", "svg")
# metadata matplotlib would stamp (version, creation date); None drops the key
_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "Producer": None, "Creator": None}}


@contextmanager
def figure_style(salt: str):
    """rc settings for reproducible figures; ``salt`` names the figure family (SVG ids)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": f"analysis-{salt}", "svg.fonttype": "path",
                         "font.family": "DejaVu Sans", "path.simplify": True}):
        yield


def save_figure(fig, out_dir: str | Path, analysis_id: str, dpi: int = 100,
                formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``<out_dir>/tlf/<analysis_id>.png`` and ``.svg`` (or the given ``formats``, any of
    png, svg, pdf), close ``fig``; returns the paths."""
    import matplotlib.pyplot as plt

    unknown = sorted(set(formats) - set(_METADATA))
    if unknown:
        plt.close(fig)
        raise ValueError(f"save_figure: unsupported format(s) {unknown}; use {sorted(_METADATA)}")
    out = Path(out_dir) / "tlf"
    out.mkdir(parents=True, exist_ok=True)
    files = [out / f"{analysis_id}.{ext}" for ext in formats]
    try:
        for f in files:
            tmp = f.with_name(f.stem + ".tmp" + f.suffix)
            fig.savefig(tmp, format=f.suffix[1:], metadata=_METADATA[f.suffix[1:]],
                        bbox_inches="tight", dpi=dpi)
            tmp.replace(f)
    finally:
        plt.close(fig)
    return files


def save_figure_pdf(fig, out_dir: str | Path, analysis_id: str, dpi: int = 100,
                    with_png: bool = True) -> list[Path]:
    """Write the figure as PDF (and PNG unless ``with_png`` is false), byte-identical on rerun:
    no creation date, producer or creator in the PDF info dictionary. Closes ``fig``.

    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> with figure_style("doctest"):
    ...     fig, ax = plt.subplots()
    ...     paths = save_figure_pdf(fig, tempfile.mkdtemp(), "f_example")
    >>> [p.name for p in paths], b"CreationDate" in paths[1].read_bytes()
    (['f_example.png', 'f_example.pdf'], False)
    """
    return save_figure(fig, out_dir, analysis_id, dpi, ("png", "pdf") if with_png else ("pdf",))
