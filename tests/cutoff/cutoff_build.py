"""Build a data cut of the embedded raw export (ingest -> SDTM -> ADaM) with the same functions the
session fixtures use, and read XPT dates (SAS day numbers) as timestamps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.adam.build import build_adam
from analysis.raw.ingest import ingest
from analysis.sdtm.build import build_sdtm
from analysis.specs import load_study
from analysis.xpt import read_analysis_dataset

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
SAS_EPOCH = pd.Timestamp("1960-01-01")


def build_cut(base: Path, cutoff: str) -> Path:
    study = load_study(ROOT / "specs" / "study.yaml")
    ingest(RAW, study, base / "raw", cutoff=cutoff)
    build_sdtm(base / "raw", study, base / "sdtm", cutoff=cutoff)
    build_adam(base / "sdtm", study, base / "adam", cutoff=cutoff)
    return base


def read(folder: Path, name: str) -> pd.DataFrame:
    return read_analysis_dataset(folder / f"{name.lower()}.xpt", name.upper())


def as_date(values: pd.Series, seconds: bool = False) -> pd.Series:
    """An ADaM *DT (days) or *DTM (seconds) column as timestamps, whatever the reader returned."""
    if pd.api.types.is_numeric_dtype(values):
        return SAS_EPOCH + pd.to_timedelta(values, unit="s" if seconds else "D")
    return pd.to_datetime(values)


def raw_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / f"{name}.csv", dtype=str, keep_default_na=False)


def earliest(dates: pd.Series) -> pd.Series:
    """Hand rule for partial dates: UK day/month -> 01 (the earliest possible day)."""
    return pd.to_datetime(dates.str.replace("UK", "01"), errors="coerce")
