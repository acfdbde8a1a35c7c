"""ADQS (analysis.adam.adqs) on a hand-built mini QS, then once on the real SDTM.

One subject, first infusion 2024-05-11 10:00; questionnaires on Day -1 (2024-05-10, baseline)
and at Week 12 (2024-08-04, study day 86):
* SF-36: Day -1 every item answered 1; Week 12 every item 2, item 3 not answered.
* CLDQ: Day -1 every item 4; Week 12 item k answered (k mod 7) + 1, items 1 and 5 not answered.
* EQ-5D-5L: Day -1 state 21232, VAS 70; Week 12 state 1111 with anxiety/depression not
  answered, VAS 85.
A score that cannot be computed from the answered items gets no record.
Expected values are worked out by hand in the comments (RAND-36 recoding table, CLDQ domain
means, China value set) and compared with the score functions on the same items.
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.adam.adqs as adqs_module
from analysis.adam.adqs import EQ5D_ITEMS, build_adqs
from analysis.adam.context import AdamContext
from analysis.adam.metadata import load_adam_specs, load_params
from analysis.adam.scores import (
    cldq_scores,
    eq5d5l_index,
    rand36_scales,
    sf36_summary_scores,
)
from analysis.adam.scores.cldq import ITEMS as CLDQ_ITEMS
from analysis.adam.scores.rand36 import ITEMS as SF36_ITEMS
from analysis.sdtm.metadata import conform
from analysis.specs import load_study

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "specs" / "adam"
STUDY = load_study(ROOT / "specs" / "study.yaml")

KEYS = ["STUDYID", "USUBJID", "PARAMN", "ADT", "SRCSEQ"]
D1, W12 = "2024-05-10", "2024-08-04"
SF, CL, EQ = "SF-36 V1.0", "CLDQ", "EQ-5D-5L"


def qs_rows(usubjid, cat, dtc, visit, visitnum, answers, start_seq):
    """QS records of one questionnaire: answers = {QSTESTCD: response or None (not answered)}."""
    rows = []
    for i, (cd, v) in enumerate(answers.items()):
        rows.append({"USUBJID": usubjid, "QSSEQ": float(start_seq + i), "QSTESTCD": cd, "QSCAT": cat,
                     "QSSTRESN": np.nan if v is None else float(v), "QSSTRESC": "" if v is None else str(v),
                     "QSSTAT": "NOT DONE" if v is None else "", "QSDTC": dtc, "VISIT": visit, "VISITNUM": visitnum})
    return rows


SF_D1 = {c: 1 for c in SF36_ITEMS}
SF_W12 = {c: (None if c == "SF3603" else 2) for c in SF36_ITEMS}
CL_D1 = {c: 4 for c in CLDQ_ITEMS}
CL_W12 = {c: (None if k in (1, 5) else k % 7 + 1) for k, c in enumerate(CLDQ_ITEMS, start=1)}
EQ_D1 = dict(zip(EQ5D_ITEMS, [2, 1, 2, 3, 2, 70]))
EQ_W12 = dict(zip(EQ5D_ITEMS, [1, 1, 1, 1, None, 85]))


@pytest.fixture(scope="module")
def mini():
    rows, seq = [], 1
    for cat, d1, w12 in ((SF, SF_D1, SF_W12), (CL, CL_D1, CL_W12), (EQ, EQ_D1, EQ_W12)):
        rows += qs_rows("S1", cat, D1, "DAY -1", 2.0, d1, seq)
        seq += len(d1)
        rows += qs_rows("S1", cat, W12, "WEEK 12", 17.0, w12, seq)
        seq += len(w12)
    qs = pd.DataFrame(rows)
    ex = pd.DataFrame({"USUBJID": ["S1"] * 3, "EXDOSE": [1.0] * 3,
                       "EXSTDTC": ["2024-05-11T10:00", "2024-06-08T10:00", "2024-07-06T10:00"]})
    adsl = pd.DataFrame({
        "STUDYID": ["NCT05948982"], "USUBJID": ["S1"], "SUBJID": ["01-001"], "SITEID": ["01"], "SEX": ["F"],
        "TRT01P": ["UC-MSC 1x10^6 cells/kg"], "TRT01PN": [1.0], "TRT01A": ["UC-MSC 1x10^6 cells/kg"],
        "TRT01AN": [1.0], "TRTSDT": pd.to_datetime(["2024-05-11"]), "TRTSDTM": pd.to_datetime(["2024-05-11 10:00"]),
        "TRTEDT": pd.to_datetime(["2024-07-06"]), "SAFFL": ["Y"]})
    ctx = AdamContext(sdtm={"QS": qs, "EX": ex}, study=STUDY, conventions={})
    return qs, build_adqs(ctx, adsl, load_params(SPEC_DIR)["ADQS"])


def rec(adqs, paramcd, adt):
    r = adqs[(adqs.PARAMCD == paramcd) & (adqs.ADT == pd.Timestamp(adt))]
    assert len(r) == 1, f"{paramcd} {adt}: {len(r)} records"
    return r.iloc[0]


def wide(answers: dict) -> pd.DataFrame:
    return pd.DataFrame([{k: (np.nan if v is None else float(v)) for k, v in answers.items()}])


def test_doctests_pass():
    result = doctest.testmod(adqs_module)
    assert result.failed == 0 and result.attempted >= 10


def test_item_records_as_collected(mini):
    qs, adqs = mini
    items = adqs[adqs.SRCSEQ.notna()]
    # one record per answered item: 36 + 35 SF-36, 29 + 27 CLDQ, 6 + 5 EQ-5D-5L
    assert len(items) == 36 + 35 + 29 + 27 + 6 + 5
    assert not has_item(adqs, "SF3603", W12) and not has_item(adqs, "CLDQ01", W12)
    r = rec(adqs, "CLDQ02", W12)  # item 2 at Week 12: 2 % 7 + 1 = 3; baseline 4
    qs_seq = qs[(qs.QSTESTCD == "CLDQ02") & (qs.QSDTC == W12)].QSSEQ.item()
    assert (r.AVAL, r.AVALC, r.BASE, r.BASEC, r.PARCAT1, r.SRCDOM, r.SRCVAR, r.SRCSEQ) == (
        3.0, "3", 4.0, "4", "CLDQ", "QS", "QSSTRESN", qs_seq)
    assert np.isnan(r.CHG) and np.isnan(r.NMISS)  # no change for ordinal response codes
    # every score record has a value; none of them points to one QS record
    scores = adqs[adqs.SRCSEQ.isna()]
    assert (scores.AVAL.notna() | (scores.AVALC != "")).all() and (scores.SRCDOM == "QS").all()
    assert rec(adqs, "CLDQ02", D1).ABLFL == "Y"
    assert rec(adqs, "EQ5D0201", D1).PARAM == "EQ5D02-Mobility"


def has_item(adqs, paramcd, adt) -> bool:
    return bool(((adqs.PARAMCD == paramcd) & (adqs.ADT == pd.Timestamp(adt))).any())


def test_sf36_scores_equal_scoring_functions(mini):
    _, adqs = mini
    # Day -1, every item 1: PF items 3-12 "limited a lot" -> 0; BP items 21/22 "none"/"not at all"
    # -> 100; HT item 2 "much better" -> 100
    assert (rec(adqs, "SF36PF", D1).AVAL, rec(adqs, "SF36BP", D1).AVAL, rec(adqs, "SF36HT", D1).AVAL) == (
        0.0, 100.0, 100.0)
    # Week 12: PF items 4-12 answered 2 ("limited a little") -> 50 each, item 3 missing: 50, NMISS 1
    pf = rec(adqs, "SF36PF", W12)
    assert (pf.AVAL, pf.NMISS, pf.BASE, pf.CHG) == (50.0, 1.0, 0.0, 50.0)
    for day, answers in ((D1, SF_D1), (W12, SF_W12)):
        scales = rand36_scales(wide(answers))
        summary = sf36_summary_scores(scales)
        for cd in ["SF36PF", "SF36RP", "SF36BP", "SF36GH", "SF36VT", "SF36SF", "SF36RE", "SF36MH", "SF36HT"]:
            assert math.isclose(rec(adqs, cd, day).AVAL, scales[cd].item()), (cd, day)
        for cd in ("SF36PCS", "SF36MCS"):
            r = rec(adqs, cd, day)
            assert math.isclose(r.AVAL, summary[cd].item()), (cd, day)
            # PCS/MCS use the 35 items of the 8 scales; Week 12 misses item 3
            assert r.NMISS == (1.0 if day == W12 else 0.0)
            assert (r.SRCDOM, r.SRCVAR, r.PARCAT1) == ("QS", "QSSTRESN", SF) and np.isnan(r.SRCSEQ)


def test_cldq_scores_equal_scoring_functions(mini):
    _, adqs = mini
    # Day -1: every item 4 -> every domain 4, total 4
    assert all(rec(adqs, cd, D1).AVAL == 4.0 for cd in ("CLDQAS", "CLDQFA", "CLDQEM", "CLDQTOT"))
    # Week 12 fatigue: items 2, 4, 8, 11, 13 -> 3, 5, 2, 5, 7: mean 22 / 5 = 4.4; CHG 0.4
    fa = rec(adqs, "CLDQFA", W12)
    assert math.isclose(fa.AVAL, 4.4) and math.isclose(fa.CHG, 0.4) and fa.NMISS == 0.0
    # emotional function: items 10, 12, 15, 16, 19, 20, 24, 26 -> 4, 6, 2, 3, 6, 7, 4, 6: 38 / 8 = 4.75
    assert math.isclose(rec(adqs, "CLDQEM", W12).AVAL, 4.75)
    # abdominal symptoms: items 1 and 5 missing, 1 of 3 answered (< 50 %) -> not scorable, and so is
    # the overall score: no record (the item records of the date remain)
    assert not has_item(adqs, "CLDQAS", W12) and not has_item(adqs, "CLDQTOT", W12)
    assert has_item(adqs, "CLDQ17", W12)
    expected = cldq_scores(wide(CL_W12))
    assert expected[["CLDQAS", "CLDQTOT"]].isna().all(axis=None)
    for cd in ("CLDQFA", "CLDQSY", "CLDQAC", "CLDQEM", "CLDQWO"):
        assert math.isclose(rec(adqs, cd, W12).AVAL, expected[cd].item()), cd
        assert rec(adqs, cd, W12).NMISS == 0.0


def test_eq5d_scores(mini):
    _, adqs = mini
    # Day -1 21232: 1 - (0.066 + 0 + 0.045 + 0.138 + 0.049) = 0.702
    idx = rec(adqs, "EQ5DIDX", D1)
    assert math.isclose(idx.AVAL, 0.702) and math.isclose(idx.AVAL, eq5d5l_index(2, 1, 2, 3, 2))
    assert rec(adqs, "EQ5DPROF", D1).AVALC == "21232" and np.isnan(rec(adqs, "EQ5DPROF", D1).AVAL)
    # Week 12: anxiety/depression not answered -> no index and no profile record; VAS 85, CHG 85 - 70 = 15
    assert not has_item(adqs, "EQ5DIDX", W12) and not has_item(adqs, "EQ5DPROF", W12)
    vas = rec(adqs, "EQ5DVAS", W12)
    assert (vas.AVAL, vas.BASE, vas.CHG, vas.NMISS) == (85.0, 70.0, 15.0, 0.0)
    assert rec(adqs, "EQ5DPROF", D1).BASEC == "21232"


def test_baseline_windows_and_keys(mini, tmp_path):
    _, adqs = mini
    base = adqs[adqs.ADT == pd.Timestamp(D1)]
    assert (base.ABLFL == "Y").all() and (base.AVISIT == "BASELINE").all()
    w12 = adqs[(adqs.ADT == pd.Timestamp(W12)) & (adqs.AVAL.notna() | (adqs.AVALC != ""))]
    assert (w12.AVISIT == "WEEK 12").all() and (w12.ADY == 86.0).all() and (w12.ANL01FL == "Y").all()
    out = conform(adqs, load_adam_specs(SPEC_DIR)["ADQS"])
    assert not out.duplicated(KEYS).any()
    assert "PCHG" not in out.columns


def test_params_spec_covers_items_and_scores():
    params = load_params(SPEC_DIR)["ADQS"]
    items = [*SF36_ITEMS, *CLDQ_ITEMS, *EQ5D_ITEMS]
    assert set(items) <= set(params)
    assert {p.parcat1 for cd, p in params.items() if cd.startswith("CLDQ")} == {CL}
    assert len(params) == len(items) + 11 + 7 + 3


@pytest.fixture(scope="module")
def real(embedded_sdtm_dir):
    from analysis.adam.adsl import build_adsl_core
    from analysis.adam.context import load_context
    ctx = load_context(embedded_sdtm_dir, STUDY, SPEC_DIR)
    adsl = build_adsl_core(ctx)
    return ctx, adsl, build_adqs(ctx, adsl)


def test_real_sdtm(real, tmp_path):
    ctx, adsl, adqs = real
    out = conform(adqs, load_adam_specs(SPEC_DIR)["ADQS"])
    assert not out.duplicated(KEYS).any()
    assert set(out["USUBJID"]) <= set(adsl["USUBJID"])
    assert set(out["PARAMCD"]) == set(load_params(SPEC_DIR)["ADQS"])
    assert not adqs[adqs.ABLFL == "Y"].duplicated(["USUBJID", "PARAMCD"]).any()
    # every answered item is an item record; scores re-derive from the subject's items of that date
    qs = ctx.domain("QS")
    assert (adqs.SRCSEQ.notna()).sum() == (qs.QSSTAT != "NOT DONE").sum()
    qs = qs.assign(_D=pd.to_datetime(qs.QSDTC.str[:10]))
    w = qs.pivot_table(index=["USUBJID", "_D"], columns="QSTESTCD", values="QSSTRESN", aggfunc="last")
    sf = rand36_scales(w.loc[w[SF36_ITEMS].notna().any(axis=1), SF36_ITEMS])
    sf = pd.concat([sf, sf36_summary_scores(sf)], axis=1)
    cl = cldq_scores(w.loc[w[CLDQ_ITEMS].notna().any(axis=1), CLDQ_ITEMS])
    for cd, expected in (("SF36PF", sf), ("SF36PCS", sf), ("SF36MCS", sf), ("CLDQTOT", cl), ("CLDQEM", cl)):
        got = adqs[adqs.PARAMCD == cd].set_index(["USUBJID", "ADT"])["AVAL"].sort_index()
        exp = expected[cd].dropna().rename_axis(["USUBJID", "ADT"]).sort_index()  # not scorable: no record
        assert got.index.equals(exp.index), cd
        assert np.allclose(got.to_numpy(), exp.to_numpy(), equal_nan=True), cd
