"""Town street grids of a synthetic network: rotated blocks inside a wavy outline per seat.

Private to :mod:`geo.synthetic`. A seat's share of the urban nodes is its share of the weight;
streets are residential, every fourth line tertiary, every eighth secondary and the two axes
through the seat primary.
"""

import math
from typing import Final

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon

from geo.synthetic._graph import lattice_edges
from geo.synthetic._parts import (
    CALIBRATION_ROUNDS,
    CALIBRATION_TOLERANCE,
    OUTLINE_HARMONICS,
    PRIMARY,
    RESIDENTIAL,
    SECONDARY,
    TERTIARY,
    BoolArray,
    ClassArray,
    FloatArray,
    IntArray,
    Part,
    Seats,
    TownShapes,
)

# every fourth / eighth grid line is a tertiary / secondary street: ~0.5 / ~1 km apart
_TERTIARY_EVERY: Final = 4
_SECONDARY_EVERY: Final = 8
# town grids may cover at most half the boundary: beyond that the blocks shrink instead
_MAX_URBAN_AREA_SHARE: Final = 0.5


def fit_blocks(shapes: TownShapes, seat: Seats, urban_target: int, area_m2: float) -> TownShapes:
    """Shrink the blocks when the towns would cover more than half the boundary."""
    share = seat.weight / seat.weight.sum()
    urban_area_m2 = float(np.sum(urban_target * share * shapes.block_m**2))
    limit_m2 = _MAX_URBAN_AREA_SHARE * area_m2
    if urban_area_m2 <= limit_m2:
        return shapes
    factor = math.sqrt(limit_m2 / urban_area_m2)
    return TownShapes(
        block_m=shapes.block_m * factor,
        angle_rad=shapes.angle_rad,
        amplitude=shapes.amplitude,
        phase_rad=shapes.phase_rad,
    )


def _outline_factor(
    theta_rad: FloatArray, amplitude: FloatArray, phase_rad: FloatArray
) -> FloatArray:
    """Return the wavy outline's radius factor at angles ``theta_rad`` (1 = the mean circle)."""
    waves = np.cos(np.multiply.outer(theta_rad, OUTLINE_HARMONICS) + phase_rad)
    factor: FloatArray = 1.0 + waves @ amplitude
    return factor


def _inside_town(
    x: FloatArray, y: FloatArray, k: int, *, seat: Seats, shapes: TownShapes, radius_m: FloatArray
) -> BoolArray:
    """Return which points lie inside town ``k``'s outline."""
    dx, dy = x - seat.x[k], y - seat.y[k]
    theta = np.arctan2(dy, dx) - shapes.angle_rad[k]
    limit = radius_m[k] * _outline_factor(theta, shapes.amplitude[k], shapes.phase_rad[k])
    inside: BoolArray = np.hypot(dx, dy) <= limit
    return inside


def _street_class(line: IntArray) -> ClassArray:
    """Return the class of town streets on grid line ``line`` (0 = the axis through the seat)."""
    cls = np.full(line.shape[0], RESIDENTIAL, dtype=np.int8)
    cls[line % _TERTIARY_EVERY == 0] = TERTIARY
    cls[line % _SECONDARY_EVERY == 0] = SECONDARY
    cls[line == 0] = PRIMARY
    return cls


