"""MEXCLP with stations (``geo.locate.ems``) against brute-force enumeration of its objective.

Daskin (1983)'s small example could not be reconstructed from the paper's description alone,
so the exact solve is checked against every allocation of the fleet on tiny instances, and the
greedy against the same optimum and its own bound.
"""

import itertools

import numpy as np
import pytest

from geo.errors import LocationInputError
from geo.locate.ems import busy_fraction, plan_ems

INF = np.inf


def _brute_force(
    cover: np.ndarray, w: np.ndarray, existing: np.ndarray, total: int, max_new: int, q: float
) -> float:
    """Best expected coverage over every fleet placement meeting the model's rules."""
    n_sites = cover.shape[1]
    station = existing >= 0
    start = np.where(station, np.maximum(existing, 1), 0)
    extra = total - int(start.sum())
    best = -1.0
    for placement in itertools.combinations_with_replacement(range(n_sites), extra):
        fleet = start.copy()
        for j in placement:
            fleet[j] += 1
        if int(((~station) & (fleet > 0)).sum()) > max_new:
            continue
        n = cover @ fleet
        best = max(best, float((w * (1.0 - q**n)).sum()))
    return best


def _instance(rng: np.random.Generator, n_d: int, n_s: int) -> tuple[np.ndarray, np.ndarray]:
    cover = rng.random((n_d, n_s)) < 0.35
    return np.where(cover, 1.0, INF), rng.integers(1, 20, size=n_d).astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_exact_equals_brute_force_and_every_station_has_an_ambulance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost, w = _instance(rng, 7, 5)
    existing = np.array([0, 2, -1, -1, -1])
    q = 0.3
    plan = plan_ems(
        cost,
        w,
        service_radius=1.0,
        existing=existing,
        fleet_total=5,
        max_new=2,
        busy=q,
        method="exact",
    )
    best = _brute_force(np.isfinite(cost).astype(float), w, existing, 5, 2, q)
    assert plan.exact
    assert plan.expected_after == pytest.approx(best)
    assert int(plan.fleet.sum()) == 5
    # old stations keep theirs (the empty one gets one), open stations have a vehicle
    assert plan.fleet[0] >= 1
    assert plan.fleet[1] >= 2
    assert int(plan.opened.sum()) <= 2
    assert (plan.fleet[plan.opened] >= 1).all()


@pytest.mark.parametrize("seed", range(6))
def test_greedy_stays_within_its_bound_of_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    cost, w = _instance(rng, 8, 5)
    existing = np.array([1, -1, -1, -1, -1])
    q = 0.25
    kwargs = {"service_radius": 1.0, "existing": existing, "fleet_total": 4, "max_new": 2}
    greedy = plan_ems(cost, w, busy=q, method="greedy", **kwargs)
    best = _brute_force(np.isfinite(cost).astype(float), w, existing, 4, 2, q)
    assert greedy.expected_after <= best + 1e-9
    assert greedy.bound >= best - 1e-9
    assert int(greedy.fleet.sum()) == 4
    assert int(greedy.opened.sum()) <= 2


def test_one_ambulance_and_no_busy_time_is_the_max_cover() -> None:
    # q = 0: expected coverage is plain coverage; two new stations, 3 ambulances in all
    cost = np.array([[1.0, INF, INF], [1.0, 1.0, INF], [INF, INF, 1.0], [INF, INF, 1.0]])
    w = np.array([5.0, 1.0, 3.0, 4.0])
    plan = plan_ems(
        cost, w, service_radius=1.0, existing=[-1, -1, -1], fleet_total=2, max_new=2, busy=0.0
    )
    assert plan.fleet.tolist() == [1, 0, 1]
    assert (plan.covered_before, plan.covered_after, plan.expected_after) == (0.0, 13.0, 13.0)


