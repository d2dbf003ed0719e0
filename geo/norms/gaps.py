"""Gap zones: underserved cells dissolved into connected areas, the one gap path of fplan.

``/gaps``, the scenario diff and the map's gap layer all take their polygons from
:func:`gap_zones`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import ArrayLike

from geo.errors import NormEvaluationError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True, slots=True)
class GapZone:
    """A connected area of underserved cells.

    Attributes
    ----------
    key
        The group the cells were dissolved in (e.g. the county-level unit's adcode).
    geometry
        The dissolved cells (Polygon), in the cells' CRS.
    population
        Residents of the cells in it, persons.
    n_cells
        Number of cells in it.
    """

    key: str
    geometry: "BaseGeometry"
    population: int
    n_cells: int


def gap_zones(
    cells: ArrayLike, population: ArrayLike, keys: ArrayLike | Sequence[str]
) -> list[GapZone]:
    """Dissolve underserved cells into connected zones, group by group.

    Parameters
    ----------
    cells
        Polygons of the underserved cells (shapely geometries, any one CRS).
    population
        Residents of each cell, persons.
    keys
        The group of each cell (a zone never spans two groups), e.g. its county-level unit.

    Returns
    -------
    list of GapZone
        Largest population first; within a group, cells that touch share a zone.
    """
    geoms = np.asarray(cells, dtype=object).reshape(-1)
    people = np.asarray(population, dtype=np.int64).reshape(-1)
    groups = np.asarray(keys, dtype=np.str_).reshape(-1)
    if not (geoms.shape == people.shape == groups.shape):
        msg = "gap zones: cells, population and keys must have one value per cell"
        raise NormEvaluationError(msg)
    zones: list[GapZone] = []
    for key in np.unique(groups):
        members = np.flatnonzero(groups == key)
        dissolved = shapely.union_all(geoms[members])
        parts = np.asarray(shapely.get_parts(dissolved), dtype=object)
        # each cell lies in the one part that contains a point on its surface
        tree = shapely.STRtree(parts)
        probes = shapely.point_on_surface(geoms[members])
        cell_idx, part_idx = tree.query(probes, predicate="intersects")
        part_of = np.full(members.shape[0], -1, dtype=np.int64)
        part_of[cell_idx] = part_idx
        found = part_of >= 0
        pop = np.bincount(part_of[found], weights=people[members][found], minlength=parts.shape[0])
        count = np.bincount(part_of[found], minlength=parts.shape[0])
        zones.extend(
            GapZone(str(key), parts[i], round(float(pop[i])), int(count[i]))
            for i in range(parts.shape[0])
        )
    zones.sort(key=lambda zone: (-zone.population, zone.key))
    return zones
