"""Spatial rules on tiny hand-built networks, with exact expected answers.

Speeds used below (geo.network.speeds): walking 4.5 km/h = 1.25 m/s, so 750 m take 600 s
(10 minutes); an urban residential street 20 km/h by car, 24 km/h for an ambulance (× 1.2),
whose response starts after a 3-minute dispatch delay.
"""

from typing import Any

import numpy as np
import pytest
import shapely

from geo.network import Network, network_from_arrays
from geo.norms import (
    FacilityInput,
    FacilityType,
    NormEvaluationError,
    RegionInput,
    RegionLevel,
    Rule,
    RuleKind,
    SpatialContext,
    coverage_by_region,
    evaluate_catalogue,
    evaluate_rule,
    evaluate_spatial_rule,
    facility_catchments,
    facility_points,
    gap_zones,
    population_points,
)
from geo.norms.catalogue import Catalogue
from geo.norms.parameters import FacilitySelector
from tests.geo.norms._spatial_fixtures import (
    CITY,
    CRS,
    EAST,
    WEST,
    X0,
    Y0,
    centre,
    detour,
    ems_rule,
    line,
    make_rule,
    station,
)


def regions() -> list[RegionInput]:
    return [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, None),
        RegionInput(EAST, "East District", RegionLevel.DISTRICT, None, parent_adcode=CITY),
        RegionInput(WEST, "West County", RegionLevel.COUNTY, None, parent_adcode=CITY),
    ]


def context(
    net: Network,
    points: list[tuple[float, float, int, bool, str]],
    facilities: list[tuple[FacilityInput, float, float]],
) -> SpatialContext:
    """Points (x, y, residents, urban, unit) and facilities, in metres from (X0, Y0)."""
    xs, ys, people, urban, units = zip(*points, strict=True)
    pts = population_points(np.asarray(xs) + X0, np.asarray(ys) + Y0, people, urban, list(units))
    fac = facility_points(
        [f for f, _, _ in facilities],
        [x + X0 for _, x, _ in facilities],
        [y + Y0 for _, _, y in facilities],
    )
    return SpatialContext(net, pts, fac)


def rows(results: Any) -> dict[str, tuple[float | None, bool | None, float | None]]:
    return {r.region_adcode: (r.value, r.passed, r.shortfall) for r in results}


# --- travel-time coverage: the urban / rural switch ---


def circle_rule(minutes_urban: float = 15, minutes_rural: float = 30) -> Rule:
    return make_rule(
        kind="travel_time_coverage",
        applies_to=["city", "district", "county", "urban", "rural"],
        parameters={
            "facilities": [{"facility_types": ["community_health_center"]}],
            "mode": "walk",
            "minutes_urban": minutes_urban,
            "minutes_rural": minutes_rural,
        },
        target={"min": minutes_urban, "max": minutes_rural, "unit": "minutes"},
    )


def test_urban_points_get_15_minutes_and_rural_points_30() -> None:
    # nodes every 750 m (10 minutes on foot); the centre at the first node
    net = line([0, 750, 1500, 2250, 3000])
    ctx = context(
        net,
        [
            (0, 0, 100, True, EAST),  # 0 min
            (750, 0, 200, True, EAST),  # 10 min: urban, within 15
            (1500, 0, 300, True, EAST),  # 20 min: urban, beyond 15
            (1500, 0, 400, False, WEST),  # 20 min: rural, within 30
            (3000, 0, 500, False, WEST),  # 40 min: rural, beyond 30
        ],
        [(centre(1), 0, 0)],
    )

    outcome = evaluate_spatial_rule(circle_rule(), regions(), ctx, city_adcode=CITY)

    np.testing.assert_array_equal(outcome.covered, [True, True, False, True, False])
    np.testing.assert_allclose(outcome.measure, [0, 600, 1200, 1200, 2400])
    np.testing.assert_allclose(outcome.threshold, [900, 900, 900, 1800, 1800])
    assert rows(outcome.results) == {
        CITY: (700 / 1500, False, 800.0),
        EAST: (300 / 600, False, 300.0),
        WEST: (400 / 900, False, 500.0),
    }
    city = outcome.results[0]
    assert city.shortfall_text == (
        "800 residents beyond 15 minutes (urban) / 30 minutes (rural) on foot from the nearest "
        "community health centre"
    )
    assert city.citation.document == "seed.txt"


