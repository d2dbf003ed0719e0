"""One definition of urban: the census urban share, placed on the densest cells of each unit.

The plans' 城镇人口 is the census figure (Yongzhou: 248.3万, 46.94 %, seed L31-35), while density
classes (GHSL's urban centres and clusters, suburbs from 300 inh/km²) call far more people urban
(69.6 % of Yongzhou). The norms need one definition for spatial and count rules alike, so each
county-level unit's cells are marked urban densest first until their residents reach the unit's
census urban population. The flag then agrees with the official figures per unit and per city, and
urban residents still live where the density is highest.
"""

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import InputError


def calibrate_urban(
    region_adcodes: ArrayLike,
    population: ArrayLike,
    density_per_km2: ArrayLike,
    urban_population: Mapping[str, int | None],
    *,
    fallback: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Mark cells urban, densest first per unit, so each unit's urban residents match its target.

    Parameters
    ----------
    region_adcodes
        The county-level unit of each cell (6-digit adcode).
    population
        Residents of each cell, persons (non-negative).
    density_per_km2
        Residents per km² of each cell: the order in which cells become urban (ties keep the input
        order, so the result is deterministic).
    urban_population
        Census urban residents per unit, persons. A unit missing here or mapped to None keeps its
        ``fallback`` flags (all rural without a fallback).
    fallback
        Urban flags to keep where no target is known (e.g. the density classes).

    Returns
    -------
    numpy.ndarray of bool
        One flag per cell. Within each unit with a target, the densest cells are urban, and the
        last cell crossing the target is urban only when that brings the unit's urban residents
        closer to it (the error is at most half that cell's residents).

    Raises
    ------
    InputError
        When the arrays differ in length, a population is negative, or a target is negative.
    """
    codes = np.asarray(region_adcodes).astype(str)
    people = np.asarray(population, dtype=np.float64)
    density = np.asarray(density_per_km2, dtype=np.float64)
    if not len(codes) == len(people) == len(density):
        raise InputError.worded(
            "input.population.urban_lengths",
            field="density_per_km2",
            codes=len(codes),
            people=len(people),
            density=len(density),
        )
    if (people < 0).any():
        raise InputError.worded("input.population.negative", field="population")
    urban = (
        np.zeros(len(codes), dtype=np.bool_)
        if fallback is None
        else np.asarray(fallback, dtype=np.bool_).copy()
    )
    if len(urban) != len(codes):
        raise InputError.worded(
            "input.common.count", field="fallback", given=len(urban), n=len(codes)
        )

    for code in np.unique(codes):
        target = urban_population.get(str(code))
        if target is None:
            continue
        if target < 0:
            raise InputError.worded(
                "input.population.urban_negative",
                field="urban_population",
                region=str(code),
                value=target,
            )
        cells = np.flatnonzero(codes == code)
        urban[cells] = _densest_first(people[cells], density[cells], float(target))
    return urban


def _densest_first(
    people: NDArray[np.float64], density: NDArray[np.float64], target: float
) -> NDArray[np.bool_]:
    # densest first; a stable sort keeps the input order among equal densities
    order = np.argsort(-density, kind="stable")
    cumulative = np.cumsum(people[order])
    # the cells wholly within the target, then the crossing cell if it brings us closer
    inside = int(np.searchsorted(cumulative, target, side="right"))
    if inside < len(order):
        before = cumulative[inside - 1] if inside > 0 else 0.0
        if abs(cumulative[inside] - target) < abs(before - target):
            inside += 1
    flags = np.zeros(len(people), dtype=np.bool_)
    flags[order[:inside]] = True
    return flags


def urban_population_of_units(
    population: Mapping[str, int | None], urban_share: Mapping[str, float | None]
) -> dict[str, int | None]:
    """Return each unit's census urban residents, ``round(population × urban_share)``, persons.

    None where the population or the share is unknown.
    """
    out: dict[str, int | None] = {}
    for code, people in population.items():
        share = urban_share.get(code)
        out[code] = None if people is None or share is None else round(people * share)
    return out
