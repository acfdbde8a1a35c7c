"""Command line of the lab-safety outputs: `analysis lab-shift | lab-abnormalities | edish |
exposure`, and `run_all` for every output of a study in one call (one Snakemake job)."""

from __future__ import annotations

import argparse
from pathlib import Path


from analysis.errors import UserError
from analysis.xpt import read_analysis_dataset as read_dataset

from .abnormalities import te_lab_abnormalities
from .config import (
    ctcae_params,
    ctcae_scale,
    exposure_variables,
    load_spec,
    normal_range_params,
    normal_range_scale,
)
from .edish import edish_outputs
from .exposure import exposure_summary
from .shift import shift_table


def _codes(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _write(results, out_dir) -> list[Path]:
    from analysis.tlf import write_result

    written = []
    for result in results:
        written += write_result(result, out_dir)
    return written


def _common(p: argparse.ArgumentParser, adlb: bool = True) -> None:
    p.add_argument("--adsl", required=True, help="ADSL (XPT): population, treatment, big N")
    if adlb:
        p.add_argument("--adlb", required=True, help="ADLB (XPT)")
    p.add_argument("--treatment", default="TRT01A", help="treatment variable (default TRT01A)")
    p.add_argument("--population", default="SAFFL", help="population flag (default SAFFL)")
    p.add_argument("--spec", default=None, help="lab-safety spec (default specs/analysis/lab_safety.yaml)")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written in it)")


def _shift_result(args, spec, adsl, adlb):
    params = _codes(args.params)
    if args.scale == "ctcae":
        return shift_table(adsl, adlb, ctcae_params(spec, params), ctcae_scale(spec), args.treatment,
                           args.population, args.id or "lab_shift_ctcae",
                           "Shift from baseline CTCAE grade to worst post-baseline grade")
    if not params:
        raise UserError("lab-shift --scale normal-range needs --params")
    scale = normal_range_scale(spec, _codes(args.levels), _codes(args.worst_order))
    return shift_table(adsl, adlb, normal_range_params(spec, params), scale, args.treatment,
                       args.population, args.id or "lab_shift_nrind",
                       "Shift from baseline normal range indicator to worst post-baseline indicator")


def _cmd_shift(args) -> None:
    spec = load_spec(args.spec)
    result = _shift_result(args, spec, read_dataset(args.adsl, "ADSL"), read_dataset(args.adlb, "ADLB"))
    _write([result], args.out)


def _cmd_abnormalities(args) -> None:
    spec = load_spec(args.spec)
    te = spec["te_abnormal"]
    result = te_lab_abnormalities(read_dataset(args.adsl, "ADSL"), read_dataset(args.adlb, "ADLB"),
                                  ctcae_params(spec, _codes(args.params)), ctcae_scale(spec),
                                  str(args.severe_grade or te["severe_grade"]), args.treatment,
                                  args.population, float(te.get("conf", 0.95)))
    _write([result], args.out)


def _cmd_edish(args) -> None:
    spec = load_spec(args.spec)
    e = spec["edish"]
    suffix = "_bl" if args.reference == "baseline" else ""
    results = edish_outputs(
        read_dataset(args.adsl, "ADSL"), read_dataset(args.adlb, "ADLB"), args.out,
        alt=_codes(args.alt) or e["alt"], bili=args.bili or e["bili"], treatment=args.treatment,
        population=args.population, reference=args.reference or e["reference"],
        alt_cut=float(args.alt_threshold or e["alt_threshold"]),
        bili_cut=float(args.bili_threshold or e["bili_threshold"]),
        ratio_var=e.get("ratio_var", "R2ANRHI"), uln_var=e.get("uln_var", "ANRHI"),
        ids={"figure": f"edish{suffix}", "table": f"edish{suffix}_quadrants",
             "listing": f"l_hys_law{suffix}"})
    _write(results, args.out)


def _cmd_exposure(args) -> None:
    spec = load_spec(args.spec)
    source = args.source or spec["exposure"].get("source", "adex")
    adex = read_dataset(args.adex, "ADEX") if args.adex else None
    result = exposure_summary(read_dataset(args.adsl, "ADSL"), exposure_variables(spec), adex,
                              source, args.treatment, args.population)
    _write([result], args.out)


