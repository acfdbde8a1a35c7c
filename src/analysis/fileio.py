"""Replace a file only when its bytes change.

Snakemake decides what to rerun from file times and has no "restat" (ninja's rule that a job
whose output came out unchanged does not make its dependants rerun). The ingest, SDTM and ADaM
jobs therefore leave a dataset untouched when its new bytes equal the old ones: after a change to
one raw form only the datasets built from it get a new time, and only the jobs reading those
rerun (rules/common.smk explains the Snakemake side).
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path


def replace_if_changed(new: str | Path, target: str | Path) -> bool:
    """Move ``new`` onto ``target`` unless ``target`` already holds the same bytes, in which case
    ``new`` is deleted and ``target`` keeps its time. Returns True when ``target`` was replaced.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a").write_text("x"); _ = (d / "b").write_text("x")
    >>> replace_if_changed(d / "a", d / "b"), (d / "a").exists()
    (False, False)
    >>> _ = (d / "a").write_text("y")
    >>> replace_if_changed(d / "a", d / "b"), (d / "b").read_text()
    (True, 'y')
    """
    new, target = Path(new), Path(target)
    if target.is_file() and filecmp.cmp(new, target, shallow=False):
        new.unlink()
        return False
    os.replace(new, target)
    return True
