"""Turn a long data frame and a formula into the arrays the MMRM engine fits, checking inputs.

Every input problem is a `ValueError` whose message names the column: a column the formula,
``subject`` or ``visit`` names that is not in the data, a non-numeric response, a visit
column with fewer than two levels, a missing subject or visit, two rows for one subject at
one visit, a reference level that does not occur, an aliased (rank-deficient) design.

Rows with a missing response or a missing covariate are dropped (as SAS and
``na.action = na.omit`` do); under the MMRM likelihood the subject keeps its other visits
(missing at random).

A numeric visit column (VISITN) indexes the covariance as its sorted values and stays
numeric in the formula, so ``y ~ VISITN`` is a linear trend; write ``C(VISITN)`` (or give it a
``reference`` level) for one mean per visit.

Reference levels: ``reference={"ARMCD": "PBO"}`` puts that level first, so patsy's default
Treatment coding uses it as the reference; other text columns take their sorted first level
(R's default). The visit column's levels are ordered naturally (VIS2 before VIS10) unless
``visit_levels`` gives the order, or the column is an ordered pandas Categorical.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
from scipy import linalg


def natural_key(value) -> tuple:
    """Sort key that orders 'VIS2' before 'VIS10'."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(value))
    return tuple((0, float(p)) if i % 2 else (1, p) for i, p in enumerate(parts) if p != "")


def formula_columns(formula: str, columns) -> tuple[list[str], list[str]]:
    """Names a formula uses as variables, split into (response side, model side).

    A name counts as a variable unless it is called (``np.log(`` , ``C(``), follows a dot, or
    is a Python keyword; ``Treatment('PBO')`` arguments are strings and are skipped.
    """
    if "~" not in formula:
        raise ValueError(f"formula {formula!r} has no '~' between response and model terms")
    lhs, rhs = formula.split("~", 1)
    known = set(columns)

    def names(text: str) -> list[str]:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
        out = []
        for i, tok in enumerate(toks):
            if tok.type != tokenize.NAME or keyword.iskeyword(tok.string):
                continue
            prev = toks[i - 1].string if i else ""
            nxt = toks[i + 1].string if i + 1 < len(toks) else ""
            if nxt == "(" or prev == ".":
                continue
            if tok.string in ("Q",):
                continue
            out.append(tok.string)
        # Q("name with spaces") refers to a column by string
        out += [m for m in re.findall(r"Q\(\s*['\"](.+?)['\"]\s*\)", text)]
        return [n for n in dict.fromkeys(out) if n in known or not _is_builtin(n)]

    return names(lhs), names(rhs)


def _is_builtin(name: str) -> bool:
    return name in {"np", "numpy", "pd", "True", "False", "None", "I", "C", "Treatment", "Sum",
                    "Poly", "Helmert", "Diff", "center", "standardize", "scale", "bs", "cr",
                    "cc", "te", "log", "exp", "sqrt"}


@dataclass
class Prepared:
    """Analysis-ready arrays and what is needed to rebuild design rows (for LS means)."""

    data: pd.DataFrame            # the rows used, with categorical columns set up
    y: np.ndarray
    X: np.ndarray
    columns: list[str]            # fixed-effect names
    subject: np.ndarray           # integer subject codes, aligned with y
    visit: np.ndarray             # integer visit codes 0..m-1
    visits: list                  # visit levels in order
    subjects: list                # subject ids, indexed by code
    design_info: object | None    # patsy DesignInfo (formula fits)
    response: str
    subject_col: str
    visit_col: str
    n_dropped: int
    term_columns: dict[str, list[int]]


def _require(data: pd.DataFrame, col: str, role: str) -> None:
    if col not in data.columns:
        raise ValueError(f"column {col!r} ({role}) is not in the data; "
                         f"columns are: {', '.join(map(str, data.columns))}")


def _categorical_with_reference(series: pd.Series, col: str, ref=None, order=None) -> pd.Series:
    present = pd.unique(series.dropna())
    if order is not None:
        levels = [lv for lv in order if lv in set(present)]
        extra = [lv for lv in present if lv not in set(order)]
        if extra:
            raise ValueError(f"column {col!r} has values {extra!r} not in the given level order")
    elif isinstance(series.dtype, pd.CategoricalDtype):
        levels = [lv for lv in series.cat.categories if lv in set(present)]
    else:
        levels = sorted(present, key=natural_key)
    if ref is not None:
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} does not occur in column {col!r}; "
                             f"levels are: {', '.join(map(str, levels))}")
        levels = [ref] + [lv for lv in levels if lv != ref]
    return pd.Series(pd.Categorical(series, categories=levels), index=series.index, name=col)


