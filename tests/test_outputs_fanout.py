"""Fan-out: the pieces of an output group run one per job (`analysis <group>-outputs --part`) and
gathered (`--merge-parts`) give the same files, byte for byte, as the group run in one job; and
each group reads only the ADaM datasets its rule declares (analysis.outputs.DATASETS)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.outputs import (
    DATASETS,
    GROUPS,
    group_datasets,
    group_parts,
    run_outputs,
    run_part_outputs,
)

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs" / "analysis"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] in ("tlf", "ard", "meta")}


@pytest.mark.parametrize("group", ["design", "cytokines"])
def test_pieces_gathered_equal_the_group_run(tmp_path, embedded_adam_dir, group):
    whole = tmp_path / "whole"
    run_outputs(group, embedded_adam_dir, SPECS, whole)
    pieces, gathered = tmp_path / "parts", tmp_path / "gathered"
    parts = group_parts(group, SPECS)
    assert len(parts) > 1, parts
    for area, part in parts:
        run_part_outputs(group, area, part, embedded_adam_dir, SPECS, pieces)
    run_outputs(group, "", SPECS, gathered, parts_dir=pieces)
    a, b = snapshot(whole), snapshot(gathered)
    assert sorted(a) == sorted(b) and a, sorted(set(a) ^ set(b))
    assert [name for name in a if a[name] != b[name]] == []


def test_a_piece_not_run_is_named_when_gathering(tmp_path, embedded_adam_dir):
    (area, part), *_ = group_parts("cytokines", SPECS)
    run_part_outputs("cytokines", area, part, embedded_adam_dir, SPECS, tmp_path / "parts")
    with pytest.raises(UserError, match="has not been run"):
        run_outputs("cytokines", "", SPECS, tmp_path / "out", parts_dir=tmp_path / "parts")


def test_an_unknown_piece_is_refused(tmp_path, embedded_adam_dir):
    with pytest.raises(UserError, match="is not a piece of output group"):
        run_part_outputs("cytokines", "cytokines", "nope", embedded_adam_dir, SPECS, tmp_path)


@pytest.mark.parametrize("group", sorted(set(GROUPS) - {"efficacy", "design"}))
def test_each_group_runs_with_only_the_datasets_it_declares(tmp_path, embedded_adam_dir, group):
    """A group job's rule lists only these datasets as inputs; reading another would make a
    rebuilt dataset miss a rerun. (Efficacy is covered by its own parts test; it takes longest.)"""
    adam = tmp_path / "adam"
    adam.mkdir()
    for name in group_datasets(group):
        shutil.copy(embedded_adam_dir / f"{name}.xpt", adam / f"{name}.xpt")
    index = run_outputs(group, adam, SPECS, tmp_path / "out")
    assert index.exists()


def test_every_area_declares_its_datasets():
    assert set(DATASETS) == {area for areas in GROUPS.values() for area in areas}


def test_the_part_fanout_plans_one_job_per_piece(tmp_path):
    raw = ROOT / "data" / "raw"
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--snakefile",
                          str(ROOT / "Snakefile"), "--directory", str(ROOT), "--forceall", "--config",
                          f"raw_dir={raw}", f"output_dir={tmp_path}", "fanout=part"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    pieces = sum(len(group_parts(g, SPECS)) for g in GROUPS)
    counts = {line.split()[0]: line.split()[1] for line in run.stdout.splitlines()
              if len(line.split()) == 2 and line.split()[1].isdigit()}
    assert counts.get("analysis_part") == str(pieces), run.stdout
    assert counts.get("analysis_outputs") == str(len(GROUPS)), run.stdout
