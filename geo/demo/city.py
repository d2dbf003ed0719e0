"""The city the demo generator fills: its cells and county-level units, and what already exists.

Private working records of :func:`geo.demo.generate.generate_demo_facilities`: the inputs are
checked here (:class:`~geo.errors.DemoInputError` names the column or value), the population
cells become arrays per county-level unit (:class:`City`), and real facilities are summarised by
type, unit and known capacity (:class:`Existing`).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.demo.rows import CAPACITY_FIELDS, FACILITY_TYPES, HOSPITAL_TYPES, REGION_LEVELS
from geo.errors import DemoInputError


@dataclass(frozen=True, slots=True)
class Region:
    adcode: str
    name: str
    level: str
    population: int
    cells: NDArray[np.int64]
    urban_population: float
    rural_population: float


@dataclass(frozen=True, slots=True)
class City:
    xy: NDArray[np.float64]
    population: NDArray[np.float64]
    urban: NDArray[np.bool_]
    density: NDArray[np.float64]
    geoms: NDArray[np.object_]
    # county-level units that hold cells, most populous first
    regions: tuple[Region, ...]


@dataclass(frozen=True, slots=True)
class Existing:
    types: Counter[str]
    by_region: Counter[tuple[str, str]]
    xy: dict[tuple[str, str], NDArray[np.float64]]
    public_hospitals: int
    tertiary_hospitals: int
    known: dict[str, int]
    stations: int
    centre_regions: frozenset[str]
    maternal: int
    neonatal: int


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DemoInputError.worded(
            "input.common.no_column",
            field=what,
            column=missing[0],
            have=" / ".join(map(str, frame.columns)),
        )


def prepare_city(cells: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> City:
    _require(cells, ("region_adcode", "population", "urban", "geometry"), "cells")
    _require(regions, ("adcode", "name", "level", "population"), "regions")
    if cells.empty:
        raise DemoInputError.worded("input.demo.no_cells", field="cells")
    if cells.crs is None or not cells.crs.is_projected:
        raise DemoInputError.worded("input.common.metric_crs", field="cells", crs=cells.crs)
    geoms = np.asarray(cells.geometry.values, dtype=object)
    if shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
        raise DemoInputError.worded("input.demo.empty_geometry", field="cells")
    population = pd.to_numeric(cells["population"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(population).all() or (population < 0).any():
        raise DemoInputError.worded("input.access.population", field="cells.population")
    urban = cells["urban"].astype(bool).to_numpy()
    codes = cells["region_adcode"].astype(str).to_numpy()
    table = _region_table(regions)
    unknown = sorted(set(codes) - set(table))
    if unknown:
        raise DemoInputError.worded(
            "input.demo.unknown_regions", field="cells.region_adcode", codes=" / ".join(unknown[:5])
        )
    area_km2 = shapely.area(geoms) / 1e6
    density = np.where(area_km2 > 0, population / np.where(area_km2 > 0, area_km2, 1.0), population)
    xy = shapely.get_coordinates(shapely.centroid(geoms)).astype(np.float64)
    built = []
    for code, (name, level, pop) in table.items():
        idx = np.flatnonzero(codes == code).astype(np.int64)
        if idx.size == 0:
            continue
        up = float(population[idx][urban[idx]].sum())
        built.append(Region(code, name, level, pop, idx, up, float(population[idx].sum()) - up))
    built.sort(key=lambda r: (-r.population, r.adcode))
    return City(xy, population, urban, density, geoms, tuple(built))


def _region_table(regions: gpd.GeoDataFrame) -> dict[str, tuple[str, str, int]]:
    codes = regions["adcode"].astype(str)
    if codes.duplicated().any():
        raise DemoInputError.worded(
            "input.demo.repeated",
            field="regions.adcode",
            codes=" / ".join(sorted(set(codes[codes.duplicated()]))),
        )
    bad = sorted(set(regions["level"]) - set(REGION_LEVELS))
    if bad:
        raise DemoInputError.worded(
            "input.common.choice",
            field="regions.level",
            value=bad[0],
            expected=" / ".join(REGION_LEVELS),
        )
    pops = pd.to_numeric(regions["population"], errors="coerce")
    if pops.isna().any() or (pops < 0).any():
        raise DemoInputError.worded("input.demo.region_population", field="regions.population")
    return {
        code: (str(name), str(level), int(pop))
        for code, name, level, pop in zip(
            codes, regions["name"], regions["level"], pops, strict=True
        )
    }


def summarise_existing(
    existing: gpd.GeoDataFrame | None, regions: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> Existing:
    if existing is None or existing.empty:
        return Existing(Counter(), Counter(), {}, 0, 0, {}, 0, frozenset(), 0, 0)
    _require(existing, ("type",), "existing")
    bad = sorted(set(existing["type"]) - set(FACILITY_TYPES))
    if bad:
        raise DemoInputError.worded(
            "input.common.choice",
            field="existing.type",
            value=bad[0],
            expected=" / ".join(FACILITY_TYPES),
        )
    # an existing frame without a CRS is taken to be in the CRS of the cells
    frame = existing.to_crs(cells.crs) if existing.crs is not None else existing.set_crs(cells.crs)
    region = _existing_regions(frame, regions)
    types = frame["type"].astype(str).to_numpy()
    xy = shapely.get_coordinates(shapely.centroid(np.asarray(frame.geometry.values)))
    hospital = np.isin(types, HOSPITAL_TYPES)
    ownership = _column(frame, "ownership", "public").astype(str).to_numpy()
    grade = _column(frame, "grade", "none").astype(str).to_numpy()
    hosted = _flags(frame, "ems_station_hosted")
    keys = list(zip(region, types, strict=True))
    positions: dict[tuple[str, str], NDArray[np.float64]] = {}
    for key in set(keys):
        mask = np.array([k == key for k in keys])
        positions[key] = xy[mask].astype(np.float64)
    known = {
        name: int(pd.to_numeric(frame[name], errors="coerce").fillna(0).sum())
        for name in CAPACITY_FIELDS
        if name in frame.columns
    }
    return Existing(
        types=Counter(types.tolist()),
        by_region=Counter(keys),
        xy=positions,
        public_hospitals=int((hospital & (ownership == "public")).sum()),
        tertiary_hospitals=int((hospital & (grade == "tertiary")).sum()),
        known=known,
        stations=int(((types == "ems_station") | hosted).sum()),
        centre_regions=frozenset(r for r, t in keys if t == "ems_center"),
        maternal=int(_flags(frame, "critical_maternal_centre").sum()),
        neonatal=int(_flags(frame, "critical_neonatal_centre").sum()),
    )


def _column(frame: pd.DataFrame, name: str, value: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].where(frame[name].notna(), value)
    return pd.Series([value] * len(frame), index=frame.index)


def _flags(frame: pd.DataFrame, name: str) -> NDArray[np.bool_]:
    """A service flag of existing facilities; missing or unknown counts as false."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=np.bool_)
    return np.array([bool(v) if pd.notna(v) else False for v in frame[name]], dtype=np.bool_)


