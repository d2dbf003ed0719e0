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

Given real trunk roads (:class:`TrunkRoads`, e.g. Hunan's OpenStreetMap trunk-road skeleton),
steps 3 and 4 change: no motorway or road between seats is invented; the real roads, clipped to
the boundary with a shape point every km, take their place (class ``trunk``, their source the
real file's name), and every shape point is a junction linked to the nearest town or rural node,
so the local streets hang on the real roads. The radial tertiary roads out of the seats stay.

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
from scipy.spatial import cKDTree
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import SyntheticInputError
from geo.network import SYNTHETIC_SOURCE, Network, network_from_arrays
from geo.synthetic._arterials import arterials, motorways
from geo.synthetic._graph import dedupe_edges, link_components, link_nearest
from geo.synthetic._parts import (
    HIGHWAY_CLASSES,
    MOTORWAY,
    OUTLINE_HARMONICS,
    OUTLINE_MAX_AMPLITUDE,
    RESIDENTIAL,
    UNCLASSIFIED,
    BoolArray,
    ClassArray,
    FloatArray,
    IntArray,
    Layers,
    Part,
    Seats,
    TownShapes,
    codes,
)
from geo.synthetic._rural import calibrated_rural, thin_rural
from geo.synthetic._seats import major_seat_count, pairs_inside, place_seats, spanning_pairs
from geo.synthetic._towns import calibrated_towns, fit_blocks, town_seams
from geo.synthetic._trunk import TRUNK_NODE_SPACING_M, trunk_layer

__all__ = [
    "DEFAULT_URBAN_SHARE",
    "HIGHWAY_CLASSES",
    "NODE_COUNT_TOLERANCE",
    "SyntheticInputError",
    "SyntheticRoads",
    "TrunkRoads",
    "build_synthetic_network",
    "generate_road_arrays",
]

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
# default seats get at least ~50 town nodes each, so small targets get fewer towns
_MIN_TOWN_NODES: Final = 50
# promised accuracy of the node count (the issue's ±10 %)
NODE_COUNT_TOLERANCE: Final = 0.10
# size limits: below 100 nodes there is no hierarchy; 2 M keeps peak memory well under 2 GB
MIN_TARGET_NODES: Final = 100
MAX_TARGET_NODES: Final = 2_000_000


@dataclass(frozen=True)
class TrunkRoads:
    """Real trunk roads to hang a synthetic network on, as straight segments.

    Attributes
    ----------
    x0, y0, x1, y1
        Segment ends in the boundary's metric CRS, metres.
    source
        Name of the file they were read from (the edges' source).
    """

    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    source: str


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
    edge_real
        Whether each segment is a real trunk road (:class:`TrunkRoads`) rather than generated.
    synthetic
        Always True: this network is invented, not surveyed (except the real trunk roads).
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
    edge_real: BoolArray
    synthetic: bool = True

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of two-way road segments."""
        return int(self.edge_u.shape[0])


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
    trunk: TrunkRoads | None = None,
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
    trunk
        Real trunk roads in the boundary's CRS: laid instead of invented motorways and roads
        between seats (see the module docstring). None: the generated ones.

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

    # the real trunk roads first: the towns and the rural lattice share the nodes left; a shape
    # point at least every km, sparser where the whole network is (small targets on big areas)
    real_trunk = None
    if trunk is not None:
        spacing_m = max(TRUNK_NODE_SPACING_M, math.sqrt(boundary.area / target_nodes))
        real_trunk = trunk_layer(
            boundary, trunk.x0, trunk.y0, trunk.x1, trunk.y1, spacing_m=spacing_m
        )
    free_nodes = target_nodes - (real_trunk.x.shape[0] if real_trunk is not None else 0)

    # seats, heaviest first, and their town shapes (drawn once, before any calibration)
    urban_target = max(1, round(free_nodes * urban_share))
    seat = place_seats(boundary, seats, rng, max_seats=max(1, urban_target // _MIN_TOWN_NODES))
    n_seats = int(seat.x.shape[0])
    shapes = TownShapes(
        block_m=rng.uniform(block_min_m, block_max_m, n_seats),
        angle_rad=rng.uniform(0.0, math.pi / 2.0, n_seats),
        amplitude=rng.uniform(0.0, OUTLINE_MAX_AMPLITUDE, (n_seats, OUTLINE_HARMONICS.size)),
        phase_rad=rng.uniform(0.0, 2.0 * math.pi, (n_seats, OUTLINE_HARMONICS.size)),
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
        trunk=real_trunk,
    )
    n_nodes = layers.n_nodes
    if abs(n_nodes / target_nodes - 1.0) > NODE_COUNT_TOLERANCE:
        raise SyntheticInputError.worded(
            "input.synthetic.fit",
            field="target_nodes",
            value=target_nodes,
            seats=n_seats,
            got=n_nodes,
        )
    x, y, edge_u, edge_v, edge_cls, edge_real = _join(boundary, seat, layers)
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
        edge_real=edge_real,
    )


def _layers(
    boundary: Polygon | MultiPolygon,
    seat: Seats,
    shapes: TownShapes,
    *,
    target_nodes: int,
    urban_target: int,
    rng: np.random.Generator,
    loop_share: float,
    track_share: float,
    trunk: Part | None,
) -> Layers:
    """Build the towns, motorways (or real trunk roads) and rural lattice, sized together."""
    major = major_seat_count(seat.x.shape[0])
    motorway_pairs = (
        pairs_inside(boundary, seat, spanning_pairs(seat.x[:major], seat.y[:major]))
        if trunk is None
        else np.zeros((0, 2), dtype=np.int64)
    )

    # town grids first: their size is what the urban share asks for
    shapes = fit_blocks(shapes, seat, urban_target, boundary.area)
    town, town_seat, radius_m = calibrated_towns(boundary, seat, shapes, urban_target)
    town_tree = cKDTree(np.column_stack([town.x, town.y]))

    # motorway shape points outside the towns, then the rural lattice fills the remaining count
    block_max_m = float(shapes.block_m.max())
    if trunk is None:
        motorway, motorway_ends, interchanges = motorways(
            seat, motorway_pairs, town_tree, block_max_m
        )
    else:
        # the real roads: every shape point is a junction with the local roads
        motorway = trunk
        motorway_ends = np.arange(motorway.x.shape[0], dtype=np.int64)
        interchanges = np.zeros(0, dtype=np.int64)
    rural_target = max(1, target_nodes - town.x.shape[0] - motorway.x.shape[0])
    rural_area_m2 = max(boundary.area - float(np.sum(math.pi * radius_m**2)), 0.05 * boundary.area)
    rural, rural_fringe, spacing_m = calibrated_rural(
        boundary,
        rural_target=rural_target,
        rural_area_m2=rural_area_m2,
        town_tree=town_tree,
        block_max_m=block_max_m,
        rng=rng,
    )
    rural = thin_rural(rural, rng, loop_share=loop_share, track_share=track_share)
    return Layers(
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
        real_trunk=trunk is not None,
    )


def _join(
    boundary: Polygon | MultiPolygon, seat: Seats, layers: Layers
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, ClassArray, BoolArray]:
    """Number all nodes (towns, rural, motorways), add junctions and arterials, connect all.

    The last array says which segments are real trunk roads.
    """
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
        (fringe, link_nearest(town_tree, x[fringe], y[fringe]), codes(fringe, UNCLASSIFIED))
    )
    seam_u, seam_v = town_seams(town, layers.town_seat, town_tree, layers.block_max_m)
    parts.append((seam_u, seam_v, codes(seam_u, RESIDENTIAL)))
    ground_tree = cKDTree(np.column_stack([x[:ground], y[:ground]]))
    ramps = np.concatenate([layers.motorway_ends, layers.interchanges]) + ground
    # a motorway joins at ramps; a real trunk road meets a local road at each shape point
    ramp_class = UNCLASSIFIED if layers.real_trunk else MOTORWAY
    parts.append((ramps, link_nearest(ground_tree, x[ramps], y[ramps]), codes(ramps, ramp_class)))

    # arterials between (unless real roads join the seats) and out of the seats, on the nodes
    # nearest their straight line
    parts.append(
        arterials(
            boundary,
            seat,
            layers,
            ground_tree=ground_tree,
            x=x[:ground],
            y=y[:ground],
            between_seats=not layers.real_trunk,
        )
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
            np.concatenate([edge_cls, codes(link_u, UNCLASSIFIED)]),
            n_nodes,
        )
    # the real trunk segments, found again by their node pair (deduplication reorders edges)
    real = np.zeros(edge_u.shape[0], dtype=np.bool_)
    if layers.real_trunk and motorway.u.shape[0]:
        tu, tv = motorway.u + ground, motorway.v + ground
        trunk_key = np.minimum(tu, tv) * np.int64(n_nodes) + np.maximum(tu, tv)
        real = np.isin(edge_u * np.int64(n_nodes) + edge_v, trunk_key)
    return x, y, edge_u, edge_v, edge_cls, real


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
    trunk: TrunkRoads | None = None,
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
    trunk
        Real trunk roads to hang the network on (:func:`generate_road_arrays`).

    Returns
    -------
    Network
        The network, built with ``synthetic=True``; speeds follow the ``highway`` classes. The
        real trunk roads' edges have the trunk file as their source, all others
        :data:`~geo.network.SYNTHETIC_SOURCE`.
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
        trunk=trunk,
    )
    source = (
        np.where(roads.edge_real, trunk.source, SYNTHETIC_SOURCE)
        if trunk is not None
        else SYNTHETIC_SOURCE
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
        source=source,
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
        raise SyntheticInputError.worded(
            "input.common.between",
            field="target_nodes",
            value=target_nodes,
            low=MIN_TARGET_NODES,
            high=MAX_TARGET_NODES,
        )
    for name, share in (
        ("urban_share", urban_share),
        ("rural_loop_share", rural_loop_share),
        ("track_share", track_share),
    ):
        if not 0.0 <= share <= 1.0:
            raise SyntheticInputError.worded(
                "input.common.between", field=name, value=share, low=0, high=1
            )
    if not 0.0 < block_min_m <= block_max_m:
        raise SyntheticInputError.worded(
            "input.synthetic.blocks", field="block_min_m", low=block_min_m, high=block_max_m
        )


def _polygonal(boundary: BaseGeometry) -> Polygon | MultiPolygon:
    """Return ``boundary`` as a non-empty Polygon or MultiPolygon, in metres, or raise."""
    if isinstance(boundary, GeometryCollection) and not isinstance(boundary, MultiPolygon):
        # shapely.make_valid may return polygons mixed with slivers of lower dimension
        polygons = [g for g in boundary.geoms if isinstance(g, Polygon | MultiPolygon)]
        boundary = MultiPolygon(
            [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
        )
    if not isinstance(boundary, Polygon | MultiPolygon) or boundary.is_empty:
        raise SyntheticInputError.worded(
            "input.synthetic.boundary", field="boundary", kind=type(boundary).__name__
        )
    min_x, min_y, max_x, max_y = boundary.bounds
    # a whole county in degrees is far below 1 km² of "area": the CRS is geographic, not metric
    if boundary.area < 1e6 and -180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90:
        raise SyntheticInputError.worded("input.synthetic.degrees", field="boundary")
    return boundary
