"""Road networks from a planning institute's GIS file: lines with or without attributes.

A bureau's road layer (GeoPackage, Shapefile, GeoJSON) is a set of (Multi)LineStrings, often with
no class, speed or one-way column. :func:`network_from_lines` builds the same arrays as an
OpenStreetMap import (:func:`geo.network.core.network_from_arrays`):

- every line is split at each of its vertices, so two lines sharing a vertex meet in a node;
- line ends and vertices closer than ``snap_m`` metres (projected) become one node;
- the road class comes from ``class_column`` through ``class_map`` (the file's values to OSM
  ``highway`` classes); without it every segment is :data:`DEFAULT_CLASS`;
- the speed comes from ``speed_column`` (km/h); without it the class's planning speed applies
  (:mod:`geo.network.speeds`) and :attr:`LineImport.speeds_assumed` says so;
- one-way from ``oneway_column`` (yes/true/1/是 …); without it every segment is two-way.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from geo.errors import NetworkInputError
from geo.network.core import Network, network_from_arrays

if TYPE_CHECKING:
    import geopandas as gpd

# a road of unknown class: OSM's "unclassified" (a minor public road), planning speed 20 km/h
# urban (branch road) and 30 km/h rural (grade IV highway); walkable and drivable
DEFAULT_CLASS: Final = "unclassified"
# ends closer than this are one junction: survey and digitising noise, far below a road width
SNAP_M: Final = 0.5
_TRUE: Final = frozenset({"1", "true", "t", "yes", "y", "是", "-1", "single", "单向"})


@dataclass(frozen=True)
class LineImport:
    """A network read from lines, and what had to be assumed.

    Attributes
    ----------
    network
        The network, in the UTM zone of the data (metres).
    segments
        Two-point segments the lines were split into.
    classes_assumed, speeds_assumed, oneway_assumed
        True when the file gave no class, speed or one-way column (defaults were used).
    unmapped_classes
        Values of the class column that ``class_map`` did not name (taken as the default class).
    """

    network: Network
    segments: int
    classes_assumed: bool
    speeds_assumed: bool
    oneway_assumed: bool
    unmapped_classes: tuple[str, ...] = ()


def _snap(
    points: NDArray[np.float64], snap_m: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Cluster points closer than ``snap_m`` (single linkage); returns centres and labels."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    # exact duplicates first (most shared vertices), then the near ones among the unique points
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    pairs = cKDTree(unique).query_pairs(snap_m, output_type="ndarray")
    n = len(unique)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    counts = np.bincount(label)
    centre = np.column_stack([np.bincount(label, weights=unique[:, i]) / counts for i in range(2)])
    return centre, label[inverse].astype(np.int64)


def _flags(values: "gpd.GeoSeries") -> NDArray[np.bool_]:
    return np.array([str(v).strip().lower() in _TRUE for v in values], dtype=np.bool_)


def network_from_lines(
    gdf: "gpd.GeoDataFrame",
    *,
    class_column: str | None = None,
    speed_column: str | None = None,
    oneway_column: str | None = None,
    class_map: Mapping[str, str] | None = None,
    snap_m: float = SNAP_M,
) -> LineImport:
    """Build a network from road lines of any CRS.

    Parameters
    ----------
    gdf
        Road lines ((Multi)LineString), with a CRS.
    class_column, speed_column, oneway_column
        Optional column names: road class (mapped by ``class_map``, else taken as an OSM
        ``highway`` value), posted speed in km/h, one-way flag (drawing direction only).
    class_map
        The file's class values to OSM ``highway`` classes, e.g. ``{"主干路": "primary"}``.
    snap_m
        Ends and vertices closer than this many metres are one node.

    Returns
    -------
    LineImport
        The network and the defaults it rests on.

    Raises
    ------
    NetworkInputError
        No CRS, a named column missing, or no line at all.
    """
    import shapely

    from geo.network.osm import utm_crs
    from geo.network.speeds import DRIVE_URBAN_SPEED_KPH

    if gdf.crs is None:
        raise NetworkInputError.worded("input.network.no_crs", field="gdf")
    columns = {
        "class_column": class_column,
        "speed_column": speed_column,
        "oneway_column": oneway_column,
    }
    for option, name in columns.items():
        if name is not None and name not in gdf.columns:
            raise NetworkInputError.worded(
                "input.common.no_column",
                field=option,
                column=name,
                have=" / ".join(map(str, gdf.columns)),
            )
    lines = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    if lines.empty:
        raise NetworkInputError.worded("input.network.no_lines", field="gdf", rows=len(gdf))
    if lines.crs.is_geographic:
        centre = shapely.box(*lines.total_bounds).centroid
        lines = lines.to_crs(utm_crs(centre.x, centre.y))
    epsg = lines.crs.to_epsg()
    crs_text = f"EPSG:{epsg}" if epsg is not None else lines.crs.to_string()

    # every vertex splits its line: segment k runs from vertex k to k + 1 of the same line
    coords, line_of = shapely.get_coordinates(lines.geometry.values, return_index=True)
    same_line = line_of[:-1] == line_of[1:]
    seg_start = np.flatnonzero(same_line)
    seg_line = line_of[seg_start]
    centres, label = _snap(coords, snap_m)
    u, v = label[seg_start], label[seg_start + 1]
    keep = u != v
    seg_line, u, v = seg_line[keep], u[keep], v[keep]

    unmapped: set[str] = set()
    if class_column is not None:
        raw = lines[class_column].astype(str).to_numpy()[seg_line]
        known = set(DRIVE_URBAN_SPEED_KPH)
        mapped = []
        for value in raw:
            code = (class_map or {}).get(value, value)
            if code not in known:
                unmapped.add(value)
                code = DEFAULT_CLASS
            mapped.append(code)
        highway = np.array(mapped, dtype=str)
    else:
        highway = np.full(len(u), DEFAULT_CLASS)
    speed = None
    if speed_column is not None:
        speed = np.asarray(lines[speed_column].astype(float).to_numpy()[seg_line], dtype=np.float64)
    oneway = _flags(lines[oneway_column])[seg_line] if oneway_column is not None else None

    network = network_from_arrays(
        centres[:, 0],
        centres[:, 1],
        u,
        v,
        highway,
        crs=crs_text,
        oneway=oneway,
        maxspeed_kph=speed,
    )
    return LineImport(
        network=network,
        segments=len(u),
        classes_assumed=class_column is None,
        speeds_assumed=speed_column is None,
        oneway_assumed=oneway_column is None,
        unmapped_classes=tuple(sorted(unmapped)),
    )
