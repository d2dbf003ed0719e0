"""Node locations of an OSM PBF file, decoded block by block with numpy (the node pass).

A province extract holds tens of millions of nodes, of which a road reader needs a few. Handing
each node to Python (pyosmium's iterators) costs microseconds per node; pyosmium's id filter
needs a bitmap over the whole id range (about 1.5 GB for real OSM ids). This reader decodes the
file format itself (OSM wiki *PBF Format*: blobs of ``PrimitiveBlock`` messages whose
``DenseNodes`` hold delta-coded, zigzag varint ids and coordinates), whole arrays at a time, and
keeps only the wanted ids, so memory stays that of one block plus the nodes kept.

Coordinates are returned as libosmium computes them (fixed 1e-7 degrees, truncated toward zero,
then divided), so both readers give identical networks. Blobs compressed other than raw or zlib
(lz4, zstd, lzma) raise :class:`UnsupportedBlobError`; the caller then reads the nodes with
pyosmium instead.
"""

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from geo.errors import NetworkFormatError

# libosmium's fixed-point coordinates: 1e-7 degrees; PBF coordinates are in nanodegrees
_OSMIUM_PRECISION = 10_000_000
_NANO_PER_OSMIUM = 100
_DEFAULT_GRANULARITY = 100
# PBF limits: a BlobHeader is at most 64 KiB, a blob at most 32 MiB (OSM wiki, PBF Format)
_MAX_HEADER_BYTES = 64 * 1024
_MAX_BLOB_BYTES = 32 * 1024 * 1024
_TYPE_THEN_ID = b"Sort.Type_then_ID"


class _DamagedError(Exception):
    """The file breaks the PBF format (what, in the message); read as a damaged file."""


class UnsupportedBlobError(Exception):
    """A blob compressed in a way this reader does not decode (lz4, zstd, lzma)."""


