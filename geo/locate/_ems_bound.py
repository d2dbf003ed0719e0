"""Lagrangian upper bound of the MEXCLP with stations, and a move search that tightens the plan.

Daskin's (1983) linear form maximises ``sum_ik c_ik y_ik`` with ``c_ik = w_i (1 - q) q**(k-1)``
(the k-th ambulance within reach of demand ``i`` is worth ``c_ik``), ``sum_k y_ik <= n_i`` and
``n_i = sum_{j in N_i} a_j``. Relaxing the coverage rows with multipliers ``l_i >= 0`` (as
Galvão & ReVelle 1996 relax the MCLP's) leaves two easy problems:

* per demand, ``max sum_k (c_ik - l_i) y_ik``: every rank worth more than ``l_i``, ``m_i`` of
  them, ``w_i (1 - q**m_i) - m_i l_i``;
* per county-level unit, its ambulances beyond the stations' present ones all at the site of
  largest ``L_j = sum_{i in N_j} l_i``.

``L(l)``, their sum, bounds every plan from above (the rule of at most ``max_new`` new
stations is dropped, which only raises it). At ``l_i = c_{i, n_i + 1}`` (the worth of one more
ambulance to ``i`` in a given plan) ``L`` is the plan's value plus, per added ambulance, how
much more the best site of its unit would add than its own; the subgradient method (Held,
Wolfe & Crowder 1974) lowers it from there.
"""

import time
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

# the subgradient schedule of the covering bound
from geo.locate._lagrange import THETA_MIN, THETA_STALL, THETA_START

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class EmsUnits(NamedTuple):
    """Where ambulances may go: per site its unit, and per unit the ambulances it may add.

    Attributes
    ----------
    site_unit
        Per site: its unit, ``0..U-1`` (one unit for all when the plan sets no quotas).
    extra
        Per unit: ambulances added beyond the stations' starting ones (>= 0).
    """

    site_unit: IntArray
    extra: IntArray


def expected_value(reach: sp.csr_array, w: FloatArray, fleet: IntArray, q: float) -> float:
    """Expected covered residents ``sum_i w_i (1 - q**n_i)`` of a fleet placement."""
    n = np.asarray(reach @ fleet.astype(np.float64), dtype=np.float64).reshape(-1)
    return float((w * (1.0 - np.power(q, n))).sum())


def _ranks_above(w: FloatArray, lam: FloatArray, q: float, ranks: int) -> IntArray:
    """Per demand: how many ranks ``k <= ranks`` are worth more than ``lam``."""
    first = w * (1.0 - q)
    m = np.zeros(w.shape[0], dtype=np.int64)
    if q <= 0.0:
        return np.where(first > lam, min(ranks, 1), 0).astype(np.int64)
    free = lam <= 0.0
    some = ~free & (first > lam)
    # c_k > lam  <=>  k - 1 < log(lam / c_1) / log(q)
    t = np.log(lam[some] / first[some]) / np.log(q)
    m[some] = np.ceil(t - 1e-12).astype(np.int64)
    m[free & (w > 0)] = ranks
    return np.minimum(np.maximum(m, 0), ranks)


def _relaxed(
    reach: sp.csr_array,
    reach_t: sp.csr_array,
    w: FloatArray,
    lam: FloatArray,
    *,
    q: float,
    start: IntArray,
    units: EmsUnits,
    ranks: int,
) -> tuple[float, FloatArray]:
    """``L(lam)`` and its subgradient ``n_i(a*) - m_i``."""
    m = _ranks_above(w, lam, q, ranks)
    demand_part = float((w * (1.0 - np.power(q, m)) - m * lam).sum())
    site_value = np.asarray(reach_t @ lam, dtype=np.float64).reshape(-1)
    fleet = start.astype(np.float64).copy()
    value = demand_part + float(start @ site_value)
    n_units = units.extra.shape[0]
    # per unit, the site of largest value takes the unit's added ambulances
    order = np.lexsort((-site_value, units.site_unit))
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = units.site_unit[order][1:] != units.site_unit[order][:-1]
    best_site = order[first]
    best_unit = units.site_unit[best_site]
    extra = np.zeros(n_units)
    extra[: units.extra.shape[0]] = units.extra
    fleet[best_site] += extra[best_unit]
    value += float((extra[best_unit] * site_value[best_site]).sum())
    n = np.asarray(reach @ fleet, dtype=np.float64).reshape(-1)
    return value, n - m


