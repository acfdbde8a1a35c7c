"""What a conformance run found: the findings in a fixed order, counts, CSV and Markdown."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from analysis.validate.registry import ERROR, NOTICE, SEVERITIES, WARNING

_TITLE = {"sdtm": "SDTM", "adam": "ADaM"}
CSV_COLUMNS = ("rule", "severity", "dataset", "variable", "records", "usubjid", "value", "message")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: which rule, how serious, where (dataset, variable, 1-based records, subject),
    the offending value and what is wrong. Ordered by dataset, rule, records, variable, ..."""

    dataset: str
    rule: str
    records: tuple[int, ...]
    variable: str
    usubjid: str
    value: str
    message: str
    severity: str

    def row(self) -> dict[str, str]:
        out = {c: str(getattr(self, c)) for c in CSV_COLUMNS if c != "records"}
        out["records"] = ";".join(str(r) for r in self.records)
        return out


@dataclass
class Report:
    """Findings (sorted, deterministic) plus what was checked: datasets with their record
    counts, the rules that ran, the rules skipped (with why) and notes (e.g. codelists that
    were not available), for an SDTM or an ADaM folder (`standard`)."""

    folder: str
    findings: list[Finding]
    datasets: dict[str, int] = field(default_factory=dict)
    rules_run: list[str] = field(default_factory=list)
    rules_skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    standard: str = "sdtm"  # "sdtm" or "adam": which rules ran, and the report's title

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def notices(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == NOTICE]

    def by_rule(self) -> list[tuple[str, str, str, int]]:
        """(rule, severity, dataset, number of findings), sorted."""
        c = Counter((f.rule, f.severity, f.dataset) for f in self.findings)
        return sorted((r, s, d, n) for (r, s, d), n in c.items())

    def to_csv(self, path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
            w.writeheader()
            for f in self.findings:
                w.writerow(f.row())

    def to_markdown(self) -> str:
        """A short summary: counts, findings per rule and dataset with an example message."""
        from analysis.validate.registry import rules_for

        rules = rules_for(self.standard)
        c = self.counts
        lines = [f"# {_TITLE.get(self.standard, self.standard)} conformance report: {self.folder}", "",
                 f"{c[ERROR]} error(s), {c[WARNING]} warning(s), {c[NOTICE]} notice(s) in "
                 f"{len(self.datasets)} dataset(s); {len(self.rules_run)} rule(s) run, "
                 f"{len(self.rules_skipped)} skipped.", ""]
        lines += ["| dataset | records |", "| --- | ---: |"]
        lines += [f"| {d} | {n} |" for d, n in sorted(self.datasets.items())]
        lines.append("")
        if self.findings:
            lines += ["| rule | severity | dataset | findings | what | example |", "| --- | --- | --- | ---: | --- | --- |"]
            first: dict[tuple, Finding] = {}
            for f in self.findings:
                first.setdefault((f.rule, f.dataset), f)
            for r, s, d, n in self.by_rule():
                title = rules[r].title if r in rules else ""
                ex = first[(r, d)]
                where = f"{ex.variable} record {ex.records[0]}" if ex.records else ex.variable
                lines.append(f"| {r} | {s} | {d or '(package)'} | {n} | {_cell(title)} | "
                             f"{_cell(where.strip())}: {_cell(ex.message)} |")
        else:
            lines.append("No findings.")
        if self.rules_skipped:
            lines += ["", "Rules not run:", ""]
            lines += [f"- {r}: {why}" for r, why in sorted(self.rules_skipped.items())]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
