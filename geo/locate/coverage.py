"""Covering models: the fewest sites covering everyone (LSCP), or the most residents with p
sites (MCLP).

* :class:`LSCP` — location set covering (Toregas, Swain, ReVelle & Bergman 1971, *Operations
  Research* 19(6)): the fewest sites so that every resident is within the service radius of one.
* :class:`MCLP` — maximal covering location (Church & ReVelle 1974, *Papers of the Regional
  Science Association* 32): ``p`` sites covering the most residents.

Both take a per-demand ``service_radius`` and the demands ``covered_by_existing``; see
:mod:`geo.locate.base` for the solving rules.
"""

import math
import time
from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import LocationSolverError
from geo.locate._greedy import (
    greedy_max_cover,
    greedy_set_cover,
    rank_cover,
)
from geo.locate._lagrange import covered_weight, max_cover_bound, merge_alike, swap_improve
from geo.locate._milp import (
    Pairs,
    max_cover_lp_bound,
    solve_max_cover,
    solve_set_cover,
)
from geo.locate.base import (
    COVERING_MAX_EXACT_PAIRS,
    DEFAULT_TIME_LIMIT_S,
    BoolArray,
    FloatArray,
    IntArray,
    LocationResult,
    _capacity,
    _choose,
    _chosen,
    _cost_pairs,
    _from_shares,
    _gain,
    _joined,
    _mask,
    _nearest_open,
    _one_hot,
    _p,
    _predefined,
    _radius,
    _raise_infeasible,
    _solve_options,
    _uncoverable,
    _weights,
)

__all__ = [
    "LAGRANGE_TIME_LIMIT_S",
    "LAGRANGE_TOLERANCE",
    "LP_GAP",
    "LSCP",
    "MCLP",
    "MCLP_QUICK_EXACT_PAIRS",
]

