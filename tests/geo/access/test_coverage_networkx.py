"""The array engine equals networkx's multi-source Dijkstra: real Porto Alegre and random graphs."""

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.access.coverage import nearest_facility
from geo.network import Network, network_from_arrays
from geo.network.readers import read_network
from geo.network.snap import snap_points

CUTOFF_S = 15 * 60.0


@pytest.fixture(scope="module")
def poa(data_dir: Path) -> tuple[Network, np.ndarray]:
    """Porto Alegre drive network and its health-care cells snapped to it."""
    net = read_network(data_dir / "porto_alegre" / "poa_osm.pbf", mode="drive")
    cells = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv")
    health = cells[cells["healthcare"] > 0]
    snapped = snap_points(net, health["lon"], health["lat"], mode="drive")
    assert snapped.n_off_network == 0
    return net, snapped.node


@pytest.fixture(scope="module")
def poa_graphs(poa: tuple[Network, np.ndarray]) -> dict[str, nx.MultiDiGraph]:
    """The networkx reference graphs, built once: the same edges and travel times."""
    net, _ = poa
    return {mode: net.to_networkx(mode) for mode in ("drive", "ems")}


def reference(
    G: nx.MultiDiGraph, sources: np.ndarray, *, direction: str, cutoff_s: float | None
) -> dict[int, float]:
    if direction == "to_facility":
        G = G.reverse(copy=False)
    return dict(
        nx.multi_source_dijkstra_path_length(
            G, set(sources.tolist()), cutoff=cutoff_s, weight="travel_time_s"
        )
    )


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
@pytest.mark.parametrize("cutoff_s", [CUTOFF_S, None])
def test_porto_alegre_drive_equals_networkx(
    poa: tuple[Network, np.ndarray],
    poa_graphs: dict[str, nx.MultiDiGraph],
    direction: str,
    cutoff_s: float | None,
) -> None:
    net, sources = poa
    ours = nearest_facility(net, sources, mode="drive", limit_s=cutoff_s, direction=direction)
    theirs = reference(poa_graphs["drive"], sources, direction=direction, cutoff_s=cutoff_s)
    reached = np.flatnonzero(np.isfinite(ours.travel_time_s))
    assert set(reached.tolist()) == set(theirs)
    nodes = np.fromiter(theirs, dtype=np.int64)
    expected = np.fromiter(theirs.values(), dtype=float)
    assert np.abs(ours.travel_time_s[nodes] - expected).max() <= 1e-6
    assert (ours.facility[reached] >= 0).all()


def test_porto_alegre_assigned_facility_is_at_the_node_time(
    poa: tuple[Network, np.ndarray], poa_graphs: dict[str, nx.MultiDiGraph]
) -> None:
    net, sources = poa
    ours = nearest_facility(net, sources, mode="drive", limit_s=CUTOFF_S)
    G = poa_graphs["drive"].reverse(copy=False)
    reached = np.flatnonzero(np.isfinite(ours.travel_time_s))
    sample = np.random.default_rng(3).choice(reached, size=25, replace=False)
    for node in sample.tolist():
        source = int(sources[ours.facility[node]])
        time_s = nx.dijkstra_path_length(G, source, node, weight="travel_time_s")
        assert abs(time_s - ours.travel_time_s[node]) <= 1e-6


def test_porto_alegre_directions_differ_on_one_way_streets(
    poa: tuple[Network, np.ndarray],
) -> None:
    net, sources = poa
    to = nearest_facility(net, sources, mode="drive", limit_s=CUTOFF_S)
    away = nearest_facility(net, sources, mode="drive", limit_s=CUTOFF_S, direction="from_facility")
    assert net.oneway.any()
    assert not np.array_equal(to.travel_time_s, away.travel_time_s)


def test_porto_alegre_ems_equals_networkx_plus_dispatch(
    poa: tuple[Network, np.ndarray], poa_graphs: dict[str, nx.MultiDiGraph]
) -> None:
    net, sources = poa
    delay_s = net.default_model("ems").dispatch_delay_s
    ours = nearest_facility(net, sources, mode="ems", limit_s=CUTOFF_S, direction="from_facility")
    theirs = reference(
        poa_graphs["ems"], sources, direction="from_facility", cutoff_s=CUTOFF_S - delay_s
    )
    reached = np.flatnonzero(np.isfinite(ours.travel_time_s))
    assert set(reached.tolist()) == set(theirs)
    nodes = np.fromiter(theirs, dtype=np.int64)
    expected = np.fromiter(theirs.values(), dtype=float) + delay_s
    assert np.abs(ours.travel_time_s[nodes] - expected).max() <= 1e-6


@st.composite
def random_networks(draw: st.DrawFn) -> tuple[Network, list[int], float]:
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 24))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    # whole-metre lengths on few values: exact ties are common
    length = draw(st.lists(st.sampled_from([0.0, 50.0, 100.0, 150.0]), min_size=m, max_size=m))
    oneway = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    highway = draw(
        st.lists(st.sampled_from(["residential", "primary", "footway"]), min_size=m, max_size=m)
    )
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    limit = draw(st.sampled_from([10.0, 30.0, 1e9]))
    net = network_from_arrays(
        np.arange(n) * 10.0,
        np.zeros(n),
        u,
        v,
        highway,
        crs="EPSG:32649",
        oneway=oneway,
        length_m=length,
    )
    return net, sources, limit


@settings(max_examples=100, deadline=None, database=None)
@given(case=random_networks(), mode=st.sampled_from(["drive", "walk"]))
def test_random_graphs_match_per_source_networkx(
    case: tuple[Network, list[int], float], mode: str
) -> None:
    net, sources, limit = case
    res = nearest_facility(net, sources, mode=mode, limit_s=limit)
    G = net.to_networkx(mode).reverse(copy=True)
    per_source = [
        nx.single_source_dijkstra_path_length(G, s, cutoff=limit, weight="travel_time_s")
        for s in sources
    ]
    for node in range(net.n_nodes):
        times = [d.get(node, np.inf) for d in per_source]
        best = min(times)
        if np.isinf(best):
            assert np.isinf(res.travel_time_s[node])
            assert res.facility[node] == -1
        else:
            assert abs(res.travel_time_s[node] - best) <= 1e-9
            # the lowest index among facilities at exactly the best time
            assert res.facility[node] == times.index(best)
