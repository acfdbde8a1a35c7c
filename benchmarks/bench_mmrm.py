"""Benchmark: our UN REML MMRM fit against R nlme::gls on a large simulated trial.

Run on purpose (not part of the tests):

    python benchmarks/bench_mmrm.py [--subjects 2000] [--visits 10] [--seed 1] [--no-r]

Simulates subjects x visits with an unstructured covariance (heterogeneous variances,
correlation decaying with lag), two arms, a baseline covariate and sex, then MAR dropout (the
hazard rises with the previous value) plus 5% intermittent missing visits. Times
`fit_mmrm("Y ~ ARM*VISIT + BASE + SEX", covariance="UN", df="satterthwaite")` including the
Satterthwaite df of every coefficient and the LS-mean differences per visit. If Rscript with
nlme is on the PATH, fits the same model with
`gls(..., correlation = corSymm(), weights = varIdent(), method = "REML")` on the same data
(written to CSV) and compares estimates, SEs, -2 log-likelihood and the covariance matrix.
Appends one row per engine to benchmarks/results/mmrm.csv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "mmrm.csv"
FORMULA = "Y ~ ARM*VISIT + BASE + SEX"
FACTORS = ("ARM", "VISIT", "SEX")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(nlme))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]], stringsAsFactors = FALSE)
d$ARM <- factor(d$ARM, levels = c("PBO", "TRT"))
d$VISIT <- factor(d$VISIT, levels = sort(unique(d$VISIT)))
d$SEX <- factor(d$SEX, levels = c("F", "M"))
d$VISNUM <- as.integer(d$VISIT)
d <- d[order(d$USUBJID, d$VISIT), ]
elapsed <- system.time(
  fit <- gls(Y ~ ARM * VISIT + BASE + SEX, data = d,
             correlation = corSymm(form = ~ VISNUM | USUBJID),
             weights = varIdent(form = ~ 1 | VISIT), method = "REML", na.action = na.omit)
)[["elapsed"]]
full_id <- names(which(table(d$USUBJID) == nlevels(d$VISIT)))[1]
V <- as.matrix(getVarCov(fit, individual = full_id))
out <- rbind(
  data.frame(quantity = "coef", row = names(coef(fit)), col = "", value = unname(coef(fit))),
  data.frame(quantity = "se", row = names(coef(fit)), col = "",
             value = unname(sqrt(diag(vcov(fit))))),
  data.frame(quantity = "neg2ll", row = "", col = "", value = -2 * as.numeric(logLik(fit))),
  data.frame(quantity = "seconds", row = "", col = "", value = elapsed),
  data.frame(quantity = "cov", row = rep(levels(d$VISIT), each = nrow(V)),
             col = rep(levels(d$VISIT), times = nrow(V)), value = as.vector(t(V)))
)
write.csv(out, args[[2]], row.names = FALSE)
"""


def simulate(n_subjects: int, n_visits: int, seed: int) -> pd.DataFrame:
    """Long data: USUBJID, VISIT (V01..), ARM, SEX, BASE, Y (NaN where missing)."""
    rng = np.random.default_rng(seed)
    m = n_visits
    sd = 4.0 + 0.6 * np.arange(m)
    lag = np.abs(np.subtract.outer(np.arange(m), np.arange(m)))
    corr = 0.25 + 0.65 * 0.8 ** lag
    np.fill_diagonal(corr, 1.0)
    sigma = corr * np.outer(sd, sd)
    arm = rng.integers(0, 2, n_subjects)
    sex = rng.choice(["F", "M"], n_subjects, p=[0.45, 0.55])
    base = rng.normal(50, 8, n_subjects)
    mean = (40 + 0.5 * (base[:, None] - 50) + 1.2 * np.arange(m)[None, :]
            + arm[:, None] * np.linspace(0.5, 4.0, m)[None, :] + (sex == "M")[:, None] * 1.5)
    y = mean + rng.multivariate_normal(np.zeros(m), sigma, n_subjects)
    observed = np.ones((n_subjects, m), dtype=bool)
    for j in range(1, m):  # MAR dropout driven by the previous (observed) value
        z = -3.2 + 0.08 * (y[:, j - 1] - mean[:, j - 1])
        drop = rng.random(n_subjects) < 1 / (1 + np.exp(-z))
        observed[:, j] = observed[:, j - 1] & ~drop
    observed &= rng.random((n_subjects, m)) > 0.05  # intermittent
    y = np.where(observed, y, np.nan)
    visits = [f"V{j + 1:02d}" for j in range(m)]
    return pd.DataFrame({
        "USUBJID": np.repeat([f"S{i:05d}" for i in range(n_subjects)], m),
        "VISIT": np.tile(visits, n_subjects),
        "ARM": np.repeat(np.where(arm == 1, "TRT", "PBO"), m),
        "SEX": np.repeat(sex, m),
        "BASE": np.repeat(base, m),
        "Y": y.ravel(),
    })


