"""Input checks shared by the derivation verbs."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_columns(df: pd.DataFrame, columns: Iterable[str], verb: str) -> None:
    """Raise ValueError naming the verb and every required column `df` lacks.

    >>> require_columns(pd.DataFrame({"AVAL": [1.0]}), ["AVAL", "BASE"], "derive_var_chg")
    Traceback (most recent call last):
    ...
    ValueError: derive_var_chg: required column(s) missing: BASE
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{verb}: required column(s) missing: {', '.join(missing)}")
