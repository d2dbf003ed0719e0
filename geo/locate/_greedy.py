"""Greedy heuristics of the location models, each with a proven bound on the optimum.

Used when an instance is too large for the exact MILP (or when asked for). Coverage and savings
are monotone submodular set functions, so the lazy evaluation of Minoux (1978) is exact: a
candidate's last computed gain is an upper bound on its current gain, and a candidate whose
fresh gain still tops the priority queue is the greedy choice.

Bounds
------
* MCLP (maximise): the smaller of the online bound of Leskovec et al. (2007), ``f(S) + the sum
  of the k largest marginal gains w.r.t. S``, and the ``(1 - 1/e)`` guarantee of Nemhauser,
  Wolsey & Fisher (1978), ``f(P) + (f(S) - f(P)) / (1 - 1/e)`` (``P``: the pre-opened sites).
* p-median (minimise): savings against a per-demand baseline are submodular, so the online
  bound gives ``cost(S) - the sum of the k largest marginal savings``; with the trivial bound
  ``sum_i w_i min_j c_ij`` (every demand at its nearest candidate) the larger is reported.
* LSCP (minimise): the larger of Chvátal's (1979) ``|S| / H(Δ)`` (``H``: harmonic number,
  ``Δ``: the most demands one candidate covers) and a packing bound: demands whose candidate
  sets are pairwise disjoint each need a site of their own.
"""

import heapq
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from geo.locate._milp import Pairs

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# the greedy guarantee for monotone submodular maximisation (Nemhauser, Wolsey & Fisher 1978)
_GREEDY_RATIO = 1.0 - 1.0 / math.e


class GreedySolution(NamedTuple):
    """A greedy solution.

    Attributes
    ----------
    open
        Per candidate: True when opened (pre-opened sites included).
    bound
        Upper bound on the optimum when maximising, lower bound when minimising.
    infeasible_demands
        Demands the solution leaves without a site although they need one (p-median with too
        few sites); empty otherwise.
    """

    open: BoolArray
    bound: float
    infeasible_demands: IntArray


