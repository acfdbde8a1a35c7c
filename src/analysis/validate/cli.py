"""`analysis validate <folder> [--standard sdtm|adam] [--specs DIR] [--study FILE] [--report DIR]
[--fail-on LEVEL]`.

Exit status: 0 when nothing at or above --fail-on was found, 1 when something was, 2 for a
usage or input problem (no such folder, unreadable specs)."""

from __future__ import annotations

import argparse
import sys

from analysis.errors import UserError

EXIT_FINDINGS, EXIT_USER_ERROR = 1, 2


def build_parser(prog: str = "analysis validate") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Check an SDTM or ADaM folder of XPT files for conformance.")
    p.add_argument("folder", help="folder holding the SDTM (or ADaM) .xpt files")
    p.add_argument("--standard", default="sdtm", choices=("sdtm", "adam"),
                   help="which standard's rules to run (default: sdtm)")
    p.add_argument("--specs", default=None, help="specs folder of that standard (datasets, variables; ADaM also "
                   "parameters), e.g. specs/sdtm or specs/adam")
    p.add_argument("--study", default=None, help="study spec, e.g. specs/study.yaml")
    p.add_argument("--report", default=None, help="folder for <standard>_conformance.csv/.md "
                   "(default: summary to stdout)")
    p.add_argument("--fail-on", default="error", choices=("error", "warning", "never"),
                   help="exit 1 when findings of this severity or worse exist (default: error)")
    return p


def run(argv: list[str] | None = None) -> int:
    """Parse `argv` (without the command name), validate, report; return the exit status."""
    from analysis.validate.engine import exit_code, validate, write_report

    args = build_parser().parse_args(argv)
    try:
        report = validate(args.folder, specs_dir=args.specs, study=args.study, standard=args.standard)
    except UserError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    c = report.counts
    summary = (f"analysis validate: {c['ERROR']} error(s), {c['WARNING']} warning(s), "
               f"{c['NOTICE']} notice(s) in {len(report.datasets)} dataset(s)")
    if args.report:
        csv_path, md_path = write_report(report, args.report)
        print(f"{summary}; report: {csv_path}, {md_path}")
    else:
        sys.stdout.write(report.to_markdown())
        print(summary)
    return exit_code(report, args.fail_on)


if __name__ == "__main__":
    sys.exit(run())
