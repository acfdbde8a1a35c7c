"""Reviewer's guide skeletons (cSDRG for SDTM, ADRG for ADaM) filled from the specs and the
snapshot: study, design, standards, datasets, populations, conformance findings, cutoff,
software. What only a person can write is marked "TODO". Written as Markdown and as HTML (one
document model, two renderers); eCTD wants PDF, which is left to the publishing step.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pandas as pd

TODO = "TODO (to be written by the sponsor):"


def read_csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def xpt_records(path: Path) -> int | None:
    """Number of records of an XPT (header only), None if the file is absent."""
    import pyreadstat

    if not path.is_file():
        return None
    _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
    if meta.number_rows is not None:
        return int(meta.number_rows)
    # XPT headers carry no record count: read one column
    df, _ = pyreadstat.read_xport(str(path), usecols=meta.column_names[:1])
    return int(len(df))


def define_standards(path: Path) -> list[list[str]]:
    """[name, type, version, publishing set] of each def:Standard in a define.xml."""
    from lxml import etree

    if not path.is_file():
        return []
    ns = "{http://www.cdisc.org/ns/def/v2.1}"
    return [[s.get("Name", ""), s.get("Type", ""), s.get("Version", ""), s.get("PublishingSet", "")]
            for s in etree.parse(str(path)).getroot().iter(f"{ns}Standard")]


def dataset_rows(spec_csv: Path, xpt_dir: Path) -> list[list[str]]:
    """One row per dataset of the spec: name, label, class, structure, keys, records, file."""
    rows = []
    for r in read_csv_rows(spec_csv):
        name = r["dataset"].upper()
        n = xpt_records(xpt_dir / f"{name.lower()}.xpt")
        rows.append([name, r.get("label", ""), r.get("class", ""), r.get("structure", ""),
                     r.get("keys", "").replace(";", ", "), "" if n is None else str(n),
                     f"{name.lower()}.xpt" if n is not None else "(not in this snapshot)"])
    return rows


def conformance_blocks(path: Path) -> list[tuple]:
    """Counts by severity and one row per rule, each with an explanation to write."""
    if not path.is_file():
        return [("p", f"No conformance report was found ({path.name}); the checks were not run for this snapshot.")]
    findings = pd.read_csv(path, dtype=str, keep_default_na=False)
    if findings.empty:
        return [("p", f"The conformance checks ({path.name}) found no issue: 0 errors, 0 warnings, 0 notices.")]
    by_sev = findings.groupby("severity").size().sort_index()
    blocks = [("table", ["Severity", "Findings"], [[s, str(n)] for s, n in by_sev.items()])]
    rows = []
    for (rule, sev), grp in findings.groupby(["rule", "severity"], sort=True):
        datasets = ", ".join(sorted(set(grp["dataset"])))
        rows.append([rule, sev, datasets, str(len(grp)), grp["message"].iloc[0], f"{TODO} explanation"])
    blocks.append(("table", ["Rule", "Severity", "Dataset(s)", "Findings", "First message", "Explanation"], rows))
    return blocks


def population_rows(adsl_spec: Path, adsl_xpt: Path, label_text: str) -> list[list[str]]:
    """ADSL population flags (label contains `label_text`): flag, label, definition, N with Y."""
    flags = [r for r in read_csv_rows(adsl_spec) if label_text.lower() in r.get("label", "").lower()]
    counts = {}
    if adsl_xpt.is_file() and flags:
        from analysis.xpt import read_analysis_dataset

        adsl = read_analysis_dataset(adsl_xpt, "ADSL")
        counts = {f["variable"]: str(int((adsl[f["variable"]] == "Y").sum()))
                  for f in flags if f["variable"] in adsl.columns}
    return [[f["variable"], f["label"], f.get("method", "") or f.get("source", ""), counts.get(f["variable"], "")]
            for f in flags]


def study_blocks(study) -> list[tuple]:
    s = study.data["study"]
    rows = [["Study identifier", s.get("studyid", "")], ["Registry identifier", s.get("registry_id", "")],
            ["Title", " ".join(str(s.get("title", "")).split())], ["Phase", s.get("phase", "")],
            ["Indication", s.get("indication", "")], ["Treatment", s.get("treatment", "")]]
    cohorts = [[str(c.get("cohort", "")), c.get("armcd", ""), c.get("arm", ""), str(c.get("planned_subjects", ""))]
               for c in study.cohorts]
    return [("table", ["Item", "Value"], rows),
            ("p", "Cohorts (from the study definition):"),
            ("table", ["Cohort", "ARMCD", "Arm", "Planned subjects"], cohorts)]


def provenance_blocks(cutoff: str, software: dict, code: str, programs: str | None = None) -> list[tuple]:
    blocks = [("h2", "Data cutoff and software"),
              ("p", f"Data cutoff: {cutoff or 'none (all data in the export)'}."),
              ("p", f"Code version: {code}."),
              ("table", ["Software", "Version"], [[k, v] for k, v in software.items()])]
    if programs:
        blocks.append(("p", programs))
    return blocks


def to_markdown(blocks: list[tuple]) -> str:
    """Markdown of a block list.

    >>> print(to_markdown([("h1", "T"), ("p", "a|b"), ("table", ["x"], [["1"]])]), end="")
    # T
    <BLANKLINE>
    a|b
    <BLANKLINE>
    | x |
    | --- |
    | 1 |
    """
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + rest[0])
        elif kind == "p":
            out.append(rest[0])
        elif kind == "todo":
            out.append(f"> **{TODO}** {rest[0]}")
        elif kind == "table":
            header, rows = rest
            cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + " --- |" * len(header)]
            lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
            out.append("\n".join(lines))
        out.append("")
    return "\n".join(out)


def to_html(blocks: list[tuple], title: str) -> str:
    """A self-contained HTML page of a block list (no scripts, no dates)."""
    e = html.escape
    body = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{e(rest[0])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{e(rest[0])}</p>")
        elif kind == "todo":
            body.append(f'<p class="todo"><strong>{e(TODO)}</strong> {e(rest[0])}</p>')
        elif kind == "table":
            header, rows = rest
            head = "".join(f"<th>{e(str(h))}</th>" for h in header)
            trs = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in r) + "</tr>\n" for r in rows)
            body.append(f"<table>\n<tr>{head}</tr>\n{trs}</table>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}.todo{background:#ffd}")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{e(title)}</title>\n'
            f"<style>{style}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def csdrg_blocks(study, snapshot: Path, spec_root: Path, cutoff: str, software: dict, code: str) -> list[tuple]:
    """The clinical Study Data Reviewer's Guide skeleton (PHUSE cSDRG headings)."""
    sid = study.studyid
    return ([("h1", f"Clinical Study Data Reviewer's Guide: {sid}"),
             ("todo", "check every section against the PHUSE cSDRG template before publishing; convert to PDF."),
             ("h2", "1. Introduction"), ("todo", "purpose and scope of this guide, acronyms.")]
            + [("h2", "2. Protocol description")] + study_blocks(study)
            + [("todo", "protocol number and title, design summary, schedule of assessments, amendments.")]
            + [("h2", "3. Subject data description"),
               ("p", "Standards (from define.xml):"),
               ("table", ["Standard", "Type", "Version", "Publishing set"],
                define_standards(snapshot / "sdtm" / "define.xml")),
               ("p", "Datasets (specs/sdtm/datasets.csv; records counted in the submitted XPT files):"),
               ("table", ["Dataset", "Label", "Class", "Structure", "Keys", "Records", "File"],
                dataset_rows(spec_root / "sdtm" / "datasets.csv", snapshot / "sdtm")),
               ("todo", "domain-specific notes, SUPPQUAL and RELREC use, derivations of note, annotated CRF reference.")]
            + [("h2", "4. Data conformance summary")]
            + conformance_blocks(snapshot / "conformance" / "sdtm_conformance.csv")
            + provenance_blocks(cutoff, software, code)
            + [("h2", "5. Appendices"), ("todo", "trial design datasets notes, data issues not fixed, legacy conversion.")])


