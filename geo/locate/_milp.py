"""Sparse MILP formulations of the location models, solved by HiGHS through ``scipy.optimize.milp``.

Every formulation keeps only the demand–candidate *pairs* that matter (within the service radius
for the coverage models, finite cost for the p-median), so the constraint matrices are built in
one vectorised step with ``scipy.sparse`` and their size follows the number of pairs, not
``n_demand * n_candidate``. Variables are ordered ``[x (one per candidate) | the rest]``; ``x`` is
binary (site opened), everything else continuous in ``[0, 1]``: with ``x`` integral the optimal
assignment variables of the uncapacitated models are integral too, and in the capacitated models
a demand (a cell of many residents) may be split between sites unless ``single_source`` makes
the assignment binary as well.
"""

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# HiGHS stops at its default relative gap of 1e-4; 0 makes "optimal" mean proven optimal
_MIP_REL_GAP = 0.0
# an assignment share below this is solver noise (HiGHS's primal feasibility tolerance, 1e-7)
_SHARE_EPS = 1e-7


class Pairs(NamedTuple):
    """Demand–candidate pairs in demand-major order.

    Attributes
    ----------
    demand, candidate
        Row (demand) and column (candidate) index of each pair.
    cost
        Cost of each pair, in the cost matrix's unit (seconds or metres).
    n_demand, n_candidate
        Shape of the cost matrix.
    """

    demand: IntArray
    candidate: IntArray
    cost: FloatArray
    n_demand: int
    n_candidate: int

    def select(self, keep: BoolArray) -> "Pairs":
        """The pairs where ``keep`` is True."""
        return Pairs(
            self.demand[keep],
            self.candidate[keep],
            self.cost[keep],
            self.n_demand,
            self.n_candidate,
        )

    def matrix(self, values: FloatArray | None = None) -> sp.csr_array:
        """The pairs as a ``(n_demand, n_candidate)`` CSR array of ``values`` (default ones)."""
        data = np.ones(self.demand.shape[0]) if values is None else values
        return sp.csr_array(
            (data, (self.demand, self.candidate)), shape=(self.n_demand, self.n_candidate)
        )


class MilpSolution(NamedTuple):
    """What a MILP run returned.

    Attributes
    ----------
    open
        Per candidate: True when opened; ``None`` when HiGHS found no feasible solution.
    share
        Per pair (aligned with the pairs given): the share of the demand assigned to it; ``None``
        for the models without assignment variables (LSCP, uncapacitated MCLP).
    objective
        HiGHS's objective in minimisation form (a maximised value is negated); ``nan`` when no
        solution.
    dual_bound
        Proven lower bound on the minimisation objective.
    optimal
        True when HiGHS proved optimality.
    infeasible
        True when HiGHS proved that no solution exists.
    message
        HiGHS's status message.
    """

    open: BoolArray | None
    share: FloatArray | None
    objective: float
    dual_bound: float
    optimal: bool
    infeasible: bool
    message: str


def _run(
    c: FloatArray,
    n_candidate: int,
    rows: list[tuple[sp.csr_array, FloatArray, FloatArray]],
    *,
    lower_x: FloatArray,
    time_limit_s: float,
    all_integer: bool = False,
) -> tuple[FloatArray | None, MilpSolution]:
    """Solve ``min c @ v`` with ``v = [x | rest]``, ``x`` binary with the given lower bounds.

    ``all_integer`` makes the rest binary too (single-source assignment).
    """
    n_var = c.shape[0]
    lower = np.zeros(n_var)
    lower[:n_candidate] = lower_x
    integrality = np.zeros(n_var, dtype=np.int64)
    integrality[: n_var if all_integer else n_candidate] = 1
    constraints = [LinearConstraint(a, lb, ub) for a, lb, ub in rows if a.shape[0]]
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lower, np.ones(n_var)),
        constraints=constraints,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": _MIP_REL_GAP},
    )
    x = None if res.x is None else np.asarray(res.x, dtype=np.float64)
    bound = getattr(res, "mip_dual_bound", None)
    solution = MilpSolution(
        open=None if x is None else x[:n_candidate] > 0.5,
        share=None,
        objective=math.nan if res.fun is None else float(res.fun),
        dual_bound=-math.inf if bound is None or not np.isfinite(bound) else float(bound),
        optimal=res.status == 0,
        # scipy reports HiGHS model errors with the same status as infeasibility
        infeasible=res.status == 2 and "infeasible" in str(res.message).lower(),
        message=str(res.message),
    )
    return x, solution


