"""Location-allocation models on hand-made instances with known optima, and against spopt.

The main instance has 6 demands and 4 candidates; costs in minutes, radius 10:

    candidate 0 covers demands {0, 1, 2}    candidate 2 covers {3, 4, 5}
    candidate 1 covers {2, 3}               candidate 3 covers {0, 5}

with weights 10, 20, 30, 40, 50, 60 (210 residents).
"""

import itertools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray
from spopt import locate as spopt_locate

from geo.errors import GeoError
from geo.locate import (
    LSCP,
    MCLP,
    LocationInfeasibleError,
    LocationInputError,
    PMedian,
)
from geo.network.speeds import travel_model

INF = math.inf
RADIUS = 10.0
COST = np.array(
    [
        [2, 20, 30, 8],
        [5, 15, 25, 12],
        [9, 4, 18, 16],
        [14, 6, 3, 22],
        [25, 12, 7, 30],
        [28, 24, 9, 1],
    ],
    dtype=np.float64,
)
WEIGHTS = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
# residential streets at 36 km/h = 10 m/s: a 100 m segment takes exactly 10 s
FAST = travel_model("drive", speed_kph={"residential": 36.0})


def _english(caught: pytest.ExceptionInfo[GeoError]) -> str:
    return caught.value.localized("en")


# MCLP


def test_mclp_one_site_takes_the_largest_cover() -> None:
    res = MCLP.from_cost_matrix(COST, WEIGHTS, service_radius=RADIUS, p_facilities=1).solve()
    # candidate 2 covers 40 + 50 + 60
    assert res.chosen.tolist() == [2]
    assert res.objective == 150.0
    assert res.exact
    assert res.solver == "highs-milp"
    assert res.bound == res.objective
    assert res.population_covered == 150.0
    assert res.population_total == 210.0
    assert res.allocation.tolist() == [-1, -1, -1, 2, 2, 2]
    assert res.covered.tolist() == [False, False, False, True, True, True]


def test_mclp_two_sites_cover_everyone() -> None:
    res = MCLP.from_cost_matrix(COST, WEIGHTS, service_radius=RADIUS, p_facilities=2).solve()
    assert res.chosen.tolist() == [0, 2]
    assert res.objective == 210.0
    # demand 3 is within 10 of candidates 1 and 2: it goes to the open one
    assert res.allocation.tolist() == [0, 0, 0, 2, 2, 2]
    assert res.assignment.toarray().sum(axis=1).tolist() == [1.0] * 6


def test_mclp_gain_over_existing_coverage() -> None:
    # demands 4 and 5 already covered: candidate 1 gains 30 + 40, candidate 0 only 60
    existing = np.array([False, False, False, False, True, True])
    res = MCLP.from_cost_matrix(
        COST, WEIGHTS, service_radius=RADIUS, p_facilities=1, covered_by_existing=existing
    ).solve()
    assert res.chosen.tolist() == [1]
    assert res.objective == 70.0
    assert res.gain == 70.0
    assert res.population_baseline == 110.0
    assert res.population_covered == 180.0
    assert res.allocation.tolist() == [-1, -1, 1, 1, -1, -1]
    assert res.covered.tolist() == [False, False, True, True, True, True]


def test_mclp_predefined_site_counts_among_p() -> None:
    # with 3 open, candidate 2 adds demands 3 and 4 (90), more than 0 (50) or 1 (70)
    res = MCLP.from_cost_matrix(
        COST, WEIGHTS, service_radius=RADIUS, p_facilities=2, predefined_facilities=[3]
    ).solve()
    assert res.chosen.tolist() == [2, 3]
    assert res.objective == 160.0


def test_mclp_more_sites_than_candidates_opens_what_helps() -> None:
    res = MCLP.from_cost_matrix(COST, WEIGHTS, service_radius=RADIUS, p_facilities=10).solve()
    assert res.objective == 210.0
    assert set(res.chosen.tolist()) <= {0, 1, 2, 3}
    assert res.exact


