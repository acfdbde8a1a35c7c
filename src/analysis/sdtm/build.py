"""`analysis sdtm`: build every SDTM domain from the validated raw tables and write XPT v5."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.fileio import replace_if_changed
from analysis.sdtm import trial_design
from analysis.sdtm import events
from analysis.sdtm.dm import build_dm
from analysis.sdtm.findings import build_findings, load_findings_spec
from analysis.sdtm.lb import build_lb
from analysis.sdtm.exposure import build_ec, build_ex
from analysis.sdtm.metadata import DatasetSpec, conform, load_sdtm_specs
from analysis.sdtm.se import build_se
from analysis.sdtm.sv import build_sv
from analysis.sdtm.trace import sdtm_reconciliation
from analysis.specs import Study, read_yaml
from analysis.xpt import DEFAULT_STAMP, write_xpt


def read_raw_tables(raw_tables: str | Path, study: Study) -> dict[str, pd.DataFrame]:
    """The validated tables `analysis ingest` wrote, one per raw form."""
    raw_tables = Path(raw_tables)
    tables = {}
    for name in study.forms:
        path = raw_tables / f"{name}.parquet"
        if not path.exists():
            raise UserError(f"{path}: validated table missing (run `analysis ingest` first)")
        df = pd.read_parquet(path)
        # Text columns come back as pandas strings with <NA>; SDTM code works on '' for missing.
        for col in df.columns:
            if pd.api.types.is_string_dtype(df[col]):
                df[col] = df[col].astype(object).where(df[col].notna(), "")
        tables[name] = df
    return tables


def iter_domains(raw: dict[str, pd.DataFrame], study: Study,
                 cutoff: str | None = None) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (dataset name, derived records) one domain at a time, so a caller can write and
    free each before the next (LB of a 3,000-subject study is over a million records)."""
    dm = build_dm(raw, study)
    se = build_se(dm, raw["infusions"], study, cutoff=cutoff)
    sv = build_sv(raw["visits"], dm, se, study)
    yield from (("DM", dm), ("SE", se), ("SV", sv))
    yield "EX", build_ex(raw["infusions"], dm, se, sv, study)
    yield "EC", build_ec(raw["infusions"], dm, se, sv, study)
    ae = events.build_ae(raw["adverse_events"], dm, se, study)
    yield "SUPPAE", events.build_suppae(ae, raw["adverse_events"], study)
    ce = events.build_ce(raw["liver_events"], dm, se, study)
    yield "CE", ce
    yield "RELREC", events.build_relrec(ce, ae, study)
    yield "AE", ae.drop(columns="_raw")
    yield "CM", events.build_cm(raw["concomitant_meds"], dm, se, study)
    yield "MH", events.build_mh(raw["medical_history"], dm, study)
    yield "IE", events.build_ie(raw["eligibility"], dm, study)
    yield "DS", events.build_ds(raw["enrolment"], raw["disposition"], dm, se, study)
    yield "DD", events.build_dd(raw["death"], dm, study)
    yield "PR", events.build_pr(raw["liver_transplant"], dm, se, study)
    for name, build in (("TA", trial_design.build_ta), ("TE", trial_design.build_te), ("TV", trial_design.build_tv),
                        ("TI", trial_design.build_ti)):
        yield name, build(study)
    yield "TS", trial_design.build_ts(study, dm)
    for name, entry in load_findings_spec(study.path.parent / "sdtm").items():
        yield name, build_findings(name, entry, raw, dm, se, sv, study)
    yield "LB", build_lb(raw["local_lab"], raw["central_lab"], dm, se, sv, study)


def build_all(raw: dict[str, pd.DataFrame], study: Study) -> dict[str, pd.DataFrame]:
    """Every domain, derived but not yet conformed (for tests and small studies)."""
    return dict(iter_domains(raw, study))


def write_domain(df: pd.DataFrame, spec: DatasetSpec, out_dir: Path, stamp: dt.date) -> Path:
    path = out_dir / f"{spec.name.lower()}.xpt"
    write_xpt(df, path, name=spec.name, label=spec.label,
              column_labels={v.name: v.label for v in spec.variables}, stamp=stamp)
    return path


def build_sdtm(raw_tables: str | Path, study: Study, out_dir: str | Path,
               spec_dir: str | Path | None = None, cutoff: str | None = None,
               keep: bool = False) -> dict[str, pd.DataFrame] | None:
    """Build, conform to the specs and write every domain, plus the raw-to-SDTM
    reconciliation (reconciliation.csv, not_tabulated.csv); all or nothing.

    Domains are written one at a time and then released; `keep=True` also returns them
    (conformed), which tests use on small studies."""
    try:
        stamp = dt.date.fromisoformat(cutoff) if cutoff else DEFAULT_STAMP
    except ValueError:
        raise UserError(f"cutoff '{cutoff}' is not a date YYYY-MM-DD") from None
    spec_dir = Path(spec_dir or study.path.parent / "sdtm")
    specs = load_sdtm_specs(spec_dir)
    raw = read_raw_tables(raw_tables, study)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sdtm-", dir=out_dir))
    kept, sources, written = {}, {}, set()
    try:
        for name, df in iter_domains(raw, study, cutoff=cutoff or None):
            if "_SRC_FORM" in df.columns:
                sources[name] = df[["_SRC_FORM", "_SRC_ROW"]]
            conformed = conform(df, specs[name])
            del df
            write_domain(conformed, specs[name], tmp, stamp)
            written.add(name)
            if keep:
                kept[name] = conformed
        if set(specs) - written:
            raise RuntimeError(f"SDTM datasets in the specs but not built: {sorted(set(specs) - written)}")
        summary, not_tabulated = sdtm_reconciliation(raw, sources, read_yaml(spec_dir / "not_tabulated.yaml") or {})
        summary.to_csv(tmp / "reconciliation.csv", index=False, lineterminator="\n")
        not_tabulated.to_csv(tmp / "not_tabulated.csv", index=False, lineterminator="\n")
        for f in sorted(tmp.iterdir()):
            replace_if_changed(f, out_dir / f.name)  # unchanged domains keep their time (fileio)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return kept if keep else None
