"""Kaplan-Meier and cumulative-incidence step plots by dose group with a number-at-risk table
under the plot (tte_km_<paramcd>_plot, tte_cif_<paramcd>_plot), written PNG + SVG by
analysis.tlf.figures (byte-identical reruns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.ard import ArdRows, FigureResult

from .cif import aalen_johansen
from .data import TteData
from .km import km_curve, n_at_risk

COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


def plot_scale(spec: dict) -> tuple[float, float, str]:
    """(origin AVAL, days per plotted unit, unit name) from the spec's plot section.

    >>> plot_scale({"aval_at_origin": 1, "plot": {"days_per_unit": 7, "time_unit": "weeks"}})
    (1.0, 7.0, 'weeks')
    """
    plot = spec.get("plot", {})
    return (float(spec.get("aval_at_origin", 1)), float(plot.get("days_per_unit", 7)),
            str(plot.get("time_unit", "weeks")))


def step_points(times, values, start: float) -> tuple[np.ndarray, np.ndarray]:
    """x/y of a right-continuous step function from (0, start) through every change.

    >>> step_points([2.0, 5.0], [0.5, 0.25], 1.0)
    (array([0., 2., 5.]), array([1.  , 0.5 , 0.25]))
    """
    return (np.concatenate([[0.0], np.asarray(times, float)]),
            np.concatenate([[start], np.asarray(values, float)]))


def _at_risk_ard(ard: ArdRows, data: TteData, at_risk: list[float], origin: float, per_unit: float,
                 unit: str) -> dict[str, list[int]]:
    counts = {}
    for lv in data.groups.levels:
        sub = data.subset(lv)
        counts[lv] = []
        for u in at_risk:
            aval = origin + u * per_unit
            n = n_at_risk(sub["TIME"], aval)
            counts[lv].append(n)
            ard.add("n_risk", n, group1=data.groups.treatment, group1_level=lv, group2="AVAL",
                    group2_level=aval, variable="PARAMCD", variable_level=data.paramcd,
                    stat_label=f"Number at risk, {unit} {u:g}")
    return counts


def _draw(data: TteData, kind: str, at_risk: list[float], spec: dict, out_dir, analysis_id: str,
          conf: float) -> FigureResult:
    import matplotlib.pyplot as plt

    from analysis.tlf.figures import figure_style, save_figure

    origin, per_unit, unit = plot_scale(spec)
    ard = ArdRows(analysis_id)
    counts = _at_risk_ard(ard, data, at_risk, origin, per_unit, unit)
    levels = data.groups.levels
    with figure_style(f"survival-{kind}"):
        fig, (ax, tab) = plt.subplots(2, 1, figsize=(8, 5.6), sharex=True,
                                      gridspec_kw={"height_ratios": [4, 0.35 * len(levels) + 0.6]})
        for i, lv in enumerate(levels):
            sub = data.subset(lv)
            colour = COLOURS[i % len(COLOURS)]
            if sub.empty:
                continue
            if kind == "km":
                curve = km_curve(sub["TIME"], sub["STATUS"] == 1, conf)
                y, start = curve["surv"], 1.0
            else:
                curve = aalen_johansen(sub["TIME"], sub["STATUS"], conf)
                y, start = curve["cif"], 0.0
            x = (curve["time"].to_numpy(float) - origin) / per_unit
            xs, ys = step_points(np.maximum(x, 0.0), y, start)
            ax.step(xs, ys, where="post", color=colour, linewidth=1.6,
                    label=f"{data.groups.header(lv)}")
            cens = (curve["n_censor"] > 0).to_numpy()
            ax.plot(np.maximum(x[cens], 0.0), np.asarray(y, float)[cens], linestyle="none",
                    marker="|", markersize=9, color=colour)
        xmax = max([max(at_risk)] + [float((data.records["TIME"].max() - origin) / per_unit)]
                   if len(data.records) else [max(at_risk)])
        ax.set_xlim(-0.02 * xmax, xmax * 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("Event-free probability" if kind == "km" else "Cumulative incidence")
        ax.set_title(f"{data.param} ({data.paramcd})", fontsize=11)
        ax.legend(loc="lower left" if kind == "km" else "upper left", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        tab.set_ylim(-0.5, len(levels) - 0.5)
        tab.set_yticks(range(len(levels)))
        tab.set_yticklabels(list(reversed(levels)), fontsize=7)
        for i, lv in enumerate(levels):
            row = len(levels) - 1 - i
            for u, n in zip(at_risk, counts[lv]):
                tab.text(u, row, str(n), ha="center", va="center", fontsize=7,
                         color=COLOURS[i % len(COLOURS)])
        tab.set_xticks(at_risk)
        tab.set_xlabel(f"Time since first infusion ({unit})")
        tab.set_title("Number at risk", fontsize=8, loc="left")
        for side in ("top", "right", "left"):
            tab.spines[side].set_visible(False)
        tab.tick_params(axis="y", length=0)
        fig.tight_layout()
        files = save_figure(fig, out_dir, analysis_id)
    what = "Kaplan-Meier curves" if kind == "km" else "Cumulative incidence (Aalen-Johansen)"
    notes = [f"x = (AVAL - {origin:g}) / {per_unit:g}: {unit} elapsed since the first infusion; "
             f"week w = AVAL {per_unit:g}w + {origin:g}. Ticks mark censored subjects"
             + (" (not competing events)." if kind == "cif" else ".")
             , f"Number at risk at {unit} w = subjects with AVAL >= {per_unit:g}w + {origin:g}."] + data.notes
    return FigureResult(analysis_id, f"{what} of {data.param} ({data.paramcd}) by dose group", files,
                        ard.frame(), notes)


def km_plot(data: TteData, spec: dict, out_dir: str | Path, at_risk: list[float] | None = None,
            conf: float = 0.95, analysis_id: str | None = None) -> FigureResult:
    """KM step curves per dose group with censor ticks and numbers at risk."""
    at_risk = at_risk if at_risk is not None else [float(v) for v in spec["plot"]["at_risk"]]
    return _draw(data, "km", at_risk, spec, out_dir, analysis_id or f"tte_km_{data.paramcd.lower()}_plot", conf)


def cif_plot(data: TteData, spec: dict, out_dir: str | Path, at_risk: list[float] | None = None,
             conf: float = 0.95, analysis_id: str | None = None) -> FigureResult:
    """Aalen-Johansen cumulative incidence curves per dose group with numbers at risk."""
    at_risk = at_risk if at_risk is not None else [float(v) for v in spec["plot"]["at_risk"]]
    return _draw(data, "cif", at_risk, spec, out_dir, analysis_id or f"tte_cif_{data.paramcd.lower()}_plot", conf)
