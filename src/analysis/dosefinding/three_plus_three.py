"""The classic 3+3 rule (Storer 1989; Le Tourneau et al. 2009) as pure functions over counts.

``rule_3p3(n, y)`` is the decision at one dose after 3 or 6 evaluable patients;
``mtd_3p3(per_dose)`` the MTD from final per-dose ``(n, y)`` in dose order; ``trail_3p3(stages)``
the decision points of a trial, compared with what the trial did. They are reusable by an
operating-characteristics simulation (no data frames here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ESCALATE, EXPAND, STOP, OUTSIDE = "escalate", "expand", "stop", "outside"


def rule_3p3(n: int, y: int) -> str:
    """The 3+3 verdict at a dose with n (3 or 6) evaluable patients and y DLTs.

    0/3 -> escalate; 1/3 -> expand to 6; >=2/3 -> stop; <=1/6 -> escalate; >=2/6 -> stop.
    Any other n has no 3+3 decision ("outside"), except that 2 or more DLTs always stop.

    >>> [rule_3p3(3, 0), rule_3p3(3, 1), rule_3p3(3, 2), rule_3p3(6, 1), rule_3p3(6, 2), rule_3p3(5, 1)]
    ['escalate', 'expand', 'stop', 'escalate', 'stop', 'outside']
    """
    if n < 0 or y < 0 or y > n:
        raise ValueError(f"need 0 <= y <= n, got y={y}, n={n}")
    if y >= 2:
        return STOP
    if n == 3:
        return ESCALATE if y == 0 else EXPAND
    if n == 6:
        return ESCALATE
    return OUTSIDE


@dataclass(frozen=True)
class Mtd3p3:
    """MTD per 3+3. ``status``: "mtd" (``dose`` is the MTD), "not_reached" (the highest dose
    cleared; ``dose`` is the maximum administered dose), "none" (the lowest dose is above the
    MTD), "undetermined" (the rule needs more patients; ``reason`` says where)."""

    status: str
    dose: int | None
    reason: str = ""


def mtd_3p3(per_dose: Sequence[tuple[int, int]]) -> Mtd3p3:
    """MTD from final counts per dose (0-based dose index): walk up while the dose clears.

    A dose clears with 0/3 or <=1/6; the first dose with >=2 DLTs is above the MTD, and the
    MTD is the dose below it if that dose has at least 6 evaluable patients (else it must be
    expanded first). More than 6 patients at a dose are judged as the 6-patient rule (<=1 DLT).

    >>> mtd_3p3([(3, 0), (6, 1), (6, 2)])
    Mtd3p3(status='mtd', dose=1, reason='')
    >>> mtd_3p3([(6, 1), (6, 0), (6, 0)]).status
    'not_reached'
    >>> mtd_3p3([(3, 2), (0, 0)]).status, mtd_3p3([(3, 0), (3, 2)]).reason
    ('none', 'expand dose 1 to 6 evaluable patients')
    """
    if not per_dose:
        raise ValueError("mtd_3p3 needs at least one dose")
    for i, (n, y) in enumerate(per_dose):
        verdict = rule_3p3(n, y) if n != 0 else OUTSIDE
        if verdict == OUTSIDE and n > 6:
            verdict = ESCALATE if y <= 1 else STOP
        if verdict == STOP:
            if i == 0:
                return Mtd3p3("none", None, "the lowest dose is above the MTD")
            if per_dose[i - 1][0] >= 6:
                return Mtd3p3("mtd", i - 1)
            return Mtd3p3("undetermined", None, f"expand dose {i} to 6 evaluable patients")
        if verdict == EXPAND:
            return Mtd3p3("undetermined", None, f"expand dose {i + 1} to 6 evaluable patients")
        if verdict == OUTSIDE:
            what = "not treated" if n == 0 else f"{n} evaluable patient(s), not 3 or 6"
            return Mtd3p3("undetermined", None, f"dose {i + 1}: {what}")
    return Mtd3p3("not_reached", len(per_dose) - 1)


@dataclass(frozen=True)
class TrailStep:
    """One decision point: dose (0-based), cumulative evaluable n and DLTs y, the rule's verdict
    (code and text), what the trial did next and whether that followed the rule (None when the
    rule makes no decision)."""

    dose: int
    n: int
    y: int
    rule: str
    rule_text: str
    action: str
    follows: bool | None
    note: str


def decision_points(outcomes: Sequence[int]) -> list[tuple[int, int]]:
    """Cumulative (n, y) after 3 and 6 evaluable patients, plus the final count if it is not one
    of those; ``outcomes`` are 0/1 DLT indicators in enrolment order.

    >>> decision_points([0, 0, 1, 0, 0, 0]), decision_points([1, 0, 0, 0, 0]), decision_points([])
    ([(3, 1), (6, 1)], [(3, 1), (5, 1)], [])
    """
    points = [(k, sum(outcomes[:k])) for k in (3, 6) if len(outcomes) >= k]
    if outcomes and len(outcomes) not in (3, 6):
        points.append((len(outcomes), sum(outcomes)))
    return points


def _rule_text(code: str, n: int, y: int, dose: int, ndose: int, stages: Sequence[Sequence[tuple[int, int]]],
               labels: Sequence[str]) -> str:
    if code == ESCALATE:
        return (f"escalate to {labels[dose + 1]}" if dose < ndose - 1
                else "highest dose cleared: MTD not reached (maximum administered dose)")
    if code == EXPAND:
        return "expand to 6 at this dose"
    if code == STOP:
        if dose == 0:
            return "stop: lowest dose above the MTD; no MTD"
        lower_n = max((s[0] for s in stages[dose - 1]), default=0)
        if lower_n >= 6:
            return f"stop: dose above MTD; MTD = next lower dose ({labels[dose - 1]})"
        return f"stop: dose above MTD; expand next lower dose ({labels[dose - 1]}) to 6"
    return (f"no 3+3 decision at {n} evaluable (incomplete cohort)" if n < 6
            else f"no 3+3 decision: {n} evaluable exceeds 6")


def _action(dose: int, n: int, stages: Sequence[Sequence[tuple[int, int]]]) -> str:
    final_n = max((s[0] for s in stages[dose]), default=0)
    if final_n > n:
        return f"enrolled more at this dose (to {final_n} evaluable)"
    if any(s for s in stages[dose + 1:]):
        return "escalated"
    return "stopped (no higher dose given)"


def _follows(code: str, dose: int, ndose: int, action: str) -> tuple[bool | None, str]:
    more, escalated = action.startswith("enrolled more"), action == "escalated"
    if code == ESCALATE:
        if dose == ndose - 1:
            # Confirming the highest dose in 6 is customary before declaring it the MAD/RP2D.
            return True, "expanded to confirm the highest dose" if more else ""
        if escalated:
            return True, ""
        return False, "expanded beyond rule" if more else "stopped although the rule allowed escalation"
    if code == EXPAND:
        if more:
            return True, ""
        return False, "escalated without the required expansion" if escalated else "stopped before the required expansion"
    if code == STOP:
        if more:
            return False, "expanded beyond rule (the rule said stop)"
        if escalated:
            return False, "escalated against the rule"
        return True, ""
    return None, "not a 3+3 decision point"


def trail_3p3(stages: Sequence[Sequence[tuple[int, int]]], labels: Sequence[str] | None = None) -> list[TrailStep]:
    """Decision points of a trial visiting doses in increasing order: ``stages[d]`` is the list
    of cumulative (n, y) at dose d (see ``decision_points``), ``labels`` the dose names.

    >>> steps = trail_3p3([[(3, 0), (6, 1)], [(3, 0)]], ["D1", "D2"])
    >>> [(s.rule, s.follows, s.note) for s in steps]
    [('escalate', False, 'expanded beyond rule'), ('escalate', True, ''), ('escalate', True, '')]
    """
    labels = list(labels) if labels is not None else [f"dose {i + 1}" for i in range(len(stages))]
    if len(labels) != len(stages):
        raise ValueError("trail_3p3: one label per dose is needed")
    steps = []
    for dose, points in enumerate(stages):
        for n, y in points:
            code = rule_3p3(n, y)
            action = _action(dose, n, stages)
            follows, note = _follows(code, dose, len(stages), action)
            steps.append(TrailStep(dose, n, y, code, _rule_text(code, n, y, dose, len(stages), stages, labels),
                                   action, follows, note))
    return steps


def trail_mtd(stages: Sequence[Sequence[tuple[int, int]]]) -> Mtd3p3:
    """The 3+3 MTD implied by the trail: the first "stop" verdict fixes the dose above the MTD,
    even if the trial went on to enrol more there; otherwise as ``mtd_3p3`` on the counts at the
    last 3+3 decision point (3 or 6) of each dose.

    >>> trail_mtd([[(3, 2), (6, 2)], []]).status
    'none'
    >>> trail_mtd([[(3, 0), (6, 1)], [(3, 0), (6, 0)]]).status
    'not_reached'
    """
    for dose, points in enumerate(stages):
        for n, y in points:
            if rule_3p3(n, y) == STOP:
                truncated = [_last_rule_point(p) for p in stages[:dose]] + [(n, y)]
                return mtd_3p3(truncated)
    return mtd_3p3([_last_rule_point(p) for p in stages])


def _last_rule_point(points: Sequence[tuple[int, int]]) -> tuple[int, int]:
    ruled = [p for p in points if p[0] in (3, 6)]
    if ruled:
        return ruled[-1]
    return points[-1] if points else (0, 0)
