"""Area under the concentration-time curve per subject, cytokine and infusion cycle (`cyt_auc`,
listing `cyt_auc_subject`).

Rule (docs/cytokines.md): linear trapezoid over the cycle's scheduled analysis samples from the
first nominal time (pre-dose) to the last (Week 4), on actual hours since the infusion (ARELTM;
a sample without ARELTM takes its nominal hours, flagged). The AUC is not computed when the
first or the last sample is missing; a missing sample in between is bridged by the trapezoid
and flagged. Baseline-corrected AUC = AUC of (value - pre-dose value) = AUC - C0 x (t_last -
t_first); it can be negative.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, ListingResult, TableResult
from analysis.stats.descriptive import describe
from analysis.stats.groups import Groups, fmt_num, require

from .geometric import geometric_mean_ci
from .summary import auto_digits, group_records

AUC_VARS = {"AUC": "AUC", "AUCBC": "Baseline-corrected AUC"}


def trapezoid_auc(times, values) -> float:
    """Linear trapezoid AUC of `values` over `times` (sorted by time first); nan with < 2 points.

    >>> trapezoid_auc([0, 2, 24], [1.0, 3.0, 2.0])
    59.0
    >>> trapezoid_auc([5], [1.0])
    nan
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(t) < 2:
        return math.nan
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    return float(np.sum((t[1:] - t[:-1]) * (y[1:] + y[:-1]) / 2))


def cycle_auc(samples: pd.DataFrame, expected: list[str], time_source: str = "actual") -> dict:
    """AUC of one subject/cytokine/cycle from its samples (TIME, NOMHRS, ARELTM, AVAL) given
    the cycle's `expected` nominal times (first..last, in order).

    >>> s = pd.DataFrame({"TIME": ["Pre", "2 h", "Wk4"], "NOMHRS": [0, 2, 648.0],
    ...                   "ARELTM": [-1.0, 2.0, 650.0], "AVAL": [2.0, 4.0, 2.0]})
    >>> r = cycle_auc(s, ["Pre", "2 h", "24 h", "Wk4"])
    >>> r["AUC"], r["AUCBC"], r["n_samples"], r["flag"]
    (1953.0, 651.0, 3, '1 intermediate sample(s) missing (bridged)')
    >>> cycle_auc(s[s.TIME != "Pre"], ["Pre", "2 h", "Wk4"])["flag"]
    'not computed: Pre sample missing'
    """
    s = samples[samples["TIME"].isin(expected)]
    have = set(s["TIME"])
    out = {"n_expected": len(expected), "n_samples": len(s), "t_first": math.nan, "t_last": math.nan,
           "AUC": math.nan, "AUCBC": math.nan, "flag": ""}
    for end in (expected[0], expected[-1]):
        if end not in have:
            out["flag"] = f"not computed: {end} sample missing"
            return out
    nominal = pd.to_numeric(s["NOMHRS"], errors="coerce")
    if time_source == "actual":
        actual = pd.to_numeric(s["ARELTM"], errors="coerce")
        t = actual.where(actual.notna(), nominal)
        n_nominal = int(actual.isna().sum())
    else:
        t, n_nominal = nominal, 0
    order = s.assign(_T=t.to_numpy()).sort_values("_T", kind="stable")
    flags = []
    if len(s) < len(expected):
        flags.append(f"{len(expected) - len(s)} intermediate sample(s) missing (bridged)")
    if n_nominal:
        flags.append(f"nominal time used for {n_nominal} sample(s)")
    auc = trapezoid_auc(order["_T"], order["AVAL"])
    t0, t1 = float(order["_T"].iloc[0]), float(order["_T"].iloc[-1])
    c0 = float(s.loc[s["TIME"] == expected[0], "AVAL"].iloc[0])
    out.update(t_first=t0, t_last=t1, AUC=auc, AUCBC=auc - c0 * (t1 - t0), flag="; ".join(flags))
    return out


AUC_COLUMNS = ["USUBJID", "_GROUP", "PARAMCD", "CYCLE", "ATPTREF", "n_expected", "n_samples", "t_first", "t_last",
               "AUC", "AUCBC", "flag"]


