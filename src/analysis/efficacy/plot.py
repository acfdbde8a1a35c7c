"""Line plot of the LS mean change from baseline +/- 95% CI by visit and dose group
(`eff_mmrm_<paramcd>_plot`), PNG + SVG through analysis.tlf.figures.

Groups are dodged slightly along x so their error bars do not overlap. On the log scale the
back-transformed ratio to baseline is drawn on a log axis with the reference line at 1 (no
change); otherwise the change with the line at 0. A model that could not be fitted gives a
figure that says so, so the set of files does not depend on the data.
"""

from __future__ import annotations

from analysis.ard import ArdRows, FigureResult

from .mmrm_table import exp_if_log, plot_points
from .model import ChangeModel
from .records import ParamRecords


def dodge_offsets(n_groups: int, width: float = 0.24) -> list[float]:
    """Symmetric x offsets for n groups spread over `width`.

    >>> dodge_offsets(3), dodge_offsets(1)
    ([-0.12, 0.0, 0.12], [0.0])
    """
    if n_groups <= 1:
        return [0.0]
    step = width / (n_groups - 1)
    return [round(-width / 2 + i * step, 10) for i in range(n_groups)]


def mmrm_plot(model: ChangeModel, recs: ParamRecords, out_dir, treatment: str,
              analysis_id: str | None = None) -> FigureResult:
    """Draw and save the figure; the ARD holds the plotted points."""
    from analysis.tlf.figures import figure_style, save_figure

    p = recs.param
    analysis_id = analysis_id or f"eff_mmrm_{p.paramcd.lower()}_plot"
    log = p.scale == "log"
    pts = plot_points(model)
    ard = ArdRows(analysis_id)
    with figure_style("efficacy-mmrm"):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4.5))
        if not model.fitted:
            ax.text(0.5, 0.5, f"{p.paramcd}: {model.status}", ha="center", va="center", wrap=True,
                    transform=ax.transAxes)
            ax.set_axis_off()
            ard.add("model_status", model.status, variable="PARAMCD", variable_level=p.paramcd)
        else:
            x_of = {v: i for i, v in enumerate(model.visits)}
            offsets = dodge_offsets(len(model.levels))
            markers = ["o", "s", "^", "D", "v", "P"]
            for k, lv in enumerate(model.levels):
                g = pts[pts["TRT"] == lv]
                x = [x_of[v] + offsets[k] for v in g["AVISIT"]]
                y, lo, hi = (exp_if_log(g[c], log) for c in ("estimate", "lower", "upper"))
                ax.errorbar(x, y, yerr=[y - lo, hi - y], marker=markers[k % len(markers)], capsize=3,
                            linewidth=1.2, markersize=5, label=lv)
                for v, e, a, b in zip(g["AVISIT"], y, lo, hi):
                    kw = {"group1": treatment, "group1_level": lv, "group2": "AVISIT", "group2_level": v,
                              "variable": "PARAMCD", "variable_level": p.paramcd}
                    name = "ratio" if log else "lsmean"
                    ard.add(name, float(e), **kw)
                    ard.add(f"{name}_lower", float(a), **kw)
                    ard.add(f"{name}_upper", float(b), **kw)
            ax.axhline(1.0 if log else 0.0, color="grey", linewidth=0.8, linestyle="--")
            if log:
                from matplotlib.ticker import FuncFormatter

                ax.set_yscale("log")
                plain = FuncFormatter(lambda v, _: f"{v:g}")
                ax.yaxis.set_major_formatter(plain)
                ax.yaxis.set_minor_formatter(plain)
            ax.set_xticks(range(len(model.visits)))
            ax.set_xticklabels(model.visits, rotation=45, ha="right")
            ax.set_xlabel("Analysis visit")
            conf = round(100 * model.options.conf)
            ax.set_ylabel(f"Ratio to baseline (LS mean, {conf}% CI)" if log
                          else f"LS mean change from baseline ({conf}% CI)")
            ax.legend(frameon=False, fontsize=8)
        ax.set_title(f"{recs.label}: MMRM change from baseline", fontsize=10)
        files = save_figure(fig, out_dir, analysis_id)
    notes = [f"MMRM LS means +/- {round(100 * model.options.conf)}% CI; "
             + ("back-transformed ratio to baseline, log axis." if log else "change from baseline.")]
    return FigureResult(analysis_id, f"{recs.label}: LS mean change from baseline by visit", files,
                        ard.frame(), notes)

