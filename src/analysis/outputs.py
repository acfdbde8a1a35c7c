"""Every output of one group of analysis areas in one process (`analysis safety-outputs`,
`efficacy-outputs`, `survival-outputs`, `cytokines-outputs`): one Snakemake job per group
instead of one per table, since each Python job pays about 1.3 s of imports; the groups are cut
so that the jobs keep two cores busy (the efficacy models take longest).

All outputs are written into a scratch folder first and moved into place only when every
analysis of the group has succeeded, so a failure leaves no partial set behind. The index
(``tlf/index-<group>.csv``) lists each file with its area, analysis id and title; it is the
rule's declared output.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

# group -> areas in run order; each area has specs/analysis/<area>.yaml and a run_all
GROUPS = {
    "safety": ("population", "safety", "dose_finding", "lab_safety"),
    "efficacy": ("efficacy",),
    "survival": ("survival",),
    "cytokines": ("cytokines",),
}
# area -> module with run_all(adam_dir, spec_path, out_dir) -> list of written paths
RUNNERS = {
    "population": "analysis.population.run",
    "safety": "analysis.safety.run",
    "dose_finding": "analysis.dosefinding.cli",
    "lab_safety": "analysis.labsafety.cli",
    "efficacy": "analysis.efficacy.cli",
    "survival": "analysis.survival.cli",
    "cytokines": "analysis.cytokines.cli",
}


def _title(path: Path) -> str:
    """The title recorded in a result's ``meta/<id>.json`` (tables, listings and figures)."""
    import json

    return json.loads(path.read_text(encoding="utf-8"))["title"]


def run_outputs(group: str, adam_dir: str | Path, spec_dir: str | Path, out_dir: str | Path) -> Path:
    """Run the areas of ``group`` with their specs (`<spec_dir>/<area>.yaml`); returns the index."""
    import pandas as pd

    from analysis.ard import write_csv_atomic

    if group not in GROUPS:
        raise ValueError(f"unknown output group {group!r}; known: {', '.join(GROUPS)}")
    out_dir = Path(out_dir)
    scratch = out_dir / f".{group}-outputs.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        written: list[tuple[str, Path]] = []
        for area in GROUPS[group]:
            run_all = importlib.import_module(RUNNERS[area]).run_all
            for path in run_all(adam_dir, Path(spec_dir) / f"{area}.yaml", scratch):
                written.append((area, Path(path).relative_to(scratch)))
        titles = {rel.stem: _title(scratch / rel) for _, rel in written
                  if rel.parts[0] == "meta" and rel.suffix == ".json"}
        rows = []
        for area, rel in sorted(written, key=lambda item: item[1].as_posix()):
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / rel, target)
            rows.append({"area": area, "analysis_id": rel.stem, "file": rel.as_posix(),
                         "title": titles.get(rel.stem, "")})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return write_csv_atomic(pd.DataFrame(rows, columns=["area", "analysis_id", "file", "title"]),
                            out_dir / "tlf" / f"index-{group}.csv")
