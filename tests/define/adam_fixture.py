"""A tiny ADaM folder for the define.xml tests: specs (datasets.csv, variables.csv, params.csv in
the specs/adam format) and matching XPT files for ADSL, ADLB (a BDS with a predecessor, a derived
and a character-only parameter) and ADTTE (BDS, sub-class TIME-TO-EVENT). The real ADaM datasets
are built elsewhere; this fixture pins down what define.xml makes of each kind of metadata."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from analysis.xpt import write_xpt

STUDYID = "NCT05948982"
SAS_EPOCH = dt.date(1960, 1, 1)

DATASETS = [
    # dataset, label, class, subclass, structure, keys
    ("ADSL", "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET", "", "One record per subject",
     "STUDYID;USUBJID"),
    ("ADLB", "Laboratory Analysis Dataset", "BASIC DATA STRUCTURE", "",
     "One record per subject per parameter per analysis visit", "STUDYID;USUBJID;PARAMCD;AVISITN"),
    ("ADTTE", "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE", "TIME-TO-EVENT",
     "One record per subject per parameter", "STUDYID;USUBJID;PARAMCD"),
]

VARIABLES = [
    # dataset, variable, label, type, length, core, codelist, origin, source, method
    ("ADSL", "STUDYID", "Study Identifier", "Char", "", "Req", "", "Predecessor", "DM.STUDYID", ""),
    ("ADSL", "USUBJID", "Unique Subject Identifier", "Char", "", "Req", "", "Predecessor", "DM.USUBJID", ""),
    ("ADSL", "SEX", "Sex", "Char", "", "Req", "SEX", "Predecessor", "DM.SEX", ""),
    ("ADSL", "AGE", "Age", "Num", "", "Req", "", "Predecessor", "DM.AGE", ""),
    ("ADSL", "TRT01P", "Planned Treatment for Period 01", "Char", "40", "Req", "", "Derived", "",
     "DM.ARM"),
    ("ADSL", "TRTSDT", "Date of First Exposure to Treatment", "Num", "", "Cond", "", "Derived", "",
     "Date part of the first EX.EXSTDTC, as a SAS date"),
    ("ADSL", "TRTSDTM", "Datetime of First Exposure to Treatment", "Num", "", "Cond", "", "Derived", "",
     "First EX.EXSTDTC, as a SAS datetime"),
    ("ADSL", "SAFFL", "Safety Population Flag", "Char", "", "Req", "NY", "Derived", "",
     "Y if TRTSDT is not missing, else N"),
    ("ADLB", "STUDYID", "Study Identifier", "Char", "", "Req", "", "Predecessor", "ADSL.STUDYID", ""),
    ("ADLB", "USUBJID", "Unique Subject Identifier", "Char", "", "Req", "", "Predecessor", "ADSL.USUBJID", ""),
    ("ADLB", "PARAMCD", "Parameter Code", "Char", "", "Req", "", "Assigned", "", "From LBTESTCD, see params.csv"),
    ("ADLB", "PARAM", "Parameter", "Char", "", "Req", "", "Assigned", "", "Decode of PARAMCD"),
    ("ADLB", "AVISITN", "Analysis Visit (N)", "Num", "", "Req", "", "Derived", "", "Planned visit number"),
    ("ADLB", "ADT", "Analysis Date", "Num", "", "Perm", "", "Derived", "", "LB.LBDTC as a SAS date"),
    ("ADLB", "AVAL", "Analysis Value", "Num", "", "Cond", "", "Derived", "", "See value-level metadata"),
    ("ADLB", "AVALC", "Analysis Value (C)", "Char", "", "Cond", "", "Derived", "",
     "AVAL as text; LBSTRESC for character parameters"),
    ("ADTTE", "STUDYID", "Study Identifier", "Char", "", "Req", "", "Predecessor", "ADSL.STUDYID", ""),
    ("ADTTE", "USUBJID", "Unique Subject Identifier", "Char", "", "Req", "", "Predecessor", "ADSL.USUBJID", ""),
    ("ADTTE", "PARAMCD", "Parameter Code", "Char", "", "Req", "", "Assigned", "", ""),
    ("ADTTE", "PARAM", "Parameter", "Char", "", "Req", "", "Assigned", "", ""),
    ("ADTTE", "STARTDT", "Time-to-Event Origin Date for Subject", "Num", "", "Cond", "", "Predecessor",
     "ADSL.TRTSDT", ""),
    ("ADTTE", "ADT", "Analysis Date", "Num", "", "Cond", "", "Derived", "", "Date of the event or of censoring"),
    ("ADTTE", "AVAL", "Analysis Value", "Num", "", "Cond", "", "Derived", "", "ADT - STARTDT + 1"),
    ("ADTTE", "CNSR", "Censor", "Num", "", "Cond", "", "Derived", "", "0 for an event, 1 when censored"),
    ("ADTTE", "EVNTDESC", "Event or Censoring Description", "Char", "", "Perm", "", "Derived", "",
     "What ADT is the date of"),
]

MELD = "MELD = 3.78 x ln(bilirubin mg/dL) + 11.2 x ln(INR) + 9.57 x ln(creatinine mg/dL) + 6.43"
PARAMS = [
    # dataset, paramcd, param, paramn, parcat1, unit, source, method
    ("ADLB", "ALT", "Alanine Aminotransferase (U/L)", 1, "CHEMISTRY", "U/L", "LB.LBSTRESN where LBTESTCD = ALT", ""),
    ("ADLB", "MELD", "MELD Score", 2, "SCORE", "", "", MELD),
    ("ADLB", "HBVDNAC", "HBV DNA Detected", 3, "VIROLOGY", "", "LB.LBSTRESC where LBTESTCD = HBVDNA", ""),
    ("ADTTE", "OS", "Overall Survival", 1, "", "DAYS", "",
     "Days from STARTDT to death (event) or to last known alive (censored), plus 1"),
]


def sas_date(iso: str) -> float:
    return float((dt.date.fromisoformat(iso) - SAS_EPOCH).days)


def sas_datetime(iso: str) -> float:
    return (dt.datetime.fromisoformat(iso) - dt.datetime(1960, 1, 1)).total_seconds()


def _csv(path: Path, header: list[str], rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_specs(specs_dir: Path, variables=VARIABLES, params=PARAMS, datasets=DATASETS) -> Path:
    specs_dir.mkdir(parents=True, exist_ok=True)
    _csv(specs_dir / "datasets.csv", ["dataset", "label", "class", "subclass", "structure", "keys"], datasets)
    order: dict[str, int] = {}
    rows = []
    for ds, var, *rest in variables:
        order[ds] = order.get(ds, 0) + 1
        rows.append([ds, order[ds], var, *rest])
    _csv(specs_dir / "variables.csv", ["dataset", "order", "variable", "label", "type", "length", "core", "codelist",
                                       "origin", "source", "method"], rows)
    _csv(specs_dir / "params.csv", ["dataset", "paramcd", "param", "paramn", "parcat1", "unit", "source", "method"],
         params)
    return specs_dir


def datasets() -> dict[str, pd.DataFrame]:
    subjects = [f"{STUDYID}-01-00{i}" for i in (1, 2, 3)]
    adsl = pd.DataFrame({
        "STUDYID": STUDYID, "USUBJID": subjects, "SEX": ["M", "F", "M"], "AGE": [54.0, 61.0, 47.0],
        "TRT01P": ["UC-MSC 1x10^6 cells/kg", "UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg"],
        "TRTSDT": [sas_date("2023-08-01"), sas_date("2023-08-15"), float("nan")],
        "TRTSDTM": [sas_datetime("2023-08-01T09:30:00"), sas_datetime("2023-08-15T10:05:00"), float("nan")],
        "SAFFL": ["Y", "Y", "N"],
    })
    lb_rows = []
    for subj, alt, meld in zip(subjects, (41.0, 73.0, 28.0), (12.47, 18.3, 9.125), strict=True):
        for visitn, day in ((1, "2023-08-01"), (2, "2023-08-29")):
            lb_rows += [
                (subj, "ALT", "Alanine Aminotransferase (U/L)", visitn, day, alt + visitn, str(int(alt + visitn))),
                (subj, "MELD", "MELD Score", visitn, day, meld, ""),
                (subj, "HBVDNAC", "HBV DNA Detected", visitn, day, float("nan"), "NOT DETECTED" if visitn == 2 else "DETECTED"),
            ]
    adlb = pd.DataFrame(lb_rows, columns=["USUBJID", "PARAMCD", "PARAM", "AVISITN", "ADT", "AVAL", "AVALC"])
    adlb.insert(0, "STUDYID", STUDYID)
    adlb["AVISITN"] = adlb["AVISITN"].astype(float)
    adlb["ADT"] = adlb["ADT"].map(sas_date)
    adtte = pd.DataFrame({
        "STUDYID": STUDYID, "USUBJID": subjects[:2], "PARAMCD": "OS", "PARAM": "Overall Survival",
        "STARTDT": adsl["TRTSDT"][:2].tolist(), "ADT": [sas_date("2024-06-30"), sas_date("2024-01-10")],
        "CNSR": [1.0, 0.0], "EVNTDESC": ["LAST KNOWN ALIVE", "DEATH"],
    })
    adtte["AVAL"] = adtte["ADT"] - adtte["STARTDT"] + 1
    adtte = adtte[["STUDYID", "USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC"]]
    return {"ADSL": adsl, "ADLB": adlb, "ADTTE": adtte}


def write_datasets(adam_dir: Path, data: dict[str, pd.DataFrame] | None = None) -> Path:
    adam_dir.mkdir(parents=True, exist_ok=True)
    labels = {v[1]: v[2] for v in VARIABLES}
    for name, df in (data or datasets()).items():
        write_xpt(df, adam_dir / f"{name.lower()}.xpt", name=name,
                  column_labels={c: labels.get(c, "") for c in df.columns})
    return adam_dir


def write_adam_fixture(root: Path) -> tuple[Path, Path]:
    """(specs folder, ADaM folder) under `root`."""
    return write_specs(root / "specs_adam"), write_datasets(root / "adam")
