"""Chinese web-map datums: GCJ-02 and BD-09 to and from WGS84.

GCJ-02 (the "Mars" datum of the 2002 State Bureau of Surveying and Mapping rules) is WGS84 plus a
smooth, position-dependent offset of a few hundred metres; Amap, Tencent and Google China publish
coordinates in it. BD-09 (Baidu) is GCJ-02 turned by one more small closed-form rotation. The
forward formulas are the de-facto published ones (the leaked obfuscation, reproduced by every
open library, e.g. googollee/eviltransform and hujiulong/gcoord); the inverse of GCJ-02 has no
closed form, so :func:`gcj02_to_wgs84` solves it by fixed-point iteration.

Outside China no offset applies: a point outside the box 72.004–137.8347 °E, 0.8293–55.8271 °N
(the usual ``out_of_china`` box of eviltransform and gcoord) is returned unchanged by every
function here, so the functions are the identity there, as the map providers are.

Every function takes longitude and latitude in degrees, as scalars or array-likes of one shape
(vectorised with numpy), and returns ``(lon, lat)`` in degrees: Python floats for scalar input,
float64 arrays otherwise.
"""

from collections.abc import Callable
from typing import Final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import DatumError

__all__ = [
    "DATUMS",
    "DatumError",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "is_in_china",
    "to_wgs84",
    "wgs84_to_gcj02",
]

FloatArray = NDArray[np.float64]
DATUMS: Final[tuple[str, ...]] = ("wgs84", "gcj02", "bd09")
_Converter = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

# Krasovsky 1940 ellipsoid, which the GCJ-02 formula uses (semi-major axis in metres, e²)
_KRASOVSKY_A_M: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
# the out_of_china box of googollee/eviltransform and hujiulong/gcoord (degrees)
_CHINA_MIN_LON: Final = 72.004
_CHINA_MAX_LON: Final = 137.8347
_CHINA_MIN_LAT: Final = 0.8293
_CHINA_MAX_LAT: Final = 55.8271
# BD-09 rotation constant π·3000/180 (Baidu's published formula, as in eviltransform's gcj2bd)
_BD_FACTOR: Final = np.pi * 3000.0 / 180.0
# the inverse stops when the forward image is within this of the target (degrees, ~0.1 mm)
_INVERSE_TOLERANCE_DEG: Final = 1e-9
# the fixed-point map contracts ~150-fold per step (measured over China): 5 steps; 30 is a guard
_INVERSE_MAX_ITER: Final = 30


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise DatumError.worded(
            "input.datum.shapes", field="lat", lon_shape=lon_a.shape, lat_shape=lat_a.shape
        )
    return lon_a, lat_a


def _is_scalar(lon: ArrayLike, lat: ArrayLike) -> bool:
    return bool(np.ndim(lon) == 0 and np.ndim(lat) == 0)


def _in_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    inside: NDArray[np.bool_] = (
        (lon >= _CHINA_MIN_LON)
        & (lon <= _CHINA_MAX_LON)
        & (lat >= _CHINA_MIN_LAT)
        & (lat <= _CHINA_MAX_LAT)
    )
    return inside


