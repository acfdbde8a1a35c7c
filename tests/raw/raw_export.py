"""A minimal raw export that passes every rule, for tests to break one value at a time.

Two subjects: 01-001, enrolled in cohort 1 and infused on 2024-01-15 (Day 1), 2024-02-12
(Day 29) and 2024-03-11 (Day 57); 01-002, a screen failure. Every date sits in its visit
window and after consent, and partial_date columns hold full dates, so the export gives no
soft issue either: a test that changes one value sees exactly the findings that value causes.

    records = base_records()
    records["enrolment"][0]["SEX"] = "X"
    write_export(tmp_path / "raw", study, records)
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd

from analysis.raw.ingest import ISSUES_FILE
from analysis.specs import Study
from analysis.xpt import write_xpt

ROOT = Path(__file__).resolve().parents[2]
STUDY_SPEC = ROOT / "specs" / "study.yaml"
S1, S2 = "01-001", "01-002"

_INFUSION = dict(SUBJID=S1, INFDONE="Y", INFSTTIM="10:00", INFENTIM="11:00", WEIGHT="65.0",
                 DOSEPLN="1.0", DOSEACT="1.0", TOTCELL="65.0", VOLUME="100", INTERR="N")

BASE: dict[str, list[dict]] = {
    "enrolment": [
        dict(SITEID="01", SUBJID=S1, INITIALS="ABC", BRTHDAT="1970-05-17", AGE="53", SEX="M",
             ETHNIC="NOT HISPANIC OR LATINO", RACE="ASIAN", CONSDAT="2024-01-02", SCRNDAT="2024-01-02",
             ENROLLED="Y", COHORT="1", ENRLDAT="2024-01-10", HEIGHT="170.5", WEIGHT="65.2",
             HBVDXDAT="2001-03-15", CIRDXDAT="2020-06-01"),
        dict(SITEID="01", SUBJID=S2, INITIALS="DE", BRTHDAT="1961-11-30", AGE="62", SEX="F",
             ETHNIC="NOT HISPANIC OR LATINO", RACE="ASIAN", CONSDAT="2024-01-08", SCRNDAT="2024-01-08",
             ENROLLED="N", SFREAS="Child-Pugh score > 12", HEIGHT="158", WEIGHT="51"),
    ],
    "eligibility": [
        dict(SUBJID=S1, IEDAT="2024-01-02", IECRIT="IN01", IEMET="Y"),
        dict(SUBJID=S2, IEDAT="2024-01-08", IECRIT="EX02", IEMET="N"),
    ],
    "medical_history": [
        dict(SUBJID=S1, MHSPID="1", MHCAT="LIVER DISEASE HISTORY", MHTERM="Chronic hepatitis B",
             MHSTDAT="2001-03-15", MHONGO="Y"),
    ],
    "visits": [
        dict(SUBJID=S1, VISIT="SCREENING", VISDONE="Y", VISDAT="2024-01-03"),
        dict(SUBJID=S1, VISIT="DAY -1", VISDONE="Y", VISDAT="2024-01-14"),
        dict(SUBJID=S1, VISIT="DAY 1", VISDONE="Y", VISDAT="2024-01-15"),
        dict(SUBJID=S1, VISIT="DAY 7", VISDONE="Y", VISDAT="2024-01-21"),
        dict(SUBJID=S1, VISIT="DAY 29", VISDONE="Y", VISDAT="2024-02-12"),
    ],
    "infusions": [
        dict(_INFUSION, VISIT="DAY 1", INFNUM="1", INFDAT="2024-01-15"),
        dict(_INFUSION, VISIT="DAY 29", INFNUM="2", INFDAT="2024-02-12"),
        dict(_INFUSION, VISIT="DAY 57", INFNUM="3", INFDAT="2024-03-11"),
    ],
    "vital_signs": [
        dict(SUBJID=S1, VISIT="DAY 1", VSDAT="2024-01-15", VSTPT="PRE-DOSE", VSTIM="09:30", SYSBP="120",
             DIABP="80", PULSE="70", RESP="16", TEMP="36.6", WEIGHT="65.0"),
    ],
    "local_lab": [
        dict(SUBJID=S1, VISIT="DAY 7", LBDAT="2024-01-21", LBTIM="08:00", LBCAT="CHEMISTRY", LBTESTCD="BILI",
             LBTEST="Bilirubin", LBORRES="20.1", LBORRESU="umol/L", LBORNRLO="3.4", LBORNRHI="20.5"),
        dict(SUBJID=S1, VISIT="DAY 7", LBDAT="2024-01-21", LBTIM="08:00", LBCAT="CHEMISTRY", LBTESTCD="ALB",
             LBTEST="Albumin", LBORRES="3.1", LBORRESU="g/dL", LBORNRLO="4.0", LBORNRHI="5.5"),
    ],
    "central_lab": [
        dict(ACCSNUM="A0000001", SUBJID=S1, VISIT="DAY 1", TPT="PRE-DOSE", COLDAT="2024-01-15", COLTIM="09:00",
             SPEC="PLASMA", LBCAT="CYTOKINES", LBTESTCD="IL6", LBTEST="Interleukin 6", RESULT="<1.5",
             UNIT="pg/mL", REFLO="0", REFHI="7", LLOQ="1.5"),
        dict(ACCSNUM="A0000002", SUBJID=S1, VISIT="DAY 7", COLDAT="2024-01-21", COLTIM="08:00",
             SPEC="SERUM", LBCAT="VIRAL LOAD", LBTESTCD="HBVDNA", LBTEST="Hepatitis B Virus DNA",
             RESULT="TARGET NOT DETECTED", UNIT="IU/mL", LLOQ="20"),
    ],
    "flow_cytometry": [
        dict(SUBJID=S1, VISIT="DAY 7", COLDAT="2024-01-21", TESTCD="CD4", RESULT=36.4, UNIT="%"),
    ],
    "fibroscan": [
        dict(SUBJID=S1, VISIT="SCREENING", FSDAT="2024-01-03", LSM="15.2", LSMIQR="2.1", IQRMED="14",
             CAP="250", VALIDN="10"),
    ],
    "ecog": [dict(SUBJID=S1, VISIT="SCREENING", ECOGDAT="2024-01-03", ECOG="1")],
    "child_pugh": [dict(SUBJID=S1, VISIT="SCREENING", CPDAT="2024-01-03", ASCITES="NONE", HEGRADE="0")],
    "sf36": [dict(SUBJID=S1, VISIT="DAY -1", QSDAT="2024-01-14", **{f"Q{i:02d}": "1" for i in range(1, 37)})],
    "cldq": [dict(SUBJID=S1, VISIT="DAY -1", QSDAT="2024-01-14", **{f"Q{i:02d}": "4" for i in range(1, 30)})],
    "eq5d5l": [dict(SUBJID=S1, VISIT="DAY -1", QSDAT="2024-01-14", MO="1", SC="1", UA="1", PD="2", AD="1", VAS="80")],
    "adverse_events": [
        dict(SUBJID=S1, AESPID="1", AETERM="headache", AEDECOD="Headache", AESOC="Nervous system disorders",
             AESTDAT="2024-01-16", AEONGO="N", AEENDAT="2024-01-17", AETOXGR="1", AESER="N",
             AEREL="NOT RELATED", AEACN="DOSE NOT CHANGED", AEOUT="RECOVERED/RESOLVED", AEDLT="N", AEINFR="N"),
    ],
    "concomitant_meds": [
        dict(SUBJID=S1, CMSPID="1", CMTRT="Entecavir", CMCLASS="NUCLEOS(T)IDE ANALOGUE",
             CMINDC="Chronic hepatitis B", CMDOSE="0.5", CMDOSU="mg", CMROUTE="ORAL", CMFREQ="QD",
             CMSTDAT="2024-01-05", CMONGO="Y"),
    ],
    "liver_events": [],
    "liver_transplant": [],
    "death": [],
    "disposition": [],
}


def base_records() -> dict[str, list[dict]]:
    """A fresh, editable copy of the minimal valid export."""
    return copy.deepcopy(BASE)


def write_export(raw_dir: Path, study: Study, records: dict[str, list[dict]] | None = None) -> Path:
    """Write one file per form (CSV or XPT as the spec says), columns in spec order, missing
    values empty."""
    records = base_records() if records is None else records
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, form in study.forms.items():
        df = pd.DataFrame(records[name], columns=form.column_names)
        if form.format == "xpt":
            for c in form.columns:
                df[c.name] = df[c.name].astype(float) if c.numeric else df[c.name].fillna("").astype(str)
            write_xpt(df, raw_dir / form.file, name=name.upper()[:8])
        else:
            df.fillna("").to_csv(raw_dir / form.file, index=False, lineterminator="\n", encoding="utf-8")
    return raw_dir


def issue_lines(out_dir: Path) -> list[str]:
    """data_issues.csv rows written as Problem.line() would write them."""
    df = pd.read_csv(out_dir / ISSUES_FILE, dtype=str, keep_default_na=False)
    return [f"{r.FILE}, row {r.ROW}, column {r.COLUMN}: {r.MESSAGE} [{r.RULE}]" if r.COLUMN
            else f"{r.FILE}, row {r.ROW}: {r.MESSAGE} [{r.RULE}]" for r in df.itertuples()]
