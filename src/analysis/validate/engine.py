"""Run the rules over a package and write the report.

`validate_sdtm(folder)` checks any SDTM folder with the generic rules; given our specs
(`specs_dir`) and study spec (`study`) it also runs the rules that need them.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from analysis.errors import UserError
from analysis.validate import (  # noqa: F401  (importing the rule modules registers their rules)
    rules_findings, rules_spec, rules_structure, rules_subjects, rules_timing, rules_visits,
)
from analysis.validate.codelists import load_codelists
from analysis.validate.package import Package, read_folder
from analysis.validate.registry import ERROR, RULES, SPEC, STUDY, WARNING, Issue
from analysis.validate.report import Finding, Report

INTERNAL_RULE = "SD9999"  # a rule raised: reported as an ERROR finding, never swallowed
FAIL_ON = ("error", "warning", "never")
CSV_NAME, MARKDOWN_NAME = "sdtm_conformance.csv", "sdtm_conformance.md"


def build_package(folder: str | Path, specs_dir: str | Path | None = None, study=None) -> Package:
    """Read the folder's XPT files and the optional specs and study spec (path or Study)."""
    from analysis.sdtm.metadata import load_sdtm_specs
    from analysis.specs import load_study

    specs_dir = Path(specs_dir) if specs_dir is not None else None
    if isinstance(study, (str, Path)):
        study = load_study(study)
    specs = load_sdtm_specs(specs_dir) if specs_dir is not None else None
    codelists = load_codelists(specs_dir, study)
    pkg = Package(read_folder(folder), specs=specs, study=study, codelists=codelists)
    if codelists.sources:
        pkg.notes.append("codelists from " + ", ".join(codelists.sources))
    if specs is not None:
        named = {v.codelist for s in specs.values() for v in s.variables if v.codelist}
        named |= {x.codelist for x in codelists.value_level}
        unknown = sorted(named - set(codelists.values))
        if unknown:
            pkg.notes.append("codelists named in the specs but with no known values (not checked): " + ", ".join(unknown))
    return pkg


def validate_package(pkg: Package, folder: str = "", rules: list[str] | None = None) -> Report:
    """Run the registered rules (all, or the ids in `rules`) and collect the findings."""
    unknown = sorted(set(rules or ()) - set(RULES))
    if unknown:
        raise ValueError(f"unknown rule ids {unknown}")
    findings: list[Finding] = []
    run, skipped = [], {}
    for rid in sorted(RULES):
        r = RULES[rid]
        if rules is not None and rid not in rules:
            continue
        if r.scope == SPEC and pkg.specs is None:
            skipped[rid] = "needs the SDTM specs (specs_dir / --specs)"
            continue
        if r.scope == STUDY and pkg.study is None:
            skipped[rid] = "needs the study spec (study / --study)"
            continue
        run.append(rid)
        try:
            findings.extend(_finding(i, rid, r.severity) for i in list(r.func(pkg)))
        except Exception as exc:  # a rule must not stop the others; its failure is a finding
            where = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(_finding(Issue("", "", (), "", "", f"rule {rid} could not run: {type(exc).__name__}: "
                                           f"{exc} ({Path(where.filename).name}:{where.lineno})"),
                                     INTERNAL_RULE, ERROR))
    return Report(folder=folder, findings=findings, datasets={d.name: len(d) for d in pkg},
                  rules_run=run, rules_skipped=skipped, notes=list(pkg.notes))


def _finding(i: Issue, rid: str, severity: str) -> Finding:
    return Finding(dataset=i.dataset, rule=rid, records=tuple(i.records), variable=i.variable,
                   usubjid=i.usubjid, value=i.value, message=i.message, severity=severity)


def validate_sdtm(folder: str | Path, specs_dir: str | Path | None = None, study=None) -> Report:
    """Check the SDTM XPT files in `folder`. Without `specs_dir` (specs/sdtm) and `study`
    (specs/study.yaml, or a loaded Study), only the generic SDTMIG rules run."""
    return validate_package(build_package(folder, specs_dir, study), folder=str(folder))


def exit_code(report: Report, fail_on: str = "error") -> int:
    """1 when the report has findings at or above `fail_on` (error, warning; never: 0), else 0."""
    if fail_on not in FAIL_ON:
        raise UserError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    c = report.counts
    if fail_on == "error":
        return int(c[ERROR] > 0)
    if fail_on == "warning":
        return int(c[ERROR] + c[WARNING] > 0)
    return 0


def write_report(report: Report, out_dir: str | Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out_dir / CSV_NAME, out_dir / MARKDOWN_NAME
    report.to_csv(csv_path)
    md_path.write_text(report.to_markdown(), encoding="utf-8", newline="\n")
    return csv_path, md_path


def main_validate(folder: str | Path, out_report: str | Path, fail_on: str = "error",
                  specs_dir: str | Path | None = None, study=None) -> int:
    """Validate `folder`, write <out_report>/sdtm_conformance.csv (every finding) and
    sdtm_conformance.md (a summary), and return the exit code for `fail_on`."""
    if fail_on not in FAIL_ON:
        raise UserError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    report = validate_sdtm(folder, specs_dir=specs_dir, study=study)
    write_report(report, out_report)
    return exit_code(report, fail_on)

