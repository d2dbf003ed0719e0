"""Cost matrices of the location models: travel times with the access leg, straight radii."""

import math

import networkx as nx
import numpy as np
import pytest

from geo.access import matrix
from geo.access.leg import access_leg_s
from geo.access.matrix import (
    nearest_straight,
    nearest_straight_m,
    radius_matrix,
    travel_time_costs,
    travel_time_matrix,
)
from geo.errors import LocationInputError
from geo.network import Network, network_from_arrays
from geo.network.speeds import FALLBACK_DRIVE_SPEED_KPH, travel_model
from tests._refusals import refused

INF = math.inf
FAST = travel_model("drive", speed_kph={"residential": 36.0})


def _line(n_nodes: int, oneway: list[bool] | None = None) -> Network:
    """Nodes 100 m apart on the x axis, each joined to the next by a residential street."""
    return network_from_arrays(
        np.arange(n_nodes) * 100.0,
        np.zeros(n_nodes),
        list(range(n_nodes - 1)),
        list(range(1, n_nodes)),
        ["residential"] * (n_nodes - 1),
        crs="EPSG:32649",
        oneway=oneway,
    )


def test_travel_time_matrix_on_a_one_way_line() -> None:
    # 0 - 1 -> 2 - 3: the middle street is one-way eastbound
    net = _line(4, oneway=[False, True, False])
    to_site = travel_time_matrix(net, [0, 3, -1], [2, 0], mode="drive", model=FAST)
    # from demand 0 to site 2 is 20 s; from demand 3 the one-way street blocks site 0
    assert to_site.tolist() == [[20.0, 0.0], [10.0, INF], [INF, INF]]
    from_site = travel_time_matrix(
        net, [0, 3], [2, 0], mode="drive", model=FAST, direction="from_facility"
    )
    assert from_site.tolist() == [[INF, 0.0], [10.0, 30.0]]
    bounded = travel_time_matrix(net, [0, 3], [2, 0], mode="drive", model=FAST, limit_s=10.0)
    assert bounded.tolist() == [[INF, 0.0], [10.0, INF]]


def test_travel_time_matrix_matches_networkx() -> None:
    rng = np.random.default_rng(3)
    side = 6
    xy = np.array([(i * 100.0, j * 100.0) for i in range(side) for j in range(side)])
    u, v = [], []
    for i in range(side):
        for j in range(side):
            k = i * side + j
            if i + 1 < side:
                u.append(k)
                v.append(k + side)
            if j + 1 < side:
                u.append(k)
                v.append(k + 1)
    oneway = rng.random(len(u)) < 0.3
    net = network_from_arrays(
        xy[:, 0], xy[:, 1], u, v, ["residential"] * len(u), crs="EPSG:32649", oneway=oneway
    )
    demand, sites = np.arange(0, 36, 5), np.array([7, 20, 33])
    matrix = travel_time_matrix(net, demand, sites, mode="drive", model=FAST)
    G = net.to_networkx("drive", model=FAST)
    for j, site in enumerate(sites):
        lengths = nx.single_source_dijkstra_path_length(
            G.reverse(copy=False), int(site), weight="travel_time_s"
        )
        expected = [lengths.get(int(d), INF) for d in demand]
        assert matrix[:, j] == pytest.approx(expected)


def test_travel_time_matrix_adds_the_access_leg_within_the_limit() -> None:
    net = _line(4)
    # demand 0 is 50 m from its node, demand 1 is on its node
    leg = 50.0 / (FALLBACK_DRIVE_SPEED_KPH / 3.6)
    matrix = travel_time_matrix(
        net, [0, 3], [1], mode="drive", model=FAST, demand_snap_m=[50.0, 0.0]
    )
    assert matrix.tolist() == [[10.0 + leg], [20.0]]
    assert access_leg_s([50.0], "drive").tolist() == [leg]
    # 15 s: the leg puts demand 0 beyond it; demand 1 was beyond it anyway
    bounded = travel_time_matrix(
        net, [0, 3], [1], mode="drive", model=FAST, limit_s=15.0, demand_snap_m=[50.0, 0.0]
    )
    assert bounded.tolist() == [[INF], [INF]]
    with refused(LocationInputError, match="demand_snap_m"):
        travel_time_matrix(net, [0, 3], [1], mode="drive", demand_snap_m=[1.0])


