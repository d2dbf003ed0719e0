"""Seats (towns) of a synthetic network: checked or placed, and the pairs that roads join.

Private to :mod:`geo.synthetic`. Pairs come from the Delaunay triangulation of the seats and its
Euclidean minimum spanning tree; coordinates are metres of one metric CRS.
"""

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, QhullError
from shapely.geometry import MultiPolygon, Polygon

from geo.errors import SyntheticInputError
from geo.synthetic._parts import BoolArray, FloatArray, IntArray, Seats

# one default seat per ~100 km²: modelling choice, the order of township spacing in rural Hunan
_DEFAULT_SEAT_AREA_M2: Final = 100e6
# default town weights after the first: 0.3 / rank (a rank-size rule; modelling choice)
_TOWN_WEIGHT: Final = 0.3
# jitter of lattice points, as a fraction of the lattice spacing (modelling choice)
_LATTICE_JITTER: Final = 0.35
# the larger third of the seats get motorways (modelling choice)
_MAJOR_SEAT_SHARE: Final = 1.0 / 3.0


def place_seats(
    boundary: Polygon | MultiPolygon,
    seats: Sequence[tuple[float, float, float]] | None,
    rng: np.random.Generator,
    *,
    max_seats: int,
) -> Seats:
    """Return the seats sorted by weight, heaviest first (stable), checked or placed."""
    if seats is None:
        sx, sy, sw = _default_seats(boundary, rng, max_seats)
    else:
        arr = np.asarray(seats, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
            raise SyntheticInputError.worded(
                "input.synthetic.seats", field="seats", shape=arr.shape
            )
        sx, sy, sw = arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()
        bad_weight = ~np.isfinite(sw) | (sw <= 0)
        if bad_weight.any():
            raise SyntheticInputError.worded(
                "input.synthetic.seat_weights",
                field="seats",
                rows=" / ".join(map(str, np.flatnonzero(bad_weight)[:5].tolist())),
            )
        outside = ~shapely.contains_xy(boundary, sx, sy)
        if outside.any():
            raise SyntheticInputError.worded(
                "input.synthetic.seats_outside",
                field="seats",
                n=int(outside.sum()),
                row=int(outside.argmax()),
            )
    order = np.argsort(-sw, kind="stable")
    return Seats(x=sx[order], y=sy[order], weight=sw[order])


def _default_seats(
    boundary: Polygon | MultiPolygon, rng: np.random.Generator, max_seats: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Place a main seat at the largest part's representative point, towns on a jittered lattice."""
    parts = list(boundary.geoms) if isinstance(boundary, MultiPolygon) else [boundary]
    main = max(parts, key=lambda p: p.area).representative_point()
    n_towns = max(0, min(round(boundary.area / _DEFAULT_SEAT_AREA_M2), max_seats) - 1)
    spacing_m = math.sqrt(_DEFAULT_SEAT_AREA_M2)
    lx, ly, _ = jittered_lattice(boundary.bounds, spacing_m, rng)
    keep = shapely.contains_xy(boundary, lx, ly)
    # no town within half a spacing of the main seat: its grid is there
    keep &= np.hypot(lx - main.x, ly - main.y) > 0.5 * spacing_m
    lx, ly = lx[keep], ly[keep]
    if lx.shape[0] > n_towns:
        pick = np.sort(rng.choice(lx.shape[0], size=n_towns, replace=False))
        lx, ly = lx[pick], ly[pick]
    rank = rng.permutation(lx.shape[0]) + 1.0
    sx = np.concatenate([[main.x], lx])
    sy = np.concatenate([[main.y], ly])
    sw = np.concatenate([[1.0], _TOWN_WEIGHT / rank])
    return sx, sy, sw


def jittered_lattice(
    bounds: tuple[float, float, float, float], spacing_m: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, tuple[int, int]]:
    """Return a jittered square lattice of ``spacing_m`` over ``bounds``, raveled, and its shape."""
    min_x, min_y, max_x, max_y = bounds
    n_x = math.ceil((max_x - min_x) / spacing_m) + 1
    n_y = math.ceil((max_y - min_y) / spacing_m) + 1
    offset = rng.uniform(0.0, spacing_m, 2)
    gx, gy = np.meshgrid(
        min_x - offset[0] + spacing_m * np.arange(n_x),
        min_y - offset[1] + spacing_m * np.arange(n_y),
    )
    jitter = rng.uniform(-_LATTICE_JITTER, _LATTICE_JITTER, (2, n_y, n_x)) * spacing_m
    return (gx + jitter[0]).ravel(), (gy + jitter[1]).ravel(), (n_y, n_x)


def major_seat_count(n_seats: int) -> int:
    return min(n_seats, max(2, math.ceil(n_seats * _MAJOR_SEAT_SHARE)))


def candidate_pairs(x: FloatArray, y: FloatArray) -> IntArray:
    """Return seat pairs of the Delaunay triangulation (all pairs when it does not exist)."""
    n = x.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if n >= 3:
        try:
            tri = Delaunay(np.column_stack([x, y]))
        except QhullError:
            tri = None
        if tri is not None:
            simplices = np.asarray(tri.simplices, dtype=np.int64)
            pairs = np.concatenate(
                [simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]]
            )
            return np.unique(np.sort(pairs, axis=1), axis=0)
    i, j = np.triu_indices(n, k=1)
    return np.column_stack([i, j]).astype(np.int64)


def spanning_pairs(x: FloatArray, y: FloatArray) -> IntArray:
    """Return the pairs of the Euclidean minimum spanning tree over the Delaunay pairs."""
    pairs = candidate_pairs(x, y)
    if pairs.shape[0] == 0:
        return pairs
    n = x.shape[0]
    length_m = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
    graph = sparse.coo_matrix((length_m + 1e-9, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(graph.tocsr()).tocoo()
    out = np.column_stack([tree.row, tree.col]).astype(np.int64)
    return np.unique(np.sort(out, axis=1), axis=0)


def pairs_inside(boundary: Polygon | MultiPolygon, seat: Seats, pairs: IntArray) -> IntArray:
    """Keep the seat pairs whose straight line stays inside the boundary."""
    if pairs.shape[0] == 0:
        return pairs
    coords = np.stack(
        [
            np.column_stack([seat.x[pairs[:, 0]], seat.y[pairs[:, 0]]]),
            np.column_stack([seat.x[pairs[:, 1]], seat.y[pairs[:, 1]]]),
        ],
        axis=1,
    )
    lines = shapely.linestrings(coords)
    inside: BoolArray = np.asarray(shapely.covers(boundary, lines), dtype=np.bool_)
    return pairs[inside]
