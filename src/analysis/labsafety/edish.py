"""eDISH (evaluation of drug-induced serious hepatotoxicity): per subject, peak post-baseline
ALT (x ULN) against peak total bilirubin (x ULN) on log-log axes, with the Hy's law quadrants.

The two peaks are taken independently, so they may come from different dates. Thresholds
(3 x ULN for ALT, 2 x ULN for bilirubin) and the multiple (of ULN, or of the subject's
baseline value) come from specs/analysis/lab_safety.yaml; a value exactly at a threshold counts
as at/above it (>=).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ard import ArdRows, FigureResult, ListingResult, TableResult
from analysis.errors import UserError
from analysis.stats.groups import Groups, analysis_groups, fmt_n_pct, fmt_num, require

from .records import POST_BASELINE_NOTE, population_lab_records, signif, text

NORMAL, HYPERBILI, TEMPLE, HYS_LAW = ("Normal", "Hyperbilirubinaemia", "Temple's corollary",
                                      "Potential Hy's law")
NOT_EVALUABLE = "Not evaluable"
QUADRANTS = [NORMAL, HYPERBILI, TEMPLE, HYS_LAW]
REFERENCES = {"uln": "x ULN", "baseline": "x baseline"}


def quadrant(alt: float, bili: float, alt_cut: float = 3.0, bili_cut: float = 2.0) -> str:
    """The eDISH quadrant of one subject's peaks; at a threshold counts as above it.

    >>> quadrant(3.0, 2.0), quadrant(2.99, 2.0), quadrant(3.0, 1.99), quadrant(1, 1)
    ("Potential Hy's law", 'Hyperbilirubinaemia', "Temple's corollary", 'Normal')
    >>> quadrant(float("nan"), 1.0)
    'Not evaluable'
    """
    if pd.isna(alt) or pd.isna(bili):
        return NOT_EVALUABLE
    high_alt = float(signif(alt)) >= alt_cut
    high_bili = float(signif(bili)) >= bili_cut
    if high_alt:
        return HYS_LAW if high_bili else TEMPLE
    return HYPERBILI if high_bili else NORMAL


def lab_multiple(records: pd.DataFrame, reference: str = "uln", ratio_var: str = "R2ANRHI",
                 uln_var: str = "ANRHI", dataset: str = "ADLB") -> pd.Series:
    """Each record's value as a multiple of ULN (`ratio_var`, else AVAL / `uln_var` record by
    record) or of the subject's baseline (AVAL / BASE).

    >>> lb = pd.DataFrame({"AVAL": [120.0, 60.0], "ANRHI": [40.0, 40.0], "BASE": [30.0, 30.0],
    ...                    "R2ANRHI": [3.0, float("nan")]})
    >>> lab_multiple(lb).tolist(), lab_multiple(lb, "baseline").tolist()
    ([3.0, 1.5], [4.0, 2.0])
    """
    if reference not in REFERENCES:
        raise UserError(f"eDISH reference '{reference}' must be one of {', '.join(REFERENCES)}")
    if reference == "baseline":
        require(records, ["AVAL", "BASE"], dataset)
        base = pd.to_numeric(records["BASE"], errors="coerce")
        return pd.to_numeric(records["AVAL"], errors="coerce") / base.where(base > 0)
    computed = pd.Series(np.nan, index=records.index)
    if uln_var in records.columns and "AVAL" in records.columns:
        uln = pd.to_numeric(records[uln_var], errors="coerce")
        computed = pd.to_numeric(records["AVAL"], errors="coerce") / uln.where(uln > 0)
    elif ratio_var not in records.columns:
        raise UserError(f"{dataset}: eDISH needs {ratio_var} or AVAL and {uln_var}")
    if ratio_var in records.columns:
        given = pd.to_numeric(records[ratio_var], errors="coerce")
        return given.where(given.notna(), computed)
    return computed


def _peak(rec: pd.DataFrame, paramcds: list[str], prefix: str) -> pd.DataFrame:
    """Per subject: the largest post-baseline multiple, its study day and PARAMCD (earliest
    record on ties), and the baseline multiple (of the same PARAMCD as the peak when it exists)."""
    sub = rec[rec["PARAMCD"].isin(paramcds)]
    post = sub[sub["_POST"] & sub["_MULT"].notna()].copy()
    post["_ADYN"] = pd.to_numeric(post["ADY"], errors="coerce")
    post = post.sort_values(["USUBJID", "_MULT", "_ADYN"], ascending=[True, False, True], kind="stable")
    peak = post.drop_duplicates("USUBJID")[["USUBJID", "_MULT", "_ADYN", "PARAMCD"]]
    peak.columns = ["USUBJID", f"{prefix}_PEAK", f"{prefix}_ADY", f"{prefix}_PARAMCD"]
    base = sub[sub["_BASE"]][["USUBJID", "PARAMCD", "_ULNMULT"]]
    base = base.rename(columns={"PARAMCD": f"{prefix}_PARAMCD", "_ULNMULT": f"{prefix}_BASE_XULN"})
    return peak.merge(base.drop_duplicates(["USUBJID", f"{prefix}_PARAMCD"]), how="left",
                      on=["USUBJID", f"{prefix}_PARAMCD"])


def edish_peaks(adsl: pd.DataFrame, adlb: pd.DataFrame, groups: Groups, alt: list[str],
                bili: str, reference: str = "uln", alt_cut: float = 3.0, bili_cut: float = 2.0,
                ratio_var: str = "R2ANRHI", uln_var: str = "ANRHI") -> tuple[pd.DataFrame, list[str]]:
    """One row per population subject: USUBJID, _GROUP, ALT_PEAK/ALT_ADY/ALT_PARAMCD,
    BILI_PEAK/BILI_ADY, baseline multiples of ULN, QUADRANT; plus notes on unused records.
    Subjects without a post-baseline ALT or bilirubin multiple are "Not evaluable"."""
    lab = population_lab_records(adsl, adlb, groups, list(alt) + [bili])
    rec = lab.records
    rec["_MULT"] = lab_multiple(rec, reference, ratio_var, uln_var)
    if reference == "uln":
        rec["_ULNMULT"] = rec["_MULT"]
    else:  # the listing still shows baseline x ULN when ADLB allows it
        try:
            rec["_ULNMULT"] = lab_multiple(rec, "uln", ratio_var, uln_var)
        except UserError:
            rec["_ULNMULT"] = np.nan
    subjects = groups.subjects[["USUBJID", "_GROUP"]].copy()
    subjects["USUBJID"] = text(subjects["USUBJID"])
    peaks = (subjects.merge(_peak(rec, list(alt), "ALT"), how="left", on="USUBJID")
             .merge(_peak(rec, [bili], "BILI"), how="left", on="USUBJID"))
    peaks["QUADRANT"] = [quadrant(a, b, alt_cut, bili_cut)
                         for a, b in zip(peaks["ALT_PEAK"], peaks["BILI_PEAK"])]
    return peaks.sort_values("USUBJID", kind="stable").reset_index(drop=True), lab.notes()


def _footnotes(alt: list[str], bili: str, reference: str, alt_cut: float, bili_cut: float,
               population: str) -> list[str]:
    unit = REFERENCES[reference]
    notes = [
        (f"Peak = highest post-baseline value {unit} of {'/'.join(alt)} (x axis) and of {bili} "
         "(y axis), taken independently: the two peaks may come from different dates."),
        (f"Quadrants: potential Hy's law = {'/'.join(alt)} >= {fmt_num(alt_cut, 1)} {unit} and "
         f"{bili} >= {fmt_num(bili_cut, 1)} {unit}; Temple's corollary = {'/'.join(alt)} high only; "
         f"hyperbilirubinaemia = {bili} high only. Values at a threshold count as high. "
         "Alkaline phosphatase is not considered; a potential Hy's law case needs clinical review."),
        (f"Population: {population} = \"Y\"; not evaluable = no post-baseline {'/'.join(alt)} or "
         f"{bili} value."),
        POST_BASELINE_NOTE,
    ]
    if reference == "uln":
        notes.append("Decompensated cirrhosis: many subjects have total bilirubin > 2 x ULN already "
                     "at baseline, so the upper quadrants reflect the underlying disease rather "
                     "than drug-induced liver injury; see the baseline multiples in the listing, "
                     "or the variant with multiples of each subject's baseline value.")
    else:
        notes.append("Multiples of each subject's own baseline value (AVAL / BASE), used because "
                     "cirrhotic subjects are often above ULN at baseline.")
    return notes


def edish_quadrant_table(peaks: pd.DataFrame, groups: Groups, footnotes: list[str],
                         analysis_id: str = "edish_quadrants", reference: str = "uln") -> TableResult:
    """Subjects n (%) per eDISH quadrant and group (denominator: population subjects)."""
    ard = ArdRows(analysis_id)
    rows = []
    for q in QUADRANTS + [NOT_EVALUABLE]:
        cells = []
        for col in groups.columns():
            sub = peaks if col == "Total" else peaks[peaks["_GROUP"] == col]
            n, N = int((sub["QUADRANT"] == q).sum()), groups.n[col]
            kw = {"group1": groups.treatment, "group1_level": col, "variable": "EDISH_QUADRANT",
                  "variable_level": q}
            ard.add("n", n, **kw)
            ard.add("N", N, **kw)
            ard.add("p", n / N if N else float("nan"), stat_label="Proportion", **kw)
            cells.append(fmt_n_pct(n, N))
        rows.append([q] + cells)
    table = pd.DataFrame(rows, columns=["eDISH quadrant"] + [groups.header(c) for c in groups.columns()],
                         dtype=object)
    return TableResult(analysis_id, f"eDISH quadrants (peak values {REFERENCES[reference]})", table,
                       ard.frame(), footnotes, population=f"{groups.population} = \"Y\"")


def hys_law_listing(peaks: pd.DataFrame, footnotes: list[str], analysis_id: str = "l_hys_law",
                    reference: str = "uln") -> ListingResult:
    """Subjects in the potential Hy's law quadrant, with both peaks, their days and baselines."""
    unit = REFERENCES[reference]
    sel = peaks[peaks["QUADRANT"] == HYS_LAW]

    def num(v, digits=2):
        return fmt_num(float(v), digits) if pd.notna(v) else ""

    table = pd.DataFrame({
        "Subject": sel["USUBJID"].tolist(),
        "Treatment": sel["_GROUP"].tolist(),
        "Aminotransferase": sel["ALT_PARAMCD"].tolist(),
        f"Peak {unit}": [num(v) for v in sel["ALT_PEAK"]],
        "Peak study day": [num(v, 0) for v in sel["ALT_ADY"]],
        "Baseline x ULN": [num(v) for v in sel["ALT_BASE_XULN"]],
        f"Peak bilirubin {unit}": [num(v) for v in sel["BILI_PEAK"]],
        "Bilirubin peak study day": [num(v, 0) for v in sel["BILI_ADY"]],
        "Baseline bilirubin x ULN": [num(v) for v in sel["BILI_BASE_XULN"]],
    }, dtype=object)
    return ListingResult(analysis_id, f"Subjects in the potential Hy's law quadrant (eDISH, peak values {unit})",
                         table, footnotes)