def test_an_urban_only_rule_ignores_rural_residents() -> None:
    rule = make_rule(
        kind="travel_time_coverage",
        applies_to=["city", "district", "county", "urban"],
        parameters={
            "facilities": [{"facility_types": ["community_health_center"]}],
            "mode": "walk",
            "minutes_urban": 15,
        },
        target={"value": 15, "unit": "minutes"},
    )
    net = line([0, 750, 1500])
    ctx = context(
        net,
        [(750, 0, 200, True, EAST), (1500, 0, 400, False, WEST)],
        [(centre(1), 0, 0)],
    )

    outcome = evaluate_spatial_rule(rule, regions(), ctx, city_adcode=CITY)

    np.testing.assert_array_equal(outcome.counted, [True, False])
    assert rows(outcome.results) == {
        CITY: (1.0, True, 0.0),
        EAST: (1.0, True, 0.0),
        WEST: (None, None, None),
    }
    assert outcome.results[2].shortfall_text == "no residents to cover"


def test_the_access_leg_from_a_point_to_its_node_counts() -> None:
    # 150 m off the street beside the 10-minute node: 120 s more on foot, 12 minutes in all
    net = line([0, 750])
    ctx = context(net, [(750, 150, 60, True, EAST)], [(centre(1), 0, 0)])

    outcome = evaluate_spatial_rule(
        circle_rule(minutes_urban=11, minutes_rural=30), regions(), ctx, city_adcode=CITY
    )

    np.testing.assert_allclose(outcome.measure, [720.0])
    assert not outcome.covered[0]
    outcome = evaluate_spatial_rule(
        circle_rule(minutes_urban=12, minutes_rural=30), regions(), ctx, city_adcode=CITY
    )
    assert outcome.covered[0]


def test_only_qualifying_facilities_count() -> None:
    net = line([0, 750, 1500])
    hospital = FacilityInput(2, "hospital", FacilityType.GENERAL_HOSPITAL, EAST)
    ctx = context(
        net,
        [(0, 0, 100, True, EAST), (1500, 0, 100, True, EAST)],
        [(hospital, 0, 0), (centre(1), 1500, 0)],
    )

    outcome = evaluate_spatial_rule(circle_rule(), regions(), ctx, city_adcode=CITY)

    # the hospital at the first node is not a community health centre
    np.testing.assert_array_equal(outcome.covered, [False, True])


def test_a_city_without_qualifying_facilities_covers_nobody() -> None:
    net = line([0, 750])
    ctx = context(net, [(0, 0, 100, True, EAST)], [(station(9), 0, 0)])

    outcome = evaluate_spatial_rule(circle_rule(), regions(), ctx, city_adcode=CITY)

    assert rows(outcome.results)[EAST] == (0.0, False, 100.0)
    assert np.isinf(outcome.measure[0])


def test_an_off_network_point_is_never_covered_by_a_network_rule() -> None:
    # 600 m from the only node: beyond the 500 m snap limit
    net = line([0, 750])
    ctx = context(net, [(0, 600, 100, True, EAST)], [(centre(1), 0, 0)])

    outcome = evaluate_spatial_rule(circle_rule(), regions(), ctx, city_adcode=CITY)

    assert rows(outcome.results)[EAST] == (0.0, False, 100.0)
    assert ctx.snapped_points("walk").n_off_network == 1


# --- radius coverage: straight line and road distance ---


def radius_rule(distance: str, km: float = 2.0) -> Rule:
    params: dict[str, Any] = {
        "facilities": [{"facility_types": ["village_clinic"]}],
        "distance": distance,
        "radius_km_rural": km,
    }
    if distance == "network":
        params["mode"] = "drive"
    return make_rule(
        kind="radius_coverage",
        applies_to=["county", "rural"],
        parameters=params,
        target={"value": km, "unit": "km"},
    )


def village_context() -> SpatialContext:
    clinic = FacilityInput(1, "clinic", FacilityType.VILLAGE_CLINIC, WEST)
    return context(detour(), [(1000, 0, 250, False, WEST)], [(clinic, 0, 0)])


