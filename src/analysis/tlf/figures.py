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


@contextmanager
def figure_style(salt: str):
    """rc settings for reproducible figures; ``salt`` names the figure family (SVG ids)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": f"analysis-{salt}", "svg.fonttype": "path",
                         "font.family": "DejaVu Sans", "path.simplify": True}):
        yield


def save_figure(fig, out_dir: str | Path, analysis_id: str, dpi: int = 100) -> list[Path]:
    """Write ``<out_dir>/tlf/<analysis_id>.png`` and ``.svg``, close ``fig``; returns the paths."""
    import matplotlib.pyplot as plt

    out = Path(out_dir) / "tlf"
    out.mkdir(parents=True, exist_ok=True)
    files = [out / f"{analysis_id}.{ext}" for ext in FORMATS]
    try:
        for f in files:
            tmp = f.with_name(f.stem + ".tmp" + f.suffix)
            metadata = {"Software": None} if f.suffix == ".png" else {"Date": None}
            fig.savefig(tmp, format=f.suffix[1:], metadata=metadata, bbox_inches="tight", dpi=dpi)
            tmp.replace(f)
    finally:
        plt.close(fig)
    return files