def edish_figure(peaks: pd.DataFrame, groups: Groups, out_dir: str | Path, footnotes: list[str],
                 analysis_id: str = "edish", reference: str = "uln", alt_label: str = "ALT",
                 bili_label: str = "BILI", alt_cut: float = 3.0, bili_cut: float = 2.0) -> FigureResult:
    """Log-log scatter of the peaks by group, reference lines and quadrant labels; writes
    <out>/tlf/<id>.png and .svg byte-identically on every run (no dates, fixed SVG hash salt)."""
    import matplotlib.pyplot as plt

    from analysis.tlf.figures import figure_style, save_figure

    unit = REFERENCES[reference]
    shown = peaks[(peaks["ALT_PEAK"] > 0) & (peaks["BILI_PEAK"] > 0)]
    ard = ArdRows(analysis_id)
    for subject, level, alt_peak, bili_peak in peaks[["USUBJID", "_GROUP", "ALT_PEAK",
                                                      "BILI_PEAK"]].itertuples(index=False):
        for var, value in (("ALT_PEAK", alt_peak), ("BILI_PEAK", bili_peak)):
            ard.add("peak", value, group1=groups.treatment, group1_level=level,
                    group2="USUBJID", group2_level=subject, variable=var,
                    stat_label=f"Peak post-baseline {unit}")
    values = np.concatenate([shown["ALT_PEAK"].to_numpy(float), shown["BILI_PEAK"].to_numpy(float)])
    lo = min(0.1, float(values.min()) / 1.5) if values.size else 0.1
    x_hi = max(10 * alt_cut, float(shown["ALT_PEAK"].max()) * 1.5) if len(shown) else 10 * alt_cut
    y_hi = max(10 * bili_cut, float(shown["BILI_PEAK"].max()) * 1.5) if len(shown) else 10 * bili_cut
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
    with figure_style("labsafety-edish"):
        fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
        for i, level in enumerate(groups.levels):
            pts = shown[shown["_GROUP"] == level]
            ax.scatter(pts["ALT_PEAK"], pts["BILI_PEAK"], marker=markers[i % len(markers)],
                       color=colours[i % len(colours)], edgecolors="black", linewidths=0.5, s=45,
                       label=f"{level} (n={len(pts)})", zorder=3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, x_hi)
        ax.set_ylim(lo, y_hi)
        ax.axvline(alt_cut, color="grey", linestyle="--", linewidth=1)
        ax.axhline(bili_cut, color="grey", linestyle="--", linewidth=1)
        style = {"fontsize": 9, "color": "dimgrey"}
        ax.text(lo * 1.1, lo * 1.1, NORMAL, ha="left", va="bottom", **style)
        ax.text(lo * 1.1, y_hi / 1.1, HYPERBILI, ha="left", va="top", **style)
        ax.text(x_hi / 1.1, lo * 1.1, TEMPLE, ha="right", va="bottom", **style)
        ax.text(x_hi / 1.1, y_hi / 1.1, HYS_LAW, ha="right", va="top", **style)
        ax.set_xlabel(f"Peak post-baseline {alt_label} ({unit})")
        ax.set_ylabel(f"Peak post-baseline {bili_label} ({unit})")
        ax.set_title(f"eDISH: peak {alt_label} vs peak {bili_label} ({unit})")
        # below the axes, so no point is hidden behind it
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False,
                  ncol=min(3, max(1, len(groups.levels))))
        fig.tight_layout()
        files = save_figure(fig, out_dir, analysis_id)
    notes = list(footnotes)
    hidden = len(peaks) - len(shown)
    if hidden:
        notes.append(f"{hidden} subject(s) not plotted: not evaluable, or a peak of 0 that a log "
                     "axis cannot show.")
    return FigureResult(analysis_id, f"eDISH: peak {alt_label} vs peak {bili_label} ({unit})", files,
                        ard.frame(), notes)


