"""Cytokine figures (PNG + SVG through analysis.tlf.figures, byte-identical on rerun):

* `cyt_spaghetti_<paramcd>`: one panel per dose group, thin grey line per subject over the nominal
  time since the first infusion (nominal study day of the cycle's infusion + nominal hours; log y),
  bold line of the dose group's geometric mean at each nominal time;
* `cyt_heatmap`: log2 geometric mean fold change vs the cycle's pre-dose value, cytokines (rows) x
  cycle and post-dose nominal time (columns), one panel per dose group, diverging colour map centred
  at 0 with one shared colour bar.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, FigureResult

from .geometric import fold_change_summary, geometric_mean_ci
from .records import CytokineRecords

COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
# above this many subjects in a dose group the spaghetti panel draws all subjects as one path
# (see subject_paths); up to it, one line with markers per subject (the embedded study's figures)
MAX_SUBJECT_LINES = 100


def subject_paths(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """x (DAY) and y (AVAL) of every subject's profile in one array each, subjects in USUBJID
    order and separated by nan (matplotlib breaks a line at nan), each subject by DAY.

    >>> d = pd.DataFrame({"USUBJID": ["2", "1", "1"], "DAY": [0.0, 2.0, 1.0], "AVAL": [5.0, 2.0, 1.0]})
    >>> [v.tolist() for v in subject_paths(d)]
    [[1.0, 2.0, nan, 0.0], [1.0, 2.0, nan, 5.0]]
    """
    d = data.sort_values(["USUBJID", "DAY"], kind="stable")
    subj = d["USUBJID"].to_numpy()
    breaks = np.flatnonzero(subj[1:] != subj[:-1]) + 1
    return (np.insert(d["DAY"].to_numpy(dtype=float), breaks, np.nan),
            np.insert(d["AVAL"].to_numpy(dtype=float), breaks, np.nan))


def nominal_days(data: pd.DataFrame, cycles: pd.DataFrame) -> pd.Series:
    """Nominal days since the first infusion: (cycle START_DAY - 1) + NOMHRS / 24.

    >>> d = pd.DataFrame({"CYCLE": [2], "NOMHRS": [48.0]})
    >>> nominal_days(d, pd.DataFrame({"CYCLE": [1, 2], "START_DAY": [1, 29]})).tolist()
    [30.0]
    """
    start = data["CYCLE"].map(dict(zip(cycles["CYCLE"], cycles["START_DAY"])))
    return (start - 1) + data["NOMHRS"].astype(float) / 24.0


def geometric_mean_profile(data: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    """Per dose group x cycle x time: DAY (nominal), n and geometric mean of AVAL, in time order.

    >>> d = pd.DataFrame({"_GROUP": ["A", "A"], "CYCLE": [1, 1], "TIME": ["2 h"] * 2, "NOMHRS": [2.0, 2.0],
    ...                   "AVAL": [1.0, 4.0]})
    >>> geometric_mean_profile(d, pd.DataFrame({"CYCLE": [1], "START_DAY": [1]}))[["n", "gmean"]].values.tolist()
    [[2.0, 2.0]]
    """
    rows = []
    for (grp, cyc, time), g in data.groupby(["_GROUP", "CYCLE", "TIME"], sort=True):
        gm = geometric_mean_ci(g["AVAL"])
        rows.append({"_GROUP": grp, "CYCLE": cyc, "TIME": time, "DAY": float(nominal_days(g.iloc[:1], cycles).iloc[0]),
                     "n": gm["n"], "gmean": gm["gmean"]})
    return pd.DataFrame(rows, columns=["_GROUP", "CYCLE", "TIME", "DAY", "n", "gmean"]).sort_values(
        ["_GROUP", "DAY"], kind="stable").reset_index(drop=True)


def spaghetti_plot(recs: CytokineRecords, paramcd: str, label: str, levels: list[str], cycles: pd.DataFrame,
                   out_dir: str | Path, treatment: str = "TRT01A", analysis_id: str | None = None) -> FigureResult:
    """`cyt_spaghetti_<paramcd>`: subject lines (grey) and dose-group geometric means (bold), log y."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from analysis.tlf.figures import figure_style, save_figure

    analysis_id = analysis_id or f"cyt_spaghetti_{paramcd.lower()}"
    data = recs.data[recs.data["PARAMCD"] == paramcd].copy()
    data["DAY"] = nominal_days(data, cycles)
    profile = geometric_mean_profile(data, cycles)
    ard = ArdRows(analysis_id)
    for r in profile.to_dict("records"):
        atptref = cycles.loc[cycles["CYCLE"] == r["CYCLE"], "ATPTREF"].iloc[0]
        for stat in ("n", "gmean"):
            ard.add(stat, r[stat], group1=treatment, group1_level=r["_GROUP"], group2="ATPTREF:NOMTIME",
                    group2_level=f"{atptref}:{r['TIME']}", variable=paramcd,
                    stat_label="Geometric mean" if stat == "gmean" else None)
    with figure_style("cytokines"):
        fig, axes = plt.subplots(1, len(levels), figsize=(4.2 * len(levels), 4.0), sharey=True, squeeze=False)
        for i, (ax, level) in enumerate(zip(axes[0], levels)):
            grp = data[data["_GROUP"] == level]
            n_subjects = grp["USUBJID"].nunique()
            if n_subjects > MAX_SUBJECT_LINES:
                # one artist for the whole panel: thousands of Line2D artists (with markers) made
                # drawing and the SVG grow with the study; the lines are a texture at this size
                ax.plot(*subject_paths(grp), color="0.65", linewidth=0.4, alpha=0.5)
            else:
                for _, subj in grp.groupby("USUBJID", sort=True):
                    subj = subj.sort_values("DAY", kind="stable")
                    ax.plot(subj["DAY"], subj["AVAL"], color="0.65", linewidth=0.7, marker="o", markersize=1.5)
            prof = profile[profile["_GROUP"] == level]
            ax.plot(prof["DAY"], prof["gmean"], color=COLOURS[i % len(COLOURS)], linewidth=2.4,
                    label="Geometric mean")
            for start in cycles["START_DAY"]:
                ax.axvline(start - 1, color="0.85", linewidth=0.8, linestyle="--", zorder=0)
            ax.set_yscale("log")
            # minor log tick labels cost most of the drawing time and clutter the axis
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_title(f"{level} (n={grp['USUBJID'].nunique()})", fontsize=9)
            ax.set_xlabel("Nominal days since first infusion")
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        axes[0][0].set_ylabel(label)
        fig.suptitle(f"{label}: individual profiles and geometric means", fontsize=10)
        files = save_figure(fig, out_dir, analysis_id)
    notes = [("Thin grey lines: subjects (scheduled analysis samples at nominal times, BLQ values at LLOQ/2); bold "
             "line: dose-group geometric mean; dashed lines: infusions (nominal Days 1, 29, 57). Log scale.")]
    if (data.groupby("_GROUP")["USUBJID"].nunique() > MAX_SUBJECT_LINES).any():
        notes.append(f"Dose groups with more than {MAX_SUBJECT_LINES} subjects: every subject is drawn, as one "
                     "thin semi-transparent path per dose group without sample markers.")
    return FigureResult(analysis_id, f"{label}: individual profiles and geometric means", files, ard.frame(),
                        notes + recs.notes([paramcd]))


