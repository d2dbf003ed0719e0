"""Network in array form: directed edges, mode filters, CSR matrices, validation."""

import networkx as nx
import numpy as np
import pytest

from geo.errors import GeoError, InputError, ModeError, NetworkInputError
from geo.network import (
    DRIVE,
    REAL_SOURCE,
    SYNTHETIC_SOURCE,
    WALK,
    Network,
    assemble_network,
    core,
    default_access,
    encode_classes,
    encode_sources,
    network_from_arrays,
)
from geo.network.speeds import travel_model
from tests._refusals import refused

CRS = "EPSG:32649"


def line_network(
    highway: list[str], *, oneway: list[bool] | None = None, spacing_m: float = 100.0
) -> Network:
    """Nodes 0..k on the x axis, ``spacing_m`` apart; segment i joins i and i+1."""
    k = len(highway)
    x = np.arange(k + 1) * spacing_m
    return network_from_arrays(
        x, np.zeros(k + 1), np.arange(k), np.arange(1, k + 1), highway, crs=CRS, oneway=oneway
    )


def test_two_way_segment_gives_two_edges_and_one_way_one() -> None:
    net = line_network(["residential", "residential"], oneway=[False, True])
    assert net.n_nodes == 3
    assert net.n_edges == 3
    # forward edges in segment order, then the reverse of the two-way segment
    assert net.edge_u.tolist() == [0, 1, 1]
    assert net.edge_v.tolist() == [1, 2, 0]
    assert net.oneway.tolist() == [False, True, False]
    assert net.length_m.tolist() == [100.0, 100.0, 100.0]
    assert net.highway.tolist() == ["residential"] * 3


def test_default_length_is_straight_distance_and_explicit_length_wins() -> None:
    net = network_from_arrays([0, 3], [0, 4], [0], [1], ["primary"], crs=CRS)
    assert net.length_m.tolist() == [5.0, 5.0]
    net = network_from_arrays([0, 3], [0, 4], [0], [1], ["primary"], crs=CRS, length_m=[7.5])
    assert net.length_m.tolist() == [7.5, 7.5]


def test_drive_travel_times_follow_the_class_table() -> None:
    # residential 20 km/h, primary 40 km/h (urban table, geo.network.speeds)
    net = line_network(["residential", "primary"])
    graph = net.mode_graph("drive")
    assert graph.forward[0, 1] == pytest.approx(18.0, abs=1e-9)
    assert graph.forward[1, 2] == pytest.approx(9.0, abs=1e-9)
    assert graph.backward[1, 0] == pytest.approx(18.0, abs=1e-9)


def test_drive_respects_oneway_and_walk_goes_both_ways() -> None:
    net = line_network(["residential"], oneway=[True])
    drive = net.mode_graph("drive").forward
    assert drive[0, 1] == pytest.approx(18.0, abs=1e-9)
    assert drive[1, 0] == 0.0  # no edge: sparse zero
    assert drive.nnz == 1
    walk = net.mode_graph("walk").forward
    assert walk.nnz == 2
    # 100 m at 4.5 km/h = 80 s
    assert walk[1, 0] == pytest.approx(80.0, abs=1e-9)


def test_mode_filters_by_highway_class() -> None:
    net = line_network(["footway", "residential", "motorway", "trunk"])
    drive = net.mode_edges("drive")
    walk = net.mode_edges("walk")
    drive_pairs = set(zip(drive.tail.tolist(), drive.head.tolist(), strict=True))
    walk_pairs = set(zip(walk.tail.tolist(), walk.head.tolist(), strict=True))
    assert drive_pairs == {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)}
    assert walk_pairs == {(0, 1), (1, 0), (1, 2), (2, 1)}
    assert net.mode_nodes("drive").tolist() == [False, True, True, True, True]
    assert net.mode_nodes("walk").tolist() == [True, True, True, False, False]
    assert net.n_mode_nodes("walk") == 3


