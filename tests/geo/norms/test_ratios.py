"""Fleet and resource ratios on hand-built regions, with exact expected answers."""

from typing import Any

from geo.norms import (
    FacilityInput,
    FacilityType,
    Grade,
    Ownership,
    RegionInput,
    RegionLevel,
    Rule,
    RuleResult,
    evaluate_rule,
)

CITY = "439900"
CITE = {"document": "seed.txt", "lines": "L1", "quote": "引文"}
EMS_FLEET = [
    {"facility_types": ["ems_center", "ems_station"]},
    {"facility_types": ["general_hospital"], "flags": ["ems_station_hosted"]},
]


def make_rule(**fields: Any) -> Rule:
    base = {"id": "test.rule", "title_zh": "测试", "title_en": "test", "citation": CITE}
    return Rule.model_validate({**base, **fields})


def fleet_rule() -> Rule:
    return make_rule(
        kind="fleet_ratio",
        applies_to=["city", "district", "county", "county_city", "zone"],
        parameters={
            "measure": "fleet_size",
            "facilities": EMS_FLEET,
            "per_population": 30000,
            "base_multiplier_county": 3.0,
        },
        target={"value": 30000, "unit": "residents_per_ambulance"},
    )


def negative_pressure_rule() -> Rule:
    return make_rule(
        kind="fleet_ratio",
        applies_to=["county"],
        parameters={
            "measure": "negative_pressure_share",
            "facilities": EMS_FLEET,
            "min_share": 0.4,
        },
        target={"value": 0.4, "unit": "share_of_fleet"},
    )


def ratio_rule(
    resource: str, value: float, *, per: int = 1000, target_scope: str = "unit", **params: Any
) -> Rule:
    # judged in every unit here; the city-wide default is tested in test_defects.py
    unit = "per_1000_residents" if per == 1000 else "per_10000_residents"
    return make_rule(
        kind="resource_ratio",
        applies_to=["city", "county"],
        parameters={"resource": resource, "per_population": per, **params},
        target={"value": value, "unit": unit},
        target_scope=target_scope,
    )


def city_and_units() -> list[RegionInput]:
    return [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 270_000),
        RegionInput("439901", "A County", RegionLevel.COUNTY, 100_000, parent_adcode=CITY),
        RegionInput("439902", "B District", RegionLevel.DISTRICT, 100_000, parent_adcode=CITY),
        RegionInput("439903", "C City", RegionLevel.COUNTY_CITY, 50_000, parent_adcode=CITY),
        RegionInput("439904", "D Zone", RegionLevel.ZONE, 20_000, parent_adcode=CITY),
    ]


def station(
    ident: int, adcode: str, ambulances: int | None, negative: int | None = 0
) -> FacilityInput:
    return FacilityInput(
        ident,
        f"station {ident}",
        FacilityType.EMS_STATION,
        adcode,
        ambulances=ambulances,
        negative_pressure_ambulances=negative,
    )


def by_region(results: list[RuleResult]) -> dict[str, RuleResult]:
    return {r.region_adcode: r for r in results}


# --- fleet size: the 300% county base ---


def test_county_counts_300_percent_and_district_100_percent() -> None:
    results = by_region(evaluate_rule(fleet_rule(), city_and_units(), [], city_adcode=CITY))

    # 县 100,000 → base 300,000 → 10; 区 100,000 → ceil(3.33) = 4; 县级市 50,000 → 5; the
    # city at 100%: 270,000 / 30,000 = 9; the zone has no host: not applicable
    assert {code: r.target for code, r in results.items()} == {
        CITY: 9.0,
        "439901": 10.0,
        "439902": 4.0,
        "439903": 5.0,
        "439904": None,
    }
    assert results["439904"].status == "not_applicable"
    assert results["439901"].value == 0.0
    assert results["439901"].passed is False
    assert results["439901"].shortfall == 10.0
    assert results["439901"].shortfall_text == "needs 10 more ambulances (has 0 of 10 required)"