def r_to_patsy(name: str) -> str:
    if name == "(Intercept)":
        return "Intercept"
    parts = []
    for part in name.split(":"):
        factor = next((f for f in FACTORS if part.startswith(f) and part != f), None)
        parts.append(f"{factor}[T.{part[len(factor):]}]" if factor else part)
    return ":".join(parts)


def fit_ours(data: pd.DataFrame):
    from analysis.stats import fit_mmrm  # imported before the clock starts

    t0 = time.perf_counter()
    fit = fit_mmrm(FORMULA, data, subject="USUBJID", visit="VISIT",
                   reference={"ARM": "PBO", "SEX": "F"})
    t_fit = time.perf_counter() - t0
    diffs = fit.lsmean_diffs("ARM", by="VISIT")
    return fit, diffs, t_fit, time.perf_counter() - t0


def fit_nlme(data: pd.DataFrame, workdir: Path):
    csv_in, csv_out, script = workdir / "data.csv", workdir / "nlme.csv", workdir / "fit.R"
    data.to_csv(csv_in, index=False)
    script.write_text(R_SCRIPT)
    t0 = time.perf_counter()
    subprocess.run(["Rscript", str(script), str(csv_in), str(csv_out)], check=True)
    wall = time.perf_counter() - t0
    return pd.read_csv(csv_out, keep_default_na=False, na_values=[]), wall


def max_rel(ours: pd.Series, ref: pd.Series) -> float:
    ref = ref.reindex(ours.index)
    return float((np.abs(ours - ref) / np.maximum(np.abs(ref), 1.0)).max())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--visits", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-r", action="store_true", help="skip nlme even if R is installed")
    args = ap.parse_args(argv)

    data = simulate(args.subjects, args.visits, args.seed)
    n_obs = int(data["Y"].notna().sum())
    print(f"simulated {args.subjects} subjects x {args.visits} visits, {n_obs} observed "
          f"({1 - n_obs / len(data):.1%} missing)")
    fit, diffs, t_fit, t_total = fit_ours(data)
    print(f"ours: fit + Satterthwaite {t_fit:.2f} s, with LS-mean differences {t_total:.2f} s; "
          f"{fit.n_iter} iterations, converged={fit.converged}, -2RLL {fit.neg2_loglik:.4f}")
    print(diffs.tail(1).to_string(index=False))
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    base = {"timestamp": stamp, "subjects": args.subjects, "visits": args.visits,
            "observations": n_obs, "cores": os.cpu_count(), "seed": args.seed}
    rows = [{**base, "engine": "analysis.stats", "seconds": round(t_fit, 3),
             "wall_seconds": round(t_total, 3), "neg2_loglik": round(fit.neg2_loglik, 6),
             "converged": fit.converged}]

    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            ref, wall = fit_nlme(data, Path(tmp))
        coef = ref[ref.quantity == "coef"].set_index("row")["value"].rename(index=r_to_patsy)
        se = ref[ref.quantity == "se"].set_index("row")["value"].rename(index=r_to_patsy)
        cov = ref[ref.quantity == "cov"].pivot(index="row", columns="col", values="value")
        ours_cov = fit.covariance.loc[cov.index, cov.columns].to_numpy()
        secs = float(ref.loc[ref.quantity == "seconds", "value"].item())
        neg2 = float(ref.loc[ref.quantity == "neg2ll", "value"].item())
        cmp = {"max_rel_diff_coef": max_rel(fit.params, coef),
               "max_rel_diff_se": max_rel(fit.bse, se),
               "max_rel_diff_cov": float(np.abs(ours_cov - cov.to_numpy()).max()
                                         / np.abs(cov.to_numpy()).max()),
               "diff_neg2_loglik": fit.neg2_loglik - neg2}
        print(f"nlme::gls: {secs:.1f} s (Rscript wall {wall:.1f} s), -2RLL {neg2:.4f}; "
              f"speed-up {secs / t_fit:.0f}x")
        print("  " + ", ".join(f"{k} {v:.2e}" for k, v in cmp.items()))
        rows[0].update({k: f"{v:.3e}" for k, v in cmp.items()}, speedup=round(secs / t_fit, 1))
        rows.append({**base, "engine": "nlme::gls", "seconds": round(secs, 3),
                     "wall_seconds": round(wall, 3), "neg2_loglik": round(neg2, 6),
                     "converged": True})
    else:
        print("Rscript not found (or --no-r): nlme comparison skipped")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    fields = ["timestamp", "subjects", "visits", "observations", "cores", "seed", "engine",
              "seconds", "wall_seconds", "neg2_loglik", "converged", "max_rel_diff_coef",
              "max_rel_diff_se", "max_rel_diff_cov", "diff_neg2_loglik", "speedup"]
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        if new:
            w.writeheader()
        w.writerows(rows)
    print(f"appended {len(rows)} row(s) to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
