"""Candidate sites in the gap zones: nodes beyond their limit, thinned per square."""

import math

import numpy as np
import pytest

from geo.access.coverage import nearest_facility
from geo.errors import LocationInputError
from geo.locate import gap_candidates, settlement_node_limits, thin_nodes
from geo.network import Network, network_from_arrays
from geo.network.speeds import travel_model

INF = math.inf
FAST = travel_model("drive", speed_kph={"residential": 36.0})


def _line(n_nodes: int, oneway: list[bool] | None = None) -> Network:
    """Nodes 100 m apart on the x axis, each joined to the next by a residential street."""
    return network_from_arrays(
        np.arange(n_nodes) * 100.0,
        np.zeros(n_nodes),
        list(range(n_nodes - 1)),
        list(range(1, n_nodes)),
        ["residential"] * (n_nodes - 1),
        crs="EPSG:32649",
        oneway=oneway,
    )


def test_gap_candidates_are_thinned_gap_nodes() -> None:
    # a 10-node line; the facility at node 0 reaches nodes 0-3 within 30 s
    net = _line(10)
    nearest = nearest_facility(net, [0], mode="drive", model=FAST)
    every = gap_candidates(net, nearest.travel_time_s, 30.0, mode="drive", spacing_m=50.0)
    assert every.tolist() == [4, 5, 6, 7, 8, 9]
    # 250 m cells [0, 250), [250, 500), …: per cell the node nearest its centre
    thinned = gap_candidates(net, nearest.travel_time_s, 30.0, mode="drive", spacing_m=250.0)
    assert thinned.tolist() == [4, 6, 9]
    with pytest.raises(LocationInputError, match="spacing_m"):
        gap_candidates(net, nearest.travel_time_s, 30.0, mode="drive", spacing_m=0.0)


def test_per_node_limits_and_the_nodes_of_uncovered_residents() -> None:
    # nodes 0-4 are urban (limit 20 s), 5-9 rural (limit 60 s); node k is 10·k s from the facility
    net = _line(10).with_urban([True] * 5 + [False] * 5)
    measure = np.arange(10) * 10.0
    limits = settlement_node_limits(net, [20.0, 10.0, 60.0], [True, True, False])
    assert limits.tolist() == [20.0] * 5 + [60.0] * 5
    picked = gap_candidates(net, measure, limits, mode="drive", spacing_m=50.0)
    # urban nodes 3, 4 are beyond 20 s; rural nodes 7-9 beyond 60 s
    assert picked.tolist() == [3, 4, 7, 8, 9]
    # residents at node 1 and (off-network) nowhere are uncovered: node 1 joins
    lived = gap_candidates(
        net, measure, limits, mode="drive", spacing_m=50.0, demand_nodes=[1, -1, 1]
    )
    assert lived.tolist() == [1, 3, 4, 7, 8, 9]
    # a type without points takes the largest limit of all
    assert settlement_node_limits(net, [20.0], [True]).tolist() == [20.0] * 10
    with pytest.raises(LocationInputError, match="node_limit"):
        gap_candidates(net, measure, -1.0, mode="drive", spacing_m=50.0)
    with pytest.raises(LocationInputError, match="node_measure"):
        gap_candidates(net, [0.0], 10.0, mode="drive", spacing_m=50.0)


def test_thin_nodes_keeps_the_node_nearest_each_centre() -> None:
    net = _line(10)
    # 250 m cells: centres at 125, 375, 625, 875 m
    assert thin_nodes(net, np.arange(10), 250.0).tolist() == [1, 4, 6, 9]
    assert thin_nodes(net, [], 250.0).tolist() == []
    with pytest.raises(LocationInputError, match="spacing_m"):
        thin_nodes(net, [1], float("nan"))
