"""Population rasters and point grids onto analysis cells; calibration to census totals."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from geo.errors import InputError
from geo.population import raster as raster_module
from geo.population.raster import calibrate_to_totals, point_cell_sums, raster_cell_sums
from tests._refusals import refused

UTM = "EPSG:32649"


def _tif(
    path: Path,
    values: np.ndarray,
    *,
    x0: float,
    y0: float,
    size: float,
    crs: str,
    nodata: float | None = None,
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(x0, y0, size, size),
        nodata=nodata,
    ) as dst:
        dst.write(values.astype(np.float32), 1)
    return path


def test_hand_built_raster_gives_exact_cell_sums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 6 × 4 pixels of 100 m, values 1…24, read three rows at a time (two windows)
    monkeypatch.setattr(raster_module, "WINDOW_ROWS", 3)
    values = np.arange(1, 25, dtype=float).reshape(6, 4)
    values[5, 3] = -9999.0  # nodata
    path = _tif(
        tmp_path / "pop.tif", values, x0=600_000, y0=3_100_600, size=100, crs=UTM, nodata=-9999.0
    )
    # west cell: columns 0–1; east cell: columns 2–3 (their border runs along pixel edges); a
    # third cell outside the raster
    cells = gpd.GeoDataFrame(
        geometry=[
            box(600_000, 3_100_000, 600_200, 3_100_600),
            box(600_200, 3_100_000, 600_400, 3_100_600),
            box(700_000, 3_100_000, 700_100, 3_100_100),
        ],
        crs=UTM,
    )

    sums = raster_cell_sums(path, cells)

    west = values[:, :2].sum()
    east = values[:, 2:].sum() + 9999.0  # the nodata pixel counts as nobody
    assert sums.tolist() == [west, east, 0.0]


def test_raster_in_degrees_onto_metric_cells(tmp_path: Path) -> None:
    # a 0.01° raster around (113.0, 28.0): every pixel holds 10 people
    values = np.full((10, 10), 10.0)
    path = _tif(tmp_path / "deg.tif", values, x0=112.95, y0=28.05, size=0.01, crs="EPSG:4326")
    cells = gpd.GeoDataFrame(geometry=[box(112.9, 27.9, 113.1, 28.1)], crs="EPSG:4326").to_crs(UTM)

    assert raster_cell_sums(path, cells).tolist() == [1000.0]


def test_point_on_a_shared_border_counts_once() -> None:
    cells = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=UTM)
    sums = point_cell_sums(
        np.array([1.0, 0.5, 5.0]), np.array([0.5, 0.5, 5.0]), np.array([7.0, 3.0, 100.0]), cells
    )
    assert sums.sum() == 10.0
    assert sorted(sums.tolist()) in ([3.0, 7.0], [0.0, 10.0])


def test_calibration_sums_exactly_to_each_units_total() -> None:
    sums = np.array([1.0, 2.0, 3.0, 0.0, 0.0, 0.4])
    units = np.array(["a", "a", "a", "b", "b", "c"])

    counts, empty = calibrate_to_totals(sums, units, {"a": 1001, "b": 5, "c": 7})

    assert counts.dtype == np.int64
    assert counts[:3].sum() == 1001
    assert counts[3:5].sum() == 5
    assert counts[5] == 7
    # the raster's pattern survives: 1 : 2 : 3
    assert counts[:3].tolist() == [167, 334, 500]
    assert empty == ["b"]


def test_an_unreadable_raster_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "not.tif"
    bad.write_text("no raster")
    cells = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=UTM)
    with refused(InputError, match=r"not\.tif"):
        raster_cell_sums(bad, cells)
