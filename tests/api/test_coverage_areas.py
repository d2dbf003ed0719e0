"""``/coverage/areas`` (and a scenario's ``/gaps``) on the tiny prepared city.

The tiny city (tests/fixtures/compliance_city.py): one street along 28.05°N, a node every 0.01°
(about 982 m); a community health centre at 113.02 (east) and a township centre at 112.95
(west); an EMS station at 113.05. By car (20 km/h) 15 minutes are 5 km, 30 minutes 10 km; an
ambulance covers 4.8 km in 15 minutes after its 3-minute dispatch.
"""

from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, box, shape

from tests.fixtures.compliance_city import CITY, EAST, LAT, WEST

AREAS = "/api/v1/coverage/areas"
# the units' squares (tests/conftest.py add_tiny_city)
UNITS = {EAST: box(113.0, 28.0, 113.1, 28.1), WEST: box(112.9, 28.0, 113.0, 28.1)}


def areas(client: TestClient, rule: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(AREAS, params={"city": CITY, "rule": rule, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return cast("list[dict[str, Any]]", body["features"])


def by_unit(features: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["properties"]["region_adcode"], f["properties"]["settlement"]): f for f in features}


def on_street(lon: float) -> Point:
    return Point(lon, LAT)


def test_care_circle_areas_per_unit_and_threshold(prepared: TestClient) -> None:
    features = by_unit(areas(prepared, "tiny.care_circle"))

    assert set(features) == {(EAST, "urban"), (EAST, "rural"), (WEST, "urban"), (WEST, "rural")}
    props = {key: f["properties"] for key, f in features.items()}
    assert {k: (p["threshold"], p["threshold_unit"]) for k, p in props.items()} == {
        (EAST, "urban"): (15, "minutes"),
        (EAST, "rural"): (30, "minutes"),
        (WEST, "urban"): (15, "minutes"),
        (WEST, "rural"): (30, "minutes"),
    }
    # east: A (urban, 1 node) within 15 minutes, B (urban, 7 nodes) not; C (rural) within 30
    assert {k: (p["residents_counted"], p["residents_covered"]) for k, p in props.items()} == {
        (EAST, "urban"): (3000, 1000),
        (EAST, "rural"): (3000, 3000),
        (WEST, "urban"): (500, 500),
        (WEST, "rural"): (4000, 4000),
    }
    first = props[(EAST, "urban")]
    assert (first["measure"], first["mode"], first["direction"]) == (
        "travel_time",
        "drive",
        "to_facility",
    )
    assert (first["kind"], first["region_name"], first["facilities"]) == (
        "travel_time_coverage",
        "东区",
        2,
    )
    assert first["scenario_id"] is None

    # the drawn areas agree with the residents: 15 minutes reach 113.07 east, 30 the street's end
    urban_east = shape(features[(EAST, "urban")]["geometry"])
    rural_east = shape(features[(EAST, "rural")]["geometry"])
    assert urban_east.contains(on_street(113.06))
    assert not urban_east.contains(on_street(113.09))
    assert rural_east.contains(on_street(113.09))
    for (unit, _), feature in features.items():
        geometry = shape(feature["geometry"])
        assert geometry.geom_type in {"Polygon", "MultiPolygon"}
        # within the unit, to a metre (the outline is cut in UTM, then rounded)
        assert UNITS[unit].buffer(1e-5).contains(geometry)
        assert feature["properties"]["area_km2"] > 0


def test_areas_add_up_to_the_compliance_verdicts(prepared: TestClient) -> None:
    report = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    values = {(r["rule_id"], r["region_adcode"]): r["value"] for r in report["results"]}

    for rule in ("tiny.care_circle", "tiny.ems_radius", "tiny.ems_8km_15min"):
        features = areas(prepared, rule)
        for unit in (EAST, WEST):
            props = [f["properties"] for f in features if f["properties"]["region_adcode"] == unit]
            counted = sum(p["residents_counted"] for p in props)
            covered = sum(p["residents_covered"] for p in props)
            if counted:
                assert covered / counted == pytest.approx(values[(rule, unit)]), (rule, unit)


def test_a_straight_radius_is_a_disk_and_an_ems_area_holds_to_time(prepared: TestClient) -> None:
    radius = by_unit(areas(prepared, "tiny.ems_radius"))
    disk = shape(radius[(EAST, "urban")]["geometry"])
    assert radius[(EAST, "urban")]["properties"]["measure"] == "straight_distance"
    assert radius[(EAST, "urban")]["properties"]["mode"] is None
    # 5 km round the station at 113.05: 0.0509° of longitude at 28.05°N
    assert disk.contains(on_street(113.0995))
    assert not disk.contains(Point(113.05, LAT + 0.046))

    ems = by_unit(areas(prepared, "tiny.ems_8km_15min"))
    assert set(ems) >= {(EAST, "all")}
    props = ems[(EAST, "all")]["properties"]
    assert (props["mode"], props["direction"], props["threshold"]) == ("ems", "from_facility", 15)
    assert (props["residents_counted"], props["residents_covered"]) == (6000, 6000)
    # 4.8 km each way along the street from 113.05: B at 113.09 inside, nothing north of it
    area = shape(ems[(EAST, "all")]["geometry"])
    assert area.contains(on_street(113.09))
    assert not area.contains(Point(113.05, LAT + 0.01))


def test_coordinates_are_rounded_to_a_tenth_of_a_metre(prepared: TestClient) -> None:
    (feature, *_) = areas(prepared, "tiny.care_circle")
    ring = feature["geometry"]["coordinates"][0]
    if feature["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert all(round(c, 6) == c for point in ring for c in point)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"city": CITY}, 422, "rule"),
        ({"city": CITY, "rule": "tiny.nothing"}, 422, "rule"),
        ({"city": CITY, "rule": "tiny.ambulance_fleet"}, 422, "rule"),
        ({"city": "4399", "rule": "tiny.care_circle"}, 422, "city"),
        ({"city": CITY, "rule": "tiny.care_circle", "scenario": 0}, 422, "scenario"),
        ({"city": CITY, "rule": "tiny.care_circle", "scenario": 999_999}, 404, "scenario"),
    ],
)
def test_bad_parameters_are_named(
    prepared: TestClient, params: dict[str, Any], status: int, field: str
) -> None:
    response = prepared.get(AREAS, params=params)

    assert response.status_code == status, response.text
    assert field in {d["field"] for d in response.json()["error"]["details"]}


def test_an_unprepared_city_names_the_demo_command(api: TestClient) -> None:
    response = api.get(AREAS, params={"city": CITY, "rule": "tiny.care_circle"})

    assert response.status_code == 409
    assert "fplan demo --city 439900" in response.json()["error"]["message"]


def add_centre_at_b(client: TestClient, headers: dict[str, str] | None = None) -> int:
    created = client.post(
        "/api/v1/scenarios", json={"name": "centre at B", "city": CITY}, headers=headers
    )
    assert created.status_code == 201, created.text
    scenario_id = int(created.json()["id"])
    change = {
        "kind": "add",
        "geometry": {"type": "Point", "coordinates": [113.09, LAT]},
        "properties": {"name": "拟建中心", "type": "community_health_center"},
    }
    added = client.post(f"/api/v1/scenarios/{scenario_id}/changes", json=change, headers=headers)
    assert added.status_code == 201, added.text
    return scenario_id


def test_a_scenario_draws_its_new_site_and_closes_its_gap(prepared: TestClient) -> None:
    before = prepared.get("/api/v1/gaps", params={"city": CITY, "rule": "tiny.care_circle"})
    assert [f["properties"]["residents"] for f in before.json()["features"]] == [2000]
    scenario_id = add_centre_at_b(prepared)

    features = by_unit(areas(prepared, "tiny.care_circle", scenario=scenario_id))
    urban_east = features[(EAST, "urban")]
    assert urban_east["properties"]["scenario_id"] == scenario_id
    assert urban_east["properties"]["facilities"] == 3
    assert (
        urban_east["properties"]["residents_counted"],
        urban_east["properties"]["residents_covered"],
    ) == (3000, 3000)
    assert shape(urban_east["geometry"]).contains(on_street(113.09))

    after = prepared.get(
        "/api/v1/gaps", params={"city": CITY, "rule": "tiny.care_circle", "scenario": scenario_id}
    )
    assert after.status_code == 200, after.text
    assert after.json()["features"] == []
    # the other rules' zones are those of the register: the centre does not count for them
    every = prepared.get("/api/v1/gaps", params={"city": CITY, "scenario": scenario_id}).json()
    baseline = prepared.get("/api/v1/gaps", params={"city": CITY}).json()
    residents = sorted(
        (f["properties"]["rule_id"], f["properties"]["residents"]) for f in every["features"]
    )
    assert residents == sorted(
        (f["properties"]["rule_id"], f["properties"]["residents"])
        for f in baseline["features"]
        if f["properties"]["rule_id"] != "tiny.care_circle"
    )


def test_another_planners_scenario_is_not_found(prepared: TestClient, auth_headers: Any) -> None:
    scenario_id = add_centre_at_b(prepared, auth_headers("planner"))
    other = auth_headers("viewer")

    for path, params in (
        (AREAS, {"rule": "tiny.care_circle"}),
        ("/api/v1/gaps", {"rule": "tiny.care_circle"}),
    ):
        response = prepared.get(
            path, params={"city": CITY, "scenario": scenario_id, **params}, headers=other
        )
        assert response.status_code == 404, response.text
        assert response.json()["error"]["details"][0]["field"] == "scenario"
