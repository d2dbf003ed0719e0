"""OpenStreetMap input: tag rules (one-way, access, ``maxspeed``) and the pyosmium PBF reader.

The PBF reader (:func:`read_pbf`) keeps the ``highway`` ways with node locations; ways are split
at intersections (nodes shared by several ways, or way ends) so a node is an intersection or a
dead end, as in an osmnx simplified graph; edge lengths are great-circle. The result is projected
to the UTM zone of the data's centroid (:func:`utm_crs`; Hunan falls in zone 49N, EPSG:32649).

Tag handling (the osmnx-based readers of :mod:`geo.network.readers` apply the same rules to the
tags osmnx keeps):

* ``oneway``: ``yes``/``true``/``1`` forward; ``-1``/``reverse`` backward; ``no``/``false``/``0``
  two-way; absent: one-way on ``junction=roundabout``/``circular`` and on ``highway=motorway``
  (implied oneway, OSM wiki *Key:oneway*), else two-way.
* ``maxspeed``: numbers are km/h, ``"<n> mph"`` converted, ``"<n> km/h"`` accepted, lists
  ``"60;80"`` averaged (as osmnx does); zone codes (``BR:urban``, ``RU:rural``), ``none``,
  ``walk``, ``signals`` … are unknown (``nan``) and the class speed applies.
* Access: ways tagged ``area=yes`` or ``access=private`` are dropped (osmnx ``default_access``);
  ``drive`` also drops ``motor_vehicle=no``, ``motorcar=no`` and ``service`` =
  ``parking_aisle``/``parking``/``emergency_access``/``private`` (osmnx's ``drive_service``
  filter); ``walk`` drops ``foot=no``, ``service=private`` and roads whose sidewalks are mapped
  as separate ways (``sidewalk=separate``), as osmnx's ``walk`` filter.
"""

import ast
import math
import os
import re
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.errors import NetworkFormatError, NetworkInputError
from geo.network._pbf_nodes import UnsupportedBlobError, read_node_locations
from geo.network.core import (
    DRIVE,
    DRIVE_HIGHWAYS,
    WALK,
    WALK_HIGHWAYS,
    Network,
    network_from_arrays,
)

# mean Earth radius used by osmnx.distance.great_circle (IUGG mean radius R1), metres
EARTH_RADIUS_M = 6_371_009.0

# international mile, metres per mile / 1000
KPH_PER_MPH = 1.609344

# knots to km/h (1 nautical mile = 1852 m)
KPH_PER_KNOT = 1.852

READ_MODES: tuple[str, ...] = ("walk", "drive", "ems", "all")

_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_ONEWAY_NO = frozenset({"no", "false", "0"})
# OSM wiki Key:oneway, "Implied oneway restriction": roundabouts and motorways
_IMPLIED_ONEWAY_HIGHWAYS = frozenset({"motorway"})
_IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})
_DRIVE_SERVICE_EXCLUDED = frozenset({"parking_aisle", "parking", "emergency_access", "private"})
_SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")

PbfProgress = Callable[[str, int, int], None]
"""``progress(stage, done_bytes, total_bytes)`` of a PBF read (stage ``"ways"``, ``"nodes"``)."""

# objects read between two progress reports
_PROGRESS_EVERY = 8192


@dataclass
class PbfTally:
    """What a PBF read saw, filled in by :func:`read_pbf`."""

    highway_ways: int = 0
    """ways tagged ``highway`` read in the first pass"""
    kept_ways: int = 0
    """of them, the ways the mode may use"""
    node_refs: int = 0
    """node references of the kept ways"""
    needed_nodes: int = 0
    """distinct nodes they reference"""
    located_nodes: int = 0
    """of them, the nodes the file holds (the rest lie outside the extract)"""


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