def test_mclp_ties_give_one_of_the_optimal_sets() -> None:
    # two identical candidates: either is optimal
    cost = np.array([[1.0, 1.0, 9.0], [2.0, 2.0, 9.0], [9.0, 9.0, 1.0]])
    res = MCLP.from_cost_matrix(cost, [5.0, 5.0, 7.0], service_radius=5.0, p_facilities=1).solve()
    assert res.objective == 10.0
    assert res.chosen.tolist() in ([0], [1])
    greedy = MCLP.from_cost_matrix(cost, [5.0, 5.0, 7.0], service_radius=5.0, p_facilities=1).solve(
        method="greedy"
    )
    assert greedy.objective == 10.0
    # the greedy breaks ties by the lowest candidate index
    assert greedy.chosen.tolist() == [0]


def test_urban_rural_thresholds_switch_the_answer() -> None:
    # demand 0 urban (15 min), demands 1, 2 rural (30 min); costs in minutes
    cost = np.array([[10.0, 20.0], [40.0, 25.0], [40.0, 28.0]])
    weights = [100.0, 70.0, 70.0]
    urban_only = MCLP.from_cost_matrix(cost, weights, service_radius=15.0, p_facilities=1)
    assert urban_only.solve().chosen.tolist() == [0]
    assert urban_only.solve().objective == 100.0
    per_cell = MCLP.from_cost_matrix(
        cost, weights, service_radius=[15.0, 30.0, 30.0], p_facilities=1
    ).solve()
    assert per_cell.chosen.tolist() == [1]
    assert per_cell.objective == 140.0


def test_capacity_binds_mclp() -> None:
    # candidate 0 reaches all three demands but takes at most 100 residents
    cost = np.array([[1.0, INF], [1.0, INF], [1.0, 2.0]])
    weights = [50.0, 50.0, 50.0]
    free = MCLP.from_cost_matrix(cost, weights, service_radius=5.0, p_facilities=1).solve()
    assert free.objective == 150.0
    capped = MCLP.from_cost_matrix(
        cost, weights, service_radius=5.0, p_facilities=1, capacities=[100.0, INF]
    ).solve()
    assert capped.chosen.tolist() == [0]
    assert capped.objective == pytest.approx(100.0)
    served = capped.assignment.toarray().T @ np.array(weights)
    assert served[0] == pytest.approx(100.0)
    two = MCLP.from_cost_matrix(
        cost, weights, service_radius=5.0, p_facilities=2, capacities=[100.0, INF]
    ).solve()
    assert two.chosen.tolist() == [0, 1]
    assert two.objective == pytest.approx(150.0)
    single = MCLP.from_cost_matrix(
        cost,
        [60.0, 60.0, 60.0],
        service_radius=5.0,
        p_facilities=1,
        capacities=[100.0, INF],
        single_source=True,
    ).solve()
    # whole cells only: one cell of 60 fits into 100
    assert single.objective == pytest.approx(60.0)
    assert single.allocation.tolist().count(0) == 1


def test_greedy_can_be_suboptimal_and_its_bound_holds() -> None:
    # x1..x4 weigh 1, y weighs 0.5; T1 = {x1, x2}, T2 = {x3, x4}, M = {x1, x3, y}
    cover = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 0, 1]], dtype=bool)
    cost = np.where(cover, 1.0, INF)
    weights = [1.0, 1.0, 1.0, 1.0, 0.5]
    model = MCLP.from_cost_matrix(cost, weights, service_radius=1.0, p_facilities=2)
    exact = model.solve()
    greedy = model.solve(method="greedy")
    assert exact.chosen.tolist() == [0, 1]
    assert exact.objective == 4.0
    assert greedy.solver == "lazy-greedy"
    assert greedy.objective == 3.5
    assert not greedy.exact
    assert greedy.bound >= exact.objective
    auto = model.solve(max_exact_pairs=0)
    # beyond the MILP's size, the interchange repairs the greedy's choice here
    assert (auto.solver, auto.objective) == ("greedy-interchange", 4.0)
    assert auto.chosen.tolist() == [0, 1]
    assert auto.bound >= exact.objective


def test_greedy_that_proves_its_optimum_says_so() -> None:
    res = MCLP.from_cost_matrix(COST, WEIGHTS, service_radius=RADIUS, p_facilities=2).solve(
        method="greedy"
    )
    # candidate 2 first, then candidate 0: everyone covered, nothing left to gain
    assert res.chosen.tolist() == [0, 2]
    assert res.objective == 210.0
    assert res.bound == 210.0
    assert res.exact


