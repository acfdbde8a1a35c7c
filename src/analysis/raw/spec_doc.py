"""Render the raw data spec (specs/raw/*.yaml, the visit schedule, the lab test dictionary and
the rule catalogue) as one Markdown document, written as a data transfer agreement.

The document is generated, never edited: `analysis raw-spec-doc --out docs/raw-data-spec.md`,
and a test keeps the committed file equal to the render.
"""

from __future__ import annotations

from analysis.raw.catalogue import listing, show
from analysis.raw.rules import RULES
from analysis.specs import Column, Form, Study

TYPE_TEXT = {
    "text": "text", "integer": "integer", "number": "number", "date": "date (YYYY-MM-DD)",
    "partial_date": "partial date", "time": "time (HH:MM)", "result": "lab result",
}


def render_raw_spec(study: Study) -> str:
    """The whole raw data spec as Markdown (deterministic: same specs, same text).

    >>> from analysis.specs import load_study
    >>> render_raw_spec(load_study("specs/study.yaml")).splitlines()[0]
    '# Raw data transfer specification: NCT05948982'
    """
    parts = [_title(study), _conventions(study), _schedule(study), _forms(study), _codelists(study),
             _lab_tests(study), _rules()]
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def cell(x) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return " ".join(str(x).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def _title(study: Study) -> str:
    s = study.data["study"]
    return f"""# Raw data transfer specification: {study.studyid}

{s['title']}

This document is the agreement between the data providers (EDC, local, central and flow
cytometry laboratories) and the analysis pipeline on what a raw export contains and how it is
written. It is generated from the specs in `specs/` (`specs/raw/*.yaml`, `specs/study.yaml`,
`specs/lab_tests.yaml`) by `analysis raw-spec-doc --out docs/raw-data-spec.md`; change the
specs, not this file. `analysis ingest` checks every export against exactly these rules."""


def _conventions(study: Study) -> str:
    registry = study.registry_form()
    subject = registry.column(registry.keys[0])
    identifiers = [(f, c) for f in study.forms.values() for c in f.columns if c.identifier]
    handling = {"drop": "removed at ingestion", "year": "reduced to its year (YYYY) at ingestion"}
    ident_lines = "\n".join(f"  - `{f.file}` {c.name} ({c.label}): {handling[c.identifier]}."
                            for f, c in identifiers)
    return f"""## 1. General conventions

- **One file per form**, all in one folder, named as in section 3. A form with no records is
  still delivered (header line only).
- **CSV files**: UTF-8 text without byte order mark, comma separated, values containing a
  comma, a double quote or a line break enclosed in double quotes (`"` doubled inside). The
  first line is the header and names every column of the form exactly as listed (any order),
  each once, and no other column. Every record has as many fields as the header.
- **XPT files**: SAS transport version 5; column names as listed; numeric columns may be SAS
  numerics, all others character.
- **Missing values are empty fields.** Nothing else means missing (no `NA`, `.`, `N/A`).
  Values are taken exactly as written: leading or trailing blanks are not removed, so a coded
  value with blanks is an error.
- **Integers** are whole numbers without decimals (`12`, not `12.0`); **numbers** use `.` as
  decimal mark, no thousands separator, optionally an exponent (`1.5e3`).
- **Dates** are `YYYY-MM-DD` and must be real calendar dates. **Partial dates**
  (`YYYY-MM-UK`, `YYYY-UK-UK`, UK = unknown) are allowed only in columns of type partial
  date; they are listed as data issues.
- **Times** are 24-hour clock `HH:MM`, 00:00 to 23:59.
- **Lab results** (type lab result) are a number, `<x` (below the limit x, e.g. below the
  lower limit of quantification), `>x` (above the limit x), or one of the texts the lab test
  dictionary allows for the test (section 5). Units must be one of the units listed for the
  test; results are converted to the standard unit with the listed factor.
- **Subjects**: every subject in every form must be listed in the subject registry form
  `{registry.file}` (column {subject.name}, {subject.label.lower()}, pattern
  `{subject.pattern}`).
- **Visits** are named exactly as in the visit schedule (section 2). Unscheduled visits are
  named `UNSCHEDULED n` (pattern `{study.unscheduled_pattern.pattern}`).
- **Keys**: no two records of a form share the values of the form's key columns.
- **Direct identifiers** are checked, then never passed on:
{ident_lines}
- **Validation** (section 6): a *hard* finding stops the pipeline and nothing is passed on
  until the export is corrected; a *soft* finding is listed in `data_issues.csv` and the
  data are passed on.
- **Data cutoff**: for a data cut, records whose form date (the form's date column) is after
  the cutoff are set aside (a partial date counts from its earliest possible day), and so are
  all records of subjects who consented after the cutoff. `reconciliation.csv` accounts for
  every record read: passed on, or set aside with its reason."""


def _schedule(study: Study) -> str:
    rows = []
    for v in study.visits:
        anchored = v.get("infusion") and v.get("offset", 0) > 0
        rows.append([v["visit"], v["visitnum"], v["day"], f"{v['window'][0]} to {v['window'][1]}",
                     _anchor(v),
                     f"{v['offset_window'][0]} to {v['offset_window'][1]}" if anchored else ""])
    infusions = ", ".join(f"infusion {i['number']} on Day {i['day']} ({i['visit']})" for i in study.infusions)
    return f"""## 2. Visit schedule

Study day 1 is the date of the subject's first infusion; the day before is day -1 (there is no
day 0). Planned infusions: {infusions}. A visit's date must fall in its window: for a visit
scheduled from an infusion (an offset after it), in the offset window counted in days after
that subject's actual infusion date; for any other visit, or when that infusion was not given,
in the study-day window. Out-of-window dates are soft findings.

{table(["Visit", "VISITNUM", "Nominal study day", "Window (study days)", "Scheduled from",
        "Offset window (days after infusion)"], rows)}"""


def _anchor(visit: dict) -> str:
    if not visit.get("infusion"):
        return ""
    offset = visit.get("offset", 0)
    after = f" + {offset} day{'s' if offset != 1 else ''}" if offset else ""
    return f"infusion {visit['infusion']}{after}"


def _forms(study: Study) -> str:
    return "## 3. Forms\n\n" + "\n\n".join(_form(f, i) for i, f in enumerate(study.forms.values(), start=1))


def _form(form: Form, number: int) -> str:
    facts = [f"- File: `{form.file}` ({form.format.upper()})", f"- Keys: {', '.join(form.keys)}"]
    if form.subject_registry:
        facts.append("- Subject registry: every other form may only name subjects listed here.")
    if form.may_predate_consent:
        facts.append("- Records may start before informed consent (not checked against it).")
    if form.visit_column:
        facts.append(f"- Visit column: {form.visit_column}")
    if form.date_column:
        facts.append(f"- Date column (data cutoff, consent and visit window checks): {form.date_column}")
    if form.lab:
        facts.append("- Lab columns: " + ", ".join(f"{k} {v}" for k, v in form.lab.items()))
    rows = [[c.name, c.label, TYPE_TEXT[c.type], _required(c), c.unit or "", _allowed(c),
             f"`{c.pattern}`" if c.pattern else "", f"{show(c.range[0])} to {show(c.range[1])}" if c.range else "",
             {"drop": "removed", "year": "year only"}.get(c.identifier or "", "")] for c in form.columns]
    return f"""### 3.{number} {form.form}: {form.title}

{form.description}

{chr(10).join(facts)}

{table(["Column", "Label", "Type", "Required", "Unit", "Allowed values", "Pattern", "Plausible range",
        "Identifier"], rows)}"""


def _required(c: Column) -> str:
    if c.required:
        return "yes"
    if c.required_if:
        values = ["empty" if x == "" else str(x) for x in c.required_if["in"]]
        return f"if {c.required_if['column']} is {' or '.join(values)}"
    return ""


def _allowed(c: Column) -> str:
    if not c.codelist:
        return ""
    if c.codelist_name == "study.lab_tests":
        return "test codes of this form (section 5)"
    if c.codelist_name and not c.codelist_name.startswith("study."):
        return f"codelist {c.codelist_name} (section 4)"
    return listing(c.codelist, limit=50)


def _codelists(study: Study) -> str:
    rows = [[name, listing(values, limit=100)] for name, values in study.codelists.items()]
    return f"""## 4. Codelists

Values are matched exactly (case and blanks matter). Integer and number columns compare as
numbers (`1.0` matches `1`). Codelists named `study.*` come from study.yaml (cohorts, doses,
infusion numbers, eligibility criteria) and are listed with their column in section 3.

{table(["Codelist", "Values"], rows)}"""


def _lab_tests(study: Study) -> str:
    rows = [[t.testcd, t.test, t.form, t.category,
             ", ".join(f"{u} (x{show(f)})" for u, f in t.units.items()), t.std_unit,
             f"{show(t.ref[0])} to {show(t.ref[1])}", show(t.lloq) if t.lloq is not None else "",
             f"{show(t.plausible[0])} to {show(t.plausible[1])}", ", ".join(t.text)]
            for t in study.lab_tests.values()]
    return f"""## 5. Lab tests

Every lab test code a lab form may carry, the form that carries it, the units a result may be
reported in with the factor that converts a value to the standard unit (value in standard unit
= value x factor), the reference range, the lower limit of quantification and the plausible
range (in the standard unit; results outside are soft findings), and the texts allowed as a
result besides numbers, `<x` and `>x`.

{table(["Code", "Test", "Form", "Category", "Units (factor to standard)", "Standard unit",
        "Reference range", "LLOQ", "Plausible range", "Text results"], rows)}"""


def _rules() -> str:
    rows = [[r.id, r.severity, r.scope, r.description, f"`{r.template}`"] for r in RULES]
    return f"""## 6. Validation rules

Every finding is reported as `<file>, row <n>, column <column>: <message> [<rule>]`, where
row is the data record number (the header does not count). File and column rules come first;
a form with a file or column finding gets no record checks. Hard rules stop the pipeline; soft
rules are listed in `data_issues.csv` (columns FORM, FILE, ROW, SUBJID, COLUMN, VALUE, RULE,
MESSAGE).

{table(["Rule", "Severity", "Scope", "What is checked", "Message"], rows)}"""