# beyond this gap after the greedy and interchange, the LP relaxation (HiGHS, in its dual
# form) is solved for the bound and rounded: Yongzhou's EMS radius (14,253 merged demands,
# 1,230 candidates) in about a second, integral
LP_GAP = 1e-3
# when the LP does not finish in time, the Lagrangian stops at a 0.1 % gap or after 2 s
LAGRANGE_TOLERANCE = 1e-3
LAGRANGE_TIME_LIMIT_S = 2.0
# method="auto": up to this many pairs (alike demands merged) HiGHS proves an MCLP optimum in
# seconds; Yongzhou's EMS radius (844k pairs, 10 sites) ran a minute without a proof, while the
# greedy, interchange and the LP relaxation answer in seconds with a stated gap
MCLP_QUICK_EXACT_PAIRS = 100_000


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
        solver, exact, status, source = "highs-milp", False, "", "trivial"
        is_open: BoolArray | None = None
        # trivial lower bound: the predefined sites
        bound = float(fixed.sum())
        if _choose(method, pairs.demand.shape[0], max_pairs, greedy_ok=True):
            milp = solve_set_cover(pairs, need, fixed=fixed, time_limit_s=time_limit_s)
            _raise_infeasible(milp, self.name)
            is_open, exact, status = milp.open, milp.optimal, milp.message
            if milp.dual_bound > bound:
                bound, source = milp.dual_bound, "milp"
        if is_open is None or not exact:
            # no MILP solution, or one not proven optimal: the greedy may do better
            greedy = greedy_set_cover(pairs, need, fixed=fixed)
            if is_open is None or greedy.open.sum() < is_open.sum():
                is_open, solver = greedy.open, "lazy-greedy"
                status = _joined(status, "greedy set cover")
            if greedy.bound > bound:
                bound, source = greedy.bound, "greedy"
        objective = float(is_open.sum())
        # the set-cover bound is a whole number of sites
        bound = objective if exact else float(min(objective, math.ceil(bound - 1e-9)))
        allocation, _ = _nearest_open(pairs, is_open)
        allocation[self.covered_by_existing] = -1
        return _coverage_result(
            "lscp",
            pairs=pairs,
            unreachable=uncovered,
            bound_source="milp" if exact else source,
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

    def _heuristic(
        self,
        pairs: Pairs,
        weight: FloatArray,
        *,
        method: str,
        time_limit_s: float,
        start: BoolArray | None = None,
    ) -> "_Heuristic":
        return _max_cover_heuristic(
            pairs,
            weight,
            p=self.p,
            fixed=self.fixed,
            method=method,
            time_limit_s=time_limit_s,
            start=start,
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
            ``"auto"``: the HiGHS MILP when the instance (demands reached by the same
            candidates merged) has at most ``MCLP_QUICK_EXACT_PAIRS`` within-radius pairs or
            has capacities; beyond that the lazy greedy and interchange and, if more than 0.1 %
            from their bound, the LP relaxation's bound and its rounding (with a MILP over
            the LP's support when fractional; the Lagrangian bound of Galvão & ReVelle 1996
            when the LP does not finish), with the gap stated; ``"exact"``:
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
        capacity, greedy_ok = self.capacity, self.capacity is None
        # without capacities, demands reached by the same candidates are one demand (exact)
        work, work_weight = merge_alike(pairs, weight) if greedy_ok else (pairs, weight)
        n_pairs = work.demand.shape[0]
        solver, exact, status, source = "highs-milp", False, "", "trivial"
        is_open: BoolArray | None = None
        share: FloatArray | None = None
        # trivial upper bound: every demand within reach of some candidate
        bound = float(weight[np.unique(pairs.demand)].sum())
        if method == "greedy" and not greedy_ok:
            _choose(method, n_pairs, max_pairs, greedy_ok=greedy_ok)
        heuristic_first = method == "greedy" or (
            method == "auto" and greedy_ok and n_pairs > MCLP_QUICK_EXACT_PAIRS
        )
        if heuristic_first:
            found = self._heuristic(work, work_weight, method=method, time_limit_s=time_limit_s)
            is_open, solver, status = found.open, found.solver, found.status
            if found.bound < bound:
                bound, source = found.bound, found.source
        if not heuristic_first and _choose(method, n_pairs, max_pairs, greedy_ok=greedy_ok):
            milp = solve_max_cover(
                work,
                work_weight,
                p=self.p,
                fixed=self.fixed,
                capacity=capacity,
                time_limit_s=time_limit_s,
                single_source=self.single_source,
            )
            _raise_infeasible(milp, self.name)
            is_open, share, exact, status = milp.open, milp.share, milp.optimal, milp.message
            if -milp.dual_bound < bound:
                bound, source = -milp.dual_bound, "milp"
        if is_open is None or (not exact and greedy_ok and not heuristic_first):
            if not greedy_ok:
                raise LocationSolverError.worded(
                    "locate.error.no_solution_in_time",
                    field="time_limit_s",
                    model=self.name,
                    seconds=time_limit_s,
                    status=status,
                )
            # no MILP solution, or one not proven optimal: the heuristic may do better
            found = self._heuristic(
                work, work_weight, method=method, time_limit_s=time_limit_s, start=is_open
            )
            if is_open is None or covered_weight(work, work_weight, found.open) > covered_weight(
                work, work_weight, is_open
            ):
                is_open, share, solver = found.open, None, found.solver
            status = _joined(status, found.status)
            if found.bound < bound:
                bound, source = found.bound, found.source

        if share is None:
            # every within-radius demand is allocated, zero-weight ones included
            allocation, _ = _nearest_open(self.pairs, is_open)
            allocation[self.covered_by_existing] = -1
            assignment = _one_hot(allocation, pairs.n_candidate)
        else:
            assignment, allocation = _from_shares(pairs, share)
        objective = _gain(self.weights, assignment)
        bound = objective if exact else max(objective, bound)
        has_pair = np.zeros(pairs.n_demand, dtype=np.bool_)
        has_pair[pairs.demand] = True
        return _coverage_result(
            "mclp",
            pairs=pairs,
            unreachable=np.flatnonzero((weight > 0) & ~has_pair).astype(np.int64),
            bound_source="milp" if exact else source,
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


class _Heuristic(NamedTuple):
    open: BoolArray
    bound: float
    source: str
    solver: str
    status: str


def _max_cover_heuristic(
    pairs: Pairs,
    weight: FloatArray,
    *,
    p: int,
    fixed: BoolArray,
    method: str,
    time_limit_s: float,
    start: BoolArray | None = None,
) -> _Heuristic:
    """Lazy greedy and interchange, then the LP relaxation's bound and rounding (and a MILP on
    the LP's support when it is fractional); the Lagrangian when the LP does not finish."""
    started = time.perf_counter()
    greedy = greedy_max_cover(pairs, weight, p=p, fixed=fixed)
    is_open, solver, status = greedy.open, "lazy-greedy", "lazy greedy max cover"
    if start is not None and covered_weight(pairs, weight, start) > covered_weight(
        pairs, weight, is_open
    ):
        is_open, solver = start, "highs-milp"
    bound, source = greedy.bound, "greedy"
    if method == "greedy":
        return _Heuristic(is_open, bound, source, solver, status)
    # interchange repairs the greedy's early choices (Teitz & Bart 1968)
    swapped = swap_improve(pairs, weight, is_open, fixed)
    if covered_weight(pairs, weight, swapped) > covered_weight(pairs, weight, is_open):
        is_open, solver = swapped, "greedy-interchange"
        status = _joined(status, "interchange")
    value = covered_weight(pairs, weight, is_open)
    left = time_limit_s - (time.perf_counter() - started)
    x = None
    if bound - value > LP_GAP * max(bound, 1e-9) and left > 0:
        relaxed, x = max_cover_lp_bound(pairs, weight, p=p, fixed=fixed, time_limit_s=left)
        if relaxed < bound:
            bound, source = relaxed, "lp"
    if x is not None:
        # the relaxed solution's largest sites: the optimum when the LP is integral
        rounded = fixed | (x >= np.sort(x)[-max(p, 1)] - 1e-9) & (x > 1e-9)
        if int(rounded.sum()) <= p and covered_weight(pairs, weight, rounded) > value:
            is_open, solver = rounded, "lp-rounding"
            value = covered_weight(pairs, weight, rounded)
            status = _joined(status, "LP rounding")
        left = time_limit_s - (time.perf_counter() - started)
        if bound - value > LP_GAP * max(bound, 1e-9) and left > 0:
            # a fractional LP: the MILP over the sites it uses (and the best so far)
            core = _core_milp(pairs, weight, x > 1e-9, is_open, p=p, fixed=fixed, left=left)
            if core is not None and covered_weight(pairs, weight, core) > value:
                is_open, solver = core, "lp-core-milp"
                value = covered_weight(pairs, weight, core)
                status = _joined(status, "MILP on the LP's support")
    left = time_limit_s - (time.perf_counter() - started)
    if x is None and bound - value > LP_GAP * max(bound, 1e-9) and left > 0:
        # no LP within the time: the subgradient's bound (and its sites when they cover more)
        lagrange = max_cover_bound(
            pairs,
            weight,
            p=p,
            fixed=fixed,
            start=is_open,
            tolerance=LAGRANGE_TOLERANCE,
            time_limit_s=min(left, LAGRANGE_TIME_LIMIT_S),
        )
        if lagrange.bound < bound:
            bound, source = lagrange.bound, "lagrangian"
        if lagrange.value > value:
            is_open, solver = lagrange.open, "lagrangian"
            status = _joined(status, "Lagrangian heuristic")
        status = _joined(status, f"{lagrange.iterations} subgradient iterations")
    return _Heuristic(is_open, max(bound, value), source, solver, status)


def _core_milp(
    pairs: Pairs,
    weight: FloatArray,
    support: BoolArray,
    is_open: BoolArray,
    *,
    p: int,
    fixed: BoolArray,
    left: float,
) -> BoolArray | None:
    """The exact MCLP over the candidates of ``support`` and ``is_open`` (None: no solution)."""
    core = support | is_open | fixed
    sub, sub_weight = merge_alike(pairs.select(core[pairs.candidate]), weight)
    milp = solve_max_cover(sub, sub_weight, p=p, fixed=fixed, capacity=None, time_limit_s=left)
    return None if milp.open is None else milp.open & core


def _coverage_result(
    model: str,
    *,
    pairs: Pairs,
    unreachable: IntArray,
    bound_source: str,
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
    ranked, marginal = rank_cover(pairs, np.where(covered_by_existing, 0.0, weights), is_open)
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
        unreachable=unreachable,
        ranked=ranked,
        marginal=marginal,
        bound_source=bound_source,
    )
