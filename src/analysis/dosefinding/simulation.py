"""Dose-finding design simulation: operating characteristics (OC) of 3+3 and BOIN.

For each true-toxicity scenario in specs/analysis/design_simulation.yaml and each design, many
trials are simulated at once (numpy, vectorised over trials; one loop step per cohort) and
summarised as: P(select dose k as MTD), P(no MTD), mean (SD) patients and DLTs per dose and in
total, each with its Monte-Carlo standard error. docs/design-simulation.md has the rules.

- ``parts(spec)`` / ``run_part(None, spec, out, part)``: one job per scenario writes
  ``<out>/design_sim/<scenario>.csv`` (integer sums only, so the file is exact);
- ``combine(spec, parts, out)``: reads those files and writes the ``design_oc`` table;
- ``run_all(adam_dir, spec, out)``: both in one process (``adam_dir`` is not used);
- ``register(subparsers)``: ``design-sim-part``, ``design-sim-table``, ``design-simulation``.

Seeds: the stream of (scenario, design) is ``PCG64(SeedSequence([seed, crc32(name), code]))``
with code 0 for 3+3 and 1 for BOIN, so a scenario's numbers depend only on the master seed, its
name and n_trials: not on how jobs are split, nor on the other scenarios.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import SpecError, UserError
from analysis.specs import read_yaml

from .spec import DESIGNS, BoinParams, DoseFindingSpec, load_spec

ANALYSIS_ID = "design_oc"
PART_PREFIX = "scenario:"
PART_DIR = "design_sim"
DESIGN_CODES = {"3+3": 0, "BOIN": 1}
DEFAULT_SPEC = "specs/analysis/design_simulation.yaml"
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_NONE = -1  # "no MTD selected" in the per-trial selected-dose arrays


# ---- spec ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """One true-toxicity scenario: ``p_true[k]`` is the DLT probability at dose level k."""

    name: str
    label: str
    p_true: tuple[float, ...]


@dataclass(frozen=True)
class SimulationSpec:
    """The simulation study: scenarios, designs, trials per cell, master seed, and the design
    parameters (``design``, read from the dose-finding spec)."""

    scenarios: tuple[Scenario, ...]
    design: DoseFindingSpec = field(default_factory=DoseFindingSpec)
    designs: tuple[str, ...] = DESIGNS
    n_trials: int = 10000
    seed: int = 0

    @property
    def dose_labels(self) -> list[str]:
        """Dose labels from the dose-finding spec, else "Dose 1", "Dose 2", ..."""
        if self.design.dose_levels:
            return [label for _, label in self.design.dose_levels]
        return [f"Dose {k + 1}" for k in range(len(self.scenarios[0].p_true))]

    def scenario(self, name: str) -> Scenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise UserError(f"design simulation: no scenario named {name!r} "
                        f"(known: {', '.join(s.name for s in self.scenarios)})")


def _integer(raw: dict, key: str, where: str, default: int, lo: int, hi: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SpecError(f"{where}: {key} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _scenario(raw: Any, i: int, n_doses: int | None, where: str) -> Scenario:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: scenarios[{i}] must be a mapping with name, label, p_true")
    unknown = sorted(set(raw) - {"name", "label", "p_true"})
    if unknown:
        raise SpecError(f"{where}: scenarios[{i}]: unknown key(s): {', '.join(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(f"{where}: scenarios[{i}].name must be letters, digits, '_' or '-', got {name!r}")
    label = raw.get("label", name)
    if not isinstance(label, str) or not label.strip():
        raise SpecError(f"{where}: scenarios[{i}].label must be text, got {label!r}")
    p = raw.get("p_true")
    if (not isinstance(p, list) or not p
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in p)):
        raise SpecError(f"{where}: scenarios[{i}].p_true must be a list of probabilities in [0, 1], got {p!r}")
    if n_doses is not None and len(p) != n_doses:
        raise SpecError(f"{where}: scenarios[{i}].p_true has {len(p)} value(s); the dose-finding spec has "
                        f"{n_doses} dose level(s)")
    return Scenario(name, label.strip(), tuple(float(v) for v in p))


def simulation_spec_from_dict(raw: Any, design: DoseFindingSpec, source: str = "design simulation spec"
                              ) -> SimulationSpec:
    """Check a parsed simulation spec; every problem is a one-line SpecError naming the key.

    >>> s = simulation_spec_from_dict({"seed": 1, "scenarios": [{"name": "a", "p_true": [0.1, 0.3]}]},
    ...                               DoseFindingSpec())
    >>> s.n_trials, s.designs, s.scenarios[0].label
    (10000, ('3+3', 'BOIN'), 'a')
    >>> simulation_spec_from_dict({"seed": 1, "n_trials": 0, "scenarios": []}, DoseFindingSpec())
    Traceback (most recent call last):
    ...
    analysis.errors.SpecError: design simulation spec: n_trials must be an integer in [1, 10000000], got 0
    """
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: the spec must be a YAML mapping")
    unknown = sorted(set(raw) - {"dose_finding_spec", "designs", "n_trials", "seed", "scenarios"})
    if unknown:
        raise SpecError(f"{source}: unknown key(s): {', '.join(unknown)}")
    n_trials = _integer(raw, "n_trials", source, 10000, 1, 10**7)
    if "seed" not in raw:
        raise SpecError(f"{source}: seed is required (an integer >= 0) so the simulation is reproducible")
    seed = _integer(raw, "seed", source, 0, 0, 2**63 - 1)
    designs = raw.get("designs", list(design.designs))
    if (not isinstance(designs, list) or not designs or any(d not in DESIGNS for d in designs)
            or len(set(designs)) != len(designs)):
        raise SpecError(f"{source}: designs must be a non-empty list drawn from {list(DESIGNS)}, got {designs!r}")
    scen = raw.get("scenarios")
    if not isinstance(scen, list) or not scen:
        raise SpecError(f"{source}: scenarios must be a non-empty list")
    n_doses = len(design.dose_levels) or None
    scenarios = [_scenario(s, i, n_doses, source) for i, s in enumerate(scen)]
    if n_doses is None and len({len(s.p_true) for s in scenarios}) > 1:
        raise SpecError(f"{source}: scenarios: every p_true must have the same number of doses")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise SpecError(f"{source}: scenarios: duplicate name(s): {', '.join(dup)}")
    return SimulationSpec(tuple(scenarios), design, tuple(designs), n_trials, seed)


def load_simulation_spec(path: str | Path) -> SimulationSpec:
    """Read specs/analysis/design_simulation.yaml and the dose-finding spec it names (a relative
    ``dose_finding_spec`` is relative to the simulation spec's folder)."""
    path = Path(path)
    raw = read_yaml(path)
    ref = raw.get("dose_finding_spec", "dose_finding.yaml") if isinstance(raw, dict) else None
    if not isinstance(ref, str) or not ref.strip():
        raise SpecError(f"{path}: dose_finding_spec must be a file path, got {ref!r}")
    design_path = Path(ref) if Path(ref).is_absolute() else path.parent / ref
    return simulation_spec_from_dict(raw, load_spec(design_path), str(path))


# ---- simulators ---------------------------------------------------------------------------

@dataclass
class Trials:
    """Per simulated trial: patients ``n[t, k]`` and DLTs ``y[t, k]`` per dose, the selected dose
    (``-1`` = no MTD) and design-specific flags (boolean arrays, e.g. ``stopped_safety``)."""

    n: np.ndarray
    y: np.ndarray
    selected: np.ndarray
    flags: dict[str, np.ndarray]


def stream(seed: int, scenario: str, design: str) -> np.random.Generator:
    """The random stream of one (scenario, design) cell, independent of the job split.

    >>> float(stream(1, "a", "BOIN").random()) == float(stream(1, "a", "BOIN").random())
    True
    """
    key = [int(seed), zlib.crc32(scenario.encode("utf-8")), DESIGN_CODES[design]]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def simulate_3p3(p_true: Sequence[float], n_trials: int, rng: np.random.Generator) -> Trials:
    """Simulate ``n_trials`` 3+3 trials at once (cohorts of 3, starting at the lowest dose).

    Rules: 0/3 escalate; 1/3 add 3; <=1/6 escalate; >=2 DLTs (of 3 or 6) means the dose is above
    the MTD. Then de-escalate: if the next lower dose has 6 patients it is the MTD; if it has 3,
    treat 3 more there (<=1/6: MTD; >=2/6: it is above the MTD too, repeat one level lower); no
    dose left: no MTD. The highest dose is expanded to 6 even after 0/3; if it clears (<=1/6) the
    MTD is not reached and the highest dose is "selected" (flag ``not_reached``). So no dose has
    more than 6 patients and a trial has at most 6 x doses.

    >>> t = simulate_3p3([0.0, 1.0], 4, np.random.default_rng(1))
    >>> t.n[0].tolist(), t.y[0].tolist(), int(t.selected[0]), bool(t.flags["not_reached"][0])
    ([6, 3], [0, 3], 0, False)
    """
    p = np.asarray(p_true, dtype=float)
    k_top = len(p) - 1
    n = np.zeros((n_trials, len(p)), dtype=np.int64)
    y = np.zeros_like(n)
    dose = np.zeros(n_trials, dtype=np.intp)
    going_down = np.zeros(n_trials, dtype=bool)
    active = np.ones(n_trials, dtype=bool)
    selected = np.full(n_trials, _NONE, dtype=np.intp)
    not_reached = np.zeros(n_trials, dtype=bool)
    for _ in range(2 * len(p)):  # each dose takes at most two cohorts
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        d = dose[idx]
        n[idx, d] += 3
        y[idx, d] += rng.binomial(3, p[d])
        nd, yd, down = n[idx, d], y[idx, d], going_down[idx]
        toxic = yd >= 2
        expand = ~down & (nd == 3) & ((yd == 1) | ((yd == 0) & (d == k_top)))
        clear = ~toxic & ~expand
        escalate = clear & ~down & (d < k_top)
        top_cleared = clear & ~down & (d == k_top)
        mtd_here = clear & down
        dose[idx[escalate]] += 1
        selected[idx[top_cleared]] = k_top
        not_reached[idx[top_cleared]] = True
        selected[idx[mtd_here]] = d[mtd_here]
        done = top_cleared | mtd_here
        # Dose above the MTD: the next lower dose decides (none left -> no MTD).
        t_idx, t_d = idx[toxic], d[toxic]
        has_lower = t_d > 0
        lower_full = np.zeros_like(has_lower)
        lower_full[has_lower] = n[t_idx[has_lower], t_d[has_lower] - 1] >= 6
        selected[t_idx[lower_full]] = t_d[lower_full] - 1
        expand_lower = has_lower & ~lower_full
        dose[t_idx[expand_lower]] -= 1
        going_down[t_idx[expand_lower]] = True
        finished = np.zeros(idx.size, dtype=bool)
        finished[done] = True
        finished[np.flatnonzero(toxic)[~expand_lower]] = True
        active[idx[finished]] = False
    return Trials(n, y, selected, {"not_reached": not_reached})


@dataclass(frozen=True)
class BoinTables:
    """get.oc's boundary vectors indexed by n (0..max_n): escalate if y <= esc[n], de-escalate
    if y >= deesc[n], eliminate if y >= elim[n], extrasafe stop if y >= stop[n]; a count that
    never applies (n < 3, or no y reaches the cutoff) is max_n + 1."""

    esc: np.ndarray
    deesc: np.ndarray
    elim: np.ndarray
    stop: np.ndarray
    lam_d: float


@functools.lru_cache(maxsize=16)
def boin_tables(params: BoinParams, max_n: int) -> BoinTables:
    """Boundaries for n = 0..max_n as get.oc() reads them (get.boundary with n.earlystop = max_n).

    >>> t = boin_tables(BoinParams(target=0.3), 6)
    >>> t.esc[1:].tolist(), t.deesc[1:].tolist(), t.elim[1:].tolist()
    ([0, 0, 0, 0, 1, 1], [1, 1, 2, 2, 2, 3], [7, 7, 3, 3, 4, 4])
    """
    from .boin import boin_boundaries, boin_lambdas

    full = boin_boundaries(dataclasses.replace(params, n_earlystop=max_n, extrasafe=True), max_n)
    never = max_n + 1

    def column(name: str) -> np.ndarray:
        values = full[name].astype("Int64").fillna(never).to_numpy(dtype=np.int64)
        return np.concatenate([[never], values])

    lam_d = boin_lambdas(params.target, params.phi1, params.phi2)[1]
    return BoinTables(column("escalate"), column("deescalate"), column("eliminate"), column("stop_lowest"), lam_d)


def boin_pick(n: Sequence[int], y: Sequence[int], params: BoinParams, tables: BoinTables) -> int:
    """The MTD select.mtd() picks from final counts (-1 = none): elimination (and extrasafe) on
    all doses, isotonic estimates of the admissible doses, the one closest to the target.

    >>> boin_pick([3, 3, 6, 6], [0, 0, 1, 3], BoinParams(target=0.3), boin_tables(BoinParams(target=0.3), 18))
    2
    """
    from .boin import _EST_OFFSET, _TIE_BREAK, pava

    n_arr, y_arr = np.asarray(n, dtype=float), np.asarray(y, dtype=float)
    elim = np.zeros(len(n), dtype=bool)
    for i, (ni, yi) in enumerate(zip(n, y)):
        if ni >= 3 and yi >= tables.elim[ni]:
            elim[i:] = True
            break
    if params.extrasafe and n[0] >= 3 and y[0] >= tables.stop[n[0]]:
        elim[:] = True
    adm = np.flatnonzero((n_arr > 0) & ~elim)
    if elim[0] or adm.size == 0:
        return _NONE
    ya, na = y_arr[adm], n_arr[adm]
    var = (ya + _EST_OFFSET) * (na - ya + _EST_OFFSET) / ((na + 2 * _EST_OFFSET) ** 2 * (na + 2 * _EST_OFFSET + 1))
    phat = pava((ya + _EST_OFFSET) / (na + 2 * _EST_OFFSET), 1 / var) + np.arange(1, adm.size + 1) * _TIE_BREAK
    eligible = np.flatnonzero(phat < tables.lam_d) if params.bound_mtd else np.arange(adm.size)
    if eligible.size == 0:
        return _NONE
    # argmin keeps the first of exact ties, as R's sort(..., index.return=TRUE)$ix[1] does.
    return int(adm[eligible[int(np.argmin(np.abs(phat[eligible] - params.target)))]])


def _distinct_rows(rows: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a small non-negative integer matrix (values < base) and, per row, the
    index of its distinct row; one integer key per row when it fits, as np.unique(axis=0) is slow.

    >>> d, i = _distinct_rows(np.array([[1, 2], [0, 1], [1, 2]]), 3)
    >>> d.tolist(), i.tolist()
    ([[0, 1], [1, 2]], [1, 0, 1])
    """
    if rows.shape[1] * math.log2(base) >= 62:
        distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
        return distinct, np.asarray(inverse).reshape(-1)
    weights = base ** np.arange(rows.shape[1] - 1, -1, -1, dtype=np.int64)
    _, first, inverse = np.unique(rows @ weights, return_index=True, return_inverse=True)
    return rows[first], np.asarray(inverse).reshape(-1)


def simulate_boin(p_true: Sequence[float], n_trials: int, rng: np.random.Generator, params: BoinParams,
                  cohort_size: int, max_n: int) -> Trials:
    """Simulate ``n_trials`` BOIN trials at once, as get.oc() of the BOIN R package (start at the
    lowest dose, no titration): cohorts of ``cohort_size`` until ``max_n`` patients (the last
    cohort is cut to fit and no decision follows it). After each other cohort, at the current
    dose: y >= elimination count (n >= 3) eliminates it and higher doses, and stops the trial
    with no MTD if it is the lowest (extrasafe: also stop if the lowest dose's P(p > target) >
    cutoff - offset); the n_earlystop rule; then escalate if y <= escalation boundary (unless the
    highest dose, or the next dose is eliminated: stay), de-escalate if y >= the de-escalation
    boundary (unless the lowest dose), else stay. The MTD is then chosen by select.mtd
    (``boin_pick``) on the final counts. Flags: ``stopped_safety``, ``stopped_earlystop``.

    >>> t = simulate_boin([0.0, 1.0], 3, np.random.default_rng(1), BoinParams(target=0.3), 3, 9)
    >>> t.n[0].tolist(), t.y[0].tolist(), int(t.selected[0])
    ([6, 3], [0, 3], 0)
    """
    tables = boin_tables(params, max_n)
    p = np.asarray(p_true, dtype=float)
    k_top = len(p) - 1
    n = np.zeros((n_trials, len(p)), dtype=np.int64)
    y = np.zeros_like(n)
    eliminated = np.zeros((n_trials, len(p)), dtype=bool)
    dose = np.zeros(n_trials, dtype=np.intp)
    active = np.ones(n_trials, dtype=bool)
    stopped_safety = np.zeros(n_trials, dtype=bool)
    stopped_early = np.zeros(n_trials, dtype=bool)
    levels = np.arange(len(p))
    treated = 0  # every trial still running has treated the same number of patients
    for _ in range(-(-max_n // cohort_size)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        d = dose[idx]
        last = treated + cohort_size >= max_n
        size = max_n - treated if last else cohort_size
        n[idx, d] += size
        y[idx, d] += rng.binomial(size, p[d])
        treated += size
        if last:
            break
        nd, yd = n[idx, d], y[idx, d]
        hit = yd >= tables.elim[nd]
        eliminated[idx[hit]] |= levels[None, :] >= d[hit][:, None]
        stop = hit & (d == 0)
        if params.extrasafe:
            # get.oc checks extrasafe only where an elimination boundary exists at this n.
            stop |= (tables.elim[nd] <= max_n) & (d == 0) & (nd >= 3) & (yd >= tables.stop[nd])
        stopped_safety[idx[stop]] = True
        esc, deesc = tables.esc[nd], tables.deesc[nd]
        next_elim = np.zeros(idx.size, dtype=bool)
        below_top = d < k_top
        next_elim[below_top] = eliminated[idx[below_top], d[below_top] + 1]
        converged = (~stop & (nd >= params.n_earlystop)
                     & (((yd > esc) & (yd < deesc)) | ((d == 0) & (yd >= deesc))
                        | ((~below_top | next_elim) & (yd <= esc))))
        stopped_early[idx[converged]] = True
        go = ~stop & ~converged
        up_rule = (yd <= esc) & below_top
        dose[idx[go & up_rule & ~next_elim]] += 1
        dose[idx[go & ~up_rule & (yd >= deesc) & (d > 0)]] -= 1
        active[idx[stop | converged]] = False
    selected = np.full(n_trials, _NONE, dtype=np.intp)
    ask = np.flatnonzero(~stopped_safety)
    if ask.size:
        # Few distinct final (n, y) exist (hundreds), so select.mtd runs once per distinct one.
        k = len(p)
        distinct, inverse = _distinct_rows(np.concatenate([n[ask], y[ask]], axis=1), max_n + 1)
        picks = np.array([boin_pick(row[:k].tolist(), row[k:].tolist(), params, tables) for row in distinct],
                         dtype=np.intp)
        selected[ask] = picks[inverse]
    return Trials(n, y, selected, {"stopped_safety": stopped_safety, "stopped_earlystop": stopped_early})


def simulate(spec: SimulationSpec, scenario: Scenario, design: str) -> Trials:
    """The trials of one (scenario, design) cell with its own seeded stream."""
    rng = stream(spec.seed, scenario.name, design)
    if design == "3+3":
        return simulate_3p3(scenario.p_true, spec.n_trials, rng)
    return simulate_boin(scenario.p_true, spec.n_trials, rng, spec.design.boin, spec.design.cohort_size,
                         spec.design.max_sample_size)


# ---- sufficient statistics (the per-scenario file) ----------------------------------------

def trial_sums(trials: Trials) -> dict[tuple[str, str], int]:
    """Integer sums from which every OC statistic follows: per dose ``(k, stat)`` with k the
    1-based dose as text (selected, n_sum, n_sumsq, y_sum, y_sumsq) and ``("", stat)`` for the
    totals (trials, no_mtd, flags, total n and y sums and sums of squares).

    >>> s = trial_sums(Trials(np.array([[3, 3]]), np.array([[0, 2]]), np.array([0]), {}))
    >>> s[("1", "selected")], s[("2", "y_sumsq")], s[("", "no_mtd")], s[("", "n_sum")]
    (1, 4, 0, 6)
    """
    out: dict[tuple[str, str], int] = {("", "trials"): int(trials.n.shape[0])}
    for k in range(trials.n.shape[1]):
        nk, yk = trials.n[:, k], trials.y[:, k]
        dose = str(k + 1)
        out[(dose, "selected")] = int(np.count_nonzero(trials.selected == k))
        out[(dose, "n_sum")], out[(dose, "n_sumsq")] = int(nk.sum()), int((nk * nk).sum())
        out[(dose, "y_sum")], out[(dose, "y_sumsq")] = int(yk.sum()), int((yk * yk).sum())
    out[("", "no_mtd")] = int(np.count_nonzero(trials.selected == _NONE))
    for name in sorted(trials.flags):
        out[("", name)] = int(np.count_nonzero(trials.flags[name]))
    tn, ty = trials.n.sum(axis=1), trials.y.sum(axis=1)
    out[("", "n_sum")], out[("", "n_sumsq")] = int(tn.sum()), int((tn * tn).sum())
    out[("", "y_sum")], out[("", "y_sumsq")] = int(ty.sum()), int((ty * ty).sum())
    return out


def scenario_sums(spec: SimulationSpec, scenario: Scenario) -> dict[str, dict[tuple[str, str], int]]:
    """Sums for every design of one scenario (design -> sums)."""
    return {design: trial_sums(simulate(spec, scenario, design)) for design in spec.designs}


_HEADER = "scenario,design,dose,statistic,value"


def _part_lines(spec: SimulationSpec, scenario: Scenario, sums: dict[str, dict[tuple[str, str], int]]) -> list[str]:
    lines = [_HEADER, f"{scenario.name},,,n_trials,{spec.n_trials}", f"{scenario.name},,,seed,{spec.seed}"]
    lines += [f"{scenario.name},,{k + 1},p_true,{p!r}" for k, p in enumerate(scenario.p_true)]
    for design, stats in sums.items():
        lines += [f"{scenario.name},{design},{dose},{stat},{value}" for (dose, stat), value in stats.items()]
    return lines


def part_path(out_dir: str | Path, scenario: str) -> Path:
    """Where ``run_part`` writes a scenario.

    >>> part_path("out", "mtd_2").as_posix()
    'out/design_sim/mtd_2.csv'
    """
    return Path(out_dir) / PART_DIR / f"{scenario}.csv"


def parts(spec_path: str | Path) -> list[str]:
    """One part per scenario, e.g. ``["scenario:all_safe", ...]`` (one Snakemake job each)."""
    return [PART_PREFIX + s.name for s in load_simulation_spec(spec_path).scenarios]


def _scenario_of_part(spec: SimulationSpec, part: str) -> Scenario:
    if not part.startswith(PART_PREFIX):
        raise UserError(f"design simulation: part must look like '{PART_PREFIX}<name>', got {part!r}")
    return spec.scenario(part[len(PART_PREFIX):])


def run_part(adam_dir: str | Path | None, spec_path: str | Path, out_dir: str | Path, part: str) -> list[Path]:
    """Simulate one scenario for every design; write ``<out>/design_sim/<scenario>.csv``
    (``adam_dir`` is unused: the signature is that of every area's run_part, analysis.outputs)."""
    import os

    spec = load_simulation_spec(spec_path)
    scenario = _scenario_of_part(spec, part)
    path = part_path(out_dir, scenario.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(_part_lines(spec, scenario, scenario_sums(spec, scenario))) + "\n",
                   encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return [path]


def read_part(path: Path, spec: SimulationSpec, scenario: Scenario) -> dict[str, dict[tuple[str, str], int]]:
    """Read one per-scenario file back, refusing one made with another spec (one-line UserError)."""
    if not path.exists():
        raise UserError(f"{path}: missing; run design-sim-part --part {PART_PREFIX}{scenario.name} first")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != _HEADER:
        raise UserError(f"{path}, row 0: header must be {_HEADER!r}")
    meta: dict[tuple[str, str], str] = {}
    sums: dict[str, dict[tuple[str, str], int]] = {}
    for row, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if len(cells) != 5 or cells[0] != scenario.name:
            raise UserError(f"{path}, row {row}: expected 5 fields for scenario {scenario.name!r}, got {line!r}")
        _, design, dose, stat, value = cells
        if not design:
            meta[(dose, stat)] = value
            continue
        try:
            sums.setdefault(design, {})[(dose, stat)] = int(value)
        except ValueError:
            raise UserError(f"{path}, row {row}, column value: {value!r} is not an integer") from None
    expected = {("", "n_trials"): str(spec.n_trials), ("", "seed"): str(spec.seed)}
    expected.update({(str(k + 1), "p_true"): repr(p) for k, p in enumerate(scenario.p_true)})
    if meta != expected or sorted(sums) != sorted(spec.designs):
        raise UserError(f"{path}: made with a different spec (scenario p_true, n_trials, seed or designs); "
                        "re-run design-sim-part")
    return sums


# ---- the OC table --------------------------------------------------------------------------

def _mean_sd(total: int, sumsq: int, trials: int) -> tuple[float, float]:
    """Mean and sample SD from integer sums (exact integer arithmetic up to the last division).

    >>> _mean_sd(6, 20, 2)
    (3.0, 1.4142135623730951)
    """
    mean = total / trials
    sd = math.sqrt((trials * sumsq - total * total) / (trials * (trials - 1))) if trials > 1 else math.nan
    return mean, sd


def _prop_se(count: int, trials: int) -> tuple[float, float]:
    p = count / trials
    return p, math.sqrt(p * (1 - p) / trials)


def _design_footnotes(spec: SimulationSpec) -> list[str]:
    from analysis.stats.groups import fmt_num

    from .boin import boin_lambdas

    b = spec.design.boin
    lam_e, lam_d = boin_lambdas(b.target, b.phi1, b.phi2)
    notes = [(f"{spec.n_trials} simulated trials per scenario and design; master seed {spec.seed} (numpy PCG64; "
              "stream per scenario and design from SeedSequence([seed, crc32(scenario name), design code])). "
              "Monte-Carlo standard errors of every statistic are in the ARD (stat names ending in _se).")]
    if "3+3" in spec.designs:
        notes.append("3+3: cohorts of 3 from the lowest dose; 0/3 escalate; 1/3 add 3; <=1/6 escalate; >=2/3 or "
                     ">=2/6: dose above the MTD, de-escalate (next lower dose with 6: MTD; with 3: add 3, MTD if "
                     "<=1/6); the highest dose is expanded to 6, and if it clears the MTD is not reached and it is "
                     "counted as selected. No MTD: the lowest dose is above the MTD.")
    if "BOIN" in spec.designs:
        extra = []
        if b.n_earlystop < spec.design.max_sample_size:
            extra.append(f"stop when the current dose reaches {b.n_earlystop} patients")
        if b.extrasafe:
            extra.append(f"extra-safe stop if P(p1 > target) > {b.elimination_cutoff - b.offset:g}")
        if b.bound_mtd:
            extra.append("MTD estimate must be below lambda_d")
        notes.append(f"BOIN (Liu & Yuan 2015; as get.oc/select.mtd of the BOIN R package): target "
                     f"{fmt_num(b.target, 2)}, cohorts of {spec.design.cohort_size} up to "
                     f"{spec.design.max_sample_size} patients, lambda_e = {lam_e:.4f}, lambda_d = {lam_d:.4f}; "
                     f"eliminate a dose and higher ones if n >= 3 and P(p > target) > {b.elimination_cutoff:g} "
                     "(no MTD if the lowest dose is eliminated); MTD by isotonic regression, closest to the target"
                     + ("; " + "; ".join(extra) if extra else "") + ".")
    return notes


def oc_result(spec: SimulationSpec, all_sums: dict[str, dict[str, dict[tuple[str, str], int]]]):
    """The ``design_oc`` TableResult: one row per scenario and design; per dose the true DLT
    probability, % selected as MTD, patients mean (SD) and mean DLTs; then % with no MTD,
    patients mean (SD) and mean DLTs in total. ``all_sums``: scenario -> design -> sums."""
    import pandas as pd

    from analysis.ard import ArdRows, TableResult
    from analysis.stats.groups import fmt_num

    labels = spec.dose_labels
    ard = ArdRows(ANALYSIS_ID)
    ard.add("n_trials", spec.n_trials, stat_label="Simulated trials per scenario and design")
    ard.add("seed", spec.seed, stat_label="Master seed")
    ard.add("target", spec.design.target, stat_label="Target DLT rate")
    ard.add("cohort_size", spec.design.cohort_size, stat_label="BOIN cohort size")
    ard.add("max_sample_size", spec.design.max_sample_size, stat_label="BOIN maximum sample size")
    columns = ["Scenario", "Design"]
    for label in labels:
        columns += [f"{label}: true P(DLT)", f"{label}: selected as MTD, %", f"{label}: patients, mean (SD)",
                    f"{label}: DLTs, mean"]
    columns += ["No MTD selected, %", "Patients, mean (SD)", "DLTs, mean"]
    rows = []
    for scenario in spec.scenarios:
        for design in spec.designs:
            s = all_sums[scenario.name][design]
            trials = s[("", "trials")]
            scope = {"group1": "scenario", "group1_level": scenario.name, "group2": "design", "group2_level": design}
            ard.add("label", scenario.label, stat_label="Scenario", **scope)
            row = [scenario.label, design]
            for k, label in enumerate(labels):
                dose = str(k + 1)
                kw = {**scope, "variable": "dose", "variable_level": label}
                p_sel, p_sel_se = _prop_se(s[(dose, "selected")], trials)
                n_mean, n_sd = _mean_sd(s[(dose, "n_sum")], s[(dose, "n_sumsq")], trials)
                y_mean, y_sd = _mean_sd(s[(dose, "y_sum")], s[(dose, "y_sumsq")], trials)
                ard.add("p_true", scenario.p_true[k], stat_label="True DLT probability", **kw)
                ard.add("p_selected", p_sel, stat_label="Proportion of trials selecting the dose as MTD", **kw)
                ard.add("p_selected_se", p_sel_se, stat_label="Monte-Carlo SE of p_selected", **kw)
                ard.add("n_mean", n_mean, stat_label="Patients treated, mean", **kw)
                ard.add("n_sd", n_sd, stat_label="Patients treated, SD", **kw)
                ard.add("n_mean_se", n_sd / math.sqrt(trials), stat_label="Monte-Carlo SE of n_mean", **kw)
                ard.add("dlt_mean", y_mean, stat_label="Patients with a DLT, mean", **kw)
                ard.add("dlt_sd", y_sd, stat_label="Patients with a DLT, SD", **kw)
                ard.add("dlt_mean_se", y_sd / math.sqrt(trials), stat_label="Monte-Carlo SE of dlt_mean", **kw)
                row += [fmt_num(scenario.p_true[k], 2), fmt_num(100 * p_sel, 1),
                        f"{fmt_num(n_mean, 1)} ({fmt_num(n_sd, 1)})", fmt_num(y_mean, 2)]
            kw = {**scope, "variable": "trial"}
            p_none, p_none_se = _prop_se(s[("", "no_mtd")], trials)
            ard.add("p_no_mtd", p_none, stat_label="Proportion of trials with no MTD selected", **kw)
            ard.add("p_no_mtd_se", p_none_se, stat_label="Monte-Carlo SE of p_no_mtd", **kw)
            flag_labels = {"not_reached": "highest dose cleared (MTD not reached)",
                           "stopped_safety": "trial stopped for safety (lowest dose eliminated)",
                           "stopped_earlystop": "trial stopped by the n_earlystop rule"}
            for flag, text in flag_labels.items():
                if ("", flag) in s:
                    p_flag, p_flag_se = _prop_se(s[("", flag)], trials)
                    ard.add(f"p_{flag}", p_flag, stat_label=f"Proportion of trials: {text}", **kw)
                    ard.add(f"p_{flag}_se", p_flag_se, stat_label=f"Monte-Carlo SE of p_{flag}", **kw)
            n_mean, n_sd = _mean_sd(s[("", "n_sum")], s[("", "n_sumsq")], trials)
            y_mean, y_sd = _mean_sd(s[("", "y_sum")], s[("", "y_sumsq")], trials)
            ard.add("total_n_mean", n_mean, stat_label="Total patients, mean", **kw)
            ard.add("total_n_sd", n_sd, stat_label="Total patients, SD", **kw)
            ard.add("total_n_mean_se", n_sd / math.sqrt(trials), stat_label="Monte-Carlo SE of total_n_mean", **kw)
            ard.add("total_dlt_mean", y_mean, stat_label="Total patients with a DLT, mean", **kw)
            ard.add("total_dlt_sd", y_sd, stat_label="Total patients with a DLT, SD", **kw)
            ard.add("total_dlt_mean_se", y_sd / math.sqrt(trials), stat_label="Monte-Carlo SE of total_dlt_mean",
                    **kw)
            row += [fmt_num(100 * p_none, 1), f"{fmt_num(n_mean, 1)} ({fmt_num(n_sd, 1)})", fmt_num(y_mean, 2)]
            rows.append(row)
    title = (f"Operating characteristics of the dose-finding designs (simulation, {spec.n_trials} trials per "
             f"scenario; target DLT rate {spec.design.target:g})")
    return TableResult(ANALYSIS_ID, title, pd.DataFrame(rows, columns=columns), ard.frame(),
                       _design_footnotes(spec), population="Simulated trials")


def combine(spec_path: str | Path, parts_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Read the per-scenario files (``<parts_dir>/design_sim/<scenario>.csv``; ``parts_dir`` may
    also be that ``design_sim`` folder itself) and write the ``design_oc`` table."""
    from analysis.tlf import write_result

    spec = load_simulation_spec(spec_path)
    folder = Path(parts_dir)
    if folder.name != PART_DIR and (folder / PART_DIR).is_dir():
        folder = folder / PART_DIR
    sums = {s.name: read_part(folder / f"{s.name}.csv", spec, s) for s in spec.scenarios}
    return write_result(oc_result(spec, sums), out_dir)


def run_all(adam_dir: str | Path | None, spec_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Every scenario and the table in one process (``adam_dir`` is not used: no study data)."""
    from analysis.tlf import write_result

    spec = load_simulation_spec(spec_path)
    sums = {s.name: scenario_sums(spec, s) for s in spec.scenarios}
    return write_result(oc_result(spec, sums), out_dir)


# ---- command line -------------------------------------------------------------------------

def _cmd_part(args: argparse.Namespace) -> None:
    run_part(None, args.spec, args.out, args.part)


def _cmd_table(args: argparse.Namespace) -> None:
    combine(args.spec, args.parts, args.out)


def _cmd_all(args: argparse.Namespace) -> None:
    run_all(None, args.spec, args.out)


def _command(subparsers, name: str, help_text: str, description: str, func, out_help: str):
    p = subparsers.add_parser(name, help=help_text, description=description)
    p.add_argument("--spec", default=DEFAULT_SPEC, help=f"simulation spec (default {DEFAULT_SPEC})")
    p.add_argument("--out", required=True, help=out_help)
    p.set_defaults(func=func)
    return p


def register(subparsers) -> None:
    """Add ``design-sim-part``, ``design-sim-table`` and ``design-simulation`` to `analysis`."""
    tables = "output folder (ard/, tlf/ and meta/ are written under it)"
    _command(subparsers, "design-sim-part", "simulate one design-simulation scenario (3+3 and BOIN)",
             "Simulates one scenario of the design-simulation spec for every design and writes "
             "OUT/design_sim/<scenario>.csv (integer sums).", _cmd_part,
             "output folder (design_sim/ is written under it)").add_argument(
        "--part", required=True, help="scenario:<name> (see the spec's scenarios)")
    _command(subparsers, "design-sim-table", "operating-characteristics table from the scenario files",
             "Reads PARTS/design_sim/<scenario>.csv for every scenario and writes the design_oc table "
             "(tlf/, ard/, meta/).", _cmd_table, tables).add_argument(
        "--parts", required=True, help="the --out folder of design-sim-part")
    _command(subparsers, "design-simulation", "3+3 and BOIN operating characteristics (all scenarios)",
             "Simulates every scenario and design in one process and writes the design_oc table.", _cmd_all, tables)


register_design_simulation = register