def _sum_rows(n_rows: int, row: IntArray, col: IntArray, n_cols: int) -> sp.csr_array:
    """A 0/1 CSR array with a one at every ``(row, col)``."""
    return sp.csr_array((np.ones(row.shape[0]), (row, col)), shape=(n_rows, n_cols))


def _at_most_p(n_candidate: int, n_var: int, p: int) -> tuple[sp.csr_array, FloatArray, FloatArray]:
    """The row ``sum(x) <= p``."""
    cols = np.arange(n_candidate)
    a = sp.csr_array(
        (np.ones(n_candidate), (np.zeros(n_candidate, dtype=np.int64), cols)), shape=(1, n_var)
    )
    return a, np.array([-np.inf]), np.array([float(p)])


def _pair_rows(
    pairs: Pairs, n_var: int, offset: int
) -> tuple[sp.csr_array, FloatArray, FloatArray]:
    """Rows ``z_ij - x_j <= 0``, one per pair; ``z`` starts at column ``offset``."""
    n_pairs = pairs.demand.shape[0]
    k = np.arange(n_pairs)
    a = sp.csr_array(
        (
            np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
            (np.concatenate([k, k]), np.concatenate([offset + k, pairs.candidate])),
        ),
        shape=(n_pairs, n_var),
    )
    return a, np.full(n_pairs, -np.inf), np.zeros(n_pairs)


def _capacity_rows(
    pairs: Pairs, weight: FloatArray, capacity: FloatArray, n_var: int, offset: int
) -> tuple[sp.csr_array, FloatArray, FloatArray]:
    """Rows ``sum_i w_i z_ij - C_j x_j <= 0``, one per candidate."""
    n_c, n_pairs = pairs.n_candidate, pairs.demand.shape[0]
    cand = np.arange(n_c)
    # HiGHS takes no infinite coefficient: a capacity above all the demand never binds
    finite_capacity = np.minimum(capacity, float(weight.sum()))
    a = sp.csr_array(
        (
            np.concatenate([weight[pairs.demand], -finite_capacity]),
            (
                np.concatenate([pairs.candidate, cand]),
                np.concatenate([offset + np.arange(n_pairs), cand]),
            ),
        ),
        shape=(n_c, n_var),
    )
    return a, np.full(n_c, -np.inf), np.zeros(n_c)


def solve_set_cover(
    pairs: Pairs, need: BoolArray, *, fixed: BoolArray, time_limit_s: float
) -> MilpSolution:
    """LSCP: fewest sites so that every demand in ``need`` has an open site among its pairs.

    Toregas, Swain, ReVelle & Bergman (1971): ``min sum_j x_j`` s.t. ``sum_{j in N_i} x_j >= 1``
    for every demand ``i`` to cover. ``pairs`` are the within-radius pairs.
    """
    n_c = pairs.n_candidate
    kept = pairs.select(need[pairs.demand])
    rows_of, row = np.unique(kept.demand, return_inverse=True)
    a = _sum_rows(rows_of.shape[0], row, kept.candidate, n_c)
    _, solution = _run(
        np.ones(n_c),
        n_c,
        [(a, np.ones(a.shape[0]), np.full(a.shape[0], np.inf))],
        lower_x=fixed.astype(np.float64),
        time_limit_s=time_limit_s,
    )
    return solution


