"""Synthetic demo facilities sized to the inventories the plans state.

A planner trying the service needs a full city: the real data that exists (regions, census, the
real Changsha hospitals) plus synthetic facilities where no real points are available.
:func:`generate_demo_facilities` produces those synthetic facilities for one city so that, with the
real ones, they match each count of the city's inventory (:data:`INVENTORIES`, each figure cited
from its plan or marked as an estimate with its rule). Real capacities that are unknown count as
nothing, so synthetic hospitals then carry the whole stated bed and staff totals and come out
larger than their grade suggests.

Placement follows how these facilities are sited:

- community health centres and stations: in urban cells, spread by a population-weighted k-means
  (one site per cluster, its most populous cell), so they are not stacked;
- township health centres: one per cluster of rural population, at the cluster's most populous
  rural cell (the township seat); village clinics likewise, many small clusters;
- hospitals: in the densest urban cells of each county-level unit; every unit gets at least a
  public general, TCM and maternal & child hospital, which the plans call for in every unit
  (general: the county hospital leads the rural network, Changsha 003 L211, and every district
  has a grade-II public hospital, Hengyang 001 L367; TCM: a county TCM hospital in every county,
  003 L221 and Yueyang 000 L296; maternal & child: one per city, county and district, Yongzhou 004
  L848–853);
- EMS: the city 120 centre, one sub-centre per county-level unit (004 L1134–1136), stations
  hosted by grade-II+ hospitals and central township health centres (``ems_station_hosted``;
  004 L1138–1140), and ambulances shared over those sites.

The demo is deliberately *not* compliant: the fleet is 60 % of the norm, negative-pressure
ambulances stay under 40 %, some counties lack a psychiatric ward or a critical maternal /
neonatal centre, some centres have fewer than 4 GPs or ICU beds under 2 % — planners need gaps to
look at. Every output row has ``source = "synthetic"``. The result depends only on the inputs and
``seed``.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.demo.capacity import assign_capacities, assign_fleet
from geo.demo.inventories import (
    AMBULANCE_COMPLIANCE,
    INVENTORIES,
    INVENTORY_KEYS,
    PER_UNIT_HOSPITALS,
    Citation,
    CityInventory,
    InventoryFigure,
    get_inventory,
)
from geo.demo.placement import apportion, densest_sites, points_in_cells, weighted_kmeans_sites
from geo.demo.rows import (
    CAPACITY_FIELDS,
    FACILITY_TYPES,
    FLAG_FIELDS,
    GRADE_RANK,
    HOSPITAL_TYPES,
    REGION_LEVELS,
    Row,
)
from geo.errors import DemoInputError, InventoryError

__all__ = [
    "AMBULANCE_COMPLIANCE",
    "INVENTORIES",
    "INVENTORY_KEYS",
    "OUTPUT_COLUMNS",
    "PER_UNIT_HOSPITALS",
    "Citation",
    "CityInventory",
    "DemoInputError",
    "InventoryError",
    "InventoryFigure",
    "generate_demo_facilities",
    "get_inventory",
]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "name",
    "type",
    "grade",
    "ownership",
    *CAPACITY_FIELDS,
    *FLAG_FIELDS,
    "region_adcode",
    "source",
    "geometry",
)

# the hospitals every county-level unit gets, in the order they are placed (cited in
# PER_UNIT_HOSPITALS)
MINIMUM_SET = ("general_hospital", "maternal_child_hospital", "tcm_hospital")
# order in which hospitals become tertiary (lower first): city-level public general hospitals,
# county general hospitals, other public city-level hospitals, county TCM and MCH, private ones
_TIERS = {
    ("public", "extra", "general_hospital"): 0,
    ("public", "county", "general_hospital"): 1,
    ("public", "extra", ""): 2,
    ("public", "county", "tcm_hospital"): 3,
    ("public", "county", "maternal_child_hospital"): 4,
    ("private", "extra", "general_hospital"): 5,
    ("private", "extra", ""): 6,
}
# only city-level public hospitals and county general hospitals become tertiary; when existing
# hospitals of unknown grade already fill those places (real Changsha), fewer tertiary are made
TERTIARY_MAX_TIER = 2
# type mix of the other hospitals (illustrative: general hospitals are over half of China's
# hospitals, specialty hospitals about a quarter, TCM about an eighth)
PUBLIC_MIX = {
    "general_hospital": 0.4,
    "specialty_hospital": 0.25,
    "tcm_hospital": 0.15,
    "psychiatric_hospital": 0.1,
    "maternal_child_hospital": 0.1,
}
PRIVATE_MIX = {
    "general_hospital": 0.55,
    "specialty_hospital": 0.3,
    "tcm_hospital": 0.1,
    "psychiatric_hospital": 0.05,
}
# grades of private hospitals (illustrative: most are grade I or ungraded)
PRIVATE_GRADES = {"secondary": 0.15, "primary": 0.5, "none": 0.35}
# share of county TCM and MCH hospitals at grade II or above: Yongzhou's 9 of 11 county TCM
# hospitals (004 L168–170); the rest are grade I, so grade norms have fails
COUNTY_SECONDARY_SHARE = 9 / 11
# counties above this many residents need a public hospital with a psychiatric ward (004 L738–742)
PSYCHIATRIC_WARD_POPULATION = 300_000
# share of those counties whose county hospital has one (illustrative: some pass, some fail)
PSYCHIATRIC_WARD_SHARE = 0.6
# a community health centre serving 80,000+ residents is built as a grade-II community hospital
# (004 L1503–1505); half of them are in the demo (illustrative)
COMMUNITY_HOSPITAL_POPULATION = 80_000
COMMUNITY_HOSPITAL_SHARE = 0.5
# ambulance shares of the EMS sites of one unit: city centre, county sub-centre, station
EMS_WEIGHTS = {"city": 3, "sub": 2, "station": 1}

# primary care: inventory key, facility type, where it goes, grade
_PRIMARY = (
    ("township_health_centers", "township_health_center", "rural", "primary"),
    ("community_health_centers", "community_health_center", "urban", "primary"),
    ("community_health_stations", "community_health_station", "urban", "none"),
    ("village_clinics", "village_clinic", "rural", "none"),
)
_LABELS = {
    ("general_hospital", "public", "county"): "人民医院",
    ("general_hospital", "public", "extra"): "公立综合医院",
    ("general_hospital", "private", "extra"): "民营综合医院",
    ("tcm_hospital", "public", "county"): "中医医院",
    ("tcm_hospital", "public", "extra"): "中西医结合医院",
    ("tcm_hospital", "private", "extra"): "民营中医医院",
    ("maternal_child_hospital", "public", "county"): "妇幼保健院",
    ("maternal_child_hospital", "public", "extra"): "妇女儿童医院",
    ("maternal_child_hospital", "private", "extra"): "民营妇产医院",
    ("specialty_hospital", "public", "extra"): "专科医院",
    ("specialty_hospital", "private", "extra"): "民营专科医院",
    ("psychiatric_hospital", "public", "extra"): "精神卫生中心",
    ("psychiatric_hospital", "private", "extra"): "民营精神病医院",
    ("township_health_center", "public", "central"): "中心卫生院",
    ("township_health_center", "public", ""): "乡镇卫生院",
    ("community_health_center", "public", ""): "社区卫生服务中心",
    ("community_health_station", "public", ""): "社区卫生服务站",
    ("village_clinic", "public", ""): "村卫生室",
    ("ems_center", "public", "sub"): "120急救分中心",
    ("ems_station", "public", "station"): "急救站",
}


@dataclass(frozen=True, slots=True)
class _Region:
    adcode: str
    name: str
    level: str
    population: int
    cells: NDArray[np.int64]
    urban_population: float
    rural_population: float


@dataclass(frozen=True, slots=True)
class _City:
    xy: NDArray[np.float64]
    population: NDArray[np.float64]
    urban: NDArray[np.bool_]
    density: NDArray[np.float64]
    geoms: NDArray[np.object_]
    # county-level units that hold cells, most populous first
    regions: tuple[_Region, ...]


@dataclass(frozen=True, slots=True)
class _Existing:
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


def generate_demo_facilities(
    cells: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    inventory: CityInventory,
    *,
    existing: gpd.GeoDataFrame | None = None,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Synthetic facilities that fill a city up to its plan's inventory.

    Parameters
    ----------
    cells
        Population cells in a metric (projected) CRS, polygons or points, with ``region_adcode``
        (the county-level unit), ``population`` (residents) and ``urban`` (bool); other columns
        (e.g. ``settlement_class``) are not used. Units without cells get no facilities.
    regions
        County-level units with ``adcode``, ``name``, ``level`` (``district``, ``county``,
        ``county_city`` or ``zone``) and ``population`` (residents); geometry is used only to
        find the unit of an existing facility that has no ``region_adcode``.
    inventory
        The city's counts (e.g. ``get_inventory("430100")``).
    existing
        Real facilities already present, with ``type`` and point geometry, and optionally
        ``region_adcode``, ``ownership``, ``grade``, capacity columns and service flags. They
        count toward the inventory: only the remainder is generated, and their known capacities
        are subtracted from the city totals (unknown capacities count as nothing).
    seed
        Seed of the random draws; equal inputs and seed give an equal result.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per synthetic facility with :data:`OUTPUT_COLUMNS`, Point geometry (inside the
        facility's cell) in the CRS of ``cells``, ``source = "synthetic"``; capacities are
        counts (beds, staff, vehicles), never missing. Synthetic plus existing facilities equal
        each inventory count — township health centres, community health centres, stations,
        village clinics, hospitals (the five hospital types together), 120 centres and EMS
        stations (``ems_station_hosted`` hosts plus standalone ``ems_station`` rows) — unless the
        existing ones already exceed it. City totals of beds, staff and ambulances equal the
        inventory less the existing facilities' known capacities, unless primary care alone
        exceeds them or there is no hospital (or EMS site) to hold the rest.

    Raises
    ------
    DemoInputError
        When a required column is missing, the CRS is not projected, populations are negative,
        a cell names an unknown region, a level or an existing type is unknown.
    """
    city = _prepare_city(cells, regions)
    have = _summarise_existing(existing, regions, cells)
    rng = np.random.default_rng(seed)
    rows = _primary_care(city, inventory, have, rng)
    hospitals = _hospitals(city, inventory, have, rng)
    _service_flags(city, hospitals, inventory, have, rng)
    rows = rows + hospitals
    rows = rows + _ems(city, inventory, have, rows, rng)
    targets = {
        name: inventory.value(name) - have.known.get(name, 0)
        for name in ("beds", "physicians", "nurses", "general_practitioners", "pharmacists")
    }
    assign_capacities(rows, targets, rng)
    fleet = inventory.value("ambulances") - have.known.get("ambulances", 0)
    assign_fleet(rows, {r.adcode: float(r.population) for r in city.regions}, fleet, rng)
    return _to_frame(city, inventory, rows, cells.crs, rng)


