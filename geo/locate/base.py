"""Location-allocation: what the models share (the result, input checks, solve plumbing).

The models follow pysal/spopt's shape: build with ``Model.from_cost_matrix(cost, ...)``, then
``.solve()``. They need only a cost matrix (demand x candidate, seconds or metres; ``inf`` =
unreachable; a scipy sparse matrix lists only its finite pairs), so any travel-time source plugs
in: :func:`geo.access.matrix.travel_time_matrix` gives one from a road network. The models are
in :mod:`geo.locate.coverage` and :mod:`geo.locate.p_median`; candidates in the gap zones come
from :func:`geo.locate.candidates.gap_candidates`.

* :class:`LSCP` — location set covering (Toregas, Swain, ReVelle & Bergman 1971, *Operations
  Research* 19(6)): the fewest sites so that every resident is within the service radius of one.
* :class:`MCLP` — maximal covering location (Church & ReVelle 1974, *Papers of the Regional
  Science Association* 32): ``p`` sites covering the most residents.
* :class:`PMedian` — p-median (Hakimi 1964, *Operations Research* 12(3); ReVelle & Swain 1970,
  *Geographical Analysis* 2(1)): ``p`` sites minimising total resident travel cost; optionally
  capacitated.

Per-demand thresholds: ``service_radius`` is a scalar or one value per demand, so urban and
rural cells can use the urban and rural norm (e.g. 15 and 30 minutes, ../shared/plans/NORMS.md).
Existing facilities: cells already covered (``covered_by_existing``) need no new site, so MCLP
maximises the *gain* and LSCP covers only the rest; for the p-median a demand may stay with its
existing facility (``existing_cost``). ``predefined_facilities`` are candidates opened whatever
(spopt's ``predefined_facilities_arr``): they count among the ``p`` sites.

Solving: exactly with HiGHS (``scipy.optimize.milp``) when the instance has at most
``max_exact_pairs`` demand–candidate pairs, within ``time_limit_s``; otherwise (or with
``method="greedy"``, or when the time limit stops HiGHS short of a proof) a lazy greedy that
reports a proven bound (see :mod:`geo.locate._greedy`). The result says which (``solver``,
``exact``, ``bound``).
"""

from dataclasses import dataclass
from typing import Final, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from geo.errors import LocationInfeasibleError, LocationInputError, LocationSolverError
from geo.locate._milp import (
    MilpSolution,
    Pairs,
)

