"""Vectorised subject and event tallies by dose group for the SOC/PT hierarchy.

A subject counts once per term (first-occurrence logic, like ADaM AOCCSFL/AOCCPFL); events are
records. Totals come from the same records, never from adding the group columns.
"""

from __future__ import annotations

import pandas as pd

from analysis.stats.groups import TOTAL, Groups

ANY, SOC, PT = "any", "soc", "pt"


def tally(events: pd.DataFrame, groups: Groups, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subjects (once per key) and events per key x column (levels + Total), zeros filled.

    >>> from analysis.stats.groups import analysis_groups
    >>> g = analysis_groups(pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "B"]}), "TRT01A", None)
    >>> ev = pd.DataFrame({"USUBJID": ["1", "1", "2"], "_GROUP": ["A", "A", "B"], "_PT": ["x", "x", "x"]})
    >>> n, e = tally(ev, g, ["_PT"])
    >>> n.loc["x"].tolist(), e.loc["x"].tolist()
    ([1, 1, 2], [2, 1, 3])
    """
    columns = groups.levels + [TOTAL]
    first = events.drop_duplicates(keys + ["USUBJID"])

    def wide(frame: pd.DataFrame) -> pd.DataFrame:
        if keys:
            by_group = frame.groupby(keys + ["_GROUP"], sort=False).size().unstack("_GROUP")
            total = frame.groupby(keys, sort=False).size()
        else:
            by_group = frame.groupby("_GROUP", sort=False).size().to_frame().T
            total = pd.Series([len(frame)])
        out = by_group.reindex(columns=groups.levels).fillna(0).astype("int64")
        out[TOTAL] = total.reindex(out.index).fillna(0).astype("int64") if keys else [len(frame)]
        out.columns.name = None
        return out[columns]

    return wide(first), wide(events)


def _order(frame: pd.DataFrame, label: str, sort: str) -> pd.DataFrame:
    """Descending total subjects then alphabetical (case-insensitive), or alphabetical only."""
    key = frame[label].str.casefold()
    frame = frame.assign(_k1=key, _k2=frame[label], _kn=-frame["_n_total"])
    by = ["_kn", "_k1", "_k2"] if sort == "frequency" else ["_k1", "_k2"]
    return frame.sort_values(by, kind="stable").drop(columns=["_k1", "_k2", "_kn"])


def hierarchy(events: pd.DataFrame, groups: Groups, sort: str = "frequency") -> pd.DataFrame:
    """Rows "any", each SOC, and each PT under its SOC, in display order.

    Columns: kind (any/soc/pt), soc, pt, then ``n:<col>`` and ``e:<col>`` for every column.

    >>> from analysis.stats.groups import analysis_groups
    >>> g = analysis_groups(pd.DataFrame({"USUBJID": ["1", "2"], "TRT01A": ["A", "A"]}), "TRT01A", None)
    >>> ev = pd.DataFrame({"USUBJID": ["1", "2", "1"], "_GROUP": "A", "_SOC": ["S", "T", "T"],
    ...                    "_PT": ["p", "q", "r"]})
    >>> hierarchy(ev, g)[["kind", "soc", "pt", "n:Total"]].values.tolist()
    [['any', '', '', 2], ['soc', 'T', '', 2], ['pt', 'T', 'q', 1], ['pt', 'T', 'r', 1], ['soc', 'S', '', 1], ['pt', 'S', 'p', 1]]
    """
    def block(keys: list[str], kind: str) -> pd.DataFrame:
        n, e = tally(events, groups, keys)
        out = pd.concat([n.add_prefix("n:"), e.add_prefix("e:")], axis=1).reset_index(drop=not keys)
        out = out.rename(columns={"_SOC": "soc", "_PT": "pt"})
        for c in ("soc", "pt"):
            if c not in out.columns:
                out[c] = ""
        out.insert(0, "kind", kind)
        out["_n_total"] = out[f"n:{TOTAL}"]
        return out

    socs = _order(block(["_SOC"], SOC), "soc", sort)
    pts = _order(block(["_SOC", "_PT"], PT), "pt", sort)
    soc_rank = {s: i for i, s in enumerate(socs["soc"])}
    pts = pts.assign(_s=pts["soc"].map(soc_rank)).sort_values("_s", kind="stable").drop(columns="_s")
    body = pd.concat([socs, pts]).assign(_s=lambda f: f["soc"].map(soc_rank),
                                         _p=lambda f: (f["kind"] == PT).astype(int))
    body = body.sort_values(["_s", "_p"], kind="stable").drop(columns=["_s", "_p"])
    rows = pd.concat([block([], ANY), body], ignore_index=True).drop(columns="_n_total")
    return rows[["kind", "soc", "pt"] + [c for c in rows.columns if c[:2] in ("n:", "e:")]]
