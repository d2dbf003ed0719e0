"""Synthetic road networks that fill a real boundary polygon, for benchmarks and demos.

No city-scale OSM extract of a Hunan city is available offline, so this module builds a plausible,
deterministic stand-in inside a real boundary (a county or city of ``hunan_counties.geojson``
projected to a metric CRS such as EPSG:32649). Everything it returns is labelled: a
:class:`SyntheticRoads` has ``synthetic = True`` and :func:`build_synthetic_network` passes
``synthetic=True`` to :func:`geo.network.network_from_arrays`. Real OSM input always takes
precedence; use this only where no extract of the area exists.

The hierarchy is built around seats (towns), each an ``(x, y, weight)``:

1. town street grids on 100–150 m blocks, rotated and with a wavy outline, one per seat, sized so
   that a seat's share of the urban nodes is its share of the weight; streets are residential,
   every fourth line tertiary, every eighth secondary and the two axes through the seat primary;
2. sparse rural roads: a jittered square lattice over the rest of the boundary, thinned to a random
   spanning tree plus a share of its loops (some of them tracks), joined to the town grids at
   their fringe;
3. motorways between the larger third of the seats along the minimum spanning tree of their
   Delaunay triangulation, on their own nodes (one per km), joined to other roads only at
   interchanges (every ~10 km) and at town fringes;
4. a trunk road beside each motorway (the older national road), and between neighbouring seats
   (the Delaunay triangulation of all seats) primary roads joining two larger seats, secondary
   roads joining one larger seat or on the seats' spanning tree, tertiary roads otherwise; and
   four tertiary roads radiating from every seat along its grid axes. These are laid on the
   existing nodes nearest to the straight line between their ends (so they cross the towns);
5. every piece left apart (clipped grid corners, islands of a MultiPolygon) linked to the largest
   connected component by its shortest link.

All nodes lie inside the boundary; edges are straight two-way segments. The output is a pure
function of ``(boundary, parameters, seed)``: one seed gives the same arrays, byte for byte.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import SyntheticInputError
from geo.network import Network, network_from_arrays
from geo.synthetic._graph import (
    dedupe_edges,
    lattice_edges,
    link_components,
    link_nearest,
    snapped_path_edges,
)

__all__ = [
    "DEFAULT_URBAN_SHARE",
    "HIGHWAY_CLASSES",
    "NODE_COUNT_TOLERANCE",
    "SyntheticInputError",
    "SyntheticRoads",
    "build_synthetic_network",
    "generate_road_arrays",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
ClassArray = NDArray[np.int8]

# OSM highway values used, most important first; edges carry an index into this tuple
HIGHWAY_CLASSES: Final[tuple[str, ...]] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "unclassified",
    "track",
)
_MOTORWAY, _TRUNK, _PRIMARY, _SECONDARY, _TERTIARY, _RESIDENTIAL, _UNCLASSIFIED, _TRACK = range(8)

# Hunan's urban population share at the 2020 census (58.76 %, population-weighted
# urban_share_census of ../shared/data/hunan/hunan_county_population_2020.csv): nodes follow people
DEFAULT_URBAN_SHARE: Final = 0.5876
# block edge (m): the 100–150 m dense grid, i.e. 13–20 km of street per km², above the
# 8 km/km² the 2016 State Council opinions on urban planning (中发〔2016〕6号) set for
# built-up areas
DEFAULT_BLOCK_MIN_M: Final = 100.0
DEFAULT_BLOCK_MAX_M: Final = 150.0
# modelling choices for the rural network: share of lattice loops kept beyond the spanning tree,
# and share of those loops that are tracks (never bridges, so a drive graph stays connected)
DEFAULT_RURAL_LOOP_SHARE: Final = 0.3
DEFAULT_TRACK_SHARE: Final = 0.3
# one default seat per ~100 km²: modelling choice, the order of township spacing in rural Hunan
_DEFAULT_SEAT_AREA_M2: Final = 100e6
# default seats get at least ~50 town nodes each, so small targets get fewer towns
_MIN_TOWN_NODES: Final = 50
# default town weights after the first: 0.3 / rank (a rank-size rule; modelling choice)
_TOWN_WEIGHT: Final = 0.3
# jitter of rural lattice points, as a fraction of the lattice spacing (modelling choice)
_RURAL_JITTER: Final = 0.35
# the town outline: harmonics 2..4 of the radius with amplitudes up to 12 % (modelling choice)
_OUTLINE_HARMONICS: Final = np.array([2.0, 3.0, 4.0])
_OUTLINE_MAX_AMPLITUDE: Final = 0.12
# every fourth / eighth grid line is a tertiary / secondary street: ~0.5 / ~1 km apart
_TERTIARY_EVERY: Final = 4
_SECONDARY_EVERY: Final = 8
# the larger third of the seats get motorways (modelling choice)
_MAJOR_SEAT_SHARE: Final = 1.0 / 3.0
# motorway shape points every km, an interchange every 10th (~10 km apart; modelling choice)
_MOTORWAY_NODE_SPACING_M: Final = 1000.0
_INTERCHANGE_EVERY: Final = 10
# tertiary roads radiating from each seat, continuing the four grid axes
_RADIALS_PER_SEAT: Final = 4
# a snapped arterial step longer than this many rural spacings jumps a gap and is dropped
_MAX_STEP_SPACINGS: Final = 3.0
# promised accuracy of the node count (the issue's ±10 %)
NODE_COUNT_TOLERANCE: Final = 0.10
# the node-count calibration stops within 3 %
_CALIBRATION_TOLERANCE: Final = 0.03
_CALIBRATION_ROUNDS: Final = 6
# town grids may cover at most half the boundary: beyond that the blocks shrink instead
_MAX_URBAN_AREA_SHARE: Final = 0.5
# size limits: below 100 nodes there is no hierarchy; 2 M keeps peak memory well under 2 GB
MIN_TARGET_NODES: Final = 100
MAX_TARGET_NODES: Final = 2_000_000


@dataclass(frozen=True)
class SyntheticRoads:
    """A synthetic road network as arrays, in the boundary's metric CRS.

    Attributes
    ----------
    x, y
        Node coordinates in metres.
    edge_u, edge_v
        End nodes of each road segment (indices into ``x``); each segment is two-way.
    highway
        OSM ``highway`` value of each segment (``motorway`` … ``track``).
    oneway
        Whether each segment is one-way (always False here: every road is two-way).
    urban
        Whether each node belongs to a town street grid.
    seat_x, seat_y, seat_weight
        The seats the network was built around (metres, relative weight), heaviest first.
    seat_node
        The node nearest each seat.
    synthetic
        Always True: this network is invented, not surveyed.
    """

    x: FloatArray
    y: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    highway: NDArray[np.str_]
    oneway: BoolArray
    urban: BoolArray
    seat_x: FloatArray
    seat_y: FloatArray
    seat_weight: FloatArray
    seat_node: IntArray
    synthetic: bool = True

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of two-way road segments."""
        return int(self.edge_u.shape[0])


