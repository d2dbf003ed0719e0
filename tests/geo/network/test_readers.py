"""Readers: OSM tags, PBF (pyosmium), XML and GraphML (osmnx), GeoDataFrames of edges."""

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.affinity import translate
from shapely.geometry import LineString

from geo.access.coverage import nearest_facility
from geo.errors import NetworkFormatError, NetworkInputError
from geo.network import DRIVE, DRIVE_HIGHWAYS, WALK, Network
from geo.network.osm import KPH_PER_MPH, oneway_direction, parse_maxspeed, utm_crs, way_access
from geo.network.readers import network_from_edges, network_from_graph, read_network
from geo.network.speeds import travel_model
from tests._refusals import refused

# a hand-made extract near Changsha: 1 - 2 - 3 residential (2 is no intersection),
# 3 <- 4 primary drawn 3 -> 4 with oneway=-1 and "30 mph", 4 - 5 a parking aisle,
# 3 - 6 a footway
TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="28.1900" lon="112.9400" version="1"/>
  <node id="2" lat="28.1900" lon="112.9410" version="1"/>
  <node id="3" lat="28.1900" lon="112.9420" version="1"/>
  <node id="4" lat="28.1910" lon="112.9420" version="1"/>
  <node id="5" lat="28.1920" lon="112.9420" version="1"/>
  <node id="6" lat="28.1890" lon="112.9420" version="1"/>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="麓山路"/>
  </way>
  <way id="101" version="1">
    <nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="-1"/><tag k="maxspeed" v="30 mph"/>
  </way>
  <way id="102" version="1">
    <nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="service"/><tag k="service" v="parking_aisle"/>
  </way>
  <way id="103" version="1">
    <nd ref="3"/><nd ref="6"/>
    <tag k="highway" v="footway"/>
  </way>
