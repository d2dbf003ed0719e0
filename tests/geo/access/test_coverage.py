"""Nearest facility and coverage on tiny hand-built graphs with exact expected times.

Residential streets are set to 36 km/h = 10 m/s, so a 100 m segment takes exactly 10 s.
"""

import math

import networkx as nx
import numpy as np
import pytest

from geo.access.coverage import compute_coverage, nearest_facility
from geo.errors import CoverageInputError, ModeError
from geo.network import Network, network_from_arrays
from geo.network.speeds import travel_model
from tests._refusals import refused

CRS = "EPSG:32649"
INF = math.inf
FAST = travel_model("drive", speed_kph={"residential": 36.0})


def grid_line(
    n_nodes: int, segments: list[tuple[int, int]], *, oneway: list[bool] | None = None
) -> Network:
    """Nodes 100 m apart on the x axis; the given segments, 100 m each, residential."""
    u, v = zip(*segments, strict=True)
    return network_from_arrays(
        np.arange(n_nodes) * 100.0,
        np.zeros(n_nodes),
        list(u),
        list(v),
        ["residential"] * len(segments),
        crs=CRS,
        oneway=oneway,
        length_m=[100.0] * len(segments),
    )


@pytest.fixture
def one_way_line() -> Network:
    # 0 - 1 -> 2 - 3 - 4, plus a separate piece 5 - 6
    return grid_line(
        7, [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6)], oneway=[False, True, False, False, False]
    )


def test_direction_matters_on_one_way_streets(one_way_line: Network) -> None:
    to = nearest_facility(one_way_line, [0], mode="drive", model=FAST)
    assert to.travel_time_s.tolist() == [0.0, 10.0, INF, INF, INF, INF, INF]
    assert to.facility.tolist() == [0, 0, -1, -1, -1, -1, -1]
    away = nearest_facility(one_way_line, [0], mode="drive", model=FAST, direction="from_facility")
    assert away.travel_time_s.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0, INF, INF]
    assert away.reached.tolist() == [True] * 5 + [False] * 2


def test_walking_ignores_one_way(one_way_line: Network) -> None:
    # 100 m at 4.5 km/h = 80 s
    walk = nearest_facility(one_way_line, [0], mode="walk")
    assert walk.travel_time_s.tolist() == [0.0, 80.0, 160.0, 240.0, 320.0, INF, INF]


def test_unreachable_part_stays_unreached(one_way_line: Network) -> None:
    res = nearest_facility(one_way_line, [6], mode="drive", model=FAST)
    assert res.travel_time_s.tolist() == [INF] * 5 + [10.0, 0.0]
    assert res.facility.tolist() == [-1] * 5 + [0, 0]