def subject_aucs(data: pd.DataFrame, schedule: pd.DataFrame, first_time: str, last_time: str,
                 time_source: str = "actual") -> pd.DataFrame:
    """One row per subject x PARAMCD x cycle with any scheduled sample: AUC, AUCBC, flag
    (`cycle_auc` of every subject at once, see `cycle_aucs`).

    >>> sched = pd.DataFrame({"CYCLE": [1, 1], "ATPTREF": ["INFUSION 1"] * 2, "TIME": ["Pre", "Wk4"], "TIMEN": [0, 1]})
    >>> d = pd.DataFrame({"USUBJID": ["1", "1"], "_GROUP": ["A", "A"], "PARAMCD": ["IL6"] * 2, "CYCLE": [1, 1],
    ...                   "ATPTREF": ["INFUSION 1"] * 2, "TIME": ["Pre", "Wk4"], "NOMHRS": [0.0, 10.0],
    ...                   "ARELTM": [0.0, 10.0], "AVAL": [1.0, 3.0]})
    >>> subject_aucs(d, sched, "Pre", "Wk4")[["USUBJID", "CYCLE", "AUC", "AUCBC"]].values.tolist()
    [['1', 1, 20.0, 10.0]]
    """
    require(data, ["USUBJID", "_GROUP", "PARAMCD", "CYCLE", "ATPTREF", "TIME", "NOMHRS", "ARELTM", "AVAL"], "ADCYT")
    frames = []
    for cycle, sched in schedule.groupby("CYCLE", sort=True):
        times = list(sched.sort_values("TIMEN")["TIME"])
        if first_time not in times or last_time not in times:
            continue
        expected = times[times.index(first_time):times.index(last_time) + 1]
        out = cycle_aucs(data[data["CYCLE"] == cycle], expected, time_source)
        out.insert(3, "CYCLE", np.full(len(out), cycle))
        out.insert(4, "ATPTREF", sched["ATPTREF"].iloc[0])
        if len(out):
            frames.append(out)
    if not frames:
        return pd.DataFrame([], columns=AUC_COLUMNS)
    return pd.concat(frames, ignore_index=True)[AUC_COLUMNS]


