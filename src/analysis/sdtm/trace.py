"""Raw-to-SDTM traceability: which raw records each domain tabulates, and why any is not.

Every builder tags its records with the raw form and record number they came from
(`_SRC_FORM`, `_SRC_ROW`, i.e. RAWROW from ingestion). This module counts them per form and
domain and lists every raw record no domain tabulates, with the reason declared in
specs/sdtm/not_tabulated.yaml, or "no reason declared" (which the tests treat as a defect).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import raw_rows

NO_REASON = "no reason declared"


def sdtm_reconciliation(raw: dict[str, pd.DataFrame], domains: dict[str, pd.DataFrame],
                        reasons: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per form and domain counts, one row per raw record not tabulated)."""
    used = []
    for name, df in domains.items():
        if "_SRC_FORM" in df.columns:
            used.append(pd.DataFrame({"FORM": df["_SRC_FORM"].to_numpy(), "DOMAIN": name,
                                      "RAWROW": df["_SRC_ROW"].to_numpy()}))
    used = pd.concat(used, ignore_index=True)
    counts = used.groupby(["FORM", "DOMAIN"]).agg(RAW_RECORDS=("RAWROW", "nunique"), SDTM_RECORDS=("RAWROW", "size"))
    counts = counts.reset_index()
    # Record numbers per form, grouped once (not a scan of every tabulated record per form).
    hits = {form: rows.to_numpy() for form, rows in used.groupby("FORM", sort=False)["RAWROW"]}
    rows, missing = [], []
    for form, table in raw.items():
        left = table[~np.isin(raw_rows(table), hits.get(form, []))]
        rows.append({"FORM": form, "DOMAIN": "(all)", "RAW_RECORDS": len(table), "TABULATED": len(table) - len(left),
                     "SDTM_RECORDS": int(counts.loc[counts["FORM"] == form, "SDTM_RECORDS"].sum())})
        if len(left):
            reason = reasons.get(form, NO_REASON)
            rows.append({"FORM": form, "DOMAIN": "(not tabulated)", "RAW_RECORDS": len(left), "TABULATED": 0,
                         "SDTM_RECORDS": 0,
                         "REASON": reason})
            missing.append(pd.DataFrame({"FORM": form, "RAWROW": raw_rows(left),
                                         "SUBJID": left["SUBJID"].to_numpy(), "REASON": reason}))
    counts["TABULATED"] = counts["RAW_RECORDS"]
    summary = pd.concat([pd.DataFrame(rows), counts], ignore_index=True).fillna({"REASON": ""})
    summary = summary.sort_values(["FORM", "DOMAIN"], kind="stable").reset_index(drop=True)
    summary = summary[["FORM", "DOMAIN", "RAW_RECORDS", "TABULATED", "SDTM_RECORDS", "REASON"]]
    not_tabulated = (pd.concat(missing, ignore_index=True) if missing
                     else pd.DataFrame(columns=["FORM", "RAWROW", "SUBJID", "REASON"]))
    return summary, not_tabulated