def test_sparse_cost_matrix_gives_the_same_answer() -> None:
    finite = np.where(COST <= 20.0, COST, INF)
    dense = MCLP.from_cost_matrix(finite, WEIGHTS, service_radius=RADIUS, p_facilities=2)
    rows, cols = np.nonzero(np.isfinite(finite))
    sparse = sp.csr_array((finite[rows, cols], (rows, cols)), shape=finite.shape)
    other = MCLP.from_cost_matrix(sparse, WEIGHTS, service_radius=RADIUS, p_facilities=2)
    assert dense.solve().chosen.tolist() == other.solve().chosen.tolist()
    assert dense.solve().objective == other.solve().objective


# LSCP


def test_lscp_fewest_sites_covering_everyone() -> None:
    res = LSCP.from_cost_matrix(COST, service_radius=RADIUS, weights=WEIGHTS).solve()
    assert res.chosen.tolist() == [0, 2]
    assert res.objective == 2.0
    assert res.exact
    assert res.population_covered == 210.0
    assert res.uncovered.size == 0


def test_lscp_covers_only_what_existing_facilities_leave() -> None:
    existing = np.array([False, False, False, True, True, True])
    res = LSCP.from_cost_matrix(
        COST, service_radius=RADIUS, weights=WEIGHTS, covered_by_existing=existing
    ).solve()
    assert res.chosen.tolist() == [0]
    assert res.objective == 1.0
    assert res.population_baseline == 150.0
    assert res.gain == 60.0


def test_lscp_unreachable_demand_is_an_error_or_reported() -> None:
    cost = np.vstack([COST, [INF, 11.0, 50.0, INF]])
    with pytest.raises(LocationInfeasibleError) as caught:
        LSCP.from_cost_matrix(cost, service_radius=RADIUS).solve()
    assert re.search(r"1 demand\(s\) cannot be covered.*rows 6", _english(caught))
    res = LSCP.from_cost_matrix(cost, service_radius=RADIUS, allow_uncovered=True).solve()
    assert res.uncovered.tolist() == [6]
    assert res.chosen.tolist() == [0, 2]
    assert not res.covered[6]
    # zero residents need no site
    weights = np.append(WEIGHTS, 0.0)
    zero = LSCP.from_cost_matrix(cost, service_radius=RADIUS, weights=weights).solve()
    assert zero.objective == 2.0


def test_lscp_greedy_and_its_lower_bound() -> None:
    # a star: candidate 0 covers demands 0-3, candidates 1-4 one demand each plus a private one
    cover = np.zeros((8, 5), dtype=bool)
    cover[0:4, 0] = True
    for k in range(4):
        cover[k, k + 1] = True
        cover[4 + k, k + 1] = True
    cost = np.where(cover, 1.0, INF)
    model = LSCP.from_cost_matrix(cost, service_radius=1.0)
    exact = model.solve()
    greedy = model.solve(method="greedy")
    # the private demands force candidates 1-4, which cover everything
    assert exact.chosen.tolist() == [1, 2, 3, 4]
    assert greedy.objective >= exact.objective
    assert greedy.bound <= exact.objective
    # four demands share no candidate: the packing bound proves 4
    assert greedy.bound == 4.0


# p-median


def test_p_median_known_optimum() -> None:
    res = PMedian.from_cost_matrix(COST, WEIGHTS, p_facilities=2).solve()
    # {2, 3}: 8*10 + 12*20 + 16*30 + 3*40 + 7*50 + 1*60 = 1330; runner-up {1, 3} = 1340
    assert res.chosen.tolist() == [2, 3]
    assert res.objective == 1330.0
    assert res.exact
    assert res.allocation.tolist() == [3, 3, 3, 2, 2, 3]
    assert res.population_covered == 210.0


def test_p_median_more_sites_than_candidates_sends_everyone_to_the_nearest() -> None:
    res = PMedian.from_cost_matrix(COST, WEIGHTS, p_facilities=9).solve()
    # 2*10 + 5*20 + 4*30 + 3*40 + 7*50 + 1*60
    assert res.objective == 770.0
    assert res.allocation.tolist() == [0, 0, 1, 2, 2, 3]


