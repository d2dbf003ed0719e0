"""Shared parts of the synthetic road generator: road classes, the layer records, calibration.

Private to :mod:`geo.synthetic`; :mod:`geo.synthetic.roads` is the public entry.
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
ClassArray = NDArray[np.int8]

# OSM highway values used, most important first; edges carry an index into this tuple
HIGHWAY_CLASSES: Final[tuple[str, ...]] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "unclassified",
    "track",
)
MOTORWAY, TRUNK, PRIMARY, SECONDARY, TERTIARY, RESIDENTIAL, UNCLASSIFIED, TRACK = range(8)

# the town outline: harmonics 2..4 of the radius with amplitudes up to 12 % (modelling choice)
OUTLINE_HARMONICS: Final = np.array([2.0, 3.0, 4.0])
OUTLINE_MAX_AMPLITUDE: Final = 0.12
# the node-count calibration of towns and rural lattice stops within 3 %
CALIBRATION_TOLERANCE: Final = 0.03
CALIBRATION_ROUNDS: Final = 6


@dataclass(frozen=True)
class Seats:
    x: FloatArray
    y: FloatArray
    weight: FloatArray


@dataclass(frozen=True)
class TownShapes:
    """Per-seat random shape parameters, drawn once so calibration rounds stay comparable."""

    block_m: FloatArray
    angle_rad: FloatArray
    amplitude: NDArray[np.float64]
    phase_rad: NDArray[np.float64]


@dataclass(frozen=True)
class Part:
    """Nodes and edges of one layer of the network (local node numbering)."""

    x: FloatArray
    y: FloatArray
    u: IntArray
    v: IntArray
    cls: ClassArray


@dataclass(frozen=True)
class Layers:
    """The network's layers before they are joined (each numbered from 0)."""

    town: Part
    town_seat: IntArray
    radius_m: FloatArray
    grid_angle_rad: FloatArray
    block_max_m: float
    major: int
    motorway_pairs: IntArray
    motorway: Part
    motorway_ends: IntArray
    interchanges: IntArray
    rural: Part
    rural_fringe: IntArray
    spacing_m: float
    # True when ``motorway`` holds real trunk roads (every node a junction with the local roads)
    # instead of generated motorways
    real_trunk: bool = False

    @property
    def n_nodes(self) -> int:
        return int(self.town.x.shape[0] + self.rural.x.shape[0] + self.motorway.x.shape[0])


def codes(like: IntArray, code: int) -> ClassArray:
    """Return ``code`` repeated once per element of ``like``."""
    return np.full(like.shape[0], code, dtype=np.int8)
