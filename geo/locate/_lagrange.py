"""Lagrangian relaxation of the maximal covering problem: a tight upper bound for large instances.

Relaxing the coverage rows ``y_i <= sum_{j in N_i} x_j`` with multipliers ``0 <= l_i <= w_i``
(Galvão & ReVelle 1996, "A Lagrangean heuristic for the maximal covering location problem",
*European Journal of Operational Research* 88(1):114–123) leaves

``L(l) = sum_i (w_i - l_i) + top-p sum over sites j of sum_{i in N_j} l_i``

(pre-opened sites always counted), an upper bound on the MCLP optimum for every ``l``. The
subgradient method lowers it; each iteration's top-``p`` sites are also a feasible solution,
kept when it covers more than the best known. One iteration is a few vectorised passes over the
within-radius pairs, so the bound follows the number of pairs, not a MILP's branching.
"""

import time
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from geo.locate._milp import Pairs

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# subgradient schedule (Held, Wolfe & Crowder 1974): step factor 2, halved after this many
# iterations without a better bound (5 closed Yongzhou's EMS instance fastest of 5, 10, 15);
# stop once the factor is negligible
THETA_START = 2.0
THETA_STALL = 5
THETA_MIN = 1e-4


class LagrangeResult(NamedTuple):
    """Bound and best solution of the subgradient run.

    Attributes
    ----------
    bound
        Upper bound on the covered weight of any solution, residents.
    open
        Per candidate: the best solution seen (the given one unless a better was found).
    value
        Covered weight of ``open``, residents.
    iterations
        Subgradient iterations run.
    """

    bound: float
    open: BoolArray
    value: float
    iterations: int


def covered_weight(pairs: Pairs, weight: FloatArray, is_open: BoolArray) -> float:
    """Weight of the demands with an open candidate among their pairs, residents."""
    hits = np.bincount(
        pairs.demand, weights=is_open[pairs.candidate].astype(np.float64), minlength=pairs.n_demand
    )
    return float(weight[hits > 0].sum())


def _top(values: FloatArray, fixed: BoolArray, free: int) -> BoolArray:
    """The pre-opened sites plus the ``free`` others of largest positive value."""
    chosen = fixed.copy()
    if free <= 0:
        return chosen
    open_values = np.where(fixed, -np.inf, values)
    free = min(free, int((~fixed).sum()))
    if free <= 0:
        return chosen
    top = np.argpartition(-open_values, free - 1)[:free]
    chosen[top[open_values[top] > 0]] = True
    return chosen


def max_cover_bound(
    pairs: Pairs,
    weight: FloatArray,
    *,
    p: int,
    fixed: BoolArray,
    start: BoolArray,
    tolerance: float,
    time_limit_s: float,
    max_iterations: int = 500,
) -> LagrangeResult:
    """Lagrangian upper bound of the MCLP and the best solution met on the way.

    Parameters
    ----------
    pairs
        Within-radius pairs of the demands that count (weight > 0).
    weight
        Per demand: residents still to cover.
    p
        Most sites, pre-opened ones included.
    fixed
        Per candidate: pre-opened.
    start
        A feasible solution (e.g. the lazy greedy's): its value is the first lower bound.
    tolerance
        Stop once ``(bound - value) / bound`` is at most this.
    time_limit_s
        Stop after this many seconds.
    max_iterations
        Stop after this many iterations.
    """
    started = time.perf_counter()
    demand, candidate = pairs.demand, pairs.candidate
    best_open = start.copy()
    best_value = covered_weight(pairs, weight, start)
    counts = np.bincount(demand, minlength=pairs.n_demand).astype(np.float64)
    # only demands with a pair take part; the others add nothing to either side
    w = np.where(counts > 0, weight, 0.0)
    lam = np.where(counts > 0, w / np.maximum(counts, 1.0), 0.0)
    free = p - int(fixed.sum())
    bound = float(w.sum())
    theta, stall, iterations = THETA_START, 0, 0
    while iterations < max_iterations and theta > THETA_MIN:
        iterations += 1
        column = np.asarray(
            np.bincount(candidate, weights=lam[demand], minlength=pairs.n_candidate),
            dtype=np.float64,
        )
        x = _top(column, fixed, free)
        y = w - lam > 0
        value = float(np.where(y, w - lam, 0.0).sum() + column[x].sum())
        if value < bound - 1e-9:
            bound, stall = value, 0
        else:
            stall += 1
            if stall >= THETA_STALL:
                theta, stall = theta / 2.0, 0
        # the relaxed solution's sites are a feasible solution too
        cover = np.bincount(
            demand, weights=x[candidate].astype(np.float64), minlength=pairs.n_demand
        )
        found = float(w[cover > 0].sum())
        if found > best_value:
            best_value, best_open = found, x
        if bound <= 0 or (bound - best_value) <= tolerance * bound:
            break
        if time.perf_counter() - started > time_limit_s:
            break
        g = y.astype(np.float64) - cover
        g[counts == 0] = 0.0
        norm = float(g @ g)
        if norm == 0.0:
            break
        step = theta * max(value - best_value, 1e-9 * max(bound, 1.0)) / norm
        lam = np.clip(lam + step * g, 0.0, w)
    return LagrangeResult(max(bound, best_value), best_open, best_value, iterations)


