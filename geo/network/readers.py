"""Read road networks: OpenStreetMap PBF and XML, osmnx GraphML, GeoDataFrames of edges.

Every reader returns a :class:`geo.network.Network` projected to the UTM zone of the data's
centroid (EPSG:326xx north, 327xx south; Hunan falls in zone 49N, EPSG:32649).

* PBF (``.osm.pbf``/``.pbf``): :func:`geo.network.osm.read_pbf` (pyosmium).
* XML (``.osm``/``.xml``): osmnx ``graph_from_xml(retain_all=True)`` then
  :func:`network_from_graph`.
* GraphML (``.graphml``): osmnx ``load_graphml`` then :func:`network_from_graph`.

The OSM tag rules (one-way, access, ``maxspeed``) are those of :mod:`geo.network.osm`.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geo.errors import NetworkFormatError, NetworkInputError
from geo.network.core import (
    DRIVE,
    WALK,
    Network,
    assemble_network,
    encode_classes,
    network_from_arrays,
)
from geo.network.osm import (
    PbfProgress,
    PbfTally,
    literal_list,
    mode_mask,
    parse_maxspeed,
    project_lonlat,
    read_pbf,
    utm_crs,
    way_access,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx


def read_network(
    path: Path,
    *,
    mode: str = "drive",
    simplify: bool = True,
    progress: PbfProgress | None = None,
    tally: PbfTally | None = None,
) -> Network:
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
    progress, tally
        A PBF read's progress callback and counts (:func:`geo.network.osm.read_pbf`); unused
        for the other formats.

    Returns
    -------
    Network
        Nodes not touched by a kept way are dropped.
    """
    path = Path(path)
    mask = mode_mask(mode)
    if not path.is_file():
        raise NetworkFormatError.worded("input.common.no_file", field="path", name=path.name)
    name = path.name.lower()
    if name.endswith(".pbf"):
        return read_pbf(path, mode=mode, simplify=simplify, progress=progress, tally=tally)
    if name.endswith((".osm", ".xml")):
        import osmnx as ox

        try:
            G = ox.graph_from_xml(path, bidirectional=False, simplify=simplify, retain_all=True)
        except Exception as exc:  # osmnx raises bare exceptions of several kinds on bad XML
            raise NetworkFormatError.worded(
                "input.network.unreadable_xml", field="path", name=path.name
            ) from exc
        return _keep_mask(network_from_graph(G), mask)
    if name.endswith(".graphml"):
        import osmnx as ox

        try:
            G = ox.load_graphml(path)
        except Exception as exc:  # networkx/osmnx raise several kinds on bad GraphML
            raise NetworkFormatError.worded(
                "input.network.unreadable_graphml", field="path", name=path.name
            ) from exc
        return _keep_mask(network_from_graph(G), mask)
    raise NetworkFormatError.worded(
        "input.network.format",
        field="path",
        name=path.name,
        expected=".osm / .xml / .osm.pbf / .pbf / .graphml",
    )


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
        edge_source=net.edge_source[keep],
        sources=net.sources,
        synthetic=net.synthetic,
    )


def _first(value: object) -> object:
    # simplified osmnx edges hold lists when merged ways differ; take the first value
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        value = literal_list(value)
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
        raise NetworkInputError.worded("input.network.no_nodes", field="G")
    index = {node: i for i, node in enumerate(nodes)}
    x = np.array([float(G.nodes[v]["x"]) for v in nodes])
    y = np.array([float(G.nodes[v]["y"]) for v in nodes])
    crs = CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    if crs.is_geographic:
        target = utm_crs(float(np.mean(x)), float(np.mean(y)))
        x, y = project_lonlat(x, y, target)
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
        raise NetworkInputError.worded("input.network.no_crs", field="gdf_edges")
    if highway_col not in gdf_edges.columns:
        raise NetworkInputError.worded(
            "input.common.no_column",
            field="highway_col",
            column=highway_col,
            have=" / ".join(map(str, gdf_edges.columns)),
        )
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
        raise NetworkInputError.worded("input.network.not_lines", field="gdf_edges")
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
