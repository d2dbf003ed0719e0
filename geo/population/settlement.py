"""GHSL settlement classes: the vocabulary, the density thresholds and the grid classification.

GHSL (GHS-SMOD R2023A, Degree of Urbanisation stage I; European Commission and Eurostat,
*Applying the Degree of Urbanisation: a methodological manual*, 2021) classes 1 km² cells:

* urban centre: a 4-connected cluster of cells of >= 1,500 inh/km² with >= 50,000 people;
* urban cluster: an 8-connected cluster of cells of >= 300 inh/km² with >= 5,000 people;
* every other cell is rural.

Here the same thresholds apply to the grid cells actually built (500 m by default), each whole
cell's people over its area inside the regions. With ``cluster_rule=True`` (default) the
contiguity and minimum-total rules above are applied by labelling the grid
(:func:`scipy.ndimage.label`); with ``cluster_rule=False`` a cell is classed by its own density
alone. Not reproduced: GHSL's gap filling (holes < 15 km²), 3 x 3 majority smoothing and the
built-up share >= 50 % alternative, and its 1 km cell size (smaller cells make density peakier).
The labelling works on rasters of the regions' bounding box (a few bytes a cell; 2 M cells
for all of Hunan at 500 m).

The seven level-2 classes (:data:`GHSL_CLASSES`) are the census shares that
:func:`geo.population.surface.build_population_grid` spreads people by; the three classes of
:data:`SETTLEMENT_CLASSES` are what a cell is classed as.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import PopulationError

# GHS-SMOD R2023A / Degree of Urbanisation stage I thresholds (Eurostat 2021 manual;
# https://human-settlement.emergency.copernicus.eu/ghs_smod2023.php)
URBAN_CENTRE_MIN_DENSITY_PER_KM2: Final[float] = 1500.0
URBAN_CLUSTER_MIN_DENSITY_PER_KM2: Final[float] = 300.0
URBAN_CENTRE_MIN_POPULATION: Final[int] = 50_000
URBAN_CLUSTER_MIN_POPULATION: Final[int] = 5_000

SETTLEMENT_CLASSES: Final[tuple[str, ...]] = ("urban_centre", "urban_cluster", "rural")

# GHS-SMOD R2023A level-2 classes 30, 23, 22, 21, 13, 12, 11: densest first
GHSL_CLASSES: Final[tuple[str, ...]] = (
    "urban_centre",
    "dense_urban_cluster",
    "semi_dense_urban_cluster",
    "suburban",
    "rural_cluster",
    "low_density_rural",
    "very_low_density_rural",
)
URBAN_GHSL_CLASSES: Final[frozenset[str]] = frozenset(GHSL_CLASSES[:4])

# the share columns of ../shared/data/hunan/hunan_county_population_2020.csv
GHSL_SHARE_COLUMNS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "urban_centre": "ghsl_urban_centre_share",
        "dense_urban_cluster": "ghsl_dense_cluster_share",
        "semi_dense_urban_cluster": "ghsl_semi_dense_share",
        "suburban": "ghsl_suburban_share",
        "rural_cluster": "ghsl_rural_cluster_share",
        "low_density_rural": "ghsl_low_density_rural_share",
        "very_low_density_rural": "ghsl_very_low_density_rural_share",
    }
)


def classify_settlement_grid(
    population: ArrayLike,
    area_km2: ArrayLike,
    *,
    cluster_rule: bool = True,
) -> NDArray[np.str_]:
    """GHSL settlement class of every cell of a square grid (see the module docstring).

    Parameters
    ----------
    population
        People per cell, a 2-D array (rows by columns; neighbours share an edge or a corner).
    area_km2
        Area of each cell counted for density, km² (0 for a cell outside every region).
    cluster_rule
        Require contiguous clusters with GHSL's minimum totals (4-connected >= 50,000 people
        for an urban centre, 8-connected >= 5,000 for an urban cluster); False classes each
        cell by its own density alone.

    Returns
    -------
    numpy.ndarray
        2-D array of class names from :data:`SETTLEMENT_CLASSES`.
    """
    people = np.asarray(population, dtype=np.float64)
    area = np.asarray(area_km2, dtype=np.float64)
    if people.ndim != 2 or people.shape != area.shape:
        raise PopulationError.worded(
            "input.population.grid_shapes", field="area_km2", people=people.shape, area=area.shape
        )
    density = np.divide(people, area, out=np.zeros_like(people), where=area > 0.0)
    dense = density >= URBAN_CENTRE_MIN_DENSITY_PER_KM2
    moderate = density >= URBAN_CLUSTER_MIN_DENSITY_PER_KM2
    if cluster_rule:
        # scipy loads only here: the database models import this module for its vocabulary
        from scipy import ndimage

        rook = ndimage.generate_binary_structure(2, 1)
        queen = ndimage.generate_binary_structure(2, 2)
        dense = _big_clusters(dense, ndimage.label(dense, structure=rook)[0], people, "centre")
        moderate = _big_clusters(
            moderate, ndimage.label(moderate, structure=queen)[0], people, "cluster"
        )
    return _class_names(dense, moderate)


def _big_clusters(
    member: NDArray[np.bool_], labels: NDArray[Any], people: NDArray[np.float64], kind: str
) -> NDArray[np.bool_]:
    """Members of clusters whose total reaches GHSL's minimum for ``kind`` (centre/cluster)."""
    minimum = URBAN_CENTRE_MIN_POPULATION if kind == "centre" else URBAN_CLUSTER_MIN_POPULATION
    flat = labels.reshape(-1)
    totals = np.bincount(flat, weights=people.reshape(-1))
    big: NDArray[np.bool_] = (totals[flat] >= minimum).reshape(member.shape)
    return member & big


def _class_names(dense: NDArray[np.bool_], moderate: NDArray[np.bool_]) -> NDArray[np.str_]:
    """Urban centre where ``dense``, else urban cluster where ``moderate``, else rural."""
    code = np.where(dense, 0, np.where(moderate, 1, 2))
    return np.asarray(SETTLEMENT_CLASSES)[code]
