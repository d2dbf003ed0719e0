"""Result rows: spatial-rule assembly, not-evaluable rules, JSON form, whole-catalogue runs."""

from pathlib import Path
from typing import Any

import pytest

from geo.norms import (
    FacilityInput,
    FacilityType,
    NormEvaluationError,
    RegionInput,
    RegionLevel,
    Rule,
    RuleKind,
    coverage_result,
    evaluate_catalogue,
    evaluate_rule,
    load_catalogue,
)
from geo.norms.catalogue import DEFAULT_CATALOGUE_DIR

CITY = "439900"
CITE = {"document": "seed.txt", "lines": "L7-9", "quote": "引文"}
REGION = RegionInput("439901", "A County", RegionLevel.COUNTY, 1_000_000)


def make_rule(**fields: Any) -> Rule:
    base = {"id": "test.rule", "title_zh": "测试", "title_en": "test", "citation": CITE}
    return Rule.model_validate({**base, **fields})


def walk_rule(min_share: float = 1.0) -> Rule:
    return make_rule(
        kind="travel_time_coverage",
        applies_to=["county", "urban"],
        parameters={
            "facilities": [{"facility_types": ["community_health_center"]}],
            "mode": "walk",
            "minutes_urban": 15,
            "min_share": min_share,
        },
        target={"value": 15, "unit": "minutes"},
    )


def test_coverage_shortfall_is_residents_beyond_the_threshold() -> None:
    result = coverage_result(
        walk_rule(), REGION, population_total=1_000_000, population_covered=873_600
    )

    assert (result.value, result.target, result.passed) == (0.8736, 1.0, False)
    assert (result.shortfall, result.shortfall_unit) == (126_400.0, "residents")
    assert result.shortfall_text == (
        "126,400 residents beyond 15 minutes on foot from the nearest community health centre"
    )
    assert result.unit == "share of residents"


def test_coverage_with_a_share_target_counts_residents_to_reach() -> None:
    result = coverage_result(
        walk_rule(0.95), REGION, population_total=1_000_000, population_covered=873_600
    )

    # 95% of 1,000,000 is 950,000: 76,400 more residents must be reached
    assert (result.shortfall, result.passed) == (76_400.0, False)

    met = coverage_result(
        walk_rule(0.95), REGION, population_total=1_000_000, population_covered=950_000
    )
    assert (met.passed, met.shortfall) == (True, 0.0)
    assert met.shortfall_text == (
        "95% of 1,000,000 residents within 15 minutes on foot from the nearest community "
        "health centre"
    )


def test_coverage_text_for_urban_and_rural_radii() -> None:
    rule = make_rule(
        kind="radius_coverage",
        applies_to=["county", "urban", "rural"],
        parameters={
            "facilities": [{"facility_types": ["ems_station"]}],
            "distance": "straight",
            "radius_km_urban": 5,
            "radius_km_rural": 20,
        },
        target={"min": 5, "max": 20, "unit": "km"},
    )

    result = coverage_result(rule, REGION, population_total=10, population_covered=7)

    assert result.shortfall_text == (
        "3 residents beyond 5 km (urban) / 20 km (rural) (straight-line) from the nearest "
        "EMS station"
    )
    assert result.shortfall_text_zh == "3名常住人口在距最近的急救站直线城镇5公里 / 农村20公里以外"


def test_coverage_counts_are_checked() -> None:
    with pytest.raises(NormEvaluationError, match="covered residents"):
        coverage_result(walk_rule(), REGION, population_total=10, population_covered=11)


def test_a_rule_the_data_cannot_evaluate_says_so() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["county"],
        target={"value": 1, "unit": "facilities"},
        data_gap="the register records no infectious-disease ward",
        needs=["infectious_ward"],
    )

    (result,) = evaluate_rule(rule, [REGION], [], city_adcode=CITY)

    assert (result.value, result.target, result.passed, result.shortfall) == (None,) * 4
    assert result.shortfall_text == "not evaluable: the register records no infectious-disease ward"
    assert result.status == "unknown"


def test_spatial_rules_need_the_coverage_engine() -> None:
    with pytest.raises(NormEvaluationError, match="coverage engine"):
        evaluate_rule(walk_rule(), [REGION], [], city_adcode=CITY)


