"""Points read from CSV: population grids and facility lists in WGS84 longitude / latitude.

The one reader of point CSVs (``fplan coverage``'s facilities and population, the Porto Alegre
H3 grid ``poa_hexgrid.csv`` of the benchmarks): a real population grid is used as it is, with no
disaggregation. Every error names the file and, for a bad value, its line (the header is line 1).
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import PopulationError

# the file's first data row is line 2: line 1 is the header
_FIRST_DATA_LINE = 2


def read_points(
    path: str | Path,
    *,
    weight_column: str | None = None,
    lon_column: str = "lon",
    lat_column: str = "lat",
) -> gpd.GeoDataFrame:
    """Read a CSV of WGS84 points, optionally weighted (e.g. residents per population cell).

    Parameters
    ----------
    path
        CSV file with a header row.
    weight_column
        Column of a non-negative weight per point (people for a population grid); None for
        unweighted points such as facilities.
    lon_column, lat_column
        Columns of longitude and latitude, degrees (WGS84, EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the file in file order, with ``lon_column``, ``lat_column`` and
        ``weight_column`` as floats, and point geometry in EPSG:4326.

    Raises
    ------
    PopulationError
        When the file cannot be read as CSV, a column is missing, a value is not a number, a
        coordinate is outside WGS84's range or a weight is negative; the message names the file,
        the column and the line.
    """
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise PopulationError.worded(
            "input.common.unreadable_csv", field="path", name=Path(path).name
        ) from exc
    options = {"lon_column": lon_column, "lat_column": lat_column, "weight_column": weight_column}
    for option, name in options.items():
        if name is not None and name not in frame.columns:
            raise PopulationError.worded(
                "input.common.no_column_in",
                field=option,
                name=Path(path).name,
                column=name,
                have=" / ".join(map(str, frame.columns)),
            )
    required = [name for name in options.values() if name is not None]

    # every required value a finite number, named by its line when it is not
    for column in required:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        bad = ~np.isfinite(values.to_numpy())
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise PopulationError.worded(
                "input.common.not_number",
                field=column,
                name=Path(path).name,
                line=row + _FIRST_DATA_LINE,
                value=frame[column].astype(object).iloc[row],
            )
        frame[column] = values

    # coordinates in WGS84's range, weights not negative
    lon = frame[lon_column].to_numpy()
    lat = frame[lat_column].to_numpy()
    outside = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise PopulationError.worded(
            "input.common.lonlat_line",
            field=lon_column,
            name=Path(path).name,
            line=row + _FIRST_DATA_LINE,
            lon=lon[row],
            lat=lat[row],
        )
    if weight_column:
        negative = frame[weight_column].to_numpy() < 0.0
        if negative.any():
            row = int(np.flatnonzero(negative)[0])
            raise PopulationError.worded(
                "input.common.negative_line",
                field=weight_column,
                name=Path(path).name,
                line=row + _FIRST_DATA_LINE,
                value=frame[weight_column].iloc[row],
            )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
