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
    "design": ("design_simulation",),
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
    "design_simulation": "analysis.dosefinding.simulation",
}

# area -> the ADaM datasets (file stems) its run_all reads; a group job declares only these as
# inputs, so a rebuilt ADQS does not rerun the cytokine job (tests/test_outputs_datasets.py checks
# each area runs with only its datasets present)
DATASETS = {
    "population": ("adsl",),
    "safety": ("adsl", "adae"),
    "dose_finding": ("adsl", "adae", "addlt"),
    "lab_safety": ("adsl", "adlb", "adex"),
    "efficacy": ("adsl", "adlb", "adrs", "adqs"),
    "survival": ("adsl", "adtte"),
    "cytokines": ("adsl", "adcyt"),
    "design_simulation": (),  # simulated trials only, no subject data
}

# area -> further analysis specs its module reads besides <area>.yaml
EXTRA_SPECS = {"design_simulation": ("dose_finding",)}


def group_spec_areas(group: str) -> list[str]:
    """Names of the specs/analysis/<name>.yaml files the areas of ``group`` read.

    >>> group_spec_areas("design")
    ['design_simulation', 'dose_finding']
    """
    names = []
    for area in GROUPS[group]:
        names += [n for n in (area, *EXTRA_SPECS.get(area, ())) if n not in names]
    return names


def group_datasets(group: str) -> list[str]:
    """ADaM file stems read by the areas of ``group``, sorted.

    >>> group_datasets("survival")
    ['adsl', 'adtte']
    """
    return sorted({name for area in GROUPS[group] for name in DATASETS[area]})


def _title(path: Path) -> str:
    """The title recorded in a result's ``meta/<id>.json`` (tables, listings and figures)."""
    import json

    return json.loads(path.read_text(encoding="utf-8"))["title"]


def group_parts(group: str, spec_dir: str | Path) -> list[tuple[str, str]]:
    """``(area, part)`` pieces of work of a group for one-job-per-piece runs (a cluster): the
    parts an area module lists with ``parts(spec_path)`` (one MMRM parameter, one cytokine model,
    one simulated scenario), read from the spec alone; an area without parts is one piece, "all".
    """
    pieces = []
    for area in GROUPS[group]:
        module = importlib.import_module(RUNNERS[area])
        spec_path = Path(spec_dir) / f"{area}.yaml"
        names = module.parts(spec_path) if hasattr(module, "parts") else ["all"]
        pieces += [(area, name) for name in names]
    return pieces


def part_slug(area: str, part: str) -> str:
    """File-name form of a piece of work.

    >>> part_slug("efficacy", "param:ALT")
    'efficacy--param-ALT'
    """
    return f"{area}--{part}".replace(":", "-").replace("/", "-")


def _run_area(area: str, adam_dir, spec_path: Path, out_dir: Path, part: str | None = None) -> list:
    module = importlib.import_module(RUNNERS[area])
    if part is None or part == "all":
        return module.run_all(adam_dir, spec_path, out_dir)
    return module.run_part(adam_dir, spec_path, out_dir, part)


def run_part_outputs(group: str, area: str, part: str, adam_dir: str | Path, spec_dir: str | Path,
                     parts_dir: str | Path) -> Path:
    """One piece of a group (see group_parts) into ``parts_dir``, with ``<slug>.index.csv``
    listing its files; `merge_part_outputs` later moves the pieces into place."""
    import pandas as pd

    from analysis.ard import write_csv_atomic

    if (area, part) not in group_parts(group, spec_dir):
        from analysis.errors import UserError

        raise UserError(f"{area}:{part} is not a piece of output group {group!r} "
                        f"(`analysis group-parts {group}` lists them)")
    parts_dir = Path(parts_dir)
    slug = part_slug(area, part)
    scratch = parts_dir / f".{slug}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        files = [Path(p).relative_to(scratch) for p in _run_area(area, adam_dir, Path(spec_dir) / f"{area}.yaml",
                                                                  scratch, part)]
        for rel in files:
            (parts_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / rel, parts_dir / rel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    index = pd.DataFrame({"area": area, "file": sorted(rel.as_posix() for rel in files)}, columns=["area", "file"])
    return write_csv_atomic(index, parts_dir / f"{slug}.index.csv")


def _merged_files(group: str, spec_dir: Path, parts_dir: Path, scratch: Path) -> list[tuple[str, Path]]:
    """The pieces' files moved into ``scratch``; an area whose module has ``combine`` (the design
    simulation: per-scenario counts into one table) combines its pieces instead."""
    import pandas as pd

    written = []
    for area in GROUPS[group]:
        module = importlib.import_module(RUNNERS[area])
        spec_path = spec_dir / f"{area}.yaml"
        if hasattr(module, "combine"):
            written += [(area, Path(p).relative_to(scratch)) for p in module.combine(spec_path, parts_dir, scratch)]
            continue
        for _, part in (piece for piece in group_parts(group, spec_dir) if piece[0] == area):
            index = parts_dir / f"{part_slug(area, part)}.index.csv"
            if not index.exists():
                from analysis.errors import UserError

                raise UserError(f"{index}: piece {area}:{part} has not been run")
            for rel in pd.read_csv(index, dtype=str, keep_default_na=False)["file"]:
                (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(parts_dir / rel, scratch / rel)
                written.append((area, Path(rel)))
    return written


def run_outputs(group: str, adam_dir: str | Path, spec_dir: str | Path, out_dir: str | Path,
                parts_dir: str | Path | None = None) -> Path:
    """Run the areas of ``group`` with their specs (`<spec_dir>/<area>.yaml`); returns the index.
    With ``parts_dir``, gather the pieces `run_part_outputs` wrote there instead of running them:
    the same files, byte for byte."""
    import pandas as pd

    from analysis.ard import write_csv_atomic

    if group not in GROUPS:
        raise ValueError(f"unknown output group {group!r}; known: {', '.join(GROUPS)}")
    out_dir = Path(out_dir)
    scratch = out_dir / f".{group}-outputs.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        written: list[tuple[str, Path]] = []
        if parts_dir is not None:
            written = _merged_files(group, Path(spec_dir), Path(parts_dir), scratch)
        else:
            for area in GROUPS[group]:
                for path in _run_area(area, adam_dir, Path(spec_dir) / f"{area}.yaml", scratch):
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
