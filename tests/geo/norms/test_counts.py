"""Facility-per-population, presence and staffing rules on hand-built cases with exact answers."""

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
HOSPITALS = ["general_hospital", "tcm_hospital", "specialty_hospital", "psychiatric_hospital"]


def make_rule(**fields: Any) -> Rule:
    base = {"id": "test.rule", "title_zh": "测试", "title_en": "test", "citation": CITE}
    return Rule.model_validate({**base, **fields})


def by_region(results: list[RuleResult]) -> dict[str, RuleResult]:
    return {r.region_adcode: r for r in results}


def county(adcode: str, population: int | None, **fields: Any) -> RegionInput:
    return RegionInput(adcode, f"county {adcode}", RegionLevel.COUNTY, population, **fields)


def facility(ident: int, kind: FacilityType, adcode: str, **fields: Any) -> FacilityInput:
    return FacilityInput(ident, f"{kind.value} {ident}", kind, adcode, **fields)


# --- facility per population: counts ---


def station_rule() -> Rule:
    return make_rule(
        kind="facility_per_population",
        applies_to=["county"],
        parameters={
            "facilities": [{"facility_types": ["community_health_station"]}],
            "residents_per_facility_min": 8000,
            "residents_per_facility_max": 10000,
            "population_basis": "urban",
        },
        target={"min": 8000, "max": 10000, "unit": "residents_per_facility"},
    )


def centre_rule() -> Rule:
    return make_rule(
        kind="facility_per_population",
        applies_to=["county", "subdistrict"],
        parameters={
            "facilities": [{"facility_types": ["community_health_center"]}],
            "per_admin_unit": "subdistrict",
            "residents_per_facility_min": 30000,
            "residents_per_facility_max": 100000,
            "population_basis": "urban",
        },
        target={"min": 30000, "max": 100000, "unit": "residents_per_facility"},
    )


def test_one_station_per_10000_urban_residents() -> None:
    regions = [county("439901", 100_000, urban_share=0.5), county("439902", 100_000)]
    stations = [facility(i, FacilityType.COMMUNITY_HEALTH_STATION, "439901") for i in range(3)]

    results = by_region(evaluate_rule(station_rule(), regions, stations, city_adcode=CITY))

    # 50,000 urban residents → 5 stations
    short = results["439901"]
    assert (short.value, short.target, short.passed, short.shortfall) == (3.0, 5.0, False, 2.0)
    assert short.shortfall_text == (
        "needs 2 more community health stations (one per 10,000 urban residents; has 3)"
    )
    assert short.shortfall_text_zh == "尚缺2个社区卫生服务站（每10,000名城镇常住人口一个，现有3个）"
    assert short.unit == "facilities"
    # without an urban share the urban population is unknown
    assert results["439902"].passed is None


def test_centre_per_subdistrict_or_per_100000_either_suffices() -> None:
    regions = [
        county("439901", 500_000, urban_share=0.5, subdistrict_count=2),
        county("439902", 500_000, urban_share=0.5),
        county("439903", 500_000, urban_share=0.5, subdistrict_count=5),
    ]
    centres = [
        *(facility(i, FacilityType.COMMUNITY_HEALTH_CENTER, "439901") for i in (1, 2)),
        *(facility(i, FacilityType.COMMUNITY_HEALTH_CENTER, "439902") for i in (3, 4)),
    ]

    results = by_region(evaluate_rule(centre_rule(), regions, centres, city_adcode=CITY))

    # 250,000 urban residents → 3 by population; 2 sub-districts → 2: two centres suffice
    assert (results["439901"].target, results["439901"].passed) == (2.0, True)
    assert results["439901"].shortfall_text == (
        "has 2 community health centres; 2 needed (one per sub-district)"
    )
    # sub-districts unknown: 2 centres miss the population way, the other way cannot be checked
    assert (results["439902"].target, results["439902"].passed) == (3.0, None)
    # both ways known and missed: the easier one is the target
    assert (results["439903"].target, results["439903"].shortfall) == (3.0, 3.0)
    assert results["439903"].passed is False


