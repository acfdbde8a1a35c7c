"""Command line for dose finding: ``dlt-summary``, ``dose-finding``, ``boin-boundaries``; and
``run_all`` for one Snakemake job making every output.

    analysis dlt-summary --adsl adam/adsl.xpt --addlt adam/addlt.xpt --out out
    analysis dose-finding --adsl adam/adsl.xpt --addlt adam/addlt.xpt --adae adam/adae.xpt \\
        --spec specs/analysis/dose_finding.yaml --out out
    analysis boin-boundaries --target 0.3 --max-n 18 --out out
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from analysis.errors import UserError

DEFAULT_SPEC = "specs/analysis/dose_finding.yaml"


def _read(path: str | Path, dataset: str):
    from analysis.xpt import read_analysis_dataset

    return read_analysis_dataset(path, dataset)


def _spec(path: str | None, target: float | None = None):
    from .spec import DoseFindingSpec, load_spec, spec_from_dict

    spec = load_spec(path) if path else DoseFindingSpec()
    if target is not None:
        # Re-validate through the spec checks so a bad --target is a one-line error too.
        raw = {"target": target, "boin": {k: v for k, v in dataclasses.asdict(spec.boin).items()
                                          if k not in ("target",)}}
        raw["boin"]["prior"] = list(raw["boin"]["prior"])
        spec = dataclasses.replace(spec, boin=spec_from_dict(raw, "--target").boin)
    return spec


def dose_finding_results(adsl, addlt, adae, spec, treatment: str = "TRT01A", population: str | None = None):
    """Every dose-finding result for one study: DLT summary, 3+3 trail, BOIN boundaries, BOIN
    estimates/MTD and the RP2D table (designs not in ``spec.designs`` are left out)."""
    from .dlt import dlt_data, dlt_summary
    from .results import boin_mtd_result, boundaries_result, trail_result
    from .rp2d import rp2d_table
    from .three_plus_three import decision_points

    data = dlt_data(adsl, addlt, spec, treatment, population)
    stages = [decision_points(o) for o in data.outcomes()]
    labels = data.groups.levels
    var = data.groups.treatment
    out = [dlt_summary(data)]
    if "3+3" in spec.designs:
        out.append(trail_result(stages, labels, var))
    if "BOIN" in spec.designs:
        max_n = max([spec.max_sample_size] + [n for n, _ in data.counts()])
        out.append(boundaries_result(spec.boin, max_n))
        out.append(boin_mtd_result(data.counts(), labels, spec.boin, var))
    out.append(rp2d_table(data, adae, stages))
    return out


def run_all(adam_dir: str | Path, spec_path: str | Path, out_dir: str | Path,
            treatment: str = "TRT01A") -> list[Path]:
    """Write every dose-finding output for the ADaM folder (adsl, addlt, adae .xpt)."""
    from analysis.tlf import write_result

    adam_dir = Path(adam_dir)
    spec = _spec(str(spec_path))
    results = dose_finding_results(_read(adam_dir / "adsl.xpt", "ADSL"), _read(adam_dir / "addlt.xpt", "ADDLT"),
                                   _read(adam_dir / "adae.xpt", "ADAE"), spec, treatment)
    written: list[Path] = []
    for result in results:
        written += write_result(result, out_dir)
    return written


def _cmd_dlt_summary(args: argparse.Namespace) -> None:
    from analysis.tlf import write_result

    from .dlt import dlt_data, dlt_summary

    spec = _spec(args.spec)
    data = dlt_data(_read(args.adsl, "ADSL"), _read(args.addlt, "ADDLT"), spec, args.treatment, args.population)
    write_result(dlt_summary(data), args.out)


def _cmd_dose_finding(args: argparse.Namespace) -> None:
    from analysis.tlf import write_result

    spec = _spec(args.spec, args.target)
    for result in dose_finding_results(_read(args.adsl, "ADSL"), _read(args.addlt, "ADDLT"),
                                       _read(args.adae, "ADAE"), spec, args.treatment, args.population):
        write_result(result, args.out)


def _cmd_boin_boundaries(args: argparse.Namespace) -> None:
    from analysis.tlf import write_result

    from .results import boundaries_result

    if args.max_n < 1:
        raise UserError(f"--max-n must be at least 1, got {args.max_n}")
    spec = _spec(args.spec, args.target)
    write_result(boundaries_result(spec.boin, args.max_n), args.out)


def register(subparsers) -> None:
    """Add the dose-finding subcommands to the `analysis` command line."""
    p = subparsers.add_parser("dlt-summary", help="DLT summary by dose cohort (dlt_summary)",
                              description="Dosed, DLT-evaluable, not evaluable by reason, subjects with a DLT "
                                          "with exact 95% CI, and DLT events per dose cohort and pooled.")
    _common(p, adae=False)
    p.set_defaults(func=_cmd_dlt_summary)

    p = subparsers.add_parser("dose-finding", help="DLT summary, 3+3 trail, BOIN boundaries/MTD and RP2D table",
                              description="Writes dlt_summary, dose_3p3_trail, boin_boundaries, boin_mtd and rp2d "
                                          "(ARD and display) from ADSL, ADDLT and ADAE.")
    _common(p, adae=True)
    p.add_argument("--target", type=float, default=None, help="override the spec's target DLT rate (e.g. 0.25)")
    p.set_defaults(func=_cmd_dose_finding)

    p = subparsers.add_parser("boin-boundaries", help="BOIN boundary table for a target DLT rate (no data needed)",
                              description="BOIN escalation / de-escalation / elimination boundaries for n = 1..max-n "
                                          "(BOIN R package get.boundary); other options from --spec.")
    p.add_argument("--target", type=float, default=None, help="target DLT rate (default: the spec's, 0.30)")
    p.add_argument("--max-n", type=int, default=18, help="largest number of patients at a dose (default 18)")
    p.add_argument("--spec", default=DEFAULT_SPEC, help=f"design parameters (default {DEFAULT_SPEC})")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written under it)")
    p.set_defaults(func=_cmd_boin_boundaries)


def _common(p: argparse.ArgumentParser, adae: bool) -> None:
    p.add_argument("--adsl", required=True, help="ADSL .xpt")
    p.add_argument("--addlt", required=True, help="ADDLT .xpt (one record per dosed subject)")
    if adae:
        p.add_argument("--adae", required=True, help="ADAE .xpt")
    p.add_argument("--spec", default=DEFAULT_SPEC, help=f"design parameters (default {DEFAULT_SPEC})")
    p.add_argument("--treatment", default="TRT01A", help="ADSL treatment (dose label) variable (default TRT01A)")
    p.add_argument("--population", default=None, help="ADSL population flag of dosed subjects (default: spec, SAFFL)")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written under it)")