def prepare(data: pd.DataFrame, formula: str, *, subject: str, visit: str,
            reference: dict | None = None, visit_levels=None) -> Prepared:
    """Check ``data`` against ``formula`` and build y, X and the subject/visit codes."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame")
    reference = dict(reference or {})
    lhs_cols, rhs_cols = formula_columns(formula, data.columns)
    if len(lhs_cols) != 1:
        raise ValueError(f"formula {formula!r} must have exactly one response column on the "
                         f"left of '~' (found {lhs_cols or 'none'})")
    response = lhs_cols[0]
    _require(data, response, "response")
    for c in rhs_cols:
        _require(data, c, "named in the formula")
    _require(data, subject, "subject")
    _require(data, visit, "visit")
    for c in reference:
        _require(data, c, "given a reference level")
    y_raw = data[response]
    if not pd.api.types.is_numeric_dtype(y_raw) or pd.api.types.is_bool_dtype(y_raw):
        raise ValueError(f"response column {response!r} must be numeric (it is {y_raw.dtype})")
    for c, role in ((subject, "subject"), (visit, "visit")):
        if data[c].isna().any():
            raise ValueError(f"{role} column {c!r} has {int(data[c].isna().sum())} missing value(s)")

    used = list(dict.fromkeys([response, subject, visit] + rhs_cols))
    df = data[used].copy()
    keep = df[[response] + [c for c in rhs_cols if c not in (subject, visit)]].notna().all(axis=1)
    n_dropped = int((~keep).sum())
    df = df.loc[keep]
    if df.empty:
        raise ValueError(f"no rows left after dropping missing values of {response!r} "
                         "and the covariates")

    visit_cat = _categorical_with_reference(df[visit], visit, reference.get(visit), visit_levels)
    numeric_visit = (pd.api.types.is_numeric_dtype(df[visit]) and visit not in reference
                     and not isinstance(df[visit].dtype, pd.CategoricalDtype))
    if not numeric_visit:  # a numeric visit column stays numeric for the formula (a trend)
        df[visit] = visit_cat
    visits = list(visit_cat.cat.categories)
    if len(visits) < 2:
        raise ValueError(f"visit column {visit!r} has a single level ({visits[0]!r}) among the "
                         "analysed rows; repeated measures need at least two visits")
    for c in rhs_cols:
        if c == visit:
            continue
        s = df[c]
        if c in reference or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            df[c] = _categorical_with_reference(s, c, reference.get(c))

    dup = df.duplicated([subject, visit])
    if dup.any():
        first = df.loc[dup, [subject, visit]].iloc[0].tolist()
        raise ValueError(f"columns {subject!r} and {visit!r}: {int(dup.sum())} duplicate "
                         f"subject-visit row(s), first {first}")

    try:
        y_df, X_df = patsy.dmatrices(formula, df, return_type="dataframe", NA_action="raise")
    except patsy.PatsyError as exc:
        raise ValueError(f"formula {formula!r} cannot be built from the data: {exc}") from exc
    X = X_df.to_numpy(dtype=float)
    _check_rank(X, list(X_df.columns))
    subj_codes, subjects = pd.factorize(df[subject], sort=False)
    term_columns = {t.name(): list(range(s.start, s.stop))
                    for t, s in X_df.design_info.term_slices.items()}
    return Prepared(
        data=df, y=y_df.to_numpy(dtype=float).ravel(), X=X, columns=list(X_df.columns),
        subject=np.asarray(subj_codes), visit=visit_cat.cat.codes.to_numpy(),
        visits=visits, subjects=list(subjects), design_info=X_df.design_info,
        response=response, subject_col=subject, visit_col=visit, n_dropped=n_dropped,
        term_columns=term_columns)


def prepare_arrays(y, X, subject, visit, *, columns=None, visit_levels=None) -> Prepared:
    """The explicit-design route: response vector, design matrix, subject and visit labels."""
    y = np.asarray(y, dtype=float).ravel()
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns) if columns is None else list(columns)
        X = X.to_numpy(dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != len(y):
        raise ValueError(f"design matrix has shape {X.shape}; it needs {len(y)} rows")
    columns = list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]
    df = pd.DataFrame({"subject": np.asarray(subject), "visit": np.asarray(visit), "y": y})
    keep = np.isfinite(y) & np.isfinite(X).all(axis=1)
    df, X, y = df.loc[keep], X[keep], y[keep]
    df["visit"] = _categorical_with_reference(df["visit"], "visit", None, visit_levels)
    visits = list(df["visit"].cat.categories)
    if len(visits) < 2:
        raise ValueError("visit has a single level; repeated measures need at least two visits")
    if df.duplicated(["subject", "visit"]).any():
        raise ValueError("subject and visit: duplicate subject-visit rows")
    _check_rank(X, columns)
    codes, subjects = pd.factorize(df["subject"], sort=False)
    return Prepared(data=df, y=y, X=X, columns=columns, subject=np.asarray(codes),
                    visit=df["visit"].cat.codes.to_numpy(), visits=visits,
                    subjects=list(subjects), design_info=None, response="y",
                    subject_col="subject", visit_col="visit", n_dropped=int((~keep).sum()),
                    term_columns={c: [j] for j, c in enumerate(columns)})


def _check_rank(X: np.ndarray, columns: list[str]) -> None:
    if X.shape[1] == 0:
        raise ValueError("the model has no fixed effects")
    _, R, piv = linalg.qr(X, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    tol = d.max() * max(X.shape) * np.finfo(float).eps
    rank = int((d > tol).sum())
    if rank < X.shape[1]:
        aliased = [columns[j] for j in piv[rank:]]
        raise ValueError(f"the design is rank deficient: column(s) {', '.join(aliased)} are "
                         "aliased with others (an empty level combination or a redundant term)")
