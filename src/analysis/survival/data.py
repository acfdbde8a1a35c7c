"""One analysis record per population subject for one ADTTE parameter: group, time, status."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.stats.groups import Groups, analysis_groups, require


@dataclass
class TteData:
    """`records`: USUBJID, _GROUP, TIME (AVAL), STATUS (0 censored, 1 event, 2 competing
    event), sorted by group then subject; `notes`: footnotes on records not analysed."""

    paramcd: str
    param: str
    records: pd.DataFrame
    groups: Groups
    notes: list[str] = field(default_factory=list)

    def subset(self, level: str) -> pd.DataFrame:
        """The records of one column (a dose group, or Total = everyone)."""
        if level == "Total":
            return self.records
        return self.records[self.records["_GROUP"] == level]


def event_status(adtte: pd.DataFrame) -> pd.Series:
    """0 censored, 1 event (CNSR = 0), 2 censored by a competing event (CMPEVFL = "Y"; only
    when ADTTE has CMPEVFL). Same coding as analysis.adam.adtte.tte_event_status.

    >>> event_status(pd.DataFrame({"CNSR": [0.0, 1.0, 1.0], "CMPEVFL": ["", "", "Y"]})).tolist()
    [1, 0, 2]
    >>> event_status(pd.DataFrame({"CNSR": [0.0, 1.0]})).tolist()
    [1, 0]
    """
    cnsr = pd.to_numeric(adtte["CNSR"], errors="coerce")
    competing = adtte["CMPEVFL"].astype(str).str.strip() == "Y" if "CMPEVFL" in adtte.columns \
        else pd.Series(False, index=adtte.index)
    return pd.Series(np.where(cnsr == 0, 1, np.where(competing, 2, 0)), index=adtte.index)


def tte_records(adsl: pd.DataFrame, adtte: pd.DataFrame, paramcd: str, treatment: str = "TRT01A",
                population: str | None = "SAFFL") -> TteData:
    """Population subjects' records of `paramcd`; the treatment comes from ADTTE when it has
    the variable (checked against ADSL, which gives the big N), else from ADSL by USUBJID.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01A": ["A", "B", "B"],
    ...                      "SAFFL": ["Y", "Y", "Y"]})
    >>> adtte = pd.DataFrame({"USUBJID": ["1", "2", "3"], "PARAMCD": "OS", "PARAM": "Overall survival",
    ...                       "AVAL": [10.0, 5.0, None], "CNSR": [0.0, 1.0, 1.0]})
    >>> d = tte_records(adsl, adtte, "OS")
    >>> d.records[["_GROUP", "TIME", "STATUS"]].values.tolist(), d.notes
    ([['A', 10.0, 1], ['B', 5.0, 0]], ['OS: 1 subject(s) with missing AVAL not analysed (B: 1).'])
    """
    require(adtte, ["USUBJID", "PARAMCD", "AVAL", "CNSR"], "ADTTE")
    groups = analysis_groups(adsl, treatment, population)
    rec = adtte[adtte["PARAMCD"].astype(str).str.strip() == paramcd].copy()
    if rec.empty:
        raise UserError(f"ADTTE: no records with PARAMCD = {paramcd}")
    rec["USUBJID"] = rec["USUBJID"].astype(str).str.strip()
    dup = rec["USUBJID"][rec["USUBJID"].duplicated()]
    if len(dup):
        raise UserError(f"ADTTE: PARAMCD {paramcd}: more than one record for USUBJID {dup.iloc[0]}")
    param = str(rec["PARAM"].iloc[0]).strip() if "PARAM" in rec.columns else paramcd
    subjects = groups.subjects[["USUBJID", "_GROUP"]].copy()
    subjects["USUBJID"] = subjects["USUBJID"].astype(str).str.strip()
    notes = []
    outside = ~rec["USUBJID"].isin(subjects["USUBJID"])
    if outside.any():
        notes.append(f"{paramcd}: {int(outside.sum())} record(s) of subjects outside the "
                     f"{population or 'analysis'} population not analysed.")
    rec = rec[~outside].merge(subjects, on="USUBJID", how="left")
    if treatment in rec.columns:
        trt = rec[treatment].astype(str).str.strip()
        bad = trt != rec["_GROUP"]
        if bad.any():
            i = bad.idxmax()
            raise UserError(f"ADTTE: USUBJID {rec.at[i, 'USUBJID']}: {treatment} '{trt[i]}' differs "
                            f"from ADSL {groups.treatment} '{rec.at[i, '_GROUP']}'")
    rec["TIME"] = pd.to_numeric(rec["AVAL"], errors="coerce")
    cnsr = pd.to_numeric(rec["CNSR"], errors="coerce")
    if cnsr.isna().any():
        raise UserError(f"ADTTE: PARAMCD {paramcd}: USUBJID {rec.loc[cnsr.isna(), 'USUBJID'].iloc[0]}: "
                        "CNSR is missing or not numeric")
    negative = rec["TIME"] < 0
    if negative.any():
        raise UserError(f"ADTTE: PARAMCD {paramcd}: USUBJID {rec.loc[negative, 'USUBJID'].iloc[0]}: "
                        "AVAL < 0 (event/censoring before the origin)")
    rec["STATUS"] = event_status(rec)
    missing = rec["TIME"].isna()
    if missing.any():
        by = rec[missing].groupby("_GROUP").size()
        notes.append(f"{paramcd}: {int(missing.sum())} subject(s) with missing AVAL not analysed ("
                     + ", ".join(f"{g}: {by[g]}" for g in groups.levels if g in by) + ").")
    absent = ~subjects["USUBJID"].isin(rec["USUBJID"])
    if absent.any():
        by = subjects[absent].groupby("_GROUP").size()
        notes.append(f"{paramcd}: {int(absent.sum())} subject(s) of the population have no record "
                     "and are not analysed (" + ", ".join(f"{g}: {by[g]}" for g in groups.levels if g in by)
                     + ").")
    rec = rec[~missing]
    order = {lv: i for i, lv in enumerate(groups.levels)}
    rec = rec.assign(_ORD=rec["_GROUP"].map(order)).sort_values(["_ORD", "USUBJID"], kind="stable")
    records = rec[["USUBJID", "_GROUP", "TIME", "STATUS"]].reset_index(drop=True)
    return TteData(paramcd, param, records, groups, notes)
