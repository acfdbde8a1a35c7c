"""Command line of the cytokine outputs: `analysis cytokine-summary | cytokine-auc | cytokine-model |
cytokine-figures`, and `run_all` for every output of a study in one call (one Snakemake job)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.xpt import read_analysis_dataset as read_dataset

from .config import cycles_frame, load_spec, param_list, predose_time, schedule_frame
from .records import REQUIRED, CytokineRecords, cytokine_records, param_labels


@dataclass
class Context:
    """Everything the outputs share: spec, groups, schedule, cycles, records, labels."""

    spec: dict
    groups: object
    schedule: pd.DataFrame
    cycles: pd.DataFrame
    recs: CytokineRecords
    paramcds: list[str]
    labels: dict[str, str]

    @property
    def conf(self) -> float:
        return float(self.spec["conf_level"])

    @property
    def predose(self) -> str:
        return predose_time(self.spec)


def build_context(adsl: pd.DataFrame, adcyt: pd.DataFrame, spec: dict, treatment: str | None = None,
                  population: str | None = None, params: list[str] | None = None) -> Context:
    """Groups from ADSL and the scheduled ADCYT records for the requested cytokines."""
    from analysis.stats.groups import analysis_groups

    groups = analysis_groups(adsl, treatment or spec["treatment"], population or spec["population"],
                             total=bool(spec.get("total", True)))
    schedule = schedule_frame(spec)
    paramcds = param_list(spec, params)
    recs = cytokine_records(adcyt, groups, schedule, paramcds, str(spec.get("analysis_flag", "ANL01FL") or ""))
    bad = recs.data[recs.data["AVAL"] <= 0]
    if not bad.empty:
        from analysis.errors import UserError
        r = bad.iloc[0]
        raise UserError(f"ADCYT: AVAL <= 0 cannot be log-transformed (subject {r['USUBJID']}, {r['PARAMCD']}, "
                        f"{r['ATPTREF']} {r['AVISIT']})")
    labels = param_labels(adcyt, paramcds)
    return Context(spec, groups, schedule, cycles_frame(spec), recs, paramcds, labels)


def summary_results(ctx: Context) -> list:
    """One `cyt_summary_<paramcd>` table per cytokine."""
    from .summary import cytokine_summary

    s = ctx.spec
    return [cytokine_summary(ctx.recs, ctx.groups, ctx.schedule, p, ctx.labels[p], predose_time=ctx.predose,
                             conf=ctx.conf, digits=(s.get("digits") or {}).get(p), fc_digits=int(s.get("fc_digits", 2)),
                             cv_digits=int(s.get("cv_digits", 1)), blq_max=float(s.get("blq_max_fraction", 0.5)))
            for p in ctx.paramcds]


def auc_results(ctx: Context) -> list:
    """The `cyt_auc` table and the `cyt_auc_subject` listing."""
    from .auc import auc_outputs, subject_aucs

    a = ctx.spec["auc"]
    source = a.get("time_source", "actual")
    aucs = subject_aucs(ctx.recs.data, ctx.schedule, a["first_time"], a["last_time"], source)
    return list(auc_outputs(aucs, ctx.groups, ctx.cycles, ctx.paramcds, ctx.labels, ctx.conf, source))


def model_results(ctx: Context) -> list:
    """The `cyt_model` table (one mixed model per cytokine)."""
    from .model import fit_cytokine_model, model_dataset, model_table

    m = ctx.spec["model"]
    order = tuple(m.get("order", ("AR1H", "AR1", "CS")))
    fits = {p: fit_cytokine_model(model_dataset(ctx.recs, p, ctx.schedule, ctx.groups.levels, ctx.predose),
                                  order=order, df=m.get("df", "satterthwaite"), weights=m.get("weights", "equal"),
                                  conf=ctx.conf)
            for p in ctx.paramcds}
    return [model_table(fits, ctx.groups, ctx.labels, ctx.conf, order=order)]


def figure_results(ctx: Context, out_dir) -> list:
    """Spaghetti plot per cytokine and the fold-change heatmap (files written to out_dir/tlf)."""
    from .figures import heatmap, spaghetti_plot

    trt = ctx.groups.treatment
    out = [spaghetti_plot(ctx.recs, p, ctx.labels[p], ctx.groups.levels, ctx.cycles, out_dir, trt)
           for p in ctx.paramcds]
    out.append(heatmap(ctx.recs, ctx.paramcds, ctx.schedule, ctx.groups.levels, ctx.predose, out_dir, trt))
    return out


def _write(results, out_dir) -> list[Path]:
    from analysis.tlf import write_result

    written = []
    for result in results:
        written += write_result(result, out_dir)
    return written


def _codes(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _context(args) -> Context:
    spec = load_spec(args.spec)
    return build_context(read_dataset(args.adsl, "ADSL"), read_adcyt(args.adcyt, spec), spec,
                         args.treatment, args.population, _codes(args.params))


def _cmd(kind: str):
    def run(args) -> None:
        ctx = _context(args)
        if kind == "summary":
            results = summary_results(ctx)
        elif kind == "auc":
            results = auc_results(ctx)
        elif kind == "model":
            results = model_results(ctx)
        else:
            results = figure_results(ctx, args.out)
        _write(results, args.out)
    return run


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adsl", required=True, help="ADSL (XPT or CSV): population, treatment, big N")
    p.add_argument("--adcyt", required=True, help="ADCYT (XPT or CSV)")
    p.add_argument("--treatment", default=None, help="treatment variable (default: spec, TRT01A)")
    p.add_argument("--population", default=None, help="population flag (default: spec, SAFFL)")
    p.add_argument("--params", default=None, help="comma-separated raw cytokine PARAMCDs (default: the spec's list)")
    p.add_argument("--spec", default=None, help="cytokine spec (default specs/analysis/cytokines.yaml)")
    p.add_argument("--out", required=True, help="output folder (ard/ and tlf/ are written in it)")


COMMANDS = {
    "cytokine-summary": ("summary", "per-cytokine summary by dose group x cycle x nominal time (cyt_summary_<paramcd>)"),
    "cytokine-auc": ("auc", "AUC per subject and infusion cycle, summarised by dose group (cyt_auc, cyt_auc_subject)"),
    "cytokine-model": ("model", "mixed model of the log fold change vs cycle pre-dose, per cytokine (cyt_model)"),
    "cytokine-figures": ("figures", ("spaghetti plots per cytokine and the fold-change heatmap (cyt_spaghetti_*, "
                                    "cyt_heatmap)")),
}


def register(subparsers) -> None:
    """Add cytokine-summary, cytokine-auc, cytokine-model and cytokine-figures to the command line."""
    for name, (kind, help_text) in COMMANDS.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text + ". Example: analysis "
                                  f"{name} --adsl adsl.xpt --adcyt adcyt.xpt --out out/")
        _common(p)
        p.set_defaults(func=_cmd(kind))


def read_adcyt(path: str | Path, spec: dict) -> pd.DataFrame:
    """ADCYT with only the variables the outputs use (the project's vectorised XPT reader with
    `columns`: the 49 variables of the full dataset through pyreadstat took ~20 times the time
    and three times the memory). A CSV is read whole; a variable the file lacks is left out here
    and reported by `cytokine_records` as for the full dataset.
    """
    import pyreadstat

    path = Path(path)
    if path.suffix.lower() == ".csv" or not path.is_file():
        return read_dataset(path, "ADCYT")
    flag = str(spec.get("analysis_flag", "ANL01FL") or "")
    wanted = set(REQUIRED + ["PARAM"] + ([flag] if flag else []))
    try:
        _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
        present = [c for c in meta.column_names if c in wanted]
    except (OSError, ValueError, pyreadstat.PyreadstatError, pyreadstat.ReadstatError):
        return read_dataset(path, "ADCYT")  # unreadable: the reader's one-line UserError
    return read_dataset(path, "ADCYT", columns=present)


def parts(spec_path: str | Path | None = None) -> list[str]:
    """The independent pieces of `run_all`, in its order, from the spec alone (no data read): each
    can run as its own job (`run_part`); "model" is one piece because `cyt_model` is one table
    over all cytokines.

    >>> parts()
    ['summary', 'auc', 'model', 'figures']
    """
    load_spec(spec_path)  # a broken spec fails here, before any job is planned
    return list(PARTS)


# part -> the function making its results from a Context (and the output folder, for figures)
PARTS = {
    "summary": lambda ctx, out_dir: summary_results(ctx),
    "auc": lambda ctx, out_dir: auc_results(ctx),
    "model": lambda ctx, out_dir: model_results(ctx),
    "figures": figure_results,
}


def run_parts(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path,
              names: list[str]) -> list[Path]:
    """The outputs of the parts `names` (see `parts`) with one read of ADSL and ADCYT; a shard of
    parts in one job pays the reading once."""
    unknown = [n for n in names if n not in PARTS]
    if unknown:
        raise ValueError(f"unknown cytokine part(s) {', '.join(unknown)}; known: {', '.join(PARTS)}")
    adam_dir = Path(adam_dir)
    spec = load_spec(spec_path)
    ctx = build_context(read_dataset(adam_dir / "adsl.xpt", "ADSL"), read_adcyt(adam_dir / "adcyt.xpt", spec), spec)
    written: list[Path] = []
    for name in names:
        # written part by part, so the figures and tables of a finished part free their memory
        written += _write(PARTS[name](ctx, out_dir), out_dir)
    return written


def run_part(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path, part: str) -> list[Path]:
    """Exactly the files `run_all` writes for one part (same names and bytes)."""
    return run_parts(adam_dir, spec_path, out_dir, [part])


def run_all(adam_dir: str | Path, spec_path: str | Path | None, out_dir: str | Path) -> list[Path]:
    """Every cytokine output of a study from its ADaM folder (adsl.xpt, adcyt.xpt): `run_part`
    over `parts`, sharing one read of the data."""
    return run_parts(adam_dir, spec_path, out_dir, parts(spec_path))
