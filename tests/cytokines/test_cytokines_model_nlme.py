"""The cytokine mixed model (analysis.cytokines.model) against R nlme::gls, REML.

Reference: tests/cytokines/results/nlme_cytokine_model.R (R 4.2.2, nlme 3.1-162) on
tests/cytokines/results/cyt_model_data_il6.csv (IL6 model dataset of the embedded study, written
by export_model_data.py); its output nlme_cytokine_model.csv is committed (CI has no R).
Coefficients, model-based SEs and LS means to 1e-4 relative, -2 REML log-likelihood to 1e-4
absolute, the dose-group and dose x time Wald F statistics to 1e-4 relative.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cytokines.cli import build_context
from analysis.cytokines.config import load_spec
from analysis.cytokines.model import (
    dose_contrasts,
    fit_cytokine_model,
    interaction_contrasts,
    model_dataset,
)
from analysis.stats import fit_mmrm
from analysis.xpt import read_analysis_dataset

RESULTS = Path(__file__).parent / "results"
TRT = ["UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"]
TIMES = ["2 h", "24 h", "48 h", "Week 1", "Week 4"]
CYCLES = ["Cycle 1", "Cycle 2", "Cycle 3"]
VISITS = [f"{c} {t}" for c in CYCLES for t in TIMES]
STRUCTURES = ["AR1H", "AR1", "CS"]


def rel_close(ours, ref, rtol=1e-4):
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return np.abs(ours - ref) <= rtol * np.maximum(np.abs(ref), 1.0)


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(RESULTS / "cyt_model_data_il6.csv")
    return d.assign(TRT=pd.Categorical(d.TRT, TRT), TIME=pd.Categorical(d.TIME, TIMES),
                    CYCLE=pd.Categorical(d.CYCLE, CYCLES), VISIT=pd.Categorical(d.VISIT, VISITS))


@pytest.fixture(scope="module")
def nlme():
    return pd.read_csv(RESULTS / "nlme_cytokine_model.csv", keep_default_na=False)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_model_against_nlme(data, nlme, structure):
    fit = fit_mmrm("LFC ~ TRT * TIME + CYCLE", data, subject="USUBJID", visit="VISIT", covariance=structure,
                   visit_levels=VISITS, reference={"TRT": TRT[0], "TIME": TIMES[0]})
    ref = nlme[nlme.model == structure]
    assert fit.converged and fit.nobs == 244 and fit.n_subjects == 18
    assert abs(fit.neg2_loglik - ref.loc[ref.quantity == "neg2ll", "value"].astype(float).item()) <= 1e-4
    coef = ref[ref.quantity == "coef"].set_index("row")["value"].astype(float)
    se = ref[ref.quantity == "se"].set_index("row")["value"].astype(float)
    assert sorted(coef.index) == sorted(fit.params.index)
    assert rel_close(fit.params[coef.index], coef).all(), (fit.params - coef).abs().max()
    assert rel_close(fit.bse[se.index], se).all(), (fit.bse - se).abs().max()

    ls = fit.lsmeans(["TRT", "TIME"]).assign(TRT=lambda x: x.TRT.astype(str), TIME=lambda x: x.TIME.astype(str))
    ref_ls = ref[ref.quantity == "lsmean"]
    for r in ref_ls.itertuples():
        time, what = r.col.split("|")
        ours = ls[(ls.TRT == r.row) & (ls.TIME == time)].iloc[0]["estimate" if what == "estimate" else "se"]
        assert rel_close(ours, float(r.value)), (r.row, r.col, ours, r.value)
    assert len(ref_ls) == 2 * 15

    f_dose = fit.f_test(dose_contrasts(fit.exog_names, TRT, TIMES))
    ref_f = ref[ref.quantity == "dose_F"].set_index("row")["value"].astype(float)
    assert rel_close(f_dose["F"], ref_f["F"]) and f_dose["num_df"] == ref_f["num_df"] == 2
    f_int = fit.f_test(interaction_contrasts(fit.exog_names))
    ref_i = ref[ref.quantity == "inter_F"].set_index("row")["value"].astype(float)
    assert rel_close(f_int["F"], ref_i["F"]) and f_int["num_df"] == ref_i["num_df"] == 8


def test_wrapper_picks_ar1h_and_back_transforms(data, nlme):
    res = fit_cytokine_model(data, order=("AR1H", "AR1", "CS"))
    assert res["status"] == "converged" and res["structure"] == "AR1H"
    ref = nlme[(nlme.model == "AR1H") & (nlme.quantity == "lsmean")]
    est = float(ref[(ref.row == TRT[2]) & (ref.col == "2 h|estimate")]["value"].item())
    ls = res["lsmeans"]
    row = ls[(ls.TRT == TRT[2]) & (ls.TIME == "2 h")].iloc[0]
    assert row["gm_fc"] == pytest.approx(np.exp(est), rel=1e-4)          # about 3.66
    assert row["gm_fc_lower"] < row["gm_fc"] < row["gm_fc_upper"]
    assert row["gm_fc_lower"] == pytest.approx(np.exp(row["lower"]))
    f_ref = nlme[(nlme.model == "AR1H") & (nlme.quantity == "dose_F") & (nlme.row == "F")]["value"].astype(float)
    assert res["dose_test"]["F"] == pytest.approx(f_ref.item(), rel=1e-4)
    assert 0 < res["dose_test"]["p"] < 1 and res["dose_test"]["den_df"] > 2


def test_stored_dataset_is_what_the_pipeline_builds(embedded_adam_dir, data):
    ctx = build_context(read_analysis_dataset(embedded_adam_dir / "adsl.xpt", "ADSL"),
                        read_analysis_dataset(embedded_adam_dir / "adcyt.xpt", "ADCYT"), load_spec(), params=["IL6"])
    built = model_dataset(ctx.recs, "IL6", ctx.schedule, ctx.groups.levels, ctx.predose)
    assert built[["USUBJID", "VISIT"]].astype(str).values.tolist() == data[["USUBJID", "VISIT"]].astype(str).values.tolist()
    assert np.allclose(built["LFC"], data["LFC"], rtol=0, atol=1e-12), \
        "embedded ADCYT changed: rerun export_model_data.py and nlme_cytokine_model.R"


def test_unfittable_cytokine_is_reported_not_raised(data):
    res = fit_cytokine_model(data.assign(LFC=np.nan))
    assert res["status"].startswith("failed: ValueError") and res["lsmeans"] is None
    one_group = data[data.TRT == TRT[0]]
    assert fit_cytokine_model(one_group)["status"].startswith("not fitted")