def adrg_blocks(study, snapshot: Path, spec_root: Path, cutoff: str, software: dict, code: str,
                population_label: str, programs_note: str) -> list[tuple]:
    """The Analysis Data Reviewer's Guide skeleton (PHUSE ADRG headings)."""
    sid = study.studyid
    return ([("h1", f"Analysis Data Reviewer's Guide: {sid}"),
             ("todo", "check every section against the PHUSE ADRG template before publishing; convert to PDF."),
             ("h2", "1. Introduction"), ("todo", "purpose, acronyms, study data standards and dictionary versions.")]
            + [("h2", "2. Protocol description")] + study_blocks(study)
            + [("todo", "objectives and design as they bear on the analysis datasets; SAP reference.")]
            + [("h2", "3. Analysis considerations related to multiple analysis datasets"),
               ("p", "Analysis populations (ADSL flags; definitions from specs/adam/variables/ADSL.csv; "
                     "N = subjects with the flag Y in the submitted ADSL):"),
               ("table", ["Flag", "Label", "Definition", "N (Y)"],
                population_rows(spec_root / "adam" / "variables" / "ADSL.csv", snapshot / "adam" / "adsl.xpt",
                                population_label)),
               ("todo", "core variables, treatment variables, subgroups, imputation and visit windowing rules.")]
            + [("h2", "4. Analysis data creation and processing issues"),
               ("table", ["Dataset", "Label", "Class", "Structure", "Keys", "Records", "File"],
                dataset_rows(spec_root / "adam" / "datasets.csv", snapshot / "adam")),
               ("todo", "data dependencies, intermediate datasets, per-dataset notes.")]
            + [("h2", "5. Analysis dataset descriptions / conformance")]
            + conformance_blocks(snapshot / "conformance" / "adam_conformance.csv")
            + provenance_blocks(cutoff, software, code, programs_note)
            + [("h2", "6. Submission of programs"),
               ("todo", "which programs produce which outputs, how to run them (Snakemake), macros and libraries.")])
