"""Command-line subcommands of the population displays: `register(subparsers)` adds

- ``analysis disposition --adsl PATH [--treatment TRT01A] [--population SAFFL]
  [--enrolled-flag ENRLFL] [--other-specify [DCSREASP]] --out DIR``
- ``analysis demographics --adsl PATH [--treatment TRT01A] [--population SAFFL]
  --vars AGE,SEX,... [--categorical ECOGBL] [--decimals HBVDNABL=2] --out DIR``
- ``analysis population-tables --adam DIR --spec specs/analysis/population.yaml --out DIR``

Options left out fall back to the spec given with ``--spec``, then to the defaults shown.
"""

from __future__ import annotations

import argparse

from analysis.errors import UserError


def _names(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _decimals(text: str | None) -> dict[str, int]:
    out = {}
    for item in _names(text):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise UserError(f"--decimals: expected VAR=DIGITS, got {item!r}")
        out[name.strip()] = int(value)
    return out


def _spec(args) -> dict:
    if not args.spec:
        return {}
    from .spec import read_population_spec

    return read_population_spec(args.spec)


def _common(spec: dict, args) -> tuple[str, str]:
    return (args.treatment or spec.get("treatment") or "TRT01A",
            args.population or spec.get("population") or "SAFFL")


def _cmd_disposition(args: argparse.Namespace) -> None:
    from analysis.tlf import write_result

    from .disposition import disposition_table
    from .io import read_adsl_with_labels

    spec = _spec(args)
    d = spec.get("disposition") or {}
    adsl, labels = read_adsl_with_labels(args.adsl)
    treatment, population = _common(spec, args)
    enrolled = args.enrolled_flag or d.get("enrolled_flag")
    result = disposition_table(
        adsl, treatment=treatment, population=population, enrolled_flag=enrolled or "ENRLFL",
        require_enrolled_flag=bool(enrolled), status=args.status or d.get("status") or "EOSSTT",
        reason=args.reason or d.get("reason") or "DCSREAS",
        reason_specify=args.other_specify or d.get("reason_specify"),
        other_reason=args.other_reason or d.get("other_reason") or "OTHER",
        levels=spec.get("treatment_levels"), labels=labels)
    write_result(result, args.out)


def _cmd_demographics(args: argparse.Namespace) -> None:
    from analysis.tlf import write_result

    from .demographics import demographics_table
    from .io import read_adsl_with_labels

    spec = _spec(args)
    d = spec.get("demographics") or {}
    variables = _names(args.vars) or d.get("variables") or []
    if not variables:
        raise UserError("demographics: give --vars (or a --spec with demographics/variables)")
    # Spec options name the spec's variables; with --vars they apply only to those requested.
    def keep(options):
        return {k: v for k, v in (options or {}).items() if k in variables}

    categorical = _names(args.categorical) or [v for v in (d.get("categorical") or []) if v in variables]
    decimals = {**keep(d.get("decimals")), **_decimals(args.decimals)}
    adsl, labels = read_adsl_with_labels(args.adsl)
    treatment, population = _common(spec, args)
    result = demographics_table(
        adsl, variables, treatment=treatment, population=population, categorical=categorical,
        labels=labels, levels=spec.get("treatment_levels"), level_order=keep(d.get("level_order")),
        decimals=decimals)
    write_result(result, args.out)


def _cmd_population_tables(args: argparse.Namespace) -> None:
    from .run import run_all

    run_all(args.adam, args.spec, args.out)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adsl", required=True, help="ADSL XPT file")
    p.add_argument("--treatment", default=None, help="treatment variable for the columns (default TRT01A)")
    p.add_argument("--population", default=None, help="population flag, subjects with Y (default SAFFL)")
    p.add_argument("--spec", default=None,
                   help="population spec YAML (e.g. specs/analysis/population.yaml) "
                        "for options not given here")
    p.add_argument("--out", required=True, help="output folder (writes ard/ and tlf/)")


def register(subparsers) -> None:
    """Add the `disposition`, `demographics` and `population-tables` subcommands."""
    p = subparsers.add_parser(
        "disposition", help="subject disposition table by treatment group and total",
        description="Screened, screen failures, enrolled, population, completed, discontinued "
                    "(with reasons) and ongoing, by treatment group and total, from ADSL.")
    _add_common(p)
    p.add_argument("--enrolled-flag", default=None,
                   help="enrolled flag (default ENRLFL if ADSL has it; screen failures are "
                        "'not available' without one; when given it must exist)")
    p.add_argument("--status", default=None, help="end-of-study status variable (default EOSSTT)")
    p.add_argument("--reason", default=None, help="discontinuation reason variable (default DCSREAS)")
    p.add_argument("--other-specify", nargs="?", const="DCSREASP", default=None, metavar="VAR",
                   help="list the specify text (default variable DCSREASP) under the OTHER reason")
    p.add_argument("--other-reason", default=None,
                   help="the reason value that has specify text (default OTHER)")
    p.set_defaults(func=_cmd_disposition)

    p = subparsers.add_parser(
        "demographics", help="demographics and baseline characteristics by treatment group and total",
        description="n, mean, SD, median, min, max for numeric variables; n (%) per level for "
                    "character variables; n (%) with Y for flags (...FL), from ADSL.")
    _add_common(p)
    p.add_argument("--vars", default=None, help="comma-separated ADSL variables, in display order")
    p.add_argument("--categorical", default=None,
                   help="comma-separated numeric variables to show as categories (e.g. ECOGBL)")
    p.add_argument("--decimals", default=None,
                   help="comma-separated VAR=DIGITS: decimals of the data for display (e.g. HBVDNABL=2)")
    p.set_defaults(func=_cmd_demographics)

    p = subparsers.add_parser(
        "population-tables", help="all population displays (disposition, demographics) from a spec",
        description="Writes disposition and demographics for <adam>/adsl.xpt with the spec's options.")
    p.add_argument("--adam", required=True, help="ADaM folder holding adsl.xpt")
    p.add_argument("--spec", required=True, help="population spec YAML (specs/analysis/population.yaml)")
    p.add_argument("--out", required=True, help="output folder (writes ard/ and tlf/)")
    p.set_defaults(func=_cmd_population_tables)
