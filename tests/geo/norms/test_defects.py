"""The norms audit's defects D1–D11 (plans/AUDIT.md §2), each on hand-built cases with exact rows.

Every test here failed on the evaluators before the fix: it names the defect it pins.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo.norms import (
    Catalogue,
    FacilityInput,
    FacilityType,
    Grade,
    Ownership,
    RegionInput,
    RegionLevel,
    Rule,
    RuleResult,
    SpatialContext,
    catalogue_data_gaps,
    coverage_result,
    evaluate_catalogue,
    evaluate_rule,
    facility_points,
    load_catalogues,
    population_points,
)
from geo.norms.parameters import FacilityPerPopulationParameters
from geo.population.urban import calibrate_urban
from tests.geo.norms._spatial_fixtures import CRS, X0, Y0, line

CITY = "439900"
COUNTY, DISTRICT, COUNTY_CITY = "439901", "439902", "439903"
HOSTED_ZONE, LONE_ZONE = "439971", "439972"
CITE = {"document": "seed.txt", "lines": "L1", "quote": "引文"}
EMS = [{"facility_types": ["ems_center", "ems_station"]}]


def make_rule(**fields: Any) -> Rule:
    base = {"id": "test.rule", "title_zh": "测试", "title_en": "test", "citation": CITE}
    return Rule.model_validate({**base, **fields})


def city_with_zones() -> list[RegionInput]:
    """A city of 300,000: a county hosting a zone of 20,000, a district, a zone with no host."""
    return [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 300_000, 0.5),
        RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 100_000, 0.3, parent_adcode=CITY),
        RegionInput(DISTRICT, "B District", RegionLevel.DISTRICT, 170_000, 0.9, parent_adcode=CITY),
        RegionInput(HOSTED_ZONE, "A Zone", RegionLevel.ZONE, 20_000, 0.8, parent_adcode=COUNTY),
        RegionInput(LONE_ZONE, "Lone Zone", RegionLevel.ZONE, 10_000, 0.5, parent_adcode=CITY),
    ]


def beds_rule(**fields: Any) -> Rule:
    return make_rule(
        **{
            "kind": "resource_ratio",
            "applies_to": ["city", "district", "county", "zone"],
            "parameters": {"resource": "beds", "per_population": 1000},
            "target": {"value": 8, "unit": "per_1000_residents"},
            **fields,
        }
    )


def fleet_rule() -> Rule:
    return make_rule(
        kind="fleet_ratio",
        applies_to=["city", "district", "county", "county_city", "zone"],
        parameters={
            "measure": "fleet_size",
            "facilities": EMS,
            "per_population": 30000,
            "base_multiplier_county": 3.0,
        },
        target={"value": 30000, "unit": "residents_per_ambulance"},
    )


def hospital(ident: int, unit: str, **kwargs: Any) -> FacilityInput:
    return FacilityInput(ident, f"hospital {ident}", FacilityType.GENERAL_HOSPITAL, unit, **kwargs)


def station(ident: int, unit: str, ambulances: int | None) -> FacilityInput:
    return FacilityInput(
        ident, f"station {ident}", FacilityType.EMS_STATION, unit, ambulances=ambulances
    )


def by_region(results: list[RuleResult]) -> dict[str, RuleResult]:
    return {r.region_adcode: r for r in results}


def outcome(row: RuleResult) -> tuple[Any, ...]:
    return (row.status, row.value, row.target, row.passed, row.shortfall)


# --- D1: zones count in their host; a zone is never failed ---


def test_d1_a_zone_counts_in_its_host_and_is_not_applicable() -> None:
    rule = beds_rule(target_scope="unit")
    facilities = [hospital(1, COUNTY, beds=900), hospital(2, DISTRICT, beds=1360)]

    rows = by_region(evaluate_rule(rule, city_with_zones(), facilities, city_adcode=CITY))

    # the county's 900 beds serve its 100,000 and the zone's 20,000: 7.5 per 1,000, 60 short
    assert outcome(rows[COUNTY]) == ("fail", 7.5, 8.0, False, 60.0)
    assert outcome(rows[DISTRICT]) == ("pass", 8.0, 8.0, True, 0.0)
    assert outcome(rows[HOSTED_ZONE]) == ("not_applicable", None, None, None, None)
    assert rows[HOSTED_ZONE].shortfall_text == (
        "not applicable: a development zone; its residents count in A County"
    )
    assert rows[HOSTED_ZONE].shortfall_text_zh == "不适用：开发区（管理区）的常住人口计入A County"
    assert outcome(rows[LONE_ZONE]) == ("not_applicable", None, None, None, None)
    assert rows[LONE_ZONE].shortfall_text == (
        "not applicable: a development zone with no host unit recorded holds no facilities"
    )


def test_d1_a_zone_never_fails_the_fleet() -> None:
    rows = by_region(evaluate_rule(fleet_rule(), city_with_zones(), [], city_adcode=CITY))

    # county 120,000 × 300% / 30,000 = 12 (the zone's residents included)
    assert rows[COUNTY].target == 12.0
    assert {rows[HOSTED_ZONE].status, rows[LONE_ZONE].status} == {"not_applicable"}
    assert not any(r.passed is False for r in (rows[HOSTED_ZONE], rows[LONE_ZONE]))


# --- D2: a city-wide target is judged on the city row only ---


def test_d2_unit_rows_of_a_city_wide_ratio_are_information() -> None:
    facilities = [hospital(1, COUNTY, beds=400), hospital(2, DISTRICT, beds=2000)]

    rows = by_region(evaluate_rule(beds_rule(), city_with_zones(), facilities, city_adcode=CITY))

    # the city: 2,400 beds for 300,000 is exactly 8 per 1,000
    assert outcome(rows[CITY]) == ("pass", 8.0, 8.0, True, 0.0)
    # the county (4 ≈ 400 / 120,000 × 1,000 = 3.33) is shown, not judged
    county = rows[COUNTY]
    assert (county.status, county.passed, county.shortfall, county.target) == (
        "info",
        None,
        None,
        8.0,
    )
    assert county.value == pytest.approx(400 / 120)
    assert county.shortfall_text == (
        "information: 3.33 beds per 1,000 residents here; the city-wide target of 8 is judged "
        "on the city row only"
    )
    assert county.shortfall_text_zh == "仅供参考：本单位为3.33；全市目标（8）只在全市一行判定"
    assert county.target_scope == "city"


def test_d2_a_unit_row_with_unknown_beds_says_its_value_is_the_known_part() -> None:
    facilities = [
        hospital(1, COUNTY, beds=400),
        hospital(3, COUNTY, beds=None),
        hospital(2, DISTRICT, beds=2000),
    ]

    rows = by_region(evaluate_rule(beds_rule(), city_with_zones(), facilities, city_adcode=CITY))

    county = rows[COUNTY]
    assert county.shortfall_text == (
        "information: 3.33 (known part) beds per 1,000 residents here; the city-wide target "
        "of 8 is judged on the city row only"
    )
    assert county.shortfall_text_zh == (
        "仅供参考：本单位为3.33（已知部分）；全市目标（8）只在全市一行判定"
    )


# --- D3: one definition of urban, equal to the census share per unit ---


def test_d3_urban_cells_match_the_census_not_the_density_classes() -> None:
    # density classes call 70% of the unit urban; the census says 47% (Yongzhou-like)
    people = np.array([300, 200, 200, 100, 100, 100])
    density = np.array([5000, 2500, 1500, 800, 200, 50])
    density_classes = np.array([True, True, True, True, False, False])

    urban = calibrate_urban(["A"] * 6, people, density, {"A": 470}, fallback=density_classes)

    # 300 + 200 = 500 is 30 from 470; 300 alone is 170 away
    assert urban.tolist() == [True, True, False, False, False, False]
    assert int(people[urban].sum()) == 500
    assert int(people[density_classes].sum()) == 800


# --- D4: city totals and shares of subjects ---


def test_d4_a_city_total_of_icu_beds() -> None:
    rule = make_rule(
        kind="city_total",
        applies_to=["city"],
        parameters={
            "facilities": [{"facility_types": ["general_hospital"]}],
            "field": "icu_beds",
            "min": 1150,
        },
        target={"value": 1150, "unit": "total"},
    )
    facilities = [hospital(1, COUNTY, icu_beds=600), hospital(2, DISTRICT, icu_beds=500)]

    (row,) = evaluate_rule(rule, city_with_zones(), facilities, city_adcode=CITY)

    assert outcome(row) == ("fail", 1100.0, 1150.0, False, 50.0)
    assert row.shortfall_text == "needs 50 more ICU beds (1,100 ICU beds; 1,150 required)"
    assert row.shortfall_text_zh == (
        "尚缺50张重症监护床位（现有1,100张重症监护床位，需1,150张重症监护床位）"
    )


def test_d4_half_the_county_hospitals_at_grade_iii() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["city"],
        parameters={
            "subject": [{"facility_types": ["general_hospital"]}],
            "facilities": [{"facility_types": ["general_hospital"], "min_grade": "tertiary"}],
            "share_of_subjects": 0.5,
        },
        target={"value": 0.5, "unit": "share_of_facilities"},
    )
    three = [
        hospital(1, COUNTY, grade=Grade.TERTIARY),
        hospital(2, COUNTY, grade=Grade.SECONDARY),
        hospital(3, DISTRICT, grade=Grade.SECONDARY),
    ]

    (row,) = evaluate_rule(rule, city_with_zones(), three, city_adcode=CITY)

    # 50% of 3 is 2 (rounded up): one more must reach grade III
    assert outcome(row) == ("fail", 1.0, 2.0, False, 1.0)
    assert row.shortfall_text == (
        "1 of 3 general hospitals meet the rule (50% required); 1 more needed"
    )
    assert row.shortfall_text_zh == "3个综合医院中1个符合要求（要求50%）；尚缺1个"


# --- D5: catchments shared with the township health centres ---


def test_d5_township_centres_compete_for_residents() -> None:
    params: dict[str, Any] = {
        "method": "catchment",
        "facilities": [{"facility_types": ["community_health_center"]}],
        "catchment_min_residents": 100,
        "required_grade": "secondary",
    }
    alone = make_rule(
        kind="facility_per_population",
        applies_to=["district"],
        parameters=params,
        target={"value": 100, "unit": "residents"},
    )
    shared = make_rule(
        kind="facility_per_population",
        applies_to=["district"],
        parameters={
            **params,
            "competitors": [
                {"facility_types": ["community_health_center", "township_health_center"]}
            ],
        },
        target={"value": 100, "unit": "residents"},
    )
    chc = FacilityInput(1, "社区中心", FacilityType.COMMUNITY_HEALTH_CENTER, DISTRICT)
    thc = FacilityInput(2, "乡镇卫生院", FacilityType.TOWNSHIP_HEALTH_CENTER, DISTRICT)
    points = population_points(
        np.array([0.0, 1500.0]) + X0, np.full(2, Y0), [60, 90], [True, False], [DISTRICT] * 2
    )
    facilities = facility_points([chc, thc], [X0, X0 + 1500], [Y0, Y0])
    ctx = SpatialContext(line([0, 750, 1500]), points, facilities)
    regions = [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, None),
        RegionInput(DISTRICT, "B District", RegionLevel.DISTRICT, None, parent_adcode=CITY),
    ]

    (before,) = evaluate_rule(alone, regions, [chc, thc], city_adcode=CITY, spatial=ctx)
    (after,) = evaluate_rule(shared, regions, [chc, thc], city_adcode=CITY, spatial=ctx)

    # alone, the ungraded centre is credited with all 150 residents and fails
    assert outcome(before) == ("fail", 0.0, 1.0, False, 1.0)
    # the township centre serves its own 90: the community centre serves 60, below 100
    assert outcome(after) == ("pass", 0.0, 0.0, True, 0.0)
    assert CRS == "EPSG:32649"


# --- D6: township and 街道 counts evaluate, and a missing one is named ---


def test_d6_per_township_and_per_subdistrict_counts_evaluate() -> None:
    rule = make_rule(
        kind="facility_per_population",
        applies_to=["county", "county_city", "township"],
        parameters={
            "facilities": [{"facility_types": ["township_health_center"]}],
            "per_admin_unit": "township",
        },
        target={"value": 1, "unit": "facilities_per_township"},
    )
    counted = RegionInput(
        COUNTY, "A County", RegionLevel.COUNTY, 100_000, township_count=13, parent_adcode=CITY
    )
    unknown = RegionInput(COUNTY_CITY, "C City", RegionLevel.COUNTY_CITY, 50_000)
    centres = [
        FacilityInput(i, f"卫生院{i}", FacilityType.TOWNSHIP_HEALTH_CENTER, COUNTY)
        for i in range(10)
    ]

    rows = by_region(evaluate_rule(rule, [counted, unknown], centres, city_adcode=CITY))

    assert outcome(rows[COUNTY]) == ("fail", 10.0, 13.0, False, 3.0)
    assert rows[COUNTY_CITY].shortfall_text == (
        "cannot count one per township: township count unknown"
    )


# --- D7: the national recommended standard is not a grade ---


def test_d7_a_recommended_standard_is_checked_as_such(shared_dir: Path) -> None:
    rule = make_rule(
        kind="facility_per_population",
        applies_to=["county"],
        parameters={
            "method": "catchment",
            "facilities": [{"facility_types": ["community_health_center"]}],
            "catchment_min_residents": 80000,
            "required_standard": "recommended",
        },
        target={"value": 80000, "unit": "residents"},
    )
    met = FacilityInput(
        1, "met", FacilityType.COMMUNITY_HEALTH_CENTER, COUNTY, primary_care_standard="recommended"
    )
    unrecorded = FacilityInput(2, "unrecorded", FacilityType.COMMUNITY_HEALTH_CENTER, COUNTY)
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 200_000)]

    (good,) = evaluate_rule(rule, regions, [met], city_adcode=CITY, catchments={1: 90_000})
    (open_,) = evaluate_rule(
        rule, regions, [met, unrecorded], city_adcode=CITY, catchments={1: 90_000, 2: 85_000}
    )

    # a grade-less centre at the recommended standard passes; an unrecorded one is not a fail
    assert outcome(good) == ("pass", 1.0, 1.0, True, 0.0)
    assert (open_.status, open_.passed) == ("unknown", None)
    # Hengyang's rule checks the recorded standard (not grade II): unknown until a source fills it
    hengyang = {c.city: c for c in load_catalogues(seeds_dir=shared_dir / "plans" / "seeds")}[
        "hengyang"
    ]
    standard = hengyang.rule("hengyang.large_catchment_centre_standard")
    assert standard.data_gap is None
    assert isinstance(standard.parameters, FacilityPerPopulationParameters)
    assert standard.parameters.required_standard == "recommended"
    assert standard.parameters.required_grade is None
    gaps = {gap.rule_id for gap in catalogue_data_gaps(hengyang)}
    assert "hengyang.large_catchment_centre_standard" not in gaps


# --- D8: selectors as the plans mean them ---


@pytest.fixture(scope="module")
def catalogues(shared_dir: Path) -> dict[str, Catalogue]:
    return {c.city: c for c in load_catalogues(seeds_dir=shared_dir / "plans" / "seeds")}


def test_d8_a_public_psychiatric_hospital_is_psychiatric_provision(
    catalogues: dict[str, Catalogue],
) -> None:
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 400_000)]
    centre = FacilityInput(
        1, "精神卫生中心", FacilityType.PSYCHIATRIC_HOSPITAL, COUNTY, grade=Grade.SECONDARY
    )
    for city in ("hengyang", "yongzhou"):
        rule = catalogues[city].rule(f"{city}.psychiatric_ward")

        (row,) = evaluate_rule(rule, regions, [centre], city_adcode=CITY)

        assert outcome(row) == ("pass", 1.0, 1.0, True, 0.0), city


def test_d8_a_township_station_is_not_a_county_ems_centre(
    catalogues: dict[str, Catalogue],
) -> None:
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 400_000)]
    township = FacilityInput(
        1, "镇卫生院", FacilityType.TOWNSHIP_HEALTH_CENTER, COUNTY, ems_station_hosted=True
    )
    for city in ("yueyang", "hengyang"):
        rule = catalogues[city].rule(f"{city}.county_ems_centre")

        (row,) = evaluate_rule(rule, regions, [township], city_adcode=CITY)

        assert (row.status, row.passed) == ("fail", False), city


def test_d8_a_private_psychiatric_hospital_need_not_host_an_ems_station(
    catalogues: dict[str, Catalogue],
) -> None:
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 400_000)]
    private = FacilityInput(
        1,
        "民营精神病医院",
        FacilityType.PSYCHIATRIC_HOSPITAL,
        COUNTY,
        grade=Grade.SECONDARY,
        ownership=Ownership.PRIVATE,
    )
    rule = catalogues["yongzhou"].rule("yongzhou.ems_station_at_hospitals")

    (row,) = evaluate_rule(rule, regions, [private], city_adcode=CITY)

    assert outcome(row) == ("pass", 0.0, 0.0, True, 0.0)


# --- D9: the fleet's city row, with no surplus hiding a county without ambulances ---


def test_d9_the_city_row_is_the_city_at_100_percent_with_units_short_beside_it() -> None:
    regions = [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 300_000),
        RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 60_000, parent_adcode=CITY),
        RegionInput(DISTRICT, "B District", RegionLevel.DISTRICT, 200_000, parent_adcode=CITY),
        RegionInput(COUNTY_CITY, "C City", RegionLevel.COUNTY_CITY, 40_000, parent_adcode=CITY),
    ]
    # a district with 100 ambulances; the county and the county-level city with none
    facilities = [station(1, DISTRICT, 100)]

    rows = by_region(evaluate_rule(fleet_rule(), regions, facilities, city_adcode=CITY))

    # the city: 300,000 / 30,000 = 10 at 100%, met; the county needs 6, the county city 4
    assert outcome(rows[CITY]) == ("pass", 100.0, 10.0, True, 0.0)
    assert rows[CITY].shortfall_text == (
        "has 100 ambulances; 10 required; 2 county-level units short of its own base, "
        "gross shortfall 10 ambulances"
    )
    assert outcome(rows[COUNTY]) == ("fail", 0.0, 6.0, False, 6.0)
    assert outcome(rows[COUNTY_CITY]) == ("fail", 0.0, 4.0, False, 4.0)


# --- D10: every row says what it rests on, in Chinese too ---


def test_d10_rows_carry_titles_label_year_baseline_and_the_plan(
    catalogues: dict[str, Catalogue],
) -> None:
    catalogue = catalogues["changsha"]
    regions = [
        RegionInput("430100", "长沙市", RegionLevel.PREFECTURE, 10_047_914),
        RegionInput("430121", "长沙县", RegionLevel.COUNTY, 1_370_000, parent_adcode="430100"),
    ]
    beds = [hospital(1, "430121", beds=83_180)]

    rows = [
        r
        for r in evaluate_catalogue(catalogue, regions, beds)
        if r.rule_id.endswith("beds_per_1000")
    ]
    city = next(r for r in rows if r.region_adcode == "430100")
    data = city.to_dict()

    rule = catalogue.rule("changsha.beds_per_1000")
    assert (data["title_zh"], data["title_en"], data["year"], data["status"]) == (
        rule.title_zh,
        rule.title_en,
        2025,
        "fail",
    )
    assert data["binding"] == (None if rule.binding is None else rule.binding.value)
    assert data["unit"] == "beds per 1,000 residents"
    assert data["citation"]["plan_title_zh"] == catalogue.plan_title_zh
    assert data["citation"]["document_number"] == "长政办发〔2021〕62号"
    assert data["shortfall_text_zh"].startswith("尚缺")
    assert "张床位（每1,000人" in data["shortfall_text_zh"]
    # data-gap rules give no rows: they are listed once
    assert not any(r.rule_id in {g.rule_id for g in catalogue_data_gaps(catalogue)} for r in rows)


# --- D11: ICU beds above 5% of beds are information ---


def test_d11_icu_beds_above_five_percent_are_information() -> None:
    rule = make_rule(
        kind="staffing",
        applies_to=["county"],
        parameters={
            "facilities": [{"facility_types": ["general_hospital"]}],
            "attribute": "icu_beds",
            "min_share_of_beds": 0.02,
            "max_share_of_beds": 0.05,
        },
        target={"min": 0.02, "max": 0.05, "unit": "share_of_beds"},
    )
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 400_000)]

    (row,) = evaluate_rule(
        rule, regions, [hospital(1, COUNTY, beds=1000, icu_beds=80)], city_adcode=CITY
    )

    assert (row.status, row.passed, row.shortfall) == ("info", None, None)
    assert row.shortfall_text == ("information: 1 of 1 general hospitals above 5% of beds")


# --- §5: the negative-pressure shortfall says replace or add ---


def test_negative_pressure_says_replace_or_add() -> None:
    rule = make_rule(
        kind="fleet_ratio",
        applies_to=["county"],
        parameters={"measure": "negative_pressure_share", "facilities": EMS, "min_share": 0.4},
        target={"value": 0.4, "unit": "share_of_fleet"},
    )
    fleet = [
        FacilityInput(
            1,
            "120",
            FacilityType.EMS_CENTER,
            COUNTY,
            ambulances=269,
            negative_pressure_ambulances=73,
        )
    ]
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 400_000)]

    (row,) = evaluate_rule(rule, regions, fleet, city_adcode=CITY)

    # Yongzhou's figures (AUDIT §5): 35 replaced, or 58 added (131 of 327 ≥ 40%)
    assert outcome(row) == ("fail", 73.0, 108.0, False, 35.0)
    assert row.shortfall_text == (
        "replace or upgrade 35 ambulances to negative-pressure, or add 58 new ones to the fleet: "
        "73 of 269 ambulances are negative-pressure, 40% required"
    )


# --- item 4: unknown capacities say what is known, and decide where they can ---


def test_a_facility_without_staff_numbers_keeps_a_clear_verdict() -> None:
    rule = beds_rule(target_scope="unit", applies_to=["county"])
    regions = [RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 100_000)]
    clinic = FacilityInput(9, "村卫生室", FacilityType.VILLAGE_CLINIC, COUNTY, beds=None)
    rich = [hospital(1, COUNTY, beds=900)]
    poor = [hospital(1, COUNTY, beds=300)]
    small_clinic = FacilityInput(8, "村卫生室 8", FacilityType.VILLAGE_CLINIC, COUNTY, beds=2)

    (passing,) = evaluate_rule(rule, regions, [*rich, clinic], city_adcode=CITY)
    (failing,) = evaluate_rule(rule, regions, [*poor, small_clinic, clinic], city_adcode=CITY)

    # 900 known beds already exceed the 800 required
    assert outcome(passing) == ("pass", 9.0, 8.0, True, 0.0)
    assert passing.unknown_facilities == 1
    # 302 known; the clinic could add at most 2 (the largest village clinic): 304 < 800
    assert outcome(failing) == ("fail", 3.02, 8.0, False, 496.0)
    assert failing.shortfall_text == (
        "needs at least 496 more beds: beds unknown at 1 of 3 facilities, and even at the "
        "largest value of their type in the register they would total 304 of 800 required "
        "(known part: 3.02 per 1,000 residents against 8)"
    )


# --- §5: spatial rules test the share the catalogue states, not 100% by default ---


def test_a_spatial_rule_tests_its_target_share() -> None:
    rule = make_rule(
        kind="travel_time_coverage",
        applies_to=["county", "urban"],
        parameters={
            "facilities": [{"facility_types": ["community_health_center"]}],
            "mode": "walk",
            "minutes_urban": 15,
        },
        target={"value": 15, "unit": "minutes"},
        target_share=0.95,
    )
    region = RegionInput(COUNTY, "A County", RegionLevel.COUNTY, 100_000)

    row = coverage_result(rule, region, population_total=100_000, population_covered=99_109)

    # 天心区's 99.9% was a fail at 100%; at the stated 95% it passes
    assert outcome(row) == ("pass", 0.99109, 0.95, True, 0.0)
