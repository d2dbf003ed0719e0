"""Adding one site incrementally equals recomputing nearest facilities from scratch.

Residential streets are set to 36 km/h = 10 m/s, so a 100 m segment takes exactly 10 s and
many times tie exactly: the tie rule (the existing facility keeps the node) is exercised.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.access.coverage import NearestResult, nearest_facility
from geo.access.incremental import add_site
from geo.errors import CoverageInputError, GeoError, InputError
from geo.network import Network, network_from_arrays
from geo.network.readers import read_network
from geo.network.snap import snap_points
from geo.network.speeds import travel_model
from tests._refusals import refused
from tests.geo.access._grids import grid

INF = math.inf
CRS = "EPSG:32649"
FAST = travel_model("drive", speed_kph={"residential": 36.0})
METHODS = ("auto", "heap", "scipy")


def line(n_nodes: int, *, oneway: list[bool] | None = None) -> Network:
    """Nodes 100 m apart on the x axis, each joined to the next by a residential street."""
    return network_from_arrays(
        np.arange(n_nodes) * 100.0,
        np.zeros(n_nodes),
        list(range(n_nodes - 1)),
        list(range(1, n_nodes)),
        ["residential"] * (n_nodes - 1),
        crs=CRS,
        oneway=oneway,
    )


def assert_same(merged: NearestResult, full: NearestResult) -> None:
    assert merged.travel_time_s.tolist() == full.travel_time_s.tolist()
    assert merged.facility.tolist() == full.facility.tolist()
    assert merged.limit_s == full.limit_s
    assert merged.direction == full.direction


@pytest.mark.parametrize("method", METHODS)
def test_new_site_takes_the_nodes_it_reaches_strictly_faster(method: str) -> None:
    net = line(7)
    base = nearest_facility(net, [0], mode="drive", model=FAST, limit_s=40.0)
    assert base.travel_time_s.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0, INF, INF]
    added = add_site(net, base, 4, site_index=1, model=FAST, method=method)
    # node 2 is 20 s from both: the existing facility (lower index) keeps it
    assert added.nearest.travel_time_s.tolist() == [0.0, 10.0, 20.0, 10.0, 0.0, 10.0, 20.0]
    assert added.nearest.facility.tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert added.switched_nodes.tolist() == [3, 4, 5, 6]
    # within the baseline's 40 s limit: nodes 5 and 6 are newly covered
    assert added.gained_nodes.tolist() == [5, 6]
    assert added.threshold_s == 40.0
    full = nearest_facility(net, [0, 4], mode="drive", model=FAST, limit_s=40.0)
    assert_same(added.nearest, full)


@pytest.mark.parametrize("method", METHODS)
def test_gain_counts_people_within_the_threshold(method: str) -> None:
    net = line(7)
    base = nearest_facility(net, [0], mode="drive", model=FAST, limit_s=40.0)
    people = np.array([5.0, 5.0, 5.0, 5.0, 7.0, 11.0, 13.0])
    added = add_site(
        net,
        base,
        4,
        site_index=1,
        model=FAST,
        threshold_s=15.0,
        node_population=people,
        method=method,
    )
    # within 15 s: before nodes 0, 1; after also 3, 4, 5
    assert added.gained_nodes.tolist() == [3, 4, 5]
    assert added.gained_population == 5.0 + 7.0 + 11.0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_direction_follows_the_baseline(method: str, direction: str) -> None:
    # 0 - 1 -> 2 - 3 - 4: the street 1 -> 2 is one-way
    net = line(5, oneway=[False, True, False, False])
    base = nearest_facility(net, [0], mode="drive", model=FAST, direction=direction)
    added = add_site(net, base, 1, site_index=1, model=FAST, method=method)
    full = nearest_facility(net, [0, 1], mode="drive", model=FAST, direction=direction)
    assert_same(added.nearest, full)
    if direction == "to_facility":
        # nodes 2-4 cannot drive back past the one-way street to either site
        assert added.nearest.facility.tolist() == [0, 1, -1, -1, -1]
        assert added.gained_nodes.tolist() == []
    else:
        # ambulances from node 1 reach nodes 2-4 ten seconds sooner than from node 0
        assert added.nearest.facility.tolist() == [0, 1, 1, 1, 1]
        assert added.nearest.travel_time_s.tolist() == [0.0, 0.0, 10.0, 20.0, 30.0]


@pytest.mark.parametrize("method", METHODS)
def test_unbounded_baseline_reaches_a_new_component(method: str) -> None:
    # two pieces: 0 - 1 - 2 and 3 - 4
    net = network_from_arrays(
        np.arange(5) * 100.0,
        np.zeros(5),
        [0, 1, 3],
        [1, 2, 4],
        ["residential"] * 3,
        crs=CRS,
    )
    base = nearest_facility(net, [0], mode="drive", model=FAST)
    added = add_site(net, base, 4, site_index=1, model=FAST, method=method)
    assert added.nearest.travel_time_s.tolist() == [0.0, 10.0, 20.0, 10.0, 0.0]
    assert added.gained_nodes.tolist() == [3, 4]
    assert_same(added.nearest, nearest_facility(net, [0, 4], mode="drive", model=FAST))


def test_site_at_an_existing_facility_changes_nothing() -> None:
    net = line(5)
    base = nearest_facility(net, [2], mode="drive", model=FAST, limit_s=60.0)
    for method in METHODS:
        added = add_site(net, base, 2, site_index=1, model=FAST, method=method)
        assert added.switched_nodes.size == 0
        assert_same(added.nearest, base)


def test_dispatch_delay_is_counted_once() -> None:
    net = line(8)
    ems = travel_model(
        "ems", speed_kph={"residential": 36.0}, emergency_factor=1.0, dispatch_delay_min=1.0
    )
    base = nearest_facility(net, [0], mode="ems", model=ems, limit_s=120.0)
    for method in METHODS:
        added = add_site(net, base, 6, site_index=1, model=ems, method=method)
        full = nearest_facility(net, [0, 6], mode="ems", model=ems, limit_s=120.0)
        assert_same(added.nearest, full)
        # node 6 is 60 s away (the delay); node 7 70 s
        assert added.nearest.travel_time_s[6:].tolist() == [60.0, 70.0]


def test_auto_searches_compiled_and_copies_nothing_until_asked() -> None:
    # a long line with no facility: the new site takes every node, far beyond a small area
    net = line(1200)
    base = nearest_facility(net, np.zeros(0, dtype=np.int64), mode="drive", model=FAST)
    added = add_site(net, base, 0, site_index=0, model=FAST)
    assert added.method == "buckets"
    assert added.searched_nodes == net.n_nodes
    assert added.switched_nodes.shape[0] == net.n_nodes
    assert added.switched_time_s.tolist() == [10.0 * k for k in range(net.n_nodes)]
    # the baseline is left alone; the merged arrays are built once, on first read
    assert base.facility.tolist() == [-1] * net.n_nodes
    assert added.nearest is added.nearest
    assert_same(added.nearest, nearest_facility(net, [0], mode="drive", model=FAST))
    small_base = nearest_facility(net, [5], mode="drive", model=FAST)
    small = add_site(net, small_base, 0, site_index=1, model=FAST)
    assert small.method == "buckets"
    assert small.switched_nodes.tolist() == [0, 1, 2]


def test_the_change_applies_in_place() -> None:
    net = line(7)
    base = nearest_facility(net, [0], mode="drive", model=FAST, limit_s=40.0)
    added = add_site(net, base, 4, site_index=1, model=FAST)
    time_s, facility = base.travel_time_s.copy(), base.facility.copy()
    added.apply_to(time_s, facility)
    assert time_s.tolist() == added.nearest.travel_time_s.tolist()
    assert facility.tolist() == added.nearest.facility.tolist()
    # the search's work space is reused: a second site on the same graph is exact too
    again = add_site(net, base, 6, site_index=1, model=FAST)
    full = nearest_facility(net, [0, 6], mode="drive", model=FAST, limit_s=40.0)
    assert_same(again.nearest, full)


@pytest.mark.parametrize("seed", range(6))
def test_random_grids_with_ties_equal_a_full_recompute(seed: int) -> None:
    net = grid(9, seed=seed)
    rng = np.random.default_rng(100 + seed)
    sources = rng.choice(net.n_nodes, size=4, replace=False)
    for limit_s in (120.0, None):
        for direction in ("to_facility", "from_facility"):
            base = nearest_facility(
                net, sources, mode="drive", model=FAST, limit_s=limit_s, direction=direction
            )
            for site in rng.choice(net.n_nodes, size=6, replace=False):
                full = nearest_facility(
                    net,
                    np.append(sources, site),
                    mode="drive",
                    model=FAST,
                    limit_s=limit_s,
                    direction=direction,
                )
                for method in METHODS:
                    added = add_site(net, base, int(site), site_index=4, model=FAST, method=method)
                    assert_same(added.nearest, full)


def test_porto_alegre_equals_a_full_recompute(data_dir: Path) -> None:
    folder = data_dir / "porto_alegre"
    net = read_network(folder / "poa_osm.pbf", mode="drive")
    cells = pd.read_csv(folder / "poa_hexgrid.csv")
    health = cells[cells["healthcare"] > 0]
    sources = snap_points(net, health["lon"].to_numpy(), health["lat"].to_numpy(), mode="drive")
    facility_nodes = sources.node[sources.on_network]
    people = snap_points(net, cells["lon"].to_numpy(), cells["lat"].to_numpy(), mode="drive")
    node_people = np.bincount(
        people.node[people.on_network],
        weights=cells["population"].to_numpy()[people.on_network],
        minlength=net.n_nodes,
    )
    # a 2-minute limit leaves a quarter of the drive nodes unreached, so new sites gain people
    base = nearest_facility(net, facility_nodes, mode="drive", limit_s=120.0)
    rng = np.random.default_rng(0)
    gained_any = False
    for site in rng.choice(np.flatnonzero(net.mode_nodes("drive")), size=8, replace=False):
        full = nearest_facility(net, np.append(facility_nodes, site), mode="drive", limit_s=120.0)
        for method in METHODS:
            added = add_site(
                net,
                base,
                int(site),
                site_index=facility_nodes.shape[0],
                node_population=node_people,
                method=method,
            )
            assert_same(added.nearest, full)
        newly = (full.travel_time_s <= 120.0) & ~(base.travel_time_s <= 120.0)
        assert added.gained_population == pytest.approx(float(node_people[newly].sum()))
        gained_any |= added.gained_population > 0
    assert gained_any


def test_bad_input_is_refused() -> None:
    net = line(4)
    base = nearest_facility(net, [0, 1], mode="drive", model=FAST)
    # the caller numbers the sites and picks the baseline: a clash is a defect of ours
    with pytest.raises(GeoError, match="site_index 1 must exceed") as caught:
        add_site(net, base, 3, site_index=1)
    assert not isinstance(caught.value, InputError)
    with refused(CoverageInputError, match="outside"):
        add_site(net, base, 9, site_index=2)
    with refused(CoverageInputError, match="unknown value 'bfs'"):
        add_site(net, base, 3, site_index=2, method="bfs")
    with refused(CoverageInputError, match="node_population has 2 values, expected 4"):
        add_site(net, base, 3, site_index=2, node_population=[1.0, 2.0])
    with pytest.raises(GeoError, match="baseline has 4 nodes"):
        add_site(line(5), base, 3, site_index=2)
