"""What every ADaM builder reads: the SDTM datasets, the study spec, the analysis conventions
(specs/adam/conventions.yaml) and the data cutoff."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.specs import Study, read_yaml
from analysis.xpt import read_xpt

SDTM_INPUTS = ("DM", "EX", "EC", "DS", "DD", "PR", "SV", "AE", "SUPPAE", "CE", "CM", "MH", "LB", "CP", "RS", "QS", "VS", "XF")


@dataclass
class AdamContext:
    sdtm: dict[str, pd.DataFrame]
    study: Study
    conventions: dict
    cutoff: pd.Timestamp | None = None
    derived: dict[str, pd.DataFrame] = field(default_factory=dict)  # ADaM built so far

    def domain(self, name: str) -> pd.DataFrame:
        return self.sdtm[name]


def read_sdtm(folder: str | Path, names: tuple[str, ...] = SDTM_INPUTS) -> dict[str, pd.DataFrame]:
    """The SDTM datasets the ADaM layer uses, from `analysis sdtm` XPT output."""
    folder = Path(folder)
    out = {}
    for name in names:
        path = folder / f"{name.lower()}.xpt"
        if not path.exists():
            raise UserError(f"{path}: SDTM dataset missing (run `analysis sdtm` first)")
        df = read_xpt(path)
        out[name] = df[0] if isinstance(df, tuple) else df
    return out


def load_context(sdtm_dir: str | Path, study: Study, spec_dir: str | Path, cutoff: str | None = None) -> AdamContext:
    try:
        cut = pd.Timestamp(cutoff) if cutoff else None
    except ValueError:
        raise UserError(f"cutoff '{cutoff}' is not a date YYYY-MM-DD") from None
    conventions = read_yaml(Path(spec_dir) / "conventions.yaml")
    return AdamContext(sdtm=read_sdtm(sdtm_dir), study=study, conventions=conventions, cutoff=cut)
