"""The records of one parameter that the by-visit summaries and the model use.

- Baseline: the record with ABLFL = "Y" (one per subject).
- Post-baseline analysis records: ANL01FL = "Y", not the baseline record, AVISIT not blank
  (unscheduled records carry no analysis visit) and AVISIT not in the spec's excluded visits
  (e.g. SCREENING). One per subject and visit.
- Only subjects of the analysis population (ADSL flag = "Y"), in their ADSL treatment group.
Records left out are counted in `notes` so nothing disappears silently.
On the log scale the analysis value is ln(AVAL) and the change ln(AVAL) - ln(BASE) (a log
ratio); values <= 0 cannot be logged and are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.stats.groups import Groups, require

from .config import ParamSpec
from .inputs import text

REQUIRED = ["USUBJID", "PARAMCD", "AVAL", "ABLFL", "ANL01FL", "AVISIT", "AVISITN"]
BASELINE_LABEL = "BASELINE"


@dataclass
class ParamRecords:
    """Baseline and post-baseline analysis records of one parameter (with `_GROUP`, `_Y` = the
    value on the analysis scale, `_CHG`/`_BASE` on the analysis scale, `_BLQ` flag)."""

    param: ParamSpec
    label: str
    baseline: pd.DataFrame
    post: pd.DataFrame
    visits: list[str]
    has_blq: bool
    notes: list[str] = field(default_factory=list)


def _visit_order(post: pd.DataFrame) -> list[str]:
    order = post.groupby("AVISIT")["AVISITN"].min()
    return sorted(order.index, key=lambda v: (order[v], v))


def _scaled(df: pd.DataFrame, scale: str) -> pd.DataFrame:
    df = df.copy()
    aval = pd.to_numeric(df["AVAL"], errors="coerce")
    base = pd.to_numeric(df["BASE"], errors="coerce") if "BASE" in df else pd.Series(np.nan, index=df.index)
    if scale == "log":
        df["_Y"] = np.log(aval.where(aval > 0))
        df["_BASE"] = np.log(base.where(base > 0))
        df["_CHG"] = df["_Y"] - df["_BASE"]
    else:
        df["_Y"] = aval
        df["_BASE"] = base
        chg = pd.to_numeric(df["CHG"], errors="coerce") if "CHG" in df else aval - base
        df["_CHG"] = chg
    return df


def _check_unique(df: pd.DataFrame, keys: list[str], dataset: str, paramcd: str, what: str) -> None:
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        first = df.loc[dup].iloc[0]
        where = ", ".join(f"{k}={first[k]}" for k in keys)
        raise UserError(f"{dataset}: PARAMCD {paramcd}: {int(dup.sum())} records share one {what} "
                        f"(e.g. {where}); ANL01FL/ABLFL must mark one record each")


def param_records(data: pd.DataFrame, groups: Groups, param: ParamSpec, dataset: str,
                  exclude_visits: list[str] = ("SCREENING",), change: bool = True) -> ParamRecords:
    """Select the baseline and post-baseline analysis records of `param.paramcd`.

    `change`: BASE and CHG are needed (summaries of change, the model).

    >>> from analysis.stats.groups import analysis_groups
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"], "EFFFL": ["Y", "Y"]})
    >>> bds = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "PARAMCD": "X", "PARAM": "X (u)",
    ...     "AVAL": [2.0, 3.0, 5.0, 4.0], "BASE": [2.0, 2.0, 2.0, 4.0], "CHG": [0.0, 1.0, 3.0, 0.0],
    ...     "ABLFL": ["Y", "", "", "Y"], "ANL01FL": ["Y", "Y", "", "Y"],
    ...     "AVISIT": ["BASELINE", "WEEK 4", "", "BASELINE"], "AVISITN": [0, 4, None, 0]})
    >>> r = param_records(bds, analysis_groups(adsl, "TRT01A", "EFFFL"), ParamSpec("ADXX", "X"), "ADXX")
    >>> len(r.baseline), r.post["_CHG"].tolist(), r.visits, r.notes
    (2, [1.0], ['WEEK 4'], ['X: 1 unscheduled record(s) (blank AVISIT) not summarised.'])
    """
    require(data, REQUIRED + (["BASE", "CHG"] if change else []), dataset)
    code = param.paramcd
    sub = data[text(data["PARAMCD"]) == code].copy()
    if sub.empty:
        raise UserError(f"{dataset}: PARAMCD {code} has no records")
    label = text(sub["PARAM"]).iloc[0] if "PARAM" in sub else code
    sub["USUBJID"] = text(sub["USUBJID"])
    for col in ("ABLFL", "ANL01FL", "AVISIT"):
        sub[col] = text(sub[col])
    sub["AVISITN"] = pd.to_numeric(sub["AVISITN"], errors="coerce")
    members = groups.subjects[["USUBJID", "_GROUP"]].assign(USUBJID=lambda d: text(d["USUBJID"]))
    n_all = len(sub)
    sub = sub.merge(members, on="USUBJID", how="inner")
    notes = []
    if len(sub) < n_all:
        notes.append(f"{code}: {n_all - len(sub)} record(s) of subjects outside the "
                     f"{groups.population or 'analysis'} population not used.")
    sub = _scaled(sub, param.scale)
    base = sub[sub["ABLFL"] == "Y"]
    _check_unique(base, ["USUBJID"], dataset, code, "subject's baseline (ABLFL = \"Y\")")
    rest = sub[sub["ABLFL"] != "Y"]
    unsched = rest["AVISIT"] == ""
    excluded = rest["AVISIT"].isin(list(exclude_visits)) & ~unsched
    not_anl = (rest["ANL01FL"] != "Y") & ~unsched & ~excluded
    post = rest[~unsched & ~excluded & ~not_anl]
    _check_unique(post, ["USUBJID", "AVISIT"], dataset, code, "subject and analysis visit")
    parts = []
    if unsched.any():
        parts.append(f"{int(unsched.sum())} unscheduled record(s) (blank AVISIT)")
    if excluded.any():
        parts.append(f"{int(excluded.sum())} record(s) at {'/'.join(sorted(set(rest.loc[excluded, 'AVISIT'])))}")
    if not_anl.any():
        parts.append(f"{int(not_anl.sum())} record(s) not chosen for their analysis visit (ANL01FL not \"Y\")")
    if parts:
        notes.append(f"{code}: " + ", ".join(parts) + " not summarised.")
    if param.scale == "log":
        bad = int((pd.to_numeric(pd.concat([base["AVAL"], post["AVAL"]]), errors="coerce") <= 0).sum())
        if bad:
            notes.append(f"{code}: {bad} value(s) <= 0 cannot be log-transformed and are not in the "
                         "geometric means or the model.")
    has_blq = "BLQFL" in sub.columns
    out = []
    for df in (base, post):
        df = df.copy()
        df["_BLQ"] = text(df["BLQFL"]) == "Y" if has_blq else False
        out.append(df.sort_values(["USUBJID", "AVISITN"], kind="stable").reset_index(drop=True))
    return ParamRecords(param, label, out[0], out[1], _visit_order(out[1]), has_blq, notes)
