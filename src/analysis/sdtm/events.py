"""Events and interventions: AE (+ SUPPAE), CM, MH, IE, DS, DD and PR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import epoch_at, iso_dtc, raw_rows, study_day, usubjid
from analysis.specs import Study

SUPP_AE = {  # raw column: (QNAM, QLABEL) - sponsor qualifiers the investigator recorded
    "AEDLT": ("AEDLT", "Dose-Limiting Toxicity (Investigator)"),
    "AEINFR": ("AEINFR", "Infusion-Related Reaction"),
}
DS_DECOD = {  # raw reason -> (DSDECOD, DSTERM when it differs)
    "COMPLETED": "COMPLETED", "ADVERSE EVENT": "ADVERSE EVENT", "DEATH": "DEATH",
    "WITHDRAWAL BY SUBJECT": "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP": "LOST TO FOLLOW-UP",
    "PHYSICIAN DECISION": "PHYSICIAN DECISION", "LIVER TRANSPLANTATION": "OTHER", "OTHER": "OTHER",
}


def _base(df: pd.DataFrame, study: Study, domain: str, form: str) -> pd.DataFrame:
    return pd.DataFrame({"STUDYID": study.studyid, "DOMAIN": domain,
                         "USUBJID": usubjid(study.studyid, df["SUBJID"]),
                         "_SRC_FORM": form, "_SRC_ROW": raw_rows(df)}, index=df.index)


def _days_and_epoch(out: pd.DataFrame, prefix: str, dm: pd.DataFrame, se: pd.DataFrame,
                    end: bool = True) -> pd.DataFrame:
    rfst = out["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    out[f"{prefix}STDY"] = study_day(out[f"{prefix}STDTC"], rfst)
    if end:
        out[f"{prefix}ENDY"] = study_day(out[f"{prefix}ENDTC"], rfst)
    out["EPOCH"] = epoch_at(out[f"{prefix}STDTC"], out["USUBJID"], se)
    return out


def _seq(out: pd.DataFrame, prefix: str, order: list[str]) -> pd.DataFrame:
    out = out.sort_values(["USUBJID", *order], kind="stable")
    out[f"{prefix}SEQ"] = (out.groupby("USUBJID").cumcount() + 1).astype(float)
    return out.reset_index(drop=True)


def build_ae(ae: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, study: Study) -> pd.DataFrame:
    out = _base(ae, study, "AE", "adverse_events")
    out["AESPID"] = ae["AESPID"].astype(int).astype(str)
    out["AETERM"] = ae["AETERM"]
    out["AEDECOD"] = ae["AEDECOD"]
    out["AEBODSYS"] = ae["AESOC"]
    out["AESOC"] = ae["AESOC"]
    out["AETOXGR"] = ae["AETOXGR"].astype(str)
    for c in ("AESER", "AEACN", "AEREL", "AEOUT", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE"):
        out[c] = ae[c]
    out["AESTDTC"] = iso_dtc(ae["AESTDAT"], ae["AESTTIM"])
    out["AEENDTC"] = iso_dtc(ae["AEENDAT"])
    ongoing = ae["AEONGO"].eq("Y")
    out["AEENRTPT"] = np.where(ongoing, "ONGOING", "")
    out["AEENTPT"] = np.where(ongoing, "END OF STUDY", "")
    out = _days_and_epoch(out, "AE", dm, se)
    out["_raw"] = ae.index
    return _seq(out, "AE", ["AESTDTC", "AESPID"])


def build_suppae(ae_sdtm: pd.DataFrame, ae_raw: pd.DataFrame, study: Study) -> pd.DataFrame:
    """One SUPPAE record per AE and qualifier, keyed to AESEQ (IDVAR)."""
    rows = []
    raw = ae_raw.loc[ae_sdtm["_raw"]]
    for col, (qnam, qlabel) in SUPP_AE.items():
        rows.append(pd.DataFrame({
            "STUDYID": study.studyid, "RDOMAIN": "AE", "USUBJID": ae_sdtm["USUBJID"].to_numpy(),
            "IDVAR": "AESEQ", "IDVARVAL": ae_sdtm["AESEQ"].astype(int).astype(str).to_numpy(),
            "QNAM": qnam, "QLABEL": qlabel, "QVAL": raw[col].to_numpy(), "QORIG": "CRF", "QEVAL": "INVESTIGATOR"}))
    supp = pd.concat(rows, ignore_index=True)
    return supp[supp["QVAL"] != ""].reset_index(drop=True)


def build_cm(cm: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, study: Study) -> pd.DataFrame:
    out = _base(cm, study, "CM", "concomitant_meds")
    out["CMSPID"] = cm["CMSPID"].astype(int).astype(str)
    out["CMTRT"] = cm["CMTRT"]
    out["CMCLAS"] = cm["CMCLASS"]
    out["CMINDC"] = cm["CMINDC"]
    out["CMDOSE"] = pd.to_numeric(cm["CMDOSE"], errors="coerce")
    out["CMDOSU"] = cm["CMDOSU"]
    out["CMROUTE"] = cm["CMROUTE"]
    out["CMDOSFRQ"] = cm["CMFREQ"]
    out["CMSTDTC"] = iso_dtc(cm["CMSTDAT"])
    out["CMENDTC"] = iso_dtc(cm["CMENDAT"])
    ongoing = cm["CMONGO"].eq("Y")
    out["CMENRTPT"] = np.where(ongoing, "ONGOING", "")
    out["CMENTPT"] = np.where(ongoing, "END OF STUDY", "")
    out = _days_and_epoch(out, "CM", dm, se)
    return _seq(out, "CM", ["CMSTDTC", "CMSPID"])


def build_mh(mh: pd.DataFrame, dm: pd.DataFrame, study: Study) -> pd.DataFrame:
    out = _base(mh, study, "MH", "medical_history")
    out["MHSPID"] = mh["MHSPID"].astype(int).astype(str)
    out["MHTERM"] = mh["MHTERM"]
    out["MHCAT"] = mh["MHCAT"]
    out["MHSTDTC"] = iso_dtc(mh["MHSTDAT"])
    out["MHENDTC"] = iso_dtc(mh["MHENDAT"])
    ongoing = mh["MHONGO"].eq("Y")
    out["MHENRTPT"] = np.where(ongoing, "ONGOING", "")
    out["MHENTPT"] = np.where(ongoing, study.screening_epoch, "")
    out["EPOCH"] = study.screening_epoch
    return _seq(out, "MH", ["MHSTDTC", "MHSPID"])


def build_ie(ie: pd.DataFrame, dm: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Only the criteria a subject did not meet (SDTMIG: IE holds exceptions)."""
    crit = {e["id"]: e for e in study.data["eligibility"]}
    cat = ie["IECRIT"].map(lambda k: crit[k]["category"])
    failed = (cat.eq("INCLUSION") & ie["IEMET"].eq("N")) | (cat.eq("EXCLUSION") & ie["IEMET"].eq("Y"))
    f = ie[failed]
    out = _base(f, study, "IE", "eligibility")
    out["IETESTCD"] = f["IECRIT"]
    out["IETEST"] = f["IECRIT"].map(lambda k: crit[k]["text"][:200])
    out["IECAT"] = cat[failed]
    out["IEORRES"] = f["IEMET"]
    out["IESTRESC"] = f["IEMET"]
    out["VISITNUM"] = float(study.visits[0]["visitnum"])
    out["VISIT"] = study.visits[0]["visit"]
    out["EPOCH"] = study.screening_epoch
    out["IEDTC"] = iso_dtc(f["IEDAT"])
    out["IEDY"] = study_day(out["IEDTC"], out["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]))
    return _seq(out, "IE", ["IETESTCD"])


def build_ds(enrolment: pd.DataFrame, disposition: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame,
             study: Study) -> pd.DataFrame:
    """Consent (protocol milestone), screen failure, and end-of-study disposition events."""
    parts = []
    consent = _base(enrolment, study, "DS", "enrolment")
    consent["DSTERM"] = "INFORMED CONSENT OBTAINED"
    consent["DSDECOD"] = "INFORMED CONSENT OBTAINED"
    consent["DSCAT"] = "PROTOCOL MILESTONE"
    consent["DSSTDTC"] = iso_dtc(enrolment["CONSDAT"])
    parts.append(consent)
    sf = enrolment[enrolment["ENROLLED"] == "N"]
    fail = _base(sf, study, "DS", "enrolment")
    fail["DSTERM"] = sf["SFREAS"].str.upper()
    fail["DSDECOD"] = "SCREEN FAILURE"
    fail["DSCAT"] = "DISPOSITION EVENT"
    fail["DSSTDTC"] = iso_dtc(sf["SCRNDAT"])
    parts.append(fail)
    d = disposition
    reason = np.where(d["DSSTAT"] == "COMPLETED", "COMPLETED", d["DSREAS"])
    end = _base(d, study, "DS", "disposition")
    end["DSTERM"] = reason
    end["DSDECOD"] = pd.Series(reason, index=d.index).map(DS_DECOD)
    end["DSCAT"] = "DISPOSITION EVENT"
    end["DSSTDTC"] = iso_dtc(d["DSDAT"])
    parts.append(end)
    out = pd.concat(parts, ignore_index=True)
    rfst = out["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    out["DSSTDY"] = study_day(out["DSSTDTC"], rfst)
    out["EPOCH"] = epoch_at(out["DSSTDTC"], out["USUBJID"], se)
    return _seq(out, "DS", ["DSSTDTC", "DSCAT"])


def build_dd(death: pd.DataFrame, dm: pd.DataFrame, study: Study) -> pd.DataFrame:
    out = _base(death, study, "DD", "death")
    out["DDTESTCD"] = "PRCDTH"
    out["DDTEST"] = "Primary Cause of Death"
    out["DDORRES"] = death["DTHCAUS"]
    out["DDSTRESC"] = death["DTHCAUS"].str.upper()
    out["DDDTC"] = iso_dtc(death["DTHDAT"])
    out["DDDY"] = study_day(out["DDDTC"], out["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]))
    return _seq(out, "DD", ["DDTESTCD"])


def build_pr(transplant: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, study: Study) -> pd.DataFrame:
    out = _base(transplant, study, "PR", "liver_transplant")
    out["PRTRT"] = "LIVER TRANSPLANTATION"
    out["PRCAT"] = "LIVER TRANSPLANT"
    out["PRSCAT"] = transplant["TXDONOR"]
    out["PRSTDTC"] = iso_dtc(transplant["TXDAT"])
    out = _days_and_epoch(out, "PR", dm, se, end=False)
    return _seq(out, "PR", ["PRSTDTC"])


def build_ce(liver: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Liver events of interest (decompensation, hepatic failure, HCC) as clinical events."""
    out = _base(liver, study, "CE", "liver_events")
    out["CESPID"] = liver["CESPID"].astype(int).astype(str)
    out["CETERM"] = liver["CETERM"]
    out["CECAT"] = "LIVER EVENT OF INTEREST"
    out["CESTDTC"] = iso_dtc(liver["CESTDAT"])
    out["_AESPID"] = pd.to_numeric(liver["AESPID"], errors="coerce").to_numpy()
    out = _days_and_epoch(out, "CE", dm, se, end=False)
    return _seq(out, "CE", ["CESTDTC", "CESPID"])


def build_relrec(ce: pd.DataFrame, ae: pd.DataFrame, study: Study) -> pd.DataFrame:
    """RELREC: each liver event (CE) and the adverse event it was also reported as (AE),
    linked record to record through the AE number the CRF recorded."""
    ae_key = ae.assign(_n=pd.to_numeric(ae["AESPID"], errors="coerce"))[["USUBJID", "_n", "AESEQ"]]
    linked = ce.dropna(subset=["_AESPID"]).merge(ae_key, left_on=["USUBJID", "_AESPID"],
                                                right_on=["USUBJID", "_n"], how="inner")
    relid = ["CEAE" + str(i + 1) for i in range(len(linked))]
    rows = []
    for domain, idvar, col in (("CE", "CESEQ", "CESEQ"), ("AE", "AESEQ", "AESEQ")):
        rows.append(pd.DataFrame({
            "STUDYID": study.studyid, "RDOMAIN": domain, "USUBJID": linked["USUBJID"].to_numpy(),
            "IDVAR": idvar, "IDVARVAL": linked[col].astype(int).astype(str).to_numpy(), "RELTYPE": "",
            "RELID": relid}))
    return pd.concat(rows, ignore_index=True)