def merge_alike(pairs: Pairs, weight: FloatArray) -> tuple[Pairs, FloatArray]:
    """Demands reached by exactly the same candidates merged into one, their weights summed.

    The covering models only ask which candidates reach a demand, so merging is exact: a
    prefecture's neighbouring cells often share their candidate set (Yongzhou's EMS radius:
    31,580 rows to 12,491). Sets are told apart by two random 64-bit sums and their size (a
    false match needs two 64-bit collisions at once).

    Returns
    -------
    tuple
        The pairs of one representative demand per set (demand indices renumbered
        ``0..n_sets-1``, demand-major) and each set's weight.
    """
    if pairs.demand.size == 0:
        return pairs, weight
    rng = np.random.default_rng(20_240_601)
    keys = rng.integers(0, np.iinfo(np.int64).max, size=(2, pairs.n_candidate), dtype=np.int64)
    keys = keys.astype(np.uint64)
    # pairs are demand-major: one run per demand
    starts = np.flatnonzero(np.r_[True, pairs.demand[1:] != pairs.demand[:-1]])
    rows = pairs.demand[starts]
    with np.errstate(over="ignore"):
        h1 = np.add.reduceat(keys[0][pairs.candidate], starts)
        h2 = np.add.reduceat(keys[1][pairs.candidate], starts)
    size = np.diff(np.r_[starts, pairs.demand.shape[0]]).astype(np.uint64)
    # sets told apart by sorting on (h1, h2, size); stable, so a run starts at its first demand
    order = np.lexsort((size, h2, h1))
    new = np.ones(order.shape[0], dtype=np.bool_)
    new[1:] = (
        (h1[order][1:] != h1[order][:-1])
        | (h2[order][1:] != h2[order][:-1])
        | (size[order][1:] != size[order][:-1])
    )
    group = np.empty(order.shape[0], dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    # sets numbered in the order of their first demand, so the pairs stay demand-major
    first = np.sort(order[new])
    number = np.empty(first.shape[0], dtype=np.int64)
    number[group[first]] = np.arange(first.shape[0])
    merged_weight = np.bincount(number[group], weights=weight[rows], minlength=first.shape[0])
    rep_of_row = np.full(pairs.n_demand, -1, dtype=np.int64)
    rep_of_row[rows[first]] = np.arange(first.shape[0])
    keep = rep_of_row[pairs.demand] >= 0
    merged = Pairs(
        rep_of_row[pairs.demand[keep]],
        pairs.candidate[keep],
        pairs.cost[keep],
        int(first.shape[0]),
        pairs.n_candidate,
    )
    return merged, np.asarray(merged_weight, dtype=np.float64)


def swap_improve(
    pairs: Pairs, weight: FloatArray, is_open: BoolArray, fixed: BoolArray, *, max_rounds: int = 50
) -> BoolArray:
    """Best-improvement interchange (Teitz & Bart 1968) on a max-cover solution.

    Each round finds the single swap of an open (not pre-opened) site for a closed one that
    covers the most more residents, and makes it; stops when no swap gains. One round is one
    pass over the pairs per open site.
    """
    current = is_open.copy()
    demand, candidate = pairs.demand, pairs.candidate
    for _ in range(max_rounds):
        hits = np.bincount(
            demand, weights=current[candidate].astype(np.float64), minlength=pairs.n_demand
        )
        # the single open site covering a demand covered once
        once = (hits == 1)[demand] & current[candidate]
        only_by = np.full(pairs.n_demand, -1, dtype=np.int64)
        only_by[demand[once]] = candidate[once]
        free_w = np.where(hits == 0, weight, 0.0)
        gain_b = np.bincount(candidate, weights=free_w[demand], minlength=pairs.n_candidate)
        best, best_pair = 1e-9, (-1, -1)
        for a in np.flatnonzero(current & ~fixed):
            lost = np.where(only_by == a, weight, 0.0)
            loss_a = float(lost.sum())
            # a closed site b keeps the demands it shares with a
            kept = np.bincount(candidate, weights=lost[demand], minlength=pairs.n_candidate)
            net = gain_b + kept - loss_a
            net[current] = -np.inf
            b = int(np.argmax(net))
            if net[b] > best:
                best, best_pair = float(net[b]), (int(a), b)
        if best_pair[0] < 0:
            break
        current[best_pair[0]] = False
        current[best_pair[1]] = True
    return current


def median_bound(
    pairs: Pairs,
    weight: FloatArray,
    existing: FloatArray,
    *,
    p: int,
    fixed: BoolArray,
    start: BoolArray,
    time_limit_s: float,
    tolerance: float = 1e-4,
    max_iterations: int = 500,
) -> float:
    """Lagrangian lower bound of the uncapacitated p-median (Cornuéjols, Fisher & Nemhauser
    1977, *Management Science* 23(8); Beasley 1993, *EJOR* 65(3)), person-cost units.

    Relaxing ``sum_j z_ij = 1`` with multipliers ``u_i`` leaves ``L(u) = sum_i u_i + sum_i
    min(0, w_i e_i - u_i) + (the pre-opened sites' and the p - |fixed| most negative other
    sites' r_j)``, ``r_j = sum_{i in N_j} min(0, w_i c_ij - u_i)`` (``e_i``: the existing
    facility's cost, always open). Every ``u`` gives a lower bound; starting from each demand's
    cost in ``start`` (where ``L`` is the greedy's online bound) the subgradient method raises
    it.

    Parameters
    ----------
    pairs
        Finite-cost pairs of the demands that count, cheaper than their existing facility.
    weight
        Per demand: residents.
    existing
        Per demand: cost to the existing facilities (``inf``: none, or not counted).
    p
        Most sites, pre-opened ones included.
    fixed
        Per candidate: pre-opened.
    start
        A feasible solution (every counted demand reached): the first multipliers and the
        step's target.
    time_limit_s, tolerance, max_iterations
        Stop after this long, once ``(value - bound) / value`` is at most ``tolerance``, or
        after this many iterations.
    """
    started = time.perf_counter()
    demand, candidate = pairs.demand, pairs.candidate
    counted = np.isfinite(existing)
    counted[demand] = True
    wcost = weight[demand] * pairs.cost
    has_existing = np.isfinite(existing)
    wexist = np.where(has_existing, weight * np.where(has_existing, existing, 0.0), 0.0)
    # each demand's cost in the start solution: the target of the steps and the first u
    served = np.where(has_existing, wexist, np.inf)
    is_open = start[candidate]
    np.minimum.at(served, demand[is_open], wcost[is_open])
    served = np.where(counted, served, 0.0)
    target = float(served.sum())
    u = served.copy()
    free = p - int(fixed.sum())
    best = -np.inf
    theta, stall = THETA_START, 0
    for _ in range(max_iterations):
        reduced = np.minimum(wcost - u[demand], 0.0)
        r = np.asarray(
            np.bincount(candidate, weights=reduced, minlength=pairs.n_candidate), dtype=np.float64
        )
        chosen = fixed | _top(-r, fixed, free)
        from_existing = has_existing & (wexist < u)
        value = float(
            u[counted].sum() + np.where(from_existing, wexist - u, 0.0).sum() + r[chosen].sum()
        )
        if value > best + 1e-9:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= THETA_STALL:
                theta, stall = theta / 2.0, 0
        assigned = np.bincount(
            demand,
            weights=(chosen[candidate] & (reduced < 0)).astype(np.float64),
            minlength=pairs.n_demand,
        )
        g = np.where(counted, 1.0 - assigned - from_existing, 0.0)
        norm = float(g @ g)
        gap = target - best
        if norm == 0.0 or gap <= tolerance * max(abs(target), 1e-9) or theta < THETA_MIN:
            break
        if time.perf_counter() - started > time_limit_s:
            break
        u = u + theta * max(target - value, 1e-9 * max(abs(target), 1.0)) / norm * g
    return min(best, target)
