"""Synthetic networks hung on real trunk roads: hand-built roads in a square, real Jishou."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon, box

from geo.network import SYNTHETIC_SOURCE
from geo.synthetic._trunk import trunk_layer
from geo.synthetic.roads import TrunkRoads, build_synthetic_network, generate_road_arrays

UTM_49N = "EPSG:32649"
SQUARE = box(0.0, 0.0, 20_000.0, 20_000.0)


def _trunk(*rows: tuple[float, float, float, float], source: str = "trunk.geojson") -> TrunkRoads:
    arr = np.asarray(rows, dtype=np.float64)
    return TrunkRoads(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], source)


def _components(n: int, u: np.ndarray, v: np.ndarray) -> int:
    graph = coo_matrix((np.ones(u.shape[0]), (u, v)), shape=(n, n))
    return int(connected_components(graph, directed=False)[0])


def test_trunk_layer_is_clipped_split_every_km_and_joined_at_shared_ends() -> None:
    # an east-west road from outside the square to its middle, then north from there:
    # 10 km + 5 km inside, sharing the node (10000, 10000)
    part = trunk_layer(
        SQUARE,
        np.array([-5000.0, 10_000.0]),
        np.array([10_000.0, 10_000.0]),
        np.array([10_000.0, 10_000.0]),
        np.array([10_000.0, 15_000.0]),
    )
    lengths = np.hypot(part.x[part.u] - part.x[part.v], part.y[part.u] - part.y[part.v])
    # the piece on the boundary (x = 0) is dropped with its node: 9 km + 5 km left, 1 km pieces
    assert lengths.sum() == pytest.approx(14_000.0)
    assert lengths.max() == pytest.approx(1000.0)
    assert part.x.shape[0] == 15
    assert shapely.contains_xy(SQUARE, part.x, part.y).all()
    assert _components(part.x.shape[0], part.u, part.v) == 1


def test_real_trunk_roads_replace_the_invented_highways() -> None:
    seats = [(5000.0, 5000.0, 3.0), (15_000.0, 15_000.0, 2.0), (15_000.0, 4000.0, 1.0)]
    trunk = _trunk((1000.0, 1000.0, 19_000.0, 19_000.0), (1000.0, 12_000.0, 19_000.0, 12_000.0))
    roads = generate_road_arrays(SQUARE, target_nodes=4000, seats=seats, seed=2, trunk=trunk)

    highway = roads.highway
    # no motorway, no trunk road but the real ones, primary roads only as the towns' axes
    assert "motorway" not in set(highway)
    assert set(highway[roads.edge_real]) == {"trunk"}
    assert "trunk" not in set(highway[~roads.edge_real])
    primary = highway == "primary"
    assert (roads.urban[roads.edge_u[primary]] & roads.urban[roads.edge_v[primary]]).all()
    # the real roads whole: 25,456 m diagonal + 18,000 m, in pieces of at most 1 km
    lengths = np.hypot(
        roads.x[roads.edge_u] - roads.x[roads.edge_v], roads.y[roads.edge_u] - roads.y[roads.edge_v]
    )
    assert lengths[roads.edge_real].sum() == pytest.approx(18_000 * np.sqrt(2) + 18_000)
    # every real junction also meets a local road, and the whole network is one piece
    real_nodes = np.unique(
        np.concatenate([roads.edge_u[roads.edge_real], roads.edge_v[roads.edge_real]])
    )
    local = ~roads.edge_real
    met = np.isin(real_nodes, roads.edge_u[local]) | np.isin(real_nodes, roads.edge_v[local])
    assert met.all()
    assert _components(roads.n_nodes, roads.edge_u, roads.edge_v) == 1
    assert shapely.contains_xy(SQUARE, roads.x, roads.y).all()

    net = build_synthetic_network(
        SQUARE, crs=UTM_49N, target_nodes=4000, seats=seats, seed=2, trunk=trunk
    )
    assert net.synthetic
    assert set(net.sources) == {"trunk.geojson", SYNTHETIC_SOURCE}
    assert int(net.edge_real.sum()) == 2 * int(roads.edge_real.sum())  # two-way roads


def test_without_trunk_roads_every_edge_is_synthetic() -> None:
    roads = generate_road_arrays(SQUARE, target_nodes=2000, seed=1)
    assert not roads.edge_real.any()
    net = build_synthetic_network(SQUARE, crs=UTM_49N, target_nodes=2000, seed=1)
    assert net.sources == (SYNTHETIC_SOURCE,)


def test_jishou_hangs_on_the_real_trunk_roads(data_dir: Path) -> None:
    counties = gpd.read_file(data_dir / "hunan" / "hunan_counties.geojson")
    jishou = counties[counties["adcode"].astype(str) == "433101"].to_crs(UTM_49N)
    boundary = jishou.geometry.iloc[0]
    assert isinstance(boundary, Polygon | MultiPolygon)
    lines = gpd.read_file(data_dir / "hunan" / "hunan_trunk_roads_osm.geojson").to_crs(UTM_49N)
    coords = shapely.get_coordinates(lines.geometry.values).reshape(-1, 2, 2)
    trunk = TrunkRoads(
        coords[:, 0, 0], coords[:, 0, 1], coords[:, 1, 0], coords[:, 1, 1], "hunan_trunk.geojson"
    )
    roads = generate_road_arrays(boundary, target_nodes=5000, seed=0, trunk=trunk)

    # the real roads inside Jishou, less the pieces touching its boundary
    inside_m = float(shapely.length(shapely.intersection(lines.geometry.values, boundary)).sum())
    lengths = np.hypot(
        roads.x[roads.edge_u] - roads.x[roads.edge_v], roads.y[roads.edge_u] - roads.y[roads.edge_v]
    )
    real_m = float(lengths[roads.edge_real].sum())
    assert 0 < real_m <= inside_m + 1e-6
    assert real_m > 0.8 * inside_m
    assert "motorway" not in set(roads.highway)
    assert _components(roads.n_nodes, roads.edge_u, roads.edge_v) == 1
