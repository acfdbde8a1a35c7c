"""Time-to-event parameters (admiral `derive_param_tte`), with competing events.

For each subject with a start date: the earliest event date (from any event source) on or
after the start and on or before the data cutoff gives CNSR = 0. Otherwise, if a competing
event (e.g. death for time to HCC) happened first, the record is censored at it with
CMPEVFL = "Y" (the cumulative-incidence analyses read it as a competing event); otherwise it is
censored at the censoring date (e.g. last known alive), capped at the cutoff. AVAL is in days:
ADT - STARTDT + 1, so an event on the first infusion day is at day 1 (SAS/admiral convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import require_columns

TTE_COLUMNS = ("USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC",
               "SRCDOM", "SRCVAR", "SRCSEQ", "CMPEVFL")


@dataclass(frozen=True)
class EventSource:
    """Dated records of one dataset that are events (or censoring times) of a parameter;
    `dataset` is already filtered to the qualifying records and holds USUBJID and `date`."""
    dataset: pd.DataFrame
    date: str
    description: str  # EVNTDESC / CNSDTDSC text
    srcdom: str = ""
    srcvar: str = ""
    srcseq: str | None = None  # a --SEQ column of `dataset`, when the source has one


def _first_per_subject(sources: Sequence[EventSource], start: pd.Series, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    rows = []
    for s in sources:
        require_columns(s.dataset, ["USUBJID", s.date] + ([s.srcseq] if s.srcseq else []), f"tte source {s.description}")
        d = pd.DataFrame({"USUBJID": s.dataset["USUBJID"], "_DT": pd.to_datetime(s.dataset[s.date]).dt.normalize(),
                          "_DESC": s.description, "SRCDOM": s.srcdom, "SRCVAR": s.srcvar,
                          "SRCSEQ": s.dataset[s.srcseq].astype(float) if s.srcseq else np.nan})
        rows.append(d.dropna(subset=["_DT"]))
    if not rows:
        return pd.DataFrame(columns=["USUBJID", "_DT", "_DESC", "SRCDOM", "SRCVAR", "SRCSEQ"])
    d = pd.concat(rows, ignore_index=True)
    d = d[d["_DT"] >= d["USUBJID"].map(start)]
    if cutoff is not None:
        d = d[d["_DT"] <= cutoff]
    # earliest date; on a tie the source listed first
    d["_ORDER"] = np.arange(len(d))
    return d.sort_values(["USUBJID", "_DT", "_ORDER"], kind="stable").drop_duplicates("USUBJID").set_index("USUBJID")


def derive_param_tte(adsl: pd.DataFrame, *, paramcd: str, param: str, events: Sequence[EventSource],
                     censor: Sequence[EventSource], competing: Sequence[EventSource] = (),
                     start_date: str = "TRTSDT", cutoff: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """One TTE record per subject of `adsl` with a `start_date` (see the module docstring).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRTSDT": pd.to_datetime(["2024-01-01"] * 3),
    ...                      "DTHDT": pd.to_datetime(["2024-03-01", None, None]),
    ...                      "LSTALVDT": pd.to_datetime(["2024-03-01", "2024-12-31", "2024-06-30"])})
    >>> death = EventSource(adsl[adsl.DTHDT.notna()], "DTHDT", "DEATH", "ADSL", "DTHDT")
    >>> alive = EventSource(adsl, "LSTALVDT", "LAST KNOWN ALIVE DATE", "ADSL", "LSTALVDT")
    >>> os_ = derive_param_tte(adsl, paramcd="OS", param="Overall Survival (days)", events=[death], censor=[alive],
    ...                        cutoff="2024-09-30")
    >>> os_[["USUBJID", "AVAL", "CNSR"]].values.tolist()
    [['1', 61.0, 0.0], ['2', 274.0, 1.0], ['3', 182.0, 1.0]]
    """
    require_columns(adsl, ["USUBJID", start_date], "derive_param_tte")
    cut = pd.Timestamp(cutoff) if cutoff not in (None, "") else None
    subjects = adsl.loc[adsl[start_date].notna(), ["USUBJID", start_date]].drop_duplicates("USUBJID")
    start = pd.to_datetime(subjects.set_index("USUBJID")[start_date]).dt.normalize()
    ev = _first_per_subject(events, start, cut)
    comp = _first_per_subject(competing, start, cut)
    cens_rows = []
    for s in censor:
        require_columns(s.dataset, ["USUBJID", s.date], f"tte censor {s.description}")
        c = pd.DataFrame({"USUBJID": s.dataset["USUBJID"], "_DT": pd.to_datetime(s.dataset[s.date]).dt.normalize(),
                          "_DESC": s.description, "SRCDOM": s.srcdom, "SRCVAR": s.srcvar,
                          "SRCSEQ": s.dataset[s.srcseq].astype(float) if s.srcseq else np.nan}).dropna(subset=["_DT"])
        cens_rows.append(c)
    cens = pd.concat(cens_rows, ignore_index=True) if cens_rows else pd.DataFrame(columns=["USUBJID", "_DT"])
    # latest censoring date per subject (admiral censor: last), never before the start
    cens = cens.sort_values(["USUBJID", "_DT"], kind="stable").drop_duplicates("USUBJID", keep="last").set_index("USUBJID")

    out = pd.DataFrame({"USUBJID": start.index, "STARTDT": start.to_numpy()})
    u = out["USUBJID"]
    ev_dt = pd.to_datetime(u.map(ev["_DT"]))
    comp_dt = pd.to_datetime(u.map(comp["_DT"]))
    is_event = ev_dt.notna() & ~(comp_dt.notna() & (comp_dt < ev_dt))
    is_comp = ~is_event & comp_dt.notna()
    cens_dt = pd.to_datetime(u.map(cens["_DT"]))
    if cut is not None:
        cens_dt = cens_dt.where(cens_dt.isna() | (cens_dt <= cut), cut)
    cens_dt = cens_dt.where(cens_dt.isna() | (cens_dt >= out["STARTDT"]), out["STARTDT"])
    cens_dt = cens_dt.fillna(out["STARTDT"])  # no contact after the start: censored at day 1

    def pick(col: str, default):
        return np.where(is_event, u.map(ev[col]), np.where(is_comp, u.map(comp[col]), u.map(cens[col]) if len(cens) else default))

    out["ADT"] = np.where(is_event, ev_dt, np.where(is_comp, comp_dt, cens_dt)).astype("datetime64[ns]")
    out["AVAL"] = (out["ADT"] - out["STARTDT"]).dt.days.astype(float) + 1
    out["CNSR"] = np.where(is_event, 0.0, 1.0)
    out["EVNTDESC"] = np.where(is_event, u.map(ev["_DESC"]), "")
    desc = pick("_DESC", "")
    out["CNSDTDSC"] = np.where(is_event, "", pd.Series(desc).fillna("START OF TREATMENT"))
    out["SRCDOM"] = pd.Series(pick("SRCDOM", "")).fillna("ADSL")
    out["SRCVAR"] = pd.Series(pick("SRCVAR", "")).fillna(start_date)
    out["SRCSEQ"] = pd.Series(pick("SRCSEQ", np.nan)).astype(float)
    out["CMPEVFL"] = np.where(is_comp, "Y", "")
    out["PARAMCD"], out["PARAM"] = paramcd, param
    return out[list(TTE_COLUMNS)].reset_index(drop=True)
