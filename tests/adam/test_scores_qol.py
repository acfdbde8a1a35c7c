"""RAND-36 / SF-36 summaries, CLDQ and EQ-5D-5L against hand calculations and the domain
reference (sections 5.1-5.3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.adam.scores import (
    RAND36_RECODE,
    cldq_scores,
    eq5d5l_index,
    eq5d5l_profile,
    rand36_recode,
    rand36_scales,
    sf36_summary_scores,
)
from analysis.adam.scores.rand36 import SF36_NORMS_US1990

SCALES = ["SF36PF", "SF36RP", "SF36RE", "SF36VT", "SF36MH", "SF36SF", "SF36BP", "SF36GH"]

# ---------------------------------------------------------------- RAND-36

# One full response vector, item -> response, with the recoded value (RAND step 1) alongside.
FULL = {
    1: 3,  # 50 (GH)
    2: 2,  # 75 (health transition)
    3: 1, 4: 2, 5: 3, 6: 3, 7: 3, 8: 2, 9: 3, 10: 3, 11: 3, 12: 3,  # 0,50,100,100,100,50,100x4
    13: 1, 14: 2, 15: 2, 16: 2,  # 0,100,100,100
    17: 2, 18: 2, 19: 1,  # 100,100,0
    20: 2,  # 75 (SF)
    21: 3, 22: 2,  # 60, 75 (BP)
    23: 2, 27: 4, 29: 4, 31: 5,  # VT: 80, 40, 60, 80
    24: 5, 25: 6, 26: 3, 28: 5, 30: 2,  # MH: 80, 100, 60, 80, 80
    32: 4,  # 75 (SF)
    33: 4, 34: 2, 35: 3, 36: 2,  # GH: 75, 75, 50, 75
}
FULL_SCALES = {
    "SF36PF": 80.0,  # (0 + 50 + 100 + 100 + 100 + 50 + 100 + 100 + 100 + 100) / 10 = 800 / 10
    "SF36RP": 75.0,  # (0 + 100 + 100 + 100) / 4
    "SF36RE": 200 / 3,  # (100 + 100 + 0) / 3 = 66.667
    "SF36VT": 65.0,  # (80 + 40 + 60 + 80) / 4
    "SF36MH": 80.0,  # (80 + 100 + 60 + 80 + 80) / 5
    "SF36SF": 75.0,  # (75 + 75) / 2
    "SF36BP": 67.5,  # (60 + 75) / 2
    "SF36GH": 65.0,  # (50 + 75 + 75 + 50 + 75) / 5
}


def _wide(responses: dict[int, float], n: int = 1) -> pd.DataFrame:
    return pd.DataFrame([{f"SF36{k:02d}": responses.get(k, np.nan) for k in range(1, 37)}] * n)


def test_full_response_vector_by_hand():
    out = rand36_scales(_wide(FULL)).iloc[0]
    for scale, expected in FULL_SCALES.items():
        assert out[scale] == pytest.approx(expected), scale
        assert out[f"{scale}_NMISS"] == 0
    assert out["SF36HT"] == 75.0  # item 2 response 2 -> 75


def test_output_columns():
    out = rand36_scales(_wide(FULL))
    assert list(out.columns) == SCALES + ["SF36HT"] + [f"{s}_NMISS" for s in SCALES]


def test_missing_items_are_ignored_and_counted():
    resp = dict(FULL)
    for k in (3, 4, 21, 17, 18, 19, 2):
        resp[k] = np.nan
    out = rand36_scales(_wide(resp)).iloc[0]
    # PF without items 3 (0) and 4 (50): (100+100+100+50+100+100+100+100) / 8 = 750 / 8 = 93.75
    assert out["SF36PF"] == 93.75 and out["SF36PF_NMISS"] == 2
    # BP without item 21: item 22 alone = 75
    assert out["SF36BP"] == 75.0 and out["SF36BP_NMISS"] == 1
    # RE with no answered item is missing
    assert math.isnan(out["SF36RE"]) and out["SF36RE_NMISS"] == 3
    assert math.isnan(out["SF36HT"])
    assert out["SF36GH"] == 65.0 and out["SF36GH_NMISS"] == 0


def _extreme(best: bool) -> dict[int, int]:
    """Response giving 100 (best) or 0 (worst) for every item, read off the recode table."""
    out = {}
    for k, values in RAND36_RECODE.items():
        target = 100.0 if best else 0.0
        out[k] = values.index(target) + 1
    return out


def test_all_best_and_all_worst():
    # Best: response 1 on the reversed items (1, 2, 20-23, 26, 27, 30, 34, 36), the top response elsewhere.
    best = _extreme(True)
    assert best[1] == 1 and best[3] == 3 and best[13] == 2 and best[21] == 1 and best[24] == 6
    out = rand36_scales(_wide(best)).iloc[0]
    assert out[SCALES + ["SF36HT"]].tolist() == [100.0] * 9
    worst = _extreme(False)
    out = rand36_scales(_wide(worst)).iloc[0]
    assert out[SCALES + ["SF36HT"]].tolist() == [0.0] * 9


def test_recode_table_step_1():
    # Spot checks of every recode pattern in domain reference 5.1 step 1.
    rec = rand36_recode(_wide({1: 2, 3: 2, 13: 2, 21: 2, 24: 2, 32: 2})).iloc[0]
    assert rec["SF3601"] == 75  # 1,2,20,22,34,36: 1->100, 2->75
    assert rec["SF3603"] == 50  # 3-12: 2->50
    assert rec["SF3613"] == 100  # 13-19: 2->100
    assert rec["SF3621"] == 80  # 21,23,26,27,30: 2->80
    assert rec["SF3624"] == 20  # 24,25,28,29,31: 2->20
    assert rec["SF3632"] == 25  # 32,33,35: 2->25
    assert math.isnan(rec["SF3602"])


def test_responses_validated():
    with pytest.raises(ValueError, match=r"SF3603 response.*4"):
        rand36_scales(_wide({**FULL, 3: 4}))
    with pytest.raises(ValueError, match=r"SF3622 response.*6"):  # item 22 has 5 levels, 21 has 6
        rand36_scales(_wide({**FULL, 22: 6}))
    with pytest.raises(ValueError, match=r"SF3613 response.*integer"):
        rand36_scales(_wide({**FULL, 13: 1.5}))
    with pytest.raises(ValueError, match="SF3636"):
        rand36_scales(_wide(FULL).drop(columns="SF3636"))
    assert rand36_scales(_wide({**FULL, 21: 6})).iloc[0]["SF36BP"] == 37.5  # (0 + 75) / 2


def test_pcs_mcs_at_norm_mean_is_exactly_50():
    at_mean = pd.DataFrame([{s: m for s, (m, sd) in SF36_NORMS_US1990.items()}])
    out = sf36_summary_scores(at_mean).iloc[0]
    assert out["SF36PCS"] == 50.0 and out["SF36MCS"] == 50.0


def test_pcs_mcs_one_sd_below_on_pf():
    # PF = mean - 1 SD (z = -1), all other scales at the mean (z = 0):
    # PCS = 50 + 10 * 0.42402 * (-1) = 45.7598; MCS = 50 + 10 * (-0.22999) * (-1) = 52.2999
    row = {s: m for s, (m, sd) in SF36_NORMS_US1990.items()}
    row["SF36PF"] = 84.52404 - 22.89490
    out = sf36_summary_scores(pd.DataFrame([row])).iloc[0]
    assert out["SF36PCS"] == pytest.approx(45.7598, abs=1e-9)
    assert out["SF36MCS"] == pytest.approx(52.2999, abs=1e-9)


def test_pcs_mcs_for_the_full_response_vector():
    # z = (scale - mean) / SD, US 1990:            PCS coef x z      MCS coef x z
    # PF (80    - 84.52404) / 22.89490 = -0.197600  0.42402 -> -0.083786  -0.22999 -> +0.045446
    # RP (75    - 81.19907) / 33.79729 = -0.183419  0.35119 -> -0.064415  -0.12329 -> +0.022614
    # BP (67.5  - 75.49196) / 23.55879 = -0.339235  0.31754 -> -0.107721  -0.09731 -> +0.033011
    # GH (65    - 72.21316) / 20.16964 = -0.357625  0.24954 -> -0.089242  -0.01571 -> +0.005618
    # VT (65    - 61.05453) / 20.86942 = +0.189055  0.02877 -> +0.005439  +0.23534 -> +0.044492
    # SF (75    - 83.59753) / 22.37642 = -0.384223 -0.00753 -> +0.002893  +0.26876 -> -0.103264
    # RE (66.67 - 81.29467) / 33.02717 = -0.442908 -0.19206 -> +0.085065  +0.43407 -> -0.192253
    # MH (80    - 74.84212) / 18.01189 = +0.286360 -0.22069 -> -0.063197  +0.48581 -> +0.139116
    # sums: PCS -0.314964 -> 50 - 3.14964 = 46.8504; MCS -0.005219 -> 50 - 0.05219 = 49.9478
    scales = rand36_scales(_wide(FULL))
    out = sf36_summary_scores(scales).iloc[0]
    assert out["SF36PCS"] == pytest.approx(46.8504, abs=1e-4)
    assert out["SF36MCS"] == pytest.approx(49.9478, abs=1e-4)


def test_pcs_mcs_missing_scale_gives_nan():
    resp = dict(FULL)
    for k in (17, 18, 19):
        resp[k] = np.nan
    out = sf36_summary_scores(rand36_scales(_wide(resp))).iloc[0]
    assert math.isnan(out["SF36PCS"]) and math.isnan(out["SF36MCS"])


def test_pcs_mcs_validates_scales():
    row = dict(FULL_SCALES)
    row["SF36PF"] = 120.0
    with pytest.raises(ValueError, match="SF36PF"):
        sf36_summary_scores(pd.DataFrame([row]))
    with pytest.raises(ValueError, match="SF36MH"):
        sf36_summary_scores(pd.DataFrame([FULL_SCALES]).drop(columns="SF36MH"))


# ---------------------------------------------------------------- CLDQ

def _cldq(responses: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame([{f"CLDQ{k:02d}": responses.get(k, np.nan) for k in range(1, 30)}])


# Item k answered (k mod 7) + 1: 1->2, 2->3, ..., 6->7, 7->1, 8->2, ...
PATTERN = {k: (k % 7) + 1 for k in range(1, 30)}


def test_cldq_domains_by_hand():
    out = cldq_scores(_cldq(PATTERN)).iloc[0]
    assert out["CLDQAS"] == pytest.approx(4.0)  # items 1, 5, 17 -> 2, 6, 4: 12 / 3
    assert out["CLDQFA"] == pytest.approx(4.4)  # 2, 4, 8, 11, 13 -> 3, 5, 2, 5, 7: 22 / 5
    assert out["CLDQSY"] == pytest.approx(4.4)  # 3, 6, 21, 23, 27 -> 4, 7, 1, 3, 7: 22 / 5
    assert out["CLDQAC"] == pytest.approx(5 / 3)  # 7, 9, 14 -> 1, 3, 1: 5 / 3
    assert out["CLDQEM"] == pytest.approx(4.75)  # 10,12,15,16,19,20,24,26 -> 4,6,2,3,6,7,4,6: 38 / 8
    assert out["CLDQWO"] == pytest.approx(3.0)  # 18, 22, 25, 28, 29 -> 5, 2, 5, 1, 2: 15 / 5
    # (a) mean of domain means: (4 + 4.4 + 4.4 + 1.6667 + 4.75 + 3) / 6 = 22.2167 / 6 = 3.702778
    assert out["CLDQTOT"] == pytest.approx((4 + 4.4 + 4.4 + 5 / 3 + 4.75 + 3) / 6)
    assert out["CLDQTOT"] == pytest.approx(3.702778, abs=1e-6)
    # (b) item mean: 4 full cycles of 1..7 (k = 1..28) sum 112, plus item 29 -> 2: 114 / 29 = 3.931034
    tot_b = cldq_scores(_cldq(PATTERN), overall="item_mean").iloc[0]["CLDQTOT"]
    assert tot_b == pytest.approx(114 / 29)
    assert list(cldq_scores(_cldq(PATTERN)).columns) == [
        "CLDQAS", "CLDQFA", "CLDQSY", "CLDQAC", "CLDQEM", "CLDQWO", "CLDQTOT"]


def test_cldq_half_answered_rule():
    # AS (3 items): 2 answered is >= 50 % -> mean of the two; 1 answered is < 50 % -> NaN.
    two = cldq_scores(_cldq({**PATTERN, 17: np.nan})).iloc[0]
    assert two["CLDQAS"] == pytest.approx(4.0)  # (2 + 6) / 2
    one = cldq_scores(_cldq({**PATTERN, 5: np.nan, 17: np.nan})).iloc[0]
    assert math.isnan(one["CLDQAS"])
    assert math.isnan(one["CLDQTOT"])  # a missing domain leaves the overall missing
    assert one["CLDQFA"] == pytest.approx(4.4)  # other domains unaffected
    # EM (8 items): exactly 4 answered (50 %) is scored: items 10,12,15,16 -> 4,6,2,3: 15 / 4
    em = cldq_scores(_cldq({**PATTERN, 19: np.nan, 20: np.nan, 24: np.nan, 26: np.nan})).iloc[0]
    assert em["CLDQEM"] == pytest.approx(3.75)
    # FA (5 items): 2 answered (40 %) -> NaN; 3 answered (60 %) -> items 2, 4, 8 -> 3, 5, 2: 10 / 3
    fa2 = cldq_scores(_cldq({**PATTERN, 8: np.nan, 11: np.nan, 13: np.nan})).iloc[0]
    assert math.isnan(fa2["CLDQFA"])
    fa3 = cldq_scores(_cldq({**PATTERN, 11: np.nan, 13: np.nan})).iloc[0]
    assert fa3["CLDQFA"] == pytest.approx(10 / 3)
    # item_mean with every domain scorable uses all answered items: (114 - 5 - 7) / 27 = 102 / 27
    tot_b = cldq_scores(_cldq({**PATTERN, 11: np.nan, 13: np.nan}), overall="item_mean").iloc[0]
    assert tot_b["CLDQTOT"] == pytest.approx(102 / 27)


def test_cldq_extremes_and_validation():
    assert cldq_scores(_cldq({k: 1 for k in range(1, 30)})).iloc[0].tolist() == [1.0] * 7
    with pytest.raises(ValueError, match=r"CLDQ05 response.*8"):
        cldq_scores(_cldq({**PATTERN, 5: 8}))
    with pytest.raises(ValueError, match=r"CLDQ01 response.*0"):
        cldq_scores(_cldq({**PATTERN, 1: 0}))
    with pytest.raises(ValueError, match="overall"):
        cldq_scores(_cldq(PATTERN), overall="sum")
    with pytest.raises(ValueError, match="CLDQ29"):
        cldq_scores(_cldq(PATTERN).drop(columns="CLDQ29"))


# ---------------------------------------------------------------- EQ-5D-5L

@pytest.mark.parametrize(
    "state,expected",
    [
        ("11111", 1.000),  # 1 - 0
        ("21232", 0.702),  # 1 - (0.066 + 0 + 0.045 + 0.138 + 0.049) = 1 - 0.298
        ("33333", 0.363),  # 1 - (0.158 + 0.116 + 0.107 + 0.138 + 0.118) = 1 - 0.637
        ("12345", 0.335),  # 1 - (0 + 0.048 + 0.107 + 0.252 + 0.258) = 1 - 0.665
        ("55555", -0.391),  # 1 - (0.345 + 0.253 + 0.233 + 0.302 + 0.258) = 1 - 1.391
    ],
)
def test_eq5d_china_check_states(state, expected):
    levels = [int(c) for c in state]
    assert eq5d5l_index(*levels) == pytest.approx(expected, abs=1e-12)
    assert eq5d5l_profile(*levels) == state


def test_eq5d_missing_dimension():
    assert math.isnan(eq5d5l_index(1, 1, np.nan, 1, 1))
    assert pd.isna(eq5d5l_profile(1, 1, 1, None, 1))


def test_eq5d_vectorised_series():
    idx = pd.Index(["a", "b", "c"])
    mo, sc, ua, pd_, ad = (pd.Series(v, index=idx) for v in ([2, 5, 1], [1, 5, 1], [2, 5, np.nan], [3, 5, 1], [2, 5, 1]))
    out = eq5d5l_index(mo, sc, ua, pd_, ad)
    assert out.index.equals(idx)
    assert out.iloc[:2].tolist() == pytest.approx([0.702, -0.391]) and math.isnan(out.iloc[2])
    prof = eq5d5l_profile(mo, sc, ua, pd_, ad)
    assert prof.iloc[:2].tolist() == ["21232", "55555"] and pd.isna(prof.iloc[2])


def test_eq5d_validation():
    for bad in (0, 6, 2.5):
        with pytest.raises(ValueError, match="MO level"):
            eq5d5l_index(bad, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="AD level"):
        eq5d5l_profile(1, 1, 1, 1, 9)
    with pytest.raises(ValueError, match="value_set"):
        eq5d5l_index(1, 1, 1, 1, 1, value_set="UK")