def _existing_regions(frame: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> list[str]:
    if "region_adcode" in frame.columns and frame["region_adcode"].notna().all():
        return [str(c) for c in frame["region_adcode"]]
    if "geometry" not in regions.columns or regions.crs is None:
        raise DemoInputError.worded("input.demo.existing_region", field="existing")
    polys = regions[["adcode", "geometry"]].to_crs(frame.crs)
    joined = gpd.sjoin(frame[["geometry"]], polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    found = joined["adcode"].reindex(frame.index)
    if "region_adcode" in frame.columns:
        found = frame["region_adcode"].where(frame["region_adcode"].notna(), found)
    return ["" if pd.isna(c) else str(c) for c in found]


def candidates(
    city: City, region: Region, setting: str
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Cells of a region where a facility of ``setting`` may go, and their weights."""
    idx = region.cells
    pop = city.population[idx]
    wanted = city.urban[idx] if setting == "urban" else ~city.urban[idx]
    for mask in (wanted & (pop > 0), pop > 0):
        if mask.any():
            return idx[mask], pop[mask]
    # an unpeopled region still gets its quota somewhere
    return idx, np.ones(idx.size)


def setting_weights(city: City, setting: str) -> NDArray[np.float64]:
    if setting == "urban":
        w = np.array([r.urban_population for r in city.regions])
    else:
        w = np.array([r.rural_population for r in city.regions])
    if w.sum() <= 0:
        w = np.array([r.urban_population + r.rural_population for r in city.regions])
    return w
