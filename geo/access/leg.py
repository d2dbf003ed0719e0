"""The access leg: time from a place to the road node it is snapped to.

A population point or a facility rarely sits on a node: it is snapped to the nearest one
(:mod:`geo.network.snap`) and the straight snap distance is travelled first. That leg is the
local street between a place and the nearest intersection, so it is walked on foot and driven at
the fallback branch-road speed by car (:data:`geo.network.speeds.FALLBACK_DRIVE_SPEED_KPH`), for
``ems`` too. Coverage (:func:`geo.access.coverage.compute_coverage`), the access context
(:class:`geo.access.context.AccessContext`, which the norms evaluate on) and the location models'
cost matrices (:mod:`geo.access.matrix`) all count it with :func:`access_leg_s`.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import CoverageInputError
from geo.network.speeds import FALLBACK_DRIVE_SPEED_KPH, WALK_SPEED_KPH

__all__ = ["access_leg_s", "access_speed_kph"]


def access_speed_kph(mode: str) -> float:
    """Speed of the access leg in ``mode``, km/h: walking on foot, a branch road by car."""
    return WALK_SPEED_KPH if mode == "walk" else FALLBACK_DRIVE_SPEED_KPH


def access_leg_s(
    distance_m: ArrayLike, mode: str, *, speed_kph: float | None = None
) -> NDArray[np.float64]:
    """Time of the access leg for each snap distance, seconds.

    Parameters
    ----------
    distance_m
        Straight distance from each place to its node, metres (``SnapResult.distance_m``).
    mode
        ``walk``, ``drive`` or ``ems``: decides the default speed (:func:`access_speed_kph`).
    speed_kph
        Speed of the leg, km/h, instead of the mode's default.

    Returns
    -------
    numpy.ndarray
        ``distance_m`` travelled at the leg's speed, seconds (same shape).

    Raises
    ------
    CoverageInputError
        When ``speed_kph`` is not a finite speed > 0.
    """
    speed = access_speed_kph(mode) if speed_kph is None else speed_kph
    if not (np.isfinite(speed) and speed > 0):
        raise CoverageInputError.worded("input.access.speed", field="speed_kph", value=speed)
    return np.asarray(np.asarray(distance_m, dtype=np.float64) / (speed / 3.6), dtype=np.float64)