def _gcj02_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 minus WGS84 offset (degrees) at WGS84 ``lon``, ``lat`` (degrees)."""
    # the published polynomial-plus-sines in a frame centred on 105 °E, 35 °N
    x = lon - 105.0
    y = lat - 35.0
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += common * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y / 30.0 * np.pi)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += common * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    # metres on the Krasovsky ellipsoid to degrees: meridian and parallel radii of curvature
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)

    # no offset outside China
    inside = _in_china(lon, lat)
    d_lon_out: FloatArray = np.where(inside, d_lon, 0.0)
    d_lat_out: FloatArray = np.where(inside, d_lat, 0.0)
    return d_lon_out, d_lat_out


def _wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    d_lon, d_lat = _gcj02_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # solve wgs + offset(wgs) = gcj by fixed-point iteration, starting from the GCJ-02 point
    inside = _in_china(lon, lat)
    wgs_lon = lon.copy()
    wgs_lat = lat.copy()
    for _ in range(_INVERSE_MAX_ITER):
        fwd_lon, fwd_lat = _wgs84_to_gcj02(wgs_lon, wgs_lat)
        res_lon = np.where(inside, fwd_lon - lon, 0.0)
        res_lat = np.where(inside, fwd_lat - lat, 0.0)
        wgs_lon = wgs_lon - res_lon
        wgs_lat = wgs_lat - res_lat
        if res_lon.size == 0 or max(np.abs(res_lon).max(), np.abs(res_lat).max()) < (
            _INVERSE_TOLERANCE_DEG
        ):
            return wgs_lon, wgs_lat
    raise DatumError.worded("input.datum.converge", field="lon", n=_INVERSE_MAX_ITER)


def _gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Baidu's shift: a small radial and angular perturbation, then a constant offset (degrees)
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_FACTOR)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_FACTOR)
    inside = _in_china(lon, lat)
    bd_lon: FloatArray = np.where(inside, z * np.cos(theta) + 0.0065, lon)
    bd_lat: FloatArray = np.where(inside, z * np.sin(theta) + 0.006, lat)
    return bd_lon, bd_lat


def _bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_FACTOR)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_FACTOR)
    inside = _in_china(lon, lat)
    gcj_lon: FloatArray = np.where(inside, z * np.cos(theta), lon)
    gcj_lat: FloatArray = np.where(inside, z * np.sin(theta), lat)
    return gcj_lon, gcj_lat


def _bd09_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj02_to_wgs84(*_bd09_to_gcj02(lon, lat))


def _apply(
    convert: _Converter, lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    lon_a, lat_a = _as_arrays(lon, lat)
    out_lon, out_lat = convert(lon_a, lat_a)
    if _is_scalar(lon, lat):
        return float(out_lon), float(out_lat)
    return out_lon, out_lat


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS84 coordinates to GCJ-02.

    Adds the published GCJ-02 offset, a few hundred metres in Hunan (about 500 m in Changsha).

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees, scalars or array-likes of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02, degrees; unchanged outside China.
    """
    return _apply(_wgs84_to_gcj02, lon, lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to WGS84.

    The exact inverse of :func:`wgs84_to_gcj02`, found by fixed-point iteration until the forward
    image of the answer lies within 1e-9 degrees (about 0.1 mm) of the input; not the one-step
    approximation ``gcj - offset(gcj)``, which is off by up to 5 m in China (3 m in Hunan).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees, scalars or array-likes of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84, degrees; unchanged outside China.
    """
    return _apply(_gcj02_to_wgs84, lon, lat)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to BD-09.

    Baidu's closed-form shift (about 0.0065 degrees east and 0.006 north plus a small rotation).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees, scalars or array-likes of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09, degrees; unchanged outside China.
    """
    return _apply(_gcj02_to_bd09, lon, lat)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 coordinates to GCJ-02.

    Baidu's published closed-form inverse of :func:`gcj02_to_bd09` (residual below 1e-6 degrees).

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees, scalars or array-likes of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02, degrees; unchanged outside China.
    """
    return _apply(_bd09_to_gcj02, lon, lat)


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 coordinates to WGS84.

    :func:`bd09_to_gcj02` followed by the exact :func:`gcj02_to_wgs84`.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees, scalars or array-likes of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84, degrees; unchanged outside China.
    """
    return _apply(_bd09_to_wgs84, lon, lat)


def _identity(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return lon, lat


_TO_WGS84: Final[dict[str, _Converter]] = {
    "wgs84": _identity,
    "gcj02": _gcj02_to_wgs84,
    "bd09": _bd09_to_wgs84,
}


@overload
def to_wgs84(lon: float, lat: float, *, crs: str) -> tuple[float, float]: ...
@overload
def to_wgs84(lon: ArrayLike, lat: ArrayLike, *, crs: str) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, crs: str
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert coordinates given in datum ``crs`` to WGS84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees in the datum ``crs``, scalars or array-likes of one
        shape.
    crs
        The datum of the input: ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (case-insensitive).

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84, degrees.

    Raises
    ------
    DatumError
        If ``crs`` is not one of the three datums, or the shapes differ.
    """
    convert = _TO_WGS84.get(crs.lower())
    if convert is None:
        raise DatumError.worded(
            "input.common.choice", field="crs", value=crs, expected=" / ".join(DATUMS)
        )
    return _apply(convert, lon, lat)


def is_in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Return whether each point lies in the box where the Chinese datums apply an offset.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees.

    Returns
    -------
    numpy.ndarray
        Boolean array, true inside 72.004–137.8347 °E, 0.8293–55.8271 °N.
    """
    return _in_china(*_as_arrays(lon, lat))
