"""EX (protocol-specified dose per kg) and EC (as collected: cells, volume, interruptions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import epoch_at, iso_dtc, per_distinct, raw_rows, study_day, usubjid
from analysis.specs import Study

TREATMENT = "UC-MSC"


def set_sv_visit(df: pd.DataFrame, sv: pd.DataFrame) -> None:
    """Set VISITNUM and VISIT (in place) to the subject's visit as SV numbers and names it.

    `df["VISIT"]` holds the raw visit label; SV keeps it in `_RAWVISIT`, because an
    unscheduled visit is renamed there ("UNSCHEDULED 1" -> "UNSCHEDULED 10.01")."""
    key = sv.set_index(["USUBJID", "_RAWVISIT"])[["VISITNUM", "VISIT"]]
    found = per_distinct(lambda u, v: key.reindex(pd.MultiIndex.from_arrays([u, v])), df["USUBJID"], df["VISIT"])
    df["VISITNUM"] = found["VISITNUM"].to_numpy()
    # A visit SV does not know stays missing: the fillna this replaces was given a Series on
    # another index, which fills nothing (kept so outputs do not change).
    df["VISIT"] = found["VISIT"].to_numpy()


def add_visit_numbers(df: pd.DataFrame, sv: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with VISITNUM and VISIT as in SV (see set_sv_visit)."""
    out = df.copy()
    set_sv_visit(out, sv)
    return out


def _timing(df: pd.DataFrame, prefix: str, dm: pd.DataFrame, se: pd.DataFrame) -> pd.DataFrame:
    rfst = df["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    df[f"{prefix}STDY"] = study_day(df[f"{prefix}STDTC"], rfst)
    df[f"{prefix}ENDY"] = study_day(df[f"{prefix}ENDTC"], rfst)
    df["EPOCH"] = epoch_at(df[f"{prefix}STDTC"], df["USUBJID"], se)
    return df


def build_ex(infusions: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, sv: pd.DataFrame,
             study: Study) -> pd.DataFrame:
    """One record per infusion given, dose in protocol units (10^6 cells/kg, actual)."""
    g = infusions[infusions["INFDONE"] == "Y"]
    ex = pd.DataFrame({
        "STUDYID": study.studyid, "DOMAIN": "EX", "USUBJID": usubjid(study.studyid, g["SUBJID"]),
        "EXTRT": TREATMENT, "EXDOSE": pd.to_numeric(g["DOSEACT"], errors="coerce"), "EXDOSU": study.data["dose_unit"],
        "EXDOSFRM": "SUSPENSION", "EXROUTE": study.data["study"]["route"],
        "VISIT": g["VISIT"], "EXSTDTC": iso_dtc(g["INFDAT"], g["INFSTTIM"]),
        "EXENDTC": iso_dtc(g["INFDAT"], g["INFENTIM"]), "_SRC_FORM": "infusions", "_SRC_ROW": raw_rows(g),
    })
    ex = add_visit_numbers(ex, sv)
    ex = _timing(ex, "EX", dm, se)
    ex = ex.sort_values(["USUBJID", "EXSTDTC"], kind="stable")
    ex["EXSEQ"] = (ex.groupby("USUBJID").cumcount() + 1).astype(float)
    return ex.reset_index(drop=True)


def build_ec(infusions: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, sv: pd.DataFrame,
             study: Study) -> pd.DataFrame:
    """One record per planned infusion as collected: total cells, given or not (ECOCCUR)."""
    f = infusions
    given = f["INFDONE"].eq("Y").to_numpy()
    ec = pd.DataFrame({
        "STUDYID": study.studyid, "DOMAIN": "EC", "USUBJID": usubjid(study.studyid, f["SUBJID"]),
        "ECTRT": TREATMENT, "ECMOOD": "PERFORMED", "ECPRESP": "Y",
        "ECOCCUR": np.where(given, "Y", "N"), "ECREASOC": np.where(given, "", f["INFNDRSN"]),
        "ECDOSE": np.where(given, pd.to_numeric(f["TOTCELL"], errors="coerce"), np.nan), "ECDOSU": np.where(given, "10^6 cells", ""),
        "ECROUTE": np.where(given, study.data["study"]["route"], ""),
        "ECADJ": np.where(f["INTERR"].eq("Y"), "Infusion interrupted: " + f["INTRRSN"].astype(str)
                          + " (" + f["INTRDUR"].astype(str) + " min)", ""),
        "VISIT": f["VISIT"], "ECSTDTC": iso_dtc(f["INFDAT"], f["INFSTTIM"]),
        "ECENDTC": iso_dtc(f["INFDAT"], f["INFENTIM"]), "_SRC_FORM": "infusions", "_SRC_ROW": raw_rows(f),
    })
    ec = add_visit_numbers(ec, sv)
    ec = _timing(ec, "EC", dm, se)
    ec["_n"] = f["INFNUM"].astype(int).to_numpy()
    ec = ec.sort_values(["USUBJID", "_n"], kind="stable").drop(columns="_n")
    ec["ECSEQ"] = (ec.groupby("USUBJID").cumcount() + 1).astype(float)
    return ec.reset_index(drop=True)
