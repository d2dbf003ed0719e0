"""The bounds and repairs of the large-instance paths, against enumeration on tiny instances.

Every model that answers beyond the exact MILP's size states a bound on the optimum; these tests
force that path on instances small enough to enumerate, and check that the bound holds (the
optimum lies between the answer and it), that it is tighter than the greedy's own, and that the
repairs (LP rounding, the MILP over the LP's support, single-ambulance moves) never lose value.
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from geo.locate import MCLP, PMedian, coverage, ems
from geo.locate._milp import Pairs, max_cover_lp_bound
from geo.locate.ems import plan_ems

INF = np.inf


def _cover_instance(rng: np.random.Generator, n_d: int, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    cover = rng.random((n_d, n_c)) < 0.3
    return cover, rng.integers(1, 30, size=n_d).astype(np.float64)


def _best_cover(cover: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> float:
    others = [j for j in range(cover.shape[1]) if j not in fixed]
    best = 0.0
    for k in range(0, p - len(fixed) + 1):
        for chosen in itertools.combinations(others, k):
            sites = list(chosen) + fixed
            best = max(best, float(w[cover[:, sites].any(axis=1)].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_lp_bound_solved_in_dual_form_equals_the_primal_lp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cover, w = _cover_instance(rng, 12, 6)
    demand, candidate = np.nonzero(cover)
    pairs = Pairs(demand, candidate, np.zeros(demand.shape[0]), 12, 6)
    fixed = np.zeros(6, dtype=np.bool_)
    fixed[seed % 6] = seed % 2 == 0
    p = 2 + seed % 3
    bound, x = max_cover_lp_bound(pairs, w, p=p, fixed=fixed, time_limit_s=10.0)
    # Church & ReVelle's LP as written: v = [x | y], y_i <= sum_{j in N_i} x_j, sum x <= p
    rows = np.unique(demand)
    a = np.zeros((rows.shape[0] + 1, 6 + rows.shape[0]))
    for k, i in enumerate(rows):
        a[k, :6] = -cover[i].astype(np.float64)
        a[k, 6 + k] = 1.0
    a[-1, :6] = 1.0
    primal = linprog(
        np.concatenate([np.zeros(6), -w[rows]]),
        A_ub=a,
        b_ub=np.concatenate([np.zeros(rows.shape[0]), [p]]),
        bounds=[(1.0 if f else 0.0, 1.0) for f in fixed] + [(0.0, 1.0)] * rows.shape[0],
    )
    assert bound == pytest.approx(-primal.fun)
    # the relaxed sites read from the dual values reach the LP's value themselves
    assert x is not None
    assert x.sum() <= p + 1e-9
    assert (x[fixed] == 1.0).all()
    assert float(w[rows] @ np.minimum(cover[rows] @ x, 1.0)) == pytest.approx(bound)
    assert bound >= _best_cover(cover, w, p, np.flatnonzero(fixed).tolist()) - 1e-9


@pytest.mark.parametrize("seed", range(10))
def test_mclp_large_path_holds_its_bound(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # every instance takes the path of a prefecture: greedy, interchange, LP, rounding, core MILP
    monkeypatch.setattr(coverage, "MCLP_QUICK_EXACT_PAIRS", 0)
    rng = np.random.default_rng(100 + seed)
    cover, w = _cover_instance(rng, 30, 9)
    p = 2 + seed % 3
    model = MCLP.from_cost_matrix(np.where(cover, 1.0, INF), w, service_radius=1.0, p_facilities=p)
    res = model.solve()
    greedy = model.solve(method="greedy")
    best = _best_cover(cover, w, p, [])
    assert res.objective <= best + 1e-9 <= res.bound + 2e-9
    assert res.bound <= greedy.bound + 1e-9
    assert res.objective >= greedy.objective
    assert res.bound_source in {"lp", "greedy", "trivial"}
    # a bound equal to the answer is a proof, stated as one
    assert res.exact == (res.bound == res.objective)
    assert res.objective == best or not res.exact


def test_a_fractional_lp_states_its_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # four sites, one demand per pair of them; two sites reach 5 of the 6 pairs (all but the
    # pair of the two left shut), while the LP opens every site by a half and reaches all 6
    monkeypatch.setattr(coverage, "MCLP_QUICK_EXACT_PAIRS", 0)
    pairs = list(itertools.combinations(range(4), 2))
    cover = np.zeros((6, 4), dtype=bool)
    for i, (a, b) in enumerate(pairs):
        cover[i, [a, b]] = True
    model = MCLP.from_cost_matrix(
        np.where(cover, 1.0, INF), np.ones(6), service_radius=1.0, p_facilities=2
    )
    res = model.solve()
    assert res.objective == 5.0
    # the LP's bound here is everyone within reach
    assert res.bound == pytest.approx(6.0)
    assert not res.exact
    assert res.gap == pytest.approx(1.0 / 6.0)


def _best_median(cost: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> float:
    best = INF
    for k in range(1, p + 1):
        for sites in itertools.combinations(range(cost.shape[1]), k):
            each = np.minimum(cost[:, list(sites)].min(axis=1), existing)
            best = min(best, float((w * each).sum()))
    return best


@pytest.mark.parametrize("seed", range(10))
def test_p_median_lagrangian_bound_holds_and_beats_the_greedys(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    xy_d, xy_c = rng.random((25, 2)), rng.random((7, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_c[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, size=25).astype(np.float64)
    # some demands keep an existing facility at a fixed cost
    existing = np.where(rng.random(25) < 0.3, 0.4, INF)
    p = 2 + seed % 3
    model = PMedian.from_cost_matrix(cost, w, p_facilities=p, existing_cost=existing)
    large = model.solve(max_exact_pairs=0)
    greedy = model.solve(method="greedy")
    best = _best_median(cost, w, p, existing)
    assert large.bound - 1e-6 <= best <= large.objective + 1e-6
    assert large.bound >= greedy.bound - 1e-6
    assert large.bound_source in {"lagrangian", "greedy", "trivial"}


def _best_plan(cover: np.ndarray, w: np.ndarray, start: np.ndarray, total: int, q: float) -> float:
    best = -1.0
    for placement in itertools.combinations_with_replacement(range(cover.shape[1]), total):
        fleet = start.copy()
        for j in placement:
            fleet[j] += 1
        best = max(best, float((w * (1.0 - q ** (cover @ fleet))).sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_ems_lagrangian_bound_holds_and_beats_the_online_one(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(300 + seed)
    cover = rng.random((9, 5)) < 0.4
    w = rng.integers(1, 20, size=9).astype(np.float64)
    existing = np.array([1, 0, -1, -1, -1])
    q = 0.1 + 0.1 * (seed % 4)
    kwargs = {
        "service_radius": 1.0,
        "existing": existing,
        "fleet_total": 6,
        "max_new": 3,
        "busy": q,
    }
    cost = np.where(cover, 1.0, INF)
    # the online bound alone (the greedy's) against the Lagrangian's, with the moves
    monkeypatch.setattr(ems, "EMS_MAX_EXACT_VARIABLES", 0)
    auto = plan_ems(cost, w, **kwargs)
    greedy = plan_ems(cost, w, method="greedy", **kwargs)
    exact = plan_ems(cost, w, method="exact", **kwargs)
    # every station keeps one: the 2 existing start with 2, 4 more to place (<= 3 new stations)
    best = _best_plan(cover.astype(float), w, np.array([1, 1, 0, 0, 0]), 4, q)
    assert exact.expected_after == pytest.approx(best)
    assert auto.expected_after <= best + 1e-9 <= auto.bound + 2e-9
    assert auto.expected_after >= greedy.expected_after - 1e-9
    assert auto.bound <= greedy.bound + 1e-9
    assert auto.bound_source in {"lagrangian", "greedy"}
    assert int(auto.fleet.sum()) == 6
    assert int(auto.opened.sum()) <= 3
    assert (auto.fleet[:2] >= 1).all()
