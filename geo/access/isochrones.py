"""Isochrone polygons: the area the facilities reach within a time (or any cost) limit.

Method: an isochrone is the area within ``buffer_m`` (default 100 m) of the street network
reachable within the time limit. Every searched edge ``p -> q`` whose start is reached at
``t_p <= limit`` is drawn as a straight segment from ``p`` toward ``q`` over the fraction
``min(1, (limit - t_p) / w)`` of its length (partial edges at the fringe, assuming constant
speed along the edge). Segments and reached nodes are sampled onto a square grid of
``resolution_m`` cells (default 50 m), dilated by a disk of ``buffer_m``, and the cells are
dissolved into polygons by polygonising the raster's boundary: an exact buffer-and-union of tens
of thousands of segments takes minutes, the raster a fraction of a second. Boundaries are
therefore accurate to one cell (``resolution_m``), and edges between intersections are
straightened. Polygons are in the network CRS; pass ``to_crs="EPSG:4326"`` (or call
``GeoDataFrame.to_crs``) for WGS84.

Gap areas (underserved population cells dissolved into zones) are
:func:`geo.norms.gaps.gap_zones`.
"""

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray

from geo.access.coverage import NearestResult
from geo.errors import CoverageInputError
from geo.network import Network
from geo.network.speeds import TravelModel

if TYPE_CHECKING:
    import geopandas as gpd

# 100 m: half a typical urban block (CJJ 37-2012 branch-road spacing is 150–250 m), so an
# isochrone fills the blocks whose streets are reached without bridging to unreached blocks
BUFFER_M = 100.0

# 50 m cells: half the default buffer, so a disk is at least 5 cells across
RESOLUTION_M = 50.0


def _reached_geometry(
    net: Network,
    matrix: sp.csr_matrix,
    time_s: NDArray[np.float64],
    *,
    limit_s: float,
    buffer_m: float,
    resolution_m: float,
) -> shapely.Geometry:
    """Raster buffer of the (partial) edges and nodes reachable within ``limit_s``."""
    indptr, indices, weight = matrix.indptr, matrix.indices, matrix.data
    n = time_s.shape[0]
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    start = time_s[tail]
    use = np.isfinite(start) & (start <= limit_s)
    tail, head, w, start = tail[use], indices[use].astype(np.int64), weight[use], start[use]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(w > 0, np.clip((limit_s - start) / w, 0.0, 1.0), 1.0)
    x0, y0 = net.x[tail], net.y[tail]
    dx, dy = fraction * (net.x[head] - x0), fraction * (net.y[head] - y0)
    # sample every segment at least once per raster cell so no cell along it is skipped
    samples = np.ceil(np.hypot(dx, dy) / resolution_m).astype(np.int64) + 1
    seg = np.repeat(np.arange(samples.shape[0]), samples)
    step = np.arange(seg.shape[0]) - np.repeat(np.cumsum(samples) - samples, samples)
    t = step / np.maximum(samples - 1, 1)[seg]
    nodes = np.flatnonzero(np.isfinite(time_s) & (time_s <= limit_s))
    px = np.concatenate([x0[seg] + t * dx[seg], net.x[nodes]])
    py = np.concatenate([y0[seg] + t * dy[seg], net.y[nodes]])
    return _raster_buffer(px, py, buffer_m=buffer_m, resolution_m=resolution_m)


