"""ANCOVA of the change from baseline at one visit over the modelled parameters (`eff_ancova`).

Per parameter: CHG ~ TRT + BASE by OLS on the subjects with a value at the visit
(`analysis.stats.ancova`; on the log scale ln(AVAL) - ln(BASE) ~ TRT + ln(BASE)); LS means per
dose group at the mean baseline, differences from the lowest dose, and the linear dose-response
contrast over the LS means with centred dose scores from the numeric dose variable (TRT01AN:
1, 2, 4 x 10^6 cells/kg -> weights -4/3, -1/3, 5/3). The estimate of that contrast is
sum(w_i * LSmean_i); its test is the test of a linear trend in dose.
"""

from __future__ import annotations


import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.stats.groups import Groups, fmt_num

from .display import exp_or_inf, fmt, fmt_p
from .records import ParamRecords


def dose_scores(adsl: pd.DataFrame, groups: Groups, dose_variable: str) -> dict[str, float]:
    """{dose group: numeric dose} from ADSL (the one value of `dose_variable` per group).

    >>> from analysis.stats.groups import analysis_groups
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["Lo", "Hi"], "TRT01AN": [1, 4],
    ...                      "EFFFL": "Y"})
    >>> dose_scores(adsl, analysis_groups(adsl, "TRT01A", "EFFFL"), "TRT01AN")
    {'Lo': 1.0, 'Hi': 4.0}
    """
    from analysis.errors import UserError

    subj = groups.subjects
    if dose_variable not in subj.columns:
        raise UserError(f"ADSL: dose variable {dose_variable} (numeric dose scores) missing")
    out = {}
    for lv in groups.levels:
        vals = pd.to_numeric(subj.loc[subj["_GROUP"] == lv, dose_variable], errors="coerce").dropna().unique()
        if len(vals) != 1:
            raise UserError(f"ADSL: {dose_variable} must have one value per {groups.treatment} group; "
                            f"{lv} has {len(vals)}")
        out[lv] = float(vals[0])
    return out


def visit_data(recs: ParamRecords, visit: str) -> pd.DataFrame:
    """TRT, BASE, CHG (analysis scale) of the records at `visit` with both values.

    >>> from analysis.efficacy.config import ParamSpec
    >>> post = pd.DataFrame({"_GROUP": ["A", "B"], "AVISIT": ["W4", "W4"], "_BASE": [1.0, None],
    ...                      "_CHG": [0.5, 0.2]})
    >>> visit_data(ParamRecords(ParamSpec("ADXX", "X"), "X", post.iloc[:0], post, ["W4"], False), "W4").values.tolist()
    [['A', 1.0, 0.5]]
    """
    d = recs.post[recs.post["AVISIT"] == visit]
    out = pd.DataFrame({"TRT": d["_GROUP"].astype(str), "BASE": d["_BASE"].astype(float),
                        "CHG": d["_CHG"].astype(float)})
    return out.dropna().reset_index(drop=True)