def test_result_json_carries_the_citation() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["county"],
        parameters={"facilities": [{"facility_types": ["ems_center"]}]},
        target={"value": 1, "unit": "facilities"},
    )
    facilities = [FacilityInput(1, "120", FacilityType.EMS_CENTER, "439901")]

    (result,) = evaluate_rule(rule, [REGION], facilities, city_adcode=CITY)

    assert result.to_dict() == {
        "region_adcode": "439901",
        "region_name": "A County",
        "rule_id": "test.rule",
        "kind": "presence",
        "value": 1.0,
        "target": 1.0,
        "passed": True,
        "shortfall": 0.0,
        "shortfall_unit": "facilities",
        "shortfall_text": "has 1 EMS centre",
        "unit": "facilities",
        "citation": {"document": "seed.txt", "lines": "L7-9", "quote": "引文"},
        "citations": [{"document": "seed.txt", "lines": "L7-9", "quote": "引文"}],
        "status": "pass",
        "shortfall_text_zh": "现有1个急救中心",
        "unknown_facilities": 0,
        "title_zh": "测试",
        "title_en": "test",
        "binding": None,
        "year": 2025,
        "baseline": None,
        "target_scope": "unit",
        "interpretation": None,
    }


def test_a_region_given_twice_is_refused() -> None:
    rule = make_rule(
        kind="presence",
        applies_to=["county"],
        parameters={"facilities": [{"facility_types": ["ems_center"]}]},
        target={"value": 1, "unit": "facilities"},
    )

    with pytest.raises(NormEvaluationError, match="given twice"):
        evaluate_rule(rule, [REGION, REGION], [], city_adcode=CITY)


def test_yongzhou_catalogue_runs_on_a_small_city(shared_dir: Path) -> None:
    catalogue = load_catalogue(
        DEFAULT_CATALOGUE_DIR / "yongzhou.yaml", seeds_dir=shared_dir / "plans" / "seeds"
    )
    regions = [
        RegionInput("431100", "永州市", RegionLevel.PREFECTURE, 300_000, urban_share=0.5),
        RegionInput("431102", "零陵区", RegionLevel.DISTRICT, 200_000, 0.7, parent_adcode="431100"),
        RegionInput(
            "431129", "江华瑶族自治县", RegionLevel.COUNTY, 100_000, 0.1, parent_adcode="431100"
        ),
    ]
    facilities = [
        FacilityInput(
            1,
            "江华县120分中心",
            FacilityType.EMS_CENTER,
            "431129",
            ambulances=8,
            negative_pressure_ambulances=4,
        ),
        FacilityInput(
            2,
            "零陵区急救站",
            FacilityType.EMS_STATION,
            "431102",
            ambulances=7,
            negative_pressure_ambulances=2,
        ),
    ]

    results = evaluate_catalogue(catalogue, regions, facilities)
    rows = {(r.rule_id, r.region_adcode): r for r in results}

    # spatial rules are left to the coverage engine
    assert not any(
        r.kind in {RuleKind.TRAVEL_TIME_COVERAGE, RuleKind.EMS_RESPONSE} for r in results
    )
    # 江华 (县) counts 300% of 100,000 → 10; 零陵 (区) 200,000 → 7; the city at 100%: 10
    fleet = {code: rows["yongzhou.ambulance_fleet", code] for code in regions_codes(regions)}
    assert {code: (r.value, r.target) for code, r in fleet.items()} == {
        "431100": (15.0, 10.0),
        "431102": (7.0, 7.0),
        "431129": (8.0, 10.0),
    }
    assert fleet["431129"].shortfall_text == "needs 2 more ambulances (has 8 of 10 required)"
    assert rows["yongzhou.ambulance_fleet", "431129"].citation.lines_label == "L1140-1142"
    # 2 of 7 negative-pressure is below 40% (3 needed)
    assert rows["yongzhou.negative_pressure_ambulances", "431102"].shortfall == 1.0
    assert rows["yongzhou.county_120_subcentre", "431102"].passed is False
    assert rows["yongzhou.county_120_subcentre", "431129"].passed is True


def regions_codes(regions: list[RegionInput]) -> list[str]:
    return [region.adcode for region in regions]
