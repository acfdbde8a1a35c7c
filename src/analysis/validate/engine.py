"""Run the rules over a package and write the report.

`validate_sdtm(folder)` checks any SDTM folder with the generic rules, `validate_adam(folder)`
any ADaM folder; given our specs (`specs_dir`: specs/sdtm or specs/adam) and study spec
(`study`) they also run the rules that need them. `validate(folder, standard=...)` is either.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from analysis.errors import SpecError, UserError
from analysis.validate import (  # noqa: F401  (importing the rule modules registers their rules)
    rules_adam, rules_adam_spec, rules_findings, rules_spec, rules_structure, rules_subjects, rules_timing,
    rules_visits,
)
from analysis.validate.codelists import load_codelists
from analysis.validate.package import Package, read_folder
from analysis.validate.registry import (
    ADAM, ERROR, SDTM, SPEC, STANDARDS, STUDY, WARNING, Issue, rules_for,
)
from analysis.validate.report import Finding, Report

INTERNAL_RULE = "SD9999"  # a rule raised: reported as an ERROR finding, never swallowed
INTERNAL_RULES = {SDTM: INTERNAL_RULE, ADAM: "AD9999"}
FAIL_ON = ("error", "warning", "never")
CSV_NAME, MARKDOWN_NAME = "sdtm_conformance.csv", "sdtm_conformance.md"
REPORT_NAMES = {s: (f"{s}_conformance.csv", f"{s}_conformance.md") for s in STANDARDS}
_SPEC_NAME = {SDTM: "SDTM", ADAM: "ADaM"}


def _check_standard(standard: str) -> None:
    if standard not in STANDARDS:
        raise UserError(f"standard must be one of {', '.join(STANDARDS)}, not {standard!r}")


def build_package(folder: str | Path, specs_dir: str | Path | None = None, study=None,
                  standard: str = SDTM) -> Package:
    """Read the folder's XPT files and the optional specs and study spec (path or Study). For
    ADaM the specs are read with analysis.adam.metadata (and params.csv when there is one)."""
    from analysis.sdtm.metadata import load_sdtm_specs
    from analysis.specs import load_study

    _check_standard(standard)
    specs_dir = Path(specs_dir) if specs_dir is not None else None
    if isinstance(study, (str, Path)):
        study = load_study(study)
    specs = params = None
    notes = []
    if specs_dir is not None and standard == ADAM:
        from analysis.adam.metadata import load_adam_specs, load_params

        specs = load_adam_specs(specs_dir)
        try:
            params = load_params(specs_dir)
        except SpecError:
            # specs without any parameter file: the parameter rules have nothing to check against
            # (say so rather than pass silently); a parameter file that is there but broken is an error
            if (specs_dir / "params.csv").exists() or (specs_dir / "params").is_dir():
                raise
            notes.append(f"no parameter specs in {specs_dir}: PARAMCD/PARAM were not checked against them")
    elif specs_dir is not None:
        specs = load_sdtm_specs(specs_dir)
    codelists = load_codelists(specs_dir, study)
    pkg = Package(read_folder(folder), specs=specs, study=study, codelists=codelists, standard=standard,
                  params=params)
    if codelists.sources:
        pkg.notes.append("codelists from " + ", ".join(codelists.sources))
    pkg.notes.extend(notes)
    if specs is not None:
        named = {v.codelist for s in specs.values() for v in s.variables if v.codelist}
        named |= {x.codelist for x in codelists.value_level}
        unknown = sorted(named - set(codelists.values))
        if unknown:
            pkg.notes.append("codelists named in the specs but with no known values (not checked): " + ", ".join(unknown))
    return pkg


def validate_package(pkg: Package, folder: str = "", rules: list[str] | None = None) -> Report:
    """Run the registered rules of the package's standard (all, or the ids in `rules`) and
    collect the findings."""
    registry = rules_for(pkg.standard)
    unknown = sorted(set(rules or ()) - set(registry))
    if unknown:
        raise ValueError(f"unknown {pkg.standard} rule ids {unknown}")
    findings: list[Finding] = []
    run, skipped = [], {}
    internal = INTERNAL_RULES[pkg.standard]
    for rid in sorted(registry):
        r = registry[rid]
        if rules is not None and rid not in rules:
            continue
        if r.scope == SPEC and pkg.specs is None:
            skipped[rid] = f"needs the {_SPEC_NAME[pkg.standard]} specs (specs_dir / --specs)"
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
                                     internal, ERROR))
    return Report(folder=folder, findings=findings, datasets={d.name: len(d) for d in pkg},
                  rules_run=run, rules_skipped=skipped, notes=list(pkg.notes), standard=pkg.standard)


def _finding(i: Issue, rid: str, severity: str) -> Finding:
    return Finding(dataset=i.dataset, rule=rid, records=tuple(i.records), variable=i.variable,
                   usubjid=i.usubjid, value=i.value, message=i.message, severity=severity)


def validate(folder: str | Path, specs_dir: str | Path | None = None, study=None, standard: str = SDTM) -> Report:
    """Check the `standard` ('sdtm' or 'adam') XPT files in `folder`; see validate_sdtm and
    validate_adam."""
    return validate_package(build_package(folder, specs_dir, study, standard=standard), folder=str(folder))


def validate_sdtm(folder: str | Path, specs_dir: str | Path | None = None, study=None) -> Report:
    """Check the SDTM XPT files in `folder`. Without `specs_dir` (specs/sdtm) and `study`
    (specs/study.yaml, or a loaded Study), only the generic SDTMIG rules run."""
    return validate(folder, specs_dir, study, standard=SDTM)


def validate_adam(folder: str | Path, specs_dir: str | Path | None = None, study=None) -> Report:
    """Check the ADaM XPT files in `folder` (adsl.xpt, adae.xpt, ...). Without `specs_dir`
    (specs/adam: datasets.csv, variables.csv, params.csv) and `study`, only the generic ADaMIG
    rules run."""
    return validate(folder, specs_dir, study, standard=ADAM)


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
    """<out_dir>/<standard>_conformance.csv and .md (sdtm_conformance.*, adam_conformance.*)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_name, md_name = REPORT_NAMES[report.standard]
    csv_path, md_path = out_dir / csv_name, out_dir / md_name
    report.to_csv(csv_path)
    md_path.write_text(report.to_markdown(), encoding="utf-8", newline="\n")
    return csv_path, md_path


def main_validate(folder: str | Path, out_report: str | Path, fail_on: str = "error",
                  specs_dir: str | Path | None = None, study=None, standard: str = SDTM) -> int:
    """Validate `folder`, write <out_report>/<standard>_conformance.csv (every finding) and
    <standard>_conformance.md (a summary), and return the exit code for `fail_on`."""
    if fail_on not in FAIL_ON:
        raise UserError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    report = validate(folder, specs_dir=specs_dir, study=study, standard=standard)
    write_report(report, out_report)
    return exit_code(report, fail_on)

