"""EMS stations and their fleet planned together: the maximum expected covering location problem.

MEXCLP (Daskin 1983, "A maximum expected covering location model: formulation, properties and
heuristic solution", *Transportation Science* 17(1):48–70): every ambulance is busy with the same
probability ``q`` (the system-wide busy fraction), independently, so a demand within reach of
``n`` ambulances is served with probability ``1 - q**n``. The model places ``F`` ambulances on
stations (existing ones and at most ``max_new`` new candidates) to maximise the expected covered
residents ``sum_i w_i (1 - q**n_i)``; here every open station has at least one ambulance (a
station without a vehicle is no station), existing stations keep the vehicles they have, and a
new station is opened by its first ambulance.

The busy fraction comes from a stated call rate and service time (:func:`busy_fraction`):
``q = residents x calls per resident-hour x hours per call / ambulances``, Daskin's estimate.

Solving: the objective is a sum of concave functions of the ambulance counts, so adding
ambulances one at a time, each where it adds most (Daskin's greedy), evaluates gains lazily as
in :mod:`geo.locate._greedy`; single-ambulance moves within a unit then repair its early
choices, and the Lagrangian relaxation of Daskin's linear form
(:mod:`geo.locate._ems_bound`) proves how far the plan can be from the optimum. Small
instances are solved exactly by HiGHS with Daskin's linear form (one variable per demand and
ambulance rank).
"""

import heapq
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import LocationInputError, LocationSolverError
from geo.locate._ems_bound import EmsUnits, improve_moves, lagrangian_bound
from geo.locate._lagrange import merge_alike
from geo.locate.base import _cost_pairs, _radius, _weights

