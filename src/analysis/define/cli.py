"""`analysis define`: write define.xml (Define-XML 2.1) for a folder of SDTM or ADaM XPT files
(`--sdtm DIR` or `--adam DIR`, exactly one).

`run(argv)` is the whole command (its own argparse, messages and exit codes), so the main CLI
can hand it everything after the word `define`, e.g. first thing in `analysis.cli.main`:
    if argv and argv[0] == "define": return define_cli.run(argv[1:])
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import UserError

EXIT_INVALID = 1
EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="analysis define",
                                description="write define.xml (Define-XML 2.1) for the SDTM or the ADaM XPT files")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--sdtm", help="folder holding the SDTM XPT files (`analysis sdtm --out`)")
    which.add_argument("--adam", help="folder holding the ADaM XPT files")
    p.add_argument("--specs", default="", help="metadata folder (default specs/sdtm with --sdtm: datasets.csv, "
                                               "variables.csv, findings.yaml; specs/adam with --adam: datasets.csv, "
                                               "variables.csv, params.csv)")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--ct", default="specs/ct", help="controlled terminology folder")
    p.add_argument("--out", default="", help="define.xml to write (default: the data folder/define.xml)")
    p.add_argument("--date", default="", help="ODM CreationDateTime as YYYY-MM-DD, e.g. the data cutoff "
                                               "(default 2000-01-01: never the wall clock)")
    p.add_argument("--no-stylesheet", action="store_true",
                   help="do not copy define2-1.xsl next to define.xml nor reference it")
    p.add_argument("--html", action="store_true", help="also write define.html (define.xml through the stylesheet)")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the check against the Define-XML 2.1 schema (from odmlib; invalid: exit 1)")
    return p


def run(argv: list[str] | None = None) -> int:
    """Run `analysis define` with `argv` (without the command name); return the exit code:
    0 written (and schema-valid unless --no-validate), 1 written but not schema-valid, 2 user error
    (nothing written)."""
    args = build_parser().parse_args(argv)
    try:
        from analysis.define.adam import write_adam_define
        from analysis.define.build import write_define

        model, folder = ("ADaM", args.adam) if args.adam is not None else ("SDTM", args.sdtm)
        specs = args.specs or f"specs/{model.lower()}"
        out = Path(args.out) if args.out else Path(folder) / "define.xml"
        if not Path(folder).is_dir():
            raise UserError(f"{folder}: {model} folder not found")
        validate = not args.no_validate
        if validate:
            from analysis.define.validate import define_xsd_path

            define_xsd_path()  # fail before writing when odmlib is missing
        write = write_adam_define if model == "ADaM" else write_define
        result = write(folder, specs, args.study, out, args.ct, created=args.date or None,
                       stylesheet=not args.no_stylesheet)
        for issue in result.issues:
            print(f"WARNING {issue}", file=sys.stderr)
        print(f"define: {result.path}: {result.datasets} datasets, {result.variables} variables, "
              f"{result.value_level} value-level definitions, {result.codelists} codelists"
              + (f"; stylesheet {result.stylesheet.name}" if result.stylesheet else ""))
        if args.html:
            from analysis.define.stylesheet import render_html

            html = out.with_suffix(".html")
            render_html(out, html)
            print(f"define: {html}")
        if validate:
            from analysis.define.validate import define_xsd_path, validate_define

            errors = validate_define(out)
            for e in errors:
                print(f"ERROR {out}: {e}", file=sys.stderr)
            if errors:
                print(f"analysis define: {out} is not valid against {define_xsd_path()}", file=sys.stderr)
                return EXIT_INVALID
            print(f"define: {out} is valid against {define_xsd_path()}")
    except UserError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
