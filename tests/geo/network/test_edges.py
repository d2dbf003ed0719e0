"""Road networks from GIS lines, and a real network joined to a synthetic one."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString

from geo.errors import NetworkInputError
from geo.network.core import SYNTHETIC_SOURCE, network_from_arrays
from geo.network.edges import DEFAULT_CLASS, network_from_lines
from geo.network.merge import join_networks
from tests._refusals import refused

UTM = "EPSG:32649"


def _frame(lines: list[object], **columns: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=lines, crs=UTM)


def test_lines_split_at_shared_vertices_and_snap_their_ends() -> None:
    # a cross: the horizontal line passes through the vertical one's middle vertex (a junction),
    # and a third line starts 0.3 m from the cross's east end (snapped into it)
    lines = [
        LineString([(0, 0), (100, 0), (200, 0)]),
        LineString([(100, -100), (100, 0), (100, 100)]),
        LineString([(200.3, 0), (300, 0)]),
    ]
    read = network_from_lines(_frame(lines))
    net = read.network

    assert read.segments == 5
    assert net.n_nodes == 6
    assert net.n_edges == 10  # two-way: both directions
    assert set(net.highway) == {DEFAULT_CLASS}
    assert (read.classes_assumed, read.speeds_assumed, read.oneway_assumed) == (True,) * 3
    assert np.isnan(net.maxspeed_kph).all()
    # the junction at (100, 0) joins four segments
    centre = int(np.flatnonzero((np.abs(net.x - 100) < 1e-6) & (np.abs(net.y) < 1e-6))[0])
    assert np.count_nonzero(net.edge_u == centre) == 4
    # the snapped node sits midway (200.15, 0): the east-west road runs 0…300 unbroken
    assert net.length_m.sum() == pytest.approx(2 * (300 + 200), abs=1e-6)


def test_class_speed_and_oneway_columns_with_a_class_map() -> None:
    lines = [
        LineString([(0, 0), (100, 0)]),
        MultiLineString([[(100, 0), (200, 0)], [(200, 0), (300, 0)]]),
        LineString([(300, 0), (400, 0)]),
    ]
    frame = _frame(
        lines, 等级=["主干路", "支路", "神秘路"], speed=[60, 30, 20], oneway=["是", "否", "0"]
    )
    read = network_from_lines(
        frame,
        class_column="等级",
        speed_column="speed",
        oneway_column="oneway",
        class_map={"主干路": "primary", "支路": "residential"},
    )
    net = read.network

    assert read.unmapped_classes == ("神秘路",)
    assert (read.classes_assumed, read.speeds_assumed, read.oneway_assumed) == (False,) * 3
    # the one-way arterial has one direction only; the others both
    assert net.n_edges == 1 + 2 * 2 + 2
    assert sorted(set(net.highway)) == ["primary", "residential", DEFAULT_CLASS]
    assert sorted(set(net.maxspeed_kph.tolist())) == [20.0, 30.0, 60.0]


def test_geographic_lines_are_projected_and_bad_input_is_named(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        geometry=[LineString([(112.9, 28.2), (112.91, 28.2)])], crs="EPSG:4326"
    )
    path = tmp_path / "roads.gpkg"
    frame.to_file(path, layer="roads")
    read = network_from_lines(gpd.read_file(path))
    assert read.network.crs == UTM
    assert read.network.length_m[0] == pytest.approx(980, rel=0.01)

    with refused(NetworkInputError, match="no column 'class'"):
        network_from_lines(frame, class_column="class")
    with refused(NetworkInputError, match="no CRS"):
        network_from_lines(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])]))


def test_a_real_network_joins_a_synthetic_one_where_they_meet() -> None:
    # real: a street along y = 0 from x = 0 to 1000; synthetic: a grid line along y = 0 from
    # x = -2000 to 3000 (nodes every 500 m) and a spur inside the real area
    real = network_from_arrays(
        [0.0, 500.0, 1000.0],
        [0.0, 0.0, 0.0],
        [0, 1],
        [1, 2],
        ["residential"] * 2,
        crs=UTM,
        source="streets.gpkg",
    )
    xs = np.arange(-2000.0, 3001.0, 500.0)
    synthetic = network_from_arrays(
        np.append(xs, 500.0),
        np.append(np.zeros(len(xs)), 400.0),
        [*range(len(xs) - 1), 6],
        [*range(1, len(xs)), len(xs)],
        ["tertiary"] * len(xs),
        crs=UTM,
        synthetic=True,
    )
    area = shapely.box(-100, -500, 1100, 500)

    joined = join_networks(real, synthetic, area)
    net = joined.network

    # the synthetic segments wholly outside: -2000…-500 (3) and 1500…3000 (3); each side's
    # border node (-500 and 1500) hangs on the nearest real node by one connector
    assert joined.connectors == 2
    assert joined.segment_real.tolist() == [True, True] + [False] * (6 + 2)
    assert net.n_edges == 2 * (2 + 6 + 2)
    assert not net.synthetic
    # every edge keeps its source: the file's two streets (both directions) are the real ones
    assert net.sources == ("streets.gpkg", SYNTHETIC_SOURCE)
    segment_source = np.asarray(net.sources)[net.edge_source[: 2 + 6 + 2]]
    assert segment_source.tolist() == ["streets.gpkg"] * 2 + [SYNTHETIC_SOURCE] * 8
    assert int(net.edge_real.sum()) == 4
    # every piece, connectors too (the straight gap to the nearest real node), is 500 m long
    assert net.length_m == pytest.approx(np.full(net.n_edges, 500.0))
    # everything is one connected network
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(net.n_edges), (net.edge_u, net.edge_v)), shape=(net.n_nodes,) * 2)
    assert connected_components(graph, directed=False)[0] == 1
