"""Mixed model of the log fold change vs the cycle's pre-infusion value (`cyt_model`).

Per cytokine: ln(R2CYCBS) of the post-dose samples ~ TRT * TIME + CYCLE, with the samples of a
subject correlated over the cycle x time combinations (the repeated "visit", 15 levels in the
embedded study), fitted by REML with `analysis.stats.fit_with_fallback` (structures tried in the
spec's order, AR1H -> AR1 -> CS; UN would need 120 covariance parameters for 18 subjects).
LS means of TRT x TIME average the cycles with equal weights (SAS LSMEANS default) and are
back-transformed: exp(LS mean) is the geometric mean fold change. Dose-group effect: the joint
F test that the TRT LS means (averaged over times and cycles) are equal; dose x time: the joint
F test of the TRT:TIME coefficients. Satterthwaite denominator df.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import Groups, fmt_num

from .records import CytokineRecords

FORMULA = "LFC ~ TRT * TIME + CYCLE"


def model_dataset(recs: CytokineRecords, paramcd: str, schedule: pd.DataFrame, levels: list[str],
                  predose_time: str) -> pd.DataFrame:
    """Post-dose records of `paramcd` with a positive R2CYCBS: USUBJID, TRT, TIME, CYCLE, VISIT
    (categoricals in schedule order) and LFC = ln(R2CYCBS).

    >>> sched = pd.DataFrame({"CYCLE": [1, 1], "CYCLE_LABEL": ["Cycle 1"] * 2, "TIME": ["Pre", "2 h"], "TIMEN": [0, 1]})
    >>> data = pd.DataFrame({"PARAMCD": ["IL6"] * 2, "USUBJID": ["1", "1"], "_GROUP": ["A", "A"], "CYCLE": [1, 1],
    ...                      "CYCLE_LABEL": ["Cycle 1"] * 2, "TIME": ["Pre", "2 h"], "R2CYCBS": [1.0, np.e]})
    >>> model_dataset(CytokineRecords(data, ""), "IL6", sched, ["A"], "Pre")[["VISIT", "LFC"]].values.tolist()
    [['Cycle 1 2 h', 1.0]]
    """
    post = schedule[schedule["TIME"] != predose_time].sort_values(["CYCLE", "TIMEN"])
    times = list(dict.fromkeys(post.sort_values("TIMEN")["TIME"]))
    cycles = list(dict.fromkeys(post["CYCLE_LABEL"]))
    visits = [f"{c} {t}" for c, t in zip(post["CYCLE_LABEL"], post["TIME"])]
    d = recs.data[(recs.data["PARAMCD"] == paramcd) & (recs.data["TIME"] != predose_time)]
    d = d[pd.to_numeric(d["R2CYCBS"], errors="coerce") > 0]
    out = pd.DataFrame({
        "USUBJID": d["USUBJID"].to_numpy(),
        "TRT": pd.Categorical(d["_GROUP"], categories=levels),
        "TIME": pd.Categorical(d["TIME"], categories=times),
        "CYCLE": pd.Categorical(d["CYCLE_LABEL"], categories=cycles),
        "VISIT": pd.Categorical(d["CYCLE_LABEL"] + " " + d["TIME"], categories=visits),
        "LFC": np.log(d["R2CYCBS"].astype(float)).to_numpy(),
    })
    return out.sort_values(["USUBJID", "VISIT"]).reset_index(drop=True)


def dose_contrasts(exog_names: list[str], trt_levels: list[str], time_levels: list[str]) -> pd.DataFrame:
    """L rows (one per non-reference dose group) of TRT_k - TRT_ref averaged equally over the
    times (and cycles, which are additive): the type III dose-group effect under treatment coding.

    >>> names = ["Intercept", "TRT[T.B]", "TIME[T.t2]", "TRT[T.B]:TIME[T.t2]"]
    >>> dose_contrasts(names, ["A", "B"], ["t1", "t2"]).values.tolist()
    [[0.0, 1.0, 0.0, 0.5]]
    """
    rows = []
    for k in trt_levels[1:]:
        row = dict.fromkeys(exog_names, 0.0)
        row[f"TRT[T.{k}]"] = 1.0
        for t in time_levels[1:]:
            row[f"TRT[T.{k}]:TIME[T.{t}]"] = 1.0 / len(time_levels)
        rows.append(row)
    return pd.DataFrame(rows, columns=exog_names)


def interaction_contrasts(exog_names: list[str]) -> pd.DataFrame:
    """L rows setting each TRT:TIME coefficient to 0 (dose group x time interaction).

    >>> interaction_contrasts(["Intercept", "TRT[T.B]", "TRT[T.B]:TIME[T.t2]"]).values.tolist()
    [[0.0, 0.0, 1.0]]
    """
    inter = [n for n in exog_names if n.startswith("TRT[") and ":TIME[" in n]
    return pd.DataFrame([{n: float(n == c) for n in exog_names} for c in inter], columns=exog_names)


def fit_cytokine_model(data: pd.DataFrame, order=("AR1H", "AR1", "CS"), df: str = "satterthwaite",
                       weights: str = "equal", conf: float = 0.95) -> dict:
    """Fit one cytokine's model; never raises on a fit problem: returns status "failed: ..." or
    "not fitted: ..." instead. Keys: status, structure, n_obs, n_subjects, neg2_loglik,
    fallback (text), lsmeans (TRT, TIME, estimate, se, df, lower, upper, gm_fc, gm_fc_lower,
    gm_fc_upper), dose_test and interaction_test (F, num_df, den_df, p)."""
    from analysis.stats import fit_with_fallback

    out = {"status": "", "structure": "", "n_obs": len(data), "n_subjects": int(data["USUBJID"].nunique()),
           "neg2_loglik": math.nan, "fallback": "", "lsmeans": None, "dose_test": None, "interaction_test": None}
    present = [lv for lv in data["TRT"].cat.categories if (data["TRT"] == lv).any()]
    if len(present) < 2 or data["TIME"].nunique() < 2:
        out["status"] = "not fitted: fewer than 2 dose groups or nominal times with data"
        return out
    d = data.assign(TRT=data["TRT"].cat.remove_unused_categories(),
                    TIME=data["TIME"].cat.remove_unused_categories(),
                    CYCLE=data["CYCLE"].cat.remove_unused_categories(),
                    VISIT=data["VISIT"].cat.remove_unused_categories())
    trt, times = list(d["TRT"].cat.categories), list(d["TIME"].cat.categories)
    formula = FORMULA if d["CYCLE"].nunique() > 1 else FORMULA.replace(" + CYCLE", "")
    try:
        fit = fit_with_fallback(formula, d, subject="USUBJID", visit="VISIT", order=tuple(order), df=df,
                                visit_levels=list(d["VISIT"].cat.categories),
                                reference={"TRT": trt[0], "TIME": times[0]})
        alpha = 1 - conf
        ls = fit.lsmeans(["TRT", "TIME"], weights=weights, alpha=alpha)
        dose = fit.f_test(dose_contrasts(fit.exog_names, trt, times))
        inter_l = interaction_contrasts(fit.exog_names)
        inter = fit.f_test(inter_l) if len(inter_l) else None
    except Exception as exc:  # noqa: BLE001 - one cytokine's failure is reported, the run goes on
        attempts = getattr(exc, "attempts", [])
        out["fallback"] = "; ".join(f"{a['structure']}: {a['reason']}" for a in attempts)
        out["status"] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return out
    ls = ls.assign(TRT=ls["TRT"].astype(str), TIME=ls["TIME"].astype(str),
                   gm_fc=np.exp(ls["estimate"]), gm_fc_lower=np.exp(ls["lower"]), gm_fc_upper=np.exp(ls["upper"]))
    out.update(status="converged", structure=fit.structure, n_obs=fit.nobs, n_subjects=fit.n_subjects,
               neg2_loglik=fit.neg2_loglik, lsmeans=ls, dose_test=dose, interaction_test=inter,
               fallback="; ".join(f"{a['structure']}: {a['reason']}" for a in fit.fallback))
    return out


def _f_text(test) -> str:
    if test is None:
        return ""
    p = test["p"]
    p_text = "<0.001" if p < 0.001 else fmt_num(p, 3)
    return f"F({fmt_num(test['num_df'], 0)}, {fmt_num(test['den_df'], 1)}) = {fmt_num(test['F'], 2)}, p = {p_text}"


def model_table(fits: dict[str, dict], groups: Groups, labels: dict[str, str], conf: float = 0.95,
                analysis_id: str = "cyt_model", order=("AR1H", "AR1", "CS")) -> TableResult:
    """One table over cytokines: back-transformed LS-mean fold change (CI) per dose group and
    nominal time, the dose-group and dose x time F tests, and the model used; ARD with all numbers."""
    ard = ArdRows(analysis_id)
    headers = [groups.header(lv) for lv in groups.levels]
    rows, failed = [], []
    for paramcd, res in fits.items():
        label = labels.get(paramcd, paramcd)
        for name in ("model_status", "structure", "n_obs", "n_subjects", "neg2_loglik", "fallback"):
            key = "status" if name == "model_status" else name
            ard.add(name, res[key], variable=paramcd, stat_label=name.replace("_", " "))
        if res["lsmeans"] is None:
            failed.append(f"{paramcd}: {res['status']}" + (f" ({res['fallback']})" if res["fallback"] else ""))
            rows.append({"Cytokine": label, "Model": res["status"], "Time": "", **dict.fromkeys(headers, "")})
            continue
        model_text = f"{res['structure']}, {res['n_obs']} obs., {res['n_subjects']} subjects"
        ls = res["lsmeans"]
        for i, time in enumerate(dict.fromkeys(ls["TIME"])):
            cells = {}
            for lv, h in zip(groups.levels, headers):
                r = ls[(ls["TRT"] == lv) & (ls["TIME"] == time)]
                if r.empty:
                    cells[h] = ""
                    continue
                r = r.iloc[0]
                cells[h] = f"{fmt_num(r['gm_fc'], 2)} ({fmt_num(r['gm_fc_lower'], 2)}, {fmt_num(r['gm_fc_upper'], 2)})"
                for stat in ("estimate", "se", "df", "lower", "upper", "gm_fc", "gm_fc_lower", "gm_fc_upper"):
                    name = {"estimate": "lsmean_log", "se": "se_log", "lower": "lsmean_log_ci_lower",
                            "upper": "lsmean_log_ci_upper", "gm_fc_lower": "gm_fc_ci_lower",
                            "gm_fc_upper": "gm_fc_ci_upper"}.get(stat, stat)
                    ard.add(name, r[stat], group1=groups.treatment, group1_level=lv, group2="NOMTIME",
                            group2_level=time, variable=paramcd)
            rows.append({"Cytokine": label if i == 0 else "", "Model": model_text if i == 0 else "",
                         "Time": time, **cells})
        for what, test, level in (("Dose group effect", res["dose_test"], "TRT"),
                                  ("Dose group x time", res["interaction_test"], "TRT:TIME")):
            if test is not None:
                for stat in ("F", "num_df", "den_df", "p"):
                    ard.add(stat, test[stat], variable=paramcd, variable_level=level)
            rows.append({"Cytokine": "", "Model": "", "Time": what,
                         **{h: (_f_text(test) if j == 0 else "") for j, h in enumerate(headers)}})
    pct = fmt_num(100 * conf, 0)
    footnotes = [
        "Geometric mean fold change vs the cycle's pre-infusion value with " + pct + "% CI: exp of the LS mean of "
        "ln(R2CYCBS) from a mixed model TRT * TIME + CYCLE with repeated measures over the cycle x time "
        "combinations within subject (REML, Satterthwaite df); LS means average the cycles with equal weights.",
        "Covariance structure: the first of " + " -> ".join(order) + " that converges (column Model). Dose "
        "group effect: joint F test of equal dose-group LS means averaged over times; dose group x time: joint "
        "F test of the interaction.",
        "Values below the LLOQ enter as LLOQ/2 (no censored-likelihood adjustment).",
    ]
    if failed:
        footnotes.append("Model not fitted for " + "; ".join(failed) + ".")
    table = pd.DataFrame(rows, columns=["Cytokine", "Model", "Time"] + headers)
    return TableResult(analysis_id, "Mixed model of the fold change vs cycle pre-dose, by dose group and nominal time",
                       table, ard.frame(), footnotes, groups.population)
