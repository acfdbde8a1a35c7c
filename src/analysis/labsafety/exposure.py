"""Exposure summary: infusions received, cumulative dose, total cells, treatment duration.

Which variables, their labels, digits and source (ADEX PARAMCD rows, summed per subject or one
record per subject, or an ADSL variable) come from specs/analysis/lab_safety.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.ard import ArdRows, TableResult
from analysis.errors import UserError
from analysis.stats.descriptive import describe
from analysis.stats.groups import Groups, analysis_groups, fmt_n_pct, fmt_num, require

from .records import check_subjects_known, text

SOURCES = ("adex", "adsl")


@dataclass(frozen=True)
class ExposureVariable:
    """One summarised variable. `adex`: its PARAMCD in ADEX; `aggregate`: "single" (one record
    per subject) or "sum" (per-infusion records added up); `adsl`: its ADSL variable;
    `categories`: values to count n (%) as well (e.g. 1, 2, 3 infusions)."""

    name: str
    label: str
    digits: int = 1
    adex: str | None = None
    adsl: str | None = None
    aggregate: str = "single"
    categories: tuple = ()


def _from_adex(adex: pd.DataFrame, var: ExposureVariable) -> pd.Series:
    rows = adex[text(adex["PARAMCD"]) == var.adex]
    values = pd.to_numeric(rows["AVAL"], errors="coerce")
    subjects = text(rows["USUBJID"])
    if var.aggregate == "sum":
        return values.groupby(subjects).sum(min_count=1)
    if var.aggregate != "single":
        raise UserError(f"lab_safety spec: exposure variable {var.name}: aggregate must be single or sum")
    dup = sorted(set(subjects[subjects.duplicated()]))
    if dup:
        raise UserError(f"ADEX: PARAMCD {var.adex} has more than one record for subject(s) "
                        f"{', '.join(dup[:5])}")
    return pd.Series(values.to_numpy(), index=subjects.to_numpy())


def exposure_by_subject(adsl: pd.DataFrame, groups: Groups, variables: list[ExposureVariable],
                        adex: pd.DataFrame | None = None, source: str = "adex") -> tuple[pd.DataFrame, list[str]]:
    """One row per population subject with a column per variable, and notes on where each came
    from. A variable with an ADEX PARAMCD comes from ADEX when `source` is "adex", else from
    its ADSL variable; a variable that has neither is left out (and said so).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "Y"],
    ...                      "NINF": [3, 2]})
    >>> adex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": ["TOTCELL"] * 3,
    ...                      "AVAL": [50.0, 60.0, 55.0]})
    >>> vs = [ExposureVariable("NINF", "Infusions", adsl="NINF"),
    ...       ExposureVariable("TOTCELL", "Cells", adex="TOTCELL", aggregate="sum")]
    >>> frame, notes = exposure_by_subject(adsl, analysis_groups(adsl, "TRT01A"), vs, adex)
    >>> frame[["USUBJID", "NINF", "TOTCELL"]].values.tolist()
    [['1', 3.0, 110.0], ['2', 2.0, 55.0]]
    """
    if source not in SOURCES:
        raise UserError(f"exposure source '{source}' must be one of {', '.join(SOURCES)}")
    if source == "adex":
        if adex is None:
            raise UserError("exposure: source adex needs an ADEX dataset (--adex)")
        require(adex, ["USUBJID", "PARAMCD", "AVAL"], "ADEX")
        check_subjects_known(adsl, adex, "ADEX")
    frame = groups.subjects[["USUBJID", "_GROUP"]].copy()
    frame["USUBJID"] = text(frame["USUBJID"])
    notes = []
    for var in variables:
        if source == "adex" and var.adex:
            present = set(text(adex["PARAMCD"]))
            if var.adex not in present:
                raise UserError(f"ADEX: PARAMCD {var.adex} ({var.label}) not found")
            frame[var.name] = frame["USUBJID"].map(_from_adex(adex, var)).astype(float)
            how = "sum of the per-infusion records" if var.aggregate == "sum" else "one record per subject"
            notes.append(f"{var.label}: ADEX PARAMCD {var.adex} ({how}).")
        elif var.adsl and var.adsl in groups.subjects.columns:
            frame[var.name] = pd.to_numeric(groups.subjects[var.adsl], errors="coerce").to_numpy(float)
            notes.append(f"{var.label}: ADSL {var.adsl}.")
        elif var.adsl and not var.adex:
            raise UserError(f"ADSL: required variable(s) missing: {var.adsl}")
        else:
            notes.append(f"{var.label}: not available from {source.upper()}, not summarised.")
    return frame.reset_index(drop=True), notes


def exposure_summary(adsl: pd.DataFrame, variables: list[ExposureVariable],
                     adex: pd.DataFrame | None = None, source: str = "adex",
                     treatment: str = "TRT01A", population: str = "SAFFL",
                     analysis_id: str = "exposure", title: str = "Study drug exposure") -> TableResult:
    """n (%) per category and n, Mean (SD), Median, Min, Max of each exposure variable, by group.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"], "SAFFL": ["Y", "Y"],
    ...                      "NINF": [3, 2]})
    >>> t = exposure_summary(adsl, [ExposureVariable("NINF", "Infusions", 0, adsl="NINF",
    ...                                              categories=(1, 2, 3))], source="adsl")
    >>> t.table.values.tolist()[:5]
    [['Infusions', '1', '0', '0'], ['Infusions', '2', '1 (50.0)', '1 (50.0)'], ['Infusions', '3', '1 (50.0)', '1 (50.0)'], ['Infusions', 'n', '2', '2'], ['Infusions', 'Mean (SD)', '2.5 (0.71)', '2.5 (0.71)']]
    """
    groups = analysis_groups(adsl, treatment, population)
    frame, notes = exposure_by_subject(adsl, groups, variables, adex, source)
    ard = ArdRows(analysis_id)
    rows = []
    for var in variables:
        if var.name not in frame.columns:
            continue
        subsets = {c: frame if c == "Total" else frame[frame["_GROUP"] == c] for c in groups.columns()}
        cats = list(var.categories)
        if cats:  # a value outside the listed categories still gets its row: none is lost
            listed = set(map(float, cats))
            cats += [v for v in sorted(set(frame[var.name].dropna())) if v not in listed]
        for cat in cats:
            cells = []
            for col, sub in subsets.items():
                n = int((sub[var.name] == float(cat)).sum())
                kw = {"group1": groups.treatment, "group1_level": col, "variable": var.name,
                      "variable_level": cat}
                ard.add("n", n, **kw)
                ard.add("N", groups.n[col], **kw)
                ard.add("p", n / groups.n[col] if groups.n[col] else float("nan"),
                        stat_label="Proportion", **kw)
                cells.append(fmt_n_pct(n, groups.n[col]))
            rows.append([var.label, fmt_num(float(cat), var.digits)] + cells)
        stats = {col: describe(sub[var.name]) for col, sub in subsets.items()}
        for col, d in stats.items():
            for name, value in d.items():
                ard.add(name, value, group1=groups.treatment, group1_level=col, variable=var.name)
        d = var.digits
        rows.append([var.label, "n"] + [str(stats[c]["n"]) for c in stats])
        rows.append([var.label, "Mean (SD)"] + [
            f"{fmt_num(s['mean'], d + 1)} ({fmt_num(s['sd'], d + 2)})" if s["n"] > 1
            else fmt_num(s["mean"], d + 1) for s in stats.values()])
        rows.append([var.label, "Median"] + [fmt_num(s["median"], d + 1) for s in stats.values()])
        rows.append([var.label, "Min, Max"] + [
            f"{fmt_num(s['min'], d)}, {fmt_num(s['max'], d)}" if s["n"] else "" for s in stats.values()])
    table = pd.DataFrame(rows, columns=["Variable", "Statistic"]
                         + [groups.header(c) for c in groups.columns()], dtype=object)
    footnotes = [f"Population: {population} = \"Y\"; percentages of the group's N.",
                 "SD uses the n - 1 denominator; SD is not shown for n = 1."] + notes
    return TableResult(analysis_id, title, table, ard.frame(), footnotes,
                       population=f"{population} = \"Y\"")