def _raster_buffer(
    px: NDArray[np.float64], py: NDArray[np.float64], *, buffer_m: float, resolution_m: float
) -> shapely.Geometry:
    """Union of disks of radius ``buffer_m`` around the points, on a ``resolution_m`` grid."""
    from scipy import ndimage

    if px.size == 0:
        return shapely.Polygon()
    radius = int(np.ceil(buffer_m / resolution_m))
    min_x = px.min() - (radius + 1) * resolution_m
    min_y = py.min() - (radius + 1) * resolution_m
    ix = ((px - min_x) // resolution_m).astype(np.int64)
    iy = ((py - min_y) // resolution_m).astype(np.int64)
    mask = np.zeros((int(iy.max()) + radius + 2, int(ix.max()) + radius + 2), dtype=np.bool_)
    mask[iy, ix] = True
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    mask = ndimage.binary_dilation(mask, structure=(xx**2 + yy**2) <= radius**2)
    cells = _polygonize_mask(mask)
    # cell units → metres
    return shapely.transform(cells, lambda xy: xy * resolution_m + (min_x, min_y))


def _boundary_runs(steps: NDArray[np.int8]) -> tuple[NDArray[np.int64], ...]:
    """Runs of equal non-zero values along each row: (row, first column, end column)."""
    padded = np.zeros((steps.shape[0], steps.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = steps
    row, col = np.nonzero(np.diff(padded, axis=1))
    # a run goes from one change to the next on the same row; runs of zeros are no boundary
    value = padded[row, col + 1]
    keep = (row[1:] == row[:-1]) & (value[:-1] != 0)
    return row[:-1][keep], col[:-1][keep], col[1:][keep]


def _polygonize_mask(mask: NDArray[np.bool_]) -> shapely.Geometry:
    """The True cells of a raster as polygons, in cell units (cell (r, c) spans x c..c+1, y r..r+1).

    The boundary between True and False cells is cut into straight runs (split wherever a run
    changes side, so corners touching diagonally are nodes), polygonised, and the faces lying on
    True cells kept: several times faster than dissolving one rectangle per row run.
    """
    framed = np.pad(mask, 1).astype(np.int8)
    # horizontal runs lie on y = line, from x = first - 1 to end - 1 (the frame shifts by one)
    line, first, end = _boundary_runs(np.diff(framed, axis=0))
    horizontal = np.column_stack([first - 1, line, end - 1, line])
    # vertical runs: the same along columns, on x = line
    line, first, end = _boundary_runs(np.diff(framed, axis=1).T)
    vertical = np.column_stack([line, first - 1, line, end - 1])
    ends = np.concatenate([horizontal, vertical]).astype(np.float64).reshape(-1, 2, 2)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.linestrings(ends))))
    if faces.size == 0:
        return shapely.Polygon()
    # faces are True regions or holes; a point strictly inside a face names its cell
    inside = shapely.point_on_surface(faces)
    col = np.floor(shapely.get_x(inside)).astype(np.int64)
    row = np.floor(shapely.get_y(inside)).astype(np.int64)
    kept = faces[mask[row, col]]
    return kept[0] if kept.shape[0] == 1 else shapely.multipolygons(kept)


def reached_area(
    net: Network,
    matrix: sp.csr_matrix,
    node_cost: ArrayLike,
    *,
    limit: float,
    buffer_m: float = BUFFER_M,
    resolution_m: float = RESOLUTION_M,
) -> shapely.Geometry:
    """The area within ``buffer_m`` of the (partial) edges reachable within ``limit``.

    The general form of :func:`merged_isochrone`: any edge weights, e.g. road lengths for a
    network radius.

    Parameters
    ----------
    net
        The road network.
    matrix
        CSR matrix of edge weights over the network's nodes, searched from the sources (for
        ``to_facility``, the transposed graph); seconds or metres.
    node_cost
        Per node, the cost from the nearest source in the unit of ``matrix``; ``inf`` where
        unreached.
    limit
        The bound, in the unit of ``matrix`` (seconds or metres).
    buffer_m
        Buffer around reached streets, metres.
    resolution_m
        Raster cell size, metres: the accuracy of the boundary.

    Returns
    -------
    shapely.Geometry
        A polygon or multipolygon in the network CRS; empty when nothing is reached.
    """
    cost = np.asarray(node_cost, dtype=np.float64).reshape(-1)
    if cost.shape[0] != net.n_nodes:
        raise CoverageInputError.worded(
            "input.common.count", field="node_cost", given=cost.shape[0], n=net.n_nodes
        )
    if not (np.isfinite(limit) and limit >= 0):
        raise CoverageInputError.worded("input.common.not_negative", field="limit", value=limit)
    _check_raster(buffer_m, resolution_m)
    return _reached_geometry(
        net, matrix, cost, limit_s=float(limit), buffer_m=buffer_m, resolution_m=resolution_m
    )


def merged_isochrone(
    net: Network,
    nearest: NearestResult,
    *,
    minutes: float,
    buffer_m: float = BUFFER_M,
    resolution_m: float = RESOLUTION_M,
    model: TravelModel | None = None,
    to_crs: str | None = None,
) -> "gpd.GeoDataFrame":
    """The area reachable within ``minutes`` of any facility, as one polygon.

    Parameters
    ----------
    net
        The road network.
    nearest
        Result of :func:`geo.coverage.nearest_facility` with a limit >= ``minutes``.
    minutes
        Time limit, minutes (delays such as EMS dispatch included, as in ``nearest``).
    buffer_m
        Buffer around reached streets, metres.
    resolution_m
        Raster cell size, metres: the accuracy of the polygon boundary.
    model
        The travel model ``nearest`` was computed with (default model of its mode).
    to_crs
        Output CRS; default the network CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``minutes``, ``mode``, ``direction``, ``synthetic``, ``geometry``.
    """
    import geopandas as gpd

    limit_s = _limit(minutes, buffer_m, resolution_m)
    if nearest.limit_s is not None and nearest.limit_s < limit_s:
        raise CoverageInputError.worded(
            "input.access.searched", field="minutes", searched_s=nearest.limit_s, minutes=minutes
        )
    matrix, delay_s = _matrix(net, nearest.mode, nearest.direction, model)
    time_s = nearest.travel_time_s - delay_s
    geom = _reached_geometry(
        net, matrix, time_s, limit_s=limit_s - delay_s, buffer_m=buffer_m, resolution_m=resolution_m
    )
    gdf = gpd.GeoDataFrame(
        {
            "minutes": [float(minutes)],
            "mode": [nearest.mode],
            "direction": [nearest.direction],
            "synthetic": [net.synthetic],
        },
        geometry=[geom],
        crs=net.crs,
    )
    return gdf.to_crs(to_crs) if to_crs else gdf


def _limit(minutes: float, buffer_m: float, resolution_m: float) -> float:
    if not (np.isfinite(minutes) and minutes >= 0):
        raise CoverageInputError.worded("input.common.minutes", field="minutes", value=minutes)
    _check_raster(buffer_m, resolution_m)
    return float(minutes) * 60.0


def _check_raster(buffer_m: float, resolution_m: float) -> None:
    if not (np.isfinite(buffer_m) and buffer_m > 0):
        raise CoverageInputError.worded("input.common.positive", field="buffer_m", value=buffer_m)
    if not (np.isfinite(resolution_m) and 0 < resolution_m <= buffer_m):
        raise CoverageInputError.worded(
            "input.access.resolution", field="resolution_m", value=resolution_m, buffer_m=buffer_m
        )


def _matrix(
    net: Network, mode: str, direction: str, model: TravelModel | None
) -> tuple[sp.csr_matrix, float]:
    graph = net.mode_graph(mode, model=model)
    delay_s = (model if model is not None else net.default_model(mode)).dispatch_delay_s
    return (graph.backward if direction == "to_facility" else graph.forward), delay_s