def test_parallel_edges_keep_the_fastest_and_self_loops_are_dropped() -> None:
    net = network_from_arrays(
        [0.0, 100.0],
        [0.0, 0.0],
        [0, 0, 1],
        [1, 1, 1],
        ["residential", "primary", "residential"],
        crs=CRS,
        oneway=[True, True, False],
        length_m=[100.0, 100.0, 50.0],
    )
    forward = net.mode_graph("drive").forward
    assert forward.nnz == 1
    assert forward[0, 1] == pytest.approx(9.0, abs=1e-9)


def test_mode_graph_is_cached_per_travel_model() -> None:
    net = line_network(["residential"])
    assert net.mode_graph("drive") is net.mode_graph("drive")
    slow = travel_model("drive", speed_kph={"residential": 10.0})
    graph = net.mode_graph("drive", model=slow)
    assert graph is not net.mode_graph("drive")
    assert graph.forward[0, 1] == pytest.approx(36.0, abs=1e-9)
    assert net.mode_graph(
        "drive", model=travel_model("drive", speed_kph={"residential": 10.0})
    ) is (graph)


def test_model_of_another_mode_is_refused() -> None:
    net = line_network(["residential"])
    # the caller's own pairing: a defect of ours, never presented as the planner's input
    with pytest.raises(GeoError, match="mode 'walk'") as caught:
        net.mode_graph("drive", model=travel_model("walk"))
    assert not isinstance(caught.value, InputError)


def test_unknown_mode_is_refused() -> None:
    net = line_network(["residential"])
    with refused(ModeError, match="unknown value 'bike'"):
        net.mode_graph("bike")


def test_rural_nodes_use_the_rural_table() -> None:
    # residential: 20 km/h urban, 30 km/h rural; an edge is urban if either end is urban
    net = line_network(["residential", "residential"]).with_urban([False, False, True])
    graph = net.mode_graph("drive")
    assert graph.forward[0, 1] == pytest.approx(12.0, abs=1e-9)
    assert graph.forward[1, 2] == pytest.approx(18.0, abs=1e-9)


def test_to_networkx_matches_the_csr_graph() -> None:
    net = line_network(["residential", "primary"], oneway=[True, False])
    G = net.to_networkx("drive")
    assert isinstance(G, nx.MultiDiGraph)
    times = {(u, v): d["travel_time_s"] for u, v, d in G.edges(data=True)}
    assert times == pytest.approx({(0, 1): 18.0, (1, 2): 9.0, (2, 1): 9.0})


def test_encode_classes_and_default_access() -> None:
    codes, classes = encode_classes(["footway", "primary", "footway", "motorway"])
    assert classes == ("footway", "primary", "motorway")
    assert codes.tolist() == [0, 1, 0, 2]
    assert default_access(codes, classes).tolist() == [WALK, WALK | DRIVE, WALK, DRIVE]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"edge_v": [5]}, r"node indices in \[0, 2\)"),
        ({"edge_v": [1, 0]}, "edge_v has 2 values, expected 1"),
        ({"length_m": [-1.0]}, r"length_m \(segment lengths\) must be finite and >= 0"),
        ({"x": [0.0, np.nan]}, "x and y must be finite"),
        ({"highway": ["primary", "primary"]}, "highway has 2 values, expected 1"),
        ({"oneway": [True, False]}, "oneway has 2 values, expected 1"),
        ({"edge_u": [0.5]}, "edge_u must hold integers"),
    ],
)
def test_inconsistent_arrays_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "x": [0.0, 100.0],
        "y": [0.0, 0.0],
        "edge_u": [0],
        "edge_v": [1],
        "highway": ["primary"],
    }
    args.update(kwargs)
    with refused(NetworkInputError, match=message):
        network_from_arrays(**args, crs=CRS)  # type: ignore[arg-type]


