"""Region membership looked up once per region: the same answers as walking the parent links.

:meth:`RegionIndex.members` (and through it :meth:`RegionIndex.facilities_in` and
:func:`region_mask`) replaces a walk up the parent links per facility or point with a set built
once per region. The walk (:meth:`RegionIndex.contains`) is the reference: on every prefecture of
Hunan's real unit list (the census table the service loads), with development zones, a unit
whose parent is missing, a parent cycle, an adcode outside the index and none, the answers are
the same for every region and every adcode.
"""

import csv
from pathlib import Path

import numpy as np
import pytest

from geo.norms import FacilityInput, FacilityType, RegionInput, RegionLevel, population_points
from geo.norms._regions import RegionIndex, selects
from geo.norms.parameters import FacilitySelector
from geo.norms.spatial import region_mask
from geo.terms import Grade, Ownership, ServiceFlag

CENSUS = Path(__file__).resolve().parents[3] / "app" / "data" / "hunan_census_2020.csv"


def _level(name: str) -> RegionLevel:
    if name.endswith("区"):
        return RegionLevel.DISTRICT
    if name.endswith("市"):
        return RegionLevel.COUNTY_CITY
    return RegionLevel.COUNTY


def _hunan() -> dict[str, list[RegionInput]]:
    """Each prefecture of the census table with its county-level units, by prefecture adcode."""
    with CENSUS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cities: dict[str, list[RegionInput]] = {}
    for row in rows:
        unit = RegionInput(
            adcode=row["adcode"],
            name=row["name"],
            level=_level(row["name"]),
            population=int(row["residents_2020"]),
            parent_adcode=row["city_adcode"],
        )
        cities.setdefault(row["city_adcode"], []).append(unit)
    return cities


HUNAN = _hunan()


def _with_edges(city: str, units: list[RegionInput]) -> list[RegionInput]:
    """The prefecture, its units, a zone hosted by the first unit, a zone of the city itself,
    a unit whose parent is not in the index and two units that name each other as parent."""
    first = units[0].adcode
    return [
        RegionInput(adcode=city, name="市", level=RegionLevel.PREFECTURE, population=None),
        *units,
        RegionInput("9" + first[1:5] + "1", "开发区", RegionLevel.ZONE, 10, parent_adcode=first),
        RegionInput("9" + city[1:5] + "2", "高新区", RegionLevel.ZONE, 20, parent_adcode=city),
        RegionInput("8" + city[1:5] + "3", "飞地", RegionLevel.COUNTY, 30, parent_adcode="000000"),
        RegionInput(
            "7" + city[1:5] + "4", "甲", RegionLevel.COUNTY, 1, parent_adcode="7" + city[1:5] + "5"
        ),
        RegionInput(
            "7" + city[1:5] + "5", "乙", RegionLevel.COUNTY, 1, parent_adcode="7" + city[1:5] + "4"
        ),
    ]


def _facility(i: int, adcode: str | None, kind: FacilityType) -> FacilityInput:
    return FacilityInput(id=i, name=f"f{i}", type=kind, region_adcode=adcode)


def test_the_census_table_gives_every_prefecture() -> None:
    assert len(HUNAN) == 14
    assert sum(len(units) for units in HUNAN.values()) >= 120


@pytest.mark.parametrize("city", sorted(HUNAN))
def test_members_are_what_the_parent_walk_finds(city: str) -> None:
    regions = _with_edges(city, HUNAN[city])
    index = RegionIndex(regions, city_adcode=city)
    # every adcode of the province, the index's own, one outside it and none
    adcodes: list[str | None] = sorted(
        {u.adcode for units in HUNAN.values() for u in units} | {r.adcode for r in regions}
    )
    adcodes += ["999999", None]
    for region in index.regions.values():
        members = index.members(region)
        for adcode in adcodes:
            assert (adcode in members) == index.contains(region, adcode), (region.adcode, adcode)