def _columns(pairs: Pairs) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs regrouped by candidate: ``(indptr, order)`` and the pair index of each slot."""
    order = np.argsort(pairs.candidate, kind="stable").astype(np.int64)
    indptr = np.zeros(pairs.n_candidate + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.candidate, minlength=pairs.n_candidate), out=indptr[1:])
    return indptr, order, pairs.demand[order]


def _by_candidate(pairs: Pairs, values: FloatArray) -> FloatArray:
    """Per candidate: the sum of ``values`` over its pairs."""
    return np.asarray(
        np.bincount(pairs.candidate, weights=values, minlength=pairs.n_candidate),
        dtype=np.float64,
    )


def _top_sum(values: FloatArray, k: int) -> float:
    """Sum of the ``k`` largest values (0 when ``k <= 0``)."""
    if k <= 0 or values.size == 0:
        return 0.0
    k = min(k, values.shape[0])
    return float(np.partition(values, values.shape[0] - k)[values.shape[0] - k :].sum())


def greedy_max_cover(
    pairs: Pairs, weight: FloatArray, *, p: int, fixed: BoolArray
) -> GreedySolution:
    """Lazy greedy MCLP: pre-opened sites first, then the largest covered-weight gain each step.

    Parameters
    ----------
    pairs
        Within-radius pairs of the demands that count.
    weight
        Per demand (all demands of the matrix): residents.
    p
        Most sites to open, pre-opened ones included.
    fixed
        Per candidate: pre-opened.
    """
    indptr, _, col_demand = _columns(pairs)
    remaining = weight.astype(np.float64).copy()
    is_open = np.zeros(pairs.n_candidate, dtype=np.bool_)

    def open_site(j: int) -> None:
        is_open[j] = True
        remaining[col_demand[indptr[j] : indptr[j + 1]]] = 0.0

    def gain(j: int) -> float:
        return float(remaining[col_demand[indptr[j] : indptr[j + 1]]].sum())

    for k in np.flatnonzero(fixed):
        open_site(int(k))
    value_fixed = float(weight.sum() - remaining.sum())
    free = p - int(fixed.sum())

    # lazy queue of (-gain upper bound, candidate, step at which the gain was computed)
    heap: list[tuple[float, int, int]] = [
        (-gain(j), j, 0) for j in range(pairs.n_candidate) if not is_open[j]
    ]
    heapq.heapify(heap)
    step = 0
    while heap and step < free:
        neg, j, at = heapq.heappop(heap)
        if at != step:
            heapq.heappush(heap, (-gain(j), j, step))
            continue
        if -neg <= 0.0:
            break
        open_site(j)
        step += 1

    value = float(weight.sum() - remaining.sum())
    gains = _by_candidate(pairs, remaining[pairs.demand])
    gains[is_open] = 0.0
    online = value + _top_sum(gains, free)
    ratio = value_fixed + (value - value_fixed) / _GREEDY_RATIO
    return GreedySolution(is_open, min(online, ratio), np.zeros(0, dtype=np.int64))


def greedy_set_cover(pairs: Pairs, need: BoolArray, *, fixed: BoolArray) -> GreedySolution:
    """Greedy LSCP: pre-opened sites, then the site covering most uncovered demands each step.

    Parameters
    ----------
    pairs
        Within-radius pairs.
    need
        Per demand: True when it must be covered (every such demand has a pair).
    fixed
        Per candidate: pre-opened.
    """
    indptr, _, col_demand = _columns(pairs)
    todo = need.copy()
    is_open = np.zeros(pairs.n_candidate, dtype=np.bool_)

    def open_site(j: int) -> None:
        is_open[j] = True
        todo[col_demand[indptr[j] : indptr[j + 1]]] = False

    def gain(j: int) -> int:
        return int(todo[col_demand[indptr[j] : indptr[j + 1]]].sum())

    for k in np.flatnonzero(fixed):
        open_site(int(k))
    residual = todo.copy()
    heap: list[tuple[float, int, int]] = [
        (-gain(j), j, 0) for j in range(pairs.n_candidate) if not is_open[j]
    ]
    heapq.heapify(heap)
    step = 0
    while heap and todo.any():
        _, j, at = heapq.heappop(heap)
        if at != step:
            heapq.heappush(heap, (-gain(j), j, step))
            continue
        open_site(j)
        step += 1

    # lower bounds on the free sites an optimum needs, on the residual problem
    counts = np.bincount(
        pairs.candidate, weights=residual[pairs.demand], minlength=pairs.n_candidate
    )
    largest = int(counts.max(initial=0.0))
    harmonic = float(np.sum(1.0 / np.arange(1, largest + 1))) if largest else 1.0
    chvatal = math.ceil(step / harmonic - 1e-9)
    bound = int(fixed.sum()) + max(chvatal, _packing(pairs, residual))
    return GreedySolution(is_open, float(bound), np.zeros(0, dtype=np.int64))


def _packing(pairs: Pairs, need: BoolArray) -> int:
    """Demands of ``need`` picked so that no two share a candidate (fewest pairs first)."""
    keep = need[pairs.demand]
    demand, candidate = pairs.demand[keep], pairs.candidate[keep]
    if demand.size == 0:
        return 0
    matrix = sp.csr_array(
        (np.ones(demand.shape[0]), (demand, candidate)), shape=(pairs.n_demand, pairs.n_candidate)
    )
    degree = np.diff(matrix.indptr)
    used = np.zeros(pairs.n_candidate, dtype=np.bool_)
    picked = 0
    for i in np.flatnonzero(need)[np.argsort(degree[need], kind="stable")]:
        cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        if not used[cols].any():
            used[cols] = True
            picked += 1
    return picked


def greedy_p_median(
    pairs: Pairs, weight: FloatArray, existing_cost: FloatArray, *, p: int, fixed: BoolArray
) -> GreedySolution:
    """Lazy greedy p-median on the savings against each demand's current cost.

    A demand without an existing facility starts at a penalty larger than any complete
    solution's total cost, so the greedy reaches every demand before it improves any; demands
    still unreached at the end are returned in ``infeasible_demands``.

    Parameters
    ----------
    pairs
        Finite-cost pairs of the demands that count.
    weight
        Per demand: residents.
    existing_cost
        Per demand: cost to the nearest existing facility (``inf`` if none or not counted).
    p
        Most sites, pre-opened ones included.
    fixed
        Per candidate: pre-opened.
    """
    indptr, order, col_demand = _columns(pairs)
    col_wcost = (weight[pairs.demand] * pairs.cost)[order]
    counted = np.zeros(pairs.n_demand, dtype=np.bool_)
    counted[pairs.demand] = True
    counted |= np.isfinite(existing_cost)
    finite = np.concatenate([pairs.cost, existing_cost[np.isfinite(existing_cost)]])
    scale = float(finite.max(initial=0.0)) + 1.0
    total_w = float(weight[counted].sum())
    # weighted current cost; the penalty exceeds any complete solution (scale * total_w)
    current = np.where(
        np.isfinite(existing_cost), weight * existing_cost, scale * (weight + total_w)
    )
    current[~counted] = 0.0
    reached = np.isfinite(existing_cost) | ~counted
    is_open = np.zeros(pairs.n_candidate, dtype=np.bool_)

    def saving(j: int) -> float:
        lo, hi = indptr[j], indptr[j + 1]
        return float(np.maximum(current[col_demand[lo:hi]] - col_wcost[lo:hi], 0.0).sum())

    def open_site(j: int) -> None:
        lo, hi = indptr[j], indptr[j + 1]
        rows = col_demand[lo:hi]
        np.minimum.at(current, rows, col_wcost[lo:hi])
        reached[rows] = True
        is_open[j] = True

    for k in np.flatnonzero(fixed):
        open_site(int(k))
    free = p - int(fixed.sum())
    heap: list[tuple[float, int, int]] = [
        (-saving(j), j, 0) for j in range(pairs.n_candidate) if not is_open[j]
    ]
    heapq.heapify(heap)
    step = 0
    while heap and step < free:
        neg, j, at = heapq.heappop(heap)
        if at != step:
            heapq.heappush(heap, (-saving(j), j, step))
            continue
        if -neg <= 0.0:
            break
        open_site(j)
        step += 1

    missing = np.flatnonzero(~reached)
    savings = _by_candidate(
        pairs, np.maximum(current[pairs.demand] - weight[pairs.demand] * pairs.cost, 0.0)
    )
    savings[is_open] = 0.0
    online = float(current.sum()) - _top_sum(savings, free)
    nearest = np.full(pairs.n_demand, np.inf)
    np.minimum.at(nearest, pairs.demand, pairs.cost)
    nearest = np.minimum(nearest, existing_cost)
    trivial = float((weight[counted] * nearest[counted]).sum())
    return GreedySolution(is_open, max(online, trivial), missing)


def _lazy_order(
    candidates: IntArray, gain: Callable[[int], float], take: Callable[[int], None]
) -> tuple[IntArray, FloatArray]:
    """Order ``candidates`` greedily by ``gain`` (re-evaluated lazily), calling ``take``."""
    heap: list[tuple[float, int, int]] = [(-gain(int(j)), int(j), 0) for j in candidates]
    heapq.heapify(heap)
    order: list[int] = []
    gains: list[float] = []
    while heap:
        _, j, at = heapq.heappop(heap)
        if at != len(order):
            heapq.heappush(heap, (-gain(j), j, len(order)))
            continue
        order.append(j)
        gains.append(max(gain(j), 0.0))
        take(j)
    return np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=np.float64)


def rank_cover(pairs: Pairs, weight: FloatArray, is_open: BoolArray) -> tuple[IntArray, FloatArray]:
    """The open sites by marginal coverage: each next one brings the most residents not yet
    covered by the ones before it.

    Parameters
    ----------
    pairs
        Within-radius pairs.
    weight
        Per demand: residents still to cover (0 for those existing facilities cover).
    is_open
        Per candidate: opened.

    Returns
    -------
    tuple
        Candidate indices in rank order, and each one's marginal gain, residents.
    """
    indptr, _, col_demand = _columns(pairs)
    remaining = weight.astype(np.float64).copy()

    def gain(j: int) -> float:
        return float(remaining[col_demand[indptr[j] : indptr[j + 1]]].sum())

    def take(j: int) -> None:
        remaining[col_demand[indptr[j] : indptr[j + 1]]] = 0.0

    return _lazy_order(np.flatnonzero(is_open), gain, take)


def rank_median(
    pairs: Pairs, weight: FloatArray, existing_cost: FloatArray, is_open: BoolArray
) -> tuple[IntArray, FloatArray]:
    """The open sites by marginal travel saved: each next one cuts the total weighted cost most.

    A demand without an existing facility starts at the cost of its farthest open site (so the
    first site to reach it saves the difference, not an infinity).

    Returns
    -------
    tuple
        Candidate indices in rank order, and each one's marginal saving, residents x cost unit.
    """
    keep = is_open[pairs.candidate]
    sub = pairs.select(keep)
    indptr, order, col_demand = _columns(sub)
    col_wcost = (weight[sub.demand] * sub.cost)[order]
    worst = np.zeros(pairs.n_demand)
    np.maximum.at(worst, sub.demand, sub.cost)
    current = weight * np.where(np.isfinite(existing_cost), existing_cost, worst)

    def gain(j: int) -> float:
        lo, hi = indptr[j], indptr[j + 1]
        return float(np.maximum(current[col_demand[lo:hi]] - col_wcost[lo:hi], 0.0).sum())

    def take(j: int) -> None:
        lo, hi = indptr[j], indptr[j + 1]
        np.minimum.at(current, col_demand[lo:hi], col_wcost[lo:hi])

    return _lazy_order(np.flatnonzero(is_open), gain, take)
