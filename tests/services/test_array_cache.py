"""The disk caches of a city's arrays: the same inputs as a read from PostGIS, or none at all.

On the tiny prepared city (committed, as the cells' key needs): a run's inputs read through the
caches (population points, snaps) equal those read without them, a written cell changes the key,
a transaction with uncommitted changes reads afresh, and a damaged file is never used.
"""

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services import array_cache, networks
from app.services.inputs import load_city_inputs
from app.settings import Settings
from geo.network.snap import project_lonlat, snap_xy
from tests.fixtures.compliance_city import CITY, committed_city
from tests.fixtures.compliance_city import prepare as prepare_city


@pytest.fixture
def own_cache(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"cache_dir": tmp_path / "cache"})


def _points(session: Session, settings: Settings) -> tuple[np.ndarray, ...]:
    inputs = load_city_inputs(session, settings, CITY)
    points = inputs.context.points
    snap = inputs.context.snapped_points("drive")
    sites = inputs.context.snapped_sites("walk")
    return (
        inputs.cell_ids,
        points.x,
        points.y,
        points.population,
        points.urban,
        points.region_adcode,
        snap.node,
        snap.distance_m,
        sites.node,
        sites.distance_m,
    )


def test_inputs_read_through_the_caches_equal_a_fresh_read(
    engine: Engine, own_cache: Settings
) -> None:
    with committed_city(engine) as session:
        fresh = _points(session, own_cache)
        # the first read wrote the files; the second reads them
        assert len(list((own_cache.cache_dir / "points").glob("*.npz"))) == 1
        assert len(list((own_cache.cache_dir / "snaps").glob("*.npz"))) == 2
        cached = _points(session, own_cache)
    for a, b in zip(fresh, cached, strict=True):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)
    assert fresh[0].shape == (5,)


def test_a_committed_write_to_a_cell_changes_the_key(engine: Engine) -> None:
    with committed_city(engine) as session:
        before = array_cache.cells_stamp(session, CITY)
        assert before is not None
        assert array_cache.cells_stamp(session, CITY) == before
        session.commit()
        # the same figures written again: the sums are unchanged, the row's version is not
        session.execute(
            text(
                "UPDATE population_cells SET population = population WHERE id = (SELECT min(id) "
                "FROM population_cells WHERE city_adcode = :c)"
            ),
            {"c": CITY},
        )
        # not committed yet: no key, the cells are read afresh
        assert array_cache.cells_stamp(session, CITY) is None
        session.commit()
        after = array_cache.cells_stamp(session, CITY)
    assert after is not None
    assert after != before


@pytest.mark.usefixtures("tiny_city")
def test_uncommitted_cells_are_never_cached(db_session: Session, own_cache: Settings) -> None:
    prepare_city(db_session)
    assert array_cache.cells_stamp(db_session, CITY) is None
    _points(db_session, own_cache)
    assert not (own_cache.cache_dir / "points").exists()


def test_a_damaged_file_is_read_again_from_the_database(
    engine: Engine, own_cache: Settings
) -> None:
    with committed_city(engine) as session:
        fresh = _points(session, own_cache)
        files = [
            *(own_cache.cache_dir / "points").glob("*.npz"),
            *(own_cache.cache_dir / "snaps").glob("*.npz"),
        ]
        assert len(files) == 3
        for path in files:
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))
        again = _points(session, own_cache)
    for a, b in zip(fresh, again, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.usefixtures("tiny_city")
def test_the_cached_snapper_answers_as_snap_xy(db_session: Session, own_cache: Settings) -> None:
    prepare_city(db_session)
    network = networks.find_network(db_session, CITY)
    assert network is not None
    net = networks.load_network(db_session, own_cache, network.id)
    snapper = array_cache.CachedSnapper(own_cache.cache_dir, "tiny")
    x = np.asarray([net.x[0] + 3.0, net.x[5] - 40.0, net.x[3]])
    y = np.asarray([net.y[0], net.y[5] + 20.0, net.y[3] + 10_000.0])
    for limit in (None, 500.0):
        expected = snap_xy(net, x, y, mode="walk", max_snap_m=limit)
        for _ in range(2):
            got = snapper(net, x, y, mode="walk", max_snap_m=limit)
            assert np.array_equal(got.node, expected.node)
            assert np.array_equal(got.distance_m, expected.distance_m)
            assert got.max_snap_m == limit
    # the point beyond the limit is off-network only with one
    assert snapper(net, x, y, mode="walk", max_snap_m=500.0).node[2] == -1
    assert snapper(net, x, y, mode="walk", max_snap_m=None).node[2] >= 0


def test_pruning_leaves_other_writers_files_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # another writer's temporary file (renamed by it, never pruned) and a file that vanishes
    # between the listing and its stat (another process pruned it): neither fails a write
    monkeypatch.setattr(array_cache, "MAX_FILES", 1)
    other = tmp_path / "snap-a.123-456.tmp.npz"
    other.write_bytes(b"half written")
    real_stat = Path.stat
    gone = tmp_path / "snap-gone.npz"
    gone.write_bytes(b"")

    def stat(self: Path, **kwargs: object) -> object:
        if self == gone:
            raise FileNotFoundError(self)
        return real_stat(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", stat)
    array_cache._write(tmp_path / "snap-b.npz", {"x": np.arange(3)})
    array_cache._write(tmp_path / "snap-c.npz", {"x": np.arange(4)})

    assert other.exists()
    assert (tmp_path / "snap-c.npz").exists()
    assert not (tmp_path / "snap-b.npz").exists()


def test_projected_locations_are_the_projection_and_kept(tmp_path: Path) -> None:
    # Yongzhou's centre and surroundings (WGS84) in UTM 49N: the projection's floats, from the
    # file on the second read; other coordinates or another CRS get their own file
    lon = [111.613, 111.590, 111.640, 111.560]
    lat = [26.420, 26.445, 26.400, 26.230]
    expected = project_lonlat(lon, lat, "EPSG:32649")
    first = array_cache.project_lonlat(tmp_path, lon, lat, "EPSG:32649")
    files = list((tmp_path / "locations").glob("*.npz"))
    assert len(files) == 1
    second = array_cache.project_lonlat(tmp_path, lon, lat, "EPSG:32649")
    for got in (first, second):
        assert np.array_equal(got[0], expected[0])
        assert np.array_equal(got[1], expected[1])
    array_cache.project_lonlat(tmp_path, lon[:3], lat[:3], "EPSG:32649")
    array_cache.project_lonlat(tmp_path, lon, lat, "EPSG:32650")
    assert len(list((tmp_path / "locations").glob("*.npz"))) == 3
