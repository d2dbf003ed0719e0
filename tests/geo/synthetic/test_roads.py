"""The synthetic road-network generator: size, containment, connectivity, hierarchy, determinism.

Real boundary: Jishou (吉首市, adcode 433101) from ../shared/data/hunan/hunan_counties.geojson,
projected to UTM 49N (EPSG:32649). The private edge helpers are checked on tiny hand-built arrays.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Polygon, box

from geo.access.coverage import nearest_facility
from geo.synthetic._graph import dedupe_edges, lattice_edges, link_components, snapped_path_edges
from geo.synthetic.roads import (
    HIGHWAY_CLASSES,
    NODE_COUNT_TOLERANCE,
    SyntheticInputError,
    SyntheticRoads,
    build_synthetic_network,
    generate_road_arrays,
)
from tests._refusals import refused

JISHOU = "433101"
UTM_49N = "EPSG:32649"


@pytest.fixture(scope="module")
def jishou(data_dir: Path) -> Polygon | MultiPolygon:
    gdf_counties = gpd.read_file(data_dir / "hunan" / "hunan_counties.geojson")
    gdf_jishou = gdf_counties[gdf_counties["adcode"].astype(str) == JISHOU].to_crs(UTM_49N)
    assert len(gdf_jishou) == 1
    geom = gdf_jishou.geometry.iloc[0]
    assert isinstance(geom, Polygon | MultiPolygon)
    return geom


@pytest.fixture(scope="module")
def roads(jishou: Polygon | MultiPolygon) -> SyntheticRoads:
    return generate_road_arrays(jishou, target_nodes=10_000, seed=0)


def _n_components(n_nodes: int, u: np.ndarray, v: np.ndarray) -> int:
    graph = coo_matrix((np.ones(u.shape[0]), (u, v)), shape=(n_nodes, n_nodes))
    n_comp, _ = connected_components(graph, directed=False)
    return int(n_comp)


@pytest.mark.parametrize("target_nodes", [2_000, 10_000, 20_000])
def test_node_count_within_tolerance(jishou: Polygon | MultiPolygon, target_nodes: int) -> None:
    result = generate_road_arrays(jishou, target_nodes=target_nodes, seed=1)
    assert abs(result.n_nodes / target_nodes - 1.0) <= NODE_COUNT_TOLERANCE


def test_every_node_inside_the_boundary(
    roads: SyntheticRoads, jishou: Polygon | MultiPolygon
) -> None:
    assert shapely.contains_xy(jishou, roads.x, roads.y).all()


def test_one_connected_component(roads: SyntheticRoads) -> None:
    assert _n_components(roads.n_nodes, roads.edge_u, roads.edge_v) == 1


def test_drivable_roads_alone_are_connected(roads: SyntheticRoads) -> None:
    # tracks are not drivable (OSM / osmnx drive filter): they must never be the only link
    drivable = roads.highway != "track"
    assert (~drivable).any()
    assert _n_components(roads.n_nodes, roads.edge_u[drivable], roads.edge_v[drivable]) == 1


def test_every_road_class_present(roads: SyntheticRoads) -> None:
    assert set(roads.highway.tolist()) == set(HIGHWAY_CLASSES)


def test_edges_are_proper_and_unique(roads: SyntheticRoads) -> None:
    assert (roads.edge_u < roads.edge_v).all()
    pairs = np.column_stack([roads.edge_u, roads.edge_v])
    assert np.unique(pairs, axis=0).shape[0] == roads.n_edges
    length_m = np.hypot(
        roads.x[roads.edge_u] - roads.x[roads.edge_v], roads.y[roads.edge_u] - roads.y[roads.edge_v]
    )
    assert length_m.min() > 0.0
    assert not roads.oneway.any()


def test_urban_share_follows_parameter(jishou: Polygon | MultiPolygon) -> None:
    result = generate_road_arrays(jishou, target_nodes=10_000, seed=2, urban_share=0.3)
    assert abs(result.urban.mean() - 0.3) <= 0.05
    # town streets are residential-and-up, rural roads unclassified or track
    urban_edge = result.urban[result.edge_u] & result.urban[result.edge_v]
    assert "residential" in set(result.highway[urban_edge].tolist())
    assert "residential" not in set(result.highway[~result.urban[result.edge_u]].tolist())


def test_same_seed_same_bytes(jishou: Polygon | MultiPolygon, roads: SyntheticRoads) -> None:
    again = generate_road_arrays(jishou, target_nodes=10_000, seed=0)
    for name in ("x", "y", "edge_u", "edge_v", "highway", "oneway", "urban", "seat_node"):
        assert getattr(again, name).tobytes() == getattr(roads, name).tobytes(), name


def test_other_seed_other_network(jishou: Polygon | MultiPolygon, roads: SyntheticRoads) -> None:
    other = generate_road_arrays(jishou, target_nodes=10_000, seed=1)
    same_shape = other.n_nodes == roads.n_nodes
    assert not (same_shape and np.array_equal(other.x, roads.x))


def test_given_seats_are_used_heaviest_first(jishou: Polygon | MultiPolygon) -> None:
    centre = jishou.representative_point()
    seats = [(centre.x + 4_000.0, centre.y, 1.0), (centre.x, centre.y, 3.0)]
    result = generate_road_arrays(jishou, target_nodes=3_000, seats=seats, seed=0)
    assert result.seat_weight.tolist() == [3.0, 1.0]
    assert result.seat_x.tolist() == [centre.x, centre.x + 4_000.0]
    assert result.urban[result.seat_node].all()
    # the heavier seat gets the larger town: more urban nodes within 2 km of it
    tree = cKDTree(np.column_stack([result.x[result.urban], result.y[result.urban]]))
    heavy, light = (
        len(tree.query_ball_point([result.seat_x[k], result.seat_y[k]], 2_000.0)) for k in (0, 1)
    )
    assert heavy > light


def test_network_is_marked_synthetic(jishou: Polygon | MultiPolygon) -> None:
    net = build_synthetic_network(jishou, crs=UTM_49N, target_nodes=3_000, seed=0)
    assert net.synthetic is True
    assert net.crs == UTM_49N
    # every node is drivable and the label follows the analysis results
    assert net.n_mode_nodes("drive") == net.n_nodes
    result = nearest_facility(net, [0], mode="drive", limit_s=600.0)
    assert result.synthetic is True
    assert np.isfinite(result.travel_time_s).sum() > 1


def test_make_valid_collection_is_accepted() -> None:
    # shapely.make_valid can return polygons mixed with a stray line: the polygons are filled
    square = box(0.0, 0.0, 20_000.0, 20_000.0)
    collection = GeometryCollection([square, LineString([(0.0, 0.0), (-5_000.0, 0.0)])])
    result = generate_road_arrays(collection, target_nodes=2_000, seed=0)
    assert shapely.contains_xy(square, result.x, result.y).all()
    assert abs(result.n_nodes / 2_000 - 1.0) <= NODE_COUNT_TOLERANCE


def test_rejects_seat_outside(jishou: Polygon | MultiPolygon) -> None:
    min_x, min_y, _, _ = jishou.bounds
    with refused(SyntheticInputError, match="outside the boundary"):
        generate_road_arrays(jishou, target_nodes=1_000, seats=[(min_x - 1.0, min_y, 1.0)])


def test_rejects_degrees() -> None:
    with refused(SyntheticInputError, match="degrees"):
        generate_road_arrays(box(109.5, 28.2, 109.9, 28.5), target_nodes=1_000)


@pytest.mark.parametrize(
    ("option", "value"),
    [("target_nodes", 10), ("urban_share", 1.5), ("rural_loop_share", -0.1)],
)
def test_rejects_parameters_out_of_range(option: str, value: float) -> None:
    kwargs: dict[str, float] = {"target_nodes": 1_000, option: value}
    with refused(SyntheticInputError, match=option):
        generate_road_arrays(box(0.0, 0.0, 10_000.0, 10_000.0), **kwargs)  # type: ignore[arg-type]


def test_rejects_bad_seat_weight() -> None:
    with refused(SyntheticInputError, match="weights"):
        generate_road_arrays(
            box(0.0, 0.0, 10_000.0, 10_000.0), target_nodes=1_000, seats=[(5_000.0, 5_000.0, 0.0)]
        )


# the private helpers, on hand-built arrays with exact answers


def test_lattice_edges_skip_missing_cells() -> None:
    # 2 rows x 3 columns; the middle of the top row is missing
    index = np.array([[0, 1, 2], [3, -1, 4]])
    col, row = np.meshgrid(np.arange(3), np.arange(2))
    u, v, line = lattice_edges(index, col, row)
    assert list(zip(u.tolist(), v.tolist(), line.tolist(), strict=True)) == [
        (0, 1, 0),  # east-west on row 0
        (1, 2, 0),
        (0, 3, 0),  # north-south on column 0
        (2, 4, 2),  # north-south on column 2
    ]


def test_dedupe_keeps_most_important_class() -> None:
    u = np.array([0, 1, 2, 2, 3])
    v = np.array([1, 0, 2, 3, 2])
    cls = np.array([5, 2, 0, 6, 7], dtype=np.int8)
    out_u, out_v, out_cls = dedupe_edges(u, v, cls, 4)
    assert out_u.tolist() == [0, 2]
    assert out_v.tolist() == [1, 3]
    assert out_cls.tolist() == [2, 6]


def test_link_components_joins_each_piece_by_its_shortest_link() -> None:
    # main piece 0-1-2 along y=0; piece 3-4 at x=10..11, y=5; lone node 5 at (0, -3)
    x = np.array([0.0, 5.0, 10.0, 10.0, 11.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 5.0, 5.0, -3.0])
    u = np.array([0, 1, 3])
    v = np.array([1, 2, 4])
    link_u, link_v = link_components(x, y, u, v)
    assert sorted(zip(link_u.tolist(), link_v.tolist(), strict=True)) == [(3, 2), (5, 0)]


def test_snapped_path_follows_nearest_nodes() -> None:
    # nodes on a 100 m row, one far node; a line from x=0 to x=290 (samples 48.3 m apart, no
    # sample equidistant from two nodes) snaps to the row
    x = np.array([0.0, 100.0, 200.0, 300.0, 150.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 900.0])
    tree = cKDTree(np.column_stack([x, y]))
    u, v, cls = snapped_path_edges(
        np.array([0.0]),
        np.array([10.0]),
        np.array([290.0]),
        np.array([10.0]),
        np.array([3], dtype=np.int8),
        tree=tree,
        x=x,
        y=y,
        step_m=50.0,
        max_step_m=250.0,
        boundary=None,
    )
    assert list(zip(u.tolist(), v.tolist(), strict=True)) == [(0, 1), (1, 2), (2, 3)]
    assert cls.tolist() == [3, 3, 3]


def test_snapped_path_stops_at_the_boundary() -> None:
    # samples at 0, 48.3 … 193.3 lie inside; the one at 241.7 is outside and ends the line
    x = np.array([0.0, 100.0, 200.0, 300.0])
    y = np.zeros(4)
    tree = cKDTree(np.column_stack([x, y]))
    u, v, _ = snapped_path_edges(
        np.array([0.0]),
        np.array([0.0]),
        np.array([290.0]),
        np.array([0.0]),
        np.array([4], dtype=np.int8),
        tree=tree,
        x=x,
        y=y,
        step_m=50.0,
        max_step_m=250.0,
        boundary=box(-10.0, -10.0, 220.0, 10.0),
    )
    assert list(zip(u.tolist(), v.tolist(), strict=True)) == [(0, 1), (1, 2)]
