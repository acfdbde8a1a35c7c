"""Spec validation and the RP2D table on a hand-counted fixture."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.dosefinding.dlt import dlt_data
from analysis.dosefinding.rp2d import rp2d_table
from analysis.dosefinding.spec import DoseFindingSpec, load_spec, spec_from_dict
from analysis.dosefinding.three_plus_three import decision_points
from analysis.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def test_study_spec_loads():
    spec = load_spec(ROOT / "specs" / "analysis" / "dose_finding.yaml")
    assert spec.target == 0.30 and spec.boin.phi1 == pytest.approx(0.18) and spec.boin.phi2 == pytest.approx(0.42)
    assert spec.cohort_size == 3 and spec.max_sample_size == 18
    assert [lab for _, lab in spec.dose_levels] == ["UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg",
                                                   "UC-MSC 4x10^6 cells/kg"]
    assert spec.designs == ("3+3", "BOIN") and spec.dlt_population == "DLTEVLFL"


@pytest.mark.parametrize("raw,message", [
    ({"target": 0}, "target must be in [0.05, 0.6]"),
    ({"target": "0.3"}, "target must be a number"),
    ({"boin": {"elimination_cutoff": 1.2}}, "boin.elimination_cutoff must be in (0, 1)"),
    ({"boin": {"phi1_factor": 0.95}}, "phi1 too close"),
    ({"boin": {"phi2_factor": 1.05}}, "phi2 too close"),
    ({"boin": {"prior": [1]}}, "boin.prior must be two positive numbers"),
    ({"boin": {"extrasafe": "yes"}}, "boin.extrasafe must be true or false"),
    ({"boin": {"offset": 0.6}}, "boin.offset must be in (0, 0.5)"),
    ({"boin": {"cutof": 0.9}}, "boin: unknown key(s): cutof"),
    ({"cohort_size": 0}, "cohort_size must be in [1, 100]"),
    ({"max_sample_size": 2}, "max_sample_size (2) is smaller than cohort_size (3)"),
    ({"designs": ["CRM"]}, "designs must be a non-empty list"),
    ({"dose_levels": [{"value": 2, "label": "B"}, {"value": 1, "label": "A"}]}, "increasing dose order"),
    ({"dlt_flag": ""}, "dlt_flag must be a variable name"),
    ({"targt": 0.3}, "unknown key(s): targt"),
    ([1, 2], "must be a YAML mapping"),
])
def test_spec_mistakes_are_one_line_user_errors(raw, message):
    with pytest.raises(UserError) as exc:
        spec_from_dict(raw, "dose_finding.yaml")
    assert message in str(exc.value) and str(exc.value).startswith("dose_finding.yaml")


def _fixture():
    adsl = pd.DataFrame({"USUBJID": ["A1", "A2", "A3", "B1", "B2", "B3", "SF"],
                         "TRT01A": ["Low"] * 3 + ["High"] * 3 + [""], "TRT01AN": [1, 1, 1, 2, 2, 2, None],
                         "SAFFL": ["Y"] * 6 + ["N"], "TRTSDT": [1, 2, 3, 10, 11, 12, None]})
    addlt = pd.DataFrame({"USUBJID": adsl["USUBJID"][:6], "DLTEVLFL": ["Y"] * 6,
                          "DLTFL": ["N", "Y", "N", "N", "N", "N"], "NDLT": [0, 1, 0, 0, 0, 0]})
    # A1: grade 3 related (counts in grade3 and related); A2: serious grade 2 and a non-TEAE grade 4
    # (ignored); B1: two grade-3 events (one subject); B2: related "POSSIBLY" is not in related_values.
    adae = pd.DataFrame({
        "USUBJID": ["A1", "A2", "A2", "B1", "B1", "B2", "SF"],
        "TRTEMFL": ["Y", "Y", "", "Y", "Y", "Y", "Y"],
        "ATOXGRN": [3, 2, 4, 3, 4, 1, 5],
        "AESER": ["N", "Y", "Y", "N", "N", "N", "Y"],
        "AREL": ["RELATED", "NOT RELATED", "RELATED", "NOT RELATED", "NOT RELATED", "POSSIBLY", "RELATED"],
    })
    return adsl, addlt, adae


def test_rp2d_hand_counts():
    adsl, addlt, adae = _fixture()
    spec = DoseFindingSpec()
    data = dlt_data(adsl, addlt, spec)
    res = rp2d_table(data, adae, [decision_points(o) for o in data.outcomes()])
    t = res.table.set_index("")
    assert list(t.columns) == ["Low (N=3)", "High (N=3)", "Total (N=6)"]
    assert t.loc["Subjects with TEAE grade >= 3, n (%)"].tolist() == ["1 (33.3)", "1 (33.3)", "2 (33.3)"]
    assert t.loc["Subjects with serious TEAE, n (%)"].tolist() == ["1 (33.3)", "0", "1 (16.7)"]
    assert t.loc["Subjects with related TEAE, n (%)"].tolist() == ["1 (33.3)", "0", "1 (16.7)"]
    assert t.loc["Subjects with DLT, n/N (%)"].tolist() == ["1/3 (33.3)", "0/3 (0.0)", "1/6 (16.7)"]
    # 1/3 -> expand at Low; the trail stops there: MTD undetermined, Low not "MAD"
    assert t.loc["3+3 verdict"].tolist()[:2] == ["expand to 6 (1/3)", "cleared (0/3)"]
    assert t.loc["3+3: MTD / maximum administered dose", "Total (N=6)"].startswith("MTD not determined")
    assert any("clinical judgement" in f for f in res.footnotes)
    assert any("SF" in f for f in res.footnotes)  # outside the population: excluded, said so


def test_rp2d_adae_subject_missing_from_adsl_is_an_error():
    adsl, addlt, adae = _fixture()
    data = dlt_data(adsl, addlt, DoseFindingSpec())
    with pytest.raises(UserError, match="ADAE: subject\\(s\\) not in ADSL: ZZ"):
        rp2d_table(data, pd.concat([adae, adae.iloc[:1].assign(USUBJID="ZZ")]), [[], []])
