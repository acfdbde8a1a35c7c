"""Command line of the survival outputs: `analysis km | cumulative-incidence | tte-incidence`,
and `run_all` for every survival output of a study in one call (one Snakemake job)."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.errors import UserError
from analysis.xpt import read_analysis_dataset as read_dataset

from .config import load_spec, parse_timepoints, timepoints
from .data import tte_records
from .plots import cif_plot, km_plot
from .tables import cif_table, incidence_table, km_table


def _codes(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _numbers(value: str | None, option: str) -> list[float] | None:
    if not value:
        return None
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise UserError(f"{option}: expected comma-separated numbers, got '{value}'") from None


def _write(results, out_dir) -> list[Path]:
    from analysis.tlf import write_result

    written = []
    for result in results:
        written += write_result(result, out_dir)
    return written


def km_outputs(adsl, adtte, paramcd: str, spec: dict, out_dir, treatment: str, population: str,
               tps=None, at_risk=None, plot: bool = True) -> list:
    """The KM table (and figure) of one PARAMCD.

    >>> import pandas as pd, tempfile
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3", "4"], "TRT01A": ["A", "A", "B", "B"],
    ...                      "SAFFL": "Y"})
    >>> adtte = pd.DataFrame({"USUBJID": ["1", "2", "3", "4"], "PARAMCD": "OS",
    ...                       "AVAL": [10.0, 20.0, 15.0, 30.0], "CNSR": [0.0, 1.0, 0.0, 0.0]})
    >>> spec = load_spec()
    >>> [r.analysis_id for r in km_outputs(adsl, adtte, "OS", spec, tempfile.mkdtemp(), "TRT01A", "SAFFL",
    ...                                    plot=False)]
    ['tte_km_os']
    """
    data = tte_records(adsl, adtte, paramcd, treatment, population)
    conf = float(spec["conf_level"])
    reference = str(spec.get("cox", {}).get("reference", "first"))
    results = [km_table(data, tps or timepoints(spec), spec["quantiles"], conf, reference=reference)]
    if plot:
        results.append(km_plot(data, spec, out_dir, at_risk, conf))
    return results


def cif_outputs(adsl, adtte, paramcd: str, spec: dict, out_dir, treatment: str, population: str,
                tps=None, at_risk=None, plot: bool = True) -> list:
    """The cumulative-incidence table (and figure) of one PARAMCD (see km_outputs)."""
    data = tte_records(adsl, adtte, paramcd, treatment, population)
    conf = float(spec["conf_level"])
    results = [cif_table(data, tps or timepoints(spec), conf)]
    if plot:
        results.append(cif_plot(data, spec, out_dir, at_risk, conf))
    return results


def _inputs(args):
    spec = load_spec(args.spec)
    adsl = read_dataset(args.adsl, "ADSL")
    adtte = read_dataset(args.adtte, "ADTTE")
    treatment = args.treatment or spec["treatment"]
    population = args.population or spec["population"]
    return spec, adsl, adtte, treatment, population


def _cmd_curves(args, default_key: str, make) -> None:
    spec, adsl, adtte, treatment, population = _inputs(args)
    tps = parse_timepoints(args.timepoints) if args.timepoints else None
    at_risk = _numbers(args.at_risk, "--at-risk")
    results = []
    for paramcd in _codes(args.paramcd) or spec[default_key]:
        results += make(adsl, adtte, paramcd, spec, args.out, treatment, population, tps, at_risk,
                        not args.no_plot)
    _write(results, args.out)


def _cmd_incidence(args) -> None:
    spec, adsl, adtte, treatment, population = _inputs(args)
    datas = [tte_records(adsl, adtte, p, treatment, population)
             for p in _codes(args.paramcd) or spec["incidence_endpoints"]]
    _write([incidence_table(datas, float(spec["conf_level"]))], args.out)


def _common(p: argparse.ArgumentParser, curves: bool = True) -> None:
    p.add_argument("--adsl", required=True, help="ADSL (XPT or CSV): population, treatment, big N")
    p.add_argument("--adtte", required=True, help="ADTTE (XPT or CSV): AVAL, CNSR (and CMPEVFL)")
    p.add_argument("--paramcd", default=None, help="comma-separated PARAMCDs (default: the spec's list)")
    p.add_argument("--treatment", default=None,
                   help="treatment variable (default: spec, TRT01A); taken from ADTTE when it has it, "
                        "else from ADSL")
    p.add_argument("--population", default=None, help="ADSL population flag (default: spec, SAFFL)")
    p.add_argument("--spec", default=None, help="survival spec (default specs/analysis/survival.yaml)")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written in it)")
    if curves:
        p.add_argument("--timepoints", default=None,
                       help="estimate times in AVAL units, e.g. 'Week 12=85,Week 24=169' or '30,60' "
                            "(default: spec)")
        p.add_argument("--at-risk", default=None,
                       help="plot times for the number-at-risk table in plot units (weeks), e.g. 0,4,8")
        p.add_argument("--no-plot", action="store_true", help="write the table only")


def register(subparsers) -> None:
    """Add km, cumulative-incidence and tte-incidence to the `analysis` command line."""
    p = subparsers.add_parser(
        "km", help="Kaplan-Meier table + plot, log-rank test, Cox hazard ratios",
        description="Kaplan-Meier estimates by treatment group and Total (tte_km_<paramcd>) and "
                    "the KM plot (tte_km_<paramcd>_plot). Example: analysis km --adsl adsl.xpt "
                    "--adtte adtte.xpt --paramcd TTDE --treatment TRTA --timepoints 30,90,180 --out out/")
    _common(p)
    p.set_defaults(func=lambda a: _cmd_curves(a, "km_endpoints", km_outputs))

    p = subparsers.add_parser(
        "cumulative-incidence", help="Aalen-Johansen cumulative incidence with competing events",
        description="Cumulative incidence by treatment group and Total (tte_cif_<paramcd>) and the "
                    "plot (tte_cif_<paramcd>_plot); competing events from ADTTE CMPEVFL = 'Y'.")
    _common(p)
    p.set_defaults(func=lambda a: _cmd_curves(a, "cif_endpoints", cif_outputs))

    p = subparsers.add_parser(
        "tte-incidence", help="subjects with the event / N with exact CIs, per endpoint",
        description="Crude incidence proportions with Clopper-Pearson CIs (tte_incidence).")
    _common(p, curves=False)
    p.set_defaults(func=_cmd_incidence)


def run_all(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path) -> list[Path]:
    """Every survival output of a study from its ADaM folder (adsl.xpt, adtte.xpt)."""
    adam_dir = Path(adam_dir)
    spec = load_spec(spec_path)
    trt, pop = spec["treatment"], spec["population"]
    adsl = read_dataset(adam_dir / "adsl.xpt", "ADSL")
    adtte = read_dataset(adam_dir / "adtte.xpt", "ADTTE")
    results = []
    for paramcd in spec["km_endpoints"]:
        results += km_outputs(adsl, adtte, paramcd, spec, out_dir, trt, pop)
    for paramcd in spec["cif_endpoints"]:
        results += cif_outputs(adsl, adtte, paramcd, spec, out_dir, trt, pop)
    datas = [tte_records(adsl, adtte, p, trt, pop) for p in spec["incidence_endpoints"]]
    results.append(incidence_table(datas, float(spec["conf_level"])))
    return _write(results, out_dir)