def test_a_straight_radius_ignores_the_road() -> None:
    outcome = evaluate_spatial_rule(
        radius_rule("straight"), regions(), village_context(), city_adcode=CITY
    )

    np.testing.assert_allclose(outcome.measure, [1000.0])
    assert rows(outcome.results) == {WEST: (1.0, True, 0.0)}


def test_a_network_radius_follows_the_road() -> None:
    ctx = village_context()
    outcome = evaluate_spatial_rule(radius_rule("network"), regions(), ctx, city_adcode=CITY)

    np.testing.assert_allclose(outcome.measure, [5000.0])
    assert rows(outcome.results) == {WEST: (0.0, False, 250.0)}
    assert outcome.results[0].shortfall_text == (
        "250 residents beyond 2 km (by road) from the nearest village clinic"
    )
    # 5 km of road is within a 5 km network radius
    wider = evaluate_spatial_rule(radius_rule("network", 5.0), regions(), ctx, city_adcode=CITY)
    assert wider.covered[0]


def test_urban_and_rural_radii_differ() -> None:
    rule = make_rule(
        kind="radius_coverage",
        applies_to=["district", "urban", "rural"],
        parameters={
            "facilities": [{"facility_types": ["ems_station"]}],
            "distance": "straight",
            "radius_km_urban": 5,
            "radius_km_rural": 20,
        },
        target={"min": 5, "max": 20, "unit": "km"},
    )
    ctx = context(
        line([0, 8000]),
        [(8000, 0, 30, True, EAST), (8000, 0, 70, False, EAST)],
        [(station(1), 0, 0)],
    )

    outcome = evaluate_spatial_rule(rule, regions(), ctx, city_adcode=CITY)

    # 8 km: beyond the urban 5 km, within the rural 20 km
    np.testing.assert_array_equal(outcome.covered, [False, True])
    assert rows(outcome.results) == {EAST: (0.7, False, 30.0)}


def test_a_straight_radius_counts_off_network_points() -> None:
    clinic = FacilityInput(1, "clinic", FacilityType.VILLAGE_CLINIC, WEST)
    ctx = context(detour(), [(1000, -900, 40, False, WEST)], [(clinic, 0, 0)])

    outcome = evaluate_spatial_rule(radius_rule("straight"), regions(), ctx, city_adcode=CITY)

    assert outcome.covered[0]


# --- EMS response: direction, distance and time ---


def one_way_loop() -> Network:
    """A station S (node 0) and a scene P (node 1) 1 km apart on a one-way street S -> P.

    Back from P to S the car must go round the block: P -> (1000, 4500) -> (0, 4500) -> S,
    10 km. Every street is an urban residential one.
    """
    return network_from_arrays(
        np.array([0, 1000, 1000, 0]) + X0,
        np.array([0, 0, 4500, 4500]) + Y0,
        np.array([0, 1, 2, 3]),
        np.array([1, 2, 3, 0]),
        ["residential"] * 4,
        crs=CRS,
        oneway=[True, True, True, True],
    )


def test_an_ambulance_drives_from_its_station_down_the_one_way_street() -> None:
    ctx = context(one_way_loop(), [(1000, 0, 500, True, EAST)], [(station(1), 0, 0)])

    outcome = evaluate_spatial_rule(ems_rule("from_facility"), regions(), ctx, city_adcode=CITY)

    # 3 min dispatch + 1,000 m at 24 km/h (150 s) = 330 s
    np.testing.assert_allclose(outcome.measure, [330.0])
    assert rows(outcome.results) == {CITY: (1.0, True, 0.0), EAST: (1.0, True, 0.0)}


def test_transport_to_a_centre_goes_round_the_block() -> None:
    ctx = context(one_way_loop(), [(1000, 0, 500, True, EAST)], [(station(1), 0, 0)])

    outcome = evaluate_spatial_rule(ems_rule("to_facility"), regions(), ctx, city_adcode=CITY)

    # 10 km at 24 km/h, no dispatch delay: 1,500 s
    np.testing.assert_allclose(outcome.measure, [1500.0])
    assert rows(outcome.results)[EAST] == (0.0, False, 500.0)


