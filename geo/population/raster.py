"""Population from a raster (WorldPop, GHS-POP GeoTIFF) or a point grid, onto the analysis cells.

:func:`raster_cell_sums` adds up the raster's people per analysis cell: each pixel's count goes to
the cell holding the pixel's centre (a pixel on a border between two cells goes to one of them,
never to both). The raster may be in any CRS (the cells are projected to it) and is read window by
window, :data:`WINDOW_ROWS` rows at a time, so a 100 m raster of a whole prefecture needs memory
for one window, not the file. :func:`point_cell_sums` does the same for points with a count.
:func:`calibrate_to_totals` then scales each unit's cells to its census total exactly (the
raster gives the distribution, the census the level), in whole persons.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from geo.errors import PopulationError

if TYPE_CHECKING:
    import geopandas as gpd

# rows of the raster read at once: 512 rows of a 100 m raster 5,000 pixels wide are 20 MB
WINDOW_ROWS: Final = 512


def _assign(
    tree: "object", x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(point index, cell index) for every point inside or on a cell, each point once."""
    import shapely

    points = shapely.points(x, y)
    point_idx, cell_idx = tree.query(points, predicate="intersects")  # type: ignore[attr-defined]
    # a point on the border of two cells counts once, in the first cell found
    point_idx, first = np.unique(point_idx, return_index=True)
    return point_idx.astype(np.int64), cell_idx[first].astype(np.int64)


def raster_cell_sums(
    path: Path,
    cells: "gpd.GeoDataFrame",
    *,
    band: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float64]:
    """People of a population raster per cell, read by windows.

    Parameters
    ----------
    path
        A GeoTIFF (or any raster GDAL reads) of people per pixel, with a CRS.
    cells
        The analysis cells (polygons, any CRS).
    band
        The band holding the counts.
    progress
        Called as ``progress(rows_read, rows)`` after each window (raster rows the cells reach).

    Returns
    -------
    numpy.ndarray
        Persons per cell (float, as the raster holds them), in the order of ``cells``; pixels
        marked nodata, negative or not finite count as none.

    Raises
    ------
    PopulationError
        When the raster cannot be read, has no CRS or no such band, or lies outside the cells.
    """
    import rasterio
    import shapely
    from rasterio.windows import Window, from_bounds

    sums = np.zeros(len(cells), dtype=np.float64)
    try:
        source = rasterio.open(path)
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise PopulationError.worded(
            "input.population.raster_unreadable", field="path", name=path.name
        ) from exc
    with source:
        if source.crs is None:
            raise PopulationError.worded(
                "input.population.raster_crs", field="path", name=path.name
            )
        if not 1 <= band <= source.count:
            raise PopulationError.worded(
                "input.population.band", field="band", value=band, n=source.count
            )
        projected = cells.to_crs(source.crs)
        tree = shapely.STRtree(projected.geometry.to_numpy())
        # only the rows and columns the cells reach are read
        reach = from_bounds(*projected.total_bounds, transform=source.transform)
        col0 = max(int(np.floor(reach.col_off)), 0)
        row0 = max(int(np.floor(reach.row_off)), 0)
        col1 = min(int(np.ceil(reach.col_off + reach.width)), source.width)
        row1 = min(int(np.ceil(reach.row_off + reach.height)), source.height)
        if col1 <= col0 or row1 <= row0:
            raise PopulationError.worded(
                "input.population.raster_outside", field="path", name=path.name
            )
        nodata = source.nodata
        for top in range(row0, row1, WINDOW_ROWS):
            if progress is not None:
                progress(top - row0, row1 - row0)
            window = Window(col0, top, col1 - col0, min(WINDOW_ROWS, row1 - top))
            if window.width <= 0 or window.height <= 0:
                continue
            values = source.read(band, window=window).astype(np.float64)
            keep = np.isfinite(values) & (values > 0)
            if nodata is not None:
                keep &= values != nodata
            rows, cols = np.nonzero(keep)
            if rows.size == 0:
                continue
            # pixel centres in the raster's CRS
            xs, ys = rasterio.transform.xy(
                source.transform, rows + top, cols + col0, offset="center"
            )
            point_idx, cell_idx = _assign(tree, np.asarray(xs), np.asarray(ys))
            np.add.at(sums, cell_idx, values[rows, cols][point_idx])
    return sums


def point_cell_sums(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    people: NDArray[np.float64],
    cells: "gpd.GeoDataFrame",
) -> NDArray[np.float64]:
    """People of a point grid per cell (points in the cells' CRS); points outside count nowhere."""
    import shapely

    tree = shapely.STRtree(cells.geometry.to_numpy())
    point_idx, cell_idx = _assign(tree, x, y)
    sums = np.zeros(len(cells), dtype=np.float64)
    np.add.at(sums, cell_idx, people[point_idx])
    return sums


def calibrate_to_totals(
    sums: NDArray[np.float64], unit_of_cell: NDArray[np.str_], totals: Mapping[str, int]
) -> tuple[NDArray[np.int64], list[str]]:
    """Whole persons per cell, each unit's cells adding up exactly to its total.

    Parameters
    ----------
    sums
        The source's persons per cell (the distribution).
    unit_of_cell
        The unit (adcode) of each cell.
    totals
        The census total of each unit (the level).

    Returns
    -------
    counts, empty
        Persons per cell (largest-remainder rounding); and the units where the source holds
        nobody, whose total is then spread evenly over their cells (to be reported).
    """
    counts = np.zeros(len(sums), dtype=np.int64)
    empty: list[str] = []
    for unit, total in totals.items():
        mask = unit_of_cell == unit
        if not mask.any():
            continue
        weights = np.clip(sums[mask], 0.0, None)
        if weights.sum() <= 0:
            empty.append(unit)
            weights = np.ones_like(weights)
        exact = total * weights / weights.sum()
        part = np.floor(exact).astype(np.int64)
        extra = int(total - part.sum())
        part[np.argsort(-(exact - part), kind="stable")[:extra]] += 1
        counts[mask] = part
    return counts, empty
