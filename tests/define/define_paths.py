"""Paths the define.xml tests share (a module of its own: test files cannot import conftest)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "sdtm"
CT = ROOT / "specs" / "ct"
STUDY = ROOT / "specs" / "study.yaml"
RAW = ROOT / "data" / "raw"
