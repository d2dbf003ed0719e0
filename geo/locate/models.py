"""Location-allocation: where to put new sites (LSCP, MCLP, p-median) given a cost matrix.

The models follow pysal/spopt's shape: build with ``Model.from_cost_matrix(cost, ...)``, then
``.solve()``. They need only a cost matrix (demand x candidate, seconds or metres; ``inf`` =
unreachable; a scipy sparse matrix lists only its finite pairs), so any travel-time source plugs
in: :func:`travel_time_matrix` gives one from a road network.

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

import math
import time
from dataclasses import KW_ONLY, dataclass
from typing import Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from geo._validate import check_direction, check_mode, node_indices
from geo.access.coverage import NearestResult
from geo.errors import LocationInfeasibleError, LocationInputError, LocationSolverError
from geo.locate._greedy import (
    greedy_max_cover,
    greedy_p_median,
    greedy_set_cover,
)
from geo.locate._milp import (
    MilpSolution,
    Pairs,
    solve_max_cover,
    solve_p_median,
    solve_set_cover,
)
from geo.network import Network
from geo.network.speeds import TravelModel

__all__ = [
    "COVERING_MAX_EXACT_PAIRS",
    "DEFAULT_TIME_LIMIT_S",
    "LSCP",
    "MCLP",
    "P_MEDIAN_MAX_EXACT_PAIRS",
    "LocationResult",
    "PMedian",
    "gap_candidates",
    "travel_time_matrix",
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
# candidates per bounded search in travel_time_matrix: the dense (batch, n_nodes) block stays
# near 100 MB on a 250k-node network (as geo.access.isochrones does for per-facility searches)
_BATCH_CELLS: Final = 12_500_000
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

    @property
    def n_sites(self) -> int:
        """Number of opened candidates."""
        return int(self.chosen.shape[0])


# input checks


def _cost_pairs(cost_matrix: ArrayLike | sp.sparray | sp.spmatrix) -> Pairs:
    """The finite pairs of a dense (``inf`` = unreachable) or sparse (stored = finite) matrix."""
    if sp.issparse(cost_matrix):
        coo = sp.coo_array(cost_matrix)
        if coo.ndim != 2:
            msg = f"cost_matrix must be two-dimensional, got shape {coo.shape}"
            raise LocationInputError(msg)
        coo.sum_duplicates()
        rows = np.asarray(coo.row, dtype=np.int64)
        cols = np.asarray(coo.col, dtype=np.int64)
        data = np.asarray(coo.data, dtype=np.float64)
        n_d, n_c = (int(s) for s in coo.shape)
        if not np.isfinite(data).all():
            msg = "a sparse cost_matrix must store finite costs only (absent = unreachable)"
            raise LocationInputError(msg)
    else:
        dense = np.asarray(cost_matrix, dtype=np.float64)
        if dense.ndim != 2:
            msg = f"cost_matrix must be two-dimensional (demand x candidate), got {dense.shape}"
            raise LocationInputError(msg)
        if np.isnan(dense).any():
            msg = "cost_matrix holds NaN; use inf for unreachable pairs"
            raise LocationInputError(msg)
        n_d, n_c = dense.shape
        rows, cols = np.nonzero(np.isfinite(dense))
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
        data = dense[rows, cols]
    if (data < 0).any():
        msg = "cost_matrix holds negative costs; travel times and distances are >= 0"
        raise LocationInputError(msg)
    if n_d == 0 or n_c == 0:
        msg = f"cost_matrix needs at least one demand and one candidate, got {n_d} x {n_c}"
        raise LocationInputError(msg)
    order = np.lexsort((cols, rows))
    return Pairs(rows[order], cols[order], data[order], n_d, n_c)


def _weights(weights: ArrayLike | None, n: int, *, name: str = "weights") -> FloatArray:
    if weights is None:
        return np.ones(n)
    arr = np.asarray(weights, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n:
        msg = f"{name} has {arr.shape[0]} values for {n} demands (rows of cost_matrix)"
        raise LocationInputError(msg)
    if not np.isfinite(arr).all() or (arr < 0).any():
        msg = f"{name} must be finite and >= 0 for every demand"
        raise LocationInputError(msg)
    return arr


def _radius(service_radius: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(service_radius, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    arr = arr.reshape(-1)
    if arr.shape[0] != n:
        msg = f"service_radius has {arr.shape[0]} values for {n} demands; give one or a scalar"
        raise LocationInputError(msg)
    if np.isnan(arr).any() or (arr < 0).any():
        msg = "service_radius must be >= 0 (same unit as cost_matrix) for every demand"
        raise LocationInputError(msg)
    return arr


def _mask(values: ArrayLike | None, n: int, *, name: str) -> BoolArray:
    if values is None:
        return np.zeros(n, dtype=np.bool_)
    arr = np.asarray(values).reshape(-1)
    if arr.dtype != np.bool_ or arr.shape[0] != n:
        msg = f"{name} must be a boolean mask of {n} values, got {arr.dtype} of {arr.shape[0]}"
        raise LocationInputError(msg)
    return arr


def _predefined(values: ArrayLike | None, n_candidate: int) -> BoolArray:
    fixed = np.zeros(n_candidate, dtype=np.bool_)
    if values is None:
        return fixed
    idx = np.asarray(values).reshape(-1)
    if idx.size and (
        not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= n_candidate
    ):
        msg = f"predefined_facilities must be candidate indices in [0, {n_candidate})"
        raise LocationInputError(msg)
    fixed[idx.astype(np.int64)] = True
    return fixed


def _capacity(capacities: ArrayLike | None, n_candidate: int) -> FloatArray | None:
    if capacities is None:
        return None
    arr = np.asarray(capacities, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n_candidate:
        msg = f"capacities has {arr.shape[0]} values for {n_candidate} candidates"
        raise LocationInputError(msg)
    if np.isnan(arr).any() or (arr < 0).any():
        msg = "capacities must be >= 0 residents per candidate (inf: uncapacitated)"
        raise LocationInputError(msg)
    return arr


def _p(p_facilities: int, fixed: BoolArray) -> int:
    if isinstance(p_facilities, bool) or not isinstance(p_facilities, int | np.integer):
        msg = f"p_facilities must be an integer, got {p_facilities!r}"
        raise LocationInputError(msg)
    p = int(p_facilities)
    if p < int(fixed.sum()):
        msg = f"p_facilities={p} is fewer than the {int(fixed.sum())} predefined facilities"
        raise LocationInputError(msg)
    # k larger than the number of candidates opens at most all of them
    return min(p, int(fixed.shape[0]))


def _solve_options(
    method: str, time_limit_s: float, max_exact_pairs: int | None, *, default: int
) -> int:
    """Check the options of ``solve``; return the size limit (``default`` when None)."""
    if method not in _METHODS:
        msg = f"unknown method {method!r}; expected one of {', '.join(_METHODS)}"
        raise LocationInputError(msg)
    if not (time_limit_s > 0):
        msg = f"time_limit_s must be > 0 seconds, got {time_limit_s}"
        raise LocationInputError(msg)
    limit = default if max_exact_pairs is None else int(max_exact_pairs)
    if limit < 0:
        msg = f"max_exact_pairs must be >= 0, got {max_exact_pairs}"
        raise LocationInputError(msg)
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
        msg = (
            f"{lonely.size} demand(s) cannot be {what} by any candidate (rows {shown}{more}); "
            "add candidates, raise the radius, or pass allow_uncovered=True"
        )
        raise LocationInfeasibleError(msg)
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
            msg = "no greedy heuristic for capacitated models; use method='exact' or 'auto'"
            raise LocationInputError(msg)
        return False
    return method == "exact" or n_pairs <= max_exact_pairs or not greedy_ok


def _chosen(is_open: BoolArray) -> IntArray:
    return np.flatnonzero(is_open).astype(np.int64)


@dataclass(eq=False)
class _CoveringModel:
    """What the covering models share: the pairs within reach, the residents, each demand's
    radius, who existing facilities already cover, and the sites that must stay open."""

    pairs: Pairs
    _: KW_ONLY
    weights: FloatArray
    radius: FloatArray
    covered_by_existing: BoolArray
    fixed: BoolArray


@dataclass(eq=False)
class LSCP(_CoveringModel):
    """Location set covering problem (Toregas, Swain, ReVelle & Bergman 1971).

    Minimise the number of open sites so that every demand with residents (weight > 0) not
    already covered by an existing facility lies within its service radius of an open site:
    ``min sum_j x_j`` s.t. ``sum_{j: c_ij <= r_i} x_j >= 1`` for every such demand ``i``.
    Build with :meth:`from_cost_matrix`.
    """

    allow_uncovered: bool
    name: str

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: ArrayLike | sp.sparray | sp.spmatrix,
        *,
        service_radius: ArrayLike,
        weights: ArrayLike | None = None,
        covered_by_existing: ArrayLike | None = None,
        predefined_facilities: ArrayLike | None = None,
        allow_uncovered: bool = False,
        name: str = "lscp",
    ) -> "LSCP":
        """Build the model from a demand x candidate cost matrix.

        Parameters
        ----------
        cost_matrix
            Cost from each demand (row) to each candidate (column), seconds or metres;
            ``inf`` = unreachable. A scipy sparse matrix stores the finite pairs only.
        service_radius
            Largest acceptable cost, same unit; a scalar or one per demand (urban / rural).
        weights
            Residents per demand (default 1): zero-weight demands need no site; the weights
            also give the population figures of the result.
        covered_by_existing
            Per demand: True when an existing facility already covers it (no new site needed).
        predefined_facilities
            Candidate indices opened whatever; they count in the objective.
        allow_uncovered
            False (default): a demand that needs a site and is reached by no candidate raises
            :class:`LocationInfeasibleError`; True: such demands are left out and reported in
            :attr:`LocationResult.uncovered`.
        name
            Model name, for messages.
        """
        pairs = _cost_pairs(cost_matrix)
        n_d, n_c = pairs.n_demand, pairs.n_candidate
        radius = _radius(service_radius, n_d)
        return cls(
            pairs.select(pairs.cost <= radius[pairs.demand]),
            weights=_weights(weights, n_d),
            radius=radius,
            covered_by_existing=_mask(covered_by_existing, n_d, name="covered_by_existing"),
            fixed=_predefined(predefined_facilities, n_c),
            allow_uncovered=allow_uncovered,
            name=name,
        )

    def solve(
        self,
        *,
        method: str = "auto",
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        max_exact_pairs: int | None = None,
    ) -> LocationResult:
        """Solve the model.

        Parameters
        ----------
        method
            ``"auto"``: the HiGHS MILP when the instance has at most ``max_exact_pairs``
            within-radius pairs, else the greedy; ``"exact"``: the MILP whatever the size;
            ``"greedy"``: the greedy.
        time_limit_s
            Time limit of the MILP, seconds; when hit, the better of HiGHS's best solution so
            far and the greedy's is returned, with ``exact=False`` and the tighter bound.
        max_exact_pairs
            Size limit of ``"auto"``; default :data:`COVERING_MAX_EXACT_PAIRS`.

        Returns
        -------
        LocationResult
            Objective = number of open sites.
        """
        max_pairs = _solve_options(
            method, time_limit_s, max_exact_pairs, default=COVERING_MAX_EXACT_PAIRS
        )
        start = time.perf_counter()
        pairs, fixed = self.pairs, self.fixed
        need = (self.weights > 0) & ~self.covered_by_existing
        need, uncovered = _uncoverable(
            pairs, need, allow_uncovered=self.allow_uncovered, what="covered"
        )
        solver, exact, status = "highs-milp", False, ""
        is_open: BoolArray | None = None
        # trivial lower bound: the predefined sites
        bound = float(fixed.sum())
        if _choose(method, pairs.demand.shape[0], max_pairs, greedy_ok=True):
            milp = solve_set_cover(pairs, need, fixed=fixed, time_limit_s=time_limit_s)
            _raise_infeasible(milp, self.name)
            is_open, exact, status = milp.open, milp.optimal, milp.message
            bound = max(bound, milp.dual_bound)
        if is_open is None or not exact:
            # no MILP solution, or one not proven optimal: the greedy may do better
            greedy = greedy_set_cover(pairs, need, fixed=fixed)
            if is_open is None or greedy.open.sum() < is_open.sum():
                is_open, solver = greedy.open, "lazy-greedy"
                status = _joined(status, "greedy set cover")
            bound = max(bound, greedy.bound)
        objective = float(is_open.sum())
        # the set-cover bound is a whole number of sites
        bound = objective if exact else float(min(objective, math.ceil(bound - 1e-9)))
        allocation, _ = _nearest_open(pairs, is_open)
        allocation[self.covered_by_existing] = -1
        return _coverage_result(
            "lscp",
            weights=self.weights,
            covered_by_existing=self.covered_by_existing,
            allocation=allocation,
            assignment=_one_hot(allocation, pairs.n_candidate),
            is_open=is_open,
            objective=objective,
            bound=bound,
            exact=exact or bound == objective,
            solver=solver,
            status=status,
            start=start,
            uncovered=uncovered,
        )


@dataclass(eq=False)
class MCLP(_CoveringModel):
    """Maximal covering location problem (Church & ReVelle 1974).

    Open at most ``p`` sites maximising the residents newly covered: ``max sum_i w_i y_i`` s.t.
    ``y_i <= sum_{j: c_ij <= r_i} x_j``, ``sum_j x_j <= p``, over the demands not already
    covered by existing facilities. With ``capacities`` each open site covers at most its
    capacity in residents (demands may be split). Build with :meth:`from_cost_matrix`.
    """

    capacity: FloatArray | None
    single_source: bool
    p: int
    name: str

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: ArrayLike | sp.sparray | sp.spmatrix,
        weights: ArrayLike,
        *,
        service_radius: ArrayLike,
        p_facilities: int,
        covered_by_existing: ArrayLike | None = None,
        predefined_facilities: ArrayLike | None = None,
        capacities: ArrayLike | None = None,
        single_source: bool = False,
        name: str = "mclp",
    ) -> "MCLP":
        """Build the model from a demand x candidate cost matrix.

        Parameters
        ----------
        cost_matrix
            Cost from each demand (row) to each candidate (column), seconds or metres;
            ``inf`` = unreachable. A scipy sparse matrix stores the finite pairs only.
        weights
            Residents per demand.
        service_radius
            Largest acceptable cost, same unit; a scalar or one per demand (urban / rural).
        p_facilities
            Most sites to open, predefined ones included; more than the candidates opens at
            most all of them. The solution may open fewer when further sites gain nothing.
        covered_by_existing
            Per demand: True when existing facilities already cover it; the objective is the
            gain over them.
        predefined_facilities
            Candidate indices opened whatever.
        capacities
            Per candidate: most residents it can cover (``inf``: no limit); None: uncapacitated.
        single_source
            With capacities: each demand is covered wholly by one site (binary assignment, as
            in spopt); False (default): a demand's residents may be split between sites.
        name
            Model name, for messages.
        """
        pairs = _cost_pairs(cost_matrix)
        n_d, n_c = pairs.n_demand, pairs.n_candidate
        radius = _radius(service_radius, n_d)
        fixed = _predefined(predefined_facilities, n_c)
        return cls(
            pairs.select(pairs.cost <= radius[pairs.demand]),
            weights=_weights(weights, n_d),
            radius=radius,
            covered_by_existing=_mask(covered_by_existing, n_d, name="covered_by_existing"),
            fixed=fixed,
            capacity=_capacity(capacities, n_c),
            single_source=single_source,
            p=_p(p_facilities, fixed),
            name=name,
        )

    def solve(
        self,
        *,
        method: str = "auto",
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        max_exact_pairs: int | None = None,
    ) -> LocationResult:
        """Solve the model.

        Parameters
        ----------
        method
            ``"auto"``: the HiGHS MILP when the instance has at most ``max_exact_pairs``
            within-radius pairs (always, with capacities), else the lazy greedy; ``"exact"``:
            the MILP whatever the size; ``"greedy"``: the lazy greedy (uncapacitated only).
        time_limit_s
            Time limit of the MILP, seconds; when hit, the better of HiGHS's best solution so
            far and the greedy's is returned, with ``exact=False`` and the tighter bound.
        max_exact_pairs
            Size limit of ``"auto"``; default :data:`COVERING_MAX_EXACT_PAIRS`.

        Returns
        -------
        LocationResult
            Objective = residents newly covered.
        """
        max_pairs = _solve_options(
            method, time_limit_s, max_exact_pairs, default=COVERING_MAX_EXACT_PAIRS
        )
        start = time.perf_counter()
        weight = np.where(self.covered_by_existing, 0.0, self.weights)
        pairs = self.pairs.select(weight[self.pairs.demand] > 0)
        capacity = self.capacity
        greedy_ok = capacity is None
        solver, exact, status = "highs-milp", False, ""
        is_open: BoolArray | None = None
        share: FloatArray | None = None
        # trivial upper bound: every demand within reach of some candidate
        bound = float(weight[np.unique(pairs.demand)].sum())
        if _choose(method, pairs.demand.shape[0], max_pairs, greedy_ok=greedy_ok):
            milp = solve_max_cover(
                pairs,
                weight,
                p=self.p,
                fixed=self.fixed,
                capacity=capacity,
                time_limit_s=time_limit_s,
                single_source=self.single_source,
            )
            _raise_infeasible(milp, self.name)
            is_open, share, exact, status = milp.open, milp.share, milp.optimal, milp.message
            bound = min(bound, -milp.dual_bound)
        if is_open is None or (not exact and greedy_ok):
            if not greedy_ok:
                msg = f"{self.name}: HiGHS found no solution within {time_limit_s} s ({status})"
                raise LocationSolverError(msg)
            # no MILP solution, or one not proven optimal: the greedy may do better
            greedy = greedy_max_cover(pairs, weight, p=self.p, fixed=self.fixed)
            if is_open is None or _covered_weight(pairs, weight, greedy.open) > _covered_weight(
                pairs, weight, is_open
            ):
                is_open, share, solver = greedy.open, None, "lazy-greedy"
                status = _joined(status, "lazy greedy max cover")
            bound = min(bound, greedy.bound)

        if share is None:
            # every within-radius demand is allocated, zero-weight ones included
            allocation, _ = _nearest_open(self.pairs, is_open)
            allocation[self.covered_by_existing] = -1
            assignment = _one_hot(allocation, pairs.n_candidate)
        else:
            assignment, allocation = _from_shares(pairs, share)
        objective = _gain(self.weights, assignment)
        bound = objective if exact else max(objective, bound)
        return _coverage_result(
            "mclp",
            weights=self.weights,
            covered_by_existing=self.covered_by_existing,
            allocation=allocation,
            assignment=assignment,
            is_open=is_open,
            objective=objective,
            bound=bound,
            exact=exact or bound == objective,
            solver=solver,
            status=status,
            start=start,
            uncovered=np.zeros(0, dtype=np.int64),
        )


@dataclass(eq=False)
class PMedian:
    """p-median problem (Hakimi 1964; ReVelle & Swain 1970).

    Open at most ``p`` sites minimising the total weighted cost of serving every demand from its
    nearest open site (or its existing facility when cheaper): ``min sum_ij w_i c_ij z_ij`` s.t.
    ``sum_j z_ij = 1``, ``z_ij <= x_j``, ``sum_j x_j <= p``; with ``capacities``
    ``sum_i w_i z_ij <= C_j x_j`` (demands may be split). Build with :meth:`from_cost_matrix`.
    """

    pairs: Pairs
    _: KW_ONLY
    weights: FloatArray
    existing_cost: FloatArray
    fixed: BoolArray
    capacity: FloatArray | None
    single_source: bool
    p: int
    allow_uncovered: bool
    name: str

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: ArrayLike | sp.sparray | sp.spmatrix,
        weights: ArrayLike,
        *,
        p_facilities: int,
        existing_cost: ArrayLike | None = None,
        predefined_facilities: ArrayLike | None = None,
        capacities: ArrayLike | None = None,
        single_source: bool = False,
        allow_uncovered: bool = False,
        name: str = "p-median",
    ) -> "PMedian":
        """Build the model from a demand x candidate cost matrix.

        Parameters
        ----------
        cost_matrix
            Cost from each demand (row) to each candidate (column), seconds or metres;
            ``inf`` = unreachable. A scipy sparse matrix stores the finite pairs only.
        weights
            Residents per demand.
        p_facilities
            Most sites to open, predefined ones included.
        existing_cost
            Per demand: cost to its nearest existing facility (``inf``: none), e.g. the
            ``travel_time_s`` of a :class:`geo.coverage.NearestResult` at the demand nodes.
            Existing facilities are uncapacitated.
        predefined_facilities
            Candidate indices opened whatever.
        capacities
            Per candidate: most residents it can serve (``inf``: no limit).
        single_source
            With capacities: each demand is served wholly by one site (binary assignment, as
            in spopt's capacitated p-median); False (default): residents may be split.
        allow_uncovered
            False (default): a resident demand that no candidate and no existing facility
            reaches raises :class:`LocationInfeasibleError`; True: it is left out and reported.
        name
            Model name, for messages.
        """
        pairs = _cost_pairs(cost_matrix)
        n_d, n_c = pairs.n_demand, pairs.n_candidate
        existing = (
            np.full(n_d, np.inf)
            if existing_cost is None
            else np.asarray(existing_cost, dtype=np.float64).reshape(-1)
        )
        if existing.shape[0] != n_d or np.isnan(existing).any() or (existing < 0).any():
            msg = f"existing_cost must hold {n_d} costs >= 0 (inf: no existing facility)"
            raise LocationInputError(msg)
        fixed = _predefined(predefined_facilities, n_c)
        return cls(
            pairs,
            weights=_weights(weights, n_d),
            existing_cost=existing,
            fixed=fixed,
            capacity=_capacity(capacities, n_c),
            single_source=single_source,
            p=_p(p_facilities, fixed),
            allow_uncovered=allow_uncovered,
            name=name,
        )

    def solve(
        self,
        *,
        method: str = "auto",
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        max_exact_pairs: int | None = None,
    ) -> LocationResult:
        """Solve the model.

        Parameters
        ----------
        method
            ``"auto"``: the HiGHS MILP when the instance has at most ``max_exact_pairs`` finite
            pairs (always, with capacities), else the lazy greedy; ``"exact"``: the MILP;
            ``"greedy"``: the lazy greedy (uncapacitated only).
        time_limit_s
            Time limit of the MILP, seconds; when hit, the better of HiGHS's best solution so
            far and the greedy's is returned, with ``exact=False`` and the tighter bound.
        max_exact_pairs
            Size limit of ``"auto"``; default :data:`P_MEDIAN_MAX_EXACT_PAIRS`.

        Returns
        -------
        LocationResult
            Objective = total weighted cost, existing facilities included.
        """
        max_pairs = _solve_options(
            method, time_limit_s, max_exact_pairs, default=P_MEDIAN_MAX_EXACT_PAIRS
        )
        start = time.perf_counter()
        weight = self.weights
        has_existing = np.isfinite(self.existing_cost)
        need = (weight > 0) & ~has_existing
        _, uncovered = _uncoverable(
            self.pairs, need, allow_uncovered=self.allow_uncovered, what="reached"
        )
        counts = weight > 0
        counts[uncovered] = False
        existing = np.where(counts, self.existing_cost, np.inf)
        pairs = self.pairs.select(counts[self.pairs.demand])
        if self.capacity is None:
            # without capacities a pair no cheaper than the existing facility is never used
            pairs = pairs.select(pairs.cost < existing[pairs.demand])
        greedy_ok = self.capacity is None
        solver, exact, status = "highs-milp", False, ""
        is_open: BoolArray | None = None
        share: FloatArray | None = None
        # trivial lower bound: every demand served by its nearest candidate or facility
        nearest = existing.copy()
        np.minimum.at(nearest, pairs.demand, pairs.cost)
        bound = float((weight[counts] * nearest[counts]).sum())
        if _choose(method, pairs.demand.shape[0], max_pairs, greedy_ok=greedy_ok):
            milp = solve_p_median(
                pairs,
                weight,
                existing,
                p=self.p,
                fixed=self.fixed,
                capacity=self.capacity,
                time_limit_s=time_limit_s,
                single_source=self.single_source,
            )
            _raise_infeasible(milp, self.name)
            is_open, share, exact, status = milp.open, milp.share, milp.optimal, milp.message
            bound = max(bound, milp.dual_bound)
        if is_open is None or (not exact and greedy_ok):
            if not greedy_ok:
                msg = f"{self.name}: HiGHS found no solution within {time_limit_s} s ({status})"
                raise LocationSolverError(msg)
            # no MILP solution, or one not proven optimal: the greedy may do better
            greedy = greedy_p_median(pairs, weight, existing, p=self.p, fixed=self.fixed)
            if is_open is None and greedy.infeasible_demands.size:
                msg = (
                    f"{self.name}: {greedy.infeasible_demands.size} demand(s) stay unreached "
                    f"with {self.p} sites; allow more sites"
                )
                raise LocationInfeasibleError(msg)
            if is_open is None or _median_cost(pairs, weight, existing, greedy.open) < _median_cost(
                pairs, weight, existing, is_open
            ):
                is_open, share, solver = greedy.open, None, "lazy-greedy"
                status = _joined(status, "lazy greedy p-median")
            bound = max(bound, greedy.bound)

        return self._result(
            is_open,
            share,
            pairs,
            counts=counts,
            existing=existing,
            bound=bound,
            exact=exact,
            solver=solver,
            status=status,
            start=start,
            uncovered=uncovered,
        )

    def _result(
        self,
        is_open: BoolArray,
        share: FloatArray | None,
        pairs: Pairs,
        *,
        counts: BoolArray,
        existing: FloatArray,
        bound: float,
        exact: bool,
        solver: str,
        status: str,
        start: float,
        uncovered: IntArray,
    ) -> LocationResult:
        """Allocation, objective and figures of a solution; ``pairs``: the counted pairs."""
        weight = self.weights
        if share is None:
            # every reachable demand is allocated; the existing facility keeps a tie
            cheaper = self.pairs.select(self.pairs.cost < self.existing_cost[self.pairs.demand])
            allocation, best = _nearest_open(cheaper, is_open)
            assignment = _one_hot(allocation, pairs.n_candidate)
            served_cost = np.minimum(best, self.existing_cost)
            objective = float((weight[counts] * served_cost[counts]).sum())
            covered = np.isfinite(served_cost)
        else:
            assignment, allocation = _from_shares(pairs, share)
            new_share = np.asarray(assignment.sum(axis=1), dtype=np.float64).reshape(-1)
            new_cost = np.asarray(
                assignment.multiply(pairs.matrix(pairs.cost)).sum(axis=1), dtype=np.float64
            ).reshape(-1)
            exist_share = np.where(np.isfinite(existing), 1.0 - new_share, 0.0)
            exist_cost = np.where(exist_share > 0, existing, 0.0) * exist_share
            objective = float((weight * (new_cost + exist_cost)).sum())
            covered = (new_share > 0) | np.isfinite(self.existing_cost)
        bound = objective if exact else min(objective, bound)
        base_cost = float((weight[counts] * existing[counts]).sum())
        baseline = float(weight[np.isfinite(self.existing_cost)].sum())
        return LocationResult(
            model="p-median",
            chosen=_chosen(is_open),
            objective=objective,
            bound=bound,
            exact=exact or bound == objective,
            solver=solver,
            solve_s=time.perf_counter() - start,
            status=status,
            population_total=float(weight.sum()),
            population_baseline=baseline,
            population_covered=float(weight[covered].sum()),
            gain=base_cost - objective if math.isfinite(base_cost) else math.inf,
            covered=covered,
            allocation=allocation,
            assignment=assignment,
            uncovered=uncovered,
        )


def _joined(status: str, more: str) -> str:
    return f"{status}; {more}" if status else more


def _covered_weight(pairs: Pairs, weight: FloatArray, is_open: BoolArray) -> float:
    """Weight of the demands with an open candidate among their (within-radius) pairs."""
    return float(weight[np.unique(pairs.demand[is_open[pairs.candidate]])].sum())


def _median_cost(
    pairs: Pairs, weight: FloatArray, existing: FloatArray, is_open: BoolArray
) -> float:
    """Total weighted cost of serving each demand from its cheapest open site or facility.

    Demands without any (``existing`` inf and no open pair) count as ``inf``; demands that do
    not count have ``existing`` inf and no pairs, and are skipped.
    """
    best = existing.copy()
    keep = is_open[pairs.candidate]
    np.minimum.at(best, pairs.demand[keep], pairs.cost[keep])
    counted = np.isfinite(existing)
    counted[pairs.demand] = True
    return float((weight[counted] * best[counted]).sum())


def _raise_infeasible(milp: MilpSolution, name: str) -> None:
    """Raise when HiGHS proved the model infeasible or failed without a time-limit stop."""
    if milp.infeasible:
        msg = f"{name}: no choice of candidates satisfies the model ({milp.message})"
        raise LocationInfeasibleError(msg)
    if milp.open is None and "limit" not in milp.message.lower():
        msg = f"{name}: HiGHS returned no solution ({milp.message})"
        raise LocationSolverError(msg)


def _gain(weights: FloatArray, assignment: sp.csr_array) -> float:
    """Residents newly covered: each demand's weight times its assigned share."""
    return float(weights @ np.asarray(assignment.sum(axis=1), dtype=np.float64).reshape(-1))


def _coverage_result(
    model: str,
    *,
    weights: FloatArray,
    covered_by_existing: BoolArray,
    allocation: IntArray,
    assignment: sp.csr_array,
    is_open: BoolArray,
    objective: float,
    bound: float,
    exact: bool,
    solver: str,
    status: str,
    start: float,
    uncovered: IntArray,
) -> LocationResult:
    """The result of a coverage model (LSCP, MCLP); ``assignment`` leaves out existing cover."""
    newly = np.asarray(assignment.sum(axis=1), dtype=np.float64).reshape(-1)
    baseline = float(weights[covered_by_existing].sum())
    gain = _gain(weights, assignment)
    return LocationResult(
        model=model,
        chosen=_chosen(is_open),
        objective=objective,
        bound=bound,
        exact=exact,
        solver=solver,
        solve_s=time.perf_counter() - start,
        status=status,
        population_total=float(weights.sum()),
        population_baseline=baseline,
        population_covered=baseline + gain,
        gain=gain,
        covered=covered_by_existing | (newly > 0),
        allocation=allocation,
        assignment=assignment,
        uncovered=uncovered,
    )


def travel_time_matrix(
    net: Network,
    demand_nodes: ArrayLike,
    candidate_nodes: ArrayLike,
    *,
    mode: str,
    limit_s: float | None = None,
    direction: str = "to_facility",
    model: TravelModel | None = None,
) -> FloatArray:
    """Network travel time between demand nodes and candidate sites, the models' cost matrix.

    One bounded single-source search per distinct candidate node (``scipy.sparse.csgraph``),
    in batches; the times are those of :func:`geo.coverage.nearest_facility` with the candidate
    as the only facility.

    Parameters
    ----------
    net
        The road network.
    demand_nodes
        Node index of each demand (e.g. a population cell snapped with
        :func:`geo.snap.snap_points`); ``-1`` for an off-network demand (an ``inf`` row).
    candidate_nodes
        Node index of each candidate site.
    mode
        ``walk``, ``drive`` or ``ems``.
    limit_s
        Search bound, seconds (delay included): longer times are ``inf``. Use the service
        radius for the coverage models; ``None``: unbounded.
    direction
        ``"to_facility"``: time from the demand to the site (patients travel; searched on the
        transposed graph); ``"from_facility"``: from the site to the demand (ambulances).
    model
        Travel model; default :func:`geo.speeds.travel_model` ``(mode)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_demand, n_candidate)``, seconds (a mode's dispatch delay included);
        ``inf`` when unreachable within the limit.
    """
    check_mode(mode)
    check_direction(direction)
    demand = np.asarray(demand_nodes, dtype=np.int64).reshape(-1)
    node_indices(demand[demand >= 0], n_nodes=net.n_nodes, name="demand_nodes")
    candidates = node_indices(candidate_nodes, n_nodes=net.n_nodes, name="candidate_nodes")
    if limit_s is not None and not (np.isfinite(limit_s) and limit_s >= 0):
        msg = f"limit_s must be a finite number of seconds >= 0, got {limit_s}"
        raise LocationInputError(msg)
    graph = net.mode_graph(mode, model=model)
    delay_s = (model if model is not None else net.default_model(mode)).dispatch_delay_s
    matrix = graph.backward if direction == "to_facility" else graph.forward
    search_limit = np.inf if limit_s is None else float(limit_s) - delay_s

    out = np.full((demand.shape[0], candidates.shape[0]), np.inf)
    on_net = np.flatnonzero(demand >= 0)
    nodes, inverse = np.unique(candidates, return_inverse=True)
    if search_limit < 0 or nodes.size == 0:
        return out
    batch = max(1, _BATCH_CELLS // max(net.n_nodes, 1))
    for lo in range(0, nodes.shape[0], batch):
        dist = dijkstra(matrix, directed=True, indices=nodes[lo : lo + batch], limit=search_limit)
        block = np.atleast_2d(dist)[:, demand[on_net]].T + delay_s
        cols = np.flatnonzero((inverse >= lo) & (inverse < lo + batch))
        out[np.ix_(on_net, cols)] = block[:, inverse[cols] - lo]
    return out


def gap_candidates(
    net: Network,
    nearest: NearestResult,
    *,
    threshold_s: float,
    spacing_m: float,
) -> IntArray:
    """Candidate sites generated in the gap zones: network nodes beyond the threshold, thinned.

    Parameters
    ----------
    net
        The road network of ``nearest``.
    nearest
        Baseline times to (or from) the existing facilities.
    threshold_s
        The norm's threshold, seconds: nodes with a longer (or no) time are in a gap.
    spacing_m
        Thinning: at most one candidate per square cell of this side, metres (the node
        nearest the cell centre; ties: lowest index), so the candidate count follows the gap
        area rather than the street density.

    Returns
    -------
    numpy.ndarray
        Node indices, ascending; only nodes usable in ``nearest.mode``.
    """
    if nearest.travel_time_s.shape[0] != net.n_nodes:
        msg = f"nearest has {nearest.travel_time_s.shape[0]} nodes, the network {net.n_nodes}"
        raise LocationInputError(msg)
    if not (np.isfinite(threshold_s) and threshold_s >= 0):
        msg = f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}"
        raise LocationInputError(msg)
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        msg = f"spacing_m must be > 0 metres, got {spacing_m}"
        raise LocationInputError(msg)
    gap = np.flatnonzero(net.mode_nodes(nearest.mode) & ~(nearest.travel_time_s <= threshold_s))
    if gap.size == 0:
        return gap.astype(np.int64)
    x, y = net.x[gap], net.y[gap]
    cx, cy = np.floor(x / spacing_m), np.floor(y / spacing_m)
    off = np.hypot(x - (cx + 0.5) * spacing_m, y - (cy + 0.5) * spacing_m)
    order = np.lexsort((gap, off, cy, cx))
    cell_x, cell_y = cx[order], cy[order]
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = (cell_x[1:] != cell_x[:-1]) | (cell_y[1:] != cell_y[:-1])
    return np.sort(gap[order[first]]).astype(np.int64)
