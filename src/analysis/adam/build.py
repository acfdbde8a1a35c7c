"""`analysis adam`: build every ADaM dataset from the SDTM folder and write XPT v5, all or
nothing.

Order matters only where a dataset feeds another: ADSL's core (treatment dates, populations
that need only SDTM) -> ADAE -> ADSL's DLT and DLT-evaluability -> BDS datasets -> ADSL's
baseline covariates -> ADTTE and ADDLT, which read the finished ADSL.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.adam import adsl as adsl_mod
from analysis.adam.adae import build_adae
from analysis.adam.adcyt import build_adcyt
from analysis.adam.addlt import build_addlt
from analysis.adam.adex import build_adex
from analysis.adam.adlb import build_adlb
from analysis.adam.adqs import build_adqs
from analysis.adam.adrs import build_adrs
from analysis.adam.adtte import build_adtte
from analysis.adam.context import AdamContext, load_context
from analysis.adam.ctcae import load_ctcae_criteria
from analysis.adam.derive.dates import to_sas_numbers
from analysis.adam.metadata import load_adam_specs, load_params
from analysis.errors import UserError
from analysis.fileio import replace_if_changed
from analysis.sdtm.metadata import DatasetSpec, conform
from analysis.specs import Study
from analysis.xpt import DEFAULT_STAMP, date_display_format, write_xpt

# One row per dataset written (records, variables): the ADaM job's declared output in the workflow.
SUMMARY_FILE = "adam_summary.csv"


def iter_adam(ctx: AdamContext, spec_dir: Path) -> Iterator[tuple[str, pd.DataFrame]]:
    """Every ADaM dataset, derived (dates still datetime64) but not yet conformed, yielded as soon
    as it is final, so that the caller can write and free it: ADCYT and ADQS (each over a million
    records at 3,000 subjects) are not held while ADLB is built. Each dataset is derived from the
    same inputs as when all were built together; only the order differs."""
    params = load_params(spec_dir)
    study = ctx.study.data
    adsl = adsl_mod.build_adsl_core(ctx)
    adae = build_adae(ctx, adsl)
    adsl = adsl_mod.derive_adsl_dlt(adsl, adae, study["dlt_window"])
    yield "ADEX", build_adex(ctx, adsl, params["ADEX"])
    yield "ADCYT", build_adcyt(ctx, adsl)
    yield "ADQS", build_adqs(ctx, adsl, params["ADQS"])
    adlb = build_adlb(ctx, adsl, params["ADLB"], load_ctcae_criteria(spec_dir / "ctcae_v5.yaml"))
    adrs = build_adrs(ctx, adsl, params["ADRS"])
    adsl = adsl_mod.derive_adsl_baselines(adsl, {"ADRS": adrs, "ADLB": adlb}, ctx.conventions["baseline_covariates"])
    adsl = adsl_mod.derive_var_efffl(adsl, adlb, ctx.conventions["efficacy_params"])
    yield "ADRS", adrs
    del adrs
    yield "ADLB", adlb
    del adlb
    yield "ADTTE", build_adtte(ctx, adsl, params["ADTTE"])
    yield "ADDLT", build_addlt(adsl, adae, study["dlt_window"])
    yield "ADAE", adae
    yield "ADSL", adsl


def build_all(ctx: AdamContext, spec_dir: Path) -> dict[str, pd.DataFrame]:
    """Every ADaM dataset at once (tests and small studies; `build_adam` streams them)."""
    return dict(iter_adam(ctx, spec_dir))


def date_formats(spec: DatasetSpec) -> dict[str, tuple[str, int, int]]:
    """SAS display formats for the numeric dates, datetimes and times of a dataset."""
    return {v.name: date_display_format(v.name) for v in spec.variables
            if v.type == "Num" and date_display_format(v.name)}


def conform_adam(df: pd.DataFrame, spec: DatasetSpec, studyid: str) -> pd.DataFrame:
    """Dates to SAS numbers, STUDYID filled, then the spec's columns, types and sort order.
    Working columns a derivation chain carries along (source-domain variables used on the way)
    are not kept: the spec says what the dataset holds (xportr `xportr_select`)."""
    # a column selection, not .copy(): under copy-on-write (build_adam) a deep copy of a
    # million-row frame bought nothing, and without it pandas copies on selection anyway
    df = df[[c for c in df.columns if c in spec.names]]
    if "STUDYID" in spec.names:
        df["STUDYID"] = studyid
    return conform(to_sas_numbers(df), spec)


def build_adam(sdtm_dir: str | Path, study: Study, out_dir: str | Path, spec_dir: str | Path | None = None,
               cutoff: str | None = None, keep: bool = False) -> dict[str, pd.DataFrame] | None:
    """Build, conform and write every dataset in specs/adam/datasets.csv; nothing is written
    unless all succeed. `keep=True` also returns the conformed datasets (tests)."""
    try:
        stamp = dt.date.fromisoformat(cutoff) if cutoff else DEFAULT_STAMP
    except ValueError:
        raise UserError(f"cutoff '{cutoff}' is not a date YYYY-MM-DD") from None
    spec_dir = Path(spec_dir or study.path.parent / "adam")
    specs = load_adam_specs(spec_dir)
    ctx = load_context(sdtm_dir, study, spec_dir, cutoff)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".adam-", dir=out_dir))
    kept, summary = {}, {}
    try:
        # copy-on-write lets every verb return a new frame without copying its input's data
        with pd.option_context("mode.copy_on_write", True):
            for name, derived in iter_adam(ctx, spec_dir):
                if name not in specs:
                    continue
                spec = specs[name]
                conformed = conform_adam(derived, spec, study.studyid)
                del derived
                write_xpt(conformed, tmp / f"{name.lower()}.xpt", name=name, label=spec.label,
                          column_labels={v.name: v.label for v in spec.variables}, stamp=stamp,
                          column_formats=date_formats(spec))
                summary[name] = {"dataset": name, "label": spec.label, "records": len(conformed),
                                 "variables": conformed.shape[1]}
                if keep:
                    kept[name] = conformed
                del conformed
        missing = sorted(set(specs) - set(summary))
        if missing:
            raise RuntimeError(f"ADaM datasets in the specs but not built: {missing}")
        # in the specs' order, as before streaming
        pd.DataFrame([summary[name] for name in specs]).to_csv(tmp / SUMMARY_FILE, index=False, lineterminator="\n")
        for f in sorted(tmp.iterdir()):
            replace_if_changed(f, out_dir / f.name)  # unchanged datasets keep their time (fileio)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {name: kept[name] for name in specs} if keep else None