def edish_outputs(adsl: pd.DataFrame, adlb: pd.DataFrame, out_dir: str | Path,
                  alt: list[str] | None = None, bili: str = "BILI", treatment: str = "TRT01A",
                  population: str = "SAFFL", reference: str = "uln", alt_cut: float = 3.0,
                  bili_cut: float = 2.0, ratio_var: str = "R2ANRHI", uln_var: str = "ANRHI",
                  ids: dict[str, str] | None = None) -> list:
    """The eDISH figure (files written now), the quadrant table and the Hy's law listing.

    `alt` may list several aminotransferases (e.g. ALT and AST): the peak is the largest of them.
    `ids` may rename the outputs: keys figure, table, listing.
    """
    alt = list(alt or ["ALT"])
    ids = {"figure": "edish", "table": "edish_quadrants", "listing": "l_hys_law", **(ids or {})}
    groups = analysis_groups(adsl, treatment, population)
    peaks, notes = edish_peaks(adsl, adlb, groups, alt, bili, reference, alt_cut, bili_cut,
                               ratio_var, uln_var)
    footnotes = _footnotes(alt, bili, reference, alt_cut, bili_cut, population) + notes
    return [edish_figure(peaks, groups, out_dir, footnotes, ids["figure"], reference, "/".join(alt),
                         bili, alt_cut, bili_cut),
            edish_quadrant_table(peaks, groups, footnotes, ids["table"], reference),
            hys_law_listing(peaks, footnotes, ids["listing"], reference)]
