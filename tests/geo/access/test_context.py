"""The access context: measures at points, and one added site equal to a full recompute.

Residential streets are set to 36 km/h = 10 m/s, so a 100 m segment takes exactly 10 s and the
answers below are exact; points on a node have no access leg. Equal times are common, so the
tie rule (the lowest site index keeps a node) is exercised.
"""

import math

import numpy as np
import pytest

from geo.access.context import AccessContext
from geo.access.leg import access_leg_s
from geo.access.points import Points, points_xy
from geo.errors import CoverageInputError, GeoError, InputError
from geo.network import Network, network_from_arrays
from geo.network.speeds import FALLBACK_DRIVE_SPEED_KPH, WALK_SPEED_KPH, travel_model
from tests._refusals import refused
from tests.geo.access._grids import grid

INF = math.inf
CRS = "EPSG:32649"
FAST = travel_model("drive", speed_kph={"residential": 36.0})
DIRECTIONS = ("to_facility", "from_facility")


def line(n_nodes: int) -> Network:
    """Nodes 100 m apart on the x axis, each joined to the next by a residential street."""
    return network_from_arrays(
        np.arange(n_nodes) * 100.0,
        np.zeros(n_nodes),
        list(range(n_nodes - 1)),
        list(range(1, n_nodes)),
        ["residential"] * (n_nodes - 1),
        crs=CRS,
    )


def on_nodes(net: Network, nodes: list[int]) -> Points:
    return points_xy(net.x[nodes], net.y[nodes])


def plus(sites: Points, x: float, y: float) -> Points:
    return points_xy(np.append(sites.x, x), np.append(sites.y, y))


def test_travel_time_adds_the_access_leg_and_is_inf_off_network() -> None:
    net = line(4)
    # a point 50 m beside node 1, one on node 3, one 900 m away from every node
    points = points_xy([100.0, 300.0, 100.0], [50.0, 0.0, 900.0])
    ctx = AccessContext(net, points, on_nodes(net, [0]))
    time_s = ctx.travel_time_at_points([0], mode="drive", direction="to_facility", model=FAST)
    leg_s = 50.0 / (FALLBACK_DRIVE_SPEED_KPH / 3.6)
    assert time_s.tolist() == [10.0 + leg_s, 30.0, INF]
    assert ctx.access_leg_s("drive").tolist()[:2] == [leg_s, 0.0]
    assert ctx.access_leg_s("walk")[0] == 50.0 / (WALK_SPEED_KPH / 3.6)
    assert access_leg_s([50.0], "walk").tolist() == [50.0 / (WALK_SPEED_KPH / 3.6)]
    # road distance: 100 m of road plus the 50 m snap distance
    length_m = ctx.network_distance_at_points([0], mode="drive", direction="to_facility")
    assert length_m.tolist() == [150.0, 300.0, INF]
    straight = ctx.straight_distance_at_points([0])
    assert straight.tolist() == pytest.approx(
        [math.hypot(100.0, 50.0), 300.0, math.hypot(100, 900)]
    )
    assert ctx.straight_distance_at_points([]).tolist() == [INF, INF, INF]


def test_nearest_nodes_name_sites_and_ties_go_to_the_lowest_index() -> None:
    net = line(5)
    # sites 0 and 2 share node 4; site 1 is on node 0
    ctx = AccessContext(net, on_nodes(net, [0, 1, 2, 3, 4]), on_nodes(net, [4, 0, 4]))
    nearest = ctx.nearest_nodes([0, 1, 2], mode="drive", direction="to_facility", model=FAST)
    assert nearest.travel_time_s.tolist() == [0.0, 10.0, 20.0, 10.0, 0.0]
    # node 2 is 20 s from both ends: site 0 (lowest index) keeps it over site 1
    assert nearest.facility.tolist() == [1, 1, 0, 0, 0]
    owner = ctx.nearest_site_at_points([2, 1], mode="drive", direction="to_facility", model=FAST)
    assert owner.tolist() == [1, 1, 1, 2, 2]


def test_a_search_limit_leaves_farther_times_inf() -> None:
    net = line(7)
    ctx = AccessContext(
        net, on_nodes(net, list(range(7))), on_nodes(net, [0]), search_limits_s={"drive": 25.0}
    )
    time_s = ctx.travel_time_at_points([0], mode="drive", direction="to_facility", model=FAST)
    assert time_s.tolist() == [0.0, 10.0, 20.0, INF, INF, INF, INF]
    child = ctx.with_site(plus(ctx.sites, 600.0, 0.0))
    merged = child.travel_time_at_points([0, 1], mode="drive", direction="to_facility", model=FAST)
    assert merged.tolist() == [0.0, 10.0, 20.0, INF, 20.0, 10.0, 0.0]


