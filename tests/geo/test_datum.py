"""GCJ-02 / BD-09 / WGS84 conversion against reference pairs published by other libraries."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.datum import (
    DatumError,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    is_in_china,
    to_wgs84,
    wgs84_to_gcj02,
)
from tests._refusals import refused

GEOD = Geod(ellps="WGS84")

# (wgs_lon, wgs_lat, gcj_lon, gcj_lat), full-precision outputs of the same published formula
EVILTRANSFORM_PAIRS = [
    # googollee/eviltransform python/test.py and go/transform_test.go, "shanghai"
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    # googollee/eviltransform python/test.py and go/transform_test.go, "shenzhen"
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    # googollee/eviltransform python/test.py and go/transform_test.go, "beijing"
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]

# (wgs, gcj, bd) as (lon, lat), rounded to 7 decimals in the source; Hunan cities only
GCOORD_CITIES = {
    # hujiulong/gcoord test/fixtures/china-cities.json, 长沙市 岳麓区
    "changsha": ((112.933373, 28.2317248), (112.938817, 28.2282132), (112.9452895, 28.2344052)),
    # hujiulong/gcoord test/fixtures/china-cities.json, 湘西州 吉首市
    "jishou": ((109.7346961, 28.3152951), (109.7394309, 28.311907), (109.7460078, 28.3175759)),
    # hujiulong/gcoord test/fixtures/china-cities.json, 永州市 冷水滩区
    "yongzhou": ((111.6081991, 26.4239855), (111.6134459, 26.4203993), (111.6199025, 26.4266586)),
}
# gcoord's own test compares these to 4 decimals; our values agree within 1e-5 degrees (~1 m)
GCOORD_CITY_TOL_DEG = 1e-5


def _distance_m(lon_a: object, lat_a: object, lon_b: object, lat_b: object) -> np.ndarray:
    return np.asarray(GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2])


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_PAIRS)
def test_wgs84_to_gcj02_matches_eviltransform(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_PAIRS)
def test_gcj02_to_wgs84_recovers_eviltransform_origin(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    # eviltransform's own exact inverse only promises 0.5 m; ours is within 1e-7 degrees
    lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon == pytest.approx(wgs_lon, abs=1e-7)
    assert lat == pytest.approx(wgs_lat, abs=1e-7)


def test_gcoord_unit_vectors() -> None:
    # hujiulong/gcoord test/unit/crs/WGS84.spec.ts: WGS84 to GCJ02 of [123, 45]
    assert wgs84_to_gcj02(123.0, 45.0) == pytest.approx((123.00607541, 45.00197815), abs=2e-8)
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.ts: GCJ02 to BD09 of [123, 45]
    assert gcj02_to_bd09(123.0, 45.0) == pytest.approx((123.00636499, 45.00636899), abs=2e-8)
    # hujiulong/gcoord test/unit/crs/BD09.spec.ts: BD09 to GCJ02 of [123, 45]
    assert bd09_to_gcj02(123.0, 45.0) == pytest.approx((122.99363304, 44.99365430), abs=2e-8)
    # gcoord's inverse stops at a 1e-6 degree residual, so its published answer is that coarse
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.ts: GCJ02 to WGS84 of [123, 45]
    assert gcj02_to_wgs84(123.0, 45.0) == pytest.approx((122.99395597, 44.99804071), abs=1e-6)
    # hujiulong/gcoord test/unit/crs/BD09.spec.ts: BD09 to WGS84 of [123, 45]
    assert bd09_to_wgs84(123.0, 45.0) == pytest.approx((122.98762210, 44.99171540), abs=1e-6)


def test_coordtransform_rs_vectors() -> None:
    # wyxloading/coordtransform-rs tests/tests.rs (the wandergis/coordtransform formulas)
    assert bd09_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-12
    )
    # wyxloading/coordtransform-rs tests/tests.rs
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )
    # wyxloading/coordtransform-rs tests/tests.rs
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )


def test_exact_inverse_beats_the_one_step_approximation() -> None:
    # wyxloading/coordtransform-rs tests/tests.rs: its gcj02_to_wgs84 is the one-step gcj - offset
    approx = (116.39775550083061, 39.91359571849836)
    exact = gcj02_to_wgs84(116.404, 39.915)
    residual_exact = np.subtract(wgs84_to_gcj02(*exact), (116.404, 39.915))
    residual_approx = np.subtract(wgs84_to_gcj02(*approx), (116.404, 39.915))
    assert np.abs(residual_exact).max() < 1e-9
    assert np.abs(residual_approx).max() > 1e-7
    # here the approximation is 6 cm off; over China it reaches a few metres
    assert _distance_m(*exact, *approx) == pytest.approx(0.061, abs=0.001)


@pytest.mark.parametrize("city", sorted(GCOORD_CITIES))
def test_hunan_reference_cities(city: str) -> None:
    wgs, gcj, bd = GCOORD_CITIES[city]
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=GCOORD_CITY_TOL_DEG)
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=GCOORD_CITY_TOL_DEG)
    assert gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=GCOORD_CITY_TOL_DEG)
    assert bd09_to_wgs84(*bd) == pytest.approx(wgs, abs=GCOORD_CITY_TOL_DEG)
    assert to_wgs84(*bd, crs="bd09") == pytest.approx(wgs, abs=GCOORD_CITY_TOL_DEG)


def test_changsha_offset_magnitude() -> None:
    # the reference pair for 岳麓区 (gcoord china-cities.json) is 661 m apart
    wgs, gcj, _ = GCOORD_CITIES["changsha"]
    assert _distance_m(*wgs, *gcj) == pytest.approx(661.0, abs=1.0)
    lon, lat = gcj02_to_wgs84(*gcj)
    assert _distance_m(lon, lat, *gcj) == pytest.approx(661.0, abs=1.0)


def test_changsha_hospitals_offset_and_round_trip(data_dir: Path) -> None:
    # the data README says "roughly 500 m"; the formula gives 650-680 m across Changsha
    df = pd.read_csv(data_dir / "changsha" / "changsha_hospitals_gcj02.csv")
    gcj_lon = df["lon_gcj02"].to_numpy()
    gcj_lat = df["lat_gcj02"].to_numpy()
    lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon.shape == (51,)
    offset_m = _distance_m(lon, lat, gcj_lon, gcj_lat)
    assert offset_m.min() > 600.0
    assert offset_m.max() < 700.0
    # WGS84 lies south-west of GCJ-02 in Hunan
    assert (lon < gcj_lon).all()
    assert (lat > gcj_lat - 0.01).all()
    back_lon, back_lat = wgs84_to_gcj02(lon, lat)
    assert np.abs(back_lon - gcj_lon).max() < 1e-7
    assert np.abs(back_lat - gcj_lat).max() < 1e-7


def test_round_trips_on_a_grid_over_china() -> None:
    lon, lat = np.meshgrid(np.linspace(75.0, 135.0, 61), np.linspace(5.0, 53.0, 49))
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert back_lon.shape == lon.shape
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7
    bd_lon, bd_lat = gcj02_to_bd09(gcj_lon, gcj_lat)
    wgs_lon, wgs_lat = bd09_to_wgs84(bd_lon, bd_lat)
    # the BD-09 inverse is Baidu's closed form, good to about 1e-6 degrees
    assert np.abs(wgs_lon - lon).max() < 2e-6
    assert np.abs(wgs_lat - lat).max() < 2e-6


def test_outside_china_is_unchanged() -> None:
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.ts: [183, 45] is "not in China"
    assert gcj02_to_wgs84(183.0, 45.0) == (183.0, 45.0)
    # Porto Alegre and Paris: no offset outside the box
    lon = np.array([-51.23, 2.35])
    lat = np.array([-30.03, 48.85])
    for convert in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, bd09_to_wgs84):
        out_lon, out_lat = convert(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)
    np.testing.assert_array_equal(is_in_china([112.9, -51.23], [28.2, -30.03]), [True, False])


def test_mixed_inside_and_outside_points_in_one_array() -> None:
    lon, lat = gcj02_to_wgs84(np.array([112.938817, 2.35]), np.array([28.2282132, 48.85]))
    assert (lon[1], lat[1]) == (2.35, 48.85)
    assert (lon[0], lat[0]) == pytest.approx(gcj02_to_wgs84(112.938817, 28.2282132), abs=1e-12)


def test_scalars_give_floats_and_arrays_keep_shape() -> None:
    lon, lat = wgs84_to_gcj02(112.9, 28.2)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    lon_a, lat_a = wgs84_to_gcj02([[112.9, 113.0]], [[28.2, 28.3]])
    assert lon_a.shape == (1, 2)
    assert lat_a.dtype == np.float64
    empty_lon, empty_lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert empty_lon.shape == (0,)
    assert empty_lat.shape == (0,)


def test_to_wgs84_dispatches_on_datum() -> None:
    assert to_wgs84(112.9, 28.2, crs="wgs84") == (112.9, 28.2)
    assert to_wgs84(112.9, 28.2, crs="GCJ02") == gcj02_to_wgs84(112.9, 28.2)
    assert to_wgs84(112.9, 28.2, crs="bd09") == bd09_to_wgs84(112.9, 28.2)


def test_to_wgs84_rejects_unknown_datum() -> None:
    with refused(DatumError, match="unknown value 'cgcs2000'"):
        to_wgs84(112.9, 28.2, crs="cgcs2000")


def test_mismatched_shapes_are_refused() -> None:
    with refused(DatumError, match="same shape"):
        gcj02_to_wgs84([112.9, 113.0], [28.2])
