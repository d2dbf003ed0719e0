"""Points in a network's metric CRS: what an access context measures from and to.

Any object with ``x`` and ``y`` arrays (metres) is :class:`Located` (population points and
facilities of :mod:`geo.norms.spatial` are); :class:`Points` is the plain form.
"""

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import CoverageInputError

__all__ = ["Located", "Points", "points_xy"]

FloatArray = NDArray[np.float64]


class Located(Protocol):
    """Anything with coordinates in the network CRS: ``x`` and ``y``, metres."""

    @property
    def x(self) -> FloatArray:
        """Easting of each item, metres."""
        ...

    @property
    def y(self) -> FloatArray:
        """Northing of each item, metres."""
        ...


@dataclass(frozen=True, eq=False)
class Points:
    """Plain points in the network CRS (x, y in metres), when nothing else is attached."""

    x: FloatArray
    y: FloatArray


def points_xy(x: ArrayLike, y: ArrayLike) -> Points:
    """Check and bundle coordinates (network CRS, metres) as :class:`Points`.

    Raises
    ------
    CoverageInputError
        When ``x`` and ``y`` differ in length or a coordinate is not finite.
    """
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    if xs.shape != ys.shape:
        raise CoverageInputError.worded(
            "input.common.count", field="y", given=ys.shape[0], n=xs.shape[0]
        )
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise CoverageInputError.worded("input.common.finite_xy", field="x")
    return Points(xs, ys)
