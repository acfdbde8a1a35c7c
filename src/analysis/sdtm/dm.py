"""DM: one record per screened subject, screen failures included (SDTMIG 3.4 section 5.1).

Built as a chain of small steps, each adding the variables it names:

    dm = (start_dm(raw["enrolment"], study)
          .pipe(add_reference_dates, raw["infusions"], raw["disposition"], raw["death"])
          .pipe(add_arms, raw["infusions"], study)
          .pipe(add_collection_day))
"""

from __future__ import annotations

import pandas as pd

from analysis.sdtm.derive import iso_dtc, raw_rows, study_day, usubjid
from analysis.specs import Study

SCREEN_FAILURE = "SCREEN FAILURE"
NOT_TREATED = "ASSIGNED, NOT TREATED"
NOT_ASSIGNED = "NOT ASSIGNED"  # still in screening at a data cutoff: neither enrolled nor failed


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}")


def start_dm(enrolment: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Identifiers and demographics as collected; BRTHDAT arrives de-identified (year only)."""
    _require(enrolment, ["SUBJID", "SITEID", "BRTHDAT", "AGE", "SEX", "RACE", "ETHNIC", "CONSDAT",
                         "SCRNDAT", "ENROLLED", "COHORT"], "start_dm")
    e = enrolment
    return pd.DataFrame({
        "STUDYID": study.studyid, "DOMAIN": "DM", "USUBJID": usubjid(study.studyid, e["SUBJID"]),
        "SUBJID": e["SUBJID"], "SITEID": e["SITEID"], "BRTHDTC": iso_dtc(e["BRTHDAT"]),
        "AGE": e["AGE"].astype(float), "AGEU": "YEARS", "SEX": e["SEX"], "RACE": e["RACE"],
        "ETHNIC": e["ETHNIC"], "RFICDTC": iso_dtc(e["CONSDAT"]), "DMDTC": iso_dtc(e["SCRNDAT"]),
        "COUNTRY": study.data["study"]["country"], "_enrolled": e["ENROLLED"].eq("Y").fillna(False).to_numpy(dtype=bool),
        "_screen_failed": e["ENROLLED"].eq("N").fillna(False).to_numpy(dtype=bool),
        "_cohort": pd.to_numeric(e["COHORT"], errors="coerce").to_numpy(dtype=float),
        "_SRC_FORM": "enrolment", "_SRC_ROW": raw_rows(e),
    }, index=e.index)


def add_reference_dates(dm: pd.DataFrame, infusions: pd.DataFrame, disposition: pd.DataFrame,
                        death: pd.DataFrame) -> pd.DataFrame:
    """RFSTDTC/RFXSTDTC = first infusion start; RFXENDTC = last infusion end; RFENDTC = end of
    study (disposition date); RFPENDTC = end of participation (latest of disposition, death and,
    for screen failures, screening); DTHDTC/DTHFL from the death report."""
    _require(infusions, ["SUBJID", "INFDONE", "INFDAT", "INFSTTIM", "INFENTIM"], "add_reference_dates")
    given = infusions[infusions["INFDONE"] == "Y"].copy()
    given["start"] = iso_dtc(given["INFDAT"], given["INFSTTIM"])
    given["end"] = iso_dtc(given["INFDAT"], given["INFENTIM"])
    given = given.sort_values(["SUBJID", "start"])
    first = given.groupby("SUBJID")["start"].first()
    last = given.groupby("SUBJID")["end"].last()
    out = dm.copy()
    out["RFXSTDTC"] = out["SUBJID"].map(first).fillna("")
    out["RFXENDTC"] = out["SUBJID"].map(last).fillna("")
    out["RFSTDTC"] = out["RFXSTDTC"]
    ds_date = disposition.set_index("SUBJID")["DSDAT"]
    out["RFENDTC"] = out["SUBJID"].map(ds_date).fillna("")
    dth = death.set_index("SUBJID")["DTHDAT"]
    out["DTHDTC"] = out["SUBJID"].map(dth).fillna("")
    out["DTHFL"] = out["DTHDTC"].ne("").map({True: "Y", False: ""})
    candidates = pd.concat([out["RFENDTC"], out["DTHDTC"], out["DMDTC"].where(out["_screen_failed"], "")], axis=1)
    out["RFPENDTC"] = candidates.max(axis=1)  # ISO dates sort as text
    return out


def add_arms(dm: pd.DataFrame, infusions: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Planned arm from the cohort; actual arm from the dose of the infusions received.

    Screen failures and enrolled-but-never-infused subjects keep ARM/ACTARM null with ARMNRS
    saying why (SDTMIG 3.4)."""
    by_cohort = {float(c["cohort"]): c for c in study.cohorts}
    by_dose = {float(c["dose"]): c for c in study.cohorts}
    out = dm.copy()
    planned = out["_cohort"].map(lambda k: by_cohort.get(k))
    out["ARMCD"] = planned.map(lambda c: c["armcd"] if c else "")
    out["ARM"] = planned.map(lambda c: c["arm"] if c else "")
    given = infusions[infusions["INFDONE"] == "Y"]
    dose = given.groupby("SUBJID")["DOSEPLN"].first()
    actual = out["SUBJID"].map(dose).map(lambda d: by_dose.get(float(d)) if pd.notna(d) else None)
    out["ACTARMCD"] = actual.map(lambda c: c["armcd"] if c else "")
    out["ACTARM"] = actual.map(lambda c: c["arm"] if c else "")
    out["ARMNRS"] = ""
    out.loc[~out["_enrolled"], "ARMNRS"] = NOT_ASSIGNED
    out.loc[out["_screen_failed"], "ARMNRS"] = SCREEN_FAILURE
    out.loc[out["_enrolled"] & (out["ACTARMCD"] == ""), "ARMNRS"] = NOT_TREATED
    return out


def add_collection_day(dm: pd.DataFrame) -> pd.DataFrame:
    out = dm.copy()
    out["DMDY"] = study_day(out["DMDTC"], out["RFSTDTC"])
    return out.drop(columns=["_enrolled", "_screen_failed", "_cohort"])


def build_dm(raw: dict[str, pd.DataFrame], study: Study) -> pd.DataFrame:
    return (start_dm(raw["enrolment"], study)
            .pipe(add_reference_dates, raw["infusions"], raw["disposition"], raw["death"])
            .pipe(add_arms, raw["infusions"], study)
            .pipe(add_collection_day))