def test_busy_fraction_from_calls_and_service_time() -> None:
    # 876,600 residents x 10 calls per 1,000 a year = 1 call an hour; 60 min each; 4 vehicles
    q = busy_fraction(876_600, 4, calls_per_1000_per_year=10.0, minutes_per_call=60.0)
    assert q == pytest.approx(0.25)
    with pytest.raises(LocationInputError, match="ambulances") as caught:
        busy_fraction(1000, 0, calls_per_1000_per_year=10.0, minutes_per_call=60.0)
    assert caught.value.field == "ambulances"
    assert "ambulances must be more than 0" in caught.value.localized("en")


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_each_unit_ends_with_its_quota(method: str) -> None:
    rng = np.random.default_rng(7)
    cost, w = _instance(rng, 8, 6)
    existing = np.array([1, 0, -1, -1, -1, -1])
    group = np.array([0, 1, 0, 0, 1, 1])
    plan = plan_ems(
        cost,
        w,
        service_radius=1.0,
        existing=existing,
        fleet_total=0,
        max_new=3,
        busy=0.2,
        method=method,
        group=group,
        group_fleet=[3, 2],
    )
    assert np.bincount(group, weights=plan.fleet).tolist() == [3.0, 2.0]
    assert plan.fleet[1] >= 1
    cover = np.isfinite(cost).astype(float)
    # brute force over placements meeting both quotas
    best = -1.0
    for placement in itertools.product(range(6), repeat=3):
        fleet = np.array([1, 1, 0, 0, 0, 0])
        for j in placement:
            fleet[j] += 1
        if np.bincount(group, weights=fleet).tolist() != [3.0, 2.0]:
            continue
        if int(((existing < 0) & (fleet > 0)).sum()) > 3:
            continue
        best = max(best, float((w * (1.0 - 0.2 ** (cover @ fleet))).sum()))
    if method == "exact":
        assert plan.expected_after == pytest.approx(best)
    else:
        assert plan.expected_after <= best + 1e-9


@pytest.mark.parametrize(
    ("q", "fleet", "value"),
    [(0.5, [2, 1, 0], 120.0), (0.2, [1, 1, 1], 184.0)],
)
@pytest.mark.parametrize("method", ["exact", "greedy", "auto"])
def test_the_busy_fraction_decides_between_backup_and_reach(
    q: float, fleet: list[int], value: float, method: str
) -> None:
    """A hand-proved MEXCLP optimum (no published instance with its data and optimum was found
    in the sources searched: Daskin 1983, *Transportation Science* 17(1):48–70, reports results
    on a 55-node network without printing its data).

    Demands A, B, C (100, 90 and 40 residents) are each reached by one site only (1, 2, 3), and
    3 ambulances are placed on new stations. The objective is then a sum of concave functions of
    each site's count, so the optimum takes the 3 largest marginal worths ``w (1 - q) q**(k-1)``
    (an exchange argument):

    * ``q = 0.5``: A's are 50, 25, 12.5; B's 45, 22.5; C's 20: take 50, 45, 25, i.e. two at site
      1 (the second backs the first up while it is busy) and none at site 3; expected coverage
      75 + 45 = 120. Covering all three (MCLP's answer) would give 50 + 45 + 20 = 115.
    * ``q = 0.2``: A's are 80, 16; B's 72, 14.4; C's 32: take 80, 72, 32, one at each site;
      expected coverage 184.
    """
    cost = np.array([[1.0, INF, INF], [INF, 1.0, INF], [INF, INF, 1.0]])
    w = np.array([100.0, 90.0, 40.0])
    plan = plan_ems(
        cost,
        w,
        service_radius=1.0,
        existing=[-1, -1, -1],
        fleet_total=3,
        max_new=3,
        busy=q,
        method=method,
    )
    assert plan.fleet.tolist() == fleet
    assert plan.expected_after == pytest.approx(value)
    assert _brute_force(np.eye(3), w, np.array([-1, -1, -1]), 3, 3, q) == pytest.approx(value)
    # the exact solve proves it; the Lagrangian bound comes within 0.1 % of it
    assert value - 1e-9 <= plan.bound <= value * 1.001
