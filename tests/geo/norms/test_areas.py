"""Covered areas of spatial rules on tiny hand-built networks, against the raster's bounds.

Speeds as in test_norms_spatial: walking 1.25 m/s (15 minutes: 1,125 m); an ambulance on an
urban living street 12 km/h and on a motorway 72 km/h, after a 3-minute dispatch delay.
Areas are drawn with a 20 m buffer on a 2 m raster, so a street reached up to x is inside the
area to within a few metres and nothing lies farther than the buffer and one cell's diagonal.
"""

import math
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.network import Network, network_from_arrays
from geo.norms import (
    FacilityInput,
    FacilityType,
    NormEvaluationError,
    Rule,
    Scope,
    SpatialContext,
    facility_points,
    population_points,
    rule_areas,
)
from tests.geo.norms._spatial_fixtures import (
    CRS,
    EAST,
    X0,
    Y0,
    centre,
    detour,
    ems_rule,
    line,
    make_rule,
    station,
)

BUFFER_M = 20.0
RESOLUTION_M = 2.0
INNER_M = BUFFER_M - math.sqrt(2) * RESOLUTION_M - RESOLUTION_M / 2
OUTER_M = BUFFER_M + math.sqrt(2) * RESOLUTION_M
RASTER = {"buffer_m": BUFFER_M, "resolution_m": RESOLUTION_M}


def context(net: Network, facilities: list[tuple[FacilityInput, float, float]]) -> SpatialContext:
    """One resident at the origin (areas do not depend on residents) and the facilities."""
    points = population_points([X0], [Y0], [1], [True], [EAST])
    fac = facility_points(
        [f for f, _, _ in facilities],
        [x + X0 for _, x, _ in facilities],
        [y + Y0 for _, _, y in facilities],
    )
    return SpatialContext(net, points, fac)


def along(x_from: float, x_to: float, y: float = 0.0) -> LineString:
    return LineString([(X0 + x_from, Y0 + y), (X0 + x_to, Y0 + y)])


def at(x: float, y: float = 0.0) -> Point:
    return Point(X0 + x, Y0 + y)


def assert_reaches(area: shapely.Geometry, reached: shapely.Geometry) -> None:
    """``area`` holds the inner buffer of ``reached`` and lies inside its outer buffer."""
    assert area.contains(reached.buffer(INNER_M))
    assert reached.buffer(OUTER_M).contains(area)


def circle_rule(
    minutes_urban: float | None = 15, minutes_rural: float | None = 30, *, applies: str = ""
) -> Rule:
    parameters: dict[str, Any] = {
        "facilities": [{"facility_types": ["community_health_center"]}],
        "mode": "walk",
    }
    if minutes_urban is not None:
        parameters["minutes_urban"] = minutes_urban
    if minutes_rural is not None:
        parameters["minutes_rural"] = minutes_rural
    settlements = applies.split() or ["urban", "rural"]
    low = min(m for m in (minutes_urban, minutes_rural) if m is not None)
    high = max(m for m in (minutes_urban, minutes_rural) if m is not None)
    return make_rule(
        kind="travel_time_coverage",
        applies_to=["city", "district", *settlements],
        parameters=parameters,
        target={"min": low, "max": high, "unit": "minutes"}
        if low != high
        else {"value": low, "unit": "minutes"},
    )


def test_urban_and_rural_thresholds_give_nested_isochrones() -> None:
    ctx = context(line([0, 750, 1500, 2250, 3000]), [(centre(), 0, 0)])

    urban, rural = rule_areas(circle_rule(), ctx, **RASTER)

    assert (urban.settlement, urban.threshold, urban.threshold_unit) == (Scope.URBAN, 15, "minutes")
    assert (rural.settlement, rural.threshold) == (Scope.RURAL, 30)
    assert (urban.measure, urban.mode, urban.direction) == ("travel_time", "walk", "to_facility")
    # 15 minutes on foot: 1,125 m of the street; 30 minutes: 2,250 m
    assert_reaches(urban.geometry, along(0, 1125))
    assert_reaches(rural.geometry, along(0, 2250))
    assert rural.geometry.contains(urban.geometry)


def test_one_area_when_the_thresholds_agree_or_one_settlement_counts() -> None:
    ctx = context(line([0, 750, 1500]), [(centre(), 0, 0)])

    (both,) = rule_areas(circle_rule(20, 20), ctx, **RASTER)
    (urban,) = rule_areas(circle_rule(15, None, applies="urban"), ctx, **RASTER)

    assert (both.settlement, both.threshold) == (None, 20)
    assert_reaches(both.geometry, along(0, 1500))
    assert (urban.settlement, urban.threshold) == (Scope.URBAN, 15)


