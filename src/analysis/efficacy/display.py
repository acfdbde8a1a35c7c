"""Number formats of the efficacy tables (SAS rounding via analysis.stats.groups.fmt_num)."""

from __future__ import annotations

import math

from analysis.stats.groups import fmt_num


def exp_or_inf(x: float) -> float:
    """exp(x), or inf where it overflows: a degenerate fit on a tiny study can give a log-scale
    CI limit of 1e4, whose ratio displays as NE instead of stopping the job.

    >>> exp_or_inf(0.0), exp_or_inf(1e4), math.isnan(exp_or_inf(math.nan))
    (1.0, inf, True)
    """
    return math.exp(x) if x < 709.0 or math.isnan(x) else math.inf


def fmt(value: float, digits: int) -> str:
    """fmt_num without a minus sign on a value that rounds to zero; blank for missing.

    >>> fmt(-0.0004, 2), fmt(-0.005, 2), fmt(float("nan"), 1)
    ('0.00', '-0.01', '')
    """
    text = fmt_num(value, digits)
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text


def fmt_p(p: float) -> str:
    """p-value text: 3 decimals, '<0.001' below.

    >>> fmt_p(0.04567), fmt_p(0.0004), fmt_p(float("nan"))
    ('0.046', '<0.001', '')
    """
    if p is None or math.isnan(p):
        return ""
    return "<0.001" if p < 0.001 else fmt_num(p, 3)