def test_p_median_keeps_demands_with_their_existing_facility() -> None:
    existing = np.array([3.0, INF, INF, INF, INF, 0.0])
    res = PMedian.from_cost_matrix(COST, WEIGHTS, p_facilities=1, existing_cost=existing).solve()
    # candidate 1: 3*10 (existing) + 15*20 + 4*30 + 6*40 + 12*50 + 0*60 = 1290
    assert res.chosen.tolist() == [1]
    assert res.objective == 1290.0
    assert res.allocation.tolist() == [-1, 1, 1, 1, 1, -1]
    assert res.population_baseline == 70.0
    assert math.isinf(res.gain)


def test_p_median_capacity_binds() -> None:
    cost = np.array([[1.0, 10.0], [1.0, 5.0]])
    weights = [60.0, 40.0]
    free = PMedian.from_cost_matrix(cost, weights, p_facilities=2).solve()
    assert free.objective == 100.0
    for single in (False, True):
        res = PMedian.from_cost_matrix(
            cost, weights, p_facilities=2, capacities=[60.0, 100.0], single_source=single
        ).solve()
        # demand 0 fills candidate 0; demand 1 goes to candidate 1: 60*1 + 40*5
        assert res.objective == pytest.approx(260.0)
        assert res.allocation.tolist() == [0, 1]


def test_p_median_too_few_sites_is_infeasible() -> None:
    cost = np.array([[1.0, INF], [INF, 1.0]])
    model = PMedian.from_cost_matrix(cost, [1.0, 1.0], p_facilities=1)
    with pytest.raises(LocationInfeasibleError):
        model.solve()
    with pytest.raises(LocationInfeasibleError) as caught:
        model.solve(method="greedy")
    assert caught.value.field == "p_facilities"
    assert "unreached" in _english(caught)


# bounds and exactness on random instances


def _random_instance(
    rng: np.random.Generator, n_demand: int, n_candidate: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    demand = rng.uniform(0, 10, (n_demand, 2))
    site = rng.uniform(0, 10, (n_candidate, 2))
    cost = np.linalg.norm(demand[:, None] - site[None], axis=2)
    return np.round(cost, 3), rng.integers(1, 50, n_demand).astype(np.float64)


def _best_subset(n_candidate: int, p: int, value: Callable[[list[int]], float]) -> float:
    return max(
        value(list(s))
        for k in range(1, p + 1)
        for s in itertools.combinations(range(n_candidate), k)
    )


def test_exact_and_greedy_against_enumeration_on_random_instances() -> None:
    rng = np.random.default_rng(7)
    for _ in range(12):
        cost, weights = _random_instance(rng, 25, 7)
        p = int(rng.integers(1, 4))
        radius = 2.5
        cover = cost <= radius

        mclp = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=p)
        exact, greedy = mclp.solve(), mclp.solve(method="greedy")
        best = _best_subset(7, p, lambda s, w=weights, c=cover: float(w[c[:, s].any(axis=1)].sum()))
        assert exact.objective == best
        assert greedy.objective <= best <= greedy.bound + 1e-9

        pmed = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
        exact, greedy = pmed.solve(), pmed.solve(method="greedy")
        best = -_best_subset(
            7, p, lambda s, w=weights, c=cost: -float((w * c[:, s].min(axis=1)).sum())
        )
        assert exact.objective == pytest.approx(best, abs=1e-9)
        assert greedy.bound - 1e-9 <= best <= greedy.objective + 1e-9

        lscp = LSCP.from_cost_matrix(cost, service_radius=4.0, allow_uncovered=True)
        exact, greedy = lscp.solve(), lscp.solve(method="greedy")
        reachable = (cost <= 4.0).any(axis=1)
        fewest = min(
            k
            for k in range(8)
            for s in itertools.combinations(range(7), k)
            if (cost[:, list(s)] <= 4.0).any(axis=1)[reachable].all()
        )
        assert exact.uncovered.tolist() == np.flatnonzero(~reachable).tolist()
        assert exact.objective == fewest
        assert greedy.bound <= fewest <= greedy.objective