def lagrangian_bound(
    reach: sp.csr_array,
    w: FloatArray,
    fleet: IntArray,
    *,
    q: float,
    start: IntArray,
    units: EmsUnits,
    time_limit_s: float,
    tolerance: float = 1e-4,
    max_iterations: int = 300,
) -> float:
    """Upper bound on the expected coverage of any plan, residents.

    Parameters
    ----------
    reach
        Demand x site 0/1 array: the site's ambulances reach the demand in time.
    w
        Residents per demand.
    fleet
        A feasible plan (ambulances per site): the multipliers start from its marginal values,
        and its value is the target of the step size.
    q
        Busy fraction.
    start
        Per site: the ambulances it starts with (kept).
    units
        Per site its unit, and the ambulances each unit adds.
    time_limit_s
        Stop after this many seconds.
    tolerance
        Stop once ``(bound - value) / bound`` is at most this.
    max_iterations
        Stop after this many iterations.
    """
    started = time.perf_counter()
    reach = sp.csr_array(reach, dtype=np.float64)
    reach_t = sp.csr_array(reach.T)
    ranks = int(start.sum() + units.extra.sum())
    value = expected_value(reach, w, fleet, q)
    n = np.asarray(reach @ fleet.astype(np.float64), dtype=np.float64).reshape(-1)
    lam = w * (1.0 - q) * np.power(q, n)
    best = float(w.sum())
    theta, stall = THETA_START, 0
    for _ in range(max_iterations):
        bound, g = _relaxed(reach, reach_t, w, lam, q=q, start=start, units=units, ranks=ranks)
        if bound < best - 1e-9:
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= THETA_STALL:
                theta, stall = theta / 2.0, 0
        norm = float(g @ g)
        done = best - value <= tolerance * max(best, 1e-9) or theta < THETA_MIN
        if done or norm == 0.0 or time.perf_counter() - started > time_limit_s:
            break
        step = theta * max(bound - value, 1e-9 * max(best, 1.0)) / norm
        lam = np.maximum(lam - step * g, 0.0)
    return max(best, value)


def improve_moves(
    reach: sp.csr_array,
    w: FloatArray,
    fleet: IntArray,
    *,
    q: float,
    start: IntArray,
    station: NDArray[np.bool_],
    units: EmsUnits,
    max_new: int,
    time_limit_s: float,
    max_moves: int = 1000,
) -> tuple[IntArray, list[tuple[int, int]]]:
    """Move one added ambulance at a time to where it adds more, within its unit.

    Each step makes the move (from a site holding more than it starts with, to another site of
    the same unit) that gains most expected coverage, while one gains; a move may close a new
    station (its last ambulance leaves) or open one (within ``max_new``).

    Returns
    -------
    tuple
        The improved fleet, and the moves made as ``(from site, to site)``.
    """
    started = time.perf_counter()
    rows_of = sp.csr_array(reach, dtype=np.float64)
    cols = sp.csc_array(rows_of)
    out = fleet.copy()
    n = np.asarray(rows_of @ out.astype(np.float64), dtype=np.float64).reshape(-1)
    moves: list[tuple[int, int]] = []
    while len(moves) < max_moves and time.perf_counter() - started < time_limit_s:
        # one more ambulance at b adds sum_{i in N_b} w_i (1 - q) q**n_i
        worth = w * (1.0 - q) * np.power(q, n)
        add = np.asarray(cols.T @ worth, dtype=np.float64).reshape(-1)
        n_new = int(((~station) & (out > 0)).sum())
        best_gain, best_move = 1e-9 * max(float(w.sum()), 1.0), (-1, -1)
        for site in np.flatnonzero(out > start).tolist():
            rows = cols.indices[cols.indptr[site] : cols.indptr[site + 1]]
            # the site loses its ambulance's worth; the demands it reaches then weigh more
            before = w[rows] * (1.0 - q) * np.power(q, n[rows] - 1.0)
            loss = float(before.sum())
            more = rows_of[rows].T @ (before - worth[rows])
            net = add + np.asarray(more, dtype=np.float64).reshape(-1) - loss
            other = (units.site_unit != units.site_unit[site]) | (np.arange(net.shape[0]) == site)
            net[other] = -np.inf
            closes = (not station[site]) and out[site] == 1
            if n_new - int(closes) >= max_new:
                net[(~station) & (out == 0)] = -np.inf
            b = int(np.argmax(net))
            if net[b] > best_gain:
                best_gain, best_move = float(net[b]), (site, b)
        if best_move[0] < 0:
            break
        a, b = best_move
        out[a] -= 1
        out[b] += 1
        n[cols.indices[cols.indptr[a] : cols.indptr[a + 1]]] -= 1.0
        n[cols.indices[cols.indptr[b] : cols.indptr[b + 1]]] += 1.0
        moves.append((a, b))
    return out, moves
