"""DLT data checks and the DLT summary on a small hand-counted fixture."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.dosefinding.dlt import dlt_data, dlt_summary
from analysis.dosefinding.spec import DoseFindingSpec
from analysis.errors import UserError

RESULTS = Path(__file__).parent / "results"
SPEC = DoseFindingSpec(dose_levels=((1.0, "Low"), (2.0, "High")))


def _fixture():
    # Low: 4 dosed (S04 not evaluable: withdrew; S03 has a DLT with 2 events); High: 3 dosed, 1 DLT.
    # S08 is a screen failure (SAFFL N) that still has an ADDLT row: excluded by design.
    adsl = pd.DataFrame({
        "USUBJID": ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08"],
        "TRT01A": ["Low", "Low", "Low", "Low", "High", "High", "High", ""],
        "TRT01AN": [1, 1, 1, 1, 2, 2, 2, None],
        "SAFFL": ["Y"] * 7 + ["N"],
        "TRTSDT": [100, 101, 99, 102, 130, 131, 129, None],
    })
    addlt = pd.DataFrame({
        "USUBJID": ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08"],
        "DLTEVLFL": ["Y", "Y", "Y", "N", "Y", "Y", "Y", "N"],
        "NEVALRS": ["", "", "", "WITHDREW BEFORE END OF DLT WINDOW", "", "", "", ""],
        "DLTFL": ["N", "N", "Y", "N", "N", "Y", "N", "N"],
        "NDLT": [0, 0, 2, 0, 0, 1, 0, 0],
    })
    return adsl, addlt


def test_counts_and_enrolment_order():
    data = dlt_data(*_fixture(), SPEC)
    assert data.counts() == [(3, 1), (3, 1)]
    # Low by TRTSDT: S03 (99, DLT), S01, S02; High: S07 (129), S05, S06 (DLT)
    assert data.outcomes() == [[1, 0, 0], [0, 0, 1]]
    assert data.excluded == ["S08"]


def test_summary_hand_counts():
    res = dlt_summary(dlt_data(*_fixture(), SPEC))
    t = res.table.set_index("")
    assert list(t.columns) == ["Low (N=4)", "High (N=3)", "Total (N=7)"]
    assert t.loc["Subjects dosed"].tolist() == ["4", "3", "7"]
    assert t.loc["DLT-evaluable, n (%)"].tolist() == ["3 (75.0)", "3 (100.0)", "6 (85.7)"]
    assert t.loc["Not DLT-evaluable, n (%)"].tolist() == ["1 (25.0)", "0", "1 (14.3)"]
    assert t.loc["  WITHDREW BEFORE END OF DLT WINDOW"].tolist() == ["1", "0", "1"]
    assert t.loc["Subjects with DLT, n/N (%)"].tolist() == ["1/3 (33.3)", "1/3 (33.3)", "2/6 (33.3)"]
    assert t.loc["Number of DLT events"].tolist() == ["2", "1", "3"]
    # CIs vs R binom.test: 1/3 -> (0.8, 90.6) %; 2/6 -> (4.3, 77.7) %
    assert t.loc["DLT rate 95% CI (Clopper-Pearson), %"].tolist() == ["(0.8, 90.6)", "(0.8, 90.6)", "(4.3, 77.7)"]
    assert any("S08" in f for f in res.footnotes)


def test_summary_ard_ci_matches_r():
    ref = pd.read_csv(RESULTS / "clopper_pearson_r.csv").set_index(["x", "n"])
    ard = dlt_summary(dlt_data(*_fixture(), SPEC)).ard
    tot = ard[(ard["group1_level"] == "Total") & (ard["variable"] == "DLTFL")].set_index("stat_name")["stat"]
    assert float(tot["ci_lower"]) == pytest.approx(ref.loc[(2, 6), "lower"], rel=1e-9)
    assert float(tot["ci_upper"]) == pytest.approx(ref.loc[(2, 6), "upper"], rel=1e-9)
    assert tot["n"] == "2" and tot["N"] == "6"


@pytest.mark.parametrize("mutate,message", [
    (lambda adsl, addlt: addlt.assign(DLTEVLFL=["Y", "Y", "N", "N", "Y", "Y", "Y", "N"]),
     "a subject with a DLT is DLT-evaluable"),
    (lambda adsl, addlt: addlt.assign(NDLT=[0, 1, 2, 0, 0, 1, 0, 0]), "NDLT > 0 disagrees with DLTFL"),
    (lambda adsl, addlt: addlt.iloc[1:], "ADDLT: no record for SAFFL subject(s) S01"),
    (lambda adsl, addlt: pd.concat([addlt, addlt.iloc[:1]]), "more than one record"),
    (lambda adsl, addlt: pd.concat([addlt, addlt.iloc[:1].assign(USUBJID="X9")]), "not in ADSL: X9"),
    (lambda adsl, addlt: addlt.assign(DLTFL=["N", "N", "Yes", "N", "N", "Y", "N", "N"]), "DLTFL must be Y, N"),
    (lambda adsl, addlt: addlt.drop(columns="DLTEVLFL"), "required variable(s) missing: DLTEVLFL"),
    (lambda adsl, addlt: (adsl.assign(DLTFL=["N"] * 8), addlt), "ADSL: DLTFL disagrees with ADDLT"),
    (lambda adsl, addlt: (adsl.assign(TRT01AN=[1, 1, 1, 1, 4, 4, 4, None]), addlt), "TRT01AN disagrees"),
])
def test_data_mistakes_are_one_line_user_errors(mutate, message):
    adsl, addlt = _fixture()
    out = mutate(adsl, addlt)
    adsl, addlt = out if isinstance(out, tuple) else (adsl, out)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        dlt_data(adsl, addlt, SPEC)
    assert "\n" not in str(exc.value)


def test_unknown_dose_label_is_an_error():
    adsl, addlt = _fixture()
    with pytest.raises(UserError, match="not among the requested levels"):
        dlt_data(adsl, addlt, DoseFindingSpec(dose_levels=((1.0, "Low"),)))


def test_missing_order_is_reported_for_the_trail():
    adsl, addlt = _fixture()
    data = dlt_data(adsl.assign(TRTSDT=[None] + [1] * 7), addlt, SPEC)
    with pytest.raises(UserError, match="TRTSDT missing"):
        data.outcomes()
