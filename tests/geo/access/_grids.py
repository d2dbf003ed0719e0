"""Street grids for the access tests: whole-second times, so equal times (ties) are common."""

import numpy as np

from geo.network import Network, network_from_arrays

CRS = "EPSG:32649"


def grid(side: int, *, seed: int) -> Network:
    """A ``side`` x ``side`` street grid, 100 m blocks, lengths 100–300 m in 10 m steps.

    Whole 10 m steps give whole seconds, so equal times are common; a quarter of the streets
    are one-way.
    """
    rng = np.random.default_rng(seed)
    u, v = [], []
    for i in range(side):
        for j in range(side):
            k = i * side + j
            if i + 1 < side:
                u.append(k)
                v.append(k + side)
            if j + 1 < side:
                u.append(k)
                v.append(k + 1)
    xy = np.array([(i * 100.0, j * 100.0) for i in range(side) for j in range(side)])
    return network_from_arrays(
        xy[:, 0],
        xy[:, 1],
        u,
        v,
        ["residential"] * len(u),
        crs=CRS,
        oneway=rng.random(len(u)) < 0.25,
        length_m=rng.integers(10, 31, len(u)) * 10.0,
    )
