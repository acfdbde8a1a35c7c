"""The validated tables ingest passes on: typed columns, direct identifiers removed, and the
source record number (RAWROW) kept so every value can be traced back to the raw file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.raw.context import FormData

ROW_COLUMN = "RAWROW"
YEAR_LENGTH = 4


def typed_table(fd: FormData, keep: np.ndarray) -> pd.DataFrame:
    """The kept records of a validated form, typed: integer -> Int64, number -> Float64,
    anything else -> string; empty -> <NA>. Identifiers: `drop` removes the column, `year`
    keeps only the year of the date.

    >>> from analysis.specs import load_study
    >>> form = load_study("specs/study.yaml").forms["ecog"]
    >>> fd = FormData(form, pd.DataFrame({"SUBJID": ["01-001"] * 2, "VISIT": ["SCREENING", "DAY 28"],
    ...                                   "ECOGDAT": ["2024-01-03", "2024-02-11"], "ECOG": ["1", "2"]}))
    >>> typed_table(fd, np.array([False, True])).to_dict("records")
    [{'RAWROW': 2, 'SUBJID': '01-001', 'VISIT': 'DAY 28', 'ECOGDAT': '2024-02-11', 'ECOG': 2}]
    """
    rows = np.flatnonzero(keep)
    out = {ROW_COLUMN: pd.array(rows + 1, dtype="int64")}
    for c in fd.form.columns:
        if c.identifier == "drop":
            continue
        if c.type == "integer":
            out[c.name] = pd.array(fd.numbers(c.name)[rows], dtype="Float64").astype("Int64")
        elif c.type == "number":
            out[c.name] = pd.array(fd.numbers(c.name)[rows], dtype="Float64")
        else:
            text = fd.text(c.name)[rows]
            if c.identifier == "year":
                text = pd.Series(text, dtype=object).str[:YEAR_LENGTH].to_numpy(dtype=object)
            out[c.name] = pd.array(np.where(text == "", None, text), dtype="string")
    return pd.DataFrame(out)
