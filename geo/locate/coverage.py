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

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import LocationSolverError
from geo.locate._greedy import (
    greedy_max_cover,
    greedy_set_cover,
)
from geo.locate._milp import (
    Pairs,
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

__all__ = ["LSCP", "MCLP"]


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


def _covered_weight(pairs: Pairs, weight: FloatArray, is_open: BoolArray) -> float:
    """Weight of the demands with an open candidate among their (within-radius) pairs."""
    return float(weight[np.unique(pairs.demand[is_open[pairs.candidate]])].sum())


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
