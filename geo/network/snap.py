"""Snap points (facilities, population) to the nearest network node with a KD-tree.

Points come as WGS84 longitude/latitude, are projected to the network's metric CRS with pyproj
and matched to the nearest node usable in the chosen mode. The straight snap distance is kept;
a point farther than ``max_snap_m`` from every node is *off-network*: its node is ``-1`` and
coverage reports it instead of counting it as covered.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo._validate import check_mode
from geo.errors import CoverageInputError
from geo.network import Network

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

# 500 m ≈ 6.7 minutes on foot at 4.5 km/h: inside the 5–10 minute walk the plans set for a
# community health station (Yongzhou 004: L1276–1280, ../shared/plans/NORMS.md); a point
# farther than that from any road is not served by the network
MAX_SNAP_M = 500.0


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Points matched to network nodes.

    Attributes
    ----------
    node
        Node index per point; ``-1`` when the point is off-network.
    distance_m
        Straight distance from each point to its nearest node, metres (kept for off-network
        points too; ``inf`` when the mode has no nodes).
    x, y
        The points projected to the network CRS, metres.
    max_snap_m
        The off-network limit used, metres (``None``: no limit).
    """

    node: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    max_snap_m: float | None

    @property
    def on_network(self) -> NDArray[np.bool_]:
        """Mask of the points within ``max_snap_m`` of a node."""
        return self.node >= 0

    @property
    def n_off_network(self) -> int:
        """Number of off-network points."""
        return int((self.node < 0).sum())


def project_lonlat(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project WGS84 longitude/latitude (degrees) to ``crs``; returns ``(x, y)`` in its units."""
    from pyproj import Transformer

    lon_arr = np.asarray(lon, dtype=np.float64).reshape(-1)
    lat_arr = np.asarray(lat, dtype=np.float64).reshape(-1)
    if lon_arr.shape != lat_arr.shape:
        raise CoverageInputError.worded(
            "input.common.count", field="lat", given=lat_arr.shape[0], n=lon_arr.shape[0]
        )
    bad = ~(np.isfinite(lon_arr) & np.isfinite(lat_arr))
    bad |= (np.abs(lat_arr) > 90) | (np.abs(lon_arr) > 180)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise CoverageInputError.worded(
            "input.common.lonlat", field="lon", row=row, lon=lon_arr[row], lat=lat_arr[row]
        )
    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(lon_arr, lat_arr)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def snap_xy(
    net: Network,
    x: ArrayLike,
    y: ArrayLike,
    *,
    mode: str,
    max_snap_m: float | None = MAX_SNAP_M,
) -> SnapResult:
    """Snap points given in the network CRS (metres) to the nearest node usable in ``mode``.

    Parameters
    ----------
    net
        The road network.
    x, y
        Point coordinates in ``net.crs``, metres.
    mode
        ``walk``, ``drive`` or ``ems``: only nodes touched by that mode's edges are targets.
    max_snap_m
        Off-network limit, metres; ``None`` snaps every point.

    Returns
    -------
    SnapResult
        Ties between equidistant nodes go to the lower node index (cKDTree order).
    """
    check_mode(mode)
    if max_snap_m is not None and not (np.isfinite(max_snap_m) and max_snap_m >= 0):
        raise CoverageInputError.worded("input.common.metres", field="max_snap_m", value=max_snap_m)
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    if xs.shape != ys.shape:
        raise CoverageInputError.worded(
            "input.common.count", field="y", given=ys.shape[0], n=xs.shape[0]
        )
    node = np.full(xs.shape[0], -1, dtype=np.int64)
    distance = np.full(xs.shape[0], np.inf)
    targets, tree = _tree(net, mode)
    if xs.size and targets.size:
        dist, pos = tree.query(np.column_stack([xs, ys]), k=1)
        distance = np.asarray(dist, dtype=np.float64)
        node = targets[np.asarray(pos, dtype=np.int64)]
        if max_snap_m is not None:
            node = np.where(distance <= max_snap_m, node, -1)
    return SnapResult(node=node, distance_m=distance, x=xs, y=ys, max_snap_m=max_snap_m)


def snap_points(
    net: Network,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    mode: str,
    max_snap_m: float | None = MAX_SNAP_M,
) -> SnapResult:
    """Snap WGS84 points (degrees) to the nearest node usable in ``mode``.

    Parameters
    ----------
    net
        The road network.
    lon, lat
        WGS84 longitude and latitude of each point, degrees.
    mode
        ``walk``, ``drive`` or ``ems``.
    max_snap_m
        Off-network limit, metres (default :data:`MAX_SNAP_M`); ``None`` snaps every point.

    Returns
    -------
    SnapResult
        Node index (``-1`` off-network) and snap distance (metres) per point.
    """
    x, y = project_lonlat(lon, lat, net.crs)
    return snap_xy(net, x, y, mode=mode, max_snap_m=max_snap_m)


def _tree(net: Network, mode: str) -> tuple[NDArray[np.int64], "cKDTree"]:
    # one KD-tree per network and mode, cached on the network like its CSR matrices
    def build() -> tuple[NDArray[np.int64], "cKDTree"]:
        # scipy.spatial loads only here (~0.2 s): a run whose snaps are cached builds no tree
        from scipy.spatial import cKDTree

        targets = np.flatnonzero(net.mode_nodes(mode)).astype(np.int64)
        return targets, cKDTree(np.column_stack([net.x[targets], net.y[targets]]))

    return net.cached(("kdtree", mode == "walk"), build)
