"""Display table and ARD of one change model (`eff_mmrm_<paramcd>`).

Rows: visit x dose group. Columns: n (subjects in the model at the visit), LS mean change (SE),
its 95% CI, and the difference from the lowest dose group with 95% CI and p. On the log scale the
estimates are log ratios; the back-transformed ratio to baseline and ratio between dose groups
(exp of estimate and CI limits) are added.

ARD (group1 = treatment, group2 = AVISIT, variable = PARAMCD): lsmean, lsmean_se, lsmean_df,
lsmean_lower, lsmean_upper, lsmean_p (test of no change), n; diff, diff_se, diff_df, diff_lower,
diff_upper, diff_p (stat_label names the reference); on the log scale ratio/ratio_lower/
ratio_upper and diff_ratio/diff_ratio_lower/diff_ratio_upper. Model rows (no group):
model_status ("fitted" or "not fitted: <reason>"), covariance, df_method, formula, nobs,
n_subjects, neg2_loglik, aic, and attempt_<k> ("<structure>: <reason>") for every structure tried.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import Groups, fmt_num

from .display import exp_or_inf, fmt, fmt_p
from .model import FORMULA, ChangeModel
from .records import ParamRecords

DF_LABELS = {"kenward-roger": "Kenward-Roger", "kenward-roger-linear": "Kenward-Roger (linear)",
             "satterthwaite": "Satterthwaite", "residual": "residual", "between-within": "between-within"}


def attempts_text(attempts: list[dict]) -> str:
    """One line per fallback attempt, for a footnote.

    >>> attempts_text([{"structure": "UN", "converged": False, "reason": "iteration limit"},
    ...                {"structure": "CS", "converged": True, "reason": "converged"}])
    'UN: iteration limit; CS: converged'
    """
    return "; ".join(f"{a['structure']}: {a['reason']}" for a in attempts)


def _ci(lo: float, hi: float, d: int) -> str:
    return f"({fmt(lo, d)}, {fmt(hi, d)})"


def model_ard(model: ChangeModel, recs: ParamRecords, groups: Groups, analysis_id: str) -> ArdRows:
    """The ARD of the model (see the module docstring)."""
    code = recs.param.paramcd
    log = recs.param.scale == "log"
    ard = ArdRows(analysis_id)
    var = {"variable": "PARAMCD", "variable_level": code}
    ard.add("model_status", model.status, stat_label="Model status", **var)
    ard.add("formula", FORMULA, stat_label="Model", **var)
    ard.add("scale", recs.param.scale, stat_label="Analysis scale", **var)
    ard.add("df_method", model.options.df, stat_label="Denominator df", **var)
    for k, a in enumerate(model.attempts, 1):
        ard.add(f"attempt_{k}", f"{a['structure']}: {a['reason']}", stat_label="Covariance attempt", **var)
    if not model.fitted:
        return ard
    fit = model.fit
    ard.add("covariance", fit.structure, stat_label="Covariance structure", **var)
    for name, value, label in (("nobs", fit.nobs, "Observations"), ("n_subjects", fit.n_subjects, "Subjects"),
                               ("neg2_loglik", fit.neg2_loglik, "-2 Res Log Likelihood"),
                               ("aic", fit.aic, "AIC")):
        ard.add(name, value, stat_label=label, **var)
    for r in model.lsmeans.itertuples(index=False):
        kw = dict(group1=groups.treatment, group1_level=r.TRT, group2="AVISIT", group2_level=r.AVISIT, **var)
        ard.add("n", r.n, **kw)
        for stat, value in (("lsmean", r.estimate), ("lsmean_se", r.se), ("lsmean_df", r.df),
                            ("lsmean_lower", r.lower), ("lsmean_upper", r.upper), ("lsmean_p", r.p)):
            ard.add(stat, value, stat_label=f"LS mean change: {stat.removeprefix('lsmean_') or 'estimate'}", **kw)
        if log:
            for stat, value in (("ratio", r.estimate), ("ratio_lower", r.lower), ("ratio_upper", r.upper)):
                ard.add(stat, exp_or_inf(value), stat_label="Ratio to baseline (exp LS mean)", **kw)
    for r in model.diffs.itertuples(index=False):
        kw = dict(group1=groups.treatment, group1_level=r.TRT, group2="AVISIT", group2_level=r.AVISIT, **var)
        label = f"Difference vs {r.vs}"
        for stat, value in (("diff", r.estimate), ("diff_se", r.se), ("diff_df", r.df),
                            ("diff_lower", r.lower), ("diff_upper", r.upper), ("diff_p", r.p)):
            ard.add(stat, value, stat_label=label, **kw)
        if log:
            for stat, value in (("diff_ratio", r.estimate), ("diff_ratio_lower", r.lower),
                                ("diff_ratio_upper", r.upper)):
                ard.add(stat, exp_or_inf(value), stat_label=f"Ratio vs {r.vs}", **kw)
    return ard


def mmrm_table(model: ChangeModel, recs: ParamRecords, groups: Groups,
               analysis_id: str | None = None) -> TableResult:
    """The LS-mean table of one parameter; a model that could not be fitted gives an empty table
    and a footnote with the reason."""
    p = recs.param
    analysis_id = analysis_id or f"eff_mmrm_{p.paramcd.lower()}"
    log = p.scale == "log"
    d = p.digits + 2 if not log else 3
    conf = fmt_num(100 * model.options.conf, 0)
    ref = model.reference
    what = "LS mean log ratio (SE)" if log else "LS mean change (SE)"
    cols = ["Visit", "Dose group", "n", what, f"{conf}% CI"]
    if log:
        cols += [f"Ratio to baseline ({conf}% CI)"]
    cols += [f"Difference vs {ref} ({conf}% CI)", "p-value"]
    if log:
        cols.insert(-1, f"Ratio vs {ref} ({conf}% CI)")
    rows = []
    if model.fitted:
        diffs = {(r.TRT, r.AVISIT): r for r in model.diffs.itertuples(index=False)}
        for r in model.lsmeans.itertuples(index=False):
            row = [r.AVISIT, r.TRT, str(r.n), f"{fmt(r.estimate, d)} ({fmt(r.se, d)})",
                   _ci(r.lower, r.upper, d)]
            if log:
                row.append(f"{fmt(exp_or_inf(r.estimate), 3)} {_ci(exp_or_inf(r.lower), exp_or_inf(r.upper), 3)}")
            dr = diffs.get((r.TRT, r.AVISIT))
            diff = "" if dr is None else f"{fmt(dr.estimate, d)} {_ci(dr.lower, dr.upper, d)}"
            pv = "" if dr is None else fmt_p(dr.p)
            row.append(diff)
            if log:
                row.append("" if dr is None else
                           f"{fmt(exp_or_inf(dr.estimate), 3)} {_ci(exp_or_inf(dr.lower), exp_or_inf(dr.upper), 3)}")
            row.append(pv)
            rows.append(row)
        order = {v: i for i, v in enumerate(model.visits)}
        lv = {g: i for i, g in enumerate(model.levels)}
        rows.sort(key=lambda r: (order[r[0]], lv[r[1]]))
    table = pd.DataFrame(rows, columns=cols)
    notes = footnotes(model, recs, groups)
    ard = model_ard(model, recs, groups, analysis_id)
    return TableResult(analysis_id, f"{recs.label}: MMRM of change from baseline", table, ard.frame(),
                       notes, groups.population)


def footnotes(model: ChangeModel, recs: ParamRecords, groups: Groups) -> list[str]:
    p = recs.param
    log = p.scale == "log"
    out = []
    if not model.fitted:
        out.append(f"Model not fitted for {p.paramcd} ({model.status.removeprefix('not fitted: ')}).")
    y = "ln(AVAL) - ln(BASE)" if log else "CHG"
    out.append(f"MMRM: {y} ~ baseline{' (ln)' if log else ''} + dose group + visit + dose group x visit, "
               "repeated visit within subject, REML; LS means at the mean baseline "
               f"(SAS LSMEANS); {DF_LABELS.get(model.options.df, model.options.df)} denominator df.")
    if model.fitted:
        out.append(f"Covariance structure used: {model.fit.structure} (pre-specified order "
                   f"{' -> '.join(model.options.order)}; attempts: {attempts_text(model.attempts)}).")
        out.append(f"Model visits: {', '.join(model.visits)}; {model.fit.nobs} observations from "
                   f"{model.fit.n_subjects} subjects. n = subjects with a value at the visit.")
    elif model.attempts and all(a["structure"] for a in model.attempts):
        out.append(f"Attempts: {attempts_text(model.attempts)}.")
    if log:
        out.append("Log scale: estimates are differences of natural logs; ratio = exp(estimate) "
                   "(geometric mean ratio to baseline; ratio of dose groups).")
    if recs.has_blq:
        post = recs.post
        n_blq, n = int(post["_BLQ"].sum()), int(post["AVAL"].notna().sum())
        if n and n_blq:
            out.append(f"{n_blq} of {n} post-baseline values ({fmt_num(100 * n_blq / n, 1)}%) are below "
                       "the LLOQ and enter as LLOQ/2" + ("; with this many, the model is descriptive at "
                                                        "best (a censored model would be needed)."
                                                        if n_blq / n > 0.5 else "."))
    out.append(f"Population: {groups.population} = \"Y\".")
    return out + recs.notes + model.notes


def plot_points(model: ChangeModel) -> pd.DataFrame:
    """The LS means to plot (TRT, AVISIT, estimate, lower, upper), visit x group order."""
    if not model.fitted:
        return pd.DataFrame(columns=["TRT", "AVISIT", "estimate", "lower", "upper"])
    return model.lsmeans[["TRT", "AVISIT", "estimate", "lower", "upper"]].copy()


def exp_if_log(values, log: bool) -> np.ndarray:
    """exp() on the log scale, unchanged otherwise.

    >>> exp_if_log([0.0], True).tolist(), exp_if_log([0.0], False).tolist()
    ([1.0], [0.0])
    """
    arr = np.asarray(values, dtype=float)
    return np.exp(arr) if log else arr
