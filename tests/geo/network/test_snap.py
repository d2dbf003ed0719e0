"""Snapping points to network nodes: KD-tree, distances, off-network limit, mode targets."""

import numpy as np
import pytest
from pyproj import Transformer

from geo.errors import CoverageInputError
from geo.network import Network, network_from_arrays
from geo.network.snap import MAX_SNAP_M, project_lonlat, snap_points, snap_xy
from tests._refusals import refused

CRS = "EPSG:32649"
# a point in Changsha in UTM 49N, so WGS84 round trips stay in the zone
X0, Y0 = 691_000.0, 3_119_000.0


@pytest.fixture
def tee() -> Network:
    """0 -(primary)- 1 -(primary)- 2, and a footway 1 - 3 going north 100 m."""
    return network_from_arrays(
        [X0, X0 + 100.0, X0 + 200.0, X0 + 100.0],
        [Y0, Y0, Y0, Y0 + 100.0],
        [0, 1, 1],
        [1, 2, 3],
        ["primary", "primary", "footway"],
        crs=CRS,
    )


def test_snap_xy_gives_nearest_node_and_distance(tee: Network) -> None:
    res = snap_xy(
        tee, [X0 + 10.0, X0 + 190.0, X0 + 100.0], [Y0 + 30.0, Y0, Y0 - 40.0], mode="drive"
    )
    assert res.node.tolist() == [0, 2, 1]
    np.testing.assert_allclose(res.distance_m, [np.hypot(10.0, 30.0), 10.0, 40.0])
    assert res.on_network.tolist() == [True, True, True]
    assert res.n_off_network == 0
    assert res.max_snap_m == MAX_SNAP_M


def test_only_nodes_of_the_mode_are_targets(tee: Network) -> None:
    # the footway's end (node 3) is the nearest node, but cars cannot use it
    drive = snap_xy(tee, [X0 + 100.0], [Y0 + 90.0], mode="drive")
    walk = snap_xy(tee, [X0 + 100.0], [Y0 + 90.0], mode="walk")
    assert drive.node.tolist() == [1]
    assert drive.distance_m.tolist() == pytest.approx([90.0])
    assert walk.node.tolist() == [3]
    assert walk.distance_m.tolist() == pytest.approx([10.0])


def test_far_points_are_off_network_but_keep_their_distance(tee: Network) -> None:
    res = snap_xy(tee, [X0, X0], [Y0 - 50.0, Y0 - 600.0], mode="drive", max_snap_m=100.0)
    assert res.node.tolist() == [0, -1]
    assert res.distance_m.tolist() == pytest.approx([50.0, 600.0])
    assert res.on_network.tolist() == [True, False]
    assert res.n_off_network == 1
    unlimited = snap_xy(tee, [X0], [Y0 - 600.0], mode="drive", max_snap_m=None)
    assert unlimited.node.tolist() == [0]


def test_snap_limit_is_inclusive(tee: Network) -> None:
    res = snap_xy(tee, [X0], [Y0 - 100.0], mode="drive", max_snap_m=100.0)
    assert res.node.tolist() == [0]


def test_snap_points_projects_wgs84(tee: Network) -> None:
    to_wgs84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform([X0 + 195.0], [Y0 + 5.0])
    res = snap_points(tee, lon, lat, mode="drive")
    assert res.node.tolist() == [2]
    assert res.distance_m[0] == pytest.approx(np.hypot(5.0, 5.0), abs=1e-6)
    assert res.x[0] == pytest.approx(X0 + 195.0, abs=1e-6)


def test_no_points_and_no_targets() -> None:
    net = network_from_arrays([X0, X0 + 1.0], [Y0, Y0], [0], [1], ["footway"], crs=CRS)
    empty = snap_xy(net, [], [], mode="walk")
    assert empty.node.tolist() == []
    nothing = snap_xy(net, [X0], [Y0], mode="drive")
    assert nothing.node.tolist() == [-1]
    assert nothing.distance_m.tolist() == [np.inf]


def test_bad_points_are_refused(tee: Network) -> None:
    with refused(CoverageInputError, match="point 1"):
        project_lonlat([112.9, 200.0], [28.2, 28.2], CRS)
    with refused(CoverageInputError, match="has 2 values, expected 1"):
        project_lonlat([112.9], [28.2, 28.3], CRS)
    with refused(CoverageInputError, match="max_snap_m"):
        snap_xy(tee, [X0], [Y0], mode="drive", max_snap_m=-5.0)
