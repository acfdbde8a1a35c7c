"""ADQS: questionnaires (BDS): SF-36 (RAND-36 scoring), CLDQ and EQ-5D-5L, one record per
subject, parameter and questionnaire date.

Two kinds of record (specs/adam/params/ADQS.csv):
* item records, as collected: PARAMCD = QSTESTCD, AVAL = QSSTRESN, AVALC = QSSTRESC,
  SRCSEQ = QSSEQ. Items not answered (QSSTAT NOT DONE) carry no value and get no record;
* score records computed from all items of one instrument that a subject answered on one date:
  the 8 SF-36 scales, the health transition item and PCS/MCS; the 6 CLDQ domains and the overall
  score; the EQ-5D-5L index (China value set), the VAS and the 5-digit health-state profile
  (AVALC only). DTYPE stays blank (computed parameters, not imputed records). SRCSEQ is blank:
  a score comes from many QS records, found by USUBJID, PARCAT1 and ADT; SRCVAR names QSSTRESN.
  NMISS, the number of the score's items not answered, shows how complete each score is. A
  score that cannot be computed (e.g. a CLDQ domain with under half its items answered, an
  EQ-5D-5L index with a dimension missing) gets no record, as in ADRS: a record with neither
  AVAL nor AVALC carries nothing to analyse, and the item records of that date show what was
  answered.

Change from baseline: CHG for scores only. Items are ordinal response codes (some scored in
reverse), so an item difference is not analysed; BASE/BASEC on items serve shift tables. There
is no PCHG: none of these scores is on a ratio scale (SF-36/CLDQ scales have no true zero, PCS/MCS
are T-scores, the EQ-5D index can be 0 or negative), so a percent change would mislead.

Chain: QS item records -> score records per instrument -> STUDYID and ADSL variables ->
PARAM/PARAMN/PARCAT1 -> ADY -> baseline, BASE/BASEC, CHG, windows (schedules sf36, cldq,
eq5d5l), ANL01FL -> CHG cleared on items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.adam.adlb import derive_vars_param
from analysis.adam.adrs import clear_var_for_params, default_params
from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.bds import (
    analysis_windows,
    derive_bds_baseline_chain,
    derive_bds_timing,
    findings_to_bds,
)
from analysis.adam.context import AdamContext
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.subject import derive_vars_merged
from analysis.adam.metadata import Param
from analysis.adam.scores import (
    CLDQ_DOMAINS,
    RAND36_SCALES,
    cldq_scores,
    eq5d5l_index,
    eq5d5l_profile,
    rand36_scales,
    sf36_summary_scores,
)
from analysis.adam.scores.cldq import ITEMS as CLDQ_ITEMS
from analysis.adam.scores.rand36 import HEALTH_TRANSITION_ITEM
from analysis.adam.scores.rand36 import ITEMS as SF36_ITEMS

EQ5D_DIMENSIONS = ["EQ5D0201", "EQ5D0202", "EQ5D0203", "EQ5D0204", "EQ5D0205"]  # MO SC UA PD AD
EQ5D_VAS = "EQ5D0206"
EQ5D_ITEMS = [*EQ5D_DIMENSIONS, EQ5D_VAS]
NMISS_SUFFIX = "_NMISS"
# chain helper columns that are not ADQS variables: questionnaires have no time of day or time point
DROPPED = ("ATPT", "ATPTN", "ADTM", "ATMF", "PCHG")


def _nmiss(wide: pd.DataFrame, items: Sequence[str]) -> pd.Series:
    return wide[list(items)].isna().sum(axis=1).astype(float)


def score_sf36(wide: pd.DataFrame) -> pd.DataFrame:
    """SF-36 scores of one questionnaire per row (columns SF3601..SF3636, NaN = not answered):
    the 8 RAND-36 scales, SF36HT, SF36PCS/SF36MCS and, per score, <score>_NMISS.

    >>> wide = pd.DataFrame([{c: 1.0 for c in SF36_ITEMS}]).assign(SF3603=np.nan)
    >>> s = score_sf36(wide)
    >>> s[["SF36PF", "SF36PF_NMISS", "SF36HT", "SF36PCS_NMISS"]].iloc[0].tolist()   # PF: 9 items at 0
    [0.0, 1.0, 100.0, 1.0]
    """
    scales = rand36_scales(wide)
    summary = sf36_summary_scores(scales[list(RAND36_SCALES)])
    out = pd.concat([scales, summary], axis=1)
    item2 = SF36_ITEMS[HEALTH_TRANSITION_ITEM - 1]
    out["SF36HT" + NMISS_SUFFIX] = _nmiss(wide, [item2])
    all_scale_items = [SF36_ITEMS[k - 1] for items in RAND36_SCALES.values() for k in items]
    for cd in ("SF36PCS", "SF36MCS"):
        out[cd + NMISS_SUFFIX] = _nmiss(wide, all_scale_items)
    return out


def score_cldq(wide: pd.DataFrame) -> pd.DataFrame:
    """CLDQ domain scores and CLDQTOT (analysis.adam.scores.cldq_scores, default overall
    convention: mean of the domain means) with <score>_NMISS.

    >>> wide = pd.DataFrame([{c: 7.0 for c in CLDQ_ITEMS}]).assign(CLDQ01=np.nan, CLDQ05=np.nan)
    >>> s = score_cldq(wide)   # AS has 1 of 3 items: below 50 %, so AS and the total are missing
    >>> s[["CLDQAS", "CLDQAS_NMISS", "CLDQFA", "CLDQTOT", "CLDQTOT_NMISS"]].iloc[0].tolist()
    [nan, 2.0, 7.0, nan, 2.0]
    """
    out = cldq_scores(wide)
    for cd, numbers in CLDQ_DOMAINS.items():
        out[cd + NMISS_SUFFIX] = _nmiss(wide, [CLDQ_ITEMS[k - 1] for k in numbers])
    out["CLDQTOT" + NMISS_SUFFIX] = _nmiss(wide, CLDQ_ITEMS)
    return out


def score_eq5d(wide: pd.DataFrame) -> pd.DataFrame:
    """EQ5DIDX (China value set), EQ5DVAS (= EQ5D0206) and EQ5DPROF (5-digit state, text) with
    <score>_NMISS.

    >>> wide = pd.DataFrame({"EQ5D0201": [2.0], "EQ5D0202": [1.0], "EQ5D0203": [2.0], "EQ5D0204": [3.0],
    ...                      "EQ5D0205": [2.0], "EQ5D0206": [70.0]})
    >>> s = score_eq5d(wide)
    >>> round(float(s["EQ5DIDX"].iloc[0]), 3), s["EQ5DPROF"].iloc[0], float(s["EQ5DVAS"].iloc[0])
    (0.702, '21232', 70.0)
    """
    dims = [wide[c] for c in EQ5D_DIMENSIONS]
    out = pd.DataFrame(index=wide.index)
    out["EQ5DIDX"] = eq5d5l_index(*dims, value_set="CN")
    out["EQ5DVAS"] = wide[EQ5D_VAS].astype(float)
    out["EQ5DPROF"] = pd.Series(eq5d5l_profile(*dims), index=wide.index, dtype=object)
    for cd in ("EQ5DIDX", "EQ5DPROF"):
        out[cd + NMISS_SUFFIX] = _nmiss(wide, EQ5D_DIMENSIONS)
    out["EQ5DVAS" + NMISS_SUFFIX] = _nmiss(wide, [EQ5D_VAS])
    return out


@dataclass(frozen=True)
class Instrument:
    parcat1: str  # QS.QSCAT
    schedule: str  # specs/study.yaml assessments
    items: tuple[str, ...]  # QSTESTCD in scoring order
    scorer: Callable[[pd.DataFrame], pd.DataFrame]


INSTRUMENTS = (
    Instrument("SF-36 V1.0", "sf36", tuple(SF36_ITEMS), score_sf36),
    Instrument("CLDQ", "cldq", tuple(CLDQ_ITEMS), score_cldq),
    Instrument("EQ-5D-5L", "eq5d5l", tuple(EQ5D_ITEMS), score_eq5d),
)


def qs_item_records(qs: pd.DataFrame, instruments: Sequence[Instrument] = INSTRUMENTS) -> pd.DataFrame:
    """QS item records as BDS base records (PARAMCD = QSTESTCD, AVAL = QSSTRESN, AVALC =
    QSSTRESC, SRCSEQ = QSSEQ), each with its instrument's schedule; not-answered items dropped.

    >>> qs = pd.DataFrame({"USUBJID": ["1", "1"], "QSSEQ": [1.0, 2.0], "QSTESTCD": ["CLDQ01", "CLDQ02"],
    ...     "QSCAT": ["CLDQ"] * 2, "QSSTRESN": [6.0, np.nan], "QSSTRESC": ["6", ""], "QSSTAT": ["", "NOT DONE"],
    ...     "QSDTC": ["2024-04-10"] * 2, "VISIT": ["DAY -1"] * 2, "VISITNUM": [2.0] * 2})
    >>> qs_item_records(qs)[["PARAMCD", "AVAL", "SRCSEQ", "_SCHEDULE"]].values.tolist()
    [['CLDQ01', 6.0, 1.0, 'cldq']]
    """
    require_columns(qs, ["QSCAT"], "qs_item_records")
    schedules = {i.parcat1: i.schedule for i in instruments}
    unknown = sorted(set(qs["QSCAT"]) - set(schedules))
    if unknown:
        raise ValueError(f"qs_item_records: QSCAT {unknown} is not a known instrument")
    return findings_to_bds(qs, "QS", schedule=qs["QSCAT"].map(schedules))


def derive_params_scores(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score records of `instrument`: one per score and per subject and date on which at least
    one of its items has a record, when the score can be computed. The instrument's `scorer`
    gets one wide row per subject and date (AVAL of each item, NaN when not answered); a numeric
    score goes to AVAL, a text score (EQ5DPROF) to AVALC, `<score>_NMISS` to NMISS. VISIT,
    VISITNUM, ADT and ADTM are those of the items (the first by SRCSEQ); SRCDOM = QS, SRCVAR =
    QSSTRESN, SRCSEQ blank.

    >>> items = pd.DataFrame({"USUBJID": ["1"] * 6, "ADT": pd.to_datetime(["2024-04-10"] * 6),
    ...     "PARAMCD": EQ5D_ITEMS, "AVAL": [1.0, 1.0, 1.0, 1.0, np.nan, 80.0], "AVALC": ["1"] * 6,
    ...     "SRCSEQ": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "SRCDOM": ["QS"] * 6, "SRCVAR": ["QSSTRESN"] * 6})
    >>> s = derive_params_scores(items, INSTRUMENTS[2])
    >>> s[["PARAMCD", "AVAL", "AVALC", "NMISS"]].values.tolist()   # no index or profile: a dimension is missing
    [['EQ5DVAS', 80.0, '', 0.0]]
    """
    require_columns(items, ["USUBJID", "ADT", "PARAMCD", "AVAL", "SRCSEQ"], "derive_params_scores")
    by = ["USUBJID", "ADT"]
    mine = items[items["PARAMCD"].isin(instrument.items)].sort_values([*by, "SRCSEQ"], kind="stable")
    if mine.empty:
        return items.iloc[0:0].assign(NMISS=pd.Series(dtype=float))
    # an item answered twice on one date (not expected): the later record counts
    answers = mine.drop_duplicates([*by, "PARAMCD"], keep="last").set_index([*by, "PARAMCD"])["AVAL"]
    wide = answers.astype(float).unstack("PARAMCD").reindex(columns=list(instrument.items))
    wide.columns.name = None
    scored = instrument.scorer(wide)
    template = mine.drop_duplicates(by, keep="first").set_index(by).loc[wide.index]
    frames = []
    for cd in [c for c in scored.columns if not c.endswith(NMISS_SUFFIX)]:
        rec = fresh(template)
        value = scored[cd]
        numeric = pd.api.types.is_numeric_dtype(value)
        rec["PARAMCD"] = cd
        rec["AVAL"] = value.to_numpy(dtype=float) if numeric else np.nan
        rec["AVALC"] = "" if numeric else value.fillna("").astype(str).to_numpy()
        rec["NMISS"] = scored[cd + NMISS_SUFFIX].to_numpy(dtype=float)
        frames.append(rec[value.notna().to_numpy()])
    out = pd.concat(frames).reset_index()
    out["SRCDOM"], out["SRCVAR"], out["SRCSEQ"] = "QS", "QSSTRESN", np.nan
    return out