# ---- inputs


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{what} lacks the column(s) {', '.join(missing)}"
        raise DemoInputError(msg)


def _prepare_city(cells: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> _City:
    _require(cells, ("region_adcode", "population", "urban", "geometry"), "cells")
    _require(regions, ("adcode", "name", "level", "population"), "regions")
    if cells.empty:
        msg = "cells is empty: a city needs population cells to place facilities"
        raise DemoInputError(msg)
    if cells.crs is None or not cells.crs.is_projected:
        msg = f"cells must be in a metric (projected) CRS such as EPSG:32649, got {cells.crs}"
        raise DemoInputError(msg)
    geoms = np.asarray(cells.geometry.values, dtype=object)
    if shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
        msg = "cells holds missing or empty geometries"
        raise DemoInputError(msg)
    population = pd.to_numeric(cells["population"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(population).all() or (population < 0).any():
        msg = "cells.population must be finite and non-negative"
        raise DemoInputError(msg)
    urban = cells["urban"].astype(bool).to_numpy()
    codes = cells["region_adcode"].astype(str).to_numpy()
    table = _region_table(regions)
    unknown = sorted(set(codes) - set(table))
    if unknown:
        msg = f"cells name regions missing from regions: {', '.join(unknown[:5])}"
        raise DemoInputError(msg)
    area_km2 = shapely.area(geoms) / 1e6
    density = np.where(area_km2 > 0, population / np.where(area_km2 > 0, area_km2, 1.0), population)
    xy = shapely.get_coordinates(shapely.centroid(geoms)).astype(np.float64)
    built = []
    for code, (name, level, pop) in table.items():
        idx = np.flatnonzero(codes == code).astype(np.int64)
        if idx.size == 0:
            continue
        up = float(population[idx][urban[idx]].sum())
        built.append(_Region(code, name, level, pop, idx, up, float(population[idx].sum()) - up))
    built.sort(key=lambda r: (-r.population, r.adcode))
    return _City(xy, population, urban, density, geoms, tuple(built))


def _region_table(regions: gpd.GeoDataFrame) -> dict[str, tuple[str, str, int]]:
    codes = regions["adcode"].astype(str)
    if codes.duplicated().any():
        msg = f"regions repeats adcodes: {', '.join(sorted(set(codes[codes.duplicated()])))}"
        raise DemoInputError(msg)
    bad = sorted(set(regions["level"]) - set(REGION_LEVELS))
    if bad:
        msg = f"regions.level holds {bad}; expected one of {', '.join(REGION_LEVELS)}"
        raise DemoInputError(msg)
    pops = pd.to_numeric(regions["population"], errors="coerce")
    if pops.isna().any() or (pops < 0).any():
        msg = "regions.population must be a non-negative number for every region"
        raise DemoInputError(msg)
    return {
        code: (str(name), str(level), int(pop))
        for code, name, level, pop in zip(
            codes, regions["name"], regions["level"], pops, strict=True
        )
    }


def _summarise_existing(
    existing: gpd.GeoDataFrame | None, regions: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> _Existing:
    if existing is None or existing.empty:
        return _Existing(Counter(), Counter(), {}, 0, 0, {}, 0, frozenset(), 0, 0)
    _require(existing, ("type",), "existing")
    bad = sorted(set(existing["type"]) - set(FACILITY_TYPES))
    if bad:
        msg = f"existing.type holds {bad}; expected one of {', '.join(FACILITY_TYPES)}"
        raise DemoInputError(msg)
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
    return _Existing(
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
        msg = "existing has no region_adcode, and regions has no geometry to find it"
        raise DemoInputError(msg)
    polys = regions[["adcode", "geometry"]].to_crs(frame.crs)
    joined = gpd.sjoin(frame[["geometry"]], polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    found = joined["adcode"].reindex(frame.index)
    if "region_adcode" in frame.columns:
        found = frame["region_adcode"].where(frame["region_adcode"].notna(), found)
    return ["" if pd.isna(c) else str(c) for c in found]


# ---- primary care


def _candidates(
    city: _City, region: _Region, setting: str
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


def _setting_weights(city: _City, setting: str) -> NDArray[np.float64]:
    if setting == "urban":
        w = np.array([r.urban_population for r in city.regions])
    else:
        w = np.array([r.rural_population for r in city.regions])
    if w.sum() <= 0:
        w = np.array([r.urban_population + r.rural_population for r in city.regions])
    return w


def _primary_care(
    city: _City, inventory: CityInventory, have: _Existing, rng: np.random.Generator
) -> list[Row]:
    rows: list[Row] = []
    for key, ftype, setting, grade in _PRIMARY:
        stated = inventory.value(key)
        target = max(0, stated - have.types[ftype])
        weights = _setting_weights(city, setting)
        present = np.array([have.by_region[(r.adcode, ftype)] for r in city.regions], dtype=float)
        # each unit's share of the whole inventory, less what it already has
        ideal = np.clip(stated * weights / max(weights.sum(), 1e-9) - present, 0.0, None)
        quota = apportion(target, ideal if ideal.sum() > 0 else weights)
        for region, k in zip(city.regions, quota, strict=True):
            if k == 0:
                continue
            cand, weight = _candidates(city, region, setting)
            fixed = have.xy.get((region.adcode, ftype), np.zeros((0, 2)))
            sites, served = weighted_kmeans_sites(
                city.xy[cand], weight, int(k), fixed_xy=fixed, rng=rng
            )
            for site, people in zip(sites, served, strict=True):
                row = Row(
                    ftype, region.adcode, int(cand[site]), grade=grade, catchment=float(people)
                )
                rows.append(row)
    # a centre serving 80,000+ is a community hospital; only some are in the demo
    for row in rows:
        big = row.catchment >= COMMUNITY_HOSPITAL_POPULATION
        if (
            row.type == "community_health_center"
            and big
            and rng.random() < COMMUNITY_HOSPITAL_SHARE
        ):
            row.grade = "secondary"
    return rows


# ---- hospitals


def _mix(n: int, shares: dict[str, float]) -> list[str]:
    counts = apportion(n, np.array(list(shares.values())))
    return [t for t, c in zip(shares, counts, strict=True) for _ in range(int(c))]


def _hospitals(
    city: _City, inventory: CityInventory, have: _Existing, rng: np.random.Generator
) -> list[Row]:
    n_total = max(0, inventory.value("hospitals") - sum(have.types[t] for t in HOSPITAL_TYPES))
    minimum = [
        (region, ftype)
        for region in city.regions
        for ftype in MINIMUM_SET
        if have.by_region[(region.adcode, ftype)] == 0
    ][:n_total]
    public_target = max(0, inventory.value("public_hospitals") - have.public_hospitals)
    # the per-unit minimum outranks the stated public / private split
    n_public = min(n_total, max(len(minimum), public_target))
    extras = [("public", t) for t in _mix(n_public - len(minimum), PUBLIC_MIX)]
    extras += [("private", t) for t in _mix(n_total - n_public, PRIVATE_MIX)]
    extras = [extras[i] for i in rng.permutation(len(extras))]
    quota = apportion(len(extras), _setting_weights(city, "urban"))
    homes = [r for r, k in zip(city.regions, quota, strict=True) for _ in range(int(k))]
    order = {r.adcode: i for i, r in enumerate(city.regions)}
    rows = [
        Row(t, r.adcode, -1, role="county", tier=_tier("public", "county", t)) for r, t in minimum
    ]
    for (owner, ftype), region in zip(extras, homes, strict=True):
        tier = _tier(owner, "extra", ftype)
        rows.append(Row(ftype, region.adcode, -1, ownership=owner, role="extra", tier=tier))
    rows.sort(key=lambda h: (h.tier, order[h.region]))
    _grade_hospitals(
        rows, max(0, inventory.value("tertiary_hospitals") - have.tertiary_hospitals), rng
    )
    _site_hospitals(city, rows, rng)
    return rows


def _tier(ownership: str, role: str, ftype: str) -> int:
    return _TIERS.get((ownership, role, ftype), _TIERS.get((ownership, role, ""), 9))


def _grade_hospitals(rows: list[Row], tertiary: int, rng: np.random.Generator) -> None:
    """Grade hospitals; ``rows`` come sorted by tier, the most prominent first."""
    grades = list(PRIVATE_GRADES)
    shares = np.array(list(PRIVATE_GRADES.values()))
    for i, h in enumerate(rows):
        if i < tertiary and h.tier <= TERTIARY_MAX_TIER:
            h.grade = "tertiary"
        elif h.ownership == "private":
            h.grade = grades[int(rng.choice(len(grades), p=shares))]
        elif h.role == "county" and h.type != "general_hospital":
            h.grade = "secondary" if rng.random() < COUNTY_SECONDARY_SHARE else "primary"
        else:
            h.grade = "secondary"


def _site_hospitals(city: _City, rows: list[Row], rng: np.random.Generator) -> None:
    for region in city.regions:
        here = [h for h in rows if h.region == region.adcode]
        if not here:
            continue
        # the most prominent hospital takes the densest cell
        here.sort(key=lambda h: (-GRADE_RANK[h.grade], h.tier))
        cand, weight = _candidates(city, region, "urban")
        sites = densest_sites(city.density[cand], weight, len(here), rng=rng)
        for h, site in zip(here, sites, strict=True):
            h.cell = int(cand[site])


def _service_flags(
    city: _City,
    hospitals: list[Row],
    inventory: CityInventory,
    have: _Existing,
    rng: np.random.Generator,
) -> None:
    population = {r.adcode: r.population for r in city.regions}
    eligible = [
        h
        for h in hospitals
        if h.role == "county"
        and h.type == "general_hospital"
        and population[h.region] > PSYCHIATRIC_WARD_POPULATION
    ]
    wards = rng.random(len(eligible)) < PSYCHIATRIC_WARD_SHARE
    # at least one pass and one fail when there are two counties to compare
    if len(eligible) >= 2 and wards.all():
        wards[-1] = False
    if len(eligible) >= 2 and not wards.any():
        wards[0] = True
    for h, ward in zip(eligible, wards, strict=True):
        h.psychiatric_ward = bool(ward)
    hosts = [
        h
        for h in hospitals
        if h.ownership == "public"
        and h.type in ("general_hospital", "maternal_child_hospital")
        and GRADE_RANK[h.grade] >= GRADE_RANK["secondary"]
    ]
    if not hosts:
        return
    p = np.array([population[h.region] for h in hosts], dtype=float) + 1.0
    p /= p.sum()
    for flag, wanted in (
        ("critical_maternal_centre", inventory.value("critical_maternal_centres") - have.maternal),
        ("critical_neonatal_centre", inventory.value("critical_neonatal_centres") - have.neonatal),
    ):
        n = min(max(0, wanted), len(hosts))
        for i in rng.choice(len(hosts), size=n, replace=False, p=p):
            setattr(hosts[int(i)], flag, True)


# ---- EMS


def _ems(
    city: _City,
    inventory: CityInventory,
    have: _Existing,
    rows: list[Row],
    rng: np.random.Generator,
) -> list[Row]:
    new: list[Row] = []
    n_centres = max(0, inventory.value("ems_centers") - have.types["ems_center"])
    if n_centres and have.types["ems_center"] == 0:
        new.append(_centre(city, city.regions[0], rows, role="city"))
        n_centres -= 1
    # units without a centre first, then every unit again (most populous first)
    homes = [r for r in city.regions if r.adcode not in have.centre_regions] + list(city.regions)
    new += [_centre(city, homes[i % len(homes)], rows, role="sub") for i in range(n_centres)]
    wanted = max(0, inventory.value("ems_stations") - have.stations)
    hosts = _station_hosts(city, rows)
    for host in hosts[:wanted]:
        host.ems_station_hosted = True
        host.ems_weight = EMS_WEIGHTS["station"]
        if host.type == "township_health_center":
            host.role = "central"
    left = wanted - min(wanted, len(hosts))
    if left:
        new += _standalone_stations(city, left, rng)
    return new


def _centre(city: _City, region: _Region, rows: list[Row], *, role: str) -> Row:
    # a sub-centre sits with the unit's general hospital when it has one (000 L216)
    cell = next(
        (
            h.cell
            for h in rows
            if h.region == region.adcode and h.role == "county" and h.type == "general_hospital"
        ),
        -1,
    )
    if cell < 0:
        cand, weight = _candidates(city, region, "urban")
        cell = int(cand[np.lexsort((np.arange(cand.size), -weight, -city.density[cand]))[0]])
    return Row("ems_center", region.adcode, cell, role=role, ems_weight=EMS_WEIGHTS[role])


def _station_hosts(city: _City, rows: list[Row]) -> list[Row]:
    """Facilities that host an EMS station, in the order they are chosen."""
    order = {r.adcode: i for i, r in enumerate(city.regions)}
    rural = {r.adcode for r in city.regions if r.level in ("county", "county_city")}
    graded = [h for h in rows if h.is_hospital and GRADE_RANK[h.grade] >= GRADE_RANK["secondary"]]
    county = [h for h in graded if h.role == "county" and h.type == "general_hospital"]
    county.sort(key=lambda h: order[h.region])
    thcs = [h for h in rows if h.type == "township_health_center"]
    thcs.sort(key=lambda h: (-h.catchment, order[h.region]))
    central: list[Row] = []
    for rank in range(2):
        for region in city.regions:
            here = [h for h in thcs if h.region == region.adcode and region.adcode in rural]
            if len(here) > rank:
                central.append(here[rank])
    others = [h for h in graded if h not in county]
    others.sort(key=lambda h: (h.ownership != "public", h.tier, order[h.region]))
    rest = [h for h in thcs if h not in central]
    return county + central + others + rest


def _standalone_stations(city: _City, k: int, rng: np.random.Generator) -> list[Row]:
    cand = np.flatnonzero(city.population > 0)
    if cand.size == 0:
        cand = np.arange(city.population.size)
    weight = np.maximum(city.population[cand], 1e-9)
    sites, _ = weighted_kmeans_sites(city.xy[cand], weight, k, fixed_xy=np.zeros((0, 2)), rng=rng)
    region_of = np.empty(city.population.size, dtype=object)
    for region in city.regions:
        region_of[region.cells] = region.adcode
    return [
        Row(
            "ems_station",
            str(region_of[cand[s]]),
            int(cand[s]),
            role="station",
            ems_weight=EMS_WEIGHTS["station"],
            ems_station_hosted=False,
        )
        for s in sites
    ]


# ---- output


def _names(city: _City, inventory: CityInventory, rows: list[Row]) -> list[str]:
    region_name = {r.adcode: r.name for r in city.regions}
    labels: list[str] = []
    for row in rows:
        if row.type == "ems_center" and row.role == "city":
            labels.append("")
            continue
        key = (row.type, row.ownership, row.role)
        if row.type not in HOSPITAL_TYPES and row.type != "ems_center":
            key = (row.type, "public", row.role if row.role in ("central", "station") else "")
        labels.append(region_name[row.region] + _LABELS[key])
    seen: Counter[str] = Counter(labels)
    numbered: Counter[str] = Counter()
    names = []
    for label in labels:
        if not label:
            names.append(f"{inventory.name}120急救中心")
            continue
        numbered[label] += 1
        names.append(f"{label} {numbered[label]}" if seen[label] > 1 else label)
    return names


def _to_frame(
    city: _City, inventory: CityInventory, rows: list[Row], crs: object, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    cells = np.array([row.cell for row in rows], dtype=np.int64)
    points = points_in_cells(city.geoms[cells], rng=rng)
    data: dict[str, object] = {
        "name": _names(city, inventory, rows),
        "type": [row.type for row in rows],
        "grade": [row.grade for row in rows],
        "ownership": [row.ownership for row in rows],
    }
    for name in CAPACITY_FIELDS:
        data[name] = np.array([getattr(row, name) for row in rows], dtype=np.int64)
    for name in FLAG_FIELDS:
        data[name] = np.array([getattr(row, name) for row in rows], dtype=np.bool_)
    data["region_adcode"] = [row.region for row in rows]
    data["source"] = ["synthetic"] * len(rows)
    frame = pd.DataFrame(data)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=crs), crs=crs)
