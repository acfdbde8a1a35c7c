"""SV: one record per subject and visit, planned visits not done included (SDTMIG 3.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import epoch_at, iso_dtc, raw_rows, study_day, usubjid, visit_numbers
from analysis.specs import Study


def build_sv(visits: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Visits as the EDC recorded them: VISITNUM from the schedule (unscheduled visits numbered
    between the scheduled ones), VISITDY the planned study day, SVOCCUR/SVREASOC for planned
    visits not done, SVUPDES for unscheduled visits."""
    v = visits.copy()
    sv = pd.DataFrame({
        "STUDYID": study.studyid, "DOMAIN": "SV", "USUBJID": usubjid(study.studyid, v["SUBJID"]),
        "VISIT": v["VISIT"], "SVSTDTC": iso_dtc(v["VISDAT"]), "_SRC_FORM": "visits", "_SRC_ROW": raw_rows(v),
    }, index=v.index)
    sv["SVENDTC"] = sv["SVSTDTC"]
    sv["VISITNUM"] = visit_numbers(sv, study.visits)
    # VISIT must name one VISITNUM across the study: an unscheduled visit is named by its number.
    sv["_RAWVISIT"] = sv["VISIT"]
    unscheduled = ~sv["VISIT"].isin({x["visit"] for x in study.visits})
    sv.loc[unscheduled, "VISIT"] = sv.loc[unscheduled, "VISITNUM"].map(study.sdtm_unscheduled_name)
    planned_day = {x["visit"]: float(x["day"]) for x in study.visits}
    sv["VISITDY"] = sv["VISIT"].map(planned_day)
    scheduled = ~unscheduled
    done = v["VISDONE"].eq("Y").to_numpy()
    sv["SVPRESP"] = np.where(scheduled, "Y", "")
    sv["SVOCCUR"] = np.where(scheduled, np.where(done, "Y", "N"), "")
    sv["SVREASOC"] = np.where(done, "", v["VISNDRSN"].fillna(""))
    sv["SVUPDES"] = np.where(scheduled, "", "Unscheduled visit")
    rfst = sv["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    sv["SVSTDY"] = study_day(sv["SVSTDTC"], rfst)
    sv["SVENDY"] = sv["SVSTDY"]
    sv["EPOCH"] = epoch_at(sv["SVSTDTC"], sv["USUBJID"], se)
    return sv.reset_index(drop=True)