__all__ = ["EMS_MAX_EXACT_VARIABLES", "EmsPlan", "busy_fraction", "expected_coverage", "plan_ems"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Daskin's linear form has one variable per demand and ambulance rank: beyond this many the
# greedy answers (HiGHS proves tiny instances in well under a second)
EMS_MAX_EXACT_VARIABLES = 20_000
# beyond it: at most this long for the moves after the greedy, and for the Lagrangian bound
EMS_MOVES_TIME_LIMIT_S = 3.0
EMS_LAGRANGE_TIME_LIMIT_S = 2.0
_HOURS_PER_YEAR = 8766.0


def busy_fraction(
    residents: float, ambulances: int, *, calls_per_1000_per_year: float, minutes_per_call: float
) -> float:
    """The share of time an ambulance is busy (Daskin 1983's ``q``).

    Parameters
    ----------
    residents
        Residents the fleet serves.
    ambulances
        Ambulances in the fleet (> 0).
    calls_per_1000_per_year
        Calls per 1,000 residents per year.
    minutes_per_call
        Mean time an ambulance is taken by one call (dispatch to available again), minutes.

    Returns
    -------
    float
        ``residents x calls per hour x hours per call / ambulances``, capped below 1.
    """
    if ambulances <= 0 or residents < 0 or calls_per_1000_per_year < 0 or minutes_per_call < 0:
        field = (
            "ambulances"
            if ambulances <= 0
            else "residents"
            if residents < 0
            else "calls_per_1000_per_year"
            if calls_per_1000_per_year < 0
            else "minutes_per_call"
        )
        raise LocationInputError.worded("locate.error.busy_inputs", field=field)
    calls_per_hour = residents / 1000.0 * calls_per_1000_per_year / _HOURS_PER_YEAR
    return float(min(calls_per_hour * minutes_per_call / 60.0 / ambulances, 0.99))


def expected_coverage(
    pairs_matrix: sp.csr_array, weights: FloatArray, fleet: IntArray, q: float
) -> tuple[float, float]:
    """Residents covered by at least one ambulance, and expected covered ``sum w (1 - q**n)``."""
    n = np.asarray(pairs_matrix @ fleet.astype(np.float64), dtype=np.float64).reshape(-1)
    covered = float(weights[n > 0].sum())
    expected = float((weights * (1.0 - np.power(q, n))).sum())
    return covered, expected


@dataclass(frozen=True, eq=False)
class EmsPlan:
    """Stations and fleet chosen by :func:`plan_ems`.

    Attributes
    ----------
    fleet
        Per site (column): ambulances after the plan; existing stations keep at least theirs.
    opened
        Per site: True when a new station opens there.
    order
        Sites in the order their added ambulances were placed (a site may repeat).
    covered_before, covered_after
        Residents within reach of at least one ambulance, before and after.
    expected_before, expected_after
        Expected residents covered given busy ambulances, before and after.
    bound
        Proven upper bound on ``expected_after`` over every plan with the same fleet and
        ``max_new``.
    exact
        True when proven optimal.
    solver
        ``"highs-milp"``, ``"greedy"`` or ``"greedy-moves"`` (the greedy, then single-ambulance
        moves).
    solve_s
        Wall time, seconds.
    bound_source
        What proved ``bound``: ``"milp"``, ``"lagrangian"`` (:mod:`geo.locate._ems_bound`) or
        ``"greedy"`` (the greedy's online bound).
    """

    fleet: IntArray
    opened: NDArray[np.bool_]
    order: IntArray
    covered_before: float
    covered_after: float
    expected_before: float
    expected_after: float
    bound: float
    exact: bool
    solver: str
    solve_s: float
    bound_source: str


def plan_ems(
    cost_matrix: ArrayLike | sp.sparray | sp.spmatrix,
    weights: ArrayLike,
    *,
    service_radius: ArrayLike,
    existing: ArrayLike,
    fleet_total: int,
    max_new: int,
    busy: float,
    method: str = "auto",
    time_limit_s: float = 60.0,
    group: ArrayLike | None = None,
    group_fleet: ArrayLike | None = None,
) -> EmsPlan:
    """Choose new stations and place the fleet on old and new ones (MEXCLP, Daskin 1983).

    Parameters
    ----------
    cost_matrix
        Demand x site cost (seconds or metres; ``inf`` or absent = unreachable); the sites are
        the existing stations and the candidates.
    weights
        Residents per demand.
    service_radius
        Largest cost within which an ambulance covers a demand; scalar or per demand.
    existing
        Per site: ambulances there now; ``-1`` for a candidate (no station yet). An existing
        station with 0 ambulances gets one first.
    fleet_total
        Ambulances after the plan (the norm's requirement); raised to what the existing
        stations need (their vehicles, at least one each).
    max_new
        Most new stations.
    busy
        Probability that an ambulance is busy, ``0 <= q < 1`` (:func:`busy_fraction`).
    method
        ``"auto"`` (exact when small), ``"exact"`` or ``"greedy"``.
    time_limit_s
        Time limit of the exact solve, seconds.
    group, group_fleet
        Optional quotas: per site its group (a county-level unit, ``0..G-1``) and per group
        the ambulances it must end with (the norm counts per unit); a group ends with at least
        what its stations start with, and with no more than that when it has no site to take
        more. ``fleet_total`` is then the sum of the groups'.
    """
    started = time.perf_counter()
    pairs = _cost_pairs(cost_matrix)
    w = _weights(weights, pairs.n_demand)
    radius = _radius(service_radius, pairs.n_demand)
    # demands reached by the same sites are one demand to every placement (exact)
    within, w = merge_alike(pairs.select(pairs.cost <= radius[pairs.demand]), w)
    reach = within.matrix()
    have = np.asarray(existing, dtype=np.int64).reshape(-1)
    if have.shape[0] != pairs.n_candidate:
        raise LocationInputError.worded(
            "locate.error.count_candidates",
            field="existing",
            given=have.shape[0],
            n=pairs.n_candidate,
        )
    if not (0.0 <= busy < 1.0):
        raise LocationInputError.worded("locate.error.busy", field="busy", value=busy)
    if max_new < 0 or fleet_total < 0:
        field, value = ("max_new", max_new) if max_new < 0 else ("fleet_total", fleet_total)
        raise LocationInputError.worded("locate.error.not_negative", field=field, value=value)
    station = have >= 0
    before = np.where(station, np.maximum(have, 0), 0).astype(np.int64)
    start = np.where(station, np.maximum(have, 1), 0).astype(np.int64)
    quota = _quotas(group, group_fleet, start, pairs.n_candidate)
    total = max(int(fleet_total), int(start.sum())) if quota is None else int(quota[1].sum())
    covered_before, expected_before = expected_coverage(reach, w, before, busy)
    n_vars = pairs.n_demand * max(total, 1)
    if method == "exact" or (method == "auto" and n_vars <= EMS_MAX_EXACT_VARIABLES):
        fleet, bound, exact = _exact(
            reach,
            w,
            start=start,
            station=station,
            total=total,
            max_new=max_new,
            q=busy,
            time_limit_s=time_limit_s,
            quota=quota,
        )
        order = np.repeat(np.arange(fleet.shape[0]), fleet - start).astype(np.int64)
        solver, source = "highs-milp", "milp"
    elif method in ("auto", "greedy"):
        fleet, order, bound = _greedy(
            reach,
            w,
            start=start,
            station=station,
            total=total,
            max_new=max_new,
            q=busy,
            quota=quota,
        )
        exact, solver, source = False, "greedy", "greedy"
        units = _units(quota, start, total)
        if method == "auto":
            # single-ambulance moves repair the greedy's early choices (interchange)
            left = time_limit_s - (time.perf_counter() - started)
            fleet, moves = improve_moves(
                reach,
                w,
                fleet,
                q=busy,
                start=start,
                station=station,
                units=units,
                max_new=max_new,
                time_limit_s=min(max(left, 0.0) / 2.0, EMS_MOVES_TIME_LIMIT_S),
            )
            order = _moved(order, moves)
            if moves:
                solver = "greedy-moves"
        left = time_limit_s - (time.perf_counter() - started)
        relaxed = lagrangian_bound(
            reach,
            w,
            fleet,
            q=busy,
            start=start,
            units=units,
            time_limit_s=min(max(left, 0.0), EMS_LAGRANGE_TIME_LIMIT_S),
        )
        if relaxed < bound:
            bound, source = relaxed, "lagrangian"
    else:
        raise LocationInputError.worded(
            "locate.error.method", field="method", value=method, expected="auto, exact, greedy"
        )
    covered_after, expected_after = expected_coverage(reach, w, fleet, busy)
    return EmsPlan(
        fleet=fleet,
        opened=(~station) & (fleet > 0),
        order=order,
        covered_before=covered_before,
        covered_after=covered_after,
        expected_before=expected_before,
        expected_after=expected_after,
        bound=max(bound, expected_after),
        exact=exact or bound <= expected_after + 1e-9,
        solver=solver,
        solve_s=time.perf_counter() - started,
        bound_source=source,
    )


def _units(quota: tuple[IntArray, IntArray] | None, start: IntArray, total: int) -> EmsUnits:
    """Per site its unit and per unit the ambulances it adds (one unit without quotas)."""
    if quota is None:
        return EmsUnits(
            np.zeros(start.shape[0], dtype=np.int64),
            np.asarray([max(total - int(start.sum()), 0)], dtype=np.int64),
        )
    site_group, target = quota
    present = np.bincount(site_group, weights=start, minlength=target.shape[0]).astype(np.int64)
    return EmsUnits(site_group, np.maximum(target - present, 0).astype(np.int64))


def _moved(order: IntArray, moves: list[tuple[int, int]]) -> IntArray:
    """The placement order once each move took an ambulance from one site to another."""
    out = order.tolist()
    for a, b in moves:
        # the move takes the last ambulance placed at a
        last = len(out) - 1 - out[::-1].index(a)
        del out[last]
        out.append(b)
    return np.asarray(out, dtype=np.int64)


def _greedy(
    reach: sp.csr_array,
    w: FloatArray,
    *,
    start: IntArray,
    station: NDArray[np.bool_],
    total: int,
    max_new: int,
    q: float,
    quota: tuple[IntArray, IntArray] | None,
) -> tuple[IntArray, IntArray, float]:
    """Daskin's greedy, lazily: each next ambulance where it adds most expected coverage."""
    cols = sp.csc_array(reach)
    fleet = start.copy()
    n = np.asarray(reach @ fleet.astype(np.float64), dtype=np.float64).reshape(-1)
    # the next ambulance at site j adds sum_{i in N_j} w_i q**n_i (1 - q)
    served = w * np.power(q, n) * (1.0 - q)

    def gain(j: int) -> float:
        rows = cols.indices[cols.indptr[j] : cols.indptr[j + 1]]
        return float(served[rows].sum())

    # ambulances each group may still take (one group for all without quotas)
    site_group = np.zeros(fleet.shape[0], dtype=np.int64) if quota is None else quota[0]
    room = (
        np.asarray([total - int(start.sum())], dtype=np.int64)
        if quota is None
        else quota[1]
        - np.bincount(site_group, weights=start, minlength=quota[1].shape[0]).astype(np.int64)
    )
    heap = [(-gain(j), j, 0) for j in range(fleet.shape[0])]
    heapq.heapify(heap)
    order: list[int] = []
    new = 0
    while len(order) < total - int(start.sum()) and heap:
        _, j, at = heapq.heappop(heap)
        if (not station[j] and fleet[j] == 0 and new >= max_new) or room[site_group[j]] <= 0:
            # no new station left to open, or its unit's quota is placed: this site is out
            continue
        if at != len(order):
            heapq.heappush(heap, (-gain(j), j, len(order)))
            continue
        if not station[j] and fleet[j] == 0:
            new += 1
        fleet[j] += 1
        room[site_group[j]] -= 1
        order.append(j)
        rows = cols.indices[cols.indptr[j] : cols.indptr[j + 1]]
        served[rows] *= q
        heapq.heappush(heap, (-gain(j), j, len(order)))
    n_after = np.asarray(reach @ fleet.astype(np.float64), dtype=np.float64).reshape(-1)
    value = float((w * (1.0 - np.power(q, n_after))).sum())
    gains = np.asarray(cols.T @ served, dtype=np.float64).reshape(-1)
    # online bound (Leskovec et al. 2007): an optimum adds the same number of ambulances, each
    # worth at most the largest single gain given this plan (coverage is concave in the count)
    added = total - int(start.sum())
    bound = value + added * float(gains.max(initial=0.0))
    return fleet, np.asarray(order, dtype=np.int64), bound


def _quotas(
    group: ArrayLike | None, group_fleet: ArrayLike | None, start: IntArray, n_sites: int
) -> tuple[IntArray, IntArray] | None:
    """Per site its group, and per group the ambulances it ends with (checked, made feasible)."""
    if group is None and group_fleet is None:
        return None
    if group is None or group_fleet is None:
        field = "group_fleet" if group_fleet is None else "group"
        raise LocationInputError.worded("locate.error.group_pair", field=field)
    site_group = np.asarray(group, dtype=np.int64).reshape(-1)
    target = np.asarray(group_fleet, dtype=np.int64).reshape(-1)
    if (
        site_group.shape[0] != n_sites
        or (site_group < 0).any()
        or (site_group.size and site_group.max() >= target.shape[0])
    ):
        raise LocationInputError.worded(
            "locate.error.group", field="group", n=n_sites, groups=target.shape[0]
        )
    present = np.bincount(site_group, weights=start, minlength=target.shape[0]).astype(np.int64)
    has_site = np.bincount(site_group, minlength=target.shape[0]) > 0
    # a group ends with at least its stations' vehicles; without a site it cannot take more
    return site_group, np.where(has_site, np.maximum(target, present), present)


def _quota_rows(
    quota: tuple[IntArray, IntArray] | None, n_s: int, n_var: int
) -> list[LinearConstraint]:
    """Rows ``sum_{j in g} a_j = fleet_g``, one per group."""
    if quota is None:
        return []
    site_group, target = quota
    a = sp.csr_array((np.ones(n_s), (site_group, np.arange(n_s))), shape=(target.shape[0], n_var))
    return [LinearConstraint(a, target.astype(np.float64), target.astype(np.float64))]


def _exact(
    reach: sp.csr_array,
    w: FloatArray,
    *,
    start: IntArray,
    station: NDArray[np.bool_],
    total: int,
    max_new: int,
    q: float,
    time_limit_s: float,
    quota: tuple[IntArray, IntArray] | None,
) -> tuple[IntArray, float, bool]:
    """Daskin's linear MEXCLP with stations: ``max sum_ik w_i (1-q) q**(k-1) y_ik``.

    Variables ``[a (ambulances per site, integer) | s (new station open, binary) | y_ik]``:
    ``sum_k y_ik <= sum_{j in N_i} a_j``, ``sum_j a_j = total``, ``a_j >= start_j``,
    ``s_j <= a_j <= total s_j`` at candidates, ``sum s_j <= max_new``.
    """
    n_d, n_s = reach.shape
    ranks = max(total, 1)
    n_y = n_d * ranks
    n_var = 2 * n_s + n_y
    coef = (1.0 - q) * np.power(q, np.arange(ranks))
    c = np.concatenate([np.zeros(2 * n_s), -(w[:, None] * coef[None, :]).reshape(-1)])
    y_of = np.arange(n_y).reshape(n_d, ranks)
    coo = sp.coo_array(reach)
    cover = sp.csr_array(
        (
            np.concatenate([np.ones(n_y), -coo.data]),
            (
                np.concatenate([np.repeat(np.arange(n_d), ranks), coo.row]),
                np.concatenate([2 * n_s + y_of.reshape(-1), coo.col]),
            ),
        ),
        shape=(n_d, n_var),
    )
    fleet_row = sp.csr_array(
        (np.ones(n_s), (np.zeros(n_s, dtype=np.int64), np.arange(n_s))), shape=(1, n_var)
    )
    cand = np.flatnonzero(~station)
    m = cand.shape[0]
    # a_j - s_j >= 0 and a_j - total s_j <= 0 at candidates
    link = sp.csr_array(
        (
            np.concatenate([np.ones(m), -np.ones(m), np.ones(m), -float(total) * np.ones(m)]),
            (
                np.concatenate([np.arange(m), np.arange(m), m + np.arange(m), m + np.arange(m)]),
                np.concatenate([cand, n_s + cand, cand, n_s + cand]),
            ),
        ),
        shape=(2 * m, n_var),
    )
    budget = sp.csr_array((np.ones(m), (np.zeros(m, dtype=np.int64), n_s + cand)), shape=(1, n_var))
    lower = np.zeros(n_var)
    lower[:n_s] = start
    upper = np.ones(n_var)
    upper[:n_s] = total
    upper[n_s : 2 * n_s][station] = 0.0
    integrality = np.zeros(n_var, dtype=np.int64)
    integrality[: 2 * n_s] = 1
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        constraints=[
            LinearConstraint(cover, -np.inf, 0.0),
            LinearConstraint(fleet_row, total, total),
            LinearConstraint(
                link,
                np.r_[np.zeros(m), np.full(m, -np.inf)],
                np.r_[np.full(m, np.inf), np.zeros(m)],
            ),
            LinearConstraint(budget, -np.inf, float(max_new)),
            *_quota_rows(quota, n_s, n_var),
        ],
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 0.0},
    )
    if res.x is None:
        raise LocationSolverError.worded(
            "locate.error.no_solution", field="time_limit_s", model="MEXCLP", status=res.message
        )
    fleet = np.rint(res.x[:n_s]).astype(np.int64)
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else float(w.sum())
    return fleet, bound, res.status == 0