def solve_max_cover(
    pairs: Pairs,
    weight: FloatArray,
    *,
    p: int,
    fixed: BoolArray,
    capacity: FloatArray | None,
    time_limit_s: float,
    single_source: bool = False,
) -> MilpSolution:
    """MCLP: open at most ``p`` sites maximising the weight of covered demands.

    Church & ReVelle (1974): ``max sum_i w_i y_i`` s.t. ``y_i <= sum_{j in N_i} x_j``,
    ``sum_j x_j <= p``, ``y_i <= 1``. With capacities (residents per site) the coverage of a
    demand is its assignment ``sum_j z_ij`` with ``z_ij <= x_j`` and ``sum_i w_i z_ij <= C_j x_j``.
    ``pairs`` are the within-radius pairs of the demands that still count (weight > 0);
    ``single_source`` assigns each demand wholly to one site.
    """
    n_c = pairs.n_candidate
    rows_of, row = np.unique(pairs.demand, return_inverse=True)
    n_rows = rows_of.shape[0]
    if capacity is None:
        # v = [x | y]; y_i - sum_{j in N_i} x_j <= 0
        n_var = n_c + n_rows
        a = sp.csr_array(
            (
                np.concatenate([np.ones(n_rows), -np.ones(row.shape[0])]),
                (
                    np.concatenate([np.arange(n_rows), row]),
                    np.concatenate([n_c + np.arange(n_rows), pairs.candidate]),
                ),
            ),
            shape=(n_rows, n_var),
        )
        c = np.concatenate([np.zeros(n_c), -weight[rows_of]])
        _, solution = _run(
            c,
            n_c,
            [(a, np.full(n_rows, -np.inf), np.zeros(n_rows)), _at_most_p(n_c, n_var, p)],
            lower_x=fixed.astype(np.float64),
            time_limit_s=time_limit_s,
        )
        return solution

    # v = [x | z]; sum_j z_ij <= 1, z_ij <= x_j, capacities, sum x <= p
    n_pairs = pairs.demand.shape[0]
    n_var = n_c + n_pairs
    one = sp.csr_array((np.ones(n_pairs), (row, n_c + np.arange(n_pairs))), shape=(n_rows, n_var))
    c = np.concatenate([np.zeros(n_c), -weight[pairs.demand]])
    x, solution = _run(
        c,
        n_c,
        [
            (one, np.full(n_rows, -np.inf), np.ones(n_rows)),
            _pair_rows(pairs, n_var, n_c),
            _capacity_rows(pairs, weight, capacity, n_var, n_c),
            _at_most_p(n_c, n_var, p),
        ],
        lower_x=fixed.astype(np.float64),
        time_limit_s=time_limit_s,
        all_integer=single_source,
    )
    return solution._replace(share=None if x is None else _clean_share(x[n_c:]))


def solve_p_median(
    pairs: Pairs,
    weight: FloatArray,
    existing_cost: FloatArray,
    *,
    p: int,
    fixed: BoolArray,
    capacity: FloatArray | None,
    time_limit_s: float,
    single_source: bool = False,
) -> MilpSolution:
    """p-median: at most ``p`` sites minimising the total weighted cost of serving every demand.

    Hakimi (1964), ReVelle & Swain (1970): ``min sum_ij w_i c_ij z_ij`` s.t. ``sum_j z_ij = 1``,
    ``z_ij <= x_j``, ``sum_j x_j <= p``; with capacities ``sum_i w_i z_ij <= C_j x_j``. A demand
    with a finite ``existing_cost`` may instead be served by the existing facilities at that cost
    (an always-open, uncapacitated extra column). ``pairs`` are the finite pairs of the demands
    that count; ``single_source`` assigns each demand wholly to one site (as spopt does).
    """
    n_c = pairs.n_candidate
    rows_of, row = np.unique(
        np.concatenate([pairs.demand, np.flatnonzero(np.isfinite(existing_cost))]),
        return_inverse=True,
    )
    n_rows = rows_of.shape[0]
    n_pairs = pairs.demand.shape[0]
    has_existing = np.isfinite(existing_cost[rows_of])
    n_existing = int(has_existing.sum())
    # v = [x | z (one per pair) | e (one per demand with an existing facility)]
    n_var = n_c + n_pairs + n_existing
    pair_row = row[:n_pairs]
    exist_row = np.flatnonzero(has_existing)
    assign = sp.csr_array(
        (
            np.ones(n_pairs + n_existing),
            (
                np.concatenate([pair_row, exist_row]),
                np.concatenate([n_c + np.arange(n_pairs), n_c + n_pairs + np.arange(n_existing)]),
            ),
        ),
        shape=(n_rows, n_var),
    )
    exist_demand = rows_of[exist_row]
    c = np.concatenate(
        [
            np.zeros(n_c),
            weight[pairs.demand] * pairs.cost,
            weight[exist_demand] * existing_cost[exist_demand],
        ]
    )
    rows = [
        (assign, np.ones(n_rows), np.ones(n_rows)),
        _pair_rows(pairs, n_var, n_c),
        _at_most_p(n_c, n_var, p),
    ]
    if capacity is not None:
        rows.append(_capacity_rows(pairs, weight, capacity, n_var, n_c))
    x, solution = _run(
        c,
        n_c,
        rows,
        lower_x=fixed.astype(np.float64),
        time_limit_s=time_limit_s,
        all_integer=single_source,
    )
    return solution._replace(share=None if x is None else _clean_share(x[n_c : n_c + n_pairs]))


