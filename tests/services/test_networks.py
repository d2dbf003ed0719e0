"""Road networks round-trip through PostGIS and the disk cache, bit for bit."""

import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import bulk
from app.db.models import RoadEdge, RoadNode
from app.services import networks
from app.settings import Settings
from geo.network import SYNTHETIC_SOURCE, Network, network_from_arrays


@pytest.fixture
def tiny() -> Network:
    # a square with a one-way diagonal, in UTM 49N near Changsha
    x0, y0 = 700_000.0, 3_120_000.0
    return network_from_arrays(
        np.array([x0, x0 + 100, x0 + 100, x0]),
        np.array([y0, y0, y0 + 100, y0 + 100]),
        np.array([0, 1, 2, 3, 0]),
        np.array([1, 2, 3, 0, 2]),
        np.array(["residential", "primary", "residential", "footway", "tertiary"]),
        crs="EPSG:32649",
        oneway=np.array([False, False, False, False, True]),
        maxspeed_kph=np.array([np.nan, 60.0, np.nan, np.nan, 30.0]),
        way_id=np.array([10, 11, 12, 13, 14]),
        synthetic=True,
    )


def _assert_same(a: Network, b: Network) -> None:
    assert (a.crs, a.synthetic) == (b.crs, b.synthetic)
    for name in (*networks._ARRAYS, "highway"):
        if name in {"road_class", "edge_source"}:  # codes may be renumbered; names must match
            continue
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    sources_a = np.asarray(a.sources)[a.edge_source]
    np.testing.assert_array_equal(sources_a, np.asarray(b.sources)[b.edge_source])


def test_store_and_rebuild(db_session: Session, settings: Settings, tiny: Network) -> None:
    summary = networks.store_network(db_session, tiny, name="tiny", source="test.osm")
    assert summary.synthetic is True
    assert summary.source == "synthetic"  # a generated network is never passed off as a file
    assert (summary.n_nodes, summary.n_edges) == (tiny.n_nodes, tiny.n_edges)
    stored_edges = db_session.scalar(
        select(func.count()).select_from(RoadEdge).where(RoadEdge.network_id == summary.id)
    )
    assert stored_edges == tiny.n_edges
    lon, lat = db_session.execute(
        select(func.ST_X(RoadNode.geom), func.ST_Y(RoadNode.geom)).where(
            RoadNode.network_id == summary.id, RoadNode.idx == 0
        )
    ).one()
    expected = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True).transform(
        700_000.0, 3_120_000.0
    )
    assert (lon, lat) == pytest.approx(expected, abs=1e-9)

    path = networks.cache_path(settings, summary)
    assert not path.exists()
    rebuilt = networks.load_network(db_session, settings, summary.id)  # from PostGIS
    _assert_same(tiny, rebuilt)
    assert path.exists()
    cached = networks.load_network(db_session, settings, summary.id)  # from the cache
    _assert_same(tiny, cached)
    path.unlink()
    _assert_same(tiny, networks.load_network(db_session, settings, summary.id))


def test_a_network_larger_than_a_batch_round_trips(db_session: Session, settings: Settings) -> None:
    # a 260 x 260 street grid: 67,600 nodes and 269,360 directed edges, more than one batch each
    side = 260
    assert side * side > bulk._CHUNK_ROWS
    ij = np.arange(side * side)
    east = ij[ij % side < side - 1]
    north = ij[ij < side * (side - 1)]
    grid = network_from_arrays(
        700_000.0 + 50.0 * (ij % side),
        3_120_000.0 + 50.0 * (ij // side),
        np.concatenate([east, north]),
        np.concatenate([east + 1, north + side]),
        np.where(np.arange(len(east) + len(north)) % 7 == 0, "primary", "residential"),
        crs="EPSG:32649",
    ).with_source("grid.gpkg")

    summary = networks.store_network(db_session, grid, name="grid", source="grid.gpkg")

    _assert_same(grid, networks.load_network(db_session, settings, summary.id))
    # the last edge's geometry joins its end nodes' WGS84 points
    last = grid.n_edges - 1
    start, end = db_session.execute(
        select(
            func.ST_AsText(func.ST_StartPoint(RoadEdge.geom)),
            func.ST_AsText(func.ST_EndPoint(RoadEdge.geom)),
        ).where(RoadEdge.network_id == summary.id, RoadEdge.idx == last)
    ).one()
    nodes = dict(
        db_session.execute(
            select(RoadNode.idx, func.ST_AsText(RoadNode.geom)).where(
                RoadNode.network_id == summary.id,
                RoadNode.idx.in_([int(grid.edge_u[last]), int(grid.edge_v[last])]),
            )
        ).all()
    )
    assert (start, end) == (nodes[int(grid.edge_u[last])], nodes[int(grid.edge_v[last])])


def test_stored_with_settings_the_cache_is_what_postgis_gives_back(
    db_session: Session, settings: Settings, tiny: Network
) -> None:
    # classes out of order with one no edge uses: the cache holds them as PostGIS returns them
    shuffled = Network(
        crs=tiny.crs,
        road_classes=(*tiny.road_classes, "motorway"),
        sources=tiny.sources,
        synthetic=True,
        **{n: getattr(tiny, n) for n in networks._ARRAYS},
    )
    assert list(shuffled.road_classes) != sorted(shuffled.road_classes)
    summary = networks.store_network(
        db_session, shuffled, name="tiny", source="test.osm", settings=settings
    )
    path = networks.cache_path(settings, summary)
    assert path.is_file()
    cached = networks.load_network(db_session, settings, summary.id)
    rebuilt = networks._rebuild(db_session, summary)
    assert (
        cached.road_classes
        == rebuilt.road_classes
        == ("footway", "primary", "residential", "tertiary")
    )
    for name in networks._ARRAYS:
        a, b = getattr(cached, name), getattr(rebuilt, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    _assert_same(tiny, cached)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "no-checksum"])
