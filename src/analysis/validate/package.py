"""An SDTM or ADaM package as the rules see it: each dataset's records and metadata, plus the
optional dataset/variable specs (and, for ADaM, the parameters), study spec and codelists.

Character values are str with "" for null; numeric values are float with NaN for null
(that is how XPT stores them). SAS dates, datetimes and times stay numbers (days or seconds
since 1960-01-01, seconds since midnight), whatever display format the file gives them.
Record numbers are 1-based positions in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.validate.codelists import Codelists

CHAR, NUM = "Char", "Num"
TRIAL_DESIGN = ("TA", "TD", "TE", "TI", "TM", "TS", "TV")
RELATIONSHIP = ("RELREC", "RELSUB", "RELSPEC")
SPECIAL = ("DM", "SE", "SV", "CO", "SM")


@dataclass
class Dataset:
    """One dataset: `name` is the upper-case dataset name (the file name without .xpt)."""

    name: str
    data: pd.DataFrame
    label: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    encoding: str = "utf-8"  # how the file's text was decoded (latin1 when it is not UTF-8)
    # variable -> (codes, distinct values): filled on first use; the data must not change after
    _distinct: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.data = self.data.reset_index(drop=True)
        for col in self.data.columns:
            self.types.setdefault(col, NUM if pd.api.types.is_numeric_dtype(self.data[col]) else CHAR)
            self.labels.setdefault(col, "")
            s = self.data[col]
            if self.types[col] == CHAR and pd.api.types.infer_dtype(s, skipna=False) != "string":
                self.data[col] = s.astype(object).where(s.notna(), "").astype(str)

    def __contains__(self, variable: str) -> bool:
        return variable in self.data.columns

    def __len__(self) -> int:
        return len(self.data)

    @property
    def columns(self) -> list[str]:
        return list(self.data.columns)

    @cached_property
    def prefix(self) -> str:
        """The 2-letter variable prefix: the DOMAIN value, else the first two letters of the name."""
        if "DOMAIN" in self.data.columns and len(self.data):
            values = [v for v in self.data["DOMAIN"].unique() if len(v) == 2]
            if len(values) == 1:
                return values[0]
        return self.name[:2]

    @property
    def is_supp(self) -> bool:
        return self.name.startswith("SUPP")

    @property
    def is_trial_design(self) -> bool:
        return self.name in TRIAL_DESIGN

    @property
    def is_relationship(self) -> bool:
        return self.is_supp or self.name in RELATIONSHIP

    @property
    def is_general_observation(self) -> bool:
        """Interventions, events or findings: one record per subject observation, with --SEQ."""
        return not (self.is_trial_design or self.is_relationship or self.name in SPECIAL)

    @property
    def observation_class(self) -> str:
        """'findings', 'events', 'interventions' (from the topic variable present) or ''."""
        if not self.is_general_observation:
            return ""
        p = self.prefix
        for topic, cls in ((f"{p}TESTCD", "findings"), (f"{p}TRT", "interventions"), (f"{p}TERM", "events")):
            if topic in self:
                return cls
        return ""

    def var(self, suffix: str) -> str:
        """The name of the --`suffix` variable of this dataset (e.g. var('SEQ') == 'AESEQ')."""
        return self.prefix + suffix

    def has(self, *variables: str) -> bool:
        return all(v in self.data.columns for v in variables)

    def null(self, variable: str) -> pd.Series:
        s = self.data[variable]
        if self.types.get(variable) == NUM:
            return s.isna()
        return pd.Series(self.where_values(variable, lambda v: isinstance(v, str) and v == ""), index=s.index)

    def distinct(self, variable: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, values): the variable's distinct values (NaN included) and, per record, the
        position of its value among them. Computed once per variable: rules that look at a value
        (is it ISO 8601, ASCII, in the codelist?) then look at each distinct value once, not at
        each of a million records.

        >>> ds = Dataset("XX", pd.DataFrame({"A": ["b", "a", "b"]}))
        >>> codes, values = ds.distinct("A")
        >>> codes.tolist(), values.tolist()
        ([0, 1, 0], ['b', 'a'])
        """
        if variable not in self._distinct:
            codes, values = pd.factorize(self.data[variable], use_na_sentinel=False)
            # kept for the whole run: the narrowest integer that numbers the distinct values
            codes = codes.astype(np.min_scalar_type(max(len(values) - 1, 0)))
            self._distinct[variable] = (codes, np.asarray(values, dtype=object))
        return self._distinct[variable]

    def where_values(self, variable: str, predicate) -> np.ndarray:
        """Boolean array: the records whose value satisfies `predicate` (called once per distinct value)."""
        codes, values = self.distinct(variable)
        hit = np.fromiter((bool(predicate(v)) for v in values), dtype=bool, count=len(values))
        return hit[codes]

    def per_value(self, variable: str, func, dtype=object) -> np.ndarray:
        """`func` of each record's value, as an array (called once per distinct value)."""
        codes, values = self.distinct(variable)
        return np.array([func(v) for v in values], dtype=dtype)[codes] if len(values) else np.empty(0, dtype)

    def records(self, mask: pd.Series | None = None) -> list[int]:
        """1-based record numbers of the rows where `mask` holds (all rows when None)."""
        idx = self.data.index if mask is None else self.data.index[mask.to_numpy()]
        return [int(i) + 1 for i in idx]