def build_adqs(ctx: AdamContext, adsl: pd.DataFrame, params: dict[str, Param] | None = None) -> pd.DataFrame:
    """ADQS from QS and ADSL (see the module docstring); `params` is the ADQS parameter spec
    (default: specs/adam)."""
    require_columns(adsl, ["STUDYID", "USUBJID", "TRTSDT", "TRTSDTM"], "build_adqs")
    params = default_params("ADQS") if params is None else params
    items = qs_item_records(ctx.domain("QS"))
    items["NMISS"] = np.nan
    scores = [derive_params_scores(items, i) for i in INSTRUMENTS]
    adqs = pd.concat([items, *scores], ignore_index=True)
    adqs = derive_vars_merged(adqs, adsl, ["USUBJID"], ["STUDYID"])
    adqs = merge_adsl_vars(adqs, adsl)
    adqs = derive_vars_param(adqs, params)
    adqs = derive_bds_timing(adqs, adsl)
    windows = analysis_windows(ctx.study, adsl, ctx.domain("EX"), [i.schedule for i in INSTRUMENTS])
    adqs = derive_bds_baseline_chain(adqs, ctx.study, windows)
    item_codes = [cd for i in INSTRUMENTS for cd in i.items]
    adqs = clear_var_for_params(adqs, "CHG", item_codes)
    return adqs.drop(columns=list(DROPPED))