def two_stations() -> Network:
    """Stations N (node 0) and F (node 3), residents at P (node 1) and Q (node 4).

    N -> P: 7 km of living street (10 km/h urban, 12 km/h by ambulance: 35 minutes).
    F -> P: 12 km of motorway (60 km/h urban, 72 km/h by ambulance: 10 minutes).
    F -> Q: 3 km of motorway (2.5 minutes).
    """
    return network_from_arrays(
        np.array([0, 7000, 0, 19000, 22000]) + X0,
        np.array([0, 0, 9999, 0, 0]) + Y0,
        np.array([0, 3, 3]),
        np.array([1, 1, 4]),
        ["living_street", "motorway", "motorway"],
        crs=CRS,
        length_m=[7000, 12000, 3000],
    )


def test_distance_and_time_must_hold_for_the_same_station() -> None:
    stations = [(station(1), 0, 0), (station(2), 19000, 0)]
    ctx = context(
        two_stations(),
        [(7000, 0, 800, True, EAST), (22000, 0, 200, True, EAST)],
        stations,
    )
    rule = ems_rule("from_facility", minutes=15, radius_km=8)

    outcome = evaluate_spatial_rule(rule, regions(), ctx, city_adcode=CITY)

    # P is within 8 km of N and within 15 minutes of F, but neither station does both
    np.testing.assert_array_equal(outcome.covered, [False, True])
    assert rows(outcome.results)[EAST] == (0.2, False, 800.0)
    assert outcome.results[1].shortfall_text == (
        "800 residents beyond 8 km and 15 minutes by car from the nearest EMS centre or EMS station"
    )
    # time alone, or distance alone, covers P
    by_time = evaluate_spatial_rule(
        ems_rule("from_facility", minutes=15), regions(), ctx, city_adcode=CITY
    )
    assert by_time.covered.tolist() == [True, True]


def test_an_ems_rule_with_a_radius_only_measures_road_distance() -> None:
    rule = make_rule(
        kind="ems_response",
        applies_to=["district"],
        parameters={
            "facilities": [{"facility_types": ["ems_station"]}],
            "radius_km": 8,
        },
        target={"value": 8, "unit": "km"},
    )
    ctx = context(two_stations(), [(7000, 0, 800, True, EAST)], [(station(1), 0, 0)])

    outcome = evaluate_spatial_rule(rule, regions(), ctx, city_adcode=CITY)

    np.testing.assert_allclose(outcome.measure, [7000.0])
    assert outcome.measure_unit == "m"
    assert outcome.covered.tolist() == [True]


# --- the engine through evaluate_rule / evaluate_catalogue ---


def test_evaluate_rule_uses_the_spatial_context() -> None:
    net = line([0, 750, 1500])
    ctx = context(net, [(750, 0, 200, True, EAST)], [(centre(1), 0, 0)])

    results = evaluate_rule(circle_rule(), regions(), [], city_adcode=CITY, spatial=ctx)

    assert rows(results) == {
        CITY: (1.0, True, 0.0),
        EAST: (1.0, True, 0.0),
        WEST: (None, None, None),
    }
    with pytest.raises(NormEvaluationError, match="coverage engine"):
        evaluate_rule(circle_rule(), regions(), [], city_adcode=CITY)


def test_a_catalogue_with_a_context_evaluates_every_kind() -> None:
    fleet = make_rule(
        id="test.fleet",
        kind="fleet_ratio",
        applies_to=["county"],
        parameters={
            "measure": "fleet_size",
            "facilities": [{"facility_types": ["ems_station"]}],
            "per_population": 30000,
            "base_multiplier_county": 3.0,
        },
        target={"value": 30000, "unit": "residents_per_ambulance"},
    )
    catalogue = Catalogue(
        city="test",
        city_adcode=CITY,
        city_name_zh="测试市",
        city_name_en="Test City",
        city_level=RegionLevel.PREFECTURE,
        document="seed.txt",
        plan_title_zh="测试规划",
        plan_title_en="Test plan",
        document_number=None,
        issuer_zh="测试市人民政府",
        rules=(circle_rule(), fleet),
    )
    units = [
        RegionInput(CITY, "Test City", RegionLevel.PREFECTURE, 100_000),
        RegionInput(WEST, "West County", RegionLevel.COUNTY, 100_000, parent_adcode=CITY),
    ]
    stations = [station(1, WEST, ambulances=4)]
    ctx = context(line([0, 750]), [(0, 0, 100, False, WEST)], [(stations[0], 0, 0)])

    results = evaluate_catalogue(catalogue, units, stations, spatial=ctx)

    kinds = [(r.kind, r.region_adcode) for r in results]
    assert kinds == [
        (RuleKind.TRAVEL_TIME_COVERAGE, CITY),
        (RuleKind.TRAVEL_TIME_COVERAGE, WEST),
        (RuleKind.FLEET_RATIO, WEST),
    ]
    # the county 300% base: 300,000 / 30,000 = 10 ambulances, 4 present
    assert (results[2].target, results[2].shortfall) == (10.0, 6.0)
    assert results[2].shortfall_text.startswith("needs 6 more ambulances")


