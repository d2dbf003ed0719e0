"""A real road file joined to a synthetic network where the two actually meet."""

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import NetworkInputError
from geo.network.core import SYNTHETIC_SOURCE, Network, network_from_arrays
from geo.network.merge import MAX_CONNECTOR_M, join_networks, road_area
from tests._refusals import refused

UTM = "EPSG:32649"


def _two_towns() -> tuple[Network, Network]:
    """Two mapped towns 8 km apart and a synthetic network across the empty land between them.

    Real: two 1 km square rings, (0…1000, 0…1000) and (9000…10000, 0…1000). Synthetic: a
    line along y = 400 with nodes every 1 km from x = -2500 to 12500, and a cross street along
    x = 4500 from y = -2500 to 2500 meeting it at (4500, 400).
    """
    ring_x, ring_y = [0.0, 1000.0, 1000.0, 0.0], [0.0, 0.0, 1000.0, 1000.0]
    real = network_from_arrays(
        ring_x + [x + 9000.0 for x in ring_x],
        ring_y * 2,
        [0, 1, 2, 3, 4, 5, 6, 7],
        [1, 2, 3, 0, 5, 6, 7, 4],
        ["residential"] * 8,
        crs=UTM,
        source="towns.gpkg",
    )
    line_x = np.arange(-2500.0, 12501.0, 1000.0)  # 16 nodes; (4500, 400) is node 7
    cross_y = np.array([-2500.0, -1500.0, -500.0, 1500.0, 2500.0])
    x = np.concatenate([line_x, np.full(5, 4500.0)])
    y = np.concatenate([np.full(16, 400.0), cross_y])
    synthetic = network_from_arrays(
        x,
        y,
        [*range(15), 16, 17, 18, 7, 19],
        [*range(1, 16), 17, 18, 7, 19, 20],
        ["tertiary"] * 20,
        crs=UTM,
        synthetic=True,
    )
    return real, synthetic


def _connector_lines(
    net: Network, connectors: int, real_nodes: int
) -> list[tuple[float, float, float, float]]:
    seg = np.flatnonzero(net.oneway | (net.edge_u < net.edge_v))[-connectors:]
    u, v = net.edge_u[seg], net.edge_v[seg]
    # the synthetic end first (the real nodes come first in the joined network)
    real_u = u < real_nodes
    u, v = np.where(real_u, v, u), np.where(real_u, u, v)
    return [
        (float(a), float(b), float(c), float(d))
        for a, b, c, d in zip(net.x[u], net.y[u], net.x[v], net.y[v], strict=True)
    ]


def test_the_hull_joined_across_empty_land_the_road_area_does_not() -> None:
    real, synthetic = _two_towns()
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([real.x, real.y])))

    # the old join: the hull (0…10000, 0…1000) swallows the cross street's middle, whose ends
    # hang on the towns' corners 3.5 km away, straight across land with no road
    old = join_networks(real, synthetic, hull, max_connector_m=np.inf)
    assert old.connector_m.max() == pytest.approx(np.hypot(3500.0, 500.0))

    area = road_area(real)
    joined = join_networks(real, synthetic, area)
    net = joined.network

    # synthetic streets stay where the file has no road: the line's -2500…-1500, 2500…7500 and
    # 11500…12500 pieces (7 segments) and the whole cross street (5)
    assert joined.segment_real.tolist() == [True] * 8 + [False] * (7 + 5 + 4)
    # the line's last node before each town, 1.5 km from it, meets its nearest corner
    assert joined.connectors == 4
    assert joined.long_connectors == 0
    assert joined.connector_m == pytest.approx(np.full(4, np.hypot(1500.0, 400.0)))
    assert joined.connector_m.max() < MAX_CONNECTOR_M
    ends = sorted(_connector_lines(net, 4, real.n_nodes))
    assert ends == [
        (-1500.0, 400.0, 0.0, 0.0),
        (2500.0, 400.0, 1000.0, 0.0),
        (7500.0, 400.0, 9000.0, 0.0),
        (11500.0, 400.0, 10000.0, 0.0),
    ]
    # a connector is never shorter than the straight line between its ends
    seg = np.flatnonzero(net.oneway | (net.edge_u < net.edge_v))[-4:]
    straight_m = np.hypot(
        net.x[net.edge_u[seg]] - net.x[net.edge_v[seg]],
        net.y[net.edge_u[seg]] - net.y[net.edge_v[seg]],
    )
    assert net.length_m[seg] == pytest.approx(straight_m)
    # every edge keeps its source; the connectors are synthetic
    assert net.sources == ("towns.gpkg", SYNTHETIC_SOURCE)
    assert int(net.edge_real.sum()) == 2 * 8
    graph = coo_matrix((np.ones(net.n_edges), (net.edge_u, net.edge_v)), shape=(net.n_nodes,) * 2)
    assert connected_components(graph, directed=False)[0] == 1


def test_the_road_area_follows_the_roads() -> None:
    real, _ = _two_towns()

    area = road_area(real, reach_m=1000.0)

    # two towns, each with its 1 km reach; nothing between them
    assert area.geom_type == "MultiPolygon"
    assert len(area.geoms) == 2
    inside = shapely.contains_xy(
        area, [-500.0, 500.0, 1900.0, 9500.0, 10500.0], [500.0, 500.0, 500.0, 1900.0, -500.0]
    )
    assert inside.tolist() == [True] * 5
    outside = shapely.contains_xy(
        area, [-1500.0, 2500.0, 4500.0, 9500.0], [500.0, 500.0, 500.0, 2500.0]
    )
    assert outside.tolist() == [False] * 4
    # each town's area is about its ring's 3 km square with rounded corners (3 km × 3 km less
    # 4 corners of (1 - π/4) km²), to within the 100 m grid
    each_km2 = 9.0 - (4.0 - np.pi)
    assert area.area / 1e6 == pytest.approx(2 * each_km2, rel=0.03)


def test_a_part_with_no_real_node_within_the_limit_is_joined_by_its_shortest_connector() -> None:
    real, synthetic = _two_towns()

    joined = join_networks(real, synthetic, road_area(real), max_connector_m=1000.0)

    # the road area cuts the synthetic network into three parts (west, middle, east), every
    # connector is 1.55 km long: each part keeps its shortest one, flagged
    assert joined.connectors == 3
    assert joined.long_connectors == 3
    assert joined.connector_m == pytest.approx(np.full(3, np.hypot(1500.0, 400.0)))
    # every synthetic part hangs on a town: two components, one per town (as in the file)
    net = joined.network
    graph = coo_matrix((np.ones(net.n_edges), (net.edge_u, net.edge_v)), shape=(net.n_nodes,) * 2)
    n_parts, part = connected_components(graph, directed=False)
    assert n_parts == 2
    assert sorted(set(part[: real.n_nodes].tolist())) == [0, 1]


def test_a_road_area_needs_roads() -> None:
    empty = network_from_arrays([0.0], [0.0], [], [], [], crs=UTM)

    with refused(NetworkInputError, match="segments"):
        road_area(empty)
