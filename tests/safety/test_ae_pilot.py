"""The CDISC pilot ADaM (254 subjects, data no one on this project wrote) against an independent
R tally (results/cdiscpilot01_ae.R -> cdiscpilot01_ae.csv)."""

import pandas as pd
import pytest

from analysis.safety import AeOptions, ae_overview, ae_soc_pt, ae_soc_pt_grade, prepare

from ae_fixtures import RESULTS, ard_stat


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "cdiscpilot01_ae.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def pilot_data(pilot):
    adsl, adae = pilot
    return prepare(adsl, adae, AeOptions(treatment="TRTA"))


def test_soc_pt_table_equals_r_for_every_soc_pt_and_arm(pilot_data, reference):
    ard = ae_soc_pt(pilot_data).ard
    ours = ard[ard["stat_name"].isin(["n", "N", "events"])].copy()
    ours["level"] = ours["variable"].map({"ANY_EVENT": "any", "AEBODSYS": "soc", "AEDECOD": "pt"})
    ours["soc"] = ours["group2_level"].where(ours["level"] == "pt", ours["variable_level"].where(ours["level"] == "soc", ""))
    ours["pt"] = ours["variable_level"].where(ours["level"] == "pt", "")
    ours = ours.pivot_table(index=["level", "soc", "pt", "group1_level"], columns="stat_name", values="stat",
                            aggfunc="first").reset_index().rename(columns={"group1_level": "arm"})
    ref = reference[reference["level"].isin(["any", "soc", "pt"])]
    merged = ref.merge(ours, on=["level", "soc", "pt", "arm"], how="outer", suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(merged) == len(ref) == 1016
    for stat in ("n", "N", "events"):
        assert (merged[f"{stat}_r"] == merged[stat]).all(), stat


def test_overview_any_teae_and_serious_equal_r(pilot_data, reference):
    ard = ae_overview(pilot_data).ard
    for level, code in (("any", "ANY"), ("serious", "SERIOUS")):
        for rec in reference[reference["level"] == level].to_dict("records"):
            assert ard_stat(ard, "n", rec["arm"], variable=code) == rec["n"], (code, rec["arm"])
            assert ard_stat(ard, "N", rec["arm"], variable=code) == rec["N"]
            assert ard_stat(ard, "events", rec["arm"], variable=code) == rec["events"]


def test_pilot_defaults_resolve_to_its_variables(pilot_data):
    o = pilot_data.options
    assert o.grade.variable == "AESEV" and o.related is None and o.dlt is None
    assert o.exposure_end == ("TRTEDT",)
    assert pilot_data.groups.treatment == "TRT01A"
    assert pilot_data.groups.levels == ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
    # 65 non-treatment-emergent records are excluded, and said so
    assert any("65 record(s) not treatment-emergent" in n for n in ae_soc_pt(pilot_data).footnotes)


def test_pilot_max_severity_equals_r(pilot_data, reference):
    ard = ae_soc_pt_grade(pilot_data).ard
    ref = reference[reference["level"] == "maxsev"]
    assert len(ref) == 12
    for rec in ref.to_dict("records"):
        assert ard_stat(ard, "n", rec["arm"], group2="AESEV", group2_level=rec["pt"],
                        variable="ANY_EVENT") == rec["n"], (rec["arm"], rec["pt"])


def test_pilot_eair_equals_r_for_any_teae_and_every_pt(pilot_data):
    from analysis.safety import ae_eair

    ref = pd.read_csv(RESULTS / "cdiscpilot01_eair.csv", keep_default_na=False)
    assert len(ref) == 924
    ard = ae_eair(pilot_data).ard
    ard = ard[ard["variable"].isin(["ANY_EVENT", "AEDECOD"])]
    key = ard["group2_level"] + "|" + ard["variable_level"].where(ard["variable"] == "AEDECOD", "") + "|" + \
        ard["group1_level"]
    ours = ard.assign(key=key).pivot(index="key", columns="stat_name", values="stat").astype(float)
    ref_key = ref["soc"] + "|" + ref["pt"] + "|" + ref["arm"]
    assert set(ref_key) == set(ours.index)
    ours = ours.loc[ref_key]
    assert (ours["n"].to_numpy() == ref["n"].to_numpy()).all()
    assert ours["py"].to_numpy() * 365.25 == pytest.approx(ref["days"].to_numpy(), abs=1e-6)
    for stat in ("rate", "ci_lower", "ci_upper"):
        assert ours[stat].to_numpy() == pytest.approx(ref[stat].to_numpy(), rel=1e-9), stat