__all__ = [
    "COVERING_MAX_EXACT_PAIRS",
    "DEFAULT_TIME_LIMIT_S",
    "P_MEDIAN_MAX_EXACT_PAIRS",
    "LocationResult",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# size limits of method="auto" (pairs in the formulation), from runs on Porto Alegre's drive
# network (1,124 populated cells): HiGHS proved MCLP optima with 88k–585k within-radius pairs
# in 6–10 s, but the p-median (one assignment variable and row per pair) took 3.5 s at 33k
# pairs, 34 s at 218k and had no good solution after 120 s at 585k
COVERING_MAX_EXACT_PAIRS: Final = 1_000_000
P_MEDIAN_MAX_EXACT_PAIRS: Final = 200_000
# modelling choice: a planner waits a minute at most for an exact answer
DEFAULT_TIME_LIMIT_S: Final = 60.0
_METHODS: Final = ("auto", "exact", "greedy")


@dataclass(frozen=True, eq=False)
class LocationResult:
    """A solved location model.

    Attributes
    ----------
    model
        ``"lscp"``, ``"mclp"`` or ``"p-median"``.
    chosen
        Indices of the opened candidates (columns of the cost matrix), ascending; pre-opened
        (``predefined_facilities``) included.
    objective
        LSCP: number of sites; MCLP: residents newly covered (the gain over the existing
        facilities); p-median: total weighted cost, residents x cost unit (person-seconds or
        person-metres), existing facilities included.
    bound
        Proven bound on the optimum: an upper bound for MCLP, a lower bound for LSCP and the
        p-median. Equals ``objective`` when ``exact``.
    exact
        True when the solution is proven optimal.
    solver
        ``"highs-milp"`` (scipy's HiGHS MILP) or ``"lazy-greedy"``.
    solve_s
        Wall time of :meth:`solve`, seconds.
    status
        The solver's message.
    population_total
        Sum of the weights, residents.
    population_baseline
        Residents covered (LSCP, MCLP) or served (p-median) by the existing facilities alone.
    population_covered
        Residents covered or served once the chosen sites are open, existing facilities included.
    gain
        LSCP, MCLP: ``population_covered - population_baseline``; p-median: decrease of the
        total weighted cost against the existing facilities alone (``inf`` when some demand had
        none).
    covered
        Per demand: covered (served) after siting.
    allocation
        Per demand: index of the chosen candidate serving it (its nearest open one within
        reach; with capacities, the one taking the largest share), ``-1`` when served by an
        existing facility or by none.
    assignment
        Sparse ``(n_demand, n_candidate)`` array: share of each demand served by each chosen
        candidate (0/1 without capacities; shares with capacities, a cell may be split).
    uncovered
        Demands that no candidate reaches and no existing facility covers (left out when
        ``allow_uncovered``); empty otherwise.
    unreachable
        Demands that still count (not covered by an existing facility, residents > 0) and that
        no candidate reaches within their limit: no choice of sites can cover them.
    ranked
        The opened candidates by marginal gain: each next one brings the most given the ones
        before it (LSCP, MCLP: residents newly covered; p-median: travel saved).
    marginal
        Per ``ranked`` site: its marginal gain, in the unit of ``gain``.
    bound_source
        What proved ``bound``: ``"milp"``, ``"lp"`` (the LP relaxation), ``"lagrangian"``,
        ``"greedy"`` (the lazy greedy's
        online or approximation bound) or ``"trivial"``.
    """

    model: str
    chosen: IntArray
    objective: float
    bound: float
    exact: bool
    solver: str
    solve_s: float
    status: str
    population_total: float
    population_baseline: float
    population_covered: float
    gain: float
    covered: BoolArray
    allocation: IntArray
    assignment: sp.csr_array
    uncovered: IntArray
    unreachable: IntArray
    ranked: IntArray
    marginal: FloatArray
    bound_source: str

    @property
    def n_sites(self) -> int:
        """Number of opened candidates."""
        return int(self.chosen.shape[0])

    @property
    def gap(self) -> float:
        """Relative gap between the objective and the proven bound (0 when proven optimal)."""
        if self.exact or self.bound == self.objective:
            return 0.0
        scale = max(abs(self.bound), abs(self.objective))
        return abs(self.bound - self.objective) / scale if scale > 0 else 0.0


# input checks


def _cost_pairs(cost_matrix: ArrayLike | sp.sparray | sp.spmatrix) -> Pairs:
    """The finite pairs of a dense (``inf`` = unreachable) or sparse (stored = finite) matrix."""
    ordered = False
    if sp.issparse(cost_matrix):
        sparse = cast("sp.sparray | sp.spmatrix", cost_matrix)
        if sparse.ndim != 2:
            raise LocationInputError.worded(
                "locate.error.matrix_2d", field="cost_matrix", shape=tuple(sparse.shape)
            )
        n_d, n_c = (int(s) for s in sparse.shape)
        if sparse.format == "csr":
            # a CSR array is demand-major: once canonical, its pairs need no sort
            csr = sp.csr_array(sparse, copy=not sparse.has_canonical_format)
            csr.sum_duplicates()
            rows = np.repeat(np.arange(n_d, dtype=np.int64), np.diff(csr.indptr))
            cols = np.asarray(csr.indices, dtype=np.int64)
            data = np.asarray(csr.data, dtype=np.float64)
            ordered = True
        else:
            coo = sp.coo_array(sparse)
            coo.sum_duplicates()
            rows = np.asarray(coo.row, dtype=np.int64)
            cols = np.asarray(coo.col, dtype=np.int64)
            data = np.asarray(coo.data, dtype=np.float64)
        if not np.isfinite(data).all():
            raise LocationInputError.worded("locate.error.sparse_finite", field="cost_matrix")
    else:
        dense = np.asarray(cost_matrix, dtype=np.float64)
        if dense.ndim != 2:
            raise LocationInputError.worded(
                "locate.error.matrix_2d", field="cost_matrix", shape=dense.shape
            )
        if np.isnan(dense).any():
            raise LocationInputError.worded("locate.error.matrix_nan", field="cost_matrix")
        n_d, n_c = dense.shape
        rows, cols = np.nonzero(np.isfinite(dense))
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
        data = dense[rows, cols]
    if (data < 0).any():
        raise LocationInputError.worded("locate.error.matrix_negative", field="cost_matrix")
    if n_d == 0 or n_c == 0:
        raise LocationInputError.worded(
            "locate.error.matrix_empty", field="cost_matrix", demands=n_d, candidates=n_c
        )
    if ordered:
        return Pairs(rows, cols, data, n_d, n_c)
    order = np.lexsort((cols, rows))
    return Pairs(rows[order], cols[order], data[order], n_d, n_c)


def _weights(weights: ArrayLike | None, n: int, *, name: str = "weights") -> FloatArray:
    if weights is None:
        return np.ones(n)
    arr = np.asarray(weights, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n:
        raise LocationInputError.worded(
            "locate.error.count_demands", field=name, given=arr.shape[0], n=n
        )
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise LocationInputError.worded("locate.error.weights", field=name)
    return arr


def _radius(service_radius: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(service_radius, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    arr = arr.reshape(-1)
    if arr.shape[0] != n:
        raise LocationInputError.worded(
            "locate.error.count_radius", field="service_radius", given=arr.shape[0], n=n
        )
    if np.isnan(arr).any() or (arr < 0).any():
        raise LocationInputError.worded("locate.error.radius", field="service_radius")
    return arr


def _mask(values: ArrayLike | None, n: int, *, name: str) -> BoolArray:
    if values is None:
        return np.zeros(n, dtype=np.bool_)
    arr = np.asarray(values).reshape(-1)
    if arr.dtype != np.bool_ or arr.shape[0] != n:
        raise LocationInputError.worded(
            "locate.error.mask", field=name, n=n, dtype=str(arr.dtype), given=arr.shape[0]
        )
    return arr


def _predefined(values: ArrayLike | None, n_candidate: int) -> BoolArray:
    fixed = np.zeros(n_candidate, dtype=np.bool_)
    if values is None:
        return fixed
    idx = np.asarray(values).reshape(-1)
    if idx.size and (
        not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= n_candidate
    ):
        raise LocationInputError.worded(
            "locate.error.predefined", field="predefined_facilities", n=n_candidate
        )
    fixed[idx.astype(np.int64)] = True
    return fixed


def _capacity(capacities: ArrayLike | None, n_candidate: int) -> FloatArray | None:
    if capacities is None:
        return None
    arr = np.asarray(capacities, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n_candidate:
        raise LocationInputError.worded(
            "locate.error.count_candidates", field="capacities", given=arr.shape[0], n=n_candidate
        )
    if np.isnan(arr).any() or (arr < 0).any():
        raise LocationInputError.worded("locate.error.capacities", field="capacities")
    return arr


def _p(p_facilities: int, fixed: BoolArray) -> int:
    if isinstance(p_facilities, bool) or not isinstance(p_facilities, int | np.integer):
        raise LocationInputError.worded(
            "locate.error.k_integer", field="p_facilities", value=repr(p_facilities)
        )
    p = int(p_facilities)
    if p < int(fixed.sum()):
        raise LocationInputError.worded(
            "locate.error.k_below_fixed", field="p_facilities", value=p, fixed=int(fixed.sum())
        )
    # k larger than the number of candidates opens at most all of them
    return min(p, int(fixed.shape[0]))


def _solve_options(
    method: str, time_limit_s: float, max_exact_pairs: int | None, *, default: int
) -> int:
    """Check the options of ``solve``; return the size limit (``default`` when None)."""
    if method not in _METHODS:
        raise LocationInputError.worded(
            "locate.error.method", field="method", value=method, expected=", ".join(_METHODS)
        )
    if not (time_limit_s > 0):
        raise LocationInputError.worded(
            "locate.error.time_limit", field="time_limit_s", value=time_limit_s
        )
    limit = default if max_exact_pairs is None else int(max_exact_pairs)
    if limit < 0:
        raise LocationInputError.worded(
            "locate.error.not_negative", field="max_exact_pairs", value=max_exact_pairs
        )
    return limit


def _uncoverable(
    pairs: Pairs, need: BoolArray, *, allow_uncovered: bool, what: str
) -> tuple[BoolArray, IntArray]:
    """Demands in ``need`` without any pair: raise, or drop them and report them."""
    has_pair = np.zeros(pairs.n_demand, dtype=np.bool_)
    has_pair[pairs.demand] = True
    lonely = np.flatnonzero(need & ~has_pair)
    if lonely.size and not allow_uncovered:
        shown = ", ".join(str(i) for i in lonely[:10])
        more = " …" if lonely.size > 10 else ""
        raise LocationInfeasibleError.worded(
            f"locate.error.unreachable_{what}",
            field="cost_matrix",
            n=int(lonely.size),
            rows=f"{shown}{more}",
        )
    return need & has_pair, lonely


def _nearest_open(pairs: Pairs, is_open: BoolArray) -> tuple[IntArray, FloatArray]:
    """Per demand: the open candidate of least cost among its pairs (ties: lowest index)."""
    keep = is_open[pairs.candidate]
    demand, candidate, cost = pairs.demand[keep], pairs.candidate[keep], pairs.cost[keep]
    # pairs are demand-major with ascending candidates; a stable sort on cost keeps that order
    order = np.lexsort((candidate, cost, demand))
    demand, candidate, cost = demand[order], candidate[order], cost[order]
    first = np.ones(demand.shape[0], dtype=np.bool_)
    first[1:] = demand[1:] != demand[:-1]
    allocation = np.full(pairs.n_demand, -1, dtype=np.int64)
    best = np.full(pairs.n_demand, np.inf)
    allocation[demand[first]] = candidate[first]
    best[demand[first]] = cost[first]
    return allocation, best


def _one_hot(allocation: IntArray, n_candidate: int) -> sp.csr_array:
    rows = np.flatnonzero(allocation >= 0)
    return sp.csr_array(
        (np.ones(rows.shape[0]), (rows, allocation[rows])),
        shape=(allocation.shape[0], n_candidate),
    )


def _from_shares(pairs: Pairs, share: FloatArray) -> tuple[sp.csr_array, IntArray]:
    """Assignment array and largest-share allocation from per-pair shares."""
    keep = share > 0
    assignment = pairs.select(keep).matrix(share[keep])
    allocation = np.full(pairs.n_demand, -1, dtype=np.int64)
    rows = np.flatnonzero(np.diff(assignment.indptr) > 0)
    if rows.size:
        best = np.asarray(assignment[rows].argmax(axis=1)).reshape(-1)
        allocation[rows] = best
    return assignment, allocation


def _choose(method: str, n_pairs: int, max_exact_pairs: int, *, greedy_ok: bool) -> bool:
    """True to run the MILP first."""
    if method == "greedy":
        if not greedy_ok:
            raise LocationInputError.worded("locate.error.greedy_capacitated", field="method")
        return False
    return method == "exact" or n_pairs <= max_exact_pairs or not greedy_ok


def _chosen(is_open: BoolArray) -> IntArray:
    return np.flatnonzero(is_open).astype(np.int64)


def _joined(status: str, more: str) -> str:
    return f"{status}; {more}" if status else more


def _raise_infeasible(milp: MilpSolution, name: str) -> None:
    """Raise when HiGHS proved the model infeasible or failed without a time-limit stop."""
    if milp.infeasible:
        raise LocationInfeasibleError.worded(
            "locate.error.infeasible", field="p_facilities", model=name, status=milp.message
        )
    if milp.open is None and "limit" not in milp.message.lower():
        raise LocationSolverError.worded(
            "locate.error.no_solution", field="time_limit_s", model=name, status=milp.message
        )


def _gain(weights: FloatArray, assignment: sp.csr_array) -> float:
    """Residents newly covered: each demand's weight times its assigned share."""
    return float(weights @ np.asarray(assignment.sum(axis=1), dtype=np.float64).reshape(-1))