@dataclass(frozen=True)
class _Seats:
    x: FloatArray
    y: FloatArray
    weight: FloatArray


@dataclass(frozen=True)
class _TownShapes:
    """Per-seat random shape parameters, drawn once so calibration rounds stay comparable."""

    block_m: FloatArray
    angle_rad: FloatArray
    amplitude: NDArray[np.float64]
    phase_rad: NDArray[np.float64]


@dataclass(frozen=True)
class _Part:
    """Nodes and edges of one layer of the network (local node numbering)."""

    x: FloatArray
    y: FloatArray
    u: IntArray
    v: IntArray
    cls: ClassArray


def generate_road_arrays(
    boundary: BaseGeometry,
    *,
    target_nodes: int,
    seats: Sequence[tuple[float, float, float]] | None = None,
    seed: int = 0,
    urban_share: float = DEFAULT_URBAN_SHARE,
    block_min_m: float = DEFAULT_BLOCK_MIN_M,
    block_max_m: float = DEFAULT_BLOCK_MAX_M,
    rural_loop_share: float = DEFAULT_RURAL_LOOP_SHARE,
    track_share: float = DEFAULT_TRACK_SHARE,
) -> SyntheticRoads:
    """Generate a synthetic road network filling ``boundary``.

    Parameters
    ----------
    boundary
        The area to fill: a Polygon or MultiPolygon (polygons of a GeometryCollection, as
        ``shapely.make_valid`` may return, are taken) in a metric CRS (metres), e.g. a Hunan
        county in EPSG:32649.
    target_nodes
        Wanted number of nodes; the result is within 10 % of it (usually within 3 %).
    seats
        Towns to build around, as ``(x, y, weight)`` with x, y in metres inside ``boundary`` and
        weight > 0 (e.g. census population). None places one main seat at the boundary's
        representative point and about one smaller town per 100 km² by a seeded jittered lattice.
    seed
        Seed of every random choice; the same seed gives the same arrays.
    urban_share
        Share of the nodes (0–1) in town street grids; the default is Hunan's 2020 urban share.
    block_min_m, block_max_m
        Range of the town block edge in metres, drawn per town. Blocks shrink below it only when
        the towns would otherwise cover more than half the boundary (huge targets on small areas).
    rural_loop_share
        Share (0–1) of the rural lattice's loops kept beyond its random spanning tree.
    track_share
        Share (0–1) of those kept loops tagged ``track`` rather than ``unclassified``.

    Returns
    -------
    SyntheticRoads
        Node and edge arrays, with ``synthetic = True``.

    Raises
    ------
    SyntheticInputError
        When the boundary is empty or not in metres, a seat lies outside it, or a parameter is out
        of range.
    """
    _check_parameters(
        target_nodes=target_nodes,
        urban_share=urban_share,
        block_min_m=block_min_m,
        block_max_m=block_max_m,
        rural_loop_share=rural_loop_share,
        track_share=track_share,
    )
    boundary = _polygonal(boundary)
    shapely.prepare(boundary)
    rng = np.random.default_rng(seed)

    # seats, heaviest first, and their town shapes (drawn once, before any calibration)
    urban_target = max(1, round(target_nodes * urban_share))
    seat = _seats(boundary, seats, rng, max_seats=max(1, urban_target // _MIN_TOWN_NODES))
    n_seats = int(seat.x.shape[0])
    shapes = _TownShapes(
        block_m=rng.uniform(block_min_m, block_max_m, n_seats),
        angle_rad=rng.uniform(0.0, math.pi / 2.0, n_seats),
        amplitude=rng.uniform(0.0, _OUTLINE_MAX_AMPLITUDE, (n_seats, _OUTLINE_HARMONICS.size)),
        phase_rad=rng.uniform(0.0, 2.0 * math.pi, (n_seats, _OUTLINE_HARMONICS.size)),
    )
    layers = _layers(
        boundary,
        seat,
        shapes,
        target_nodes=target_nodes,
        urban_target=urban_target,
        rng=rng,
        loop_share=rural_loop_share,
        track_share=track_share,
    )
    n_nodes = layers.n_nodes
    if abs(n_nodes / target_nodes - 1.0) > NODE_COUNT_TOLERANCE:
        msg = (
            f"could not fit target_nodes={target_nodes} into the boundary with {n_seats} seats "
            f"(got {n_nodes} nodes); give fewer seats or a larger target"
        )
        raise SyntheticInputError(msg)
    x, y, edge_u, edge_v, edge_cls = _join(boundary, seat, layers)
    urban = np.zeros(n_nodes, dtype=np.bool_)
    urban[: layers.town.x.shape[0]] = True
    _, seat_node = cKDTree(np.column_stack([x, y])).query(np.column_stack([seat.x, seat.y]))
    return SyntheticRoads(
        x=x,
        y=y,
        edge_u=edge_u,
        edge_v=edge_v,
        highway=np.asarray(HIGHWAY_CLASSES)[edge_cls],
        oneway=np.zeros(edge_u.shape[0], dtype=np.bool_),
        urban=urban,
        seat_x=seat.x,
        seat_y=seat.y,
        seat_weight=seat.weight,
        seat_node=np.asarray(seat_node, dtype=np.int64),
    )


@dataclass(frozen=True)
class _Layers:
    """The network's layers before they are joined (each numbered from 0)."""

    town: _Part
    town_seat: IntArray
    radius_m: FloatArray
    grid_angle_rad: FloatArray
    block_max_m: float
    major: int
    motorway_pairs: IntArray
    motorway: _Part
    motorway_ends: IntArray
    interchanges: IntArray
    rural: _Part
    rural_fringe: IntArray
    spacing_m: float

    @property
    def n_nodes(self) -> int:
        return int(self.town.x.shape[0] + self.rural.x.shape[0] + self.motorway.x.shape[0])


def _layers(
    boundary: Polygon | MultiPolygon,
    seat: _Seats,
    shapes: _TownShapes,
    *,
    target_nodes: int,
    urban_target: int,
    rng: np.random.Generator,
    loop_share: float,
    track_share: float,
) -> _Layers:
    """Build the towns, motorways and rural lattice, sized to ``target_nodes`` together."""
    major = _major_seat_count(seat.x.shape[0])
    motorway_pairs = _pairs_inside(boundary, seat, _spanning_pairs(seat.x[:major], seat.y[:major]))

    # town grids first: their size is what the urban share asks for
    shapes = _fit_blocks(shapes, seat, urban_target, boundary.area)
    town, town_seat, radius_m = _calibrated_towns(boundary, seat, shapes, urban_target)
    town_tree = cKDTree(np.column_stack([town.x, town.y]))

    # motorway shape points outside the towns, then the rural lattice fills the remaining count
    block_max_m = float(shapes.block_m.max())
    motorway, motorway_ends, interchanges = _motorways(seat, motorway_pairs, town_tree, block_max_m)
    rural_target = max(1, target_nodes - town.x.shape[0] - motorway.x.shape[0])
    rural_area_m2 = max(boundary.area - float(np.sum(math.pi * radius_m**2)), 0.05 * boundary.area)
    rural, rural_fringe, spacing_m = _calibrated_rural(
        boundary,
        rural_target=rural_target,
        rural_area_m2=rural_area_m2,
        town_tree=town_tree,
        block_max_m=block_max_m,
        rng=rng,
    )
    rural = _thin_rural(rural, rng, loop_share=loop_share, track_share=track_share)
    return _Layers(
        town=town,
        town_seat=town_seat,
        radius_m=radius_m,
        grid_angle_rad=shapes.angle_rad,
        block_max_m=block_max_m,
        major=major,
        motorway_pairs=motorway_pairs,
        motorway=motorway,
        motorway_ends=motorway_ends,
        interchanges=interchanges,
        rural=rural,
        rural_fringe=rural_fringe,
        spacing_m=spacing_m,
    )


def _join(
    boundary: Polygon | MultiPolygon, seat: _Seats, layers: _Layers
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, ClassArray]:
    """Number all nodes (towns, rural, motorways), add junctions and arterials, connect all."""
    town, rural, motorway = layers.town, layers.rural, layers.motorway
    n_town, n_rural = town.x.shape[0], rural.x.shape[0]
    ground = n_town + n_rural
    x = np.concatenate([town.x, rural.x, motorway.x])
    y = np.concatenate([town.y, rural.y, motorway.y])
    n_nodes = x.shape[0]
    parts = [
        (town.u, town.v, town.cls),
        (rural.u + n_town, rural.v + n_town, rural.cls),
        (motorway.u + ground, motorway.v + ground, motorway.cls),
    ]

    # junctions: rural fringe to towns, seams between neighbouring towns, motorway ramps
    town_tree = cKDTree(np.column_stack([town.x, town.y]))
    fringe = layers.rural_fringe + n_town
    parts.append(
        (fringe, link_nearest(town_tree, x[fringe], y[fringe]), _codes(fringe, _UNCLASSIFIED))
    )
    seam_u, seam_v = _town_seams(town, layers.town_seat, town_tree, layers.block_max_m)
    parts.append((seam_u, seam_v, _codes(seam_u, _RESIDENTIAL)))
    ground_tree = cKDTree(np.column_stack([x[:ground], y[:ground]]))
    ramps = np.concatenate([layers.motorway_ends, layers.interchanges]) + ground
    parts.append((ramps, link_nearest(ground_tree, x[ramps], y[ramps]), _codes(ramps, _MOTORWAY)))

    # arterials between and out of the seats, on the nodes nearest their straight line
    parts.append(
        _arterials(boundary, seat, layers, ground_tree=ground_tree, x=x[:ground], y=y[:ground])
    )

    # one edge per node pair (most important class wins), then everything in one component
    edge_u, edge_v, edge_cls = dedupe_edges(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        n_nodes,
    )
    link_u, link_v = link_components(x, y, edge_u, edge_v)
    if link_u.shape[0]:
        edge_u, edge_v, edge_cls = dedupe_edges(
            np.concatenate([edge_u, link_u]),
            np.concatenate([edge_v, link_v]),
            np.concatenate([edge_cls, _codes(link_u, _UNCLASSIFIED)]),
            n_nodes,
        )
    return x, y, edge_u, edge_v, edge_cls


def _codes(like: IntArray, code: int) -> ClassArray:
    """Return ``code`` repeated once per element of ``like``."""
    return np.full(like.shape[0], code, dtype=np.int8)


def build_synthetic_network(
    boundary: BaseGeometry,
    *,
    crs: str,
    target_nodes: int,
    seats: Sequence[tuple[float, float, float]] | None = None,
    seed: int = 0,
    urban_share: float = DEFAULT_URBAN_SHARE,
    block_min_m: float = DEFAULT_BLOCK_MIN_M,
    block_max_m: float = DEFAULT_BLOCK_MAX_M,
    rural_loop_share: float = DEFAULT_RURAL_LOOP_SHARE,
    track_share: float = DEFAULT_TRACK_SHARE,
) -> Network:
    """Build a :class:`~geo.network.Network` from :func:`generate_road_arrays`, marked synthetic.

    Parameters
    ----------
    boundary
        The area to fill, in the metric CRS ``crs`` (metres).
    crs
        The boundary's CRS, e.g. ``"EPSG:32649"``.
    target_nodes, seats, seed, urban_share, block_min_m, block_max_m, rural_loop_share, track_share
        As for :func:`generate_road_arrays`.

    Returns
    -------
    Network
        The network, built with ``synthetic=True``; speeds follow the ``highway`` classes.
    """
    roads = generate_road_arrays(
        boundary,
        target_nodes=target_nodes,
        seats=seats,
        seed=seed,
        urban_share=urban_share,
        block_min_m=block_min_m,
        block_max_m=block_max_m,
        rural_loop_share=rural_loop_share,
        track_share=track_share,
    )
    return network_from_arrays(
        roads.x,
        roads.y,
        roads.edge_u,
        roads.edge_v,
        roads.highway,
        crs=crs,
        oneway=roads.oneway,
        urban=roads.urban,
        synthetic=True,
    )


def _check_parameters(
    *,
    target_nodes: int,
    urban_share: float,
    block_min_m: float,
    block_max_m: float,
    rural_loop_share: float,
    track_share: float,
) -> None:
    if not MIN_TARGET_NODES <= target_nodes <= MAX_TARGET_NODES:
        msg = (
            f"target_nodes must be in [{MIN_TARGET_NODES}, {MAX_TARGET_NODES}], got {target_nodes}"
        )
        raise SyntheticInputError(msg)
    for name, share in (
        ("urban_share", urban_share),
        ("rural_loop_share", rural_loop_share),
        ("track_share", track_share),
    ):
        if not 0.0 <= share <= 1.0:
            msg = f"{name} must be in [0, 1], got {share}"
            raise SyntheticInputError(msg)
    if not 0.0 < block_min_m <= block_max_m:
        msg = f"need 0 < block_min_m <= block_max_m, got {block_min_m} and {block_max_m}"
        raise SyntheticInputError(msg)


def _polygonal(boundary: BaseGeometry) -> Polygon | MultiPolygon:
    """Return ``boundary`` as a non-empty Polygon or MultiPolygon, in metres, or raise."""
    if isinstance(boundary, GeometryCollection) and not isinstance(boundary, MultiPolygon):
        # shapely.make_valid may return polygons mixed with slivers of lower dimension
        polygons = [g for g in boundary.geoms if isinstance(g, Polygon | MultiPolygon)]
        boundary = MultiPolygon(
            [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
        )
    if not isinstance(boundary, Polygon | MultiPolygon) or boundary.is_empty:
        msg = f"boundary must be a non-empty Polygon or MultiPolygon, got {type(boundary).__name__}"
        raise SyntheticInputError(msg)
    min_x, min_y, max_x, max_y = boundary.bounds
    # a whole county in degrees is far below 1 km² of "area": the CRS is geographic, not metric
    if boundary.area < 1e6 and -180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90:
        msg = "boundary looks like longitude/latitude degrees; project it to metres (EPSG:32649)"
        raise SyntheticInputError(msg)
    return boundary


def _seats(
    boundary: Polygon | MultiPolygon,
    seats: Sequence[tuple[float, float, float]] | None,
    rng: np.random.Generator,
    *,
    max_seats: int,
) -> _Seats:
    """Return the seats sorted by weight, heaviest first (stable), checked or placed."""
    if seats is None:
        sx, sy, sw = _default_seats(boundary, rng, max_seats)
    else:
        arr = np.asarray(seats, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
            msg = f"seats must be a non-empty sequence of (x, y, weight), got shape {arr.shape}"
            raise SyntheticInputError(msg)
        sx, sy, sw = arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()
        bad_weight = ~np.isfinite(sw) | (sw <= 0)
        if bad_weight.any():
            msg = f"seat weights must be finite and > 0; bad rows {np.flatnonzero(bad_weight)[:5]}"
            raise SyntheticInputError(msg)
        outside = ~shapely.contains_xy(boundary, sx, sy)
        if outside.any():
            msg = (
                f"{int(outside.sum())} seats lie outside the boundary, e.g. row {outside.argmax()}"
            )
            raise SyntheticInputError(msg)
    order = np.argsort(-sw, kind="stable")
    return _Seats(x=sx[order], y=sy[order], weight=sw[order])


def _default_seats(
    boundary: Polygon | MultiPolygon, rng: np.random.Generator, max_seats: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Place a main seat at the largest part's representative point, towns on a jittered lattice."""
    parts = list(boundary.geoms) if isinstance(boundary, MultiPolygon) else [boundary]
    main = max(parts, key=lambda p: p.area).representative_point()
    n_towns = max(0, min(round(boundary.area / _DEFAULT_SEAT_AREA_M2), max_seats) - 1)
    spacing_m = math.sqrt(_DEFAULT_SEAT_AREA_M2)
    lx, ly, _ = _jittered_lattice(boundary.bounds, spacing_m, rng)
    keep = shapely.contains_xy(boundary, lx, ly)
    # no town within half a spacing of the main seat: its grid is there
    keep &= np.hypot(lx - main.x, ly - main.y) > 0.5 * spacing_m
    lx, ly = lx[keep], ly[keep]
    if lx.shape[0] > n_towns:
        pick = np.sort(rng.choice(lx.shape[0], size=n_towns, replace=False))
        lx, ly = lx[pick], ly[pick]
    rank = rng.permutation(lx.shape[0]) + 1.0
    sx = np.concatenate([[main.x], lx])
    sy = np.concatenate([[main.y], ly])
    sw = np.concatenate([[1.0], _TOWN_WEIGHT / rank])
    return sx, sy, sw


def _jittered_lattice(
    bounds: tuple[float, float, float, float], spacing_m: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, tuple[int, int]]:
    """Return a jittered square lattice of ``spacing_m`` over ``bounds``, raveled, and its shape."""
    min_x, min_y, max_x, max_y = bounds
    n_x = math.ceil((max_x - min_x) / spacing_m) + 1
    n_y = math.ceil((max_y - min_y) / spacing_m) + 1
    offset = rng.uniform(0.0, spacing_m, 2)
    gx, gy = np.meshgrid(
        min_x - offset[0] + spacing_m * np.arange(n_x),
        min_y - offset[1] + spacing_m * np.arange(n_y),
    )
    jitter = rng.uniform(-_RURAL_JITTER, _RURAL_JITTER, (2, n_y, n_x)) * spacing_m
    return (gx + jitter[0]).ravel(), (gy + jitter[1]).ravel(), (n_y, n_x)


def _major_seat_count(n_seats: int) -> int:
    return min(n_seats, max(2, math.ceil(n_seats * _MAJOR_SEAT_SHARE)))


def _candidate_pairs(x: FloatArray, y: FloatArray) -> IntArray:
    """Return seat pairs of the Delaunay triangulation (all pairs when it does not exist)."""
    n = x.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if n >= 3:
        try:
            tri = Delaunay(np.column_stack([x, y]))
        except QhullError:
            tri = None
        if tri is not None:
            simplices = np.asarray(tri.simplices, dtype=np.int64)
            pairs = np.concatenate(
                [simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]]
            )
            return np.unique(np.sort(pairs, axis=1), axis=0)
    i, j = np.triu_indices(n, k=1)
    return np.column_stack([i, j]).astype(np.int64)


def _spanning_pairs(x: FloatArray, y: FloatArray) -> IntArray:
    """Return the pairs of the Euclidean minimum spanning tree over the Delaunay pairs."""
    pairs = _candidate_pairs(x, y)
    if pairs.shape[0] == 0:
        return pairs
    n = x.shape[0]
    length_m = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
    graph = sparse.coo_matrix((length_m + 1e-9, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(graph.tocsr()).tocoo()
    out = np.column_stack([tree.row, tree.col]).astype(np.int64)
    return np.unique(np.sort(out, axis=1), axis=0)


def _pairs_inside(boundary: Polygon | MultiPolygon, seat: _Seats, pairs: IntArray) -> IntArray:
    """Keep the seat pairs whose straight line stays inside the boundary."""
    if pairs.shape[0] == 0:
        return pairs
    coords = np.stack(
        [
            np.column_stack([seat.x[pairs[:, 0]], seat.y[pairs[:, 0]]]),
            np.column_stack([seat.x[pairs[:, 1]], seat.y[pairs[:, 1]]]),
        ],
        axis=1,
    )
    lines = shapely.linestrings(coords)
    inside: BoolArray = np.asarray(shapely.covers(boundary, lines), dtype=np.bool_)
    return pairs[inside]


def _fit_blocks(
    shapes: _TownShapes, seat: _Seats, urban_target: int, area_m2: float
) -> _TownShapes:
    """Shrink the blocks when the towns would cover more than half the boundary."""
    share = seat.weight / seat.weight.sum()
    urban_area_m2 = float(np.sum(urban_target * share * shapes.block_m**2))
    limit_m2 = _MAX_URBAN_AREA_SHARE * area_m2
    if urban_area_m2 <= limit_m2:
        return shapes
    factor = math.sqrt(limit_m2 / urban_area_m2)
    return _TownShapes(
        block_m=shapes.block_m * factor,
        angle_rad=shapes.angle_rad,
        amplitude=shapes.amplitude,
        phase_rad=shapes.phase_rad,
    )


def _outline_factor(
    theta_rad: FloatArray, amplitude: FloatArray, phase_rad: FloatArray
) -> FloatArray:
    """Return the wavy outline's radius factor at angles ``theta_rad`` (1 = the mean circle)."""
    waves = np.cos(np.multiply.outer(theta_rad, _OUTLINE_HARMONICS) + phase_rad)
    factor: FloatArray = 1.0 + waves @ amplitude
    return factor


def _inside_town(
    x: FloatArray, y: FloatArray, k: int, *, seat: _Seats, shapes: _TownShapes, radius_m: FloatArray
) -> BoolArray:
    """Return which points lie inside town ``k``'s outline."""
    dx, dy = x - seat.x[k], y - seat.y[k]
    theta = np.arctan2(dy, dx) - shapes.angle_rad[k]
    limit = radius_m[k] * _outline_factor(theta, shapes.amplitude[k], shapes.phase_rad[k])
    inside: BoolArray = np.hypot(dx, dy) <= limit
    return inside


def _street_class(line: IntArray) -> ClassArray:
    """Return the class of town streets on grid line ``line`` (0 = the axis through the seat)."""
    cls = np.full(line.shape[0], _RESIDENTIAL, dtype=np.int8)
    cls[line % _TERTIARY_EVERY == 0] = _TERTIARY
    cls[line % _SECONDARY_EVERY == 0] = _SECONDARY
    cls[line == 0] = _PRIMARY
    return cls


def _towns(
    boundary: Polygon | MultiPolygon, seat: _Seats, shapes: _TownShapes, radius_m: FloatArray
) -> tuple[_Part, IntArray]:
    """Build every town grid (clipped to the boundary and to heavier towns) and its seat index."""
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    us: list[IntArray] = []
    vs: list[IntArray] = []
    classes: list[ClassArray] = []
    seat_of: list[IntArray] = []
    reach_m = radius_m * (1.0 + shapes.amplitude.sum(axis=1))
    offset = 0
    # one loop per town (not per node): each grid is built with array operations
    for k in range(seat.x.shape[0]):
        block, angle = shapes.block_m[k], shapes.angle_rad[k]
        half = math.ceil(reach_m[k] / block)
        steps = np.arange(-half, half + 1, dtype=np.int64)
        gi, gj = np.meshgrid(steps, steps)
        lx, ly = gi * block, gj * block
        wx = seat.x[k] + lx * math.cos(angle) - ly * math.sin(angle)
        wy = seat.y[k] + lx * math.sin(angle) + ly * math.cos(angle)
        keep = _inside_town(wx.ravel(), wy.ravel(), k, seat=seat, shapes=shapes, radius_m=radius_m)
        keep &= shapely.contains_xy(boundary, wx.ravel(), wy.ravel())
        # a heavier town already built owns the overlap
        heavier = np.flatnonzero(
            np.hypot(seat.x[:k] - seat.x[k], seat.y[:k] - seat.y[k]) < reach_m[:k] + reach_m[k]
        )
        for j in heavier:
            keep &= ~_inside_town(
                wx.ravel(), wy.ravel(), int(j), seat=seat, shapes=shapes, radius_m=radius_m
            )
        n_kept = int(keep.sum())
        index = np.full(keep.shape[0], -1, dtype=np.int64)
        index[keep] = offset + np.arange(n_kept)
        u, v, line = lattice_edges(index.reshape(gi.shape), gi, gj)
        xs.append(wx.ravel()[keep])
        ys.append(wy.ravel()[keep])
        us.append(u)
        vs.append(v)
        classes.append(_street_class(line))
        seat_of.append(np.full(n_kept, k, dtype=np.int64))
        offset += n_kept
    part = _Part(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        u=np.concatenate(us),
        v=np.concatenate(vs),
        cls=np.concatenate(classes),
    )
    return part, np.concatenate(seat_of)


def _calibrated_towns(
    boundary: Polygon | MultiPolygon, seat: _Seats, shapes: _TownShapes, urban_target: int
) -> tuple[_Part, IntArray, FloatArray]:
    """Build the town grids, scaling their radii until they hold ``urban_target`` nodes."""
    share = seat.weight / seat.weight.sum()
    # a disc of radius r on blocks b holds about π r² / b² nodes
    area_m2 = urban_target * share * shapes.block_m**2
    scale = 1.0
    best: tuple[_Part, IntArray, FloatArray] | None = None
    for _ in range(_CALIBRATION_ROUNDS):
        radius_m = np.sqrt(scale * area_m2 / math.pi)
        town, town_seat = _towns(boundary, seat, shapes, radius_m)
        count = town.x.shape[0]
        if best is None or abs(count - urban_target) < abs(best[0].x.shape[0] - urban_target):
            best = (town, town_seat, radius_m)
        if count > 0 and abs(count / urban_target - 1.0) <= _CALIBRATION_TOLERANCE:
            break
        scale *= urban_target / max(count, 1)
    assert best is not None  # the loop ran at least once
    return best


def _motorways(
    seat: _Seats, pairs: IntArray, town_tree: cKDTree, block_max_m: float
) -> tuple[_Part, IntArray, IntArray]:
    """Lay motorway shape points along ``pairs``, outside the towns.

    Returns the motorway part, its run ends (to link to the nearest road) and its interchanges.
    """
    if pairs.shape[0] == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_part = _Part(np.zeros(0), np.zeros(0), empty_i, empty_i, np.zeros(0, dtype=np.int8))
        return empty_part, empty_i, empty_i
    x0, y0 = seat.x[pairs[:, 0]], seat.y[pairs[:, 0]]
    x1, y1 = seat.x[pairs[:, 1]], seat.y[pairs[:, 1]]
    n_steps = np.maximum(np.ceil(np.hypot(x1 - x0, y1 - y0) / _MOTORWAY_NODE_SPACING_M), 2)
    n_steps = n_steps.astype(np.int64)
    counts = n_steps - 1
    chain = np.repeat(np.arange(pairs.shape[0]), counts)
    pos = np.arange(chain.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    t = pos / n_steps[chain]
    px = x0[chain] + t * (x1 - x0)[chain]
    py = y0[chain] + t * (y1 - y0)[chain]
    # inside a town the motorway gives way to its streets
    dist, _ = town_tree.query(np.column_stack([px, py]), distance_upper_bound=2.0 * block_max_m)
    keep = ~np.isfinite(dist)
    index = np.full(chain.shape[0], -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    same_chain = chain[1:] == chain[:-1]
    linked = same_chain & keep[1:] & keep[:-1]
    u, v = index[:-1][linked], index[1:][linked]
    # a run ends where its neighbour along the chain is missing (a town or the chain's end)
    prev_ok = np.concatenate([[False], linked])
    next_ok = np.concatenate([linked, [False]])
    ends = index[keep & ~(prev_ok & next_ok)]
    interchanges = index[keep & (pos % _INTERCHANGE_EVERY == 0) & prev_ok & next_ok]
    part = _Part(
        x=px[keep], y=py[keep], u=u, v=v, cls=np.full(u.shape[0], _MOTORWAY, dtype=np.int8)
    )
    return part, ends, interchanges


def _rural(
    boundary: Polygon | MultiPolygon,
    spacing_m: float,
    town_tree: cKDTree,
    block_max_m: float,
    rng: np.random.Generator,
) -> tuple[_Part, IntArray]:
    """Build the jittered rural lattice outside the towns; return it and its fringe nodes."""
    lx, ly, shape = _jittered_lattice(boundary.bounds, spacing_m, rng)
    inside = shapely.contains_xy(boundary, lx, ly)
    # rural points keep clear of the towns (half a spacing, at least a block)
    clearance_m = max(0.5 * spacing_m, block_max_m)
    dist, _ = town_tree.query(
        np.column_stack([lx[inside], ly[inside]]), distance_upper_bound=clearance_m
    )
    in_town = np.zeros(lx.shape[0], dtype=np.bool_)
    in_town[np.flatnonzero(inside)[np.isfinite(dist)]] = True
    keep = inside & ~in_town
    index = np.full(lx.shape[0], -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    gi, gj = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]))
    u, v, _ = lattice_edges(index.reshape(shape), gi, gj)
    # fringe: kept points with a lattice neighbour swallowed by a town
    town_grid = in_town.reshape(shape)
    near_town = np.zeros(shape, dtype=np.bool_)
    near_town[:, :-1] |= town_grid[:, 1:]
    near_town[:, 1:] |= town_grid[:, :-1]
    near_town[:-1, :] |= town_grid[1:, :]
    near_town[1:, :] |= town_grid[:-1, :]
    fringe = index[keep & near_town.ravel()]
    part = _Part(
        x=lx[keep], y=ly[keep], u=u, v=v, cls=np.full(u.shape[0], _UNCLASSIFIED, dtype=np.int8)
    )
    return part, fringe


def _calibrated_rural(
    boundary: Polygon | MultiPolygon,
    *,
    rural_target: int,
    rural_area_m2: float,
    town_tree: cKDTree,
    block_max_m: float,
    rng: np.random.Generator,
) -> tuple[_Part, IntArray, float]:
    """Build the rural lattice, adjusting its spacing until it holds ``rural_target`` nodes."""
    spacing_m = math.sqrt(rural_area_m2 / rural_target)
    best: tuple[_Part, IntArray, float] | None = None
    for _ in range(_CALIBRATION_ROUNDS):
        rural, fringe = _rural(boundary, spacing_m, town_tree, block_max_m, rng)
        count = rural.x.shape[0]
        if best is None or abs(count - rural_target) < abs(best[0].x.shape[0] - rural_target):
            best = (rural, fringe, spacing_m)
        if count > 0 and abs(count / rural_target - 1.0) <= _CALIBRATION_TOLERANCE:
            break
        spacing_m *= math.sqrt(max(count, 1) / rural_target)
    assert best is not None  # the loop ran at least once
    return best


def _thin_rural(
    rural: _Part, rng: np.random.Generator, *, loop_share: float, track_share: float
) -> _Part:
    """Keep a random spanning tree of the rural lattice plus a share of its loops."""
    n = rural.x.shape[0]
    m = rural.u.shape[0]
    if m == 0:
        return rural
    # random positive weights: the minimum spanning tree is then a random spanning tree
    weight = rng.uniform(1.0, 2.0, m)
    graph = sparse.coo_matrix((weight, (rural.u, rural.v)), shape=(n, n)).tocsr()
    tree = csgraph.minimum_spanning_tree(graph).tocoo()
    tree_key = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    key = np.minimum(rural.u, rural.v) * n + np.maximum(rural.u, rural.v)
    in_tree = np.isin(key, tree_key)
    draw = rng.uniform(0.0, 1.0, (2, m))
    keep = in_tree | (draw[0] < loop_share)
    cls = np.where(~in_tree & (draw[1] < track_share), _TRACK, _UNCLASSIFIED).astype(np.int8)
    return _Part(x=rural.x, y=rural.y, u=rural.u[keep], v=rural.v[keep], cls=cls[keep])


def _town_seams(
    town: _Part, town_seat: IntArray, town_tree: cKDTree, block_max_m: float
) -> tuple[IntArray, IntArray]:
    """Join neighbouring town grids: each edge node of one grid to the nearest node of another."""
    n = town.x.shape[0]
    degree = np.bincount(town.u, minlength=n) + np.bincount(town.v, minlength=n)
    border = np.flatnonzero(degree < 4)
    if border.shape[0] == 0 or np.unique(town_seat).shape[0] < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    dist, nearest = town_tree.query(
        np.column_stack([town.x[border], town.y[border]]),
        k=8,
        distance_upper_bound=1.5 * block_max_m,
    )
    found = np.isfinite(dist)
    nearest = np.where(found, nearest, 0)
    other = found & (town_seat[nearest] != town_seat[border][:, None])
    has = other.any(axis=1)
    first = other.argmax(axis=1)
    return border[has], nearest[has, first[has]].astype(np.int64)


def _arterials(
    boundary: Polygon | MultiPolygon,
    seat: _Seats,
    layers: _Layers,
    *,
    ground_tree: cKDTree,
    x: FloatArray,
    y: FloatArray,
) -> tuple[IntArray, IntArray, ClassArray]:
    """Lay trunk, primary, secondary and radial tertiary roads on the nodes nearest their line."""
    n_seats = seat.x.shape[0]
    major, radius_m = layers.major, layers.radius_m
    spacing_m, block_max_m = layers.spacing_m, layers.block_max_m
    # between seats: a trunk road beside each motorway (the old national road); other Delaunay
    # pairs of major seats primary, pairs with one major seat or on the spanning tree of all
    # seats secondary, the rest tertiary
    pairs = _pairs_inside(boundary, seat, _candidate_pairs(seat.x, seat.y))
    tree_pairs = _spanning_pairs(seat.x, seat.y)
    tree_key = tree_pairs[:, 0] * n_seats + tree_pairs[:, 1]
    in_tree = np.isin(pairs[:, 0] * n_seats + pairs[:, 1], tree_key)
    n_major = (pairs[:, 0] < major).astype(np.int64) + (pairs[:, 1] < major)
    pair_cls = np.select(
        [n_major == 2, in_tree | (n_major == 1)], [_PRIMARY, _SECONDARY], default=_TERTIARY
    )
    pairs = np.concatenate([layers.motorway_pairs, pairs])
    pair_cls = np.concatenate([np.full(layers.motorway_pairs.shape[0], _TRUNK), pair_cls])
    # out of each seat: tertiary roads continuing the grid's axes, to half-way to the next seat
    if n_seats > 1:
        seat_tree = cKDTree(np.column_stack([seat.x, seat.y]))
        gap_m, _ = seat_tree.query(np.column_stack([seat.x, seat.y]), k=2)
        reach_m = np.maximum(3.0 * radius_m, 0.5 * gap_m[:, 1])
    else:
        min_x, min_y, max_x, max_y = boundary.bounds
        reach_m = np.full(1, math.hypot(max_x - min_x, max_y - min_y))
    ray_seat = np.repeat(np.arange(n_seats), _RADIALS_PER_SEAT)
    turn = np.tile(np.arange(_RADIALS_PER_SEAT) * (2.0 * math.pi / _RADIALS_PER_SEAT), n_seats)
    angle = layers.grid_angle_rad[ray_seat] + turn
    start_m = 0.8 * radius_m[ray_seat]
    rx0 = seat.x[ray_seat] + start_m * np.cos(angle)
    ry0 = seat.y[ray_seat] + start_m * np.sin(angle)
    rx1 = seat.x[ray_seat] + reach_m[ray_seat] * np.cos(angle)
    ry1 = seat.y[ray_seat] + reach_m[ray_seat] * np.sin(angle)

    step_m = 0.5 * min(spacing_m, block_max_m)
    max_step_m = _MAX_STEP_SPACINGS * max(spacing_m, block_max_m)
    u1, v1, c1 = snapped_path_edges(
        seat.x[pairs[:, 0]],
        seat.y[pairs[:, 0]],
        seat.x[pairs[:, 1]],
        seat.y[pairs[:, 1]],
        pair_cls.astype(np.int8),
        tree=ground_tree,
        x=x,
        y=y,
        step_m=step_m,
        max_step_m=max_step_m,
        boundary=None,
    )
    u2, v2, c2 = snapped_path_edges(
        rx0,
        ry0,
        rx1,
        ry1,
        np.full(rx0.shape[0], _TERTIARY, dtype=np.int8),
        tree=ground_tree,
        x=x,
        y=y,
        step_m=step_m,
        max_step_m=max_step_m,
        boundary=boundary,
    )
    return np.concatenate([u1, u2]), np.concatenate([v1, v2]), np.concatenate([c1, c2])