def test_travel_time_costs_keep_the_finite_pairs_in_blocks() -> None:
    net = _line(5)
    demand, sites = [0, 2, 4, -1], [0, -1, 4, 2]
    snap_m = [0.0, 20.0, 0.0, 0.0]
    dense = travel_time_matrix(
        net, demand, [0, 4, 2], mode="drive", model=FAST, limit_s=30.0, demand_snap_m=snap_m
    )
    sparse = travel_time_costs(
        net, demand, sites, mode="drive", model=FAST, limit_s=30.0, demand_snap_m=snap_m
    )
    assert sparse.shape == (4, 4)
    # the stored pairs are the finite costs, zero included (demand 0 on site 0)
    stored = _pairs(sparse)
    expected = {
        (d, c): float(dense[d, j])
        for d in range(4)
        for j, c in enumerate([0, 2, 3])
        if math.isfinite(dense[d, j])
    }
    assert stored == expected
    assert stored[(0, 0)] == 0.0


def _pairs(matrix: object) -> dict[tuple[int, int], float]:
    coo = matrix.tocoo()  # type: ignore[attr-defined]
    return {(int(r), int(c)): float(v) for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)}


def test_radius_matrix_keeps_zero_distances() -> None:
    # demand 0 sits on site 0; demand 1 is 300 m from site 0 and 500 m from site 1
    matrix = radius_matrix([0.0, 300.0], [0.0, 0.0], [0.0, 300.0], [0.0, 500.0], limit_m=400.0)
    assert matrix.shape == (2, 2)
    assert _pairs(matrix) == {(0, 0): 0.0, (1, 0): 300.0}
    every = radius_matrix([0.0], [0.0], [0.0, 300.0], [0.0, 400.0], limit_m=None)
    assert every.toarray().tolist() == [[0.0, 500.0]]
    with refused(LocationInputError, match="limit_m"):
        radius_matrix([0.0], [0.0], [0.0], [0.0], limit_m=-1.0)


def test_nearest_straight_distance() -> None:
    distance, site = nearest_straight([0.0, 30.0], [0.0, 40.0], [0.0, 100.0], [0.0, 40.0])
    assert distance.tolist() == [0.0, 50.0]
    assert site.tolist() == [0, 0]
    distance, site = nearest_straight([0.0], [0.0], [], [])
    assert distance.tolist() == [INF]
    assert site.tolist() == [-1]


@pytest.mark.parametrize("brute_pairs", [0, 10_000_000])
def test_nearest_straight_m_is_the_kd_tree_distance_bit_for_bit(
    brute_pairs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # points and sites at awkward coordinates (UTM metres), compared directly and through the
    # KD-tree (brute_pairs 0): the same floats, sites on points (0 m) included
    monkeypatch.setattr(matrix, "_BRUTE_PAIRS", brute_pairs)
    rng = np.random.default_rng(17)
    x = rng.uniform(500_000.0, 600_000.0, 5_000)
    y = rng.uniform(2_900_000.0, 3_000_000.0, 5_000)
    site_x = np.concatenate([x[:3], rng.uniform(500_000.0, 600_000.0, 60)])
    site_y = np.concatenate([y[:3], rng.uniform(2_900_000.0, 3_000_000.0, 60)])
    expected, _ = nearest_straight(x, y, site_x, site_y)
    found = nearest_straight_m(x, y, site_x, site_y)
    assert found.dtype == np.float64
    assert np.array_equal(found, expected)
    assert found[:3].tolist() == [0.0, 0.0, 0.0]
    assert nearest_straight_m([0.0, 30.0], [0.0, 40.0], [], []).tolist() == [INF, INF]
