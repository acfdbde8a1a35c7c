"""ADTTE (BDS time-to-event): OS, transplant-free survival, time to transplant, HCC, hepatic
failure and first decompensation, as listed in specs/adam/conventions.yaml `tte`.

Origin: the first infusion (TRTSDT). Event sources: death (ADSL DTHDT), liver transplant
(ADSL LTXDT, from PR) and the liver events of interest in CE grouped by term. Censoring: the
last known alive date (ADSL LSTALVDT) capped at the data cutoff. Competing events are the
sources under `competing`: a subject whose competing event came first is censored at it with
CMPEVFL = "Y".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.context import AdamContext
from analysis.adam.derive.dates import impute_dtc_dt
from analysis.adam.derive.tte import EventSource, derive_param_tte


def event_sources(ctx: AdamContext, adsl: pd.DataFrame) -> dict[str, EventSource]:
    """The named event sources the TTE spec refers to."""
    sources = {
        "death": EventSource(adsl[adsl["DTHDT"].notna()], "DTHDT", "DEATH", "ADSL", "DTHDT"),
        "transplant": EventSource(adsl[adsl["LTXDT"].notna()], "LTXDT", "LIVER TRANSPLANTATION", "ADSL", "LTXDT"),
    }
    ce = ctx.domain("CE").copy()
    ce["_DT"] = impute_dtc_dt(ce["CESTDTC"], highest_imputation="n")[0]
    for name, terms in ctx.conventions["liver_events"].items():
        sel = ce[ce["CETERM"].isin(terms)]
        label = terms[0] if len(terms) == 1 else "DECOMPENSATION EVENT"
        sources[name] = EventSource(sel, "_DT", label, "CE", "CESTDTC", "CESEQ")
    return sources


def build_adtte(ctx: AdamContext, adsl: pd.DataFrame, params: dict) -> pd.DataFrame:
    sources = event_sources(ctx, adsl)
    censor = [EventSource(adsl, "LSTALVDT", "LAST KNOWN ALIVE DATE", "ADSL", "LSTALVDT")]
    dosed = adsl[adsl["TRTSDT"].notna()]
    parts = []
    for ep in ctx.conventions["tte"]:
        unknown = [s for s in ep["events"] + ep["competing"] if s not in sources]
        if unknown:
            raise ValueError(f"TTE {ep['paramcd']}: unknown event source(s) {unknown}")
        tte = derive_param_tte(dosed, paramcd=ep["paramcd"], param=ep["param"],
                               events=[sources[s] for s in ep["events"]], censor=censor,
                               competing=[sources[s] for s in ep["competing"]], cutoff=ctx.cutoff)
        parts.append(tte)
    adtte = pd.concat(parts, ignore_index=True)
    adtte["PARAMN"] = adtte["PARAMCD"].map({k: float(p.paramn) for k, p in params.items()})
    adtte["AVALU"] = "DAYS"
    adtte["ADY"] = adtte["AVAL"]
    adtte = merge_adsl_vars(adtte, adsl)
    return adtte


def tte_event_status(adtte: pd.DataFrame) -> pd.Series:
    """0 censored, 1 event, 2 competing event: the status cumulative-incidence code expects.

    >>> tte_event_status(pd.DataFrame({"CNSR": [0.0, 1.0, 1.0], "CMPEVFL": ["", "", "Y"]})).tolist()
    [1, 0, 2]
    """
    return pd.Series(np.where(adtte["CNSR"] == 0, 1, np.where(adtte["CMPEVFL"] == "Y", 2, 0)), index=adtte.index)
