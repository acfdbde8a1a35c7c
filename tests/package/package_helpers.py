"""Helpers shared by the package tests (a module of its own: tests cannot import conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path("outputs") / "full"
STUDY_DIR = "nct05948982"
# Hand-made conformance findings: the cSDRG must count 2 errors (rule SD9001, 2 datasets) and
# 1 warning (SD9002).
CONFORMANCE_ROWS = [
    ["SD9001", "ERROR", "AE", "AETERM", "3", "S1", "x", "first error message"],
    ["SD9001", "ERROR", "LB", "LBTESTCD", "7", "S2", "y", "second error message"],
    ["SD9002", "WARNING", "DM", "AGE", "1", "S3", "z", "a warning"],
]
CONFORMANCE_HEADER = ["rule", "severity", "dataset", "variable", "records", "usubjid", "value", "message"]


def _write_conformance(folder: Path) -> None:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "sdtm_conformance.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CONFORMANCE_HEADER)
        w.writerows(CONFORMANCE_ROWS)
    (folder / "adam_conformance.csv").write_text(",".join(CONFORMANCE_HEADER) + "\n")


def make_root(root: Path, sdtm_dir: Path, adam_dir: Path) -> Path:
    """Scratch repository root: code, specs, config, raw export, and outputs/full/{sdtm,adam,...}."""
    from analysis.define import write_define
    from analysis.define.adam import write_adam_define
    from analysis.specs import load_study

    root.mkdir(parents=True)
    for folder in ("specs", "rules", "data/raw"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copytree(REPO / "src" / "analysis", root / "src" / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Snakefile", "pyproject.toml", "config/config.yaml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, root / name)
    snap = root / SNAPSHOT
    shutil.copytree(sdtm_dir, snap / "sdtm")
    shutil.copytree(adam_dir, snap / "adam")
    study = load_study(root / "specs" / "study.yaml")
    write_define(snap / "sdtm", root / "specs" / "sdtm", study, snap / "sdtm" / "define.xml", root / "specs" / "ct")
    write_adam_define(snap / "adam", root / "specs" / "adam", study, snap / "adam" / "define.xml", root / "specs" / "ct")
    _write_conformance(snap / "conformance")
    (snap / "tlf").mkdir()
    (snap / "tlf" / "demographics.csv").write_text("a,b\n1,2\n")
    (snap / "logs").mkdir()
    (snap / "logs" / "sdtm.log").write_text("a log line\n")
    return root


def build_all(root: Path, cutoff: str = "") -> None:
    """Package and manifest of root/outputs/full, as the Snakemake rules run them (cwd = root)."""
    from analysis.package import build_package, write_manifest

    snap = root / SNAPSHOT
    build_package(snap, root / "specs" / "study.yaml", code_dir=root, cutoff=cutoff)
    write_manifest(snap, raw_dir=root / "data" / "raw", study_spec=root / "specs" / "study.yaml",
                   config_files=[root / "config" / "config.yaml"], cutoff=cutoff, root=root, code_dir=root)


def m5(root: Path) -> Path:
    return root / SNAPSHOT / "m5" / "datasets" / STUDY_DIR


def run_cli(argv: list[str]) -> int:
    """Run a package command as `python -m analysis` does; its exit code."""
    from analysis.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