def test_one_township_health_centre_per_township() -> None:
    rule = make_rule(
        kind="facility_per_population",
        applies_to=["county", "township"],
        parameters={
            "facilities": [{"facility_types": ["township_health_center"]}],
            "per_admin_unit": "township",
        },
        target={"value": 1, "unit": "facilities_per_township"},
    )
    regions = [county("439901", 200_000, township_count=5)]
    centres = [facility(i, FacilityType.TOWNSHIP_HEALTH_CENTER, "439901") for i in range(4)]

    (result,) = evaluate_rule(rule, regions, centres, city_adcode=CITY)

    assert (result.value, result.target, result.shortfall) == (4.0, 5.0, 1.0)
    assert result.shortfall_text == "needs 1 more township health centre (one per township; has 4)"


# --- facility per population: catchments ---


def catchment_rule() -> Rule:
    return make_rule(
        kind="facility_per_population",
        applies_to=["county"],
        parameters={
            "method": "catchment",
            "facilities": [{"facility_types": ["community_health_center"]}],
            "catchment_min_residents": 80000,
            "required_grade": "secondary",
        },
        target={"value": 80000, "unit": "residents"},
    )


def test_centres_serving_80000_must_be_grade_ii() -> None:
    regions = [county("439901", 400_000)]
    centres = [
        facility(1, FacilityType.COMMUNITY_HEALTH_CENTER, "439901", grade=Grade.NONE),
        facility(2, FacilityType.COMMUNITY_HEALTH_CENTER, "439901", grade=Grade.SECONDARY),
        facility(3, FacilityType.COMMUNITY_HEALTH_CENTER, "439901", grade=Grade.NONE),
    ]
    catchments: dict[int | str, int] = {1: 90_000, 2: 80_000, 3: 79_999}

    (result,) = evaluate_rule(
        catchment_rule(), regions, centres, city_adcode=CITY, catchments=catchments
    )

    assert (result.value, result.target, result.passed, result.shortfall) == (1.0, 2.0, False, 1.0)
    assert result.shortfall_text == (
        "1 of 2 community health centres serving 80,000 or more residents are below grade II: "
        "community_health_center 1"
    )
    assert result.shortfall_text_zh == (
        "服务80,000人及以上的2个社区卫生服务中心中有1个低于二级：community_health_center 1"
    )


def test_catchments_missing_are_unknown() -> None:
    regions = [county("439901", 400_000)]
    centres = [facility(1, FacilityType.COMMUNITY_HEALTH_CENTER, "439901")]

    (without,) = evaluate_rule(catchment_rule(), regions, centres, city_adcode=CITY)
    (partial,) = evaluate_rule(
        catchment_rule(), regions, centres, city_adcode=CITY, catchments={99: 100_000}
    )

    assert without.passed is None
    assert without.shortfall_text == "catchment populations not given"
    assert partial.passed is None
    assert partial.shortfall_text == "catchment unknown for 1 of 1 community health centres"


# --- presence ---


def psychiatric_rule(*, at_threshold: bool = False) -> Rule:
    return make_rule(
        kind="presence",
        applies_to=["county"],
        parameters={
            "facilities": [
                {"facility_types": ["psychiatric_hospital"]},
                {
                    "facility_types": HOSPITALS,
                    "min_grade": "secondary",
                    "ownership": "public",
                    "flags": ["psychiatric_ward"],
                },
            ],
            "applies_above_residents": 300000,
            "applies_at_threshold": at_threshold,
        },
        target={"value": 1, "unit": "facilities"},
    )


def test_psychiatric_ward_required_above_300000_residents() -> None:
    regions = [
        county("439901", 300_001),
        county("439902", 300_001),
        county("439903", 300_000),
        county("439904", None),
        county("439905", 450_000),
    ]
    facilities = [
        facility(
            1, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.SECONDARY, psychiatric_ward=True
        ),
        # a private hospital's ward, and a grade-I public hospital's ward, do not count
        facility(
            2,
            FacilityType.GENERAL_HOSPITAL,
            "439902",
            grade=Grade.SECONDARY,
            ownership=Ownership.PRIVATE,
            psychiatric_ward=True,
        ),
        facility(
            3, FacilityType.GENERAL_HOSPITAL, "439902", grade=Grade.PRIMARY, psychiatric_ward=True
        ),
        # a psychiatric hospital counts whatever its grade
        facility(4, FacilityType.PSYCHIATRIC_HOSPITAL, "439905"),
    ]

    results = by_region(evaluate_rule(psychiatric_rule(), regions, facilities, city_adcode=CITY))

    assert results["439901"].passed is True
    assert (results["439902"].passed, results["439902"].shortfall) == (False, 1.0)
    assert results["439902"].shortfall_text == (
        "needs 1 more psychiatric hospital or public hospital of grade II or above "
        "with a psychiatric ward"
    )
    # exactly 300,000 is not "more than 300,000"
    assert (results["439903"].target, results["439903"].passed) == (0.0, True)
    assert results["439903"].shortfall_text == (
        "not required: 300,000 residents, the rule applies to more than 300,000"
    )
    assert results["439904"].passed is None
    assert results["439905"].passed is True


