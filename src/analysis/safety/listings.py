"""AE listings (one row per event, sorted by dose group, subject and onset): serious AEs,
deaths, DLTs and AEs leading to discontinuation. Subjects are identified by USUBJID only.

Listings show every ADAE record of the population that meets the criterion, treatment-emergent
or not (domain reference 7.1: pre-treatment events are listed, not tabulated); a TEAE column
says which is which.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analysis.ard import ListingResult
from analysis.errors import UserError

from .data import AeData
from .options import Criterion, as_text
from .tables import population_label

SAS_EPOCH = dt.date(1960, 1, 1)


def sas_date(value) -> str:
    """A SAS day number (days since 1960-01-01) as YYYY-MM-DD; blank when missing.

    >>> sas_date(0), sas_date(23581.0), sas_date(float("nan"))
    ('1960-01-01', '2024-07-24', '')
    """
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return ""
    return (SAS_EPOCH + dt.timedelta(days=int(value))).isoformat()


def study_day(date, start) -> float:
    """ADY convention: date - start + 1 on or after the start, date - start before (no Day 0).

    >>> study_day(10, 10), study_day(9, 10), study_day(float("nan"), 10)
    (1, -1, nan)
    """
    if pd.isna(date) or pd.isna(start):
        return math.nan
    d = int(date) - int(start)
    return d + 1 if d >= 0 else d


def _day_text(value) -> str:
    return "" if pd.isna(value) else str(int(value))


# Columns shown when ADAE has them: (source variable, display label).
EVENT_COLUMNS = [("AETERM", "Reported term"), ("ASTDT", "Onset date"), ("_ASTDY", "Onset day"),
                 ("AENDT", "End date"), ("_GRADE_TEXT", "Grade"), ("AESER", "Serious"), ("_REL", "Relationship"),
                 ("AEACN", "Action taken"), ("AEOUT", "Outcome"), ("_TEAE", "TEAE")]


def event_listing(data: AeData, mask: pd.Series, analysis_id: str, title: str,
                  footnotes: list[str]) -> ListingResult:
    """One row per ADAE record in `mask` (over data.records), display-ready."""
    o, recs = data.options, data.records.loc[mask]
    start = recs["USUBJID"].map(data.groups.subjects.set_index("USUBJID")[o.exposure_start]) \
        if o.exposure_start in data.groups.subjects.columns else pd.Series(math.nan, index=recs.index)
    out = pd.DataFrame({"_ORDER": recs["_GROUP"].map({lv: i for i, lv in enumerate(data.groups.levels)}),
                        "Dose group": recs["_GROUP"], "Subject": recs["USUBJID"].astype(str),
                        "_ONSET": pd.to_numeric(recs[o.onset], errors="coerce") if o.onset in recs else math.nan,
                        "System Organ Class": recs["_SOC"], "Preferred Term": recs["_PT"]}, index=recs.index)
    for var, label in EVENT_COLUMNS:
        if var in ("ASTDT", "AENDT"):
            var = o.onset if var == "ASTDT" else var
            if var in recs:
                out[label] = recs[var].map(sas_date)
        elif var == "_ASTDY":
            if "ASTDY" in recs:
                out[label] = recs["ASTDY"].map(_day_text)
            elif o.onset in recs:
                out[label] = [_day_text(study_day(a, s)) for a, s in zip(recs[o.onset], start)]
        elif var == "_GRADE_TEXT":
            if o.grade is not None:
                out[label] = as_text(recs[o.grade.variable])
        elif var == "_REL":
            rel = o.related.variable if o.related else ("AEREL" if "AEREL" in recs else None)
            if rel:
                out[label] = as_text(recs[rel])
        elif var == "_TEAE":
            if o.teae_flag:
                out[label] = as_text(recs[o.teae_flag]).map(lambda v: "Y" if v == "Y" else "N")
        elif var in recs:
            out[label] = as_text(recs[var])
    seq = pd.to_numeric(recs["AESEQ"], errors="coerce") if "AESEQ" in recs else pd.Series(0, index=recs.index)
    out = out.assign(_SEQ=seq).sort_values(["_ORDER", "Subject", "_ONSET", "_SEQ"], kind="stable",
                                           na_position="last")
    table = out.drop(columns=["_ORDER", "_ONSET", "_SEQ"]).reset_index(drop=True)
    notes = list(footnotes) + [
        "All ADAE records of the population meeting the criterion are listed, treatment-emergent or not "
        "(TEAE column); dates are YYYY-MM-DD; onset day is relative to the first infusion (Day 1, no Day 0).",
        f"Terms: {o.soc} / {o.pt}" + (f" ({o.dictionaries})." if o.dictionaries else ".")]
    return ListingResult(analysis_id, title, table, notes + listing_notes(data), population_label(data))


def _criterion_listing(data: AeData, crit: Criterion | None, analysis_id: str, title: str, what: str,
                       option: str) -> ListingResult:
    if crit is None:
        raise UserError(f"ADAE: no {what} variable to list (give {option})")
    return event_listing(data, crit.mask(data.records), analysis_id, title, [f"Selected: {crit.describe()}."])


def l_ae_serious(data: AeData, analysis_id: str = "l_ae_serious") -> ListingResult:
    """Listing of serious adverse events."""
    return _criterion_listing(data, data.options.serious, analysis_id, "Listing of serious adverse events",
                              "seriousness", "--serious-var")


def l_dlt(data: AeData, analysis_id: str = "l_dlt") -> ListingResult:
    """Listing of adverse events flagged as dose-limiting toxicities."""
    return _criterion_listing(data, data.options.dlt, analysis_id, "Listing of dose-limiting toxicities",
                              "DLT flag", "--dlt-var")


def l_ae_disc(data: AeData, analysis_id: str = "l_ae_disc") -> ListingResult:
    """Listing of adverse events leading to discontinuation of study treatment."""
    return _criterion_listing(data, data.options.discontinuation, analysis_id,
                              "Listing of adverse events leading to discontinuation of study treatment",
                              "action-taken", "--disc-var")


def l_deaths(data: AeData, analysis_id: str = "l_deaths") -> ListingResult:
    """Deaths: one row per ADSL death (DTHFL = "Y": date, day, cause) and one per fatal AE."""
    o, subjects = data.options, data.groups.subjects
    fatal = pd.Series(False, index=data.records.index)
    for c in o.fatal:
        fatal |= c.mask(data.records)
    ae = event_listing(data, fatal, analysis_id, "", []).table
    ae.insert(2, "Source", "Fatal adverse event")
    death_cols = ["Date of death", "Death day", "Cause of death"]
    rows = pd.DataFrame(columns=["Dose group", "Subject", "Source"])
    notes = []
    if "DTHFL" in subjects.columns:
        dead = subjects.loc[as_text(subjects["DTHFL"]) == "Y"]
        rows = pd.DataFrame({"Dose group": dead["_GROUP"], "Subject": dead["USUBJID"].astype(str),
                             "Source": "Death (ADSL)"})
        if "DTHDT" in dead:
            rows["Date of death"] = dead["DTHDT"].map(sas_date)
            if o.exposure_start in dead:
                rows["Death day"] = [_day_text(study_day(a, s)) for a, s in zip(dead["DTHDT"], dead[o.exposure_start])]
        if "DTHCAUS" in dead:
            rows["Cause of death"] = as_text(dead["DTHCAUS"])
        notes.append('Death (ADSL) rows: subjects with DTHFL = "Y"; date (DTHDT), its study day and cause '
                     '(DTHCAUS) where ADSL has them.')
    else:
        notes.append("ADSL has no DTHFL: only fatal adverse events are listed.")
    present = [c for c in death_cols if c in rows.columns]
    columns = list(ae.columns[:3]) + present + list(ae.columns[3:])
    table = pd.concat([rows, ae], ignore_index=True).reindex(columns=columns).fillna("")
    order = table["Dose group"].map({lv: i for i, lv in enumerate(data.groups.levels)})
    date = table["Onset date"] if "Onset date" in table else pd.Series("", index=table.index)
    table = (table.assign(_o=order, _s=(table["Source"] != "Death (ADSL)").astype(int), _d=date.replace("", "9999"))
             .sort_values(["_o", "Subject", "_s", "_d"], kind="stable").drop(columns=["_o", "_s", "_d"])
             .reset_index(drop=True))
    fatal_def = " or ".join(c.describe() for c in o.fatal) or "no fatal-outcome variable in ADAE"
    notes += [f"Fatal adverse events: {fatal_def}."]
    notes += ae_notes(data)
    return ListingResult(analysis_id, "Listing of deaths", table, notes, population_label(data))


def listing_notes(data: AeData) -> list[str]:
    """The preparation notes that concern listed records: population exclusions, uncoded terms."""
    return [n for n in data.notes if "outside the population" in n or "without a coded" in n]


def ae_notes(data: AeData) -> list[str]:
    return (["Adverse event rows list all ADAE records meeting the criterion, treatment-emergent or not "
             "(TEAE column); dates are YYYY-MM-DD; days are relative to the first infusion (Day 1, no Day 0)."]
            + listing_notes(data))