@dataclass
class Package:
    """The datasets of one SDTM or ADaM folder, with what is known about the study (all
    optional). `standard` picks the rules that check it."""

    datasets: dict[str, Dataset]
    specs: dict | None = None  # dataset name -> analysis.sdtm.metadata.DatasetSpec
    study: object | None = None  # analysis.specs.Study
    codelists: Codelists = field(default_factory=Codelists)
    notes: list[str] = field(default_factory=list)
    standard: str = "sdtm"  # "sdtm" or "adam"
    params: dict | None = None  # ADaM: dataset -> {PARAMCD: analysis.adam.metadata.Param}

    def get(self, name: str) -> Dataset | None:
        return self.datasets.get(name)

    def __iter__(self):
        return iter(self.datasets[n] for n in sorted(self.datasets))

    @cached_property
    def dm_index(self) -> pd.DataFrame | None:
        """DM's first record per USUBJID (indexed by USUBJID), or None when there is no DM."""
        dm = self.get("DM")
        if dm is None or "USUBJID" not in dm:
            return None
        return dm.data.drop_duplicates("USUBJID").set_index("USUBJID")

    def dm_value(self, usubjid: pd.Series, variable: str) -> pd.Series:
        """DM.`variable` for each subject in `usubjid` ('' or NaN when unknown)."""
        dm = self.dm_index
        if dm is None or variable not in dm.columns:
            return pd.Series("", index=usubjid.index, dtype=object)
        out = usubjid.map(dm[variable])
        return out.fillna("") if dm[variable].dtype == object else out

    @cached_property
    def adsl_index(self) -> pd.DataFrame | None:
        """ADSL's first record per USUBJID (indexed by USUBJID), or None when there is no ADSL."""
        adsl = self.get("ADSL")
        if adsl is None or "USUBJID" not in adsl:
            return None
        return adsl.data.drop_duplicates("USUBJID").set_index("USUBJID")

    def adsl_value(self, usubjid: pd.Series, variable: str) -> pd.Series | None:
        """ADSL.`variable` for each subject in `usubjid` ('' or NaN for a subject not in ADSL),
        or None when ADSL or the variable is missing."""
        adsl = self.adsl_index
        if adsl is None or variable not in adsl.columns:
            return None
        out = usubjid.map(adsl[variable])
        return out.fillna("") if adsl[variable].dtype == object else out.astype(float)


_XPT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.xpt", re.IGNORECASE)


def read_dataset(path: Path) -> Dataset:
    """One XPT file with its labels and types. Text is read as UTF-8, else as Latin-1 (so a
    file with other bytes still opens, and its non-ASCII values are reported, not fatal)."""
    import pyreadstat

    fast = _read_plain_xpt(path)
    if fast is not None:
        df, labels, label = fast
        types = {c: (NUM if df[c].dtype == np.float64 else CHAR) for c in df.columns}
        return Dataset(name=path.stem.upper(), data=df, label=label, labels=labels, types=types, path=path)
    encoding = "utf-8"
    # dates stay SAS numbers: ADaM *DT/*DTM/*TM are checked as numbers, and a DATE9. format
    # must not turn a numeric variable into Python dates
    try:
        df, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    except UnicodeDecodeError:
        encoding = "latin1"
        df, meta = pyreadstat.read_xport(str(path), encoding=encoding, disable_datetime_conversion=True)
    except Exception as exc:  # pyreadstat raises its own error types for unreadable files
        raise UserError(f"{path}: not a readable SAS transport (XPT) file ({exc})") from None
    types = {c: (NUM if t == "double" else CHAR) for c, t in meta.readstat_variable_types.items()}
    labels = {c: (lab or "") for c, lab in zip(meta.column_names, meta.column_labels)}
    return Dataset(name=path.stem.upper(), data=df, label=meta.file_label or "", labels=labels,
                   types=types, path=path, encoding=encoding)


def _read_plain_xpt(path: Path):
    """(frame, labels, dataset label) from the vectorised XPT v5 reader for the plain case
    (printable ASCII text), read as pyreadstat would read it; None otherwise (or when that reader
    is not there), and pyreadstat reads the file."""
    try:
        from analysis.xpt_reader import read_xport_v5
    except ImportError:
        return None
    return read_xport_v5(path)


def read_folder(folder: str | Path) -> dict[str, Dataset]:
    """Every *.xpt file in `folder` (not its subfolders), by upper-case dataset name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and _XPT_NAME.fullmatch(p.name))
    if not paths:
        raise UserError(f"{folder}: no .xpt files to check")
    out: dict[str, Dataset] = {}
    for p in paths:
        ds = read_dataset(p)
        if ds.name in out:
            raise UserError(f"{folder}: two files for dataset {ds.name} ({out[ds.name].path.name}, {p.name})")
        out[ds.name] = ds
    return out