def test_fleet_counts_ems_units_and_hosting_hospitals_only() -> None:
    facilities = [
        station(1, "439901", 6),
        FacilityInput(
            2,
            "county hospital",
            FacilityType.GENERAL_HOSPITAL,
            "439901",
            ambulances=3,
            ems_station_hosted=True,
        ),
        FacilityInput(3, "no station", FacilityType.GENERAL_HOSPITAL, "439901", ambulances=5),
        FacilityInput(4, "clinic", FacilityType.VILLAGE_CLINIC, "439901", ambulances=None),
        station(5, "439902", 4),
    ]

    results = by_region(evaluate_rule(fleet_rule(), city_and_units(), facilities, city_adcode=CITY))

    assert (results["439901"].value, results["439901"].target) == (9.0, 10.0)
    assert results["439901"].shortfall_text == "needs 1 more ambulance (has 9 of 10 required)"
    assert results["439902"].passed is True
    assert results["439902"].shortfall == 0.0
    assert results["439902"].shortfall_text == "has 4 ambulances; 4 required"
    # the city at 100% passes; the units short of their own base are named beside it
    assert (results[CITY].value, results[CITY].target, results[CITY].shortfall) == (13.0, 9.0, 0.0)
    assert results[CITY].shortfall_text == (
        "has 13 ambulances; 9 required; 2 county-level units short of its own base, "
        "gross shortfall 6 ambulances"
    )
    assert results[CITY].unit == "ambulances"


def test_fleet_requirement_rounds_up_exactly_at_the_boundary() -> None:
    regions = [
        RegionInput("439902", "exact", RegionLevel.DISTRICT, 90_000),
        RegionInput("439905", "one over", RegionLevel.DISTRICT, 90_001),
        RegionInput("439906", "empty", RegionLevel.COUNTY, 0),
    ]

    results = by_region(evaluate_rule(fleet_rule(), regions, [], city_adcode=CITY))

    assert results["439902"].target == 3.0
    assert results["439905"].target == 4.0
    assert results["439906"].target == 0.0
    assert results["439906"].passed is True


def test_unknown_ambulances_are_not_zero() -> None:
    # a station elsewhere holds 10, so the unknown one could close the gap
    facilities = [station(1, "439901", None), station(2, "439901", 4), station(3, "439902", 10)]

    result = by_region(evaluate_rule(fleet_rule(), city_and_units(), facilities, city_adcode=CITY))

    county = result["439901"]
    assert (county.value, county.target, county.passed, county.shortfall) == (
        4.0,
        10.0,
        None,
        None,
    )
    assert county.unknown_facilities == 1
    assert county.shortfall_text == (
        "ambulances unknown at 1 of 2 EMS facilities; 4 known of 10 required"
    )


def test_unknown_ambulances_cannot_hide_a_certain_fail() -> None:
    # the largest station in the register holds 4: 4 + 4 < 10 whatever the unknown one has
    facilities = [station(1, "439901", None), station(2, "439901", 4)]

    county = by_region(evaluate_rule(fleet_rule(), city_and_units(), facilities, city_adcode=CITY))[
        "439901"
    ]

    assert (county.value, county.passed, county.shortfall) == (4.0, False, 2.0)
    assert county.shortfall_text == (
        "needs at least 2 more ambulances: ambulances unknown at 1 of 2 EMS facilities, and even "
        "at the largest fleet of their type they would total 8 of 10 required"
    )


def test_unknown_ambulances_do_not_hide_a_certain_pass() -> None:
    facilities = [station(1, "439902", None), station(2, "439902", 5)]

    district = by_region(
        evaluate_rule(fleet_rule(), city_and_units(), facilities, city_adcode=CITY)
    )["439902"]

    assert (district.value, district.passed, district.shortfall) == (5.0, True, 0.0)
    assert district.unknown_facilities == 1
    assert district.shortfall_text == (
        "ambulances unknown at 1 of 2 EMS facilities; the known 5 already meet the 4 required"
    )


def test_the_city_row_is_the_city_at_100_percent_even_without_its_units() -> None:
    city_only = [RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 270_000)]

    (result,) = evaluate_rule(fleet_rule(), city_only, [], city_adcode=CITY)

    assert (result.value, result.target, result.passed, result.shortfall) == (0.0, 9.0, False, 9.0)
    assert result.shortfall_text == "needs 9 more ambulances (has 0 of 9 required)"


