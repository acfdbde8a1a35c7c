"""`analysis sdtm`: build every SDTM domain from the validated raw tables and write XPT v5."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import UserError
from analysis.fileio import replace_if_changed
from analysis.sdtm import events, trial_design
from analysis.sdtm.dm import build_dm
from analysis.sdtm.exposure import build_ec, build_ex
from analysis.sdtm.findings import build_findings, load_findings_spec
from analysis.sdtm.lb import build_lb
from analysis.sdtm.metadata import DatasetSpec, conform, load_sdtm_specs
from analysis.sdtm.se import build_se
from analysis.sdtm.sv import build_sv
from analysis.sdtm.trace import sdtm_reconciliation
from analysis.specs import Study, read_yaml
from analysis.xpt import DEFAULT_STAMP, write_xpt


def read_raw_tables(raw_tables: str | Path, study: Study) -> dict[str, pd.DataFrame]:
    """The validated tables `analysis ingest` wrote, one per raw form."""
    raw = RawTables(raw_tables, study)
    return {name: raw[name] for name in raw}


class RawTables(Mapping):
    """The validated tables by form name, each read when first asked for (LB's lab forms, a
    million records at 1,000 subjects per cohort, only when LB is built); `release` forgets
    a table after its last use. All files are checked to exist up front."""

    def __init__(self, raw_tables: str | Path, study: Study):
        self.paths = {name: Path(raw_tables) / f"{name}.parquet" for name in study.forms}
        for path in self.paths.values():
            if not path.exists():
                raise UserError(f"{path}: validated table missing (run `analysis ingest` first)")
        self.tables: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            self.tables[name] = read_raw_table(self.paths[name])
        return self.tables[name]

    def __iter__(self):
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def release(self, *names: str) -> None:
        for name in names:
            self.tables.pop(name, None)

    def trace_columns(self) -> dict[str, pd.DataFrame]:
        """Every table with only what the reconciliation needs (RAWROW, SUBJID)."""
        return {name: read_raw_table(path, columns=["RAWROW", "SUBJID"]) for name, path in self.paths.items()}


def read_raw_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """One validated table; text columns as str objects with '' for missing (what the SDTM
    code works on), one object per distinct value.

    Arrow text is dictionary-encoded before it becomes Python objects: a str per record
    would cost ~60 bytes each, over half a GiB for the central lab transfer."""
    if columns is not None:
        columns = [c for c in columns if c in pq.read_schema(path).names]
    table = pq.read_table(path, columns=columns)
    text = [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    df = table.drop_columns(text).to_pandas()
    for name in text:
        df[name] = _text_objects(table.column(name))
    df = df[table.column_names]
    # Whatever other column pandas reads as text (none today) gets the same treatment.
    for col in df.columns:
        if col not in text and pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), "")
    return df


def _text_objects(column: pa.ChunkedArray) -> np.ndarray:
    """An Arrow text column as an object array of str, '' for null, one str per distinct value.

    >>> _text_objects(pa.chunked_array([["a", None, "a"]])).tolist()
    ['a', '', 'a']
    """
    encoded = column.combine_chunks().dictionary_encode()
    values = np.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), "")
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return values[codes]


def _release(raw, *names: str) -> None:
    """Forget raw tables no later domain needs (a plain dict, as tests pass, keeps them)."""
    if isinstance(raw, RawTables):
        raw.release(*names)


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
    findings = load_findings_spec(study.path.parent / "sdtm")
    for i, (name, entry) in enumerate(findings.items()):
        yield name, build_findings(name, entry, raw, dm, se, sv, study)
        _release(raw, *(_forms(entry) - set().union(*map(_forms, list(findings.values())[i + 1:]))))
    yield "LB", build_lb(raw["local_lab"], raw["central_lab"], dm, se, sv, study)


def _forms(entry) -> set[str]:
    """The raw forms a findings spec entry (one dict or a list of them) reads."""
    return {e["form"] for e in (entry if isinstance(entry, list) else [entry])}


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
    raw = RawTables(raw_tables, study)
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
        raw.release(*raw)  # the reconciliation needs only record numbers and subjects
        summary, not_tabulated = sdtm_reconciliation(raw.trace_columns(), sources, read_yaml(spec_dir / "not_tabulated.yaml") or {})
        summary.to_csv(tmp / "reconciliation.csv", index=False, lineterminator="\n")
        not_tabulated.to_csv(tmp / "not_tabulated.csv", index=False, lineterminator="\n")
        for f in sorted(tmp.iterdir()):
            replace_if_changed(f, out_dir / f.name)  # unchanged domains keep their time (fileio)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return kept if keep else None