</osm>
"""


def to_pbf(xml_path: Path, pbf_path: Path) -> Path:
    """Copy an OSM XML file to PBF with pyosmium (the same data, the other reader)."""
    with osmium.SimpleWriter(str(pbf_path), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    return pbf_path


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    xml = folder / "tiny.osm"
    xml.write_text(TINY_OSM, encoding="utf-8")
    return xml, to_pbf(xml, folder / "tiny.osm.pbf")


@pytest.fixture(scope="module")
def poa_drive(data_dir: Path) -> Network:
    return read_network(data_dir / "porto_alegre" / "poa_osm.pbf", mode="drive")


def edges_by_osm_id(net: Network) -> dict[tuple[int, int], tuple[float, str, float]]:
    return {
        (int(net.node_id[u]), int(net.node_id[v])): (round(length, 6), hw, speed)
        for u, v, length, hw, speed in zip(
            net.edge_u, net.edge_v, net.length_m, net.highway, net.maxspeed_kph, strict=True
        )
    }


# tags


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("50 mph", 50 * KPH_PER_MPH),
        ("30 km/h", 30.0),
        ("10 knots", 18.52),
        ("60;80", 70.0),
        (["30", "50"], 40.0),
        ("['30', '50']", 40.0),
        (40, 40.0),
        ("BR:urban", math.nan),
        ("RU:rural", math.nan),
        ("none", math.nan),
        ("walk", math.nan),
        ("0", math.nan),
        ("50;signals", math.nan),
        (None, math.nan),
    ],
)
def test_parse_maxspeed(value: object, expected: float) -> None:
    got = parse_maxspeed(value)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential", "oneway": "yes"}, 1),
        ({"highway": "residential", "oneway": "1"}, 1),
        ({"highway": "residential", "oneway": "true"}, 1),
        ({"highway": "residential", "oneway": "-1"}, -1),
        ({"highway": "residential", "oneway": "no"}, 0),
        ({"highway": "residential"}, 0),
        ({"highway": "tertiary", "junction": "roundabout"}, 1),
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway_link"}, 0),
        ({"highway": "motorway", "oneway": "no"}, 0),
    ],
)
def test_oneway_direction(tags: dict[str, str], expected: int) -> None:
    assert oneway_direction(tags) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, WALK | DRIVE),
        ({"highway": "footway"}, WALK),
        ({"highway": "motorway"}, DRIVE),
        ({"highway": "trunk"}, DRIVE),
        ({"highway": "service", "service": "parking_aisle"}, WALK),
        ({"highway": "service", "service": "driveway"}, WALK | DRIVE),
        ({"highway": "residential", "access": "private"}, 0),
        ({"highway": "pedestrian", "area": "yes"}, 0),
        ({"highway": "residential", "motor_vehicle": "no"}, WALK),
        ({"highway": "primary", "sidewalk": "separate"}, DRIVE),
        ({"highway": "residential", "foot": "no"}, DRIVE),
        ({"highway": "cycleway"}, 0),
        ({"highway": "construction"}, 0),
        ({"building": "yes"}, 0),
    ],
)
def test_way_access(tags: dict[str, str], expected: int) -> None:
    assert way_access(tags) == expected


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (112.94, 28.19, "EPSG:32649"),  # Changsha: Hunan is zone 49N
        (109.7, 28.3, "EPSG:32649"),  # Jishou
        (-51.2, -30.05, "EPSG:32722"),  # Porto Alegre
        (179.99, 1.0, "EPSG:32660"),
        (-180.0, 1.0, "EPSG:32601"),
    ],
)
def test_utm_zone_from_the_centroid(lon: float, lat: float, expected: str) -> None:
    assert utm_crs(lon, lat) == expected


# tiny extract, both readers


def test_tiny_pbf_drive(tiny_files: tuple[Path, Path]) -> None:
    _, pbf = tiny_files
    net = read_network(pbf, mode="drive")
    assert net.crs == "EPSG:32649"
    # node 2 is not an intersection; 5 (parking aisle) and 6 (footway) are not drivable
    assert sorted(net.node_id.tolist()) == [1, 3, 4]
    edges = edges_by_osm_id(net)
    assert set(edges) == {(1, 3), (3, 1), (4, 3)}
    assert edges[(4, 3)][1] == "primary"
    assert edges[(4, 3)][2] == pytest.approx(30 * KPH_PER_MPH)
    assert net.oneway.tolist().count(True) == 1
    assert set(net.way_id.tolist()) == {100, 101}
    # 0.002 deg of longitude at 28.19 N, great circle
    assert edges[(1, 3)][0] == pytest.approx(196.02, abs=0.01)


def test_tiny_pbf_walk_keeps_footways_and_parking_aisles(tiny_files: tuple[Path, Path]) -> None:
    _, pbf = tiny_files
    net = read_network(pbf, mode="walk")
    assert sorted(net.node_id.tolist()) == [1, 3, 4, 5, 6]
    walk = net.mode_edges("walk")
    pairs = {
        (int(net.node_id[a]), int(net.node_id[b]))
        for a, b in zip(walk.tail, walk.head, strict=True)
    }
    assert {(3, 4), (4, 3), (3, 6), (6, 3), (4, 5), (5, 4)} <= pairs


def test_tiny_xml_and_pbf_agree(tiny_files: tuple[Path, Path]) -> None:
    xml, pbf = tiny_files
    for mode in ("drive", "walk"):
        a, b = read_network(xml, mode=mode), read_network(pbf, mode=mode)
        assert a.crs == b.crs
        assert edges_by_osm_id(a).keys() == edges_by_osm_id(b).keys()
        for key, (length, hw, speed) in edges_by_osm_id(a).items():
            other = edges_by_osm_id(b)[key]
            assert length == pytest.approx(other[0], abs=1e-6)
            assert hw == other[1]
            assert speed == pytest.approx(other[2], nan_ok=True)


def test_tiny_simplify_false_keeps_every_node(tiny_files: tuple[Path, Path]) -> None:
    _, pbf = tiny_files
    simple = read_network(pbf, mode="drive")
    full = read_network(pbf, mode="drive", simplify=False)
    assert sorted(full.node_id.tolist()) == [1, 2, 3, 4]
    assert full.length_m.sum() == pytest.approx(simple.length_m.sum(), abs=1e-9)


# real data


def test_porto_alegre_pbf(poa_drive: Network) -> None:
    net = poa_drive
    assert net.crs == "EPSG:32722"
    assert not net.synthetic
    # the data README: "Drive network ≈ 13.7 k nodes / 31.8 k edges"
    assert net.n_nodes == pytest.approx(13_700, rel=0.05)
    assert net.n_edges == pytest.approx(31_800, rel=0.05)
    assert set(net.highway.tolist()) <= DRIVE_HIGHWAYS
    assert (net.length_m >= 0).all()
    assert (net.way_id > 0).all()
    assert net.oneway.any()
    assert np.isfinite(net.maxspeed_kph).any()
    assert net.n_mode_nodes("drive") == net.n_nodes


def test_porto_alegre_simplification_keeps_total_length(data_dir: Path, poa_drive: Network) -> None:
    full = read_network(data_dir / "porto_alegre" / "poa_osm.pbf", simplify=False)
    assert full.n_nodes > poa_drive.n_nodes
    assert full.length_m.sum() == pytest.approx(poa_drive.length_m.sum(), rel=1e-9)


def test_porto_alegre_congestion_slows_listed_ways(data_dir: Path, poa_drive: Network) -> None:
    # the r5r new_carspeeds table: 61 ways, every one at half speed
    table = pd.read_csv(data_dir / "porto_alegre" / "poa_osm_congestion.csv")
    assert set(table["speed_type"]) == {"scale"}
    scale = dict(zip(table["osm_id"].astype(int), table["max_speed"].astype(float), strict=True))
    assert len(scale) == 61
    assert set(scale.values()) == {0.5}
    assert scale[27184648] == 0.5
    listed = np.isin(poa_drive.way_id, list(scale))
    assert listed.any()
    free = poa_drive.edge_travel_time_s(travel_model("drive"))
    jammed = poa_drive.edge_travel_time_s(travel_model("drive", congestion=scale))
    np.testing.assert_allclose(jammed[listed], 2 * free[listed], rtol=1e-12)
    np.testing.assert_array_equal(jammed[~listed], free[~listed])


def test_changsha_campus_xml_walk(data_dir: Path) -> None:
    net = read_network(data_dir / "changsha" / "hnu_campus.osm", mode="walk")
    assert net.crs == "EPSG:32649"
    assert net.n_nodes > 50
    assert "footway" in set(net.highway.tolist())
    # back in WGS84, every node lies in Yuelu district around Hunan Normal University
    lon, lat = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(net.x, net.y)
    assert lon.min() > 112.90
    assert lon.max() < 112.98
    assert lat.min() > 28.15
    assert lat.max() < 28.22


def test_changsha_campus_xml_and_pbf_give_equal_walk_times(data_dir: Path, tmp_path: Path) -> None:
    xml = data_dir / "changsha" / "hnu_campus.osm"
    a = read_network(xml, mode="walk")
    b = read_network(to_pbf(xml, tmp_path / "campus.osm.pbf"), mode="walk")
    assert a.length_m.sum() == pytest.approx(b.length_m.sum(), rel=1e-9)
    # osmnx merges chains of ways that pyosmium keeps split: compare times at shared nodes
    common = np.intersect1d(a.node_id, b.node_id)
    start = int(common[0])
    times = []
    for net in (a, b):
        index = {int(v): i for i, v in enumerate(net.node_id)}
        res = nearest_facility(net, [index[start]], mode="walk")
        times.append(np.array([res.travel_time_s[index[int(v)]] for v in common]))
    assert np.isfinite(times[0]).sum() > 10
    np.testing.assert_allclose(times[0], times[1], atol=1e-6)


def test_graphml_round_trip(data_dir: Path, tmp_path: Path) -> None:
    xml = data_dir / "changsha" / "hnu_campus.osm"
    G = ox.graph_from_xml(xml, bidirectional=False, simplify=True, retain_all=True)
    path = tmp_path / "campus.graphml"
    ox.save_graphml(G, path)
    direct = network_from_graph(G)
    loaded = read_network(path, mode="all")
    assert loaded.n_nodes == direct.n_nodes
    assert loaded.n_edges == direct.n_edges
    np.testing.assert_array_equal(loaded.node_id, direct.node_id)
    np.testing.assert_allclose(loaded.length_m, direct.length_m, rtol=1e-12)
    np.testing.assert_array_equal(loaded.highway, direct.highway)
    np.testing.assert_array_equal(loaded.oneway, direct.oneway)
    np.testing.assert_array_equal(loaded.access, direct.access)


def test_projected_graph_keeps_its_crs(data_dir: Path) -> None:
    G = ox.graph_from_xml(data_dir / "changsha" / "hnu_campus.osm", retain_all=True)
    projected = ox.project_graph(G, to_crs="EPSG:32649")
    a, b = network_from_graph(G), network_from_graph(projected)
    assert a.crs == b.crs == "EPSG:32649"
    np.testing.assert_allclose(np.sort(a.x), np.sort(b.x), atol=1e-6)


CHANGSHA_UTM = (691_000.0, 3_119_000.0)


def test_network_from_edges_geodataframe() -> None:
    # three 100 m streets in a T, drawn in UTM 49N at Changsha; the stem is one-way
    gdf = gpd.GeoDataFrame(
        {
            "highway": ["primary", "primary", "residential"],
            "oneway": [False, False, True],
            "osmid": [7, 7, 8],
            "maxspeed": ["60", None, "BR:urban"],
        },
        geometry=[
            translate(LineString([(0, 0), (100, 0)]), *CHANGSHA_UTM),
            translate(LineString([(100, 0), (200, 0)]), *CHANGSHA_UTM),
            translate(LineString([(100, 0), (100, -50), (100, -100)]), *CHANGSHA_UTM),
        ],
        crs="EPSG:32649",
    )
    net = network_from_edges(gdf)
    assert net.crs == "EPSG:32649"
    assert net.n_nodes == 4
    assert net.n_edges == 5
    assert sorted(net.length_m.tolist()) == [100.0] * 5
    assert net.way_id.tolist().count(8) == 1
    assert np.isnan(net.maxspeed_kph).sum() == 3
    geographic = network_from_edges(gdf.to_crs("EPSG:4326"))
    assert geographic.crs == "EPSG:32649"
    np.testing.assert_allclose(np.sort(geographic.length_m), [100.0] * 5, atol=1e-6)


def test_network_from_edges_refuses_missing_crs_and_columns() -> None:
    lines = [LineString([(0, 0), (1, 0)])]
    with refused(NetworkInputError, match="no CRS"):
        network_from_edges(gpd.GeoDataFrame({"highway": ["primary"]}, geometry=lines))
    with refused(NetworkInputError, match="'highway'"):
        network_from_edges(gpd.GeoDataFrame({"kind": ["a"]}, geometry=lines, crs="EPSG:32649"))


def test_unreadable_inputs(tmp_path: Path) -> None:
    with refused(NetworkFormatError, match="not found"):
        read_network(tmp_path / "missing.osm.pbf")
    shapefile = tmp_path / "roads.shp"
    shapefile.write_text("x")
    with refused(NetworkFormatError, match="unsupported network format"):
        read_network(shapefile)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf")
    with refused(NetworkFormatError, match=r"broken\.osm\.pbf"):
        read_network(broken)
    with refused(NetworkInputError, match="unknown value 'bike'"):
        read_network(broken, mode="bike")
