"""`analysis ae-table` and `analysis ae-listing`: the AE outputs on any ADSL/ADAE pair.

Options default to CDISC names (TRT01A, SAFFL, TRTEMFL, AEBODSYS/AEDECOD, AESER, ...); a
--spec file supplies a study's options and the command line overrides them. Variables left at
their defaults may be absent (their rows and outputs are skipped with a note); variables given
explicitly must exist.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from analysis.errors import UserError

from .options import DEFAULT_GRADES, AeOptions, Criterion, GradeScale, options_from_spec

TABLE_CHOICES = ["overview", "soc-pt", "grade", "related", "serious", "eair", "all"]
LISTING_CHOICES = ["sae", "deaths", "dlt", "discontinuation", "all"]


def _values(text: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    if not values:
        raise UserError(f"options: no values in {text!r}")
    return values


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adsl", required=True, help="ADSL dataset (XPT; CSV accepted)")
    p.add_argument("--adae", required=True, help="ADAE dataset (XPT; CSV accepted)")
    p.add_argument("--out", required=True, help="output folder (writes ard/<id>.csv, tlf/<id>.csv and .md)")
    p.add_argument("--spec", help="safety spec YAML (e.g. specs/analysis/safety.yaml); options below override it")
    p.add_argument("--treatment", help="treatment variable (default TRT01A; TRTA reads TRT01A from ADSL and "
                                       "is checked against ADAE's TRTA)")
    p.add_argument("--population", help='population flag in ADSL, subjects with "Y" (default SAFFL; '
                                         '"none": every ADSL subject)')
    p.add_argument("--teae-flag", help='treatment-emergent flag in ADAE (default TRTEMFL; "none": all records)')
    p.add_argument("--level", action="append", help="dose group level in display order (repeat); groups "
                                                    "without subjects show zeros")
    p.add_argument("--no-total", action="store_true", help="no Total column")
    p.add_argument("--soc-var", help="system organ class variable (default AEBODSYS)")
    p.add_argument("--pt-var", help="preferred term variable (default AEDECOD)")
    p.add_argument("--grade-var", help="grade or severity variable (default ATOXGRN, else AESEV if present)")
    p.add_argument("--grade-levels", help="its ordered levels, low to high, comma-separated "
                                          "(e.g. MILD,MODERATE,SEVERE)")
    p.add_argument("--high-grade", help="lowest level counted in the overview's high-grade row "
                                        "(default 3 for ATOXGRN, SEVERE for AESEV, else the top level)")
    p.add_argument("--related-var", help="relationship variable (default AREL)")
    p.add_argument("--related-values", help="its values that count as related, comma-separated "
                                            "(default RELATED)")
    p.add_argument("--related-missing", choices=["related", "not-related"],
                   help="how a blank relationship counts (default related: conservative)")
    p.add_argument("--serious-var", help="seriousness variable (default AESER)")
    p.add_argument("--serious-values", help="its values for serious (default Y)")
    p.add_argument("--fatal", action="append", metavar="VAR=V1,V2",
                   help="fatal-outcome criterion, repeat for 'or' (default AESDTH=Y and AEOUT=FATAL)")
    p.add_argument("--dlt-var", help="per-event DLT flag (default ADLTFL)")
    p.add_argument("--dlt-values", help="its values for a DLT (default Y)")
    p.add_argument("--disc-var", help="action taken with study treatment (default AEACN)")
    p.add_argument("--disc-values", help="its values meaning discontinuation (default DRUG WITHDRAWN)")
    p.add_argument("--onset-var", help="AE onset date in ADAE (default ASTDT)")
    p.add_argument("--exposure-start", help="ADSL start of time at risk (default TRTSDT)")
    p.add_argument("--exposure-end", help="ADSL end of time at risk; comma list = first non-missing "
                                          "(default EOSDT, else TRTEDT when ADSL lacks EOSDT)")
    p.add_argument("--conf", type=float, help="confidence level (default 0.95)")


def _criterion(var: str | None, values: str | None, current: Criterion | None,
               default_values: tuple[str, ...], missing: bool = False) -> Criterion | None:
    if var is None and values is None:
        return current
    var = var or (current.variable if current else None)
    if var is None:
        raise UserError("options: values given without a variable")
    vals = _values(values) if values else (current.values if current and current.variable == var
                                           else default_values)
    return Criterion(var, vals, missing)


def options_from_args(args: argparse.Namespace) -> AeOptions:
    """AeOptions from --spec (if any) with the command-line options applied on top."""
    o = options_from_spec(args.spec) if args.spec else AeOptions()
    kw = {}
    for name, attr in (("treatment", "treatment"), ("soc_var", "soc"), ("pt_var", "pt"), ("conf", "conf"),
                       ("onset_var", "onset"), ("exposure_start", "exposure_start")):
        if getattr(args, name) is not None:
            kw[attr] = getattr(args, name)
    for name in ("population", "teae_flag"):
        value = getattr(args, name)
        if value is not None:
            kw[name] = None if value.lower() == "none" else value
    if args.level:
        kw["levels"] = tuple(args.level)
    if args.no_total:
        kw["total"] = False
    if getattr(args, "sort", None):
        kw["sort"] = args.sort
    if args.exposure_end:
        kw.update(exposure_end=_values(args.exposure_end), exposure_end_explicit=True)
    if args.grade_var or args.grade_levels or args.high_grade:
        kw["grade"] = _grade(args, o)
    related_missing = None if args.related_missing is None else args.related_missing == "related"
    if args.related_var or args.related_values or related_missing is not None:
        cur = o.related
        miss = related_missing if related_missing is not None else (cur.missing_counts if cur else True)
        kw["related"] = _criterion(args.related_var or (cur.variable if cur else "AREL"), args.related_values,
                                   cur, ("RELATED",), miss)
    kw["serious"] = _criterion(args.serious_var, args.serious_values, o.serious, ("Y",))
    kw["dlt"] = _criterion(args.dlt_var, args.dlt_values, o.dlt, ("Y",))
    kw["discontinuation"] = _criterion(args.disc_var, args.disc_values, o.discontinuation, ("DRUG WITHDRAWN",))
    if args.fatal:
        crits = []
        for item in args.fatal:
            var, sep, vals = item.partition("=")
            if not sep or not var.strip():
                raise UserError(f"options: --fatal expects VAR=V1,V2, not {item!r}")
            crits.append(Criterion(var.strip(), _values(vals)))
        kw["fatal"] = tuple(crits)
    return replace(o, **kw)


def _grade(args: argparse.Namespace, o: AeOptions) -> GradeScale:
    current = o.grade if isinstance(o.grade, GradeScale) else None
    var = args.grade_var or (current.variable if current else None)
    if var is None:
        raise UserError("options: --grade-levels/--high-grade need --grade-var")
    known = {g.variable: g for g in DEFAULT_GRADES}
    base = current if current and current.variable == var else known.get(var)
    if args.grade_levels:
        levels = _values(args.grade_levels)
    elif base:
        levels = base.levels
    else:
        raise UserError(f"options: give --grade-levels (ordered, low to high) for {var}")
    high = args.high_grade or (base.high_from if base and base.high_from in levels else levels[-1])
    if high not in levels:
        raise UserError(f"options: --high-grade {high} is not one of {', '.join(levels)}")
    return GradeScale(var, levels, high, base.prefix if base else "", base.name if base else "Grade")


def _load(args: argparse.Namespace):
    from .data import prepare
    from .run import read_dataset

    return prepare(read_dataset(args.adsl, "ADSL"), read_dataset(args.adae, "ADAE"), options_from_args(args))


def _report(written, skipped) -> None:
    for name in skipped:
        print(f"note: {name} skipped: the data lack its variable (give it explicitly)", file=sys.stderr)
    print(f"wrote {len(written)} file(s)", file=sys.stderr)


def cmd_ae_table(args: argparse.Namespace) -> None:
    from .run import TABLES, produce

    data = _load(args)
    names = list(TABLES) if args.table == "all" else [args.table]
    _report(*produce(data, names, [], args.out, skip_unavailable=args.table == "all"))


def cmd_ae_listing(args: argparse.Namespace) -> None:
    from .run import LISTINGS, produce

    data = _load(args)
    names = list(LISTINGS) if args.listing == "all" else [args.listing]
    _report(*produce(data, [], names, args.out, skip_unavailable=args.listing == "all"))


def register(subparsers) -> None:
    """Add `ae-table` and `ae-listing` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "ae-table", help="adverse-event summary tables (overview, SOC/PT, grade, related, serious, EAIR)",
        description="Adverse-event tables by dose group from ADSL + ADAE. Example: analysis ae-table "
                    "--adsl adsl.xpt --adae adae.xpt --treatment TRTA --out out --table all")
    _add_common(p)
    p.add_argument("--table", choices=TABLE_CHOICES, default="all", help="which table (default all)")
    p.add_argument("--sort", choices=["frequency", "alpha"],
                   help="SOC/PT order: descending total incidence (default) or alphabetical")
    p.set_defaults(func=cmd_ae_table)

    p = subparsers.add_parser(
        "ae-listing", help="adverse-event listings (serious, deaths, DLTs, discontinuations)",
        description="Adverse-event listings, one row per event, from ADSL + ADAE.")
    _add_common(p)
    p.add_argument("--listing", choices=LISTING_CHOICES, default="all", help="which listing (default all)")
    p.set_defaults(func=cmd_ae_listing)
