"""SE: the elements each subject actually passed through, from consent to end of participation.

Elements come from the study spec (`elements`): screening, one element per infusion received
(from its start to the next infusion's start, the last for `cycle_days`), then follow-up. SE
gives EPOCH to every other domain through `derive.epoch_at`.

At a data cutoff an element still running at the cut has no end date (`open_at_cutoff`):
nothing after the cut is known, so no planned end date after it is written either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import dtc_date, iso_dtc, study_day, usubjid
from analysis.specs import Study


def _day_after(dtc: pd.Series, days: int) -> pd.Series:
    d = dtc_date(dtc) + pd.Timedelta(days=days)
    return d.dt.strftime("%Y-%m-%d").fillna("")


def open_at_cutoff(se: pd.DataFrame, dm: pd.DataFrame, cutoff: str | None, infusion_etcds: set[str],
                   follow_up_etcd: str) -> pd.DataFrame:
    """At a data cutoff: element ends after the cut become blank (still running at the cut), and
    a subject still on study (no RFPENDTC) whose last infusion element ended on or before the cut
    is in follow-up at the cut (an open follow-up element from that end). No cutoff: unchanged.

    >>> se = pd.DataFrame({"USUBJID": ["A", "A", "B"], "ETCD": ["SCRN", "INF1", "INF1"],
    ...                    "SESTDTC": ["2024-01-01", "2024-01-10", "2024-05-01"],
    ...                    "SEENDTC": ["2024-01-10", "2024-02-07", "2024-05-29"]})
    >>> dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFPENDTC": ["", ""]})
    >>> open_at_cutoff(se, dm, "2024-05-15", {"INF1"}, "FU").values.tolist()
    [['A', 'SCRN', '2024-01-01', '2024-01-10'], ['A', 'INF1', '2024-01-10', '2024-02-07'], ['A', 'FU', '2024-02-07', ''], ['B', 'INF1', '2024-05-01', '']]
    """
    if not cutoff or se.empty:
        return se
    out = se.copy()
    out["SEENDTC"] = out["SEENDTC"].where(out["SEENDTC"].str[:10] <= cutoff, "")
    on_study = dm.loc[dm["RFPENDTC"] == "", "USUBJID"]
    last = out.groupby("USUBJID", sort=False).tail(1)
    ended = last[last["USUBJID"].isin(on_study) & last["ETCD"].isin(infusion_etcds) & (last["SEENDTC"] != "")]
    fu = pd.DataFrame({"USUBJID": ended["USUBJID"], "ETCD": follow_up_etcd, "SESTDTC": ended["SEENDTC"],
                       "SEENDTC": ""})
    out = pd.concat([out, fu], ignore_index=True)
    return out.sort_values(["USUBJID", "SESTDTC"], kind="stable").reset_index(drop=True)


def build_se(dm: pd.DataFrame, infusions: pd.DataFrame, study: Study, cutoff: str | None = None) -> pd.DataFrame:
    """One record per subject and element, in the order the subject passed through them."""
    elements = {e["etcd"]: e for e in study.data["elements"]}
    by_infusion = {e["infusion"]: e for e in study.data["elements"] if "infusion" in e}
    # The spec lists elements in order: the first precedes treatment, the last follows it.
    screening, follow_up = study.data["elements"][0], study.data["elements"][-1]
    rows = []
    # Screening: consent to first infusion, or to end of participation if never infused.
    rows.append(pd.DataFrame({"USUBJID": dm["USUBJID"], "ETCD": screening["etcd"], "SESTDTC": dm["RFICDTC"],
                              "SEENDTC": dm["RFSTDTC"].where(dm["RFSTDTC"] != "", dm["RFPENDTC"])}))
    given = infusions[infusions["INFDONE"] == "Y"].copy()
    given["USUBJID"] = usubjid(study.studyid, given["SUBJID"])
    given["start"] = iso_dtc(given["INFDAT"], given["INFSTTIM"])
    given = given.sort_values(["USUBJID", "start"])
    given["next"] = given.groupby("USUBJID")["start"].shift(-1)
    last = given["next"].isna().to_numpy()
    cycle_end = _day_after(given["start"], study.data["cycle_days"])
    end_part = given["USUBJID"].map(dm.set_index("USUBJID")["RFPENDTC"]).fillna("")
    # The last infusion element closes after one cycle, or earlier if participation ends.
    last_end = np.where((end_part != "") & (end_part.str[:10] < cycle_end), end_part.str[:10], cycle_end)
    given["SEENDTC"] = np.where(last, last_end, given["next"].fillna(""))
    given["ETCD"] = given["INFNUM"].astype(int).map(lambda k: by_infusion[k]["etcd"])
    rows.append(given.rename(columns={"start": "SESTDTC"})[["USUBJID", "ETCD", "SESTDTC", "SEENDTC"]])
    # Follow-up: from the end of the last infusion element to the end of participation.
    tail = given[last][["USUBJID", "SEENDTC"]].rename(columns={"SEENDTC": "SESTDTC"})
    tail["SEENDTC"] = tail["USUBJID"].map(dm.set_index("USUBJID")["RFPENDTC"]).fillna("")
    tail = tail[tail["SEENDTC"].str[:10] > tail["SESTDTC"].str[:10]]
    tail["ETCD"] = follow_up["etcd"]
    rows.append(tail)
    se = pd.concat(rows, ignore_index=True)
    se = se[se["SESTDTC"] != ""].copy()
    se = open_at_cutoff(se, dm, cutoff, {e["etcd"] for e in by_infusion.values()}, follow_up["etcd"])
    se["ELEMENT"] = se["ETCD"].map(lambda k: elements[k]["element"])
    se["EPOCH"] = se["ETCD"].map(lambda k: elements[k]["epoch"])
    order = {e["etcd"]: i + 1 for i, e in enumerate(study.data["elements"])}
    se["TAETORD"] = se["ETCD"].map(order).astype(float)
    rfst = se["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    se["SESTDY"] = study_day(se["SESTDTC"], rfst)
    se["SEENDY"] = study_day(se["SEENDTC"], rfst)
    se = se.sort_values(["USUBJID", "SESTDTC", "TAETORD"], kind="stable")
    se["SESEQ"] = (se.groupby("USUBJID").cumcount() + 1).astype(float)
    se["STUDYID"] = study.studyid
    se["DOMAIN"] = "SE"
    return se.reset_index(drop=True)