def test_limit_is_inclusive() -> None:
    net = grid_line(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    res = nearest_facility(net, [0], mode="drive", model=FAST, limit_s=20.0)
    assert res.travel_time_s.tolist() == [0.0, 10.0, 20.0, INF, INF]
    assert res.facility.tolist() == [0, 0, 0, -1, -1]
    assert res.limit_s == 20.0
    zero = nearest_facility(net, [2], mode="drive", model=FAST, limit_s=0.0)
    assert zero.travel_time_s.tolist() == [INF, INF, 0.0, INF, INF]


def test_equal_times_go_to_the_lowest_facility_index() -> None:
    # 0 - 1 - 2 - 3 - 4 with a branch 2 - 5 - 6: node 2 is 20 s from both ends
    net = grid_line(7, [(0, 1), (1, 2), (2, 3), (3, 4), (2, 5), (5, 6)])
    for sources in ([4, 0], [0, 4]):
        res = nearest_facility(net, sources, mode="drive", model=FAST)
        assert res.travel_time_s.tolist() == [0.0, 10.0, 20.0, 10.0, 0.0, 30.0, 40.0]
        near_0 = sources.index(0)
        near_4 = sources.index(4)
        tied = min(near_0, near_4)
        assert res.facility.tolist() == [near_0, near_0, tied, near_4, near_4, tied, tied]


def test_facilities_at_the_same_node_go_to_the_lowest_index() -> None:
    net = grid_line(4, [(0, 1), (1, 2), (2, 3)])
    res = nearest_facility(net, [3, 0, 0], mode="drive", model=FAST)
    assert res.facility.tolist() == [1, 1, 0, 0]
    assert res.travel_time_s.tolist() == [0.0, 10.0, 10.0, 0.0]


def test_ems_adds_the_dispatch_delay_once_per_trip() -> None:
    net = grid_line(4, [(0, 1), (1, 2), (2, 3)])
    # 30 km/h x 1.2 = 36 km/h = 10 s per segment, plus 180 s dispatch
    ems = travel_model("ems", speed_kph={"residential": 30.0})
    res = nearest_facility(
        net, [0], mode="ems", model=ems, limit_s=200.0, direction="from_facility"
    )
    assert res.travel_time_s.tolist() == [180.0, 190.0, 200.0, INF]
    short = nearest_facility(net, [0], mode="ems", model=ems, limit_s=100.0)
    assert short.facility.tolist() == [-1, -1, -1, -1]


def test_no_facilities_reach_nothing() -> None:
    net = grid_line(3, [(0, 1), (1, 2)])
    res = nearest_facility(net, np.array([], dtype=np.int64), mode="drive")
    assert res.travel_time_s.tolist() == [INF] * 3
    assert res.facility.tolist() == [-1] * 3


def test_bad_inputs_are_refused() -> None:
    net = grid_line(3, [(0, 1), (1, 2)])
    with refused(CoverageInputError, match="outside"):
        nearest_facility(net, [3], mode="drive")
    with refused(CoverageInputError, match="limit_s"):
        nearest_facility(net, [0], mode="drive", limit_s=-1.0)
    with refused(ModeError, match="direction"):
        nearest_facility(net, [0], mode="drive", direction="sideways")
    with refused(CoverageInputError, match="integer node indices"):
        nearest_facility(net, [0.5], mode="drive")


def test_ties_match_a_brute_force_reference() -> None:
    # a 6 x 6 grid of equal streets: many exact ties; check against networkx per facility
    k = 6
    idx = np.arange(k * k).reshape(k, k)
    u = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    v = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    rng = np.random.default_rng(7)
    oneway = rng.random(u.size) < 0.3
    xs, ys = np.meshgrid(np.arange(k) * 100.0, np.arange(k) * 100.0, indexing="ij")
    net = network_from_arrays(
        xs.ravel(), ys.ravel(), u, v, ["residential"] * u.size, crs=CRS, oneway=oneway
    )
    sources = [35, 0, 14, 21, 0]
    res = nearest_facility(net, sources, mode="drive", model=FAST, limit_s=60.0)
    G = net.to_networkx("drive", model=FAST).reverse(copy=True)
    per_source = [
        nx.single_source_dijkstra_path_length(G, s, cutoff=60.0, weight="travel_time_s")
        for s in sources
    ]
    for node in range(net.n_nodes):
        times = [d.get(node, INF) for d in per_source]
        best = min(times)
        assert res.travel_time_s[node] == pytest.approx(best, abs=1e-9)
        expected = times.index(best) if best < INF else -1
        assert res.facility[node] == expected


# coverage of population points


def test_coverage_counts_people_and_catchments() -> None:
    net = grid_line(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    res = compute_coverage(
        net,
        [0, 4],
        [0, 1, 2, 3, 4, -1],
        [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        mode="drive",
        minutes=10.0 / 60.0,
        model=FAST,
    )
    # node 2 is 20 s from both facilities: beyond 10 s; the off-network point is never covered
    assert res.covered.tolist() == [True, True, False, True, True, False]
    assert res.point_facility.tolist() == [0, 0, -1, 1, 1, -1]
    assert res.point_time_s.tolist() == [0.0, 10.0, INF, 10.0, 0.0, INF]
    assert res.facility_population.tolist() == [30.0, 90.0]
    assert res.population_total == 210.0
    assert res.population_covered == 120.0
    assert res.covered_share == pytest.approx(120.0 / 210.0)
    assert res.off_network_points == 1
    assert not res.synthetic


def test_access_leg_is_added_at_the_access_speed() -> None:
    net = grid_line(3, [(0, 1), (1, 2)])
    # point at node 1 (10 s) snapped from 50 m away: +50 m at 18 km/h (5 m/s) = +10 s
    res = compute_coverage(
        net,
        [0],
        [1, 1],
        [5.0, 7.0],
        mode="drive",
        minutes=20.0 / 60.0,
        model=FAST,
        point_snap_m=[50.0, 60.0],
        access_speed_kph=18.0,
    )
    assert res.point_time_s.tolist() == [20.0, INF]
    assert res.covered.tolist() == [True, False]
    assert res.population_covered == 5.0


def test_coverage_edge_cases() -> None:
    net = grid_line(3, [(0, 1), (1, 2)])
    none = compute_coverage(net, [], [0, 1], [1.0, 2.0], mode="drive", minutes=15)
    assert none.population_covered == 0.0
    assert none.facility_population.tolist() == []
    assert none.covered_share == 0.0

    off = compute_coverage(net, [0], [-1, -1], [1.0, 2.0], mode="drive", minutes=15)
    assert off.off_network_points == 2
    assert off.population_covered == 0.0
    assert off.facility_population.tolist() == [0.0]

    empty = compute_coverage(net, [0], [1, 2], [0.0, 0.0], mode="drive", minutes=15)
    assert empty.population_total == 0.0
    assert math.isnan(empty.covered_share)

    # an off-network facility covers nobody and keeps its place in the catchment list
    skip = compute_coverage(net, [-1, 2], [0, 2], [1.0, 2.0], mode="drive", minutes=15)
    assert skip.facility_population.tolist() == [0.0, 3.0]
    assert skip.point_facility.tolist() == [1, 1]

    same = compute_coverage(net, [1, 1], [0, 2], [1.0, 2.0], mode="drive", minutes=15)
    assert same.facility_population.tolist() == [3.0, 0.0]


def test_coverage_refuses_bad_population() -> None:
    net = grid_line(3, [(0, 1), (1, 2)])
    with refused(CoverageInputError, match="population has 1 values for 2 points"):
        compute_coverage(net, [0], [0, 1], [1.0], mode="drive", minutes=5)
    with refused(CoverageInputError, match=">= 0"):
        compute_coverage(net, [0], [0], [-1.0], mode="drive", minutes=5)
    with refused(CoverageInputError, match="minutes"):
        compute_coverage(net, [0], [0], [1.0], mode="drive", minutes=float("inf"))
