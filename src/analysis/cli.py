"""Command line: `analysis <command> ...` (also `python -m analysis`).

User errors (bad data, bad specs, bad arguments) end in one line per problem on stderr and a
non-zero exit, never in a traceback.
"""

from __future__ import annotations

import argparse
import sys

from analysis.errors import DataError, UserError

EXIT_DATA_ERROR = 1
EXIT_USER_ERROR = 2


def _cmd_simulate(args: argparse.Namespace) -> None:
    from analysis.simulate import simulate

    simulate(args.out, seed=args.seed, subjects_per_cohort=args.subjects_per_cohort,
             study_spec=args.study, progress=not args.quiet)


def _cmd_ingest(args: argparse.Namespace) -> None:
    from analysis.raw.ingest import ingest
    from analysis.specs import load_study

    ingest(args.raw, load_study(args.study), args.out, cutoff=args.cutoff or None)


def _cmd_sdtm(args: argparse.Namespace) -> None:
    from analysis.sdtm.build import build_sdtm
    from analysis.specs import load_study

    build_sdtm(args.raw_tables, load_study(args.study), args.out, cutoff=args.cutoff or None)


def _cmd_adam(args: argparse.Namespace) -> None:
    from analysis.adam.build import build_adam
    from analysis.specs import load_study

    build_adam(args.sdtm, load_study(args.study), args.out, spec_dir=args.specs or None, cutoff=args.cutoff or None)


def _cmd_group_outputs(args: argparse.Namespace) -> None:
    from analysis.outputs import run_outputs, run_part_outputs

    if args.part:
        area, _, part = args.part.partition(":")
        run_part_outputs(args.group, area, part, args.adam, args.specs, args.out)
    else:
        run_outputs(args.group, args.adam, args.specs, args.out, parts_dir=args.merge_parts or None)


def _cmd_group_parts(args: argparse.Namespace) -> None:
    from analysis.outputs import group_parts

    for area, part in group_parts(args.group, args.specs):
        print(f"{area}:{part}")


def _cmd_raw_spec_doc(args: argparse.Namespace) -> None:
    from analysis.raw.spec_doc import render_raw_spec
    from analysis.specs import load_study

    text = render_raw_spec(load_study(args.study))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def _delegated(command: str):
    """Commands with their own argument parser: everything after the word goes to them."""
    if command == "validate":
        from analysis.validate.cli import run
        return run
    if command == "define":
        from analysis.define.cli import run
        return run
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("simulate", help="write a simulated raw export of the study")
    p.add_argument("--seed", type=int, default=26)
    p.add_argument("--subjects-per-cohort", type=int, default=6)
    p.add_argument("--out", required=True, help="folder to write the raw export into")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("ingest", help="read and validate a raw export against the raw spec")
    p.add_argument("--raw", required=True, help="folder holding the raw export")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--out", required=True, help="folder for validated tables and listings")
    p.add_argument("--cutoff", default="", help="data cutoff date YYYY-MM-DD (empty: all data)")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("sdtm", help="build the SDTM domains (XPT v5) from the validated raw tables")
    p.add_argument("--raw-tables", required=True, help="folder written by `analysis ingest`")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--out", required=True, help="folder for the SDTM XPT files")
    p.add_argument("--cutoff", default="", help="data cutoff date (stamps the XPT headers)")
    p.set_defaults(func=_cmd_sdtm)

    p = sub.add_parser("adam", help="build the ADaM datasets (XPT v5) from the SDTM folder")
    p.add_argument("--sdtm", required=True, help="folder written by `analysis sdtm`")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--specs", default="", help="ADaM metadata folder (default: specs/adam beside the study spec)")
    p.add_argument("--out", required=True, help="folder for the ADaM XPT files")
    p.add_argument("--cutoff", default="", help="data cutoff date YYYY-MM-DD: censors time-to-event at it")
    p.set_defaults(func=_cmd_adam)

    sub.add_parser("validate", help="check an SDTM or ADaM folder for conformance (analysis validate -h)",
                   add_help=False)
    sub.add_parser("define", help="write define.xml 2.1 for an SDTM or ADaM folder (analysis define -h)",
                   add_help=False)

    from analysis.cytokines.cli import register as register_cytokines
    from analysis.dosefinding.cli import register as register_dose_finding
    from analysis.dosefinding.simulation import register as register_design_simulation
    from analysis.efficacy.cli import register as register_efficacy
    from analysis.labsafety.cli import register as register_lab_safety
    from analysis.package.cli import register as register_package
    from analysis.population.cli import register as register_population
    from analysis.safety.cli import register as register_safety
    from analysis.survival.cli import register as register_survival
    from analysis.tlfcat.cli import register as register_tlfcat

    for register in (register_population, register_safety, register_dose_finding, register_lab_safety,
                     register_efficacy, register_survival, register_cytokines, register_tlfcat,
                     register_package, register_design_simulation):
        register(sub)

    from analysis.outputs import GROUPS

    for group, what in (("safety", "population, AE, dose-finding and lab-safety"),
                        ("efficacy", "efficacy-by-visit (descriptive, MMRM, ANCOVA)"),
                        ("survival", "time-to-event (KM, Cox, cumulative incidence)"),
                        ("cytokines", "cytokine-trajectory"),
                        ("design", "dose-finding design simulation (3+3 and BOIN operating characteristics)")):
        p = sub.add_parser(f"{group}-outputs", help=f"every {what} output of a study, with an index")
        p.add_argument("--adam", default="", help="ADaM folder (the study's .xpt files)")
        p.add_argument("--specs", default="specs/analysis",
                       help=f"folder with {', '.join(a + '.yaml' for a in GROUPS[group])}")
        p.add_argument("--out", required=True, help="output folder: ard/ and tlf/ are written under it "
                       "(with --part: the folder of the pieces)")
        p.add_argument("--part", default="", help="run one piece AREA:PART only (see `analysis group-parts`)")
        p.add_argument("--merge-parts", default="", help="gather the pieces written to this folder instead of "
                       "running the analyses")
        p.set_defaults(func=_cmd_group_outputs, group=group)

    p = sub.add_parser("group-parts", help="the pieces of an output group, one per line, for a job per piece")
    p.add_argument("group", choices=sorted(GROUPS))
    p.add_argument("--specs", default="specs/analysis")
    p.set_defaults(func=_cmd_group_parts)

    p = sub.add_parser("raw-spec-doc", help="render the raw data spec as Markdown")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--out", default="-", help="file to write (default: stdout)")
    p.set_defaults(func=_cmd_raw_spec_doc)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    delegate = _delegated(argv[0]) if argv else None
    if delegate:
        return delegate(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except DataError as exc:
        for line in exc.lines():
            print(f"ERROR {line}", file=sys.stderr)
        print(f"analysis {args.command}: {len(exc.problems)} problem(s) in the input; nothing written",
              file=sys.stderr)
        return EXIT_DATA_ERROR
    except UserError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0
