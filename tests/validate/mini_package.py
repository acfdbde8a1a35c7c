"""A small SDTM package that every conformance rule passes, with specs and a study spec made to
match it; each rule test breaks one thing in a copy and looks for the exact finding.

Three subjects: MINI01-001 (arm A, two doses, an AE, labs incl. a '<5' result, a NOT DONE
test and an unscheduled visit), MINI01-002 (arm B, one dose, died of a serious AE) and
MINI01-003 (a screen failure aged 80, outside the planned 18-75).

    m = Mini(tmp_path)
    m.set("AE", 0, "AETERM", " HEADACHE")
    [finding] = m.findings("SD0012")
"""

from __future__ import annotations

import copy
import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.sdtm.metadata import load_sdtm_specs
from analysis.specs import Study
from analysis.validate.codelists import load_codelists
from analysis.validate.engine import validate_package
from analysis.validate.package import Dataset, Package

NA = np.nan
STUDYID = "MINI01"
S1, S2, S3 = "MINI01-001", "MINI01-002", "MINI01-003"

DATASET_LABELS = {
    "DM": "Demographics", "EX": "Exposure", "AE": "Adverse Events", "SUPPAE": "Supplemental Qualifiers for AE",
    "LB": "Laboratory Test Results", "SV": "Subject Visits", "SE": "Subject Elements", "TA": "Trial Arms",
    "TE": "Trial Elements", "TV": "Trial Visits", "TS": "Trial Summary", "RELREC": "Related Records",
}


