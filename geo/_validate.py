"""Private input checks shared by the ``geo`` modules."""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import CoverageInputError, ModeError, NetworkInputError

MODES: tuple[str, ...] = ("walk", "drive", "ems")
DIRECTIONS: tuple[str, ...] = ("to_facility", "from_facility")


def check_mode(mode: str) -> str:
    """Return ``mode`` when it is one of :data:`MODES`, else raise :class:`ModeError`."""
    if mode not in MODES:
        raise ModeError.worded(
            "input.common.choice", field="mode", value=mode, expected=" / ".join(MODES)
        )
    return mode


def check_direction(direction: str) -> str:
    """Return ``direction`` when it is one of :data:`DIRECTIONS`, else raise :class:`ModeError`."""
    if direction not in DIRECTIONS:
        raise ModeError.worded(
            "input.common.choice",
            field="direction",
            value=direction,
            expected=" / ".join(DIRECTIONS),
        )
    return direction


def float_array(values: ArrayLike, *, name: str, n: int | None = None) -> NDArray[np.float64]:
    """Return ``values`` as a 1-D float64 array, checking its length against ``n`` when given."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise NetworkInputError.worded("input.common.one_dimensional", field=name, shape=arr.shape)
    if n is not None and arr.shape[0] != n:
        raise NetworkInputError.worded("input.common.count", field=name, given=arr.shape[0], n=n)
    return arr


def int_array(values: ArrayLike, *, name: str, n: int | None = None) -> NDArray[np.int64]:
    """Return ``values`` as a 1-D int64 array, checking its length against ``n`` when given."""
    raw = np.asarray(values)
    if raw.size and not np.issubdtype(raw.dtype, np.integer):
        raise NetworkInputError.worded("input.common.integers", field=name, dtype=raw.dtype)
    arr = raw.astype(np.int64, copy=False).reshape(-1) if raw.ndim <= 1 else raw
    if arr.ndim != 1:
        raise NetworkInputError.worded("input.common.one_dimensional", field=name, shape=arr.shape)
    if n is not None and arr.shape[0] != n:
        raise NetworkInputError.worded("input.common.count", field=name, given=arr.shape[0], n=n)
    return arr


def bool_array(values: ArrayLike, *, name: str, n: int) -> NDArray[np.bool_]:
    """Return ``values`` as a 1-D bool array of length ``n``."""
    arr = np.asarray(values, dtype=np.bool_).reshape(-1)
    if arr.shape[0] != n:
        raise NetworkInputError.worded("input.common.count", field=name, given=arr.shape[0], n=n)
    return arr


def node_indices(
    values: ArrayLike | Sequence[int], *, n_nodes: int, name: str
) -> NDArray[np.int64]:
    """Return node indices as int64, each in ``[0, n_nodes)``; raise :class:`CoverageInputError`."""
    raw = np.asarray(values)
    if raw.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(raw.dtype, np.integer) or raw.ndim != 1:
        raise CoverageInputError.worded(
            "input.common.node_indices", field=name, dtype=raw.dtype, shape=raw.shape
        )
    arr = raw.astype(np.int64)
    bad = (arr < 0) | (arr >= n_nodes)
    if bad.any():
        raise CoverageInputError.worded(
            "input.common.node_range", field=name, bad=int(bad.sum()), n=n_nodes
        )
    return arr