def test_unknown_population_gives_an_unknown_requirement() -> None:
    regions = [RegionInput("439901", "A County", RegionLevel.COUNTY, None)]

    (result,) = evaluate_rule(fleet_rule(), regions, [station(1, "439901", 2)], city_adcode=CITY)

    assert (result.value, result.target, result.passed) == (2.0, None, None)
    assert result.shortfall_text == "population unknown: cannot size the fleet"


# --- negative-pressure share ---


def test_negative_pressure_share_counts_ambulances_required() -> None:
    regions = [
        RegionInput("439901", "short", RegionLevel.COUNTY, 100_000),
        RegionInput("439907", "exact", RegionLevel.COUNTY, 100_000),
    ]
    facilities = [
        station(1, "439901", 6, 2),
        station(2, "439901", 4, 1),
        # 40% of 15 is exactly 6 (a float product would round up to 7)
        station(3, "439907", 15, 6),
    ]

    results = by_region(
        evaluate_rule(negative_pressure_rule(), regions, facilities, city_adcode=CITY)
    )

    short = results["439901"]
    assert (short.value, short.target, short.passed, short.shortfall) == (3.0, 4.0, False, 1.0)
    # replacing one makes 4 of 10; adding takes two: 5 of 12 ≥ 40%, 4 of 11 is not
    assert short.shortfall_text == (
        "replace or upgrade 1 ambulance to negative-pressure, or add 2 new ones to the fleet: "
        "3 of 10 ambulances are negative-pressure, 40% required"
    )
    assert short.shortfall_text_zh == (
        "需将1辆现有救护车替换或改造为负压车，或新增负压救护车2辆：现有10辆中负压车3辆，要求40%"
    )
    exact = results["439907"]
    assert (exact.value, exact.target, exact.passed, exact.shortfall) == (6.0, 6.0, True, 0.0)
    assert exact.unit == "negative-pressure ambulances"


def test_negative_pressure_share_unknown_or_undefined() -> None:
    regions = [
        RegionInput("439901", "unknown", RegionLevel.COUNTY, 100_000),
        RegionInput("439907", "no fleet", RegionLevel.COUNTY, 100_000),
    ]
    facilities = [station(1, "439901", 5, None), station(2, "439907", 0, None)]

    results = by_region(
        evaluate_rule(negative_pressure_rule(), regions, facilities, city_adcode=CITY)
    )

    assert results["439901"].passed is None
    assert results["439901"].value is None
    assert results["439907"].passed is None
    assert results["439907"].status == "not_applicable"
    assert results["439907"].shortfall_text == (
        "not applicable: no ambulances recorded, so there is no fleet to take a share of"
    )


# --- resource ratios ---


def test_beds_per_1000_gives_the_shortfall_in_beds() -> None:
    regions = [RegionInput("439901", "A County", RegionLevel.COUNTY, 100_000)]
    facilities = [
        FacilityInput(1, "h1", FacilityType.GENERAL_HOSPITAL, "439901", beds=500),
        FacilityInput(2, "h2", FacilityType.TOWNSHIP_HEALTH_CENTER, "439901", beds=290),
    ]

    (result,) = evaluate_rule(ratio_rule("beds", 8), regions, facilities, city_adcode=CITY)

    assert (result.value, result.target, result.passed, result.shortfall) == (7.9, 8.0, False, 10.0)
    assert result.unit == "beds per 1,000 residents"
    assert result.shortfall_unit == "beds"
    assert result.shortfall_text == "needs 10 more beds: 7.9 per 1,000 residents against 8"


def test_gps_per_10000_round_up_to_whole_doctors() -> None:
    regions = [
        RegionInput("439901", "short", RegionLevel.COUNTY, 100_000),
        RegionInput("439907", "met", RegionLevel.COUNTY, 100_000),
    ]
    facilities = [
        FacilityInput(
            1, "c1", FacilityType.COMMUNITY_HEALTH_CENTER, "439901", general_practitioners=39
        ),
        FacilityInput(
            2, "c2", FacilityType.COMMUNITY_HEALTH_CENTER, "439907", general_practitioners=40
        ),
    ]
    rule = ratio_rule("general_practitioners", 3.93, per=10000)

    results = by_region(evaluate_rule(rule, regions, facilities, city_adcode=CITY))

    # 3.93 per 10,000 of 100,000 residents = 39.3 → 40 GPs
    assert (results["439901"].value, results["439901"].shortfall) == (3.9, 1.0)
    assert results["439901"].shortfall_text == (
        "needs 1 more GP: 3.9 per 10,000 residents against 3.93"
    )
    assert (results["439907"].value, results["439907"].passed) == (4.0, True)
    assert results["439907"].unit == "GPs per 10,000 residents"


