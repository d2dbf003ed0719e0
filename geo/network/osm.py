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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.errors import NetworkFormatError, NetworkInputError
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


def utm_crs(lon: float, lat: float) -> str:
    """EPSG code of the WGS84 UTM zone containing ``(lon, lat)`` degrees, e.g. ``"EPSG:32649"``."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        msg = f"cannot choose a UTM zone for a non-finite centroid ({lon}, {lat})"
        raise NetworkInputError(msg)
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
        msg = f"unknown read mode {mode!r}; expected one of {', '.join(READ_MODES)}"
        raise NetworkInputError(msg)
    return {"walk": WALK, "drive": DRIVE, "ems": DRIVE, "all": WALK | DRIVE}[mode]


def read_pbf(path: Path, *, mode: str = "drive", simplify: bool = True) -> Network:
    """Read an OpenStreetMap PBF file with pyosmium into a :class:`Network` (UTM).

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    mode
        Which ways to keep: ``walk``, ``drive`` (= ``ems``) or ``all``.
    simplify
        Split ways only at intersections and ends (True) or keep every OSM node (False).

    Returns
    -------
    Network
        Edges carry the OSM way id, ``highway``, parsed ``oneway`` and ``maxspeed``.
    """
    import osmium

    mask = mode_mask(mode)
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    piece_start: list[int] = []
    piece_way: list[int] = []
    piece_highway: list[str] = []
    piece_oneway: list[int] = []
    piece_maxspeed: list[float] = []
    piece_access: list[int] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = {tag.k: tag.v for tag in way.tags}
            access = way_access(tags) & mask
            if not access:
                continue
            direction = oneway_direction(tags)
            maxspeed = parse_maxspeed(tags.get("maxspeed"))
            # a way whose nodes lie outside the extract is split into its located runs
            run: list[tuple[int, float, float]] = []
            runs: list[list[tuple[int, float, float]]] = []
            for node in way.nodes:
                if node.location.valid():
                    run.append((node.ref, node.location.lon, node.location.lat))
                elif run:
                    runs.append(run)
                    run = []
            runs.append(run)
            for located in runs:
                if len(located) < 2:
                    continue
                # oneway=-1: store the way reversed so every piece runs in driving direction
                ordered = located[::-1] if direction == -1 else located
                piece_start.append(len(refs))
                for ref, lon, lat in ordered:
                    refs.append(ref)
                    lons.append(lon)
                    lats.append(lat)
                piece_way.append(way.id)
                piece_highway.append(tags["highway"])
                piece_oneway.append(direction != 0)
                piece_maxspeed.append(maxspeed)
                piece_access.append(access)
    except RuntimeError as exc:
        msg = f"{path}: not a readable OpenStreetMap PBF file ({exc})"
        raise NetworkFormatError(msg) from exc
    if not piece_start:
        msg = f"{path}: no {mode} ways with located nodes"
        raise NetworkFormatError(msg)
    return _network_from_pieces(
        refs=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons),
        lat=np.asarray(lats),
        piece_start=np.asarray(piece_start, dtype=np.int64),
        piece_way=np.asarray(piece_way, dtype=np.int64),
        piece_highway=np.asarray(piece_highway, dtype=str),
        piece_oneway=np.asarray(piece_oneway, dtype=np.bool_),
        piece_maxspeed=np.asarray(piece_maxspeed, dtype=np.float64),
        piece_access=np.asarray(piece_access, dtype=np.uint8),
        simplify=simplify,
    )


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
    """Split way pieces (runs of OSM nodes) into edges between kept nodes and build the network."""
    n_pos = refs.shape[0]
    piece_end = np.append(piece_start[1:], n_pos)
    piece_of = np.repeat(np.arange(piece_start.shape[0]), piece_end - piece_start)

    # great-circle length of each step j -> j+1 inside a piece (0 across piece boundaries)
    step = np.zeros(n_pos)
    same = piece_of[1:] == piece_of[:-1]
    step[:-1] = np.where(same, _haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(step)[:-1]])

    # kept positions: piece ends, and nodes used more than once (intersections)
    kept = np.zeros(n_pos, dtype=np.bool_)
    kept[piece_start] = True
    kept[piece_end - 1] = True
    unique_refs, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
    kept |= (counts[inverse] > 1) if simplify else np.ones(n_pos, dtype=np.bool_)

    pos = np.flatnonzero(kept)
    pairs = piece_of[pos[1:]] == piece_of[pos[:-1]]
    a, b = pos[:-1][pairs], pos[1:][pairs]
    edge_piece = piece_of[a]

    # nodes: the kept OSM nodes, compacted
    node_refs = np.unique(refs[pos])
    node_of_pos = np.searchsorted(node_refs, refs)
    first_pos = np.full(node_refs.shape[0], -1, dtype=np.int64)
    first_pos[node_of_pos[pos[::-1]]] = pos[::-1]
    del unique_refs
    crs = utm_crs(float(np.mean(lon[first_pos])), float(np.mean(lat[first_pos])))
    x, y = project_lonlat(lon[first_pos], lat[first_pos], crs)
    return network_from_arrays(
        x,
        y,
        node_of_pos[a],
        node_of_pos[b],
        piece_highway[edge_piece],
        crs=crs,
        oneway=piece_oneway[edge_piece],
        length_m=cum[b] - cum[a],
        maxspeed_kph=piece_maxspeed[edge_piece],
        way_id=piece_way[edge_piece],
        node_id=node_refs,
        access=piece_access[edge_piece],
    )


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
