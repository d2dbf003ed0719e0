"""Private square-grid helpers of the population surface: cells, road pieces, point location.

The grid is anchored at whole multiples of the cell size in the metric CRS, so two grids of the
same cell size always align. A *piece* is one grid cell intersected with one region polygon; a
cell cut by a region boundary gives one piece per region.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Grid:
    """A square grid in a metric CRS.

    Attributes
    ----------
    origin_x_m, origin_y_m
        Lower-left corner of cell (column 0, row 0), metres, a multiple of ``cell_size_m``.
    cell_size_m
        Side of a cell, metres.
    n_cols, n_rows
        Number of columns (east) and rows (north).
    """

    origin_x_m: float
    origin_y_m: float
    cell_size_m: float
    n_cols: int
    n_rows: int

    @property
    def n_cells(self) -> int:
        """Number of cells in the grid's bounding rectangle."""
        return self.n_cols * self.n_rows


@dataclass(frozen=True)
class Pieces:
    """Grid cells cut by region polygons, ordered by region, then row, then column.

    Attributes
    ----------
    region
        Index of the region (its position in the input) of each piece.
    col, row
        Grid column and row of each piece's cell.
    geometry
        Polygonal part of the cell inside the region, metric CRS.
    area_m2
        Area of each piece, square metres (``cell_size_m ** 2`` for an uncut cell).
    whole
        True when the piece is its whole cell (the cell lies strictly inside one region).
    """

    region: NDArray[np.int64]
    col: NDArray[np.int64]
    row: NDArray[np.int64]
    geometry: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    whole: NDArray[np.bool_]

    def cell_key(self, grid: Grid) -> NDArray[np.int64]:
        """Row-major index of each piece's cell in ``grid``."""
        return self.row * grid.n_cols + self.col


def make_grid(bounds: tuple[float, float, float, float], cell_size_m: float) -> Grid:
    """Smallest grid anchored at multiples of ``cell_size_m`` that covers ``bounds`` (metres)."""
    xmin, ymin, xmax, ymax = bounds
    col0 = np.floor(xmin / cell_size_m)
    row0 = np.floor(ymin / cell_size_m)
    n_cols = max(1, int(np.ceil(xmax / cell_size_m) - col0))
    n_rows = max(1, int(np.ceil(ymax / cell_size_m) - row0))
    return Grid(
        origin_x_m=float(col0 * cell_size_m),
        origin_y_m=float(row0 * cell_size_m),
        cell_size_m=cell_size_m,
        n_cols=n_cols,
        n_rows=n_rows,
    )


def cut_regions(grid: Grid, geometries: NDArray[np.object_]) -> Pieces:
    """Intersect every region polygon with the grid cells that its bounds touch.

    The cells a region's boundary passes through are found by walking its rings along the grid
    and are the only ones intersected; every other cell lies wholly inside or wholly outside,
    which its centre decides. Pieces with zero area (cells that merely touch a region) are
    dropped. Regions are assumed not to overlap (a partition, as counties are); at least one
    region is needed.
    """
    parts: list[tuple[NDArray[np.int64], ...]] = []
    geoms: list[NDArray[np.object_]] = []
    areas: list[NDArray[np.float64]] = []
    wholes: list[NDArray[np.bool_]] = []
    s = grid.cell_size_m
    for i, polygon in enumerate(geometries):
        col, row = _candidate_cells(grid, shapely.bounds(polygon))
        edge = np.isin(row * grid.n_cols + col, _boundary_cells(grid, polygon))
        shapely.prepare(polygon)
        inside = np.zeros(col.shape[0], dtype=np.bool_)
        inside[~edge] = shapely.contains_xy(
            polygon,
            grid.origin_x_m + (col[~edge] + 0.5) * s,
            grid.origin_y_m + (row[~edge] + 0.5) * s,
        )
        col, row, edge = col[inside | edge], row[inside | edge], edge[inside | edge]
        x0 = grid.origin_x_m + col * s
        y0 = grid.origin_y_m + row * s
        piece = np.asarray(shapely.box(x0, y0, x0 + s, y0 + s), dtype=object)
        piece[edge] = _polygonal(
            np.asarray(shapely.intersection(piece[edge], polygon), dtype=object)
        )
        area = np.where(edge, np.asarray(shapely.area(piece), dtype=np.float64), s * s)
        keep = area > 0.0
        parts.append((np.full(int(keep.sum()), i, dtype=np.int64), col[keep], row[keep]))
        geoms.append(piece[keep])
        areas.append(area[keep])
        wholes.append(~edge[keep])
    return Pieces(
        region=np.concatenate([p[0] for p in parts]),
        col=np.concatenate([p[1] for p in parts]),
        row=np.concatenate([p[2] for p in parts]),
        geometry=np.concatenate(geoms),
        area_m2=np.concatenate(areas).astype(np.float64),
        whole=np.concatenate(wholes),
    )