def test_an_added_site_takes_the_nodes_it_reaches_strictly_faster() -> None:
    net = line(7)
    points = on_nodes(net, list(range(7)))
    parent = AccessContext(net, points, on_nodes(net, [0, 6]))
    before = parent.travel_time_at_points([0, 1], mode="drive", direction="to_facility", model=FAST)
    assert before.tolist() == [0.0, 10.0, 20.0, 30.0, 20.0, 10.0, 0.0]
    child = parent.with_site(plus(parent.sites, 300.0, 0.0))
    assert child.site == 2
    time_s = child.travel_time_at_points(
        [0, 1, 2], mode="drive", direction="to_facility", model=FAST
    )
    assert time_s.tolist() == [0.0, 10.0, 10.0, 0.0, 10.0, 10.0, 0.0]
    owner = child.nearest_site_at_points(
        [0, 1, 2], mode="drive", direction="to_facility", model=FAST
    )
    # nodes 2 and 4 are 20 s from an old site and 10 s from the new one; 1 and 5 stay
    assert owner.tolist() == [0, 0, 2, 2, 2, 1, 1]
    # a set without the new site is the parent's
    without = child.travel_time_at_points([0, 1], mode="drive", direction="to_facility", model=FAST)
    assert without.tolist() == before.tolist()


def test_ties_with_an_added_site_stay_with_the_existing_one() -> None:
    net = line(5)
    points = on_nodes(net, list(range(5)))
    parent = AccessContext(net, points, on_nodes(net, [0, 4]))
    # node 1 is 10 s from site 0 and from the new site on node 2; node 3 likewise from site 1
    child = parent.with_site(plus(parent.sites, 200.0, 0.0))
    owner = child.nearest_site_at_points(
        [0, 1, 2], mode="drive", direction="to_facility", model=FAST
    )
    assert owner.tolist() == [0, 0, 2, 1, 1]
    full = AccessContext(net, points, child.sites)
    assert (
        full.nearest_site_at_points(
            [0, 1, 2], mode="drive", direction="to_facility", model=FAST
        ).tolist()
        == owner.tolist()
    )
    # a new site on an existing site's node takes nothing from it
    same = parent.with_site(plus(parent.sites, 0.0, 0.0))
    owner = same.nearest_site_at_points(
        [0, 1, 2], mode="drive", direction="to_facility", model=FAST
    )
    assert owner.tolist() == [0, 0, 0, 1, 1]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_with_site_equals_a_full_recompute(seed: int, direction: str) -> None:
    net = grid(7, seed=seed)
    rng = np.random.default_rng(seed)
    # points on every node and beside some of them (an access leg); sites on random nodes
    nodes = np.arange(net.n_nodes)
    px = np.concatenate([net.x, net.x[::5] + rng.integers(1, 60, nodes[::5].shape[0])])
    py = np.concatenate([net.y, net.y[::5] + rng.integers(1, 60, nodes[::5].shape[0])])
    points = points_xy(px, py)
    existing = rng.choice(net.n_nodes, size=4, replace=False).tolist()
    parent = AccessContext(net, points, on_nodes(net, existing), keep_node_searches=True)
    chosen = [0, 1, 2, 3]
    # the parent searches first, as a scenario's previous state has
    parent.travel_time_at_points(chosen, mode="drive", direction=direction, model=FAST)
    parent.straight_distance_at_points(chosen)
    for new in rng.choice(net.n_nodes, size=5, replace=False).tolist():
        sites = plus(parent.sites, float(net.x[new]) + 7.0, float(net.y[new]))
        child = parent.with_site(sites)
        full = AccessContext(net, points, sites)
        with_new = [*chosen, 4]
        assert_same_measures(child, full, with_new, direction)
        assert_same_measures(child, full, chosen, direction)


