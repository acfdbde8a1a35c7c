"""Analysis inputs read as cheaply as the outputs allow: only the variables an analysis uses
(a 1000-subjects-per-cohort ADLB has 62 variables and a million records; reading all of them
takes three times as long and ten times the memory of the dozen an efficacy table needs), and
text stripped once per distinct value instead of once per record.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def read_columns(path: str | Path, name: str, columns: list[str]):
    """The variables `columns` of an analysis dataset (XPT, or CSV for hand-made data), in the
    file's order; variables the file lacks are left out (the caller's `require` names them).
    Values and dtypes are those `analysis.xpt.read_analysis_dataset` gives, and so are the
    one-line UserErrors for a missing or unreadable file.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "adxx.csv")
    >>> pd.DataFrame({"USUBJID": ["1"], "AVAL": [2.0], "X": [""]}).to_csv(p, index=False)
    >>> read_columns(p, "ADXX", ["AVAL", "USUBJID", "NOPE"]).columns.tolist()
    ['USUBJID', 'AVAL']
    """
    import pyreadstat

    from analysis.errors import UserError
    from analysis.xpt import read_analysis_dataset, read_xpt
    from analysis.xpt_reader import variable_names

    path = Path(path)
    if path.suffix.lower() == ".csv" or not path.is_file():
        df = read_analysis_dataset(path, name)
        return df[[c for c in df.columns if c in set(columns)]]
    names = variable_names(path)
    try:
        if names is not None:  # the vectorised reader: the same frame, several times faster
            return read_xpt(path, columns=[c for c in names if c in set(columns)])
        df, _ = pyreadstat.read_xport(str(path), disable_datetime_conversion=True, usecols=list(columns))
    except (OSError, ValueError, UnicodeDecodeError, pyreadstat.PyreadstatError,
            pyreadstat.ReadstatError) as exc:
        raise UserError(f"{path}: cannot read {name} ({exc})".replace("\n", " ")) from None
    return df


def text(series: pd.Series) -> pd.Series:
    """Strip text values; missing -> "" (XPT blanks and NaN alike).

    A text column of a million records holds a few thousand distinct values, so each distinct
    value is stripped once; columns that are not all text keep the element-wise path (there
    1 and 1.0 are different texts, which one hash key would merge).

    >>> text(pd.Series([" Y", None, float("nan"), "Y "])).tolist()
    ['Y', '', '', 'Y']
    >>> text(pd.Series([1.0, float("nan")])).tolist()
    ['1.0', '']
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
        return series.astype(object).where(series.notna(), "").astype(str).str.strip()
    stripped = np.array([v.strip() for v in uniques] + [""], dtype=object)
    return pd.Series(stripped[codes], index=series.index, name=series.name, dtype=object)


def split_by(data: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """{stripped value of `column`: its rows, in file order, index kept}: one pass over the
    dataset instead of one comparison of every record per parameter.

    >>> d = pd.DataFrame({"PARAMCD": ["A", "B ", "A"], "AVAL": [1, 2, 3]})
    >>> {k: v["AVAL"].tolist() for k, v in split_by(d, "PARAMCD").items()}
    {'A': [1, 3], 'B': [2]}
    """
    codes = text(data[column])
    return {code: data.take(rows) for code, rows in codes.groupby(codes, sort=False).indices.items()}
