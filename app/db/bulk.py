"""Bulk loading with PostgreSQL binary ``COPY`` (networks and population surfaces are millions of
rows).

Columns go in as numpy arrays and are encoded, vectorised, in the binary format of ``COPY``
(https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format"): the server parses no text,
and no Python loop runs per row. The binary form of each column follows its type in the
catalogue, so a new column is one more entry in the caller's mapping. Geometries go in as EWKB.
A table of tens of millions of rows goes in batch by batch (:func:`copy_batches`): only one
batch's columns and bytes are in memory at a time.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.models.data_version import WROTE_FLAG

# the file header (signature, flags, header extension length) and trailer of binary COPY
_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_TRAILER = b"\xff\xff"
# binary form of the fixed-width types (network byte order)
_FIXED: dict[str, np.dtype[Any]] = {
    "int2": np.dtype(">i2"),
    "int4": np.dtype(">i4"),
    "int8": np.dtype(">i8"),
    "float4": np.dtype(">f4"),
    "float8": np.dtype(">f8"),
    "bool": np.dtype("?"),
}
# types whose binary form is the bytes themselves: UTF-8 text, EWKB (PostGIS geometry_recv)
_TEXT = {"text", "varchar", "bpchar"}
_BYTES = {"bytea", "geometry"}
# rows encoded and sent at a time: bounds the memory of the index arrays (~100 MB at most)
_CHUNK_ROWS = 1 << 16

# EWKB of a 2D point or 2-point line with an SRID (little endian; type | 0x20000000 has SRID)
_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)
_EWKB_SEGMENT = np.dtype(
    [
        ("order", "u1"),
        ("type", "<u4"),
        ("srid", "<u4"),
        ("n", "<u4"),
        ("x0", "<f8"),
        ("y0", "<f8"),
        ("x1", "<f8"),
        ("y1", "<f8"),
    ]
)
_SRID_FLAG = 0x20000000

Field = tuple[NDArray[np.uint8], NDArray[np.int64], int]


def ewkb(geoms: NDArray[np.object_], srid: int = 4326) -> NDArray[np.object_]:
    """EWKB (bytes) of shapely geometries, the binary form ``COPY`` takes for a geometry column.

    Each geometry's WKB (little endian) gets the SRID flag and the SRID in its header, which is
    all EWKB adds, without copying the geometries to set their SRID first. None stays None.
    """
    wkb = shapely.to_wkb(geoms, byte_order=1)
    srid_le = srid.to_bytes(4, "little")
    out = np.empty(len(wkb), dtype=object)
    out[:] = [
        None
        if w is None
        else w[:1]
        + (int.from_bytes(w[1:5], "little") | _SRID_FLAG).to_bytes(4, "little")
        + srid_le
        + w[5:]
        for w in wkb.tolist()
    ]
    return out


def ewkb_points(x: NDArray[np.float64], y: NDArray[np.float64], srid: int = 4326) -> NDArray[Any]:
    """EWKB of points, built straight from their coordinates: fixed-width records (25 bytes)."""
    records = np.empty(len(x), dtype=_EWKB_POINT)
    records["order"], records["type"], records["srid"] = 1, 1 | _SRID_FLAG, srid
    records["x"], records["y"] = x, y
    return records.view(np.dtype((np.void, _EWKB_POINT.itemsize)))


def ewkb_segments(
    x0: NDArray[np.float64],
    y0: NDArray[np.float64],
    x1: NDArray[np.float64],
    y1: NDArray[np.float64],
    srid: int = 4326,
) -> NDArray[Any]:
    """EWKB of 2-point linestrings from their end coordinates: fixed-width records (45 bytes)."""
    records = np.empty(len(x0), dtype=_EWKB_SEGMENT)
    records["order"], records["type"], records["srid"], records["n"] = 1, 2 | _SRID_FLAG, srid, 2
    records["x0"], records["y0"], records["x1"], records["y1"] = x0, y0, x1, y1
    return records.view(np.dtype((np.void, _EWKB_SEGMENT.itemsize)))


def _column_types(session: Session, table: str) -> dict[str, str]:
    rows = session.execute(
        text(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0"
            " AND NOT a.attisdropped"
        ),
        {"table": table},
    )
    return {str(name): str(typname) for name, typname in rows}


def _fixed_field(values: NDArray[Any], dtype: np.dtype[Any], where: str) -> Field:
    # None, and NaN in a float column, are NULL
    if values.dtype == object:
        null = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        present = np.asarray(values[~null].tolist())
    else:
        null = np.isnan(values) if values.dtype.kind == "f" else np.zeros(len(values), dtype=bool)
        present = values[~null]
    if dtype.kind == "b" and len(present) and present.dtype.kind != "b":
        msg = f"{where}: booleans expected, got {present.dtype}"
        raise TypeError(msg)
    cast = present.astype(dtype)
    if dtype.kind in "iu" and not np.array_equal(cast, present):
        msg = f"{where}: values do not fit {dtype.itemsize * 8}-bit integers"
        raise ValueError(msg)
    lengths = np.where(null, -1, dtype.itemsize).astype(np.int64)
    return cast.view(np.uint8), lengths, dtype.itemsize


def _variable_field(values: NDArray[Any], *, utf8: bool, where: str) -> Field:
    if values.dtype.kind == "V":
        # fixed-width records (ewkb_points, ewkb_segments): the bytes as they are
        width = values.dtype.itemsize
        return values.view(np.uint8), np.full(len(values), width, dtype=np.int64), width
    if utf8:
        return _text_field(values)
    items = values.tolist()
    if not all(item is None or isinstance(item, bytes) for item in items):
        msg = f"{where}: bytes expected (EWKB for a geometry)"
        raise TypeError(msg)
    lengths = np.fromiter(
        (-1 if item is None else len(item) for item in items), dtype=np.int64, count=len(items)
    )
    data = np.frombuffer(b"".join(item for item in items if item is not None), dtype=np.uint8)
    return data, lengths, 0


def _text_field(values: NDArray[Any]) -> Field:
    """UTF-8 of strings (None is NULL), each distinct value encoded once (road classes, codes)."""
    # pandas loads here: the module is imported by readers that never write
    import pandas as pd

    codes, distinct = pd.factorize(values)
    encoded = [str(value).encode() for value in distinct]
    distinct_lengths = np.array([len(e) for e in encoded] + [-1], dtype=np.int64)
    lengths = distinct_lengths[codes]  # code -1 (None) takes the last entry: NULL
    padded = np.zeros((len(encoded), max((len(e) for e in encoded), default=0)), dtype=np.uint8)
    for row, value in zip(padded, encoded, strict=True):
        row[: len(value)] = np.frombuffer(value, dtype=np.uint8)
    valid = codes >= 0
    taken = padded[codes[valid]]
    data = taken[np.arange(padded.shape[1]) < lengths[valid][:, None]]
    return data, lengths, 0


def _field(values: Any, n_rows: int, typname: str, where: str) -> Field:
    array = np.asarray(values)
    if array.ndim == 0:
        array = np.full(
            n_rows, array.item(), dtype=array.dtype if array.dtype.kind in "biuf" else object
        )
    if len(array) != n_rows:
        msg = f"{where}: {len(array)} values, expected {n_rows}"
        raise ValueError(msg)
    if typname in _FIXED:
        return _fixed_field(array, _FIXED[typname], where)
    if typname in _TEXT or typname in _BYTES:
        return _variable_field(array, utf8=typname in _TEXT, where=where)
    msg = f"{where}: binary COPY of type {typname} is not supported"
    raise TypeError(msg)


def _put(
    out: NDArray[np.uint8], at: NDArray[np.int64], data: NDArray[np.uint8], width: int
) -> None:
    """Write ``width`` bytes of ``data`` at each offset of ``at``, one record per offset."""
    record = np.dtype((np.void, width))
    # every byte offset of ``out`` seen as the start of a record (overlapping, unaligned)
    starts = np.ndarray((len(out) - width + 1,), dtype=record, buffer=out, strides=(1,))
    starts[at] = data.view(record)


def _scatter(
    out: NDArray[np.uint8],
    at: NDArray[np.int64],
    data: NDArray[np.uint8],
    lengths: NDArray[np.int64],
) -> None:
    """Write consecutive runs of ``data`` (``lengths`` bytes each) at the offsets ``at``."""
    starts = np.cumsum(lengths) - lengths
    out[np.repeat(at - starts, lengths) + np.arange(len(data))] = data


def _encode(parts: list[Field]) -> bytes:
    """Binary COPY tuples: per row the field count, then per field its length and bytes."""
    n = len(parts[0][1])
    sizes = [np.maximum(lengths, 0) for _, lengths, _ in parts]
    row_size = np.full(n, 2, dtype=np.int64)
    for size in sizes:
        row_size += 4 + size
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    at = np.cumsum(row_size) - row_size
    _put(out, at, np.full(n, len(parts), dtype=">i2").view(np.uint8), 2)
    at = at + 2
    for (data, lengths, width), size in zip(parts, sizes, strict=True):
        _put(out, at, lengths.astype(">i4").view(np.uint8), 4)
        valid = lengths >= 0
        if width:
            _put(out, at[valid] + 4, data, width)
        else:
            _scatter(out, at[valid] + 4, data, lengths[valid])
        at = at + 4 + size
    return out.tobytes()


def _chunks(fields: list[Field], n_rows: int) -> Iterator[bytes]:
    """The encoded rows, :data:`_CHUNK_ROWS` at a time."""
    # where each field's bytes of the next chunk begin
    cursors = [0] * len(fields)
    for start in range(0, n_rows, _CHUNK_ROWS):
        rows = slice(start, min(start + _CHUNK_ROWS, n_rows))
        parts = []
        for i, (data, lengths, width) in enumerate(fields):
            size = int(np.maximum(lengths[rows], 0).sum())
            parts.append((data[cursors[i] : cursors[i] + size], lengths[rows], width))
            cursors[i] += size
        yield _encode(parts)


def copy_rows(session: Session, table: str, columns: Mapping[str, Any]) -> None:
    """Write rows into ``table`` inside the session's transaction, with binary ``COPY``.

    Parameters
    ----------
    session
        The session whose transaction the rows join.
    table
        Table name.
    columns
        Column name → one value per row (a numpy array or sequence), or one value for every
        row. Integers, floats (NaN is NULL), booleans, strings (NULL as None) and bytes; a
        geometry column takes EWKB (:func:`ewkb`, :func:`ewkb_points`, :func:`ewkb_segments`).
    """
    types = _column_types(session, table)
    fields, n_rows = _fields(types, table, columns)
    with _copy_in(session, table, list(columns)) as write:
        for chunk in _chunks(fields, n_rows):
            write(chunk)


def copy_batches(
    session: Session,
    table: str,
    n_rows: int,
    columns_of: Callable[[slice], Mapping[str, Any]],
    *,
    batch_rows: int = _CHUNK_ROWS,
) -> None:
    """Write ``n_rows`` rows into ``table`` with one binary ``COPY``, ``batch_rows`` at a time.

    ``columns_of(rows)`` gives the columns of the rows ``rows`` (a slice of ``range(n_rows)``)
    as :func:`copy_rows` takes them, the same names every time. Only one batch is built and
    encoded at a time, so the memory a load takes is bounded by ``batch_rows``, whatever
    ``n_rows``; the rows written are those of :func:`copy_rows` on the whole columns.
    """
    if batch_rows < 1:
        msg = f"batch_rows must be at least 1, got {batch_rows}"
        raise ValueError(msg)
    types = _column_types(session, table)
    slices = (slice(a, min(a + batch_rows, n_rows)) for a in range(0, n_rows, batch_rows))
    first = next(slices, None)
    if first is None:
        return
    first_columns = columns_of(first)
    names = list(first_columns)
    batches = chain([(first, first_columns)], ((rows, columns_of(rows)) for rows in slices))
    with _copy_in(session, table, names) as write:
        for rows, columns in batches:
            if list(columns) != names:
                msg = f"{table}: batch {rows.start}:{rows.stop} has columns {list(columns)}"
                raise ValueError(msg)
            fields, got = _fields(types, table, columns, n_rows=rows.stop - rows.start)
            for chunk in _chunks(fields, got):
                write(chunk)


def _fields(
    types: Mapping[str, str],
    table: str,
    columns: Mapping[str, Any],
    *,
    n_rows: int | None = None,
) -> tuple[list[Field], int]:
    """The encoded fields of ``columns`` and their row count (``n_rows`` when given)."""
    lengths = {len(v) for v in columns.values() if np.ndim(v) > 0}
    if n_rows is not None:
        lengths.add(n_rows)
    if len(lengths) > 1:
        msg = f"{table}: columns of different lengths {sorted(lengths)}"
        raise ValueError(msg)
    rows = lengths.pop() if lengths else 1
    unknown = [name for name in columns if name not in types]
    if unknown:
        msg = f"{table} has no column(s) {', '.join(unknown)}"
        raise ValueError(msg)
    fields = [
        _field(values, rows, types[name], f"{table}.{name}") for name, values in columns.items()
    ]
    return fields, rows


@contextmanager
def _copy_in(session: Session, table: str, names: list[str]) -> Iterator[Callable[[bytes], None]]:
    """A binary ``COPY`` into ``table``'s ``names`` in the session's transaction: its writer."""
    connection = session.connection()
    connection.info[WROTE_FLAG] = True
    raw = connection.connection.driver_connection
    assert raw is not None, "COPY needs a live DBAPI connection"
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        copy.write(_HEADER)
        yield copy.write
        copy.write(_TRAILER)


# a table is rebuilt around a load (keys, indexes and foreign keys dropped, then made again in one
# pass) when it holds at most this many rows per row loaded: maintained row by row, a GiST index,
# a btree key and a foreign key cost about four times their one-pass build per row (PostgreSQL
# 15, PostGIS 3.3; measured on the 730k edges of Yongzhou's synthetic network)
REBUILD_ROWS_PER_LOADED = 3
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class _Deferred:
    """What a table loses for a bulk load, as SQL definitions: keys, indexes, foreign keys."""

    table: str
    keys: tuple[tuple[str, str], ...]
    indexes: tuple[tuple[str, str], ...]
    foreign_keys: tuple[tuple[str, str], ...]


def _definitions(session: Session, sql: str, table: str) -> tuple[tuple[str, str], ...]:
    rows = session.execute(text(sql), {"table": table}).all()
    return tuple((str(name), str(definition)) for name, definition in rows)


def _deferred(session: Session, table: str) -> _Deferred:
    # primary and unique keys no foreign key relies on
    keys = _definitions(
        session,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint c"
        " WHERE conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u')"
        " AND NOT EXISTS (SELECT FROM pg_constraint f"
        " WHERE f.contype = 'f' AND f.conindid = c.conindid) ORDER BY conname",
        table,
    )
    # the indexes that back no constraint
    indexes = _definitions(
        session,
        "SELECT CAST(i.indexrelid AS regclass)::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i WHERE i.indrelid = CAST(:table AS regclass)"
        " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        table,
    )
    foreign_keys = _definitions(
        session,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname",
        table,
    )
    return _Deferred(table, keys, indexes, foreign_keys)


def _referenced(session: Session, tables: list[str]) -> list[str]:
    """Tables the foreign keys of ``tables`` point to (outside ``tables``), by name."""
    rows = session.execute(
        text(
            "SELECT DISTINCT CAST(confrelid AS regclass)::text FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": tables},
    ).scalars()
    return sorted(set(rows) - set(tables))


def _holds_at_most(session: Session, table: str, rows: int) -> bool:
    # a bounded count: never reads more than rows + 1 rows of a large table
    found = session.execute(
        text(f"SELECT count(*) FROM (SELECT FROM {table} LIMIT :cap) AS head"),  # noqa: S608 (a table name of the code, checked)
        {"cap": rows + 1},
    ).scalar_one()
    return int(found) <= rows


@contextmanager
def bulk_load(
    session: Session, rows: Mapping[str, int], *, rows_per_loaded: int = REBUILD_ROWS_PER_LOADED
) -> Iterator[None]:
    """Around loading ``rows[table]`` rows into each table, in the session's transaction.

    A table that holds few rows for the load (at most ``rows_per_loaded`` per row loaded, e.g.
    the first network of a database) loses its keys (those no foreign key relies on), indexes
    and foreign keys for the load and gets them back, with the same names and definitions, in
    one pass at the end: the foreign keys are checked once over the table instead of row by
    row, and the indexes are built sorted instead of grown row by row. That takes an ``ACCESS
    EXCLUSIVE`` lock on the table and on the tables its foreign keys point to until the
    transaction ends, so their readers wait for the load; a larger table is loaded row by row
    under ``SHARE ROW EXCLUSIVE`` (readers go on). Either way one load runs at a time, and the
    tables are locked referenced tables first, in one order, so two loads never deadlock. The
    block must run in a transaction that rolls back on an error, taking the dropped keys and
    indexes back with it (services' ``transaction``).
    """
    tables = list(rows)
    wrong = [t for t in tables if not _IDENTIFIER.fullmatch(t)]
    if wrong:
        msg = f"not a table name: {wrong}"
        raise ValueError(msg)
    order = [*_referenced(session, tables), *tables]
    session.execute(text(f"LOCK TABLE {', '.join(order)} IN SHARE ROW EXCLUSIVE MODE"))
    rebuilt = [t for t in tables if _holds_at_most(session, t, max(rows[t], 1) * rows_per_loaded)]
    deferred = []
    if rebuilt:
        order = [*_referenced(session, rebuilt), *rebuilt]
        session.execute(text(f"LOCK TABLE {', '.join(order)} IN ACCESS EXCLUSIVE MODE"))
        deferred = [_deferred(session, t) for t in rebuilt]
        for d in deferred:
            for name, _ in d.foreign_keys:
                session.execute(text(f'ALTER TABLE {d.table} DROP CONSTRAINT "{name}"'))
            for name, _ in d.indexes:
                session.execute(text(f"DROP INDEX {name}"))
            for name, _ in d.keys:
                session.execute(text(f'ALTER TABLE {d.table} DROP CONSTRAINT "{name}"'))
    yield
    for d in deferred:
        for name, definition in d.keys:
            session.execute(text(f'ALTER TABLE {d.table} ADD CONSTRAINT "{name}" {definition}'))
        for _, definition in d.indexes:
            session.execute(text(definition))
        for name, definition in d.foreign_keys:
            session.execute(text(f'ALTER TABLE {d.table} ADD CONSTRAINT "{name}" {definition}'))
