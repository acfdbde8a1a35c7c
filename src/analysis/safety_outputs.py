"""Every study-population, safety and dose-finding output of a study in one process
(`analysis safety-outputs`): one Snakemake job instead of a dozen, since each Python job pays
about 1.3 s of imports.

All outputs are written into a scratch folder first and moved into place only when every
analysis has succeeded, so a failure leaves no partial set behind. The index
(``tlf/index-safety.csv``) lists each file with its analysis id and title; it is the rule's
declared output.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from analysis.ard import write_csv_atomic

# (area, spec file under the specs folder, runner)
AREAS = ("population", "safety", "dose_finding", "lab_safety")


def _runner(area: str):
    if area == "population":
        from analysis.population.run import run_all
    elif area == "safety":
        from analysis.safety.run import run_all
    elif area == "dose_finding":
        from analysis.dosefinding.cli import run_all
    else:
        from analysis.labsafety.cli import run_all
    return run_all


def _title(path: Path) -> str:
    if path.suffix != ".md":
        return ""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("# ").strip()


def run_safety_outputs(adam_dir: str | Path, spec_dir: str | Path, out_dir: str | Path) -> Path:
    """Run the four areas with their specs (`<spec_dir>/<area>.yaml`); returns the index path."""
    out_dir = Path(out_dir)
    scratch = out_dir / ".safety-outputs.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        written: list[tuple[str, Path]] = []
        for area in AREAS:
            for path in _runner(area)(adam_dir, Path(spec_dir) / f"{area}.yaml", scratch):
                written.append((area, Path(path).relative_to(scratch)))
        titles = {rel.stem: _title(scratch / rel) for _, rel in written if rel.suffix == ".md"}
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
                            out_dir / "tlf" / "index-safety.csv")
