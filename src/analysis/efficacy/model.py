"""MMRM of the change from baseline of one parameter:

    CHG ~ BASE + TRT * AVISIT,  repeated AVISIT within USUBJID, REML,

with TRT the dose group (a factor; reference = the lowest dose) and AVISIT the post-baseline
analysis visits (a factor; reference = the first). On the log scale CHG = ln(AVAL) - ln(BASE) and
BASE = ln(BASE). The covariance structure is the first of the spec's order that converges
(`analysis.stats.fit_with_fallback`); every attempt is kept. LS means and differences come
from the fit with the spec's df method (Kenward-Roger by default).
A parameter that cannot be fitted gives a `ChangeModel` with ``fit = None`` and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .config import ModelOptions
from .records import ParamRecords

FORMULA = "CHG ~ BASE + TRT * AVISIT"


@dataclass
class ChangeModel:
    """A fitted (or unfittable) change model with its LS means and differences vs reference."""

    data: pd.DataFrame
    levels: list[str]
    visits: list[str]
    fit: object | None
    attempts: list[dict]
    status: str
    options: ModelOptions
    notes: list[str] = field(default_factory=list)
    lsmeans: pd.DataFrame | None = None
    diffs: pd.DataFrame | None = None

    @property
    def fitted(self) -> bool:
        return self.fit is not None

    @property
    def reference(self) -> str:
        return self.levels[0] if self.levels else ""


def model_dataset(recs: ParamRecords, levels: list[str], visits: list[str] | None = None,
                  min_per_cell: int = 1) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows the model uses (USUBJID, TRT, AVISIT, BASE, CHG on the analysis scale), the
    model visits in order, and notes on what was left out.

    A visit enters when it is in `visits` (default: all post-baseline analysis visits of the
    parameter) and every dose group with data has >= `min_per_cell` subjects there.

    >>> from analysis.efficacy.config import ParamSpec
    >>> post = pd.DataFrame({"USUBJID": ["1", "2", "1", "2"], "_GROUP": ["A", "B", "A", "B"],
    ...     "AVISIT": ["W1", "W1", "W2", "W2"], "AVISITN": [1, 1, 2, 2],
    ...     "_BASE": [1.0, 2.0, 1.0, 2.0], "_CHG": [0.5, 0.1, float("nan"), 0.3]})
    >>> recs = ParamRecords(ParamSpec("ADXX", "X"), "X", post.iloc[:0], post, ["W1", "W2"], False)
    >>> data, vis, notes = model_dataset(recs, ["A", "B"])
    >>> data["CHG"].tolist(), vis, notes
    ([0.5, 0.1], ['W1'], ['X: 1 post-baseline record(s) without a change from baseline or baseline value not modelled.', 'X: visit(s) W2 not modelled: a dose group has fewer than 1 subject(s) there.'])
    """
    code = recs.param.paramcd
    post = recs.post
    notes = []
    wanted = list(recs.visits) if visits is None else [v for v in visits]
    unknown = [v for v in wanted if v not in recs.visits]
    if unknown:
        notes.append(f"{code}: requested visit(s) {', '.join(unknown)} have no analysis records.")
    other = ~post["AVISIT"].isin(wanted)
    if other.any():
        notes.append(f"{code}: {int(other.sum())} record(s) at visits not in the model not modelled.")
    d = post[~other]
    missing = d["_CHG"].isna() | d["_BASE"].isna()
    if missing.any():
        notes.append(f"{code}: {int(missing.sum())} post-baseline record(s) without a change from "
                     "baseline or baseline value not modelled.")
    d = d[~missing]
    present = [lv for lv in levels if lv in set(d["_GROUP"])]
    counts = d.groupby(["AVISIT", "_GROUP"])["USUBJID"].nunique()
    seen = set(d["AVISIT"])
    keep = [v for v in wanted if v in seen and all(counts.get((v, lv), 0) >= min_per_cell for lv in present)]
    dropped = [v for v in wanted if v in recs.visits and v not in keep]
    if dropped:
        notes.append(f"{code}: visit(s) {', '.join(dropped)} not modelled: a dose group has fewer than "
                     f"{min_per_cell} subject(s) there.")
    d = d[d["AVISIT"].isin(keep)]
    out = pd.DataFrame({"USUBJID": d["USUBJID"].astype(str).to_numpy(),
                        "TRT": d["_GROUP"].astype(str).to_numpy(),
                        "AVISIT": d["AVISIT"].astype(str).to_numpy(),
                        "BASE": d["_BASE"].astype(float).to_numpy(),
                        "CHG": d["_CHG"].astype(float).to_numpy()})
    order = {v: i for i, v in enumerate(keep)}
    out = out.sort_values(["USUBJID", "AVISIT"], key=lambda s: s.map(order) if s.name == "AVISIT" else s,
                          kind="stable").reset_index(drop=True)
    return out, keep, notes


