"""Read road networks: OpenStreetMap PBF and XML, osmnx GraphML, GeoDataFrames of edges.

Every reader returns a :class:`geo.network.Network` projected to the UTM zone of the data's
centroid (EPSG:326xx north, 327xx south; Hunan falls in zone 49N, EPSG:32649).

* PBF (``.osm.pbf``/``.pbf``): pyosmium reads the ``highway`` ways with node locations; ways are
  split at intersections (nodes shared by several ways, or way ends) so a node is an
  intersection or a dead end, as in an osmnx simplified graph; edge lengths are great-circle.
* XML (``.osm``/``.xml``): osmnx ``graph_from_xml(retain_all=True)`` then
  :func:`network_from_graph`.
* GraphML (``.graphml``): osmnx ``load_graphml`` then :func:`network_from_graph`.

Tag handling (PBF; the osmnx readers apply the same rules to the tags osmnx keeps):

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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo.errors import NetworkFormatError, NetworkInputError
from geo.network import (
    DRIVE,
    DRIVE_HIGHWAYS,
    WALK,
    WALK_HIGHWAYS,
    Network,
    assemble_network,
    encode_classes,
    network_from_arrays,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

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
            return parse_maxspeed(_literal_list(text))
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


def _mode_mask(mode: str) -> int:
    if mode not in READ_MODES:
        msg = f"unknown read mode {mode!r}; expected one of {', '.join(READ_MODES)}"
        raise NetworkInputError(msg)
    return {"walk": WALK, "drive": DRIVE, "ems": DRIVE, "all": WALK | DRIVE}[mode]


def read_network(path: Path, *, mode: str = "drive", simplify: bool = True) -> Network:
    """Read a road network file into a :class:`Network` projected to UTM.

    Parameters
    ----------
    path
        ``.osm.pbf``/``.pbf`` (pyosmium), ``.osm``/``.xml`` (osmnx) or ``.graphml`` (osmnx).
    mode
        Which ways to keep: ``walk``, ``drive`` (= ``ems``) or ``all``.
    simplify
        Keep only intersections and dead ends as nodes (PBF and XML; a GraphML file is taken
        as saved).

    Returns
    -------
    Network
        Nodes not touched by a kept way are dropped.
    """
    path = Path(path)
    mask = _mode_mask(mode)
    if not path.is_file():
        msg = f"road network file not found: {path}"
        raise NetworkFormatError(msg)
    name = path.name.lower()
    if name.endswith(".pbf"):
        return read_pbf(path, mode=mode, simplify=simplify)
    if name.endswith((".osm", ".xml")):
        import osmnx as ox

        try:
            G = ox.graph_from_xml(path, bidirectional=False, simplify=simplify, retain_all=True)
        except Exception as exc:  # osmnx raises bare exceptions of several kinds on bad XML
            msg = f"{path}: not a readable OpenStreetMap XML file ({exc})"
            raise NetworkFormatError(msg) from exc
        return _keep_mask(network_from_graph(G), mask)
    if name.endswith(".graphml"):
        import osmnx as ox

        try:
            G = ox.load_graphml(path)
        except Exception as exc:  # networkx/osmnx raise several kinds on bad GraphML
            msg = f"{path}: not a readable osmnx GraphML file ({exc})"
            raise NetworkFormatError(msg) from exc
        return _keep_mask(network_from_graph(G), mask)
    msg = f"{path}: unsupported network format; use .osm, .xml, .osm.pbf, .pbf or .graphml"
    raise NetworkFormatError(msg)


def _keep_mask(net: Network, mask: int) -> Network:
    # drop edges (and then nodes) no kept mode may use
    keep = (net.access & mask) > 0
    if keep.all():
        return net
    used = np.zeros(net.n_nodes, dtype=np.bool_)
    used[net.edge_u[keep]] = True
    used[net.edge_v[keep]] = True
    new_index = np.cumsum(used) - 1
    return assemble_network(
        crs=net.crs,
        x=net.x[used],
        y=net.y[used],
        node_id=net.node_id[used],
        edge_u=new_index[net.edge_u[keep]],
        edge_v=new_index[net.edge_v[keep]],
        length_m=net.length_m[keep],
        road_class=net.road_class[keep],
        road_classes=net.road_classes,
        oneway=net.oneway[keep],
        way_id=net.way_id[keep],
        maxspeed_kph=net.maxspeed_kph[keep],
        access=(net.access[keep] & mask).astype(np.uint8),
        urban=net.urban[used],
        synthetic=net.synthetic,
    )


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

    mask = _mode_mask(mode)
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
    x, y = _project(lon[first_pos], lat[first_pos], crs)
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


def _project(
    lon: NDArray[np.float64], lat: NDArray[np.float64], crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _literal_list(text: str) -> list[Any]:
    # GraphML stores list attributes as their Python repr
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [text]
    return list(value) if isinstance(value, list | tuple) else [value]


def _first(value: object) -> object:
    # simplified osmnx edges hold lists when merged ways differ; take the first value
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        value = _literal_list(value)
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def _as_int(value: object, default: int = -1) -> int:
    value = _first(value)
    try:
        return int(str(value))
    except ValueError:
        return default


def network_from_graph(G: "nx.MultiDiGraph", *, synthetic: bool = False) -> Network:
    """Build a :class:`Network` from an osmnx graph (any CRS; projected to UTM when geographic).

    Parameters
    ----------
    G
        An osmnx ``MultiDiGraph``: nodes with ``x``/``y``, edges with ``highway`` and optionally
        ``oneway``, ``length`` (metres), ``maxspeed``, ``osmid``, ``service``, ``access``,
        ``area``, ``junction``. Each graph edge becomes one directed edge; list-valued
        attributes of simplified edges use their first value (``maxspeed``: the mean).
    synthetic
        True for generated graphs.

    Returns
    -------
    Network
        Lengths are taken from ``length`` when present, else the straight projected distance.
    """
    from pyproj import CRS

    nodes = list(G.nodes)
    if not nodes:
        msg = "the graph has no nodes"
        raise NetworkInputError(msg)
    index = {node: i for i, node in enumerate(nodes)}
    x = np.array([float(G.nodes[v]["x"]) for v in nodes])
    y = np.array([float(G.nodes[v]["y"]) for v in nodes])
    crs = CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    if crs.is_geographic:
        target = utm_crs(float(np.mean(x)), float(np.mean(y)))
        x, y = _project(x, y, target)
        crs_text = target
    else:
        epsg = crs.to_epsg()
        crs_text = f"EPSG:{epsg}" if epsg is not None else crs.to_string()

    rows = list(G.edges(keys=True, data=True))
    n_edges = len(rows)
    edge_u = np.empty(n_edges, dtype=np.int64)
    edge_v = np.empty(n_edges, dtype=np.int64)
    highway = np.empty(n_edges, dtype=object)
    oneway = np.zeros(n_edges, dtype=np.bool_)
    length = np.full(n_edges, np.nan)
    maxspeed = np.full(n_edges, np.nan)
    way_id = np.full(n_edges, -1, dtype=np.int64)
    access = np.zeros(n_edges, dtype=np.uint8)
    for i, (u, v, _key, data) in enumerate(rows):
        edge_u[i], edge_v[i] = index[u], index[v]
        tags = {k: str(_first(val)) for k, val in data.items() if _first(val) is not None}
        highway[i] = tags.get("highway", "road")
        oneway[i] = _as_bool(data.get("oneway", False))
        if "length" in data:
            length[i] = float(data["length"])
        maxspeed[i] = parse_maxspeed(data.get("maxspeed"))
        way_id[i] = _as_int(data.get("osmid", -1))
        access[i] = way_access(tags)
    road_class, road_classes = encode_classes(highway)
    missing = ~np.isfinite(length)
    length[missing] = np.hypot(x[edge_u] - x[edge_v], y[edge_u] - y[edge_v])[missing]
    node_id = np.array([_as_int(v, default=i) for i, v in enumerate(nodes)], dtype=np.int64)
    return _compact(
        assemble_network(
            crs=crs_text,
            x=x,
            y=y,
            node_id=node_id,
            edge_u=edge_u,
            edge_v=edge_v,
            length_m=length,
            road_class=road_class,
            road_classes=road_classes,
            oneway=oneway,
            way_id=way_id,
            maxspeed_kph=maxspeed,
            access=access,
            urban=np.ones(x.shape[0], dtype=np.bool_),
            synthetic=synthetic,
        )
    )


def _compact(net: Network) -> Network:
    # drop edges no mode may use, then nodes without edges
    return _keep_mask(net, WALK | DRIVE) if net.n_edges else net


def network_from_edges(
    gdf_edges: "gpd.GeoDataFrame",
    *,
    highway_col: str = "highway",
    oneway_col: str = "oneway",
    maxspeed_col: str = "maxspeed",
    way_id_col: str = "osmid",
    directed: bool | None = None,
    synthetic: bool = False,
) -> Network:
    """Build a :class:`Network` from a GeoDataFrame of road lines.

    Parameters
    ----------
    gdf_edges
        One row per road segment with a (Multi)LineString geometry and a ``highway`` column;
        optional ``oneway`` (True: only in the drawing direction), ``maxspeed``, ``osmid``.
        Nodes are the line ends; ends closer than 1 cm (projected) are the same node.
    highway_col, oneway_col, maxspeed_col, way_id_col
        Column names.
    directed
        True when each row is already one direction of travel (osmnx ``graph_to_gdfs`` edges,
        indexed by ``u, v, key``): no reverse edges are added. Default: True exactly when the
        index names are ``u, v, key``.
    synthetic
        True for generated networks.

    Returns
    -------
    Network
        Projected to the UTM zone of the data when the GeoDataFrame is geographic.
    """
    if gdf_edges.crs is None:
        msg = "gdf_edges has no CRS; set it (e.g. EPSG:4326) before building a network"
        raise NetworkInputError(msg)
    if highway_col not in gdf_edges.columns:
        msg = f"gdf_edges lacks the {highway_col!r} column"
        raise NetworkInputError(msg)
    gdf = gdf_edges
    if gdf.crs.is_geographic:
        centroid = gdf.geometry.union_all().centroid
        gdf = gdf.to_crs(utm_crs(centroid.x, centroid.y))
    epsg = gdf.crs.to_epsg()
    crs_text = f"EPSG:{epsg}" if epsg is not None else gdf.crs.to_string()
    if directed is None:
        directed = list(gdf.index.names) == ["u", "v", "key"]

    import shapely

    lines = shapely.line_merge(gdf.geometry.values)
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    if starts.shape[0] != len(gdf) or ends.shape[0] != len(gdf):
        msg = "every geometry of gdf_edges must be a (mergeable) LineString"
        raise NetworkInputError(msg)
    # ends closer than 1 cm are one node: snap to a centimetre grid
    grid = np.round(np.vstack([starts, ends]) * 100.0).astype(np.int64)
    keys, inverse = np.unique(grid, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = len(gdf)
    columns = gdf.columns
    oneway = (
        np.array([_as_bool(_first(v)) for v in gdf[oneway_col]], dtype=np.bool_)
        if oneway_col in columns
        else np.zeros(m, dtype=np.bool_)
    )
    tags_rows: Iterable[dict[str, str]] = (
        {k: str(_first(val)) for k, val in row.items() if _first(val) is not None}
        for row in gdf.drop(columns=gdf.geometry.name).to_dict("records")
    )
    access = np.array([way_access(t) for t in tags_rows], dtype=np.uint8)
    return _compact(
        network_from_arrays(
            keys[:, 0] / 100.0,
            keys[:, 1] / 100.0,
            inverse[:m],
            inverse[m:],
            np.array([str(_first(v)) for v in gdf[highway_col]], dtype=str),
            crs=crs_text,
            oneway=np.ones(m, dtype=np.bool_) if directed else oneway,
            length_m=shapely.length(lines),
            maxspeed_kph=(
                np.array([parse_maxspeed(v) for v in gdf[maxspeed_col]])
                if maxspeed_col in columns
                else None
            ),
            way_id=(
                np.array([_as_int(v) for v in gdf[way_id_col]], dtype=np.int64)
                if way_id_col in columns
                else None
            ),
            access=access,
            synthetic=synthetic,
        )
    )