def _frame(rows: list[dict], domain: str | None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if domain:
        df.insert(0, "DOMAIN", domain)
    df.insert(0, "STUDYID", STUDYID)
    return df


def valid_frames() -> dict[str, pd.DataFrame]:
    """Three subjects: S1 and S2 treated (S2 died of a serious AE), S3 a screen failure."""
    dm = _frame([
        dict(USUBJID=S1, SUBJID="001", RFSTDTC="2024-01-10T09:00", RFENDTC="2024-02-20", RFXSTDTC="2024-01-10T09:00",
             RFXENDTC="2024-01-24T10:00", DTHDTC="", DTHFL="", SITEID="01", AGE=50.0, AGEU="YEARS", SEX="F",
             ARMCD="A", ARM="Drug A", ACTARMCD="A", ACTARM="Drug A", ARMNRS="", COUNTRY="CHN",
             DMDTC="2024-01-02", DMDY=-8.0),
        dict(USUBJID=S2, SUBJID="002", RFSTDTC="2024-02-01T08:00", RFENDTC="2024-02-20", RFXSTDTC="2024-02-01T08:00",
             RFXENDTC="2024-02-01T09:00", DTHDTC="2024-02-20", DTHFL="Y", SITEID="01", AGE=61.0, AGEU="YEARS",
             SEX="M", ARMCD="B", ARM="Drug B", ACTARMCD="B", ACTARM="Drug B", ARMNRS="", COUNTRY="CHN",
             DMDTC="2024-01-25", DMDY=-7.0),
        dict(USUBJID=S3, SUBJID="003", RFSTDTC="", RFENDTC="", RFXSTDTC="", RFXENDTC="", DTHDTC="", DTHFL="",
             SITEID="02", AGE=80.0, AGEU="YEARS", SEX="M", ARMCD="", ARM="", ACTARMCD="", ACTARM="",
             ARMNRS="SCREEN FAILURE", COUNTRY="CHN", DMDTC="2024-01-05", DMDY=NA),
    ], "DM")
    ex = _frame([
        dict(USUBJID=S1, EXSEQ=1.0, EXTRT="DRUG A", EXDOSE=10.0, EXDOSU="mg", VISITNUM=2.0, VISIT="DAY 1",
             EPOCH="TREATMENT", EXSTDTC="2024-01-10T09:00", EXENDTC="2024-01-10T10:00", EXSTDY=1.0, EXENDY=1.0),
        dict(USUBJID=S1, EXSEQ=2.0, EXTRT="DRUG A", EXDOSE=10.0, EXDOSU="mg", VISITNUM=3.0, VISIT="DAY 15",
             EPOCH="TREATMENT", EXSTDTC="2024-01-24T09:00", EXENDTC="2024-01-24T10:00", EXSTDY=15.0, EXENDY=15.0),
        dict(USUBJID=S2, EXSEQ=1.0, EXTRT="DRUG B", EXDOSE=20.0, EXDOSU="mg", VISITNUM=2.0, VISIT="DAY 1",
             EPOCH="TREATMENT", EXSTDTC="2024-02-01T08:00", EXENDTC="2024-02-01T09:00", EXSTDY=1.0, EXENDY=1.0),
    ], "EX")
    ae = _frame([
        dict(USUBJID=S1, AESEQ=1.0, AETERM="HEADACHE", AEDECOD="Headache", AESER="N", AEOUT="RECOVERED/RESOLVED",
             AESDTH="N", AESHOSP="N", AESLIFE="N", AESMIE="N", EPOCH="TREATMENT", AESTDTC="2024-01-12",
             AEENDTC="2024-01-13", AESTDY=3.0, AEENDY=4.0),
        dict(USUBJID=S2, AESEQ=1.0, AETERM="HEPATIC FAILURE", AEDECOD="Hepatic failure", AESER="Y", AEOUT="FATAL",
             AESDTH="Y", AESHOSP="Y", AESLIFE="N", AESMIE="N", EPOCH="TREATMENT", AESTDTC="2024-02-10",
             AEENDTC="2024-02-20", AESTDY=10.0, AEENDY=20.0),
    ], "AE")
    suppae = _frame([
        dict(RDOMAIN="AE", USUBJID=S1, IDVAR="AESEQ", IDVARVAL="1", QNAM="AEINFR", QLABEL="Infusion-Related Reaction",
             QVAL="N", QORIG="CRF"),
    ], None)
    lb = _frame([
        dict(USUBJID=S1, LBSEQ=1.0, LBTESTCD="ALT", LBTEST="Alanine Aminotransferase", LBCAT="CHEMISTRY",
             LBORRES="40", LBORRESU="U/L", LBSTRESC="40", LBSTRESN=40.0, LBSTRESU="U/L", LBSTAT="", LBREASND="",
             LBLOBXFL="Y", VISITNUM=1.0, VISIT="SCREENING", EPOCH="SCREENING", LBDTC="2024-01-02", LBDY=-8.0),
        dict(USUBJID=S1, LBSEQ=2.0, LBTESTCD="ALT", LBTEST="Alanine Aminotransferase", LBCAT="CHEMISTRY",
             LBORRES="55", LBORRESU="U/L", LBSTRESC="55", LBSTRESN=55.0, LBSTRESU="U/L", LBSTAT="", LBREASND="",
             LBLOBXFL="", VISITNUM=3.0, VISIT="DAY 15", EPOCH="TREATMENT", LBDTC="2024-01-24T08:30", LBDY=15.0),
        dict(USUBJID=S1, LBSEQ=3.0, LBTESTCD="CRP", LBTEST="C Reactive Protein", LBCAT="CHEMISTRY",
             LBORRES="<5", LBORRESU="mg/L", LBSTRESC="<5", LBSTRESN=NA, LBSTRESU="mg/L", LBSTAT="", LBREASND="",
             LBLOBXFL="", VISITNUM=3.0, VISIT="DAY 15", EPOCH="TREATMENT", LBDTC="2024-01-24T08:30", LBDY=15.0),
        dict(USUBJID=S1, LBSEQ=4.0, LBTESTCD="ALT", LBTEST="Alanine Aminotransferase", LBCAT="CHEMISTRY",
             LBORRES="", LBORRESU="", LBSTRESC="", LBSTRESN=NA, LBSTRESU="", LBSTAT="NOT DONE",
             LBREASND="SAMPLE LOST", LBLOBXFL="", VISITNUM=3.01, VISIT="UNSCHEDULED 3.01", EPOCH="TREATMENT",
             LBDTC="2024-01-30", LBDY=21.0),
        dict(USUBJID=S2, LBSEQ=1.0, LBTESTCD="ALT", LBTEST="Alanine Aminotransferase", LBCAT="CHEMISTRY",
             LBORRES="30", LBORRESU="U/L", LBSTRESC="30", LBSTRESN=30.0, LBSTRESU="U/L", LBSTAT="", LBREASND="",
             LBLOBXFL="Y", VISITNUM=2.0, VISIT="DAY 1", EPOCH="TREATMENT", LBDTC="2024-02-01T07:30", LBDY=1.0),
    ], "LB")
    sv = _frame([
        dict(USUBJID=S1, VISITNUM=1.0, VISIT="SCREENING", EPOCH="SCREENING", SVSTDTC="2024-01-02", SVENDTC="2024-01-02",
             SVSTDY=-8.0, SVENDY=-8.0),
        dict(USUBJID=S1, VISITNUM=2.0, VISIT="DAY 1", EPOCH="TREATMENT", SVSTDTC="2024-01-10", SVENDTC="2024-01-10",
             SVSTDY=1.0, SVENDY=1.0),
        dict(USUBJID=S1, VISITNUM=3.0, VISIT="DAY 15", EPOCH="TREATMENT", SVSTDTC="2024-01-24", SVENDTC="2024-01-24",
             SVSTDY=15.0, SVENDY=15.0),
        dict(USUBJID=S1, VISITNUM=3.01, VISIT="UNSCHEDULED 3.01", EPOCH="TREATMENT", SVSTDTC="2024-01-30",
             SVENDTC="2024-01-30", SVSTDY=21.0, SVENDY=21.0),
        dict(USUBJID=S2, VISITNUM=2.0, VISIT="DAY 1", EPOCH="TREATMENT", SVSTDTC="2024-02-01", SVENDTC="2024-02-01",
             SVSTDY=1.0, SVENDY=1.0),
    ], "SV")
    se = _frame([
        dict(USUBJID=S1, SESEQ=1.0, ETCD="SCRN", TAETORD=1.0, EPOCH="SCREENING", SESTDTC="2024-01-02",
             SEENDTC="2024-01-10T09:00", SESTDY=-8.0, SEENDY=1.0),
        dict(USUBJID=S1, SESEQ=2.0, ETCD="TRT", TAETORD=2.0, EPOCH="TREATMENT", SESTDTC="2024-01-10T09:00",
             SEENDTC="2024-02-20", SESTDY=1.0, SEENDY=42.0),
    ], "SE")
    ta = _frame([dict(ARMCD=a, ARM=f"Drug {a}", TAETORD=float(i), ETCD=e, EPOCH=ep)
                 for a in "AB" for i, (e, ep) in enumerate([("SCRN", "SCREENING"), ("TRT", "TREATMENT")], start=1)], "TA")
    te = _frame([dict(ETCD="SCRN", ELEMENT="Screening", TESTRL="Informed consent"),
                 dict(ETCD="TRT", ELEMENT="Treatment", TESTRL="First dose")], "TE")
    tv = _frame([dict(VISITNUM=1.0, VISIT="SCREENING", VISITDY=-14.0, ARMCD=""),
                 dict(VISITNUM=2.0, VISIT="DAY 1", VISITDY=1.0, ARMCD=""),
                 dict(VISITNUM=3.0, VISIT="DAY 15", VISITDY=15.0, ARMCD="")], "TV")
    params = [("TITLE", "Trial Title", "A mini trial"), ("TPHASE", "Trial Phase Classification", "PHASE I TRIAL"),
              ("STYPE", "Study Type", "INTERVENTIONAL"), ("PLANSUB", "Planned Number of Subjects", "2"),
              ("SEXPOP", "Sex of Participants", "BOTH"), ("AGEMIN", "Planned Minimum Age of Subjects", "P18Y"),
              ("AGEMAX", "Planned Maximum Age of Subjects", "P75Y"), ("REGID", "Registry Identifier", "NCT00000000"),
              ("SSTDTC", "Study Start Date", "2024-01-02"), ("SPONSOR", "Clinical Study Sponsor", "Mini Pharma"),
              ("INDIC", "Trial Disease/Condition Indication", "Cirrhosis"),
              ("TRT", "Investigational Therapy or Treatment", "Drug"), ("TTYPE", "Trial Type", "SAFETY"),
              ("RANDOM", "Trial is Randomized", "N")]
    ts = _frame([dict(TSSEQ=1.0, TSPARMCD=c, TSPARM=p, TSVAL=v, TSVALNF="") for c, p, v in sorted(params)], "TS")
    relrec = _frame([
        dict(RDOMAIN="AE", USUBJID=S1, IDVAR="AESEQ", IDVARVAL="1", RELTYPE="", RELID="R1"),
        dict(RDOMAIN="LB", USUBJID=S1, IDVAR="LBSEQ", IDVARVAL="2", RELTYPE="", RELID="R1"),
    ], None)
    return {"DM": dm, "EX": ex, "AE": ae, "SUPPAE": suppae, "LB": lb, "SV": sv, "SE": se, "TA": ta, "TE": te,
            "TV": tv, "TS": ts, "RELREC": relrec}


def label_of(variable: str) -> str:
    """A made-up but stable label for a variable (labels are checked for presence and length)."""
    return f"{variable} label"


def to_datasets(frames: dict[str, pd.DataFrame]) -> dict[str, Dataset]:
    return {name: Dataset(name=name, data=df.copy(), label=DATASET_LABELS.get(name, name),
                          labels={c: label_of(c) for c in df.columns}) for name, df in frames.items()}


def mini_study() -> Study:
    """A study spec for the mini package (only what the conformance rules read)."""
    data = {
        "study": {"studyid": STUDYID, "registry_id": "NCT00000000", "age_min_years": 18, "age_max_years": 75},
        "cohorts": [{"armcd": "A", "arm": "Drug A"}, {"armcd": "B", "arm": "Drug B"}],
        "elements": [{"etcd": "SCRN", "epoch": "SCREENING"}, {"etcd": "TRT", "epoch": "TREATMENT"}],
        "visits": [{"visit": "SCREENING", "visitnum": 1, "day": -14}, {"visit": "DAY 1", "visitnum": 2, "day": 1},
                   {"visit": "DAY 15", "visitnum": 3, "day": 15}],
    }
    return Study(path=Path("mini/study.yaml"), data=data, codelists={"NY": ["Y", "N"]})


IDENTIFIERS = {"STUDYID", "DOMAIN", "RDOMAIN", "USUBJID", "QNAM", "QLABEL", "QVAL", "QORIG", "RELID", "IDVAR",
               "ETCD", "ARMCD", "ARM", "TSPARMCD", "TSPARM", "VISITNUM", "TAETORD"}
CODELISTS = {"SEX": "SEX", "AGEU": "AGEU", "AESER": "NY", "AESDTH": "NY", "ARMCD": "ARMCD", "ACTARMCD": "ARMCD",
             "EPOCH": "EPOCH", "LBSTRESU": "UNIT", "LBORRESU": "UNIT", "VISIT": "VISIT", "LBLOBXFL": "NY"}
KEYS = {"DM": "STUDYID;USUBJID", "SV": "STUDYID;USUBJID;VISITNUM", "SE": "STUDYID;USUBJID;SESEQ",
        "TA": "STUDYID;ARMCD;TAETORD", "TE": "STUDYID;ETCD", "TV": "STUDYID;VISITNUM", "TS": "STUDYID;TSPARMCD;TSSEQ",
        "SUPPAE": "STUDYID;USUBJID;IDVARVAL;QNAM", "RELREC": "STUDYID;RDOMAIN;USUBJID;IDVAR;IDVARVAL;RELID"}


def write_mini_specs(root: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """specs/sdtm/{datasets,variables}.csv describing `frames`, specs/raw/codelists.yaml and a
    specs/ct/ with an extensible UNIT codelist; returns the specs/sdtm folder."""
    sdtm = root / "specs" / "sdtm"
    sdtm.mkdir(parents=True)
    with open(sdtm / "datasets.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dataset", "label", "class", "structure", "keys"])
        for name, df in frames.items():
            keys = KEYS.get(name, f"STUDYID;USUBJID;{name}SEQ")
            w.writerow([name, DATASET_LABELS[name], "", "", keys])
    with open(sdtm / "variables.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dataset", "order", "variable", "label", "type", "core", "codelist", "origin", "source"])
        for name, df in frames.items():
            for i, c in enumerate(df.columns, start=1):
                typ = "Num" if pd.api.types.is_numeric_dtype(df[c]) else "Char"
                core = "Req" if c in IDENTIFIERS or re.fullmatch(r"..(SEQ|TESTCD|TEST|TERM|TRT)", c) else "Perm"
                if name in ("DM", "TV") and c in ("ARMCD", "ARM"):
                    core = "Exp"
                w.writerow([name, i, c, label_of(c), typ, core, CODELISTS.get(c, ""), "", ""])
    raw = root / "specs" / "raw"
    raw.mkdir()
    (raw / "codelists.yaml").write_text(yaml.safe_dump({"SEX": ["M", "F"], "NY": ["Y", "N"], "AGEU": ["YEARS"]}))
    ct = root / "specs" / "ct"
    ct.mkdir()
    (ct / "terms.csv").write_text("codelist,value\nUNIT,U/L\nUNIT,mg/L\nUNIT,mg\nVISIT,SCREENING\nVISIT,DAY 1\n"
                                  "VISIT,DAY 15\n")
    (ct / "codelists.csv").write_text("codelist,extensible\nUNIT,Y\nVISIT,\n")
    return sdtm