def fold_change_matrix(recs: CytokineRecords, paramcds: list[str], schedule: pd.DataFrame, level: str,
                       predose_time: str) -> pd.DataFrame:
    """log2 geometric mean fold change vs cycle pre-dose for one dose group: rows PARAMCD, columns
    (cycle label, time) of the post-dose schedule; nan where no data.

    >>> sched = pd.DataFrame({"CYCLE": [1, 1], "CYCLE_LABEL": ["C1", "C1"], "TIME": ["Pre", "2 h"], "TIMEN": [0, 1]})
    >>> data = pd.DataFrame({"PARAMCD": ["IL6"] * 2, "_GROUP": ["A"] * 2, "CYCLE": [1, 1], "TIME": ["2 h"] * 2,
    ...                      "R2CYCBS": [2.0, 8.0]})
    >>> fold_change_matrix(CytokineRecords(data, ""), ["IL6"], sched, "A", "Pre").values.tolist()
    [[2.0]]
    """
    post = schedule[schedule["TIME"] != predose_time].sort_values(["CYCLE", "TIMEN"])
    cols = pd.MultiIndex.from_arrays([post["CYCLE_LABEL"], post["TIME"]], names=["CYCLE_LABEL", "TIME"])
    data = recs.data[recs.data["_GROUP"] == level]
    cells = data.groupby(["PARAMCD", "CYCLE", "TIME"], sort=False).indices  # grouped once, not filtered per cell
    out = pd.DataFrame(np.nan, index=list(paramcds), columns=cols)
    for p in paramcds:
        for cyc, lab, time in zip(post["CYCLE"], post["CYCLE_LABEL"], post["TIME"]):
            ratios = data["R2CYCBS"].iloc[cells.get((p, cyc, time), [])]
            ratios = ratios[pd.to_numeric(ratios, errors="coerce") > 0]
            if len(ratios):
                out.loc[p, (lab, time)] = math.log2(fold_change_summary(ratios)["fc_gmean"])
    return out