def ancova_table(records: list[ParamRecords], groups: Groups, doses: dict[str, float], visit: str,
                 conf: float = 0.95, analysis_id: str = "eff_ancova") -> TableResult:
    """One table over the parameters; a parameter that cannot be fitted gets a footnote."""
    from analysis.stats import ancova

    ard = ArdRows(analysis_id)
    c = fmt_num(100 * conf, 0)
    rows, notes = [], []
    any_log = False
    for recs in records:
        p = recs.param
        log = p.scale == "log"
        any_log |= log
        name = f"{p.paramcd}{' (ln)' if log else ''}"
        var = {"variable": "PARAMCD", "variable_level": p.paramcd, "group2": "AVISIT", "group2_level": visit}
        data = visit_data(recs, visit)
        present = [lv for lv in groups.levels if lv in set(data["TRT"])]
        try:
            if len(present) < 2:
                raise ValueError(f"{len(present)} dose group(s) with data at {visit}")
            res = ancova(data, "CHG", "TRT", ["BASE"], reference=present[0],
                         dose={lv: doses[lv] for lv in present}, alpha=1 - conf)
        except (ValueError, ArithmeticError) as exc:
            ard.add("model_status", f"not fitted: {exc}", stat_label="Model status", **var)
            notes.append(f"{p.paramcd}: ANCOVA not fitted ({exc}).")
            continue
        ard.add("model_status", "fitted", stat_label="Model status", **var)
        ard.add("nobs", res.nobs, stat_label="Observations", **var)
        n = data.groupby("TRT").size()
        d = p.digits + 2 if not log else 3
        diffs = {r.TRT: r for r in res.diffs.itertuples(index=False)}
        lsm = res.lsmeans.set_index("TRT")
        for lv in present:
            r = lsm.loc[lv]
            kw = dict(group1=groups.treatment, group1_level=lv, **var)
            ard.add("n", int(n.get(lv, 0)), **kw)
            ard.add("dose_weight", float(res.dose_coefficients[lv]), stat_label="Dose-response weight", **kw)
            for stat, key in (("lsmean", "estimate"), ("lsmean_se", "se"), ("lsmean_df", "df"),
                              ("lsmean_lower", "lower"), ("lsmean_upper", "upper")):
                ard.add(stat, float(r[key]), stat_label="LS mean change", **kw)
            row = [name, lv, str(int(n.get(lv, 0))), f"{fmt(r['estimate'], d)} ({fmt(r['se'], d)})",
                   f"({fmt(r['lower'], d)}, {fmt(r['upper'], d)})", "", "", ""]
            dr = diffs.get(lv)
            if dr is not None:
                for stat, value in (("diff", dr.estimate), ("diff_se", dr.se), ("diff_df", dr.df),
                                    ("diff_lower", dr.lower), ("diff_upper", dr.upper), ("diff_p", dr.p)):
                    ard.add(stat, value, stat_label=f"Difference vs {dr.vs}", **kw)
                row[5] = f"{fmt(dr.estimate, d)} ({fmt(dr.lower, d)}, {fmt(dr.upper, d)})"
                if log:
                    row[6] = (f"{fmt(exp_or_inf(dr.estimate), 3)} ({fmt(exp_or_inf(dr.lower), 3)}, "
                              f"{fmt(exp_or_inf(dr.upper), 3)})")
                    ard.add("diff_ratio", exp_or_inf(dr.estimate), stat_label=f"Ratio vs {dr.vs}", **kw)
                row[7] = fmt_p(dr.p)
            rows.append(row)
        dr = res.dose_response
        for stat, key in (("dose_response", "estimate"), ("dose_response_se", "se"), ("dose_response_df", "df"),
                          ("dose_response_lower", "lower"), ("dose_response_upper", "upper"),
                          ("dose_response_p", "p")):
            ard.add(stat, float(dr[key]), stat_label="Linear dose-response contrast", **var)
        rows.append([name, "Linear dose-response", "", "", "",
                     f"{fmt(dr['estimate'], d)} ({fmt(dr['lower'], d)}, {fmt(dr['upper'], d)})",
                     "", fmt_p(dr["p"])])
    ref = groups.levels[0]
    cols = ["Parameter", "Dose group", "n", "LS mean change (SE)", f"{c}% CI",
            f"Difference vs {ref} ({c}% CI)", f"Ratio vs {ref} ({c}% CI)", "p-value"]
    table = pd.DataFrame(rows, columns=cols)
    w = ", ".join(f"{lv}: {fmt(doses[lv], 2)}" for lv in groups.levels)
    foot = [(f"ANCOVA at {visit} (primary time point: placeholder until the SAP): change from "
            "baseline ~ dose group + baseline, OLS; LS means at the mean baseline; residual df."),
            (f"Linear dose-response: contrast of the LS means with weights = dose score - mean score "
             f"(dose scores {w}); estimate = sum of weight x LS mean."),
            f"Subjects with a value at {visit} and a baseline value; population {groups.population} = \"Y\"."]
    if any_log:
        foot.append("(ln): analysed as ln(AVAL) - ln(BASE) with ln(BASE) as covariate; ratio = exp(difference).")
    return TableResult(analysis_id, f"ANCOVA of change from baseline at {visit}", table, ard.frame(),
                       foot + notes, groups.population)
