"""The p-median model (Hakimi 1964, *Operations Research* 12(3); ReVelle & Swain 1970,
*Geographical Analysis* 2(1)): ``p`` sites minimising total resident travel cost, optionally
capacitated; a demand may stay with its existing facility (``existing_cost``). See
:mod:`geo.locate.base` for the solving rules.
"""

import math
import time
from dataclasses import KW_ONLY, dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import LocationInfeasibleError, LocationInputError, LocationSolverError
from geo.locate._greedy import (
    greedy_p_median,
    rank_median,
)
from geo.locate._lagrange import median_bound
from geo.locate._milp import (
    Pairs,
    solve_p_median,
)
from geo.locate.base import (
    DEFAULT_TIME_LIMIT_S,
    P_MEDIAN_MAX_EXACT_PAIRS,
    BoolArray,
    FloatArray,
    IntArray,
    LocationResult,
    _capacity,
    _choose,
    _chosen,
    _cost_pairs,
    _from_shares,
    _joined,
    _nearest_open,
    _one_hot,
    _p,
    _predefined,
    _raise_infeasible,
    _solve_options,
    _uncoverable,
    _weights,
)

__all__ = ["P_MEDIAN_LAGRANGE_TIME_LIMIT_S", "PMedian"]

# beyond the MILP's size: the Lagrangian bound gets at most this long after the greedy
P_MEDIAN_LAGRANGE_TIME_LIMIT_S = 3.0


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
            raise LocationInputError.worded(
                "locate.error.existing_cost", field="existing_cost", n=n_d
            )
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
            pairs (always, with capacities), else the lazy greedy with the Lagrangian bound
            (:func:`geo.locate._lagrange.median_bound`); ``"exact"``: the MILP;
            ``"greedy"``: the lazy greedy and its online bound (uncapacitated only).
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
        bound, source = float((weight[counts] * nearest[counts]).sum()), "trivial"
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
            if milp.dual_bound > bound:
                bound, source = milp.dual_bound, "milp"
        if is_open is None or (not exact and greedy_ok):
            if not greedy_ok:
                raise LocationSolverError.worded(
                    "locate.error.no_solution_in_time",
                    field="time_limit_s",
                    model=self.name,
                    seconds=time_limit_s,
                    status=status,
                )
            # no MILP solution, or one not proven optimal: the greedy may do better
            greedy = greedy_p_median(pairs, weight, existing, p=self.p, fixed=self.fixed)
            if is_open is None and greedy.infeasible_demands.size:
                raise LocationInfeasibleError.worded(
                    "locate.error.too_few_sites",
                    field="p_facilities",
                    model=self.name,
                    n=int(greedy.infeasible_demands.size),
                    k=self.p,
                )
            if is_open is None or _median_cost(pairs, weight, existing, greedy.open) < _median_cost(
                pairs, weight, existing, is_open
            ):
                is_open, share, solver = greedy.open, None, "lazy-greedy"
                status = _joined(status, "lazy greedy p-median")
            if greedy.bound > bound:
                bound, source = greedy.bound, "greedy"
        if method != "greedy" and not exact and greedy_ok and is_open is not None:
            left = time_limit_s - (time.perf_counter() - start)
            if left > 0 and _median_cost(pairs, weight, existing, is_open) < math.inf:
                relaxed = median_bound(
                    pairs,
                    weight,
                    existing,
                    p=self.p,
                    fixed=self.fixed,
                    start=is_open,
                    time_limit_s=min(left, P_MEDIAN_LAGRANGE_TIME_LIMIT_S),
                )
                if relaxed > bound:
                    bound, source = relaxed, "lagrangian"

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
            source=source,
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
        source: str,
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
        ranked, marginal = rank_median(pairs, weight, existing, is_open)
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
            unreachable=uncovered,
            ranked=ranked,
            marginal=marginal,
            bound_source="milp" if exact else source,
        )


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