def register(subparsers) -> None:
    """Add lab-shift, lab-abnormalities, edish and exposure to the `analysis` command line."""
    p = subparsers.add_parser(
        "lab-shift", help="shift table: baseline -> worst post-baseline CTCAE grade (or ANRIND)",
        description="Shift table of baseline category to worst post-baseline category by "
                    "treatment group. Example: analysis lab-shift --adsl adsl.xpt --adlb adlb.xpt "
                    "--params ALT,AST --out out/")
    _common(p)
    p.add_argument("--params", default=None,
                   help="comma-separated PARAMCDs (default: the spec's list; needed for normal-range)")
    p.add_argument("--scale", choices=["ctcae", "normal-range"], default="ctcae",
                   help="ctcae: BTOXGRx -> ATOXGRx by the spec's direction; normal-range: BNRIND -> ANRIND")
    p.add_argument("--levels", default=None,
                   help="normal-range categories in display order, e.g. L,N,H (default: spec)")
    p.add_argument("--worst-order", default=None,
                   help="normal-range categories least to most severe, e.g. N,L,H (default: spec)")
    p.add_argument("--id", default=None, help="analysis_id (default lab_shift_ctcae / lab_shift_nrind)")
    p.set_defaults(func=_cmd_shift)

    p = subparsers.add_parser(
        "lab-abnormalities", help="treatment-emergent lab abnormalities (worsening >= 1 CTCAE grade)",
        description="Subjects whose worst post-baseline CTCAE grade is above baseline, and above it "
                    "at grade >= 3, with Clopper-Pearson CIs in the ARD.")
    _common(p)
    p.add_argument("--params", default=None, help="comma-separated PARAMCDs (default: the spec's list)")
    p.add_argument("--severe-grade", default=None, help="also count worsening to >= this grade (default 3)")
    p.set_defaults(func=_cmd_abnormalities)

    p = subparsers.add_parser(
        "edish", help="eDISH plot (peak ALT vs peak bilirubin), quadrant table, Hy's law listing",
        description="Writes <out>/tlf/edish.png/.svg, the edish_quadrants table and the l_hys_law "
                    "listing (suffix _bl with --reference baseline).")
    _common(p)
    p.add_argument("--alt", default=None, help="aminotransferase PARAMCD(s), e.g. ALT or ALT,AST (default ALT)")
    p.add_argument("--bili", default=None, help="total bilirubin PARAMCD (default BILI)")
    p.add_argument("--reference", choices=["uln", "baseline"], default=None,
                   help="multiples of ULN (default) or of each subject's baseline")
    p.add_argument("--alt-threshold", type=float, default=None, help="ALT cut-off (default 3)")
    p.add_argument("--bili-threshold", type=float, default=None, help="bilirubin cut-off (default 2)")
    p.set_defaults(func=_cmd_edish)

    p = subparsers.add_parser(
        "exposure", help="exposure summary: infusions, cumulative dose, total cells, duration",
        description="Exposure by treatment group from ADEX PARAMCD rows (default) or ADSL.")
    _common(p, adlb=False)
    p.add_argument("--adex", default=None, help="ADEX (XPT); needed with --source adex")
    p.add_argument("--source", choices=["adex", "adsl"], default=None,
                   help="where NINF/CUMDOSE come from (default: spec, adex)")
    p.set_defaults(func=_cmd_exposure)


def adlb_columns(spec: dict) -> list[str]:
    """The ADLB variables the outputs of `run_all` use (the spec's grade, term and eDISH
    variables among them); the other variables of ADLB are not read.

    >>> adlb_columns(load_spec())[-4:]
    ['BTOXGRL', 'ATOXGRL', 'ATOXDSCL', 'R2ANRHI']
    """
    cols = ["USUBJID", "PARAMCD", "PARAM", "ABLFL", "ADY", "DTYPE", "AVAL", "BASE", "ANRHI"]
    for d in spec["directions"].values():
        cols += [d["baseline"], d["post"], d.get("term")]
    e = spec["edish"]
    cols += [e.get("ratio_var", "R2ANRHI"), e.get("uln_var", "ANRHI")]
    return list(dict.fromkeys(c for c in cols if c))


def run_all(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path) -> list[Path]:
    """Every lab-safety output of a study from its ADaM folder (adsl, adlb, adex .xpt)."""
    from analysis.efficacy.inputs import read_columns

    adam_dir = Path(adam_dir)
    spec = load_spec(spec_path)
    trt, pop = spec.get("treatment", "TRT01A"), spec.get("population", "SAFFL")
    adsl = read_dataset(adam_dir / "adsl.xpt", "ADSL")
    adlb = read_columns(adam_dir / "adlb.xpt", "ADLB", adlb_columns(spec))
    params, scale = ctcae_params(spec), ctcae_scale(spec)
    te = spec["te_abnormal"]
    results = [
        shift_table(adsl, adlb, params, scale, trt, pop, "lab_shift_ctcae",
                    "Shift from baseline CTCAE grade to worst post-baseline grade"),
        te_lab_abnormalities(adsl, adlb, params, scale, str(te["severe_grade"]), trt, pop,
                             float(te.get("conf", 0.95))),
    ]
    e = spec["edish"]
    variants = [(e["reference"], "")]
    if e.get("baseline_variant") and e["reference"] != "baseline":
        variants.append(("baseline", "_bl"))
    for reference, suffix in variants:
        results += edish_outputs(adsl, adlb, out_dir, e["alt"], e["bili"], trt, pop, reference,
                                 float(e["alt_threshold"]), float(e["bili_threshold"]),
                                 e.get("ratio_var", "R2ANRHI"), e.get("uln_var", "ANRHI"),
                                 ids={"figure": f"edish{suffix}", "table": f"edish{suffix}_quadrants",
                                      "listing": f"l_hys_law{suffix}"})
    ex = spec["exposure"]
    adex_path = adam_dir / "adex.xpt"
    adex = read_dataset(adex_path, "ADEX") if ex.get("source", "adex") == "adex" else None
    results.append(exposure_summary(adsl, exposure_variables(spec), adex, ex.get("source", "adex"),
                                    trt, pop))
    return _write(results, out_dir)