def fit_structures(data: pd.DataFrame, levels: list[str], visits: list[str], options: ModelOptions):
    """(fit or None, attempts): the first structure of the order that converges."""
    from analysis.stats import MMRMConvergenceError, fit_with_fallback

    try:
        fit = fit_with_fallback(FORMULA, data, subject="USUBJID", visit="AVISIT", order=options.order,
                                control=options.control,
                                reference={"TRT": levels[0], "AVISIT": visits[0]},
                                visit_levels=visits, df=options.df)
    except MMRMConvergenceError as exc:
        return None, exc.attempts
    except ValueError as exc:  # the data cannot carry the model (e.g. a rank-deficient design)
        return None, [{"structure": "", "converged": False, "n_iter": math.nan,
                       "neg2_loglik": math.nan, "reason": str(exc)}]
    return fit, fit.fallback


def fit_change_model(recs: ParamRecords, levels: list[str], options: ModelOptions,
                     visits: list[str] | None = None) -> ChangeModel:
    """Fit the change model of one parameter; never raises for data that cannot be fitted.

    >>> from analysis.efficacy.config import ParamSpec
    >>> post = pd.DataFrame({"USUBJID": ["1", "2"], "_GROUP": ["A", "B"], "AVISIT": ["W4", "W4"],
    ...                      "AVISITN": [4, 4], "_BASE": [1.0, 2.0], "_CHG": [0.5, 0.2]})
    >>> recs = ParamRecords(ParamSpec("ADXX", "X"), "X", post.iloc[:0], post, ["W4"], False)
    >>> fit_change_model(recs, ["A", "B"], ModelOptions()).status
    'not fitted: 1 post-baseline visit(s) with data in every dose group (2 needed)'
    """
    data, vis, notes = model_dataset(recs, levels, visits, options.min_subjects_per_cell)
    present = [lv for lv in levels if lv in set(data["TRT"])]
    model = ChangeModel(data, present, vis, None, [], "", options, notes)
    if len(present) < 2:
        model.status = f"not fitted: {len(present)} dose group(s) with post-baseline data (2 needed)"
        return model
    if len(vis) < 2:
        model.status = f"not fitted: {len(vis)} post-baseline visit(s) with data in every dose group (2 needed)"
        return model
    fit, attempts = fit_structures(data, present, vis, options)
    model.attempts = attempts
    if fit is None:
        design = len(attempts) == 1 and not attempts[0]["structure"]
        model.status = ("not fitted: " + attempts[0]["reason"] if design
                        else "not fitted: no covariance structure converged")
        return model
    model.fit = fit
    model.status = "fitted"
    # BASE sits at its mean over the analysed rows, as SAS LSMEANS does with a covariate
    alpha = 1 - options.conf
    lsm = fit.lsmeans(["TRT", "AVISIT"], alpha=alpha)
    n = data.groupby(["TRT", "AVISIT"])["USUBJID"].nunique()
    lsm["n"] = [int(n.get((t, v), 0)) for t, v in zip(lsm["TRT"], lsm["AVISIT"])]
    model.lsmeans = lsm
    model.diffs = fit.lsmean_diffs("TRT", by="AVISIT", reference=present[0], alpha=alpha)
    return model
