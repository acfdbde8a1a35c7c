"""Trial design datasets TA, TE, TV, TI and TS, built from the study spec alone."""

from __future__ import annotations

import pandas as pd

from analysis.specs import Study


def _frame(study: Study, domain: str, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "DOMAIN", domain)
    df.insert(0, "STUDYID", study.studyid)
    return df


def build_te(study: Study) -> pd.DataFrame:
    """One record per element; TEDUR only where the element has a planned length."""
    rows = []
    for e in study.data["elements"]:
        dur = f"P{study.data['cycle_days']}D" if e.get("infusion") else ""
        rows.append({"ETCD": e["etcd"], "ELEMENT": e["element"], "TESTRL": e["start"],
                     "TEENRL": e["end"], "TEDUR": dur})
    return _frame(study, "TE", rows)


def build_ta(study: Study) -> pd.DataFrame:
    """Every cohort passes through the same element sequence (no branches)."""
    rows = []
    for c in study.cohorts:
        for order, e in enumerate(study.data["elements"], start=1):
            rows.append({"ARMCD": c["armcd"], "ARM": c["arm"], "TAETORD": float(order), "ETCD": e["etcd"],
                         "ELEMENT": e["element"], "TABRANCH": "", "TATRANS": "", "EPOCH": e["epoch"]})
    return _frame(study, "TA", rows)


def build_tv(study: Study) -> pd.DataFrame:
    """Scheduled visits for every arm (ARMCD blank: the schedule does not differ by arm)."""
    rows = []
    for v in study.visits:
        if v.get("infusion") and v.get("offset", 0) > 0:
            rule = f"{v['offset']} day(s) after infusion {v['infusion']}"
        elif v.get("infusion"):
            rule = f"Day of infusion {v['infusion']}"
        else:
            rule = f"Study day {v['day']} (window {v['window'][0]} to {v['window'][1]})"
        rows.append({"VISITNUM": float(v["visitnum"]), "VISIT": v["visit"], "VISITDY": float(v["day"]),
                     "ARMCD": "", "TVSTRL": rule, "TVENRL": ""})
    return _frame(study, "TV", rows)


def build_ti(study: Study) -> pd.DataFrame:
    rows = [{"IETESTCD": e["id"], "IETEST": e["text"][:200], "IECAT": e["category"], "TIVERS": "1"}
            for e in study.data["eligibility"]]
    return _frame(study, "TI", rows)


def build_ts(study: Study, dm: pd.DataFrame | None = None) -> pd.DataFrame:
    """Trial summary parameters (SDTMIG 3.4 TS) from the study spec's `trial_summary`, plus the
    study start date (SSTDTC: first informed consent) when DM is given."""
    rows = []
    seq: dict[str, int] = {}
    for p in study.data["trial_summary"]:
        seq[p["code"]] = seq.get(p["code"], 0) + 1
        rows.append({"TSSEQ": float(seq[p["code"]]), "TSPARMCD": p["code"], "TSPARM": p["parameter"],
                     "TSVAL": str(p["value"]), "TSVALNF": "", "TSVALCD": str(p.get("value_code", "")),
                     "TSVCDREF": p.get("code_ref", ""), "TSVCDVER": ""})
    if dm is not None and (dm["RFICDTC"] != "").any():
        rows.append({"TSSEQ": 1.0, "TSPARMCD": "SSTDTC", "TSPARM": "Study Start Date",
                     "TSVAL": dm.loc[dm["RFICDTC"] != "", "RFICDTC"].str[:10].min(), "TSVALNF": "",
                     "TSVALCD": "", "TSVCDREF": "ISO 8601", "TSVCDVER": ""})
    return _frame(study, "TS", rows)