def test_catchments_are_the_residents_nearest_each_centre() -> None:
    net = line([0, 750, 1500, 2250])
    ctx = context(
        net,
        [
            (0, 0, 10, True, EAST),
            (750, 0, 20, True, EAST),
            (1500, 0, 40, True, EAST),
            (2250, 0, 80, True, EAST),
        ],
        [(centre(1), 0, 0), (centre(2), 2250, 0), (station(3), 750, 0)],
    )
    selectors = [FacilitySelector(facility_types=(FacilityType.COMMUNITY_HEALTH_CENTER,))]

    assert facility_catchments(ctx, selectors) == {1: 30, 2: 120}


def test_a_catchment_rule_takes_its_catchments_from_the_network() -> None:
    rule = make_rule(
        kind="facility_per_population",
        applies_to=["district"],
        parameters={
            "method": "catchment",
            "facilities": [{"facility_types": ["community_health_center"]}],
            "catchment_min_residents": 100,
            "required_grade": "secondary",
        },
        target={"value": 100, "unit": "residents"},
    )
    net = line([0, 750, 1500])
    centres = [centre(1), centre(2, grade="secondary")]
    ctx = context(
        net,
        [(0, 0, 150, True, EAST), (1500, 0, 120, True, EAST)],
        [(centres[0], 0, 0), (centres[1], 1500, 0)],
    )

    (result,) = evaluate_rule(rule, regions(), centres, city_adcode=CITY, spatial=ctx)

    # both serve 100+ residents; centre 1 is ungraded
    assert (result.value, result.target, result.passed, result.shortfall) == (1.0, 2.0, False, 1.0)


def test_coverage_by_region_splits_urban_and_rural() -> None:
    net = line([0, 750, 1500, 2250])
    ctx = context(
        net,
        [
            (0, 0, 100, True, EAST),
            (1500, 0, 200, False, EAST),
            (2250, 0, 300, False, WEST),
            (0, 900, 50, True, WEST),  # off-network
        ],
        [(centre(1), 0, 0)],
    )
    selectors = [FacilitySelector(facility_types=(FacilityType.COMMUNITY_HEALTH_CENTER,))]

    city, east, west = coverage_by_region(
        ctx, regions(), city_adcode=CITY, selectors=selectors, mode="walk", minutes=20
    )

    assert (city.population, city.covered, city.off_network) == (650, 300, 50)
    assert (east.urban_covered, east.rural_covered, east.covered_share) == (100, 200, 1.0)
    assert (west.population, west.covered, west.rural_population) == (350, 0, 300)


def test_gap_zones_dissolve_touching_cells_per_unit() -> None:
    cells = [
        shapely.box(0, 0, 1, 1),
        shapely.box(1, 0, 2, 1),  # touches the first
        shapely.box(5, 5, 6, 6),
        shapely.box(2, 0, 3, 1),  # touches the second but lies in another unit
    ]

    zones = gap_zones(cells, [10, 20, 5, 40], [EAST, EAST, EAST, WEST])

    assert [(z.key, z.population, z.n_cells) for z in zones] == [
        (WEST, 40, 1),
        (EAST, 30, 2),
        (EAST, 5, 1),
    ]
    assert zones[1].geometry.area == pytest.approx(2.0)


def test_inputs_are_checked() -> None:
    with pytest.raises(NormEvaluationError, match="one value per point"):
        population_points([0, 1], [0], [1, 2], [True, True], [EAST, EAST])
    with pytest.raises(NormEvaluationError, match="whole persons"):
        population_points([0], [0], [-1], [True], [EAST])
    with pytest.raises(NormEvaluationError, match="unique"):
        facility_points([centre(1), centre(1)], [0, 1], [0, 1])