def read_node_locations(
    path: Path,
    wanted: NDArray[np.int64],
    progress: Callable[[int], None] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Ids, longitudes and latitudes (degrees) of the nodes of ``wanted`` that ``path`` holds.

    Parameters
    ----------
    path
        An ``.osm.pbf`` file.
    wanted
        Node ids, sorted and unique.
    progress
        Called with the bytes of the file read so far, after each block.

    Returns
    -------
    tuple of arrays
        The found ids (in file order) and their locations; nodes with an invalid location
        (outside ±180°, ±90°) are left out, as libosmium leaves them unlocated.
    """
    try:
        return _read_node_locations(path, wanted, progress)
    except _DamagedError as exc:
        raise NetworkFormatError.worded(
            "input.network.pbf_damaged", field="path", name=path.name
        ) from exc


def _read_node_locations(
    path: Path,
    wanted: NDArray[np.int64],
    progress: Callable[[int], None] | None,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    ids: list[NDArray[np.int64]] = []
    lons: list[NDArray[np.float64]] = []
    lats: list[NDArray[np.float64]] = []
    sorted_by_type = False
    seen_nodes = False
    for kind, data, offset in _blobs(path):
        if progress is not None:
            progress(offset)
        if kind == b"OSMHeader":
            sorted_by_type = _TYPE_THEN_ID in data
            continue
        if kind != b"OSMData":
            continue
        block_ids, x, y = _block_nodes(data)
        if block_ids.shape[0] == 0:
            # a file sorted by type holds no node after its first block without any
            if sorted_by_type and seen_nodes:
                break
            continue
        seen_nodes = True
        at = np.minimum(np.searchsorted(wanted, block_ids), max(wanted.shape[0] - 1, 0))
        keep = wanted[at] == block_ids if wanted.shape[0] else np.zeros_like(block_ids, bool)
        keep &= (np.abs(x) <= 180 * _OSMIUM_PRECISION) & (np.abs(y) <= 90 * _OSMIUM_PRECISION)
        ids.append(block_ids[keep])
        lons.append(x[keep] / _OSMIUM_PRECISION)
        lats.append(y[keep] / _OSMIUM_PRECISION)
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return np.concatenate(ids), np.concatenate(lons), np.concatenate(lats)


def _blobs(path: Path) -> Iterator[tuple[bytes, bytes, int]]:
    # (type, decompressed data, file offset after the blob) of every blob of the file
    with path.open("rb") as handle:
        while True:
            size_bytes = handle.read(4)
            if not size_bytes:
                return
            header_size = int.from_bytes(size_bytes, "big")
            if len(size_bytes) < 4 or header_size > _MAX_HEADER_BYTES:
                msg = f"{path}: not a PBF file (bad blob header size {header_size})"
                raise _DamagedError(msg)
            kind, data_size = b"", 0
            for field, number, payload in _fields(handle.read(header_size)):
                if field == 1:
                    kind = payload
                elif field == 3:
                    data_size = number
            if data_size > _MAX_BLOB_BYTES:
                msg = f"{path}: not a PBF file (blob of {data_size} bytes)"
                raise _DamagedError(msg)
            blob = handle.read(data_size)
            if len(blob) < data_size:
                msg = f"{path}: truncated PBF file"
                raise _DamagedError(msg)
            yield kind, _decompress(blob), handle.tell()


def _decompress(blob: bytes) -> bytes:
    # Blob: raw = 1, zlib_data = 3; lzma 4, bzip2 5, lz4 6, zstd 7
    for field, _, payload in _fields(blob):
        if field == 1:
            return payload
        if field == 3:
            return zlib.decompress(payload)
        if field in (4, 5, 6, 7):
            msg = f"blob compression field {field}"
            raise UnsupportedBlobError(msg)
    return b""


def _block_nodes(data: bytes) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    # ids and libosmium fixed-point coordinates of the nodes of one PrimitiveBlock
    granularity, lat_offset, lon_offset = _DEFAULT_GRANULARITY, 0, 0
    groups = []
    for field, number, payload in _fields(data):
        if field == 2:
            groups.append(payload)
        elif field == 17:
            granularity = number
        elif field == 19:
            lat_offset = _signed64(number)
        elif field == 20:
            lon_offset = _signed64(number)
    ids, lats, lons = [], [], []
    for group in groups:
        for field, _, payload in _fields(group):
            # a group holds one kind of element: ways (3) or relations (4) end the look
            if field not in (1, 2):
                break
            if field == 2:
                dense = _dense_nodes(payload)
                ids.append(dense[0])
                lats.append(dense[1])
                lons.append(dense[2])
            elif field == 1:
                node = _plain_node(payload)
                ids.append(node[0])
                lats.append(node[1])
                lons.append(node[2])
    if not ids:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    lat_nano = np.concatenate(lats) * granularity + lat_offset
    lon_nano = np.concatenate(lons) * granularity + lon_offset
    return np.concatenate(ids), _to_osmium(lon_nano), _to_osmium(lat_nano)


def _to_osmium(nano: NDArray[np.int64]) -> NDArray[np.int64]:
    # C++ integer division truncates toward zero
    truncated = np.sign(nano) * (np.abs(nano) // _NANO_PER_OSMIUM)
    return np.asarray(truncated, dtype=np.int64)


def _dense_nodes(
    data: bytes,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    packed: dict[int, bytes] = {}
    for field, _, payload in _fields(data):
        if field in (1, 8, 9):
            packed[field] = payload
    ids, lats, lons = (np.cumsum(_zigzag(_varints(packed.get(f, b"")))) for f in (1, 8, 9))
    if not (ids.shape[0] == lats.shape[0] == lons.shape[0]):
        msg = "PBF DenseNodes with arrays of different lengths"
        raise _DamagedError(msg)
    return ids, lats, lons


def _plain_node(data: bytes) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    values = {1: 0, 8: 0, 9: 0}
    for field, number, _ in _fields(data):
        if field in values:
            values[field] = number
    node_id, lat, lon = (_unzigzag(values[f]) for f in (1, 8, 9))
    return np.array([node_id]), np.array([lat]), np.array([lon])


def _varints(data: bytes) -> NDArray[np.uint64]:
    # every varint of a packed field at once: a byte below 128 ends a value
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.shape[0] == 0:
        return np.zeros(0, np.uint64)
    ends = np.flatnonzero(raw < 0x80)
    starts = np.concatenate([[0], ends[:-1] + 1])
    position = np.arange(raw.shape[0]) - np.repeat(starts, ends - starts + 1)
    shifted = (raw & 0x7F).astype(np.uint64) << (7 * position).astype(np.uint64)
    return np.bitwise_or.reduceat(shifted, starts)


def _zigzag(values: NDArray[np.uint64]) -> NDArray[np.int64]:
    return ((values >> np.uint64(1)).astype(np.int64)) ^ -((values & np.uint64(1)).astype(np.int64))


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    # (field number, varint value, bytes value) of each field of a protobuf message, the
    # unused one 0 or empty; fixed-width values are skipped
    view = memoryview(data)
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(view, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(view, pos)
            yield field, value, b""
        elif wire == 2:
            length, pos = _varint(view, pos)
            if pos + length > end:
                msg = "PBF message field runs past its end"
                raise _DamagedError(msg)
            yield field, 0, bytes(view[pos : pos + length])
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            msg = f"PBF message with an unknown wire type {wire}"
            raise _DamagedError(msg)


def _varint(view: memoryview, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(view):
            msg = "PBF message ends inside a number"
            raise _DamagedError(msg)
        byte = view[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