def test_a_damaged_cache_file_is_rebuilt(
    db_session: Session, settings: Settings, tiny: Network, damage: str
) -> None:
    summary = networks.store_network(db_session, tiny, name="tiny", source="test.osm")
    path = networks.cache_path(settings, summary)
    networks.load_network(db_session, settings, summary.id)
    good = path.read_bytes()
    checksum = path.with_name(path.name + ".sha256")
    if damage == "truncate":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flip":
        # one bit in the middle of the arrays: still a readable zip of the right shapes
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0x01]) + good[middle + 1 :])
    elif damage == "garbage":
        path.write_bytes(b"not a zip at all")
    else:
        checksum.unlink()
    _assert_same(tiny, networks.load_network(db_session, settings, summary.id))
    # rewritten whole, with its checksum: the next load reads the cache again
    assert path.read_bytes() == good
    assert checksum.is_file()
    _assert_same(tiny, networks.load_network(db_session, settings, summary.id))


def test_a_cache_file_of_an_older_layout_is_rebuilt_quietly(
    db_session: Session,
    settings: Settings,
    tiny: Network,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A file an earlier release wrote (checksum right, no layout mark, no ``sources``) is
    replaced without a warning: nothing is wrong with it but its age."""
    summary = networks.store_network(db_session, tiny, name="tiny", source="test.osm")
    path = networks.cache_path(settings, summary)
    networks.load_network(db_session, settings, summary.id)
    good = path.read_bytes()
    old = tmp_path / "old.npz"
    np.savez(
        old,
        n_nodes=summary.n_nodes,
        n_edges=summary.n_edges,
        road_classes=np.asarray(tiny.road_classes, dtype=np.str_),
        **{name: getattr(tiny, name) for name in networks._ARRAYS},
    )
    path.write_bytes(old.read_bytes())
    checksum = path.with_name(path.name + ".sha256")
    checksum.write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n")

    with caplog.at_level(logging.WARNING, logger=networks.__name__):
        _assert_same(tiny, networks.load_network(db_session, settings, summary.id))

    assert not caplog.records
    assert path.read_bytes() == good


def test_edge_sources_round_trip(db_session: Session, settings: Settings, tiny: Network) -> None:
    # the square's segments from a file, its diagonal generated: a joined network
    joined = network_from_arrays(
        tiny.x,
        tiny.y,
        np.array([0, 1, 2, 3, 0]),
        np.array([1, 2, 3, 0, 2]),
        np.array(["residential", "primary", "residential", "footway", "tertiary"]),
        crs=tiny.crs,
        oneway=np.array([False, False, False, False, True]),
        source=np.array([SYNTHETIC_SOURCE] + ["streets.gpkg"] * 3 + [SYNTHETIC_SOURCE]),
    )
    summary = networks.store_network(db_session, joined, name="j", source="streets.gpkg")
    stored = db_session.execute(
        select(RoadEdge.source, func.count())
        .where(RoadEdge.network_id == summary.id)
        .group_by(RoadEdge.source)
        .order_by(RoadEdge.source)
    ).all()
    # 4 two-way segments give 8 edges, the one-way diagonal 1
    assert [tuple(r) for r in stored] == [("streets.gpkg", 6), (SYNTHETIC_SOURCE, 3)]
    rebuilt = networks.load_network(db_session, settings, summary.id)  # from PostGIS
    _assert_same(joined, rebuilt)
    _assert_same(joined, networks.load_network(db_session, settings, summary.id))  # the cache
    assert int(rebuilt.edge_real.sum()) == 6


@pytest.mark.usefixtures("tiny_city")
def test_real_network_preferred(db_session: Session, tiny: Network) -> None:
    assert networks.find_network(db_session, "439900") is None
    synth = networks.store_network(db_session, tiny, name="s", source="x", city_adcode="439900")
    assert networks.find_network(db_session, "439900") == synth
    real_net = Network(
        crs=tiny.crs,
        road_classes=tiny.road_classes,
        sources=("city.osm.pbf",),
        **{n: getattr(tiny, n) for n in networks._ARRAYS},
    )
    real = networks.store_network(
        db_session, real_net, name="r", source="city.osm.pbf", city_adcode="439900"
    )
    assert real.source == "city.osm.pbf"
    later_synth = networks.store_network(
        db_session, tiny, name="s2", source="x", city_adcode="439900"
    )
    assert later_synth.id > real.id
    assert networks.find_network(db_session, "439900") == real