class _FilePosition:
    """How far libosmium has read a file: its descriptor's offset (Linux ``/proc``), else 0."""

    def __init__(self, path: Path) -> None:
        self._target = os.path.realpath(path)
        self._fd: str | None = None

    def bytes_read(self) -> int:
        try:
            if self._fd is None or os.readlink(f"/proc/self/fd/{self._fd}") != self._target:
                self._fd = self._find()
            if self._fd is None:
                return 0
            with open(f"/proc/self/fdinfo/{self._fd}", encoding="ascii") as info:
                return int(info.readline().split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    def _find(self) -> str | None:
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == self._target:
                    return fd
            except OSError:
                continue
        return None


def utm_crs(lon: float, lat: float) -> str:
    """EPSG code of the WGS84 UTM zone containing ``(lon, lat)`` degrees, e.g. ``"EPSG:32649"``."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise NetworkInputError.worded("input.network.utm", field="lon", lon=lon, lat=lat)
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def parse_maxspeed(value: object) -> float:
    """A ``maxspeed`` tag value in km/h, or ``nan`` when it is missing or not a number.

    Parameters
    ----------
    value
        Tag value: ``"50"``, ``"50 mph"``, ``"60;80"``, ``"BR:urban"``, a number, a list …

    Returns
    -------
    float
        Speed, km/h; lists are averaged; unparseable values give ``nan``.
    """
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value > 0 else math.nan
    if isinstance(value, list | tuple):
        parts = [parse_maxspeed(v) for v in value]
    else:
        text = str(value)
        if text.startswith("[") and text.endswith("]"):
            return parse_maxspeed(literal_list(text))
        parts = [_parse_one_speed(p) for p in text.split(";")]
    if not parts or any(math.isnan(p) for p in parts):
        return math.nan
    return sum(parts) / len(parts)


def _parse_one_speed(text: str) -> float:
    match = _SPEED_RE.match(text.lower())
    if match is None:
        return math.nan
    speed = float(match.group(1))
    unit = match.group(2)
    if unit == "mph":
        speed *= KPH_PER_MPH
    elif unit == "knots":
        speed *= KPH_PER_KNOT
    return speed if speed > 0 else math.nan


def oneway_direction(tags: Mapping[str, str]) -> int:
    """Driving direction of a way: ``1`` forward only, ``-1`` backward only, ``0`` both ways.

    Parameters
    ----------
    tags
        The way's OSM tags (``oneway``, ``junction``, ``highway``).
    """
    value = str(tags.get("oneway", "")).strip().lower()
    if value in _ONEWAY_FORWARD:
        return 1
    if value in _ONEWAY_BACKWARD:
        return -1
    if value in _ONEWAY_NO:
        return 0
    if tags.get("junction") in _IMPLIED_ONEWAY_JUNCTIONS:
        return 1
    if tags.get("highway") in _IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


def way_access(tags: Mapping[str, str]) -> int:
    """Access bit mask (:data:`geo.network.WALK` | :data:`geo.network.DRIVE`) of an OSM way.

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    int
        ``0`` when no mode may use the way.
    """
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes" or tags.get("access") == "private":
        return 0
    service = tags.get("service")
    access = 0
    if (
        highway in DRIVE_HIGHWAYS
        and tags.get("motor_vehicle") != "no"
        and tags.get("motorcar") != "no"
        and service not in _DRIVE_SERVICE_EXCLUDED
    ):
        access |= DRIVE
    separate = any(
        tags.get(k) == "separate"
        for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
    )
    if (
        highway in WALK_HIGHWAYS
        and tags.get("foot") != "no"
        and service != "private"
        and not separate
    ):
        access |= WALK
    return access


def mode_mask(mode: str) -> int:
    if mode not in READ_MODES:
        raise NetworkInputError.worded(
            "input.common.choice", field="mode", value=mode, expected=" / ".join(READ_MODES)
        )
    return {"walk": WALK, "drive": DRIVE, "ems": DRIVE, "all": WALK | DRIVE}[mode]


def read_pbf(
    path: Path,
    *,
    mode: str = "drive",
    simplify: bool = True,
    progress: PbfProgress | None = None,
    tally: PbfTally | None = None,
) -> Network:
    """Read an OpenStreetMap PBF file with pyosmium into a :class:`Network` (UTM).

    Two streaming passes keep memory bounded by the kept highway nodes, whatever the number of
    other nodes in the file (a province extract holds tens of millions): the first reads the
    ``highway`` ways (other ways are skipped inside libosmium) and keeps their node references
    in compact int64 buffers; the second reads only the nodes those ways reference (an
    :class:`osmium.filter.IdFilter`, again inside libosmium) with their locations. Nodes shared
    by several ways are then found by counting references with ``np.unique``.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    mode
        Which ways to keep: ``walk``, ``drive`` (= ``ems``) or ``all``.
    simplify
        Split ways only at intersections and ends (True) or keep every OSM node (False).
    progress
        Called as ``progress(stage, done_bytes, total_bytes)`` while a pass reads the file:
        ``stage`` is ``"ways"`` then ``"nodes"``; ``done_bytes`` is the file position where the
        platform tells it (Linux), else 0 until the pass ends.
    tally
        Filled with what the read saw (ways, node references, nodes located).

    Returns
    -------
    Network
        Edges carry the OSM way id, ``highway``, parsed ``oneway`` and ``maxspeed``.
    """
    mask = mode_mask(mode)
    seen = tally if tally is not None else PbfTally()
    report = _Reporter(path, progress)
    try:
        ways = _read_ways(path, mask, seen, report)
        if not ways.way_id:
            raise NetworkFormatError.worded(
                "input.network.no_ways", field="path", name=path.name, mode=mode
            )
        refs = np.frombuffer(ways.refs, dtype=np.int64)
        node_ids, node_lon, node_lat = _read_nodes(path, np.unique(refs), seen, report)
    except RuntimeError as exc:
        raise NetworkFormatError.worded(
            "input.network.unreadable_pbf", field="path", name=path.name
        ) from exc
    pieces = _located_pieces(
        refs=refs,
        way_start=np.frombuffer(ways.start, dtype=np.int64),
        way_reversed=np.frombuffer(ways.direction, dtype=np.int8) == -1,
        node_ids=node_ids,
        node_lon=node_lon,
        node_lat=node_lat,
    )
    if pieces is None:
        raise NetworkFormatError.worded(
            "input.network.no_ways", field="path", name=path.name, mode=mode
        )
    order, lon, lat, piece_start, piece_way = pieces
    names = np.asarray(sorted(ways.classes, key=ways.classes.__getitem__), dtype=str)
    way_code = np.frombuffer(ways.road_class, dtype=np.int16)
    return _network_from_pieces(
        refs=refs[order],
        lon=lon,
        lat=lat,
        piece_start=piece_start,
        piece_way=np.frombuffer(ways.way_id, dtype=np.int64)[piece_way],
        piece_highway=names[way_code[piece_way]],
        piece_oneway=np.frombuffer(ways.direction, dtype=np.int8)[piece_way] != 0,
        piece_maxspeed=np.frombuffer(ways.maxspeed_kph, dtype=np.float64)[piece_way],
        piece_access=np.frombuffer(ways.access, dtype=np.uint8)[piece_way],
        simplify=simplify,
    )


@dataclass
class _Ways:
    """The kept highway ways of a file, one compact buffer per field (no object per node)."""

    refs: "array[int]" = field(default_factory=lambda: array("q"))
    start: "array[int]" = field(default_factory=lambda: array("q"))
    way_id: "array[int]" = field(default_factory=lambda: array("q"))
    road_class: "array[int]" = field(default_factory=lambda: array("h"))
    direction: "array[int]" = field(default_factory=lambda: array("b"))
    maxspeed_kph: "array[float]" = field(default_factory=lambda: array("d"))
    access: "array[int]" = field(default_factory=lambda: array("B"))
    classes: dict[str, int] = field(default_factory=dict)


class _Reporter:
    """Progress of a pass in bytes of the file, reported every few thousand objects."""

    def __init__(self, path: Path, progress: PbfProgress | None) -> None:
        self.size_bytes = path.stat().st_size
        self._position = _FilePosition(path)
        self._progress = progress or _no_progress

    def reading(self, stage: str, count: int) -> None:
        if count % _PROGRESS_EVERY == 0:
            self._progress(stage, self._position.bytes_read(), self.size_bytes)

    def position(self, stage: str, done_bytes: int) -> None:
        self._progress(stage, done_bytes, self.size_bytes)

    def done(self, stage: str) -> None:
        self._progress(stage, self.size_bytes, self.size_bytes)


def _read_ways(path: Path, mask: int, seen: PbfTally, report: _Reporter) -> _Ways:
    # pass 1: libosmium skips the nodes and the ways without a highway tag
    import osmium

    ways = _Ways()
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        seen.highway_ways += 1
        report.reading("ways", seen.highway_ways)
        tags = {tag.k: tag.v for tag in way.tags}
        access = way_access(tags) & mask
        if not access:
            continue
        ways.start.append(len(ways.refs))
        ways.refs.extend([node.ref for node in way.nodes])
        ways.way_id.append(way.id)
        ways.road_class.append(ways.classes.setdefault(tags["highway"], len(ways.classes)))
        ways.direction.append(oneway_direction(tags))
        ways.maxspeed_kph.append(parse_maxspeed(tags.get("maxspeed")))
        ways.access.append(access)
    report.done("ways")
    seen.kept_ways = len(ways.way_id)
    seen.node_refs = len(ways.refs)
    return ways


def _read_nodes(
    path: Path, needed: NDArray[np.int64], seen: PbfTally, report: _Reporter
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    # pass 2: the referenced nodes' locations, decoded a block at a time
    seen.needed_nodes = int(needed.shape[0])
    try:
        found = read_node_locations(path, needed, lambda at: report.position("nodes", at))
    except UnsupportedBlobError:
        found = read_node_locations_osmium(path, needed, report)
    report.done("nodes")
    seen.located_nodes = int(found[0].shape[0])
    return found


def read_node_locations_osmium(
    path: Path, needed: NDArray[np.int64], report: "_Reporter | None" = None
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The locations of the ``needed`` nodes (sorted ids) with pyosmium, one node at a time.

    The slower path of the node pass, for blobs :mod:`geo.network._pbf_nodes` does not decode
    (lz4, zstd, lzma); memory stays that of the nodes kept.
    """
    import osmium

    node_ids = array("q")
    node_lon = array("d")
    node_lat = array("d")
    last = max(needed.shape[0] - 1, 0)
    for count, node in enumerate(osmium.FileProcessor(str(path), osmium.osm.NODE), 1):
        if report is not None:
            report.reading("nodes", count)
        if not isinstance(node, osmium.osm.Node) or not needed.shape[0]:
            continue
        node_id = node.id
        if needed[min(int(np.searchsorted(needed, node_id)), last)] != node_id:
            continue
        location = node.location
        if location.valid():
            node_ids.append(node_id)
            node_lon.append(location.lon)
            node_lat.append(location.lat)
    return (
        np.frombuffer(node_ids, dtype=np.int64),
        np.frombuffer(node_lon, dtype=np.float64),
        np.frombuffer(node_lat, dtype=np.float64),
    )


def _located_pieces(
    *,
    refs: NDArray[np.int64],
    way_start: NDArray[np.int64],
    way_reversed: NDArray[np.bool_],
    node_ids: NDArray[np.int64],
    node_lon: NDArray[np.float64],
    node_lat: NDArray[np.float64],
) -> (
    tuple[
        NDArray[np.int64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.int64],
        NDArray[np.int64],
    ]
    | None
):
    """Cut the ways into pieces of located nodes, in driving order.

    A way whose nodes lie partly outside the extract is split into its runs of located nodes
    (runs of one node are dropped); a ``oneway=-1`` way's runs are reversed so every piece
    runs in driving direction.

    Returns
    -------
    tuple or None
        ``(order, lon, lat, piece_start, piece_way)``: the reference positions piece after
        piece, their locations (degrees), where each piece starts in ``order`` and the way
        (index) of each piece; None when no piece has two located nodes.
    """
    n_pos = refs.shape[0]
    way_of = np.repeat(np.arange(way_start.shape[0]), np.diff(np.append(way_start, n_pos)))
    # each reference's node, from the nodes sorted by id
    by_id = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[by_id]
    at = np.minimum(np.searchsorted(sorted_ids, refs), max(sorted_ids.shape[0] - 1, 0))
    located = sorted_ids[at] == refs if sorted_ids.shape[0] else np.zeros(n_pos, dtype=np.bool_)
    del sorted_ids
    # runs of located references inside a way
    run_starts = located.copy()
    run_starts[1:] &= ~(located[:-1] & (way_of[1:] == way_of[:-1]))
    run_of = np.cumsum(run_starts) - 1
    run_length = np.bincount(run_of[located], minlength=int(run_starts.sum()))
    del run_starts
    kept = np.flatnonzero(located & (run_length[run_of] >= 2))
    del located, run_length
    if kept.shape[0] == 0:
        return None
    first = np.flatnonzero(np.diff(run_of[kept], prepend=-1) != 0)
    del run_of
    piece_way = way_of[kept[first]]
    del way_of
    # reversed ways: read each of their pieces backwards
    order = kept
    backwards = np.flatnonzero(way_reversed[piece_way])
    if backwards.shape[0]:
        last = np.append(first[1:], kept.shape[0]) - 1
        order = kept.copy()
        for piece in backwards:
            order[first[piece] : last[piece] + 1] = kept[first[piece] : last[piece] + 1][::-1]
    del kept
    node_at = by_id[at[order]]
    return order, node_lon[node_at], node_lat[node_at], first.astype(np.int64), piece_way


def _network_from_pieces(
    *,
    refs: NDArray[np.int64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    piece_start: NDArray[np.int64],
    piece_way: NDArray[np.int64],
    piece_highway: NDArray[np.str_],
    piece_oneway: NDArray[np.bool_],
    piece_maxspeed: NDArray[np.float64],
    piece_access: NDArray[np.uint8],
    simplify: bool,
) -> Network:
    """Split way pieces (runs of OSM nodes) into edges between kept nodes and build the network.

    Per-position arrays are freed as soon as they are used: a province holds millions of
    positions, and the peak memory is a few of them at a time.
    """
    n_pos = refs.shape[0]
    piece_end = np.append(piece_start[1:], n_pos)

    # kept positions: piece ends, and nodes used more than once (intersections)
    kept = _shared_refs(refs) if simplify else np.ones(n_pos, dtype=np.bool_)
    kept[piece_start] = True
    kept[piece_end - 1] = True
    pos = np.flatnonzero(kept)
    del kept
    pos_piece = np.searchsorted(piece_start, pos, side="right") - 1
    pairs = pos_piece[1:] == pos_piece[:-1]
    a, b = pos[:-1][pairs], pos[1:][pairs]
    edge_piece = pos_piece[:-1][pairs]
    del pos_piece, pairs

    # great-circle length of an edge: the steps j -> j+1 between its ends, summed
    cum = _cumulative_steps_m(lon, lat, piece_start)
    length_m = cum[b] - cum[a]
    del cum

    # nodes: the kept OSM nodes, compacted (any position of a node has its location)
    node_refs, first = np.unique(refs[pos], return_index=True)
    node_pos = pos[first]
    del pos, first
    edge_u = np.searchsorted(node_refs, refs[a])
    edge_v = np.searchsorted(node_refs, refs[b])
    del a, b
    crs = utm_crs(float(np.mean(lon[node_pos])), float(np.mean(lat[node_pos])))
    x, y = project_lonlat(lon[node_pos], lat[node_pos], crs)
    import pandas as pd

    # classes as a categorical: one string per class, not per edge
    classes, class_of_piece = np.unique(piece_highway, return_inverse=True)
    highway = pd.Categorical.from_codes(class_of_piece[edge_piece], categories=classes.tolist())
    return network_from_arrays(
        x,
        y,
        edge_u,
        edge_v,
        highway,
        crs=crs,
        oneway=piece_oneway[edge_piece],
        length_m=length_m,
        maxspeed_kph=piece_maxspeed[edge_piece],
        way_id=piece_way[edge_piece],
        node_id=node_refs,
        access=piece_access[edge_piece],
    )


def _shared_refs(refs: NDArray[np.int64]) -> NDArray[np.bool_]:
    # True where a node reference occurs more than once (a sort, then neighbours compared)
    order = np.argsort(refs, kind="stable")
    ordered = refs[order]
    equal = ordered[1:] == ordered[:-1]
    del ordered
    repeated = np.zeros(refs.shape[0], dtype=np.bool_)
    repeated[1:] = equal
    repeated[:-1] |= equal
    shared = np.empty_like(repeated)
    shared[order] = repeated
    return shared


# positions per block of the length computation (bounds its temporaries)
_STEP_BLOCK = 1 << 20


def _cumulative_steps_m(
    lon: NDArray[np.float64], lat: NDArray[np.float64], piece_start: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Great-circle distance from the first position to each position, metres.

    Steps between pieces count zero, so ``cum[b] - cum[a]`` is the length along a piece.
    """
    n_pos = lon.shape[0]
    step = np.zeros(n_pos)
    for start in range(0, max(n_pos - 1, 0), _STEP_BLOCK):
        stop = min(start + _STEP_BLOCK, n_pos - 1)
        step[start:stop] = _haversine_m(
            lon[start:stop], lat[start:stop], lon[start + 1 : stop + 1], lat[start + 1 : stop + 1]
        )
    step[piece_start[1:] - 1] = 0.0
    cum = np.empty(n_pos)
    cum[0:1] = 0.0
    np.cumsum(step[:-1], out=cum[1:])
    return cum


def _haversine_m(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    # haversine great-circle distance, the formula of osmnx.distance.great_circle
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = np.radians(lon2 - lon1)
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    h = np.minimum(h, 1.0)
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h)), dtype=np.float64)


def project_lonlat(
    lon: NDArray[np.float64], lat: NDArray[np.float64], crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def literal_list(text: str) -> list[Any]:
    # GraphML stores list attributes as their Python repr
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [text]
    return list(value) if isinstance(value, list | tuple) else [value]