def _towns(
    boundary: Polygon | MultiPolygon, seat: Seats, shapes: TownShapes, radius_m: FloatArray
) -> tuple[Part, IntArray]:
    """Build every town grid (clipped to the boundary and to heavier towns) and its seat index."""
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    us: list[IntArray] = []
    vs: list[IntArray] = []
    classes: list[ClassArray] = []
    seat_of: list[IntArray] = []
    reach_m = radius_m * (1.0 + shapes.amplitude.sum(axis=1))
    offset = 0
    # one loop per town (not per node): each grid is built with array operations
    for k in range(seat.x.shape[0]):
        block, angle = shapes.block_m[k], shapes.angle_rad[k]
        half = math.ceil(reach_m[k] / block)
        steps = np.arange(-half, half + 1, dtype=np.int64)
        gi, gj = np.meshgrid(steps, steps)
        lx, ly = gi * block, gj * block
        wx = seat.x[k] + lx * math.cos(angle) - ly * math.sin(angle)
        wy = seat.y[k] + lx * math.sin(angle) + ly * math.cos(angle)
        keep = _inside_town(wx.ravel(), wy.ravel(), k, seat=seat, shapes=shapes, radius_m=radius_m)
        keep &= shapely.contains_xy(boundary, wx.ravel(), wy.ravel())
        # a heavier town already built owns the overlap
        heavier = np.flatnonzero(
            np.hypot(seat.x[:k] - seat.x[k], seat.y[:k] - seat.y[k]) < reach_m[:k] + reach_m[k]
        )
        for j in heavier:
            keep &= ~_inside_town(
                wx.ravel(), wy.ravel(), int(j), seat=seat, shapes=shapes, radius_m=radius_m
            )
        n_kept = int(keep.sum())
        index = np.full(keep.shape[0], -1, dtype=np.int64)
        index[keep] = offset + np.arange(n_kept)
        u, v, line = lattice_edges(index.reshape(gi.shape), gi, gj)
        xs.append(wx.ravel()[keep])
        ys.append(wy.ravel()[keep])
        us.append(u)
        vs.append(v)
        classes.append(_street_class(line))
        seat_of.append(np.full(n_kept, k, dtype=np.int64))
        offset += n_kept
    part = Part(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        u=np.concatenate(us),
        v=np.concatenate(vs),
        cls=np.concatenate(classes),
    )
    return part, np.concatenate(seat_of)


def calibrated_towns(
    boundary: Polygon | MultiPolygon, seat: Seats, shapes: TownShapes, urban_target: int
) -> tuple[Part, IntArray, FloatArray]:
    """Build the town grids, scaling their radii until they hold ``urban_target`` nodes."""
    share = seat.weight / seat.weight.sum()
    # a disc of radius r on blocks b holds about π r² / b² nodes
    area_m2 = urban_target * share * shapes.block_m**2
    scale = 1.0
    best: tuple[Part, IntArray, FloatArray] | None = None
    for _ in range(CALIBRATION_ROUNDS):
        radius_m = np.sqrt(scale * area_m2 / math.pi)
        town, town_seat = _towns(boundary, seat, shapes, radius_m)
        count = town.x.shape[0]
        if best is None or abs(count - urban_target) < abs(best[0].x.shape[0] - urban_target):
            best = (town, town_seat, radius_m)
        if count > 0 and abs(count / urban_target - 1.0) <= CALIBRATION_TOLERANCE:
            break
        scale *= urban_target / max(count, 1)
    assert best is not None  # the loop ran at least once
    return best


def town_seams(
    town: Part, town_seat: IntArray, town_tree: cKDTree, block_max_m: float
) -> tuple[IntArray, IntArray]:
    """Join neighbouring town grids: each edge node of one grid to the nearest node of another."""
    n = town.x.shape[0]
    degree = np.bincount(town.u, minlength=n) + np.bincount(town.v, minlength=n)
    border = np.flatnonzero(degree < 4)
    if border.shape[0] == 0 or np.unique(town_seat).shape[0] < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    dist, nearest = town_tree.query(
        np.column_stack([town.x[border], town.y[border]]),
        k=8,
        distance_upper_bound=1.5 * block_max_m,
    )
    found = np.isfinite(dist)
    nearest = np.where(found, nearest, 0)
    other = found & (town_seat[nearest] != town_seat[border][:, None])
    has = other.any(axis=1)
    first = other.argmax(axis=1)
    return border[has], nearest[has, first[has]].astype(np.int64)
