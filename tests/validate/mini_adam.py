"""A small ADaM package that every ADaM conformance rule passes, with specs/adam (datasets,
variables, params) and codelists made to match it; each rule test breaks one thing in a copy
and looks for the exact finding (the SDTM tests' `Case` and `check_case` serve both).

ADSL: MINI01-001 (Drug A, treated 2024-01-10 to 2024-01-24), MINI01-002 (Drug B, treated
2024-02-01, died) and MINI01-003 (not treated: SAFFL/ITTFL N). ADAE: one AE each for the
treated subjects. ADLB (BDS): ALT and CRP for 001 (CRP's baseline is 0, so PCHG is null; an
extra ALT record at WEEK 2 without ANL01FL), ALT for 002. ADTTE (BDS, time-to-event): time to
first AE, an event for both treated subjects.

    m = MiniAdam(tmp_path)
    m.set("ADLB", 1, "CHG", 14.0)
    [finding] = m.findings("AD0027")
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.adam.metadata import load_adam_specs, load_params
from analysis.validate.codelists import load_codelists
from analysis.validate.package import Dataset, Package
from mini_package import STUDYID, Mini, label_of

NA = np.nan
S1, S2, S3 = "MINI01-001", "MINI01-002", "MINI01-003"

ADAM_LABELS = {"ADSL": "Subject-Level Analysis Dataset", "ADAE": "Adverse Events Analysis Dataset",
               "ADLB": "Laboratory Analysis Dataset", "ADTTE": "Time-to-Event Analysis Dataset"}
CLASSES = {"ADSL": ("SUBJECT LEVEL ANALYSIS DATASET", ""), "ADAE": ("OCCURRENCE DATA STRUCTURE", ""),
           "ADLB": ("BASIC DATA STRUCTURE", ""), "ADTTE": ("BASIC DATA STRUCTURE", "TIME-TO-EVENT")}
KEYS = {"ADSL": "STUDYID;USUBJID", "ADAE": "STUDYID;USUBJID;AESEQ", "ADLB": "STUDYID;USUBJID;PARAMCD;AVISITN;ADT",
        "ADTTE": "STUDYID;USUBJID;PARAMCD"}
REQ = {"STUDYID", "USUBJID", "PARAMCD", "PARAM", "AETERM", "AESEQ", "CNSR"}
CODELISTS = {"SEX": "SEX", "SAFFL": "NY", "ITTFL": "NY", "AVALU": "UNIT"}
PARAMS = [  # dataset, paramcd, param, paramn, parcat1, unit
    ("ADLB", "ALT", "Alanine Aminotransferase (U/L)", 1, "CHEMISTRY", "U/L"),
    ("ADLB", "CRP", "C Reactive Protein (mg/L)", 2, "CHEMISTRY", "mg/L"),
    ("ADTTE", "TTAE", "Time to First Adverse Event (days)", 1, "", ""),
]


def day(iso: str) -> float:
    """A SAS date: days since 1960-01-01."""
    return float((dt.date.fromisoformat(iso) - dt.date(1960, 1, 1)).days)


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "STUDYID", STUDYID)
    return df


def valid_adam_frames() -> dict[str, pd.DataFrame]:
    adsl = _frame([
        dict(USUBJID=S1, SUBJID="001", SITEID="01", AGE=50.0, AGEU="YEARS", SEX="F", RACE="ASIAN", ARM="Drug A",
             ACTARM="Drug A", TRT01P="Drug A", TRT01PN=1.0, TRT01A="Drug A", TRT01AN=1.0, TRTSDT=day("2024-01-10"), TRTEDT=day("2024-01-24"), SAFFL="Y", SAFFN=1.0, ITTFL="Y", DTHFL=""),
        dict(USUBJID=S2, SUBJID="002", SITEID="01", AGE=61.0, AGEU="YEARS", SEX="M", RACE="ASIAN", ARM="Drug B",
             ACTARM="Drug B", TRT01P="Drug B", TRT01PN=2.0, TRT01A="Drug B", TRT01AN=2.0, TRTSDT=day("2024-02-01"), TRTEDT=day("2024-02-01"), SAFFL="Y", SAFFN=1.0, ITTFL="Y", DTHFL="Y"),
        dict(USUBJID=S3, SUBJID="003", SITEID="02", AGE=80.0, AGEU="YEARS", SEX="M", RACE="WHITE", ARM="Screen Failure",
             ACTARM="Not Treated", TRT01P="", TRT01PN=NA, TRT01A="", TRT01AN=NA,
             TRTSDT=NA, TRTEDT=NA, SAFFL="N", SAFFN=0.0, ITTFL="N", DTHFL=""),
    ])
    adae = _frame([
        dict(USUBJID=S1, AGE=50.0, TRTSDT=day("2024-01-10"), ASEQ=1.0, AESEQ=1.0, AETERM="HEADACHE", AEDECOD="Headache",
             ASTDT=day("2024-01-12"), AENDT=day("2024-01-13"), ASTDY=3.0, AENDY=4.0, TRTEMFL="Y", AOCCFL="Y"),
        dict(USUBJID=S2, AGE=61.0, TRTSDT=day("2024-02-01"), ASEQ=1.0, AESEQ=1.0, AETERM="HEPATIC FAILURE",
             AEDECOD="Hepatic failure", ASTDT=day("2024-02-10"), AENDT=day("2024-02-20"), ASTDY=10.0, AENDY=20.0,
             TRTEMFL="Y", AOCCFL="Y"),
    ])
    alt, crp = "Alanine Aminotransferase (U/L)", "C Reactive Protein (mg/L)"

    def lb(subject, code, param, paramn, unit, visit, visitn, date, ady, aval, base, a1lo, ablfl, anl01fl):
        chg = aval - base
        return dict(USUBJID=subject, SAFFL="Y", PARAMCD=code, PARAM=param, PARAMN=paramn, PARCAT1="CHEMISTRY",
                    AVAL=aval, AVALU=unit, BASE=base, CHG=chg, PCHG=100 * chg / base if base else NA,
                    R2BASE=aval / base if base else NA, A1LO=a1lo, R2A1LO=aval / a1lo if a1lo else NA,
                    ABLFL=ablfl, ANL01FL=anl01fl, AVISIT=visit, AVISITN=visitn, ADT=day(date), ADY=ady)
    adlb = _frame([
        lb(S1, "ALT", alt, 1.0, "U/L", "BASELINE", 0.0, "2024-01-08", -2.0, 40.0, 40.0, 10.0, "Y", "Y"),
        lb(S1, "ALT", alt, 1.0, "U/L", "WEEK 2", 2.0, "2024-01-24", 15.0, 55.0, 40.0, 10.0, "", "Y"),
        lb(S1, "ALT", alt, 1.0, "U/L", "WEEK 2", 2.0, "2024-01-30", 21.0, 60.0, 40.0, 10.0, "", ""),
        lb(S1, "CRP", crp, 2.0, "mg/L", "BASELINE", 0.0, "2024-01-08", -2.0, 0.0, 0.0, 0.0, "Y", "Y"),
        lb(S1, "CRP", crp, 2.0, "mg/L", "WEEK 2", 2.0, "2024-01-24", 15.0, 5.0, 0.0, 0.0, "", "Y"),
        lb(S2, "ALT", alt, 1.0, "U/L", "BASELINE", 0.0, "2024-01-30", -2.0, 30.0, 30.0, 10.0, "Y", "Y"),
        lb(S2, "ALT", alt, 1.0, "U/L", "WEEK 2", 2.0, "2024-02-15", 15.0, 33.0, 30.0, 10.0, "", "Y"),
    ])
    adtte = _frame([
        dict(USUBJID=S1, PARAMCD="TTAE", PARAM="Time to First Adverse Event (days)", PARAMN=1.0, AVAL=3.0,
             STARTDT=day("2024-01-10"), ADT=day("2024-01-12"), CNSR=0.0, EVNTDESC="ADVERSE EVENT"),
        dict(USUBJID=S2, PARAMCD="TTAE", PARAM="Time to First Adverse Event (days)", PARAMN=1.0, AVAL=10.0,
             STARTDT=day("2024-02-01"), ADT=day("2024-02-10"), CNSR=0.0, EVNTDESC="ADVERSE EVENT"),
    ])
    return {"ADSL": adsl, "ADAE": adae, "ADLB": adlb, "ADTTE": adtte}


def write_adam_specs(root: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """specs/adam/{datasets,variables,params}.csv describing `frames` (Char lengths: the longest
    value), specs/raw/codelists.yaml and specs/ct (UNIT extensible); returns specs/adam."""
    adam = root / "specs" / "adam"
    adam.mkdir(parents=True)
    with open(adam / "datasets.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dataset", "label", "class", "subclass", "structure", "keys"])
        for name in frames:
            w.writerow([name, ADAM_LABELS[name], *CLASSES[name], "", KEYS[name]])
    with open(adam / "variables.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dataset", "order", "variable", "label", "type", "length", "core", "codelist", "origin",
                    "source", "method"])
        for name, df in frames.items():
            for i, c in enumerate(df.columns, start=1):
                char = not pd.api.types.is_numeric_dtype(df[c])
                length = max(1, df[c].astype(str).str.len().max()) if char else ""
                w.writerow([name, i, c, label_of(c), "Char" if char else "Num", length,
                            "Req" if c in REQ else "Perm", CODELISTS.get(c, ""), "Derived", "", f"{c} as the test sets it"])
    with open(adam / "params.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dataset", "paramcd", "param", "paramn", "parcat1", "unit", "source", "method"])
        for row in PARAMS:
            w.writerow([*row, "", ""])
    raw = root / "specs" / "raw"
    raw.mkdir()
    (raw / "codelists.yaml").write_text(yaml.safe_dump({"SEX": ["M", "F"], "NY": ["Y", "N"]}))
    ct = root / "specs" / "ct"
    ct.mkdir()
    (ct / "terms.csv").write_text("codelist,value\nUNIT,U/L\nUNIT,mg/L\n")
    (ct / "codelists.csv").write_text("codelist,extensible\nUNIT,Y\n")
    return adam


def to_adam_datasets(frames: dict[str, pd.DataFrame]) -> dict[str, Dataset]:
    return {name: Dataset(name=name, data=df.copy(), label=ADAM_LABELS.get(name, name),
                          labels={c: label_of(c) for c in df.columns}) for name, df in frames.items()}


class MiniAdam(Mini):
    """The valid ADaM package's frames (a fresh copy per test), the SDTM Mini's ways to break
    them, and a runner for one ADaM rule at a time."""

    def __init__(self, tmp_path: Path):
        super().__init__(tmp_path)
        self.frames = valid_adam_frames()

    def specs_dir(self) -> Path:
        if self._specs is None:
            self._specs = write_adam_specs(self.tmp_path, valid_adam_frames())
        return self._specs

    def package(self, specs: bool = False, study: bool = False) -> Package:
        from mini_package import mini_study

        specs_dir = self.specs_dir() if specs else None
        if specs and self._loaded is None:
            self._loaded = (load_adam_specs(specs_dir), load_params(specs_dir))
        spec, params = self._loaded if specs else (None, None)
        st = mini_study() if study else None
        pkg = Package(to_adam_datasets(copy.deepcopy(self.frames)), specs=spec, study=st,
                      codelists=load_codelists(specs_dir, st), standard="adam", params=params)
        for (ds, var), lab in self.labels.items():
            if var:
                pkg.datasets[ds].labels[var] = lab
            else:
                pkg.datasets[ds].label = lab
        return pkg