def test_threshold_inclusive_variant_applies_at_300000() -> None:
    regions = [county("439903", 300_000)]

    (result,) = evaluate_rule(psychiatric_rule(at_threshold=True), regions, [], city_adcode=CITY)

    assert (result.target, result.passed, result.shortfall) == (1.0, False, 1.0)


def test_presence_in_the_city_counts_every_unit() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["city", "county"],
        parameters={
            "facilities": [
                {
                    "facility_types": ["maternal_child_hospital"],
                    "flags": ["critical_maternal_centre"],
                }
            ]
        },
        target={"value": 1, "unit": "facilities"},
    )
    regions = [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 1_000_000),
        county("439901", 500_000, parent_adcode=CITY),
        county("439902", 500_000, parent_adcode=CITY),
    ]
    facilities = [
        facility(1, FacilityType.MATERNAL_CHILD_HOSPITAL, "439901", critical_maternal_centre=True),
        facility(2, FacilityType.MATERNAL_CHILD_HOSPITAL, "439902"),
    ]

    results = by_region(evaluate_rule(rule, regions, facilities, city_adcode=CITY))

    assert [r.region_adcode for r in results.values()] == [CITY, "439901", "439902"]
    assert (results[CITY].value, results[CITY].passed) == (1.0, True)
    assert (results["439902"].value, results["439902"].passed) == (0.0, False)


def test_every_grade_ii_hospital_hosts_an_ems_station() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["county"],
        parameters={
            "subject": [{"facility_types": HOSPITALS, "min_grade": "secondary"}],
            "facilities": [{"facility_types": HOSPITALS, "flags": ["ems_station_hosted"]}],
        },
        target={"value": 1, "unit": "share_of_facilities"},
    )
    regions = [county("439901", 300_000), county("439902", 300_000)]
    facilities = [
        facility(
            1,
            FacilityType.GENERAL_HOSPITAL,
            "439901",
            grade=Grade.TERTIARY,
            ems_station_hosted=True,
        ),
        facility(2, FacilityType.TCM_HOSPITAL, "439901", grade=Grade.SECONDARY),
        facility(3, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.PRIMARY),
        facility(
            4,
            FacilityType.GENERAL_HOSPITAL,
            "439902",
            grade=Grade.SECONDARY,
            ems_station_hosted=True,
        ),
    ]

    results = by_region(evaluate_rule(rule, regions, facilities, city_adcode=CITY))

    first = results["439901"]
    assert (first.value, first.target, first.passed, first.shortfall) == (1.0, 2.0, False, 1.0)
    assert first.shortfall_text == (
        "1 of 2 hospitals of grade II or above fall short (each must be a hospital hosting an "
        "EMS station): tcm_hospital 2"
    )
    assert first.shortfall_text_zh == (
        "2个二级及以上医院中1个未达要求（每个须为设急救站的医院）：tcm_hospital 2"
    )
    assert results["439902"].shortfall_text == (
        "the one hospital of grade II or above meets the rule (each a hospital hosting an EMS "
        "station)"
    )


def test_presence_with_a_minimum_count() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["county"],
        parameters={
            "facilities": [
                {"facility_types": ["township_health_center"], "min_grade": "secondary"}
            ],
            "min_count": 2,
        },
        target={"min": 2, "max": 3, "unit": "facilities"},
    )
    regions = [county("439901", 300_000)]
    centres = [
        facility(1, FacilityType.TOWNSHIP_HEALTH_CENTER, "439901", grade=Grade.SECONDARY),
        facility(2, FacilityType.TOWNSHIP_HEALTH_CENTER, "439901", grade=Grade.NONE),
    ]

    (result,) = evaluate_rule(rule, regions, centres, city_adcode=CITY)

    assert (result.value, result.target, result.shortfall) == (1.0, 2.0, 1.0)
    assert result.shortfall_text == "needs 1 more township health centre of grade II or above"


# --- staffing ---