def heatmap(recs: CytokineRecords, paramcds: list[str], schedule: pd.DataFrame, levels: list[str],
            predose_time: str, out_dir: str | Path, treatment: str = "TRT01A",
            analysis_id: str = "cyt_heatmap") -> FigureResult:
    """`cyt_heatmap`: log2 GM fold change, cytokine x (cycle, time), a panel per dose group."""
    import matplotlib.pyplot as plt

    from analysis.tlf.figures import figure_style, save_figure

    mats = {lv: fold_change_matrix(recs, paramcds, schedule, lv, predose_time) for lv in levels}
    ard = ArdRows(analysis_id)
    atpt = dict(zip(schedule["CYCLE_LABEL"], schedule["ATPTREF"]))
    for lv, m in mats.items():
        for p in m.index:
            for (lab, time), v in m.loc[p].items():
                ard.add("log2_gm_fc", v, group1=treatment, group1_level=lv, group2="ATPTREF:NOMTIME",
                        group2_level=f"{atpt[lab]}:{time}", variable=p,
                        stat_label="log2 geometric mean fold change vs cycle pre-dose")
    values = np.concatenate([m.to_numpy().ravel() for m in mats.values()]) if mats else np.array([])
    finite = values[np.isfinite(values)]
    vmax = float(np.max(np.abs(finite))) if finite.size else 1.0
    vmax = vmax if vmax > 0 else 1.0
    with figure_style("cytokines-heatmap"):
        ncol = next(iter(mats.values())).shape[1] if mats else 1
        fig, axes = plt.subplots(1, len(levels), figsize=(0.38 * ncol * len(levels) + 2.5, 0.32 * len(paramcds) + 2.2),
                                 sharey=True, squeeze=False)
        cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
        image = None
        for ax, lv in zip(axes[0], levels):
            m = mats[lv]
            image = ax.imshow(np.ma.masked_invalid(m.to_numpy()), cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto")
            ax.set_xticks(range(m.shape[1]))
            ax.set_xticklabels([f"{c} {t}" for c, t in m.columns], rotation=90, fontsize=7)
            ax.set_yticks(range(m.shape[0]))
            ax.set_yticklabels(list(m.index), fontsize=8)
            ax.set_title(lv, fontsize=9)
        cbar = fig.colorbar(image, ax=list(axes[0]), shrink=0.8, pad=0.02)
        cbar.set_label("log2 geometric mean fold change vs cycle pre-dose")
        files = save_figure(fig, out_dir, analysis_id)
    notes = [("Colour: log2 of the geometric mean of AVAL / cycle pre-infusion value (R2CYCBS); 0 = no change, "
             "red = increase, blue = decrease; colour scale symmetric around 0; grey = no data.")]
    return FigureResult(analysis_id, "Cytokine fold change vs cycle pre-dose by dose group (heatmap)", files,
                        ard.frame(), notes + recs.notes(paramcds))
