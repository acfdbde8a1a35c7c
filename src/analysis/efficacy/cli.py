"""Command line of the efficacy-by-visit outputs and `run_all` for every output of a study.

- ``analysis efficacy-summary --adsl adsl.xpt --data adlb.xpt --params ALT,AST --out out/``
- ``analysis efficacy-mmrm --adsl adsl.xpt --data adrs.xpt --params MELD --out out/``
- ``analysis efficacy-ancova --adsl adsl.xpt --data adqs.xpt --params SF36PCS --visit "WEEK 12" --out out/``
- ``analysis efficacy-outputs --adam outputs/full/adam --out out/`` (= `run_all`, with an index)

Options left out come from the spec (--spec, default specs/analysis/efficacy.yaml); a PARAMCD
not in the spec is summarised/modelled on the identity scale with 1 decimal unless --scale and
--digits say otherwise. Any BDS dataset with USUBJID, PARAMCD, AVAL, BASE, CHG, ABLFL, ANL01FL,
AVISIT and AVISITN works.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from analysis.errors import UserError


def _codes(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def population_groups(adsl, treatment: str, population: str, fallback: str | None = None):
    """(Groups, notes): the population split by treatment; `fallback` is used (and said) only when
    ADSL lacks `population`.

    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"], "SAFFL": ["Y", "Y"]})
    >>> g, notes = population_groups(adsl, "TRT01A", "EFFFL", "SAFFL")
    >>> g.population, notes
    ('SAFFL', ['ADSL has no EFFFL: the SAFFL population is used instead (spec population_fallback).'])
    """
    from analysis.stats.groups import analysis_groups

    notes = []
    if population not in adsl.columns:
        if not fallback:
            raise UserError(f"ADSL: population flag {population} missing (no population_fallback in the spec)")
        if fallback not in adsl.columns:
            raise UserError(f"ADSL: population flag {population} missing, and its fallback {fallback} too")
        notes.append(f"ADSL has no {population}: the {fallback} population is used instead "
                     "(spec population_fallback).")
        population = fallback
    return analysis_groups(adsl, treatment, population), notes


def _param_results(data, dataset: str, groups, param, spec: dict, options, out_dir, visits=None,
                   desc: bool = True, model: bool = True, pop_notes=()):
    """Descriptive table and (for modelled parameters) MMRM table + plot of one parameter."""
    from .config import excluded_visits
    from .descriptive import descriptive_table
    from .mmrm_table import mmrm_table
    from .model import fit_change_model
    from .plot import mmrm_plot
    from .records import param_records

    recs = param_records(data, groups, param, dataset, excluded_visits(spec))
    recs.notes[:0] = list(pop_notes)
    out = []
    if desc:
        out.append(descriptive_table(recs, groups, blq_warning=float(spec.get("blq_warning_fraction", 0.5))))
    if model:
        fitted = fit_change_model(recs, groups.levels, options, visits)
        out.append(mmrm_table(fitted, recs, groups))
        out.append(mmrm_plot(fitted, recs, out_dir, groups.treatment))
    return recs, out


def _write(results, out_dir) -> list[Path]:
    from analysis.tlf import write_result

    written: list[Path] = []
    for result in results:
        written += write_result(result, out_dir)
    return written


def _dataset_name(args) -> str:
    return (args.dataset or Path(args.data).stem).upper()


def _setup(args):
    from analysis.xpt import read_analysis_dataset

    from .config import load_spec, param_specs

    spec = load_spec(args.spec)
    name = _dataset_name(args)
    adsl = read_analysis_dataset(args.adsl, "ADSL")
    data = read_analysis_dataset(args.data, name)
    groups, notes = population_groups(adsl, args.treatment or spec["treatment"],
                                      args.population or spec["population"],
                                      spec.get("population_fallback"))
    params = param_specs(spec, _codes(args.params), name)
    if not params:
        raise UserError(f"{name}: no parameters: give --params (the spec lists none for {name})")
    changes = {k: v for k, v in (("scale", args.scale), ("digits", args.digits)) if v is not None}
    params = [dataclasses.replace(p, dataset=name, **changes) for p in params]
    return spec, adsl, data, name, groups, params, notes


def _options(spec, args):
    from .config import STRUCTURES, model_options

    options = model_options(spec)
    changes = {}
    if getattr(args, "covariance", None):
        order = tuple(s.upper() for s in _codes(args.covariance))
        bad = [s for s in order if s not in STRUCTURES]
        if bad:
            raise UserError(f"--covariance: unknown structure(s) {', '.join(bad)}; known: {', '.join(STRUCTURES)}")
        changes["order"] = order
    if getattr(args, "df", None):
        changes["df"] = args.df
    return dataclasses.replace(options, **changes)


def _cmd_summary(args) -> None:
    spec, _, data, name, groups, params, notes = _setup(args)
    results = []
    for p in params:
        results += _param_results(data, name, groups, p, spec, None, args.out, model=False, pop_notes=notes)[1]
    _write(results, args.out)


def _cmd_mmrm(args) -> None:
    from .config import dataset_visits

    spec, _, data, name, groups, params, notes = _setup(args)
    options = _options(spec, args)
    visits = _codes(args.visits) or dataset_visits(spec, name)
    results = []
    for p in params:
        results += _param_results(data, name, groups, p, spec, options, args.out, visits, desc=False,
                                  pop_notes=notes)[1]
    _write(results, args.out)


def _cmd_ancova(args) -> None:
    from .ancova_table import ancova_table, dose_scores
    from .config import excluded_visits, model_options
    from .records import param_records

    spec, _adsl, data, name, groups, params, _ = _setup(args)
    recs = [param_records(data, groups, p, name, excluded_visits(spec)) for p in params]
    doses = dose_scores(groups.subjects, groups, args.dose_variable or spec.get("dose_variable", "TRT01AN"))
    visit = args.visit or spec["primary_visit"]
    _write([ancova_table(recs, groups, doses, visit, model_options(spec).conf, args.id or "eff_ancova")], args.out)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adsl", required=True, help="ADSL (XPT or CSV): population, treatment, big N")
    p.add_argument("--data", required=True, help="BDS dataset (XPT or CSV), e.g. adlb.xpt, adrs.xpt, adqs.xpt")
    p.add_argument("--dataset", default=None, help="dataset name for messages and the spec (default: file name, e.g. ADLB)")
    p.add_argument("--params", default=None, help="comma-separated PARAMCDs (default: the spec's parameters of the dataset)")
    p.add_argument("--treatment", default=None, help="treatment variable (default: spec, TRT01A)")
    p.add_argument("--population", default=None, help="population flag (default: spec, EFFFL)")
    p.add_argument("--scale", choices=["identity", "log"], default=None,
                   help="analysis scale for every parameter given (default: spec, else identity)")
    p.add_argument("--digits", type=int, default=None, help="decimals of the recorded values (default: spec, else 1)")
    p.add_argument("--spec", default=None, help="efficacy spec (default specs/analysis/efficacy.yaml)")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written in it)")


def register(subparsers) -> None:
    """Add efficacy-summary, efficacy-mmrm and efficacy-ancova."""
    p = subparsers.add_parser(
        "efficacy-summary", help="by-visit descriptive summary per parameter and dose group (+ Total)",
        description="n, mean (SD), median, Q1-Q3 (SAS QNTLDEF=5), min-max of AVAL and CHG by analysis "
                    "visit and dose group; geometric means on the log scale; n (%%) < LLOQ where BLQFL "
                    "exists. Writes eff_desc_<paramcd>. Example: analysis efficacy-summary --adsl adsl.xpt "
                    "--data adlb.xpt --params ALT,ALB --out out/")
    _common(p)
    p.set_defaults(func=_cmd_summary)

    p = subparsers.add_parser(
        "efficacy-mmrm", help="MMRM of change from baseline by visit (LS means, differences vs lowest dose, plot)",
        description="CHG ~ BASE + TRT*AVISIT, repeated AVISIT within USUBJID, REML, covariance by "
                    "fallback order. Writes eff_mmrm_<paramcd> (table + ARD) and eff_mmrm_<paramcd>_plot "
                    "(PNG/SVG). Example: analysis efficacy-mmrm --adsl adsl.xpt --data adrs.xpt "
                    "--params MELD,CPSCORE --covariance TOEPH,AR1H,CS --df kenward-roger --out out/")
    _common(p)
    p.add_argument("--visits", default=None,
                   help='comma-separated model visits, e.g. "WEEK 12,WEEK 20" (default: spec, else every '
                        "post-baseline analysis visit in the data)")
    p.add_argument("--covariance", default=None,
                   help="covariance fallback order, e.g. UN,TOEPH,AR1H,CS (default: spec)")
    p.add_argument("--df", default=None, choices=["kenward-roger", "kenward-roger-linear", "satterthwaite",
                                                  "residual", "between-within"],
                   help="denominator df method (default: spec, kenward-roger)")
    p.set_defaults(func=_cmd_mmrm)

    p = subparsers.add_parser(
        "efficacy-ancova", help="ANCOVA of change from baseline at one visit, with a dose-response contrast",
        description="CHG ~ TRT + BASE at one visit per parameter: LS means, differences vs the lowest "
                    "dose, linear dose-response contrast (centred dose scores). Example: analysis "
                    'efficacy-ancova --adsl adsl.xpt --data adqs.xpt --params SF36PCS,SF36MCS --visit "WEEK 12" --out out/')
    _common(p)
    p.add_argument("--visit", default=None, help="analysis visit (default: spec primary_visit)")
    p.add_argument("--dose-variable", default=None, help="ADSL numeric dose (default: spec, TRT01AN)")
    p.add_argument("--id", default=None, help="analysis_id (default eff_ancova)")
    p.set_defaults(func=_cmd_ancova)


# Variables of a BDS dataset that the efficacy outputs use (records.REQUIRED, BASE and CHG for
# the change, PARAM for titles, BLQFL for the LLOQ counts); the rest of ADLB is not read.
BDS_COLUMNS = ["USUBJID", "PARAMCD", "PARAM", "AVAL", "BASE", "CHG", "ABLFL", "ANL01FL", "AVISIT",
               "AVISITN", "BLQFL"]
ANCOVA_PART = "ancova"


def parts(spec_path: str | Path | None) -> list[str]:
    """The independent pieces of `run_all`, from the spec alone: ``param:<PARAMCD>`` per
    parameter in spec order (descriptive table, and model table + plot when modelled), then
    ``ancova`` (over the modelled parameters) when any is modelled.

    >>> parts(None)[:2], parts(None)[-1], len(parts(None))
    (['param:ALT', 'param:AST'], 'ancova', 58)
    """
    from .config import load_spec, param_specs

    params = param_specs(load_spec(spec_path))
    return [f"param:{p.paramcd}" for p in params] + ([ANCOVA_PART] if any(p.modelled for p in params) else [])


class _Study:
    """What the parts of one run share: the spec, the population groups and each BDS dataset
    split by PARAMCD, read once when a part first needs it. A parameter's records are handed
    out once (then dropped, so memory shrinks as the run goes); the ANCOVA keeps only the
    primary-visit records of the modelled parameters."""

    def __init__(self, adam_dir: str | Path, spec_path: str | Path | None):
        from analysis.xpt import read_analysis_dataset

        from .config import load_spec, model_options, param_specs

        self.adam_dir = Path(adam_dir)
        self.spec = load_spec(spec_path)
        self.options = model_options(self.spec)
        self.params = {p.paramcd: p for p in param_specs(self.spec)}
        adsl = read_analysis_dataset(self.adam_dir / "adsl.xpt", "ADSL")
        self.groups, self.notes = population_groups(adsl, self.spec["treatment"], self.spec["population"],
                                                    self.spec.get("population_fallback"))
        self._rows: dict[str, dict] = {}
        self._empty: dict = {}
        self._at_primary: dict = {}

    def param_data(self, p):
        """The records of `p` (no rows, but the dataset's variables, when it has none)."""
        from .inputs import read_columns, split_by

        if p.dataset not in self._rows:
            data = read_columns(self.adam_dir / f"{self.spec['datasets'][p.dataset]}.xpt", p.dataset,
                                BDS_COLUMNS)
            wanted = {q.paramcd for q in self.params.values() if q.dataset == p.dataset}
            split = split_by(data, "PARAMCD") if "PARAMCD" in data else {}
            self._rows[p.dataset] = {code: rows for code, rows in split.items() if code in wanted}
            self._empty[p.dataset] = data.iloc[:0]
        return self._rows[p.dataset].pop(p.paramcd, self._empty[p.dataset])

    def keep_for_ancova(self, recs) -> None:
        visit = str(self.spec["primary_visit"])
        post = recs.post[recs.post["AVISIT"] == visit]
        self._at_primary[recs.param.paramcd] = dataclasses.replace(recs, baseline=recs.baseline.iloc[:0],
                                                                   post=post)

    def ancova_records(self, p):
        """The records the ANCOVA needs of modelled parameter `p` (made here when no part of
        this run has made them)."""
        from .config import excluded_visits
        from .records import param_records

        if p.paramcd not in self._at_primary:
            self.keep_for_ancova(param_records(self.param_data(p), self.groups, p, p.dataset,
                                               excluded_visits(self.spec)))
        return self._at_primary[p.paramcd]


def _run_param(study: _Study, code: str, out_dir) -> list[Path]:
    from .config import dataset_visits

    p = study.params[code]
    recs, results = _param_results(study.param_data(p), p.dataset, study.groups, p, study.spec, study.options,
                                   out_dir, dataset_visits(study.spec, p.dataset), model=p.modelled,
                                   pop_notes=study.notes)
    if p.modelled:
        study.keep_for_ancova(recs)
    return _write(results, out_dir)


def _run_ancova(study: _Study, out_dir) -> list[Path]:
    from .ancova_table import ancova_table, dose_scores

    modelled = [study.ancova_records(p) for p in study.params.values() if p.modelled]
    doses = dose_scores(study.groups.subjects, study.groups, study.spec.get("dose_variable", "TRT01AN"))
    return _write([ancova_table(modelled, study.groups, doses, str(study.spec["primary_visit"]),
                                study.options.conf)], out_dir)


def _run_part(study: _Study, part: str, out_dir) -> list[Path]:
    kind, _, code = part.partition(":")
    if kind == "param" and code in study.params:
        return _run_param(study, code, out_dir)
    if part == ANCOVA_PART and any(p.modelled for p in study.params.values()):
        return _run_ancova(study, out_dir)
    raise UserError(f"efficacy: unknown part {part!r}; the spec's parts are param:<PARAMCD> of its "
                    f"parameters and {ANCOVA_PART} (see analysis.efficacy.cli.parts)")


def run_part(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path, part: str) -> list[Path]:
    """The outputs of one piece of `parts` (the same bytes `run_all` writes for it), reading
    only the datasets that piece needs; returns the files written."""
    return _run_part(_Study(adam_dir, spec_path), part, out_dir)


def run_all(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path) -> list[Path]:
    """Every efficacy output of the spec's parameters from an ADaM folder: eff_desc_<p> for all,
    eff_mmrm_<p> and eff_mmrm_<p>_plot for the modelled ones, eff_ancova over the modelled ones
    (= `run_part` over `parts`, sharing the datasets read)."""
    study = _Study(adam_dir, spec_path)
    written: list[Path] = []
    for part in parts(spec_path):
        written += _run_part(study, part, out_dir)
    return written
