"""Reading back what the group jobs wrote: the indexes (``tlf/index-<group>.csv``), each
output's ``meta/<id>.json`` and display CSV, rebuilt into the TableResult/ListingResult the
renderers take.

>>> import tempfile, pandas as pd
>>> from analysis.ard import ListingResult
>>> from analysis.tlf import write_result
>>> out = Path(tempfile.mkdtemp())
>>> _ = write_result(ListingResult("l_x", "X", pd.DataFrame({"A": [" 1"], "B": ["NA"]}), ["Note."]), out)
>>> res = rebuild_result(out, "l_x", read_meta(out, "l_x"))
>>> type(res).__name__, res.table.values.tolist(), res.footnotes
('ListingResult', [[' 1', 'NA']], ['Note.'])
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.ard import ListingResult, TableResult
from analysis.errors import UserError

INDEX_COLUMNS = ["area", "analysis_id", "file", "title"]


@dataclass(frozen=True)
class Output:
    """One analysis id of the run: which group job and area made it, and its files."""

    analysis_id: str
    group: str
    area: str
    files: tuple[str, ...]  # relative to the output folder, sorted


def read_indexes(out_dir: str | Path) -> list[Output]:
    """Every analysis id listed by ``<out_dir>/tlf/index-*.csv``, in analysis-id order.

    An id listed by two groups or two areas is a UserError (its number would be ambiguous).
    """
    out_dir = Path(out_dir)
    paths = sorted((out_dir / "tlf").glob("index-*.csv"))
    if not paths:
        raise UserError(f"{out_dir / 'tlf'}: no index-<group>.csv found; run the group jobs "
                        "(analysis <group>-outputs) first")
    found: dict[str, tuple[str, str, set]] = {}
    for path in paths:
        group = path.stem[len("index-"):]
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in INDEX_COLUMNS if c not in frame.columns]
        if missing:
            raise UserError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in frame.itertuples(index=False):
            if not row.analysis_id:
                raise UserError(f"{path}: a row has an empty analysis_id (file {row.file})")
            seen = found.setdefault(row.analysis_id, (group, row.area, set()))
            if (seen[0], seen[1]) != (group, row.area):
                raise UserError(f"{path}: analysis id {row.analysis_id} is also made by "
                                f"{seen[0]}/{seen[1]}; ids must be unique across groups")
            seen[2].add(row.file)
    return [Output(aid, g, a, tuple(sorted(files))) for aid, (g, a, files) in sorted(found.items())]


def read_meta(out_dir: str | Path, analysis_id: str) -> dict:
    """``meta/<id>.json`` as a dict (kind, title, population, footnotes[, files])."""
    path = Path(out_dir) / "meta" / f"{analysis_id}.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: missing; the group job that made {analysis_id} must write it "
                        "(analysis.tlf.write_result)") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    for key in ("kind", "title"):
        if key not in meta:
            raise UserError(f"{path}: has no {key!r}")
    return meta


def read_display_csv(path: str | Path) -> pd.DataFrame:
    """A display CSV as text cells, keeping repeated column labels and blank cells as ``""``.

    pandas would rename a repeated label (``X.1``), so the header is read by the csv module.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise UserError(f"{path}: display CSV missing") from None
    if not rows or rows == [[]] or rows == [[""]]:
        return pd.DataFrame()
    header, body = rows[0], rows[1:]
    bad = [i for i, r in enumerate(body, start=2) if len(r) != len(header)]
    if bad:
        raise UserError(f"{path}: line {bad[0]} has a different number of cells than the header")
    frame = pd.DataFrame(body, columns=range(len(header)), dtype=object)
    frame.columns = header
    return frame


def rebuild_result(out_dir: str | Path, analysis_id: str, meta: dict) -> TableResult | ListingResult:
    """The table or listing of ``analysis_id`` from its display CSV and its meta."""
    out_dir = Path(out_dir)
    table = read_display_csv(out_dir / "tlf" / f"{analysis_id}.csv")
    common = dict(title=str(meta["title"]), table=table, footnotes=[str(f) for f in meta.get("footnotes", [])],
                  population=str(meta.get("population", "")))
    if meta["kind"] == "table":
        ard_path = out_dir / "ard" / f"{analysis_id}.csv"
        ard = pd.read_csv(ard_path, dtype=str, keep_default_na=False) if ard_path.exists() else pd.DataFrame()
        return TableResult(analysis_id, ard=ard, **common)
    if meta["kind"] == "listing":
        return ListingResult(analysis_id, **common)
    raise UserError(f"{out_dir / 'meta' / (analysis_id + '.json')}: kind {meta['kind']!r} is not a table or listing")