@pytest.mark.parametrize("city", sorted(HUNAN))
def test_facilities_in_a_region_are_what_the_parent_walk_finds(city: str) -> None:
    regions = _with_edges(city, HUNAN[city])
    index = RegionIndex(regions, city_adcode=city)
    kinds = [FacilityType.COMMUNITY_HEALTH_CENTER, FacilityType.EMS_STATION]
    adcodes = [r.adcode for r in regions] + ["999999", None]
    facilities = [
        _facility(i, adcode, kinds[i % 2])
        for i, adcode in enumerate(a for a in adcodes for _ in range(3))
    ]
    only_ems = (FacilitySelector(facility_types=(FacilityType.EMS_STATION,)),)
    for selectors in (None, only_ems):
        for region in index.regions.values():
            expected = [
                f
                for f in facilities
                if index.contains(region, f.region_adcode)
                and (selectors is None or f.type == FacilityType.EMS_STATION)
            ]
            # asked twice: the second answer comes from what the index kept
            assert index.facilities_in(region, facilities, selectors) == expected
            assert index.facilities_in(region, facilities, selectors) == expected
            # a generator is not kept, and gives the same
            assert index.facilities_in(region, iter(facilities), selectors) == expected


def test_a_changed_list_is_not_taken_for_the_one_kept() -> None:
    city = "431100"
    index = RegionIndex(_with_edges(city, HUNAN[city]), city_adcode=city)
    region = index.regions[city]
    first = [_facility(1, HUNAN[city][0].adcode, FacilityType.EMS_STATION)]
    assert index.facilities_in(region, first) == first
    second = [_facility(2, HUNAN[city][1].adcode, FacilityType.EMS_STATION)]
    assert index.facilities_in(region, second) == second


@pytest.mark.parametrize("city", sorted(HUNAN))
def test_region_masks_are_what_the_parent_walk_finds(city: str) -> None:
    regions = _with_edges(city, HUNAN[city])
    index = RegionIndex(regions, city_adcode=city)
    codes = [r.adcode for r in regions] + ["999999"]
    rng = np.random.default_rng(int(city))
    point_codes = rng.choice(codes, size=500)
    points = population_points(
        np.arange(500.0), np.arange(500.0), np.ones(500), np.zeros(500, dtype=bool), point_codes
    )
    for region in index.regions.values():
        expected = np.asarray([index.contains(region, str(c)) for c in point_codes])
        assert np.array_equal(region_mask(region, index, points), expected)


def test_selectors_pick_what_asking_each_facility_picks() -> None:
    # every kind a selector reads (type, grade, owner, services) in turn, many facilities a kind;
    # the index asks once per kind: the same facilities, in the register's order
    city = "431100"
    index = RegionIndex(_with_edges(city, HUNAN[city]), city_adcode=city)
    unit = HUNAN[city][0].adcode
    types = [FacilityType.GENERAL_HOSPITAL, FacilityType.EMS_STATION, FacilityType.TCM_HOSPITAL]
    grades = list(Grade)
    facilities = [
        FacilityInput(
            id=i,
            name=f"f{i}",
            type=types[i % 3],
            grade=grades[i % len(grades)],
            ownership=Ownership.PRIVATE if i % 5 == 0 else Ownership.PUBLIC,
            ems_station_hosted=i % 7 == 0,
            region_adcode=unit,
        )
        for i in range(300)
    ]
    selector_sets = [
        (FacilitySelector(facility_types=(FacilityType.EMS_STATION,)),),
        (
            FacilitySelector(
                facility_types=(FacilityType.GENERAL_HOSPITAL,), min_grade=Grade.SECONDARY
            ),
            FacilitySelector(facility_types=tuple(types), flags=(ServiceFlag.EMS_STATION_HOSTED,)),
        ),
        (FacilitySelector(facility_types=tuple(types), ownership=Ownership.PRIVATE),),
    ]
    for selectors in selector_sets:
        expected = [f for f in facilities if selects(selectors, f)]
        assert 0 < len(expected) < len(facilities)
        assert index.matching(facilities, selectors) == expected