def gp_rule() -> Rule:
    return make_rule(
        kind="staffing",
        applies_to=["county"],
        parameters={
            "facilities": [
                {"facility_types": ["township_health_center", "community_health_center"]}
            ],
            "attribute": "general_practitioners",
            "min_per_facility": 4,
        },
        target={"value": 4, "unit": "per_facility"},
    )


def test_four_gps_at_every_primary_centre() -> None:
    regions = [county("439901", 300_000), county("439902", 300_000), county("439903", 300_000)]
    facilities = [
        facility(1, FacilityType.TOWNSHIP_HEALTH_CENTER, "439901", general_practitioners=2),
        facility(2, FacilityType.COMMUNITY_HEALTH_CENTER, "439901", general_practitioners=4),
        facility(3, FacilityType.COMMUNITY_HEALTH_CENTER, "439901", general_practitioners=3),
        facility(4, FacilityType.TOWNSHIP_HEALTH_CENTER, "439901", general_practitioners=None),
        # stations are not subject to the rule
        facility(5, FacilityType.COMMUNITY_HEALTH_STATION, "439901", general_practitioners=0),
        facility(6, FacilityType.TOWNSHIP_HEALTH_CENTER, "439902", general_practitioners=None),
        facility(7, FacilityType.TOWNSHIP_HEALTH_CENTER, "439903", general_practitioners=6),
    ]

    results = by_region(evaluate_rule(gp_rule(), regions, facilities, city_adcode=CITY))

    short = results["439901"]
    assert (short.value, short.target, short.passed, short.shortfall) == (1.0, 4.0, False, 3.0)
    assert short.shortfall_unit == "GPs"
    assert short.shortfall_text == (
        "needs 3 more GPs at 2 of 4 centres; GPs unknown at 1 of 4 centres"
    )
    assert results["439902"].passed is None
    assert results["439902"].shortfall_text == "GPs unknown at 1 of 1 centres"
    assert results["439903"].shortfall_text == "the one centre has at least 4 GPs"
    assert short.shortfall_text_zh == (
        "4个乡镇卫生院和社区卫生服务中心中2个未达标，合计尚缺3名全科医生；"
        "4个乡镇卫生院和社区卫生服务中心中1个全科医生数未知"
    )
    assert results["439903"].passed is True


def test_icu_beds_between_2_and_5_percent_of_beds() -> None:
    rule = make_rule(
        kind="staffing",
        applies_to=["county"],
        parameters={
            "facilities": [{"facility_types": ["general_hospital"], "min_grade": "secondary"}],
            "attribute": "icu_beds",
            "min_share_of_beds": 0.02,
            "max_share_of_beds": 0.05,
        },
        target={"min": 0.02, "max": 0.05, "unit": "share_of_beds"},
    )
    regions = [county("439901", 500_000), county("439902", 500_000)]
    facilities = [
        facility(
            1, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.SECONDARY, beds=500, icu_beds=10
        ),
        facility(
            2, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.SECONDARY, beds=401, icu_beds=5
        ),
        facility(
            3, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.TERTIARY, beds=100, icu_beds=6
        ),
        facility(
            4, FacilityType.GENERAL_HOSPITAL, "439901", grade=Grade.PRIMARY, beds=100, icu_beds=0
        ),
        facility(
            5,
            FacilityType.GENERAL_HOSPITAL,
            "439902",
            grade=Grade.SECONDARY,
            beds=1000,
            icu_beds=50,
        ),
    ]

    results = by_region(evaluate_rule(rule, regions, facilities, city_adcode=CITY))

    # 2% of 401 beds is 8.02 → 9 ICU beds, 4 more than the 5 present; 6 of 100 is above 5%
    first = results["439901"]
    assert (first.value, first.target, first.passed, first.shortfall) == (1.0, 3.0, False, 4.0)
    assert first.shortfall_unit == "ICU beds"
    assert first.shortfall_text == (
        "needs 4 more ICU beds at 1 of 3 general hospitals; "
        "1 of 3 general hospitals above 5% of beds"
    )
    assert first.shortfall_text_zh == (
        "3个综合医院中1个未达标，合计尚缺4张重症监护床位；3个综合医院中1个超出床位的5%上限"
    )
    assert results["439902"].passed is True
    assert (
        results["439902"].shortfall_text == "the one general hospital has ICU beds at 2%–5% of beds"
    )
