"""ADDLT: one record per dosed subject for dose finding (domain reference 4 and 7.1): cohort
and dose level, the DLT window dates, DLT-evaluability with the reason when not evaluable,
whether the subject had a DLT and how many."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.derive.checks import require_columns


def build_addlt(adsl: pd.DataFrame, adae: pd.DataFrame, dlt_window: dict) -> pd.DataFrame:
    """Build ADDLT from the finished ADSL and ADAE.

    >>> adsl = pd.DataFrame({"STUDYID": ["S"] * 2, "USUBJID": ["1", "2"], "SUBJID": ["1", "2"], "SITEID": ["01"] * 2,
    ...     "TRT01A": ["A"] * 2, "TRT01AN": [1.0] * 2, "ACTARMCD": ["C1"] * 2, "TRTSDT": pd.to_datetime(["2024-01-01"] * 2),
    ...     "LSTALVDT": pd.to_datetime(["2024-06-01", "2024-01-10"]), "SAFFL": ["Y"] * 2, "DLTEVLFL": ["Y", "N"],
    ...     "DLTFL": ["N", "N"]})
    >>> adae = pd.DataFrame({"USUBJID": ["1"], "ADLTFL": ["N"]})
    >>> build_addlt(adsl, adae, {"start_day": 1, "end_day": 28})[["USUBJID", "DLTEVLFL", "NEVALRS", "NDLT"]].values.tolist()
    [['1', 'Y', '', 0.0], ['2', 'N', 'NOT FOLLOWED THROUGH THE DLT WINDOW', 0.0]]
    """
    require_columns(adsl, ["USUBJID", "TRTSDT", "LSTALVDT", "SAFFL", "DLTEVLFL", "DLTFL", "TRT01A", "TRT01AN"],
                    "build_addlt")
    require_columns(adae, ["USUBJID", "ADLTFL"], "build_addlt (ADAE)")
    out = adsl[adsl["SAFFL"] == "Y"][["STUDYID", "USUBJID", "SUBJID", "SITEID", "ACTARMCD", "TRT01A", "TRT01AN",
                                     "TRTSDT", "LSTALVDT", "SAFFL", "DLTEVLFL", "DLTFL"]].copy()
    out["DLTWSTDT"] = out["TRTSDT"] + pd.to_timedelta(dlt_window["start_day"] - 1, unit="D")
    out["DLTWENDT"] = out["TRTSDT"] + pd.to_timedelta(dlt_window["end_day"] - 1, unit="D")
    n = adae[adae["ADLTFL"] == "Y"].groupby("USUBJID").size()
    out["NDLT"] = out["USUBJID"].map(n).fillna(0).astype(float)
    out["NEVALRS"] = np.where(out["DLTEVLFL"] == "Y", "", "NOT FOLLOWED THROUGH THE DLT WINDOW")
    return out.drop(columns=["LSTALVDT"])
