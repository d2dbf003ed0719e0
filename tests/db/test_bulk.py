"""Binary COPY writes every column type exactly; indexes and keys come back after a bulk load."""

from collections.abc import Callable

import numpy as np
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import bulk


@pytest.fixture
def probe(db_session: Session) -> str:
    db_session.execute(
        text(
            "CREATE TEMP TABLE bulk_probe (i2 smallint, i4 integer, i8 bigint, f8 double precision,"
            " b boolean, t varchar(20), p geometry(Point, 4326), l geometry(LineString, 4326),"
            " m geometry(MultiPolygon, 4326)) ON COMMIT DROP"
        )
    )
    return "bulk_probe"


def test_every_type_round_trips(db_session: Session, probe: str) -> None:
    # more rows than one chunk, so the chunks join up
    n = bulk._CHUNK_ROWS + 3
    rng = np.random.default_rng(0)
    f8 = rng.normal(size=n)
    f8[[1, n - 1]] = np.nan
    lon, lat = 111.6 + rng.random(n), 26.4 + rng.random(n)
    square = shapely.MultiPolygon([shapely.box(111.0, 26.0, 111.1, 26.1)])
    words = np.array(["永州", "primary", None] * (n // 3) + ["x"] * (n % 3), dtype=object)
    bulk.copy_rows(
        db_session,
        probe,
        {
            "i2": np.arange(n) % 300 - 150,
            "i4": 7,  # one value for every row
            "i8": np.arange(n, dtype=np.int64) * 3_000_000_000,
            "f8": f8,
            "b": np.arange(n) % 2 == 0,
            "t": words,
            "p": bulk.ewkb_points(lon, lat),
            "l": bulk.ewkb_segments(lon, lat, lat * 0 + 112.0, lon * 0 + 27.0),
            "m": bulk.ewkb(np.array([square] * n)),
        },
    )
    rows = db_session.execute(
        text(
            "SELECT i2, i4, i8, f8, b, t, ST_X(p), ST_Y(p), ST_SRID(p), ST_X(ST_StartPoint(l)),"
            " ST_AsText(ST_EndPoint(l)), ST_AsText(m) FROM bulk_probe"
        )
    ).all()
    assert len(rows) == n
    i2, i4, i8, f8_back, b, t, x, y, srid, line_x, line_end, multi = zip(*rows, strict=True)
    np.testing.assert_array_equal(i2, np.arange(n) % 300 - 150)
    assert set(i4) == {7}
    np.testing.assert_array_equal(i8, np.arange(n, dtype=np.int64) * 3_000_000_000)
    # NaN is NULL; every other double exactly as sent
    assert f8_back[1] is None
    assert f8_back[n - 1] is None
    np.testing.assert_array_equal(np.array(f8_back, dtype=float), f8)
    np.testing.assert_array_equal(b, np.arange(n) % 2 == 0)
    assert list(t) == words.tolist()
    np.testing.assert_array_equal(x, lon)
    np.testing.assert_array_equal(y, lat)
    assert set(srid) == {4326}
    np.testing.assert_array_equal(line_x, lon)
    assert set(line_end) == {"POINT(112 27)"}
    assert set(multi) == {"MULTIPOLYGON(((111.1 26,111.1 26.1,111 26.1,111 26,111.1 26)))"}


def _probe_columns(rows: slice) -> dict[str, object]:
    """Columns of the probe rows ``rows``: every kind of field, a NULL in each batch."""
    i = np.arange(rows.start, rows.stop)
    return {
        "i4": i,
        "i8": 5,
        "f8": np.where(i % 4 == 0, np.nan, i / 8),
        "b": i % 3 == 0,
        "t": np.array([None if k % 5 == 0 else f"第{k}" for k in i], dtype=object),
        "p": bulk.ewkb_points(111.0 + i / 100, 26.0 + i / 1000),
    }


def _probe_rows(session: Session) -> list[tuple[object, ...]]:
    return list(
        session.execute(text("SELECT i4, i8, f8, b, t, ST_AsText(p) FROM bulk_probe ORDER BY i4"))
    )


def test_batches_write_the_rows_of_one_copy_asking_each_batch_once(
    db_session: Session, probe: str
) -> None:
    n = 23
    bulk.copy_rows(db_session, probe, _probe_columns(slice(0, n)))
    whole = _probe_rows(db_session)
    db_session.execute(text("TRUNCATE bulk_probe"))
    asked: list[tuple[int, int]] = []

    def columns_of(rows: slice) -> dict[str, object]:
        asked.append((rows.start, rows.stop))
        return _probe_columns(rows)

    bulk.copy_batches(db_session, probe, n, columns_of, batch_rows=5)

    assert asked == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    assert _probe_rows(db_session) == whole
    assert len(whole) == n
    # no rows: nothing asked, nothing written
    bulk.copy_batches(db_session, probe, 0, columns_of, batch_rows=5)
    assert len(asked) == 5
    with pytest.raises(ValueError, match="batch_rows"):
        bulk.copy_batches(db_session, probe, n, columns_of, batch_rows=0)


@pytest.mark.parametrize(
    ("columns_of", "names"),
    [
        # a batch with other columns than the first
        (lambda rows: {"i4": np.arange(rows.start, rows.stop)} if rows.start else {"i8": 1}, "i4"),
        # a batch of the wrong length
        (lambda rows: {"i4": np.arange(rows.start, rows.stop + 1)}, "different lengths"),
    ],
)
def test_a_bad_batch_is_refused(
    db_session: Session,
    probe: str,
    columns_of: Callable[[slice], dict[str, object]],
    names: str,
) -> None:
    with pytest.raises(ValueError, match=names):
        bulk.copy_batches(db_session, probe, 10, columns_of, batch_rows=4)


def test_fixed_width_ewkb_is_shapely_s() -> None:
    x, y = np.array([111.5, -0.25]), np.array([26.125, 1e-300])
    points = shapely.set_srid(shapely.points(x, y), 4326)
    assert bulk.ewkb_points(x, y).tobytes() == b"".join(
        shapely.to_wkb(points, include_srid=True).tolist()
    )
    shapes = np.array([shapely.MultiPolygon([shapely.box(0, 0, 1, 2)]), None, shapely.Point()])
    assert (
        bulk.ewkb(shapes).tolist()
        == shapely.to_wkb(shapely.set_srid(shapes, 4326), include_srid=True).tolist()
    )
    lines = shapely.set_srid(shapely.linestrings(np.stack([np.c_[x, y], np.c_[y, x]], 1)), 4326)
    assert bulk.ewkb_segments(x, y, y, x).tobytes() == b"".join(
        shapely.to_wkb(lines, include_srid=True).tolist()
    )


@pytest.mark.parametrize(
    ("columns", "error", "names"),
    [
        ({"i2": np.array([1, 40_000])}, ValueError, "bulk_probe.i2"),
        ({"b": np.array([0, 1])}, TypeError, "bulk_probe.b"),
        ({"p": np.array(["POINT(1 2)"], dtype=object)}, TypeError, "bulk_probe.p"),
        ({"i4": np.arange(3), "i8": np.arange(2)}, ValueError, "different lengths"),
        ({"nope": np.arange(3)}, ValueError, "nope"),
    ],
)
def test_bad_columns_are_refused_before_any_row(
    db_session: Session, probe: str, columns: dict[str, object], error: type, names: str
) -> None:
    with pytest.raises(error, match=names):
        bulk.copy_rows(db_session, probe, columns)
    assert db_session.execute(text("SELECT count(*) FROM bulk_probe")).scalar_one() == 0


@pytest.fixture
def parent_child(db_session: Session) -> None:
    db_session.execute(
        text("CREATE TEMP TABLE bulk_parent (id integer PRIMARY KEY) ON COMMIT DROP")
    )
    db_session.execute(
        text(
            "CREATE TEMP TABLE bulk_child (parent_id integer NOT NULL CONSTRAINT child_parent"
            " REFERENCES bulk_parent (id) ON DELETE CASCADE, idx integer, g geometry(Point, 4326),"
            " PRIMARY KEY (parent_id, idx)) ON COMMIT DROP"
        )
    )
    db_session.execute(text("CREATE INDEX child_g ON bulk_child USING gist (g)"))
    db_session.execute(text("INSERT INTO bulk_parent VALUES (1), (2)"))


def _structure(session: Session) -> tuple[list[str], list[str]]:
    indexes = session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE tablename = 'bulk_child' ORDER BY 1")
    ).scalars()
    keys = session.execute(
        text(
            "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = CAST('bulk_child' AS regclass) ORDER BY 1"
        )
    ).scalars()
    return list(indexes), list(keys)


def _load(session: Session, parent: int, n: int) -> None:
    x = np.linspace(111.0, 112.0, n)
    bulk.copy_rows(
        session,
        "bulk_child",
        {"parent_id": parent, "idx": np.arange(n), "g": bulk.ewkb_points(x, x * 0 + 26.0)},
    )


@pytest.mark.usefixtures("parent_child")
@pytest.mark.parametrize("existing", [0, 50])
def test_bulk_load_gives_back_the_same_indexes_and_keys(db_session: Session, existing: int) -> None:
    _load(db_session, 2, existing)
    before = _structure(db_session)
    assert any("gist" in d for d in before[0])
    assert any("FOREIGN KEY" in k for k in before[1])
    with bulk.bulk_load(db_session, {"bulk_child": 10}, rows_per_loaded=3):
        during = _structure(db_session)
        _load(db_session, 1, 10)
    # an empty table is rebuilt (no key, index or foreign key while loading); 50 rows are
    # more than 3 per row loaded, so that table is loaded row by row with everything in place
    if existing:
        assert during == before
    else:
        assert during == ([], [])
    assert _structure(db_session) == before
    # the rebuilt key still holds: a row of no parent is refused, a parent's delete cascades
    db_session.execute(text("DELETE FROM bulk_parent WHERE id = 1"))
    assert db_session.execute(text("SELECT count(*) FROM bulk_child")).scalar_one() == existing
    db_session.execute(text("SAVEPOINT orphan"))
    with pytest.raises(Exception, match="child_parent"):
        _load(db_session, 3, 1)
    db_session.execute(text("ROLLBACK TO SAVEPOINT orphan"))


def test_bulk_load_refuses_what_is_not_a_table_name(db_session: Session) -> None:
    with (
        pytest.raises(ValueError, match="not a table name"),
        bulk.bulk_load(db_session, {"road_edges; DROP TABLE road_edges": 1}),
    ):
        pass
