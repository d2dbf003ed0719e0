"""Motorways and arterial roads of a synthetic network, between and out of the seats.

Private to :mod:`geo.synthetic`. Motorways run on their own nodes between the larger seats;
trunk, primary, secondary and radial tertiary roads are laid on the existing nodes nearest to
their straight line.
"""

import math
from typing import Final

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon

from geo.synthetic._graph import snapped_path_edges
from geo.synthetic._parts import (
    MOTORWAY,
    PRIMARY,
    SECONDARY,
    TERTIARY,
    TRUNK,
    ClassArray,
    FloatArray,
    IntArray,
    Layers,
    Part,
    Seats,
)
from geo.synthetic._seats import candidate_pairs, pairs_inside, spanning_pairs

# motorway shape points every km, an interchange every 10th (~10 km apart; modelling choice)
_MOTORWAY_NODE_SPACING_M: Final = 1000.0
_INTERCHANGE_EVERY: Final = 10
# tertiary roads radiating from each seat, continuing the four grid axes
_RADIALS_PER_SEAT: Final = 4
# a snapped arterial step longer than this many rural spacings jumps a gap and is dropped
_MAX_STEP_SPACINGS: Final = 3.0


def motorways(
    seat: Seats, pairs: IntArray, town_tree: cKDTree, block_max_m: float
) -> tuple[Part, IntArray, IntArray]:
    """Lay motorway shape points along ``pairs``, outside the towns.

    Returns the motorway part, its run ends (to link to the nearest road) and its interchanges.
    """
    if pairs.shape[0] == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_part = Part(np.zeros(0), np.zeros(0), empty_i, empty_i, np.zeros(0, dtype=np.int8))
        return empty_part, empty_i, empty_i
    x0, y0 = seat.x[pairs[:, 0]], seat.y[pairs[:, 0]]
    x1, y1 = seat.x[pairs[:, 1]], seat.y[pairs[:, 1]]
    n_steps = np.maximum(np.ceil(np.hypot(x1 - x0, y1 - y0) / _MOTORWAY_NODE_SPACING_M), 2)
    n_steps = n_steps.astype(np.int64)
    counts = n_steps - 1
    chain = np.repeat(np.arange(pairs.shape[0]), counts)
    pos = np.arange(chain.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    t = pos / n_steps[chain]
    px = x0[chain] + t * (x1 - x0)[chain]
    py = y0[chain] + t * (y1 - y0)[chain]
    # inside a town the motorway gives way to its streets
    dist, _ = town_tree.query(np.column_stack([px, py]), distance_upper_bound=2.0 * block_max_m)
    keep = ~np.isfinite(dist)
    index = np.full(chain.shape[0], -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    same_chain = chain[1:] == chain[:-1]
    linked = same_chain & keep[1:] & keep[:-1]
    u, v = index[:-1][linked], index[1:][linked]
    # a run ends where its neighbour along the chain is missing (a town or the chain's end)
    prev_ok = np.concatenate([[False], linked])
    next_ok = np.concatenate([linked, [False]])
    ends = index[keep & ~(prev_ok & next_ok)]
    interchanges = index[keep & (pos % _INTERCHANGE_EVERY == 0) & prev_ok & next_ok]
    part = Part(x=px[keep], y=py[keep], u=u, v=v, cls=np.full(u.shape[0], MOTORWAY, dtype=np.int8))
    return part, ends, interchanges


def arterials(
    boundary: Polygon | MultiPolygon,
    seat: Seats,
    layers: Layers,
    *,
    ground_tree: cKDTree,
    x: FloatArray,
    y: FloatArray,
    between_seats: bool = True,
) -> tuple[IntArray, IntArray, ClassArray]:
    """Lay trunk, primary, secondary and radial tertiary roads on the nodes nearest their line.

    With ``between_seats=False`` (real trunk roads join the seats) only the radial roads.
    """
    n_seats = seat.x.shape[0]
    major, radius_m = layers.major, layers.radius_m
    spacing_m, block_max_m = layers.spacing_m, layers.block_max_m
    # between seats: a trunk road beside each motorway (the old national road); other Delaunay
    # pairs of major seats primary, pairs with one major seat or on the spanning tree of all
    # seats secondary, the rest tertiary
    pairs = (
        pairs_inside(boundary, seat, candidate_pairs(seat.x, seat.y))
        if between_seats
        else np.zeros((0, 2), dtype=np.int64)
    )
    tree_pairs = spanning_pairs(seat.x, seat.y)
    tree_key = tree_pairs[:, 0] * n_seats + tree_pairs[:, 1]
    in_tree = np.isin(pairs[:, 0] * n_seats + pairs[:, 1], tree_key)
    n_major = (pairs[:, 0] < major).astype(np.int64) + (pairs[:, 1] < major)
    pair_cls = np.select(
        [n_major == 2, in_tree | (n_major == 1)], [PRIMARY, SECONDARY], default=TERTIARY
    )
    pairs = np.concatenate([layers.motorway_pairs, pairs])
    pair_cls = np.concatenate([np.full(layers.motorway_pairs.shape[0], TRUNK), pair_cls])
    # out of each seat: tertiary roads continuing the grid's axes, to half-way to the next seat
    if n_seats > 1:
        seat_tree = cKDTree(np.column_stack([seat.x, seat.y]))
        gap_m, _ = seat_tree.query(np.column_stack([seat.x, seat.y]), k=2)
        reach_m = np.maximum(3.0 * radius_m, 0.5 * gap_m[:, 1])
    else:
        min_x, min_y, max_x, max_y = boundary.bounds
        reach_m = np.full(1, math.hypot(max_x - min_x, max_y - min_y))
    ray_seat = np.repeat(np.arange(n_seats), _RADIALS_PER_SEAT)
    turn = np.tile(np.arange(_RADIALS_PER_SEAT) * (2.0 * math.pi / _RADIALS_PER_SEAT), n_seats)
    angle = layers.grid_angle_rad[ray_seat] + turn
    start_m = 0.8 * radius_m[ray_seat]
    rx0 = seat.x[ray_seat] + start_m * np.cos(angle)
    ry0 = seat.y[ray_seat] + start_m * np.sin(angle)
    rx1 = seat.x[ray_seat] + reach_m[ray_seat] * np.cos(angle)
    ry1 = seat.y[ray_seat] + reach_m[ray_seat] * np.sin(angle)

    step_m = 0.5 * min(spacing_m, block_max_m)
    max_step_m = _MAX_STEP_SPACINGS * max(spacing_m, block_max_m)
    u1, v1, c1 = snapped_path_edges(
        seat.x[pairs[:, 0]],
        seat.y[pairs[:, 0]],
        seat.x[pairs[:, 1]],
        seat.y[pairs[:, 1]],
        pair_cls.astype(np.int8),
        tree=ground_tree,
        x=x,
        y=y,
        step_m=step_m,
        max_step_m=max_step_m,
        boundary=None,
    )
    u2, v2, c2 = snapped_path_edges(
        rx0,
        ry0,
        rx1,
        ry1,
        np.full(rx0.shape[0], TERTIARY, dtype=np.int8),
        tree=ground_tree,
        x=x,
        y=y,
        step_m=step_m,
        max_step_m=max_step_m,
        boundary=boundary,
    )
    return np.concatenate([u1, u2]), np.concatenate([v1, v2]), np.concatenate([c1, c2])