def assert_same_measures(
    a: AccessContext[Points, Points],
    b: AccessContext[Points, Points],
    chosen: list[int],
    direction: str,
) -> None:
    kw = {"mode": "drive", "direction": direction}
    na = a.nearest_nodes(chosen, model=FAST, **kw)
    nb = b.nearest_nodes(chosen, model=FAST, **kw)
    assert na.travel_time_s.tolist() == nb.travel_time_s.tolist()
    assert na.facility.tolist() == nb.facility.tolist()
    assert (
        a.travel_time_at_points(chosen, model=FAST, **kw).tolist()
        == b.travel_time_at_points(chosen, model=FAST, **kw).tolist()
    )
    assert (
        a.nearest_site_at_points(chosen, model=FAST, **kw).tolist()
        == b.nearest_site_at_points(chosen, model=FAST, **kw).tolist()
    )
    assert a.network_distance_at_points(chosen, **kw).tolist() == (
        b.network_distance_at_points(chosen, **kw).tolist()
    )
    assert a.straight_distance_at_points(chosen).tolist() == pytest.approx(
        b.straight_distance_at_points(chosen).tolist(), rel=0, abs=1e-9
    )
    both_a = a.within_both(chosen, model=FAST, limit_s=45.0, limit_m=400.0, **kw)
    both_b = b.within_both(chosen, model=FAST, limit_s=45.0, limit_m=400.0, **kw)
    assert both_a.tolist() == both_b.tolist()


def test_an_off_network_site_changes_no_time() -> None:
    net = line(4)
    points = on_nodes(net, [0, 1, 2, 3])
    parent = AccessContext(net, points, on_nodes(net, [0]), max_snap_m=100.0)
    child = parent.with_site(plus(parent.sites, 300.0, 5000.0))
    assert child.snapped_sites("drive").node.tolist() == [0, -1]
    kw = {"mode": "drive", "direction": "to_facility", "model": FAST}
    assert child.travel_time_at_points([0, 1], **kw).tolist() == [0.0, 10.0, 20.0, 30.0]
    # a straight distance needs no network: the far site is still nearer to nobody
    assert child.straight_distance_at_points([0, 1]).tolist() == [0.0, 100.0, 200.0, 300.0]


def test_detach_keeps_the_searches_and_drops_the_parent() -> None:
    net = line(7)
    parent = AccessContext(
        net, on_nodes(net, list(range(7))), on_nodes(net, [0]), keep_node_searches=True
    )
    kw = {"mode": "drive", "direction": "to_facility", "model": FAST}
    parent.travel_time_at_points([0], **kw)
    child = parent.with_site(plus(parent.sites, 600.0, 0.0))
    merged = child.travel_time_at_points([0, 1], **kw)
    child.detach()
    assert child.site is None
    assert child.travel_time_at_points([0, 1], **kw).tolist() == merged.tolist()
    assert child.travel_time_at_points([0], **kw).tolist() == [
        0.0,
        10.0,
        20.0,
        30.0,
        40.0,
        50.0,
        60.0,
    ]
    # a new search after detaching runs in full on the child's own sites
    assert child.travel_time_at_points([1], **kw).tolist() == [
        60.0,
        50.0,
        40.0,
        30.0,
        20.0,
        10.0,
        0.0,
    ]
    grandchild = child.with_site(plus(child.sites, 300.0, 0.0))
    assert grandchild.travel_time_at_points([0, 1, 2], **kw).tolist() == [
        0.0, 10.0, 10.0, 0.0, 10.0, 10.0, 0.0,
    ]  # fmt: skip


def test_with_site_refuses_other_sites() -> None:
    net = line(3)
    ctx = AccessContext(net, on_nodes(net, [0, 1, 2]), on_nodes(net, [0, 2]))
    # the caller extends its own context: a mismatch is a defect of ours, not a planner's input
    with pytest.raises(GeoError, match="and one more") as caught:
        ctx.with_site(on_nodes(net, [0, 2]))
    assert not isinstance(caught.value, InputError)
    with pytest.raises(GeoError, match="same order"):
        ctx.with_site(on_nodes(net, [2, 0, 1]))
    with refused(CoverageInputError, match="finite"):
        ctx.with_site(Points(np.array([0.0, 200.0, np.nan]), np.zeros(3)))
    with refused(CoverageInputError, match="site indices"):
        ctx.travel_time_at_points([2], mode="drive", direction="to_facility")
    with refused(CoverageInputError, match="y has 1 values, expected 2"):
        points_xy([0.0, 1.0], [0.0])


def test_coverage_counts_residents_within_minutes() -> None:
    net = line(4)
    ctx = AccessContext(net, on_nodes(net, [0, 1, 2, 3]), on_nodes(net, [0, 3]))
    # a quarter minute = 15 s: one segment from a site
    result = ctx.coverage([0], [1.0, 2.0, 3.0, 4.0], mode="drive", minutes=0.25, model=FAST)
    assert result.covered.tolist() == [True, True, False, False]
    assert result.population_covered == 3.0
    assert result.facility_population.tolist() == [3.0]
    both = ctx.coverage([1, 0], [1.0, 2.0, 3.0, 4.0], mode="drive", minutes=0.25, model=FAST)
    # chosen order is kept: site 1 (node 3) first
    assert both.facility_population.tolist() == [7.0, 3.0]