def make_package(frames: dict[str, pd.DataFrame], specs_dir: Path | None = None, study=None, specs=None) -> Package:
    if specs is None and specs_dir:
        specs = load_sdtm_specs(specs_dir)
    return Package(to_datasets(frames), specs=specs, study=study, codelists=load_codelists(specs_dir, study))


@dataclass(frozen=True)
class Case:
    """A failing example for a rule: how to break the valid package, and the one finding
    expected (rule, dataset, variable, 1-based records; optionally subject, value, message part)."""

    id: str
    rule: str
    breaks: Callable[["Mini"], None]
    dataset: str
    variable: str
    records: tuple[int, ...]
    message: str = ""
    usubjid: str | None = None
    value: str | None = None
    specs: bool = False
    study: bool = False


class Mini:
    """The valid package's frames (a fresh copy per test), ways to break them, and a runner for
    one rule at a time."""

    def __init__(self, tmp_path: Path):
        self.frames = valid_frames()
        self.labels: dict[tuple[str, str], str] = {}
        self.tmp_path = tmp_path
        self._specs = None
        self._loaded = None  # the specs, loaded once per test

    # --- breaking things
    def set(self, ds: str, row: int, col: str, value) -> None:
        df = self.frames[ds]
        if isinstance(value, str) and pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].astype(object)
        df.loc[df.index[row], col] = value

    def set_col(self, ds: str, col: str, value) -> None:
        self.frames[ds] = self.frames[ds].assign(**{col: value})

    def retype(self, ds: str, col: str, convert: Callable) -> None:
        """Replace a column by its values passed through `convert` (e.g. str: numbers as text)."""
        self.set_col(ds, col, self.frames[ds][col].map(convert))

    def reorder(self, ds: str, first: list[str]) -> None:
        df = self.frames[ds]
        self.frames[ds] = df[first + [c for c in df.columns if c not in first]]

    def add(self, ds: str, df: pd.DataFrame) -> None:
        self.frames[ds] = df

    def drop_col(self, ds: str, col: str) -> None:
        self.frames[ds] = self.frames[ds].drop(columns=col)

    def drop_rows(self, ds: str, where: Callable[[pd.DataFrame], pd.Series]) -> None:
        df = self.frames[ds]
        self.frames[ds] = df[~where(df)].reset_index(drop=True)

    def append_copy(self, ds: str, row: int, **changes) -> None:
        df = self.frames[ds]
        new = df.iloc[[row]].assign(**changes)
        self.frames[ds] = pd.concat([df, new], ignore_index=True)

    def label(self, ds: str, var: str, label: str) -> None:
        """Set a variable label (var '' for the dataset label)."""
        self.labels[(ds, var)] = label

    # --- running rules
    def specs_dir(self) -> Path:
        if self._specs is None:
            self._specs = write_mini_specs(self.tmp_path, valid_frames())
        return self._specs

    def package(self, specs: bool = False, study: bool = False) -> Package:
        if specs and self._loaded is None:
            self._loaded = load_sdtm_specs(self.specs_dir())
        pkg = make_package(copy.deepcopy(self.frames), self.specs_dir() if specs else None,
                           mini_study() if study else None, specs=self._loaded if specs else None)
        for (ds, var), lab in self.labels.items():
            if var:
                pkg.datasets[ds].labels[var] = lab
            else:
                pkg.datasets[ds].label = lab
        return pkg

    def findings(self, rule_id: str, specs: bool = False, study: bool = False):
        report = validate_package(self.package(specs, study), rules=[rule_id])
        assert report.rules_run == [rule_id], report.rules_skipped
        internal = [f for f in report.findings if f.rule != rule_id]
        assert not internal, internal
        return report.findings


def check_case(mini: Mini, case: Case) -> None:
    """Break the package as `case` says and assert the rule reports exactly the expected finding."""
    from analysis.validate.registry import ADAM_RULES, RULES

    case.breaks(mini)
    found = mini.findings(case.rule, specs=case.specs, study=case.study)
    assert len(found) == 1, "\n".join(map(str, found)) or "no finding"
    f = found[0]
    severity = {**RULES, **ADAM_RULES}[case.rule].severity  # the SDTM and the ADaM cases share this check
    assert (f.rule, f.severity, f.dataset, f.variable, f.records) == (
        case.rule, severity, case.dataset, case.variable, case.records), f
    assert case.message in f.message, f.message
    if case.usubjid is not None:
        assert f.usubjid == case.usubjid, f
    if case.value is not None:
        assert f.value == case.value, f