def test_a_ratio_exactly_at_target_passes() -> None:
    # 4.1 × 1,000,000 / 1,000 is 4,100 exactly; float arithmetic would ask for 4,101
    regions = [RegionInput("439901", "A County", RegionLevel.COUNTY, 1_000_000)]
    facilities = [FacilityInput(1, "h", FacilityType.GENERAL_HOSPITAL, "439901", nurses=4100)]

    (result,) = evaluate_rule(ratio_rule("nurses", 4.1), regions, facilities, city_adcode=CITY)

    assert (result.value, result.passed, result.shortfall) == (4.1, True, 0.0)


def test_unknown_capacities_are_reported_not_counted_as_zero() -> None:
    regions = [
        RegionInput("439901", "unknown", RegionLevel.COUNTY, 100_000),
        RegionInput("439907", "certain", RegionLevel.COUNTY, 100_000),
    ]
    facilities = [
        FacilityInput(1, "h1", FacilityType.GENERAL_HOSPITAL, "439901", beds=300),
        FacilityInput(2, "h2", FacilityType.GENERAL_HOSPITAL, "439901", beds=None),
        FacilityInput(3, "h3", FacilityType.GENERAL_HOSPITAL, "439907", beds=900),
        FacilityInput(4, "h4", FacilityType.GENERAL_HOSPITAL, "439907", beds=None),
    ]

    results = by_region(evaluate_rule(ratio_rule("beds", 8), regions, facilities, city_adcode=CITY))

    # the known part is the value; the largest general hospital (900 beds) could close the gap
    unknown = results["439901"]
    assert (unknown.value, unknown.passed, unknown.shortfall) == (3.0, None, None)
    assert unknown.unknown_facilities == 1
    assert unknown.shortfall_text == (
        "beds unknown at 1 of 2 facilities; 300 known of 800 required "
        "(known part: 3 per 1,000 residents against 8)"
    )
    certain = results["439907"]
    assert (certain.value, certain.passed, certain.shortfall) == (9.0, True, 0.0)


def test_private_bed_reserve_counts_private_hospitals_only() -> None:
    regions = [RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 100_000)]
    facilities = [
        FacilityInput(1, "public", FacilityType.GENERAL_HOSPITAL, "439901", beds=900),
        FacilityInput(
            2, "private", FacilityType.GENERAL_HOSPITAL, CITY, ownership=Ownership.PRIVATE, beds=120
        ),
    ]
    rule = ratio_rule(
        "beds",
        1.5,
        facilities=[{"facility_types": ["general_hospital"], "ownership": "private"}],
    )

    (result,) = evaluate_rule(rule, regions, facilities, city_adcode=CITY)

    assert (result.value, result.target, result.shortfall) == (1.2, 1.5, 30.0)


def test_city_row_counts_facilities_of_its_units() -> None:
    regions = city_and_units()
    facilities = [
        FacilityInput(
            1, "a", FacilityType.GENERAL_HOSPITAL, "439901", physicians=300, grade=Grade.SECONDARY
        ),
        FacilityInput(2, "b", FacilityType.GENERAL_HOSPITAL, "439902", physicians=510),
        FacilityInput(3, "elsewhere", FacilityType.GENERAL_HOSPITAL, "430100", physicians=999),
    ]

    results = by_region(
        evaluate_rule(ratio_rule("physicians", 3), regions, facilities, city_adcode=CITY)
    )

    # 810 physicians for 270,000 residents = 3 per 1,000; the unit outside the city is ignored
    assert (results[CITY].value, results[CITY].passed) == (3.0, True)
    assert results["439901"].value == 3.0
    assert set(results) == {CITY, "439901"}
