"""Synthetic demo facilities sized to the inventories the plans state.

A planner trying the service needs a full city: the real data that exists (regions, census, the
real Changsha hospitals) plus synthetic facilities where no real points are available.
:func:`generate_demo_facilities` produces those synthetic facilities for one city so that, with the
real ones, they match each count of the city's inventory (:mod:`geo.demo.inventory`, each figure
cited from its plan or marked as an estimate with its rule). Real capacities that are unknown
count as nothing, so synthetic hospitals then carry the whole stated bed and staff totals and come
out larger than their grade suggests.

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

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo.capacity import assign_capacities, assign_fleet
from geo.demo.city import (
    City,
    Existing,
    candidates,
    prepare_city,
    setting_weights,
    summarise_existing,
)
from geo.demo.ems import place_ems
from geo.demo.inventory import CityInventory, shipped_per_unit_hospitals
from geo.demo.placement import apportion, densest_sites, points_in_cells, weighted_kmeans_sites
from geo.demo.rows import (
    CAPACITY_FIELDS,
    FLAG_FIELDS,
    GRADE_RANK,
    HOSPITAL_TYPES,
    Row,
)

__all__ = ["OUTPUT_COLUMNS", "generate_demo_facilities"]

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
    city = prepare_city(cells, regions)
    have = summarise_existing(existing, regions, cells)
    rng = np.random.default_rng(seed)
    rows = _primary_care(city, inventory, have, rng)
    hospitals = _hospitals(city, inventory, have, rng)
    _service_flags(city, hospitals, inventory, have, rng)
    rows = rows + hospitals
    rows = rows + place_ems(city, inventory, have, rows, rng)
    targets = {
        name: inventory.value(name) - have.known.get(name, 0)
        for name in ("beds", "physicians", "nurses", "general_practitioners", "pharmacists")
    }
    assign_capacities(rows, targets, rng)
    fleet = inventory.value("ambulances") - have.known.get("ambulances", 0)
    assign_fleet(rows, {r.adcode: float(r.population) for r in city.regions}, fleet, rng)
    return _to_frame(city, inventory, rows, cells.crs, rng)


# ---- primary care


def _primary_care(
    city: City, inventory: CityInventory, have: Existing, rng: np.random.Generator
) -> list[Row]:
    rows: list[Row] = []
    for key, ftype, setting, grade in _PRIMARY:
        stated = inventory.value(key)
        target = max(0, stated - have.types[ftype])
        weights = setting_weights(city, setting)
        present = np.array([have.by_region[(r.adcode, ftype)] for r in city.regions], dtype=float)
        # each unit's share of the whole inventory, less what it already has
        ideal = np.clip(stated * weights / max(weights.sum(), 1e-9) - present, 0.0, None)
        quota = apportion(target, ideal if ideal.sum() > 0 else weights)
        for region, k in zip(city.regions, quota, strict=True):
            if k == 0:
                continue
            cand, weight = candidates(city, region, setting)
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
    city: City, inventory: CityInventory, have: Existing, rng: np.random.Generator
) -> list[Row]:
    n_total = max(0, inventory.value("hospitals") - sum(have.types[t] for t in HOSPITAL_TYPES))
    minimum = [
        (region, ftype)
        for region in city.regions
        for ftype in shipped_per_unit_hospitals()
        if have.by_region[(region.adcode, ftype)] == 0
    ][:n_total]
    public_target = max(0, inventory.value("public_hospitals") - have.public_hospitals)
    # the per-unit minimum outranks the stated public / private split
    n_public = min(n_total, max(len(minimum), public_target))
    extras = [("public", t) for t in _mix(n_public - len(minimum), PUBLIC_MIX)]
    extras += [("private", t) for t in _mix(n_total - n_public, PRIVATE_MIX)]
    extras = [extras[i] for i in rng.permutation(len(extras))]
    quota = apportion(len(extras), setting_weights(city, "urban"))
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


def _site_hospitals(city: City, rows: list[Row], rng: np.random.Generator) -> None:
    for region in city.regions:
        here = [h for h in rows if h.region == region.adcode]
        if not here:
            continue
        # the most prominent hospital takes the densest cell
        here.sort(key=lambda h: (-GRADE_RANK[h.grade], h.tier))
        cand, weight = candidates(city, region, "urban")
        sites = densest_sites(city.density[cand], weight, len(here), rng=rng)
        for h, site in zip(here, sites, strict=True):
            h.cell = int(cand[site])


def _service_flags(
    city: City,
    hospitals: list[Row],
    inventory: CityInventory,
    have: Existing,
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


# ---- output


def _names(city: City, inventory: CityInventory, rows: list[Row]) -> list[str]:
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
    city: City, inventory: CityInventory, rows: list[Row], crs: object, rng: np.random.Generator
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