def _clean_share(share: FloatArray) -> FloatArray:
    """Shares clipped to [0, 1] with solver noise set to exactly 0 or 1."""
    out = np.clip(share, 0.0, 1.0)
    out[out < _SHARE_EPS] = 0.0
    out[out > 1.0 - _SHARE_EPS] = 1.0
    return out


def max_cover_lp_bound(
    pairs: Pairs, weight: FloatArray, *, p: int, fixed: BoolArray, time_limit_s: float
) -> tuple[float, FloatArray | None]:
    """Upper bound of the uncapacitated MCLP from its LP relaxation (HiGHS), residents, and
    the relaxed site values ``x`` (None without an optimal LP).

    The relaxation of Church & ReVelle's formulation is often integral or nearly so on covering
    instances (Yongzhou's EMS radius: integral), so its value proves a heuristic's solution
    within a small gap and its largest ``x`` are a solution; ``inf`` when HiGHS stops before an
    optimal LP (time limit).

    HiGHS solves the LP's dual, which has one row per candidate instead of one per demand:
    ``min sum_i (w_i - l_i) + sum_{j fixed} L_j + (p - |fixed|) m + sum_j s_j`` over
    ``0 <= l_i <= w_i``, ``m, s_j >= 0``, with ``L_j - m - s_j <= 0`` for every other candidate
    (``L_j = sum_{i in N_j} l_i``; the multipliers of Galvão & ReVelle's Lagrangian, see
    :mod:`geo.locate._lagrange`). A prefecture's instance (14k demands, 1.2k candidates) takes
    HiGHS's dual simplex about a second this way, half a minute the other. The relaxed ``x``
    are the dual values of those rows.
    """
    n_c = pairs.n_candidate
    rows_of, row = np.unique(pairs.demand, return_inverse=True)
    n_rows = rows_of.shape[0]
    free = p - int(fixed.sum())
    # per demand: the pre-opened sites that reach it, each counting its multiplier once
    n_fixed = np.bincount(row, weights=fixed[pairs.candidate].astype(np.float64), minlength=n_rows)
    open_c = np.flatnonzero(~fixed)
    keep = ~fixed[pairs.candidate]
    slot = np.full(n_c, -1, dtype=np.int64)
    slot[open_c] = np.arange(open_c.shape[0])
    n_open = open_c.shape[0]
    w = weight[rows_of]
    if free <= 0 or n_open == 0:
        # nothing left to choose: the pre-opened sites' coverage is the optimum
        value = float(w[n_fixed > 0].sum())
        return value, fixed.astype(np.float64)
    # v = [l (one per demand) | m | s (one per free candidate)]
    a = sp.csr_array(
        (
            np.concatenate([np.ones(int(keep.sum())), -np.ones(n_open), -np.ones(n_open)]),
            (
                np.concatenate([slot[pairs.candidate[keep]], np.arange(n_open), np.arange(n_open)]),
                np.concatenate(
                    [row[keep], np.full(n_open, n_rows), n_rows + 1 + np.arange(n_open)]
                ),
            ),
        ),
        shape=(n_open, n_rows + 1 + n_open),
    )
    c = np.concatenate([n_fixed - 1.0, [float(free)], np.ones(n_open)])
    bounds = np.column_stack(
        [np.zeros(c.shape[0]), np.concatenate([w, np.full(1 + n_open, np.inf)])]
    )
    res = linprog(
        c,
        A_ub=a,
        b_ub=np.zeros(n_open),
        bounds=bounds,
        method="highs-ds",
        options={"time_limit": float(time_limit_s)},
    )
    if res.status != 0 or res.fun is None or res.ineqlin is None:
        return math.inf, None
    x = fixed.astype(np.float64)
    x[open_c] = np.clip(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0, 1.0)
    return float(w.sum() + res.fun), x
