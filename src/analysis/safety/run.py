"""Every AE table and listing for a study from its ADaM folder and safety spec, in one call
(one Snakemake job: the imports are paid once)."""

from __future__ import annotations

from pathlib import Path


from analysis.xpt import read_analysis_dataset as read_dataset

from .data import AeData, prepare
from .eair import ae_eair
from .listings import l_ae_disc, l_ae_serious, l_deaths, l_dlt
from .options import AeOptions, options_from_spec
from .tables import ae_overview, ae_soc_pt, ae_soc_pt_grade, ae_soc_pt_related, ae_soc_pt_serious

TABLES = {"overview": ae_overview, "soc-pt": ae_soc_pt, "grade": ae_soc_pt_grade,
          "related": ae_soc_pt_related, "serious": ae_soc_pt_serious, "eair": ae_eair}
LISTINGS = {"sae": l_ae_serious, "deaths": l_deaths, "dlt": l_dlt, "discontinuation": l_ae_disc}

# What each output needs from the options; "all" skips an output whose input the data lack.
_NEEDS = {"grade": "grade", "related": "related", "serious": "serious", "sae": "serious", "dlt": "dlt",
          "discontinuation": "discontinuation"}


def available(data: AeData, which: str) -> bool:
    """Whether the data carry what output `which` needs (after defaults were resolved)."""
    need = _NEEDS.get(which)
    return need is None or getattr(data.options, need) is not None


def produce(data: AeData, tables: list[str], listings: list[str], out_dir: str | Path,
            skip_unavailable: bool = False) -> tuple[list[Path], list[str]]:
    """Write the named tables and listings; returns (paths written, names skipped)."""
    from analysis.tlf import write_result

    written: list[Path] = []
    skipped: list[str] = []
    for kind, names in (("table", tables), ("listing", listings)):
        for name in names:
            if skip_unavailable and not available(data, name):
                skipped.append(f"{kind} {name}")
                continue
            make = (TABLES if kind == "table" else LISTINGS)[name]
            written += write_result(make(data), out_dir)
    return written, skipped


def run_all(adam_dir: str | Path, spec: str | Path | dict, out_dir: str | Path) -> list[Path]:
    """All AE tables and listings from `adam_dir` (adsl.xpt, adae.xpt) with the options of the
    safety spec (specs/analysis/safety.yaml); returns the files written."""
    options = spec if isinstance(spec, AeOptions) else options_from_spec(spec)
    adam_dir = Path(adam_dir)
    data = prepare(read_dataset(adam_dir / "adsl.xpt", "ADSL"), read_dataset(adam_dir / "adae.xpt", "ADAE"),
                   options)
    written, _ = produce(data, list(TABLES), list(LISTINGS), out_dir)
    return written
