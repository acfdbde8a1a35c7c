"""Findings domains built from wide raw forms (VS, QS, RS, the FibroScan custom domain XF) and
from the long flow cytometry transfer (CP), driven by specs/sdtm/findings.yaml."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sdtm.derive import epoch_at, iso_dtc, per_distinct, raw_rows, study_day, usubjid
from analysis.sdtm.exposure import add_visit_numbers
from analysis.sdtm.lb import baseline_flag, number_text
from analysis.specs import Study, read_yaml


def load_findings_spec(spec_dir: str | Path) -> dict:
    return read_yaml(Path(spec_dir) / "findings.yaml")["domains"]


def _melt(df: pd.DataFrame, entry: dict) -> pd.DataFrame:
    """Wide form -> one row per subject, visit (time point) and test."""
    tests = entry["tests"]
    if "visit" in entry:  # a form collected once at a fixed visit has no VISIT column
        df = df.assign(VISIT=entry["visit"])
    keep = ["SUBJID", "VISIT", entry["date"]] + [c for c in (entry.get("time"), entry.get("timepoint")) if c]
    wide = df[keep + list(tests)].assign(_SRC_ROW=raw_rows(df))
    long = wide.melt(id_vars=keep + ["_SRC_ROW"], var_name="_col", value_name="ORRES")
    long["_order"] = long["_col"].map({c: i for i, c in enumerate(tests)})
    long["TESTCD"] = long["_col"].map({c: t["testcd"] for c, t in tests.items()})
    long["TEST"] = long["_col"].map({c: t["test"] for c, t in tests.items()})
    long["ORRESU"] = long["_col"].map({c: t.get("unit", "") for c, t in tests.items()})
    long["DTC"] = iso_dtc(long[entry["date"]], long[entry["time"]] if entry.get("time") else None)
    long["TPT"] = long[entry["timepoint"]] if entry.get("timepoint") else ""
    long["CAT"] = entry.get("category", "")
    long["ORRES"] = per_distinct(lambda s: s.map(_result_text), long["ORRES"])
    return long.sort_values(["SUBJID", "DTC", "_order"], kind="stable")


def _result_text(v) -> str:
    """A collected result as text: '' if missing, floats in %g form.

    >>> [_result_text(v) for v in (None, 2.0, 7, "Y")]
    ['', '2', '7', 'Y']
    """
    return "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v))


def _long(df: pd.DataFrame, entry: dict, study: Study) -> pd.DataFrame:
    cols = entry["long"]
    out = pd.DataFrame({
        "SUBJID": df["SUBJID"], "VISIT": df["VISIT"], "DTC": iso_dtc(df[entry["date"]]),
        "TESTCD": df[cols["test"]], "TEST": df[cols["test"]].map({k: t.test for k, t in study.lab_tests.items()}),
        "ORRES": number_text(df[cols["result"]]), "ORRESU": df[cols["unit"]], "TPT": "",
        "CAT": entry.get("category", ""), "_SRC_ROW": raw_rows(df),
    })
    return out


def build_findings(domain: str, entries, raw: dict[str, pd.DataFrame], dm: pd.DataFrame, se: pd.DataFrame,
                   sv: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Long findings records with the standard --variables for `domain`."""
    entries = entries if isinstance(entries, list) else [entries]
    parts = []
    for entry in entries:
        df = raw[entry["form"]]
        part = _long(df, entry, study) if "long" in entry else _melt(df, entry)
        part["_SRC_FORM"] = entry["form"]
        part["METHOD"] = entry.get("method", "")
        part["SPEC"] = entry.get("specimen", "")
        parts.append(part)
    f = pd.concat(parts, ignore_index=True)
    p = domain
    out = pd.DataFrame({"STUDYID": study.studyid, "DOMAIN": domain, "USUBJID": usubjid(study.studyid, f["SUBJID"]),
                        "_SRC_FORM": f["_SRC_FORM"].to_numpy(), "_SRC_ROW": f["_SRC_ROW"].to_numpy()})
    out[f"{p}TESTCD"] = f["TESTCD"].to_numpy()
    out[f"{p}TEST"] = f["TEST"].to_numpy()
    out[f"{p}CAT"] = f["CAT"].to_numpy()
    out[f"{p}ORRES"] = f["ORRES"].to_numpy()
    out[f"{p}ORRESU"] = np.where(f["ORRES"] != "", f["ORRESU"], "")
    numeric = pd.to_numeric(f["ORRES"], errors="coerce").to_numpy()
    factor = np.ones(len(f))
    std_unit = f["ORRESU"].to_numpy().copy()
    if domain == "CP":  # standard units from the lab dictionary
        for k, t in study.lab_tests.items():
            sel = (f["TESTCD"] == k).to_numpy()
            factor[sel] = f["ORRESU"][sel].map(t.units).to_numpy(dtype=float)
            std_unit[sel] = t.std_unit
    out[f"{p}STRESC"] = number_text(pd.Series(numeric * factor)).where(~np.isnan(numeric), f["ORRES"].to_numpy())
    out[f"{p}STRESN"] = numeric * factor
    out[f"{p}STRESU"] = np.where(f["ORRES"] != "", std_unit, "")
    out[f"{p}STAT"] = np.where(f["ORRES"] == "", "NOT DONE", "")
    out[f"{p}REASND"] = np.where(f["ORRES"] == "", "NOT ANSWERED" if domain == "QS" else "NOT RECORDED", "")
    if domain in ("XF", "CP"):
        out[f"{p}METHOD"] = f["METHOD"].to_numpy()
    if domain == "CP":
        out[f"{p}SPEC"] = f["SPEC"].to_numpy()
    out["VISIT"] = f["VISIT"].to_numpy()
    out[f"{p}DTC"] = f["DTC"].to_numpy()
    out = add_visit_numbers(out, sv)
    out[f"{p}DY"] = study_day(out[f"{p}DTC"], out["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]))
    out["EPOCH"] = epoch_at(out[f"{p}DTC"], out["USUBJID"], se)
    if domain == "VS":
        tpts = {t["tpt"]: float(t["tptnum"]) for t in study.data["infusion_timepoints"]}
        out["VSTPT"] = f["TPT"].to_numpy()
        out["VSTPTNUM"] = out["VSTPT"].map(tpts)
        out["VSTPTREF"] = np.where(out["VSTPT"] != "", study.data["timepoint_reference"], "")
    out[f"{p}LOBXFL"] = baseline_flag(out, dm, study.pre_dose_timepoints, prefix=p)
    order = [f"{p}CAT", f"{p}DTC"] + ([f"{p}TPTNUM"] if domain == "VS" else [])
    out["_row"] = np.arange(len(out))
    out = out.sort_values(["USUBJID", *order, "_row"], kind="stable", na_position="first").drop(columns="_row")
    out[f"{p}SEQ"] = (out.groupby("USUBJID").cumcount() + 1).astype(float)
    return out.reset_index(drop=True)