def test_time_limit_without_a_solution_falls_back_to_the_greedy() -> None:
    rng = np.random.default_rng(5)
    cost, weights = _random_instance(rng, 300, 60)
    model = MCLP.from_cost_matrix(cost, weights, service_radius=1.5, p_facilities=8)
    res = model.solve(time_limit_s=1e-9)
    # the heuristic answers: the greedy, repaired by interchange or the Lagrangian when better
    assert res.solver in {"lazy-greedy", "greedy-interchange", "lagrangian"}
    assert "time limit" in res.status.lower()
    exact = model.solve()
    assert res.objective <= exact.objective <= res.bound


# same instance as spopt


# PuLP 3 warns about its own API (PULP_CBC_CMD, LpVariable) on every call that spopt makes
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_objectives_equal_spopt() -> None:
    rng = np.random.default_rng(11)
    cost, weights = _random_instance(rng, 40, 12)
    solver = pulp.PULP_CBC_CMD(msg=False)

    ours = MCLP.from_cost_matrix(cost, weights, service_radius=3.0, p_facilities=3).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(
        cost, weights, service_radius=3.0, p_facilities=3
    ).solve(solver)
    assert ours.objective == theirs.problem.objective.value()

    ours = LSCP.from_cost_matrix(cost, service_radius=5.0).solve()
    theirs = spopt_locate.LSCP.from_cost_matrix(cost, service_radius=5.0).solve(solver)
    assert ours.objective == theirs.problem.objective.value()

    ours = PMedian.from_cost_matrix(cost, weights, p_facilities=3).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(cost, weights, p_facilities=3).solve(solver)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-12)

    capacity = np.full(12, weights.sum() / 2.5)
    ours = PMedian.from_cost_matrix(
        cost, weights, p_facilities=3, capacities=capacity, single_source=True
    ).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(
        cost, weights, p_facilities=3, facility_capacities=capacity
    ).solve(solver)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)


# input checks


@pytest.mark.parametrize(
    ("kwargs", "field", "match"),
    [
        ({"cost_matrix": [1.0, 2.0]}, "cost_matrix", "two-dimensional"),
        ({"cost_matrix": [[np.nan]]}, "cost_matrix", "NaN"),
        ({"cost_matrix": [[-1.0]]}, "cost_matrix", "negative"),
        (
            {"cost_matrix": np.zeros((1, 0)), "weights": [1.0]},
            "cost_matrix",
            "at least one demand and one",
        ),
        ({"weights": [1.0, 2.0]}, "weights", "weights has 2 values for 1 demands"),
        ({"service_radius": [1.0, 2.0]}, "service_radius", "service_radius has 2 values"),
        (
            {"p_facilities": 0, "predefined_facilities": [0]},
            "p_facilities",
            "fewer than the 1 predefined",
        ),
        ({"predefined_facilities": [3]}, "predefined_facilities", r"candidate indices in \[0, 1\)"),
        ({"capacities": [-1.0]}, "capacities", "capacities must be at least 0"),
        ({"covered_by_existing": [1]}, "covered_by_existing", "true/false values"),
    ],
)
def test_bad_input_is_refused_by_name(kwargs: dict[str, Any], field: str, match: str) -> None:
    args: dict[str, Any] = {
        "cost_matrix": [[1.0]],
        "weights": [1.0],
        "service_radius": 2.0,
        "p_facilities": 1,
    }
    args.update(kwargs)
    cost, weights = args.pop("cost_matrix"), args.pop("weights")
    with pytest.raises(LocationInputError) as caught:
        MCLP.from_cost_matrix(cost, weights, **args)
    # Chinese by default, English on request, both naming the input at fault
    assert caught.value.field == field
    assert field in str(caught.value)
    assert re.search("[\u4e00-\u9fff]", str(caught.value))
    assert re.search(match, _english(caught))


def test_bad_solve_options_are_refused() -> None:
    model = MCLP.from_cost_matrix(COST, WEIGHTS, service_radius=RADIUS, p_facilities=1)
    with pytest.raises(LocationInputError) as caught:
        model.solve(method="simplex")
    assert "unknown method" in _english(caught)
    with pytest.raises(LocationInputError, match="time_limit_s"):
        model.solve(time_limit_s=0.0)
    capped = MCLP.from_cost_matrix(
        COST, WEIGHTS, service_radius=RADIUS, p_facilities=1, capacities=[1.0] * 4
    )
    with pytest.raises(LocationInputError) as caught:
        capped.solve(method="greedy")
    assert "no greedy heuristic for capacitated" in _english(caught)