def _row_sums(terms: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum of terms[start:start + count] for each group, added in the same order as np.sum of
    each slice (rows of equal length summed together, so the floating-point result is the same).

    >>> _row_sums(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 1]), np.array([1, 3])).tolist()
    [1.0, 9.0]
    """
    out = np.zeros(len(starts))
    for k in np.unique(counts):
        which = np.flatnonzero(counts == k)
        idx = starts[which][:, None] + np.arange(k)
        out[which] = terms[idx].sum(axis=1) if k else 0.0
    return out


def cycle_aucs(cyc: pd.DataFrame, expected: list[str], time_source: str = "actual") -> pd.DataFrame:
    """`cycle_auc` for every PARAMCD x subject of one cycle's records at once (vectorised; a
    Python loop over 36,000 subject-cycles took minutes): USUBJID, _GROUP, PARAMCD, n_expected,
    n_samples, t_first, t_last, AUC, AUCBC, flag, sorted by PARAMCD and USUBJID.

    >>> s = pd.DataFrame({"USUBJID": ["1"] * 3, "_GROUP": ["A"] * 3, "PARAMCD": ["IL6"] * 3,
    ...                   "TIME": ["Pre", "2 h", "Wk4"], "NOMHRS": [0, 2, 648.0],
    ...                   "ARELTM": [-1.0, 2.0, 650.0], "AVAL": [2.0, 4.0, 2.0]})
    >>> cycle_aucs(s, ["Pre", "2 h", "24 h", "Wk4"])[["AUC", "AUCBC", "n_samples", "flag"]].values.tolist()
    [[1953.0, 651.0, 3, '1 intermediate sample(s) missing (bridged)']]
    """
    cols = ["USUBJID", "_GROUP", "PARAMCD", "n_expected", "n_samples", "t_first", "t_last", "AUC", "AUCBC", "flag"]
    if cyc.empty:
        return pd.DataFrame([], columns=cols)
    # groupby(["PARAMCD", "USUBJID"], sort=True) order; a stable sort keeps each group's rows in
    # their original order, as the loop over groups saw them
    cyc = cyc.sort_values(["PARAMCD", "USUBJID"], kind="stable")
    key = cyc.groupby(["PARAMCD", "USUBJID"], sort=True).ngroup().to_numpy()
    n_groups = int(key.max()) + 1
    first_row = np.r_[True, key[1:] != key[:-1]]
    heads = cyc[first_row]
    inside = cyc["TIME"].isin(expected).to_numpy()
    n_samples = np.bincount(key[inside], minlength=n_groups)
    time = cyc["TIME"].to_numpy()
    has_first = np.bincount(key[inside & (time == expected[0])], minlength=n_groups) > 0
    has_last = np.bincount(key[inside & (time == expected[-1])], minlength=n_groups) > 0
    # samples inside the expected times, per group sorted by hours (stable: ties keep row order)
    s = cyc[inside]
    skey = key[inside]
    nominal = pd.to_numeric(s["NOMHRS"], errors="coerce").to_numpy(dtype=float)
    if time_source == "actual":
        actual = pd.to_numeric(s["ARELTM"], errors="coerce").to_numpy(dtype=float)
        hours = np.where(np.isnan(actual), nominal, actual)
        n_nominal = np.bincount(skey[np.isnan(actual)], minlength=n_groups)
    else:
        hours, n_nominal = nominal, np.zeros(n_groups, dtype=int)
    aval = s["AVAL"].to_numpy(dtype=float)
    pre = s["TIME"].to_numpy() == expected[0]
    c0 = np.full(n_groups, np.nan)
    c0[skey[pre][::-1]] = aval[pre][::-1]  # the first pre-dose sample of each group wins
    order = np.lexsort((hours, skey))
    t, y, g = hours[order], aval[order], skey[order]
    starts = np.searchsorted(g, np.arange(n_groups))
    ends = np.searchsorted(g, np.arange(n_groups), side="right")
    terms = (t[1:] - t[:-1]) * (y[1:] + y[:-1]) / 2
    counts = np.maximum(ends - starts - 1, 0)
    auc = _row_sums(terms, np.minimum(starts, max(len(terms) - 1, 0)), counts)
    computed = has_first & has_last
    auc = np.where(computed & (ends - starts >= 2), auc, np.nan)
    t0 = np.where(computed, t[np.minimum(starts, len(t) - 1)] if len(t) else np.nan, np.nan)
    t1 = np.where(computed, t[np.maximum(ends - 1, 0)] if len(t) else np.nan, np.nan)
    aucbc = np.where(computed, auc - c0 * (t1 - t0), np.nan)
    n_exp = len(expected)
    flags = []
    for ok, first, n, n_nom in zip(computed.tolist(), has_first.tolist(), n_samples.tolist(), n_nominal.tolist()):
        if not ok:
            flags.append(f"not computed: {expected[0] if not first else expected[-1]} sample missing")
            continue
        parts = [f"{n_exp - n} intermediate sample(s) missing (bridged)"] if n < n_exp else []
        if n_nom:
            parts.append(f"nominal time used for {n_nom} sample(s)")
        flags.append("; ".join(parts))
    return pd.DataFrame({"USUBJID": heads["USUBJID"].to_numpy(), "_GROUP": heads["_GROUP"].to_numpy(),
                         "PARAMCD": heads["PARAMCD"].to_numpy(), "n_expected": np.full(n_groups, n_exp),
                         "n_samples": n_samples, "t_first": t0, "t_last": t1, "AUC": auc, "AUCBC": aucbc,
                         "flag": flags}, columns=cols)


def auc_stats(values, geometric: bool, conf: float = 0.95) -> dict[str, float]:
    """Summary of AUCs: n, gmean/CI/gcv (geometric) or mean/sd, and median, min, max.

    >>> r = auc_stats([10.0, 40.0], True)
    >>> r["n"], round(r["gmean"], 10), r["median"]
    (2, 20.0, 25.0)
    >>> auc_stats([-1.0, 3.0], False)["mean"]
    1.0
    """
    d = describe(values)
    out = {"n": d["n"]}
    if geometric:
        g = geometric_mean_ci(values, conf)
        out.update(gmean=g["gmean"], ci_lower=g["ci_lower"], ci_upper=g["ci_upper"], gcv=g["gcv"])
    else:
        out.update(mean=d["mean"], sd=d["sd"])
    out.update(median=d["median"], min=d["min"], max=d["max"])
    return out


def _display(s: dict, geometric: bool, digits: int, conf: float) -> list[tuple[str, str]]:
    pct = f"{fmt_num(100 * conf, 0)}% CI"
    rng = "" if s["n"] == 0 else f"{fmt_num(s['min'], digits)}, {fmt_num(s['max'], digits)}"
    if geometric:
        ci = "" if math.isnan(s["ci_lower"]) else f" ({fmt_num(s['ci_lower'], digits)}, {fmt_num(s['ci_upper'], digits)})"
        first = [(f"Geometric mean ({pct})", fmt_num(s["gmean"], digits) + ci if s["n"] else ""),
                 ("Geometric CV%", fmt_num(s["gcv"], 1))]
    else:
        first = [("Mean (SD)", "" if s["n"] == 0 else f"{fmt_num(s['mean'], digits)} ({fmt_num(s['sd'], digits)})")]
    return [("n", str(s["n"]))] + first + [("Median", fmt_num(s["median"], digits)), ("Min, Max", rng)]


def auc_outputs(aucs: pd.DataFrame, groups: Groups, cycles: pd.DataFrame, paramcds: list[str],
                labels: dict[str, str], conf: float = 0.95, time_source: str = "actual",
                analysis_id: str = "cyt_auc") -> tuple[TableResult, ListingResult]:
    """The AUC summary table (dose group x cycle, per cytokine) and the per-subject listing."""
    ard = ArdRows(analysis_id)
    rows = []
    for paramcd in paramcds:
        pa = aucs[aucs["PARAMCD"] == paramcd]
        for var, var_label in AUC_VARS.items():
            geometric = var == "AUC"
            digits = auto_digits(pa["AUC"])
            for cyc in cycles.itertuples(index=False):
                block: dict[str, list] = {}
                for level in groups.columns():
                    vals = group_records(pa[pa["CYCLE"] == cyc.CYCLE], groups, level)[var].dropna()
                    s = auc_stats(vals, geometric, conf)
                    for name, value in s.items():
                        ard.add(name, value, group1=groups.treatment, group1_level=level, group2="ATPTREF",
                                group2_level=cyc.ATPTREF, variable=paramcd, variable_level=var)
                    for stat_label, text in _display(s, geometric, digits, conf):
                        block.setdefault(stat_label, []).append(text)
                for stat_label, texts in block.items():
                    rows.append({"Cytokine": labels.get(paramcd, paramcd), "Cycle": cyc.CYCLE_LABEL,
                                 "Parameter": var_label, "Statistic": stat_label,
                                 **{groups.header(lv): t for lv, t in zip(groups.columns(), texts)}})
    not_computed = aucs[aucs["AUC"].isna()]
    bridged = aucs[aucs["AUC"].notna() & (aucs["flag"] != "")]
    time_note = ("actual hours since the start of the cycle's infusion (ARELTM; nominal hours when missing)"
                 if time_source == "actual" else "nominal hours since the start of the cycle's infusion")
    footnotes = [
        (f"AUC: linear trapezoid over the cycle's scheduled samples from pre-dose to the last sample of the cycle, "
        f"on {time_note}; unit = concentration unit x h. Baseline-corrected AUC = AUC of (value - pre-dose value)."),
        ("AUC is not computed when the pre-dose or the last sample of the cycle is missing; missing samples in "
        "between are bridged by the trapezoid (flagged in the listing cyt_auc_subject)."),
        (f"{len(not_computed)} subject-cycle AUC(s) not computed (first or last sample missing); {len(bridged)} "
        "computed with a flag. Subjects without any sample in a cycle (e.g. infusion not given) are not counted."),
    ]
    table = TableResult(analysis_id, "Cytokine AUC per infusion cycle by dose group", pd.DataFrame(rows),
                        ard.frame(), footnotes, groups.population)
    lst = []
    rank = {"PARAMCD": {p: i for i, p in enumerate(paramcds)}, "_GROUP": {g: i for i, g in enumerate(groups.levels)}}
    ordered = aucs.sort_values(["PARAMCD", "CYCLE", "_GROUP", "USUBJID"], kind="stable",
                               key=lambda c: c.map(rank[c.name]) if c.name in rank else c)
    digits_of = {p: auto_digits(pa["AUC"]) for p, pa in aucs.groupby("PARAMCD", sort=False)}
    for r in ordered.to_dict("records"):
        digits = digits_of[r["PARAMCD"]]
        lst.append({"Cytokine": r["PARAMCD"], "Cycle": r["ATPTREF"], "Dose group": r["_GROUP"],
                    "Subject": r["USUBJID"], "Samples": f"{r['n_samples']}/{r['n_expected']}",
                    "From (h)": fmt_num(r["t_first"], 2), "To (h)": fmt_num(r["t_last"], 2),
                    "AUC": fmt_num(r["AUC"], digits), "Baseline-corrected AUC": fmt_num(r["AUCBC"], digits),
                    "Flag": r["flag"]})
    listing = ListingResult(f"{analysis_id}_subject", "Cytokine AUC per subject and infusion cycle",
                            pd.DataFrame(lst), footnotes[:2], groups.population)
    return table, listing

