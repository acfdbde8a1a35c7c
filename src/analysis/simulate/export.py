"""`analysis simulate`: write a simulated raw export, one file per form, like an EDC export.

The same seed gives byte-identical files: every random draw comes from a stream named for
what it simulates, and files are written with fixed formatting (CSV with LF line ends, XPT
with a fixed header timestamp).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.simulate import clinical, events, labs
from analysis.simulate.schedule import build_visits, plan_infusions
from analysis.simulate.subjects import assign_fates, decompensation_events, screen_subjects
from analysis.specs import Study, load_study
from analysis.xpt import write_xpt

XPT_STAMP = "2000-01-01"


class _Progress:
    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.done, self.t0 = enabled, total, 0, time.perf_counter()

    def __call__(self, name: str, n: int) -> None:
        self.done += 1
        if self.enabled:
            print(f"[simulate {self.done:>2}/{self.total}] {name}: {n:,} records "
                  f"({time.perf_counter() - self.t0:.1f} s)", file=sys.stderr, flush=True)


def write_form(df: pd.DataFrame, form, out_dir: Path) -> None:
    """Write one form's records in the file format its spec names, columns in spec order."""
    missing = [c for c in form.column_names if c not in df.columns]
    if missing:
        raise RuntimeError(f"simulator bug: form {form.form} lacks columns {missing}")
    df = df[form.column_names]
    path = out_dir / form.file
    if form.format == "xpt":
        typed = df.copy()
        for col in form.columns:
            if col.numeric:
                typed[col.name] = pd.to_numeric(typed[col.name]).astype(float)
        labels = {c.name: c.label[:40] for c in form.columns}
        write_xpt(typed, path, name=form.form.upper().replace("_", "")[:8],
                  label=form.title[:40], column_labels=labels, stamp=pd.Timestamp(XPT_STAMP).to_pydatetime())
    else:
        df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def generate(study: Study, seed: int, subjects_per_cohort: int, progress=None):
    """Yield (form name, DataFrame of text values) for every form of the raw export."""
    subjects = assign_fates(screen_subjects(study, seed, subjects_per_cohort), study, seed)
    infusions = plan_infusions(subjects, study, seed)
    visits = build_visits(subjects, infusions, study, seed)
    decomp = decompensation_events(subjects, seed)
    yield "enrolment", events.enrolment(subjects, study, seed)
    yield "eligibility", events.eligibility(subjects, study)
    yield "medical_history", events.medical_history(subjects, seed)
    yield "visits", events.visits_form(visits)
    yield "infusions", events.infusions_form(subjects, infusions, seed)
    for name, make in (("vital_signs", clinical.vital_signs), ("local_lab", labs.local_lab),
                       ("central_lab", labs.central_lab), ("flow_cytometry", labs.flow_cytometry),
                       ("fibroscan", clinical.fibroscan), ("ecog", clinical.ecog),
                       ("child_pugh", clinical.child_pugh), ("sf36", clinical.sf36),
                       ("cldq", clinical.cldq), ("eq5d5l", clinical.eq5d5l)):
        yield name, make(subjects, visits, infusions, study, seed)
    ae, liver = events.adverse_events(subjects, infusions, decomp, study, seed)
    yield "adverse_events", ae
    yield "liver_events", liver
    yield "concomitant_meds", events.concomitant_meds(subjects, ae, seed)
    yield "liver_transplant", events.liver_transplant(subjects, seed)
    yield "death", events.death(subjects, ae, seed)
    yield "disposition", events.disposition(subjects, visits)


def simulate(out: str | Path, seed: int = 26, subjects_per_cohort: int = 6,
             study_spec: str | Path = "specs/study.yaml", progress: bool = True) -> Path:
    """Write the simulated export of `subjects_per_cohort` enrolled subjects per cohort.

    Files appear in `out` only when every form has been written (built in a temporary
    sibling folder, then moved in), so an interrupted run leaves nothing half-written.
    """
    if subjects_per_cohort < 1:
        raise UserError(f"--subjects-per-cohort must be at least 1, got {subjects_per_cohort}")
    study = load_study(study_spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tick = _Progress(progress, len(study.forms))
    tmp = Path(tempfile.mkdtemp(prefix=".simulate-", dir=out))
    try:
        written = set()
        for name, df in generate(study, seed, subjects_per_cohort):
            form = study.forms[name]
            write_form(df, form, tmp)
            written.add(name)
            tick(form.file, len(df))
        missing = set(study.forms) - written
        if missing:
            raise RuntimeError(f"simulator bug: no data generated for forms {sorted(missing)}")
        for form in study.forms.values():
            os.replace(tmp / form.file, out / form.file)
    finally:
        for leftover in tmp.glob("*"):
            leftover.unlink()
        tmp.rmdir()
    return out