def test_assemble_network_checks_lengths_and_codes() -> None:
    net = line_network(["residential"])
    # the arrays come from our readers: a mismatch is a defect of ours
    with pytest.raises(GeoError, match="road_class") as caught:
        assemble_network(
            crs=CRS,
            x=net.x,
            y=net.y,
            node_id=net.node_id,
            edge_u=net.edge_u,
            edge_v=net.edge_v,
            length_m=net.length_m,
            road_class=net.road_class + 3,
            road_classes=net.road_classes,
            oneway=net.oneway,
            way_id=net.way_id,
            maxspeed_kph=net.maxspeed_kph,
            access=net.access,
            urban=net.urban,
        )
    assert not isinstance(caught.value, InputError)


def test_synthetic_flag_travels_with_the_network() -> None:
    net = network_from_arrays([0, 1], [0, 0], [0], [1], ["road"], crs=CRS, synthetic=True)
    assert net.synthetic
    assert net.with_urban([True, False]).synthetic


def test_every_edge_keeps_its_source() -> None:
    net = network_from_arrays(
        [0.0, 100.0, 200.0],
        [0.0, 0.0, 0.0],
        [0, 1],
        [1, 2],
        ["residential"] * 2,
        crs=CRS,
        oneway=[False, True],
        source=["roads.gpkg", SYNTHETIC_SOURCE],
    )
    # three directed edges: both ways of the file's street, one way of the synthetic one
    assert net.sources == ("roads.gpkg", SYNTHETIC_SOURCE)
    assert net.edge_source.tolist() == [0, 1, 0]
    assert net.edge_real.tolist() == [True, False, True]
    assert net.with_source("trunk.geojson").edge_real.tolist() == [True] * 3
    # without a name: generated edges are synthetic, the others real
    assert network_from_arrays([0, 1], [0, 0], [0], [1], ["road"], crs=CRS).sources == (
        REAL_SOURCE,
    )
    generated = network_from_arrays([0, 1], [0, 0], [0], [1], ["road"], crs=CRS, synthetic=True)
    assert generated.edge_real.tolist() == [False, False]
    with refused(NetworkInputError, match="source has 1 values, expected 2"):
        network_from_arrays(
            [0, 1, 2], [0, 0, 0], [0, 1], [1, 2], ["road"] * 2, crs=CRS, source=["a"]
        )
    assert encode_sources("x", 2)[1] == ("x",)


def test_network_without_edges() -> None:
    net = network_from_arrays([0.0, 1.0], [0.0, 0.0], [], [], [], crs=CRS)
    assert net.n_edges == 0
    assert net.mode_graph("drive").forward.nnz == 0
    assert net.n_mode_nodes("walk") == 0


def test_backward_matrix_is_the_forward_one_reversed() -> None:
    # parallel edges (the fastest kept), a self-loop (dropped), one-way and two-way segments:
    # the backward matrix holds what a matrix built from the reversed edges holds, array for array
    net = network_from_arrays(
        [0.0, 100.0, 200.0, 300.0],
        [0.0, 0.0, 50.0, 0.0],
        [0, 0, 1, 2, 3, 1, 2],
        [1, 1, 1, 0, 1, 3, 3],
        ["residential", "primary", "residential", "primary", "tertiary", "residential", "service"],
        crs=CRS,
        oneway=[True, False, False, True, False, True, False],
    )
    for mode in ("walk", "drive", "ems"):
        graph = net.mode_graph(mode)
        reversed_ = core._csr_min(graph.edges.head, graph.edges.tail, graph.travel_time_s, 4)
        assert graph.backward.format == "csr"
        assert graph.backward.has_sorted_indices
        for name in ("indptr", "indices", "data"):
            mine, theirs = getattr(graph.backward, name), getattr(reversed_, name)
            assert mine.dtype == theirs.dtype
            assert np.array_equal(mine, theirs)
        assert graph.backward.nnz == graph.forward.nnz < graph.edges.edge.shape[0]
