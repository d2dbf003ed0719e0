"""Isochrone and gap polygons on tiny networks, with the raster's accuracy bounds.

Residential streets at 36 km/h = 10 m/s: a 100 m segment takes 10 s.
"""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.access.coverage import nearest_facility
from geo.access.isochrones import merged_isochrone
from geo.errors import CoverageInputError
from geo.network import Network, network_from_arrays
from geo.network.speeds import travel_model
from tests._refusals import refused

CRS = "EPSG:32649"
X0, Y0 = 691_000.0, 3_119_000.0
FAST = travel_model("drive", speed_kph={"residential": 36.0})
BUFFER_M = 20.0
RESOLUTION_M = 2.0
# raster bounds: points within buffer - sqrt(2) cells - half a sampling step are inside, and
# nothing beyond buffer + sqrt(2) cells is
INNER_M = BUFFER_M - math.sqrt(2) * RESOLUTION_M - RESOLUTION_M / 2
OUTER_M = BUFFER_M + math.sqrt(2) * RESOLUTION_M


@pytest.fixture
def street() -> Network:
    """0 - 1 - 2 - 3 along x, 100 m apart, two-way residential."""
    return network_from_arrays(
        X0 + np.arange(4) * 100.0,
        np.full(4, Y0),
        [0, 1, 2],
        [1, 2, 3],
        ["residential"] * 3,
        crs=CRS,
    )


def segment(x_from: float, x_to: float) -> LineString:
    return LineString([(X0 + x_from, Y0), (X0 + x_to, Y0)])


def assert_between(geom: shapely.Geometry, reached: shapely.Geometry) -> None:
    """``geom`` holds the inner buffer of ``reached`` and lies inside its outer buffer."""
    assert geom.contains(reached.buffer(INNER_M))
    assert reached.buffer(OUTER_M).contains(geom)


def test_merged_isochrone_includes_partial_edges(street: Network) -> None:
    nearest = nearest_facility(street, [0], mode="drive", model=FAST, limit_s=15.0)
    gdf = merged_isochrone(
        street, nearest, minutes=0.25, buffer_m=BUFFER_M, resolution_m=RESOLUTION_M, model=FAST
    )
    assert len(gdf) == 1
    assert gdf.crs == CRS
    assert gdf["mode"].iloc[0] == "drive"
    assert not gdf["synthetic"].iloc[0]
    # 15 s at 10 m/s: the street from 0 to 150 m
    assert_between(gdf.geometry.iloc[0], segment(0.0, 150.0))


def test_one_way_fringe_depends_on_direction() -> None:
    # 0 -> 1 -> 2 one-way: the ambulance at 0 reaches 2, patients at 2 cannot reach 0
    net = network_from_arrays(
        X0 + np.arange(3) * 100.0,
        np.full(3, Y0),
        [0, 1],
        [1, 2],
        ["residential"] * 2,
        crs=CRS,
        oneway=[True, True],
    )
    away, to = (
        merged_isochrone(
            net,
            nearest_facility(net, [0], mode="drive", direction=direction, model=FAST, limit_s=15.0),
            minutes=0.25,
            model=FAST,
            buffer_m=BUFFER_M,
            resolution_m=RESOLUTION_M,
        )
        for direction in ("from_facility", "to_facility")
    )
    assert away.geometry.iloc[0].contains(Point(X0 + 140.0, Y0))
    assert not to.geometry.iloc[0].contains(Point(X0 + 60.0, Y0))
    assert to.geometry.iloc[0].contains(Point(X0, Y0))


def test_ems_delay_beyond_the_limit_gives_empty_polygons(street: Network) -> None:
    nearest = nearest_facility(street, [0], mode="ems", limit_s=120.0)
    gdf = merged_isochrone(street, nearest, minutes=2.0)
    assert gdf.geometry.iloc[0].is_empty


def test_wgs84_output(street: Network) -> None:
    nearest = nearest_facility(street, [0], mode="drive", model=FAST, limit_s=15.0)
    gdf = merged_isochrone(street, nearest, minutes=0.25, model=FAST, to_crs="EPSG:4326")
    assert gdf.crs == "EPSG:4326"
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 112.9 < minx < maxx < 113.1
    assert 28.1 < miny < maxy < 28.3


def test_merged_isochrone_needs_a_long_enough_search(street: Network) -> None:
    nearest = nearest_facility(street, [0], mode="drive", model=FAST, limit_s=10.0)
    with refused(CoverageInputError, match=r"searched to 10\.0 s"):
        merged_isochrone(street, nearest, minutes=0.25, model=FAST)
    with refused(CoverageInputError, match="resolution_m"):
        merged_isochrone(street, nearest, minutes=0.1, model=FAST, resolution_m=500.0)