def _boundary_cells(grid: Grid, polygon: shapely.Geometry) -> NDArray[np.int64]:
    """Row-major keys of the cells that the rings of ``polygon`` pass through."""
    rings = shapely.get_rings(shapely.get_parts(polygon))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    start = coords[:-1][same]
    end = coords[1:][same]
    mid_x, mid_y, _ = split_segments(
        grid, start[:, 0], start[:, 1], end[:, 0], end[:, 1], weight=np.ones(start.shape[0])
    )
    # a ring running along a grid line marks one of the two cells: the other is whole either way
    col = np.floor((mid_x - grid.origin_x_m) / grid.cell_size_m).astype(np.int64)
    row = np.floor((mid_y - grid.origin_y_m) / grid.cell_size_m).astype(np.int64)
    return np.unique(row * grid.n_cols + col)


def _candidate_cells(
    grid: Grid, bounds: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Columns and rows (row-major order) of the cells overlapping ``bounds``."""
    s = grid.cell_size_m
    c0 = max(0, int(np.floor((bounds[0] - grid.origin_x_m) / s)))
    c1 = min(grid.n_cols, int(np.ceil((bounds[2] - grid.origin_x_m) / s)))
    r0 = max(0, int(np.floor((bounds[1] - grid.origin_y_m) / s)))
    r1 = min(grid.n_rows, int(np.ceil((bounds[3] - grid.origin_y_m) / s)))
    n_c = max(0, c1 - c0)
    n_r = max(0, r1 - r0)
    row, col = np.divmod(np.arange(n_c * n_r, dtype=np.int64), max(n_c, 1))
    return col + c0, row + r0


def _polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Keep the polygonal parts of overlay results (a cut may also yield touching lines)."""
    kinds = np.asarray(shapely.get_type_id(geoms))
    # GEOS type ids 3 Polygon, 6 MultiPolygon (shapely.GeometryType)
    mixed = ~np.isin(kinds, (3, 6))
    if not mixed.any():
        return geoms
    out = geoms.copy()
    parts, index = shapely.get_parts(geoms[mixed], return_index=True)
    poly = np.asarray(shapely.get_type_id(parts)) == 3
    owners, compact = np.unique(index[poly], return_inverse=True)
    fixed = np.full(int(mixed.sum()), shapely.Polygon(), dtype=object)
    fixed[owners] = shapely.multipolygons(parts[poly], indices=compact)
    out[mixed] = fixed
    return out


def split_segments(
    grid: Grid,
    x0: NDArray[np.float64],
    y0: NDArray[np.float64],
    x1: NDArray[np.float64],
    y1: NDArray[np.float64],
    *,
    weight: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split straight segments at every grid line they cross.

    Returns
    -------
    mid_x_m, mid_y_m, length_m
        Midpoint (metres) and weighted length (metres times ``weight``) of every sub-segment;
        each sub-segment lies inside a single grid cell.
    """
    s = grid.cell_size_m
    u0 = (x0 - grid.origin_x_m) / s
    u1 = (x1 - grid.origin_x_m) / s
    v0 = (y0 - grid.origin_y_m) / s
    v1 = (y1 - grid.origin_y_m) / s
    first_u, n_u = _lines_crossed(u0, u1)
    first_v, n_v = _lines_crossed(v0, v1)
    n_lines = n_u + n_v
    length_m = np.hypot(x1 - x0, y1 - y0) * weight
    used = length_m > 0.0

    # most road segments are far shorter than a cell: they cross no grid line, or just one
    whole = np.flatnonzero(used & (n_lines == 0))
    once = np.flatnonzero(used & (n_lines == 1))
    many = np.flatnonzero(used & (n_lines > 1))
    t_cut = np.where(
        n_u[once] == 1,
        (first_u[once] - u0[once]) / np.where(n_u[once] == 1, (u1 - u0)[once], 1.0),
        (first_v[once] - v0[once]) / np.where(n_v[once] == 1, (v1 - v0)[once], 1.0),
    )
    t_a, t_b, owner = _crossing_parameters(u0[many], v0[many], u1[many], v1[many])
    seg = np.concatenate([whole, once, once, many[owner]])
    t_a = np.concatenate([np.zeros(whole.shape[0] + once.shape[0]), t_cut, t_a])
    t_b = np.concatenate([np.ones(whole.shape[0]), t_cut, np.ones(once.shape[0]), t_b])
    t_mid = 0.5 * (t_a + t_b)
    mid_x_m = x0[seg] + t_mid * (x1 - x0)[seg]
    mid_y_m = y0[seg] + t_mid * (y1 - y0)[seg]
    return mid_x_m, mid_y_m, (t_b - t_a) * length_m[seg]


def _lines_crossed(
    a0: NDArray[np.float64], a1: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """First grid line strictly between ``a0`` and ``a1`` (cell units) and how many there are.

    An end lying exactly on a grid line needs no cut there.
    """
    first = np.floor(np.minimum(a0, a1)) + 1.0
    count = np.maximum(0.0, np.ceil(np.maximum(a0, a1)) - first).astype(np.int64)
    return first, count


def _crossing_parameters(
    u0: NDArray[np.float64],
    v0: NDArray[np.float64],
    u1: NDArray[np.float64],
    v1: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Start and end parameters (0 to 1) of the sub-segments of segments given in cell units.

    Returns ``t_a, t_b`` and the index of the segment owning each sub-segment.
    """
    first_u, n_u = _lines_crossed(u0, u1)
    first_v, n_v = _lines_crossed(v0, v1)
    # every segment gets its end parameters 0 and 1 plus one parameter per crossing
    n_t = n_u + n_v + 2
    seg = np.repeat(np.arange(u0.shape[0], dtype=np.int64), n_t)
    pos = np.arange(seg.shape[0], dtype=np.int64) - np.repeat(np.cumsum(n_t) - n_t, n_t)
    nu = n_u[seg]
    on_u = (pos >= 2) & (pos < 2 + nu)
    on_v = pos >= 2 + nu
    du = np.where(on_u, (u1 - u0)[seg], 1.0)
    dv = np.where(on_v, (v1 - v0)[seg], 1.0)
    t = np.where(pos == 1, 1.0, 0.0)
    t = np.where(on_u, (first_u[seg] + (pos - 2) - u0[seg]) / du, t)
    t = np.where(on_v, (first_v[seg] + (pos - 2 - nu) - v0[seg]) / dv, t)

    # one sort orders the parameters within each segment: segment k spans keys [2k, 2k + 1]
    order = np.argsort(2.0 * seg + t, kind="stable")
    seg = seg[order]
    t = t[order]
    same = seg[:-1] == seg[1:]
    t_a = t[:-1][same]
    t_b = t[1:][same]
    keep = t_b > t_a
    return t_a[keep], t_b[keep], seg[:-1][same][keep]


def locate_points(
    grid: Grid, pieces: Pieces, x_m: NDArray[np.float64], y_m: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Index of the piece holding each point, or -1 when the point is in no region.

    A point in a whole cell is placed by arithmetic alone; only points in cut cells are tested
    against the (two or three) pieces of their cell. A point on a boundary shared by two pieces
    goes to the first of them.
    """
    s = grid.cell_size_m
    col = np.floor((x_m - grid.origin_x_m) / s).astype(np.int64)
    row = np.floor((y_m - grid.origin_y_m) / s).astype(np.int64)
    on_grid = (col >= 0) & (col < grid.n_cols) & (row >= 0) & (row < grid.n_rows)
    key = np.where(on_grid, row * grid.n_cols + col, 0)
    result = np.full(x_m.shape[0], -1, dtype=np.int64)
    if pieces.region.shape[0] == 0:
        return result

    # per cell: the piece index when the cell is one whole piece, -2 when it must be tested
    piece_key = pieces.cell_key(grid)
    lookup = np.full(grid.n_cells, -1, dtype=np.int64)
    lookup[piece_key] = -2
    lookup[piece_key[pieces.whole]] = np.flatnonzero(pieces.whole)
    found = np.where(on_grid, lookup[key], -1)
    result[found >= 0] = found[found >= 0]

    tested = np.flatnonzero(found == -2)
    if tested.shape[0] == 0:
        return result
    by_key = np.argsort(piece_key, kind="stable")
    sorted_key = piece_key[by_key]
    lo = np.searchsorted(sorted_key, key[tested], side="left")
    hi = np.searchsorted(sorted_key, key[tested], side="right")
    n_cand = hi - lo
    point = np.repeat(tested, n_cand)
    offset = np.arange(point.shape[0]) - np.repeat(np.cumsum(n_cand) - n_cand, n_cand)
    cand = by_key[np.repeat(lo, n_cand) + offset]
    shapely.prepare(pieces.geometry[cand])
    hit = np.asarray(shapely.intersects_xy(pieces.geometry[cand], x_m[point], y_m[point]))
    first_point, first = np.unique(point[hit], return_index=True)
    result[first_point] = cand[hit][first]
    return result