def test_no_qualifying_facility_draws_an_empty_area() -> None:
    hospital = FacilityInput(1, "hospital", FacilityType.GENERAL_HOSPITAL, EAST)
    ctx = context(line([0, 750]), [(hospital, 0, 0)])

    areas = rule_areas(circle_rule(), ctx, **RASTER)

    assert [a.geometry.is_empty for a in areas] == [True, True]


def radius_rule(distance: str, *, urban_km: float | None, rural_km: float) -> Rule:
    parameters: dict[str, Any] = {
        "facilities": [{"facility_types": ["ems_station"]}],
        "distance": distance,
        "radius_km_rural": rural_km,
    }
    if urban_km is not None:
        parameters["radius_km_urban"] = urban_km
    if distance == "network":
        parameters["mode"] = "drive"
    low = urban_km if urban_km is not None else rural_km
    settlements = ["rural"] if urban_km is None else ["urban", "rural"]
    return make_rule(
        kind="radius_coverage",
        applies_to=["district", *settlements],
        parameters=parameters,
        target={"min": low, "max": rural_km, "unit": "km"}
        if low != rural_km
        else {"value": rural_km, "unit": "km"},
    )


def test_a_straight_radius_is_a_disk_round_each_station() -> None:
    ctx = context(line([0, 100]), [(station(1), 0, 0), (station(2), 30_000, 0)])

    urban, rural = rule_areas(radius_rule("straight", urban_km=5, rural_km=20), ctx, **RASTER)

    assert (urban.measure, urban.mode, urban.direction) == ("straight_distance", None, None)
    assert (urban.threshold, urban.threshold_unit, rural.threshold) == (5, "km", 20)
    # two disjoint 5 km disks (64-gons), two overlapping 20 km disks
    assert len(shapely.get_parts(urban.geometry)) == 2
    disk_m2 = math.pi * 5000.0**2
    assert 2 * 0.998 * disk_m2 <= urban.geometry.area <= 2 * disk_m2
    assert urban.geometry.contains(at(4990))
    assert not urban.geometry.contains(at(5010))
    # where the 20 km disks meet: 19.2 km from both stations, and 20.2 km
    assert rural.geometry.contains(at(15_000, 12_000))
    assert not rural.geometry.contains(at(15_000, 13_500))


def test_a_network_radius_follows_the_road() -> None:
    ctx = context(detour(), [(station(1), 0, 0)])

    (area,) = rule_areas(radius_rule("network", urban_km=None, rural_km=2.5), ctx, **RASTER)

    assert (area.settlement, area.measure, area.mode) == (Scope.RURAL, "network_distance", "drive")
    # 2.5 km of road: up the western leg (2 km) and 500 m along the northern one
    reached = LineString([(X0, Y0), (X0, Y0 + 2000), (X0 + 500, Y0 + 2000)])
    assert_reaches(area.geometry, reached)
    assert not area.geometry.contains(at(1000, 0))


def two_stations() -> Network:
    """Stations N (x 0) and F (x 19 km) with P (x 7 km) between them and Q (x 22 km) beyond F.

    N - P: 7 km of living street (an ambulance: 12 km/h); F - P: 12 km of motorway (72 km/h);
    F - Q: 3 km of motorway.
    """
    return network_from_arrays(
        np.array([0, 7000, 19000, 22000]) + X0,
        np.full(4, Y0),
        np.array([0, 2, 2]),
        np.array([1, 1, 3]),
        ["living_street", "motorway", "motorway"],
        crs=CRS,
    )


def test_an_ems_area_holds_to_both_the_time_and_the_distance() -> None:
    ctx = context(two_stations(), [(station(1), 0, 0), (station(2), 19_000, 0)])

    (area,) = rule_areas(ems_rule(minutes=15, radius_km=8), ctx, **RASTER)
    (by_time,) = rule_areas(ems_rule(minutes=15), ctx, **RASTER)

    assert (area.settlement, area.threshold, area.mode, area.direction) == (
        None,
        15,
        "ems",
        "from_facility",
    )
    # 12 minutes after dispatch: 2.4 km of living street from N, 14.4 km of motorway from F,
    # which the 8 km radius cuts to 8 km; Q (3 km from F) is within both
    assert_reaches(area.geometry, shapely.union_all([along(0, 2400), along(11_000, 22_000)]))
    assert by_time.geometry.contains(at(7000))
    assert not area.geometry.contains(at(7000))


def test_a_rule_without_an_area_is_refused() -> None:
    ctx = context(line([0, 750]), [(centre(), 0, 0)])
    fleet = make_rule(
        kind="fleet_ratio",
        applies_to=["city"],
        parameters={
            "measure": "fleet_size",
            "facilities": [{"facility_types": ["ems_station"]}],
            "per_population": 30000,
            "base_multiplier_county": 3.0,
        },
        target={"value": 30000, "unit": "residents_per_ambulance"},
    )

    with pytest.raises(NormEvaluationError, match="no covered area"):
        rule_areas(fleet, ctx)
