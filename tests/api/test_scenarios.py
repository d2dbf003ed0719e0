"""``/scenarios`` round trips on the tiny prepared city (``tests/fixtures/compliance_city.py``).

The street runs along 28.05°N with a node every 0.01°; by car (20 km/h on a residential street)
one node is about 2.9 minutes. Baseline: urban cell B (113.09, 2,000 residents) is 7 nodes from
the community health centre at 113.02, beyond the 15-minute circle; urban cell E (112.99, 500) is
6 nodes (≈ 5.9 km) from the EMS station at 113.05, beyond the 5 km urban radius.
"""

from collections.abc import Callable
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Facility
from tests._english import english_sentences
from tests.fixtures.compliance_city import CITY, EAST, LAT, WEST
from tests.fixtures.compliance_city import prepare as prepare_city

Headers = dict[str, str]


@pytest.fixture
def facilities(db_session: Session, api: TestClient) -> dict[str, Facility]:
    return prepare_city(db_session)


@pytest.fixture
def planner(make_token: Callable[..., str]) -> Headers:
    return {"Authorization": f"Bearer {make_token('planner', 'planner-a')}"}


@pytest.fixture
def other_planner(make_token: Callable[..., str]) -> Headers:
    return {"Authorization": f"Bearer {make_token('planner', 'planner-b')}"}


def add(lon: float, name: str, type_: str, **props: object) -> dict[str, Any]:
    return {
        "kind": "add",
        "geometry": {"type": "Point", "coordinates": [lon, LAT]},
        "properties": {"name": name, "type": type_, **props},
    }


def register(db_session: Session) -> list[tuple[Any, ...]]:
    """Every facility row with its location: what a scenario must never change."""
    rows = db_session.execute(
        select(Facility, func.ST_AsText(Facility.geom)).order_by(Facility.id)
    ).all()
    return [
        (f.id, f.name, f.type, f.ambulances, f.beds, f.version, f.updated_at, wkt)
        for f, wkt in rows
    ]


def create(api: TestClient, headers: Headers, **body: object) -> dict[str, Any]:
    response = api.post(
        "/api/v1/scenarios", json={"city": CITY, "name": "test", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return cast("dict[str, Any]", response.json())


def test_scenario_round_trip(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    created = create(api, planner, name="东区新中心", description="一个新的社区卫生服务中心")
    sid = created["id"]
    assert (created["author"], created["version"], created["changes"]) == ("planner-a", 1, [])

    got = api.get(f"/api/v1/scenarios/{sid}", headers=planner)
    assert got.status_code == 200
    assert got.headers["ETag"] == f'"{sid}-1"'

    patched = api.patch(
        f"/api/v1/scenarios/{sid}",
        json={"name": "renamed", "shared": True},
        headers={**planner, "If-Match": f'"{sid}-1"'},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["shared"], patched.json()["version"]) == (
        "renamed",
        True,
        2,
    )
    stale = api.patch(
        f"/api/v1/scenarios/{sid}",
        json={"name": "x"},
        headers={**planner, "If-Match": f'"{sid}-1"'},
    )
    assert stale.status_code == 412

    listed = api.get("/api/v1/scenarios", params={"city": CITY}, headers=planner).json()
    assert [s["id"] for s in listed["scenarios"]] == [sid]
    assert listed["scenarios"][0]["n_changes"] == 0

    assert api.delete(f"/api/v1/scenarios/{sid}", headers=planner).status_code == 204
    assert api.get(f"/api/v1/scenarios/{sid}", headers=planner).status_code == 404


def test_every_change_kind_is_stored_and_the_register_is_untouched(
    api: TestClient, db_session: Session, facilities: dict[str, Facility], planner: Headers
) -> None:
    before = register(db_session)
    sid = create(api, planner)["id"]
    station, centre, township = (facilities[k].id for k in ("station", "centre", "township"))
    changes = [
        add(113.09, "新社区中心", "community_health_center", beds=20),
        {"kind": "close", "facility_id": township},
        {
            "kind": "move",
            "facility_id": centre,
            "geometry": {"type": "Point", "coordinates": [113.04, LAT]},
        },
        {"kind": "update", "facility_id": station, "properties": {"ambulances": 6}},
    ]
    for change in changes:
        response = api.post(f"/api/v1/scenarios/{sid}/changes", json=change, headers=planner)
        assert response.status_code == 201, response.text

    scenario = api.get(f"/api/v1/scenarios/{sid}", headers=planner).json()
    assert scenario["version"] == 5
    stored = [
        (c["seq"], c["kind"], c["facility_id"], c["facility_name"], c["region_adcode"])
        for c in scenario["changes"]
    ]
    assert stored == [
        (1, "add", None, "新社区中心", EAST),
        (2, "close", township, "西县乡镇卫生院", None),
        (3, "move", centre, "东区社区卫生服务中心", EAST),
        (4, "update", station, "东区急救站", None),
    ]
    assert scenario["changes"][0]["geometry"]["coordinates"] == [113.09, LAT]
    assert scenario["changes"][3]["properties"] == {"ambulances": 6}

    report = api.get(f"/api/v1/scenarios/{sid}/compliance", headers=planner).json()
    assert report["scenario_id"] == sid
    rows = {(r["rule_id"], r["region_adcode"]): r for r in report["results"]}
    # with the township centre closed only E (500, 112.99) is within 15 minutes of the centre
    # moved to 113.04 (5 nodes, ≈ 14.7 minutes); D (4,000) is 13 nodes away
    assert rows[("tiny.care_circle", WEST)]["value"] == 500 / 4500
    # 6 ambulances in the east (100,000 residents need 4)
    assert rows[("tiny.ambulance_fleet", EAST)]["value"] == 6.0
    assert register(db_session) == before


def test_an_added_site_answers_with_an_incremental_quick_diff(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(api, planner)["id"]
    response = api.post(
        f"/api/v1/scenarios/{sid}/changes",
        json=add(113.09, "新社区中心", "community_health_center"),
        headers=planner,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["change"]["kind"] == "add"
    assert response.headers["ETag"] == f'"{sid}-2"'
    quick = body["quick_diff"]
    assert quick["ms"] >= 0
    assert quick["off_network"] is False
    # a community health centre counts for the care circle only (not for EMS rules)
    (rule,) = quick["rules"]
    assert (rule["rule_id"], rule["method"]) == ("tiny.care_circle", "incremental")
    regions = {r["region_adcode"]: r for r in rule["regions"]}
    east = regions[EAST]
    assert (east["value_before"], east["value_after"]) == (4000 / 6000, 1.0)
    assert (east["passed_before"], east["passed_after"]) == (False, True)
    assert (east["residents_gained"], regions[CITY]["residents_gained"]) == (2000, 2000)
    assert regions[WEST]["residents_gained"] == 0

    # the quick diff agrees with the full report of the scenario
    report = api.get("/api/v1/compliance", params={"city": CITY, "scenario": sid}).json()
    full = {
        r["region_adcode"]: r["value"] for r in report["results"] if r["rule_id"] == rule["rule_id"]
    }
    assert full == {r["region_adcode"]: r["value_after"] for r in rule["regions"]}


def test_successive_sites_merge_into_the_previous_state(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(api, planner)["id"]
    first = api.post(
        f"/api/v1/scenarios/{sid}/changes",
        json=add(113.09, "新社区中心", "community_health_center"),
        headers=planner,
    ).json()["quick_diff"]
    second = api.post(
        f"/api/v1/scenarios/{sid}/changes",
        json=add(112.99, "新急救站", "ems_station", ambulances=5, negative_pressure_ambulances=2),
        headers=planner,
    ).json()["quick_diff"]

    assert [r["rule_id"] for r in first["rules"]] == ["tiny.care_circle"]
    rules = {r["rule_id"]: r for r in second["rules"]}
    assert {k: r["method"] for k, r in rules.items()} == {
        "tiny.ems_radius": "incremental",
        "tiny.ems_8km_15min": "full",
    }
    # E (500 urban residents at 112.99) comes within 5 km and within 8 km / 15 minutes
    for rule_id in rules:
        west = next(r for r in rules[rule_id]["regions"] if r["region_adcode"] == WEST)
        assert west["residents_gained"] == 500, rule_id
    # the second quick diff starts from the first site's state, kept in memory
    assert (first["previous_in_memory"], second["previous_in_memory"]) == (False, True)


def test_diff_against_the_baseline(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(api, planner)["id"]
    for change in (
        add(113.09, "新社区中心", "community_health_center"),
        add(112.99, "新急救站", "ems_station", ambulances=5, negative_pressure_ambulances=2),
    ):
        api.post(f"/api/v1/scenarios/{sid}/changes", json=change, headers=planner)

    response = api.get(f"/api/v1/scenarios/{sid}/diff", headers=planner)

    assert response.status_code == 200, response.text
    diff = response.json()
    assert diff["scenario_run_id"] != diff["baseline_run_id"]
    rows = {(r["rule_id"], r["region_adcode"]): r for r in diff["rules"]}
    assert len(rows) == 12
    circle = rows[("tiny.care_circle", EAST)]
    assert (circle["flip"], circle["residents_gained"], circle["residents_lost"]) == (
        "fail_to_pass",
        2000,
        0,
    )
    assert rows[("tiny.care_circle", CITY)]["residents_gained"] == 2000
    fleet = rows[("tiny.ambulance_fleet", WEST)]
    # the west county needs 50,000 × 300% / 30,000 = 5 ambulances: now there are 5
    assert (fleet["flip"], fleet["shortfall_before"], fleet["shortfall_after"]) == (
        "fail_to_pass",
        5.0,
        0.0,
    )
    assert fleet["residents_gained"] is None
    assert diff["summary"]["fail_to_pass"] == sum(
        r["flip"] == "fail_to_pass" for r in rows.values()
    )
    assert diff["summary"]["residents_gained"]["tiny.ems_radius"] == 500
    vanished = sorted(
        (f["properties"]["rule_id"], f["properties"]["region_adcode"], f["properties"]["residents"])
        for f in diff["gaps"]["features"]
        if f["properties"]["change"] == "vanished"
    )
    assert vanished == [
        ("tiny.care_circle", EAST, 2000),
        ("tiny.ems_8km_15min", WEST, 500),
        ("tiny.ems_radius", WEST, 500),
    ]
    assert all(f["properties"]["change"] == "vanished" for f in diff["gaps"]["features"])
    # the east still lacks ambulances: 100,000 residents need 4, it has 2
    missing = {(m["rule_id"], m["region_adcode"]): m for m in diff["still_missing"]}
    east = missing[("tiny.ambulance_fleet", EAST)]
    assert (east["shortfall_unit"], east["before"], east["after"]) == ("ambulances", 2.0, 2.0)
    assert ("tiny.ambulance_fleet", WEST) not in missing


def test_closing_a_facility_loses_coverage(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(api, planner, changes=[{"kind": "close", "facility_id": facilities["centre"].id}])[
        "id"
    ]

    diff = api.get(f"/api/v1/scenarios/{sid}/diff", headers=planner).json()

    east = next(
        r for r in diff["rules"] if (r["rule_id"], r["region_adcode"]) == ("tiny.care_circle", EAST)
    )
    # without the centre nobody in the east is within reach: A (1,000) and C (3,000) lose it
    assert (east["residents_gained"], east["residents_lost"], east["value_after"]) == (0, 4000, 0.0)
    appeared = {
        f["properties"]["residents"]
        for f in diff["gaps"]["features"]
        if f["properties"]["change"] == "appeared"
    }
    assert appeared == {1000, 3000}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (add(113.05, "x", "hospital"), "properties.type", "must be one of: general_hospital, "),
        (add(120.0, "x", "ems_station"), "geometry.coordinates", "outside every region"),
        (
            add(113.05, "x", "ems_station", ambulances=1, negative_pressure_ambulances=2),
            "properties.negative_pressure_ambulances",
            "exceeds ambulances",
        ),
        ({"kind": "close", "facility_id": 999_999}, "facility_id", "not a facility of city"),
        # a union's tag is checked at the body: the message names it
        (
            {"kind": "teleport", "facility_id": 1},
            "",
            "has an unknown kind teleport; must be one of: add, ",
        ),
        ({"kind": "update", "facility_id": 1, "properties": {}}, "properties", "at least one"),
    ],
)
def test_bad_changes_are_refused_naming_the_field(
    api: TestClient,
    db_session: Session,
    facilities: dict[str, Facility],
    planner: Headers,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    sid = create(api, planner)["id"]
    if change.get("kind") == "update":
        change = {**change, "facility_id": facilities["station"].id}

    path = f"/api/v1/scenarios/{sid}/changes"
    response = api.post(path, params={"lang": "en"}, json=change, headers=planner)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert not field or any(d["field"].endswith(field) for d in error["details"]), error
    assert any(words in d["msg"] for d in error["details"]), error
    chinese = api.post(path, json=change, headers=planner).json()["error"]
    said = [chinese["message"], *(d["msg"] for d in chinese["details"])]
    assert [s for s in said if english_sentences(s)] == []
    scenario = api.get(f"/api/v1/scenarios/{sid}", headers=planner).json()
    assert (scenario["version"], scenario["changes"]) == (1, [])


def test_a_facility_is_closed_once(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    close = {"kind": "close", "facility_id": facilities["township"].id}
    sid = create(api, planner, changes=[close])["id"]

    again = api.post(f"/api/v1/scenarios/{sid}/changes", json=close, headers=planner)

    assert again.status_code == 422
    township = facilities["township"].id
    assert again.json()["error"]["message"] == f"机构 {township} 在本方案中已被关闭"


def test_a_facility_of_another_city_is_refused(
    api: TestClient, db_session: Session, facilities: dict[str, Facility], planner: Headers
) -> None:
    outside = Facility(
        name="外市医院", type="general_hospital", source="real", geom="SRID=4326;POINT(110 25)"
    )
    db_session.add(outside)
    db_session.flush()

    response = api.post(
        "/api/v1/scenarios",
        json={"city": CITY, "name": "x", "changes": [{"kind": "close", "facility_id": outside.id}]},
        headers=planner,
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "changes.0.facility_id"
    assert api.get("/api/v1/scenarios", headers=planner).json()["scenarios"] == []


def test_unknown_city_is_refused(api: TestClient, planner: Headers) -> None:
    response = api.post("/api/v1/scenarios", json={"city": "439999", "name": "x"}, headers=planner)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "city"


def test_compliance_checks_the_scenario_parameter(
    api: TestClient, db_session: Session, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(api, planner)["id"]

    unknown = api.get("/api/v1/compliance", params={"city": CITY, "scenario": sid + 1000})
    other_city = api.get("/api/v1/compliance", params={"city": EAST, "scenario": sid})
    baseline = api.get("/api/v1/compliance", params={"city": CITY}).json()
    empty = api.get("/api/v1/compliance", params={"city": CITY, "scenario": sid}).json()

    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == f"没有编号为 {sid + 1000} 的方案"
    assert unknown.json()["error"]["details"][0]["field"] == "scenario"
    assert other_city.status_code == 422
    assert other_city.json()["error"]["details"][0]["field"] == "scenario"
    # a scenario without changes: the baseline's results, in a run of its own
    assert (baseline["scenario_id"], empty["scenario_id"]) == (None, sid)
    assert empty["results"] == baseline["results"]


def test_scenarios_are_private_until_shared(
    api: TestClient, facilities: dict[str, Facility], planner: Headers, other_planner: Headers
) -> None:
    sid = create(api, planner)["id"]
    path = f"/api/v1/scenarios/{sid}"

    assert api.get(path, headers=other_planner).status_code == 404
    assert api.get("/api/v1/scenarios", headers=other_planner).json()["scenarios"] == []
    # the test client's default token is an admin's: admins see every scenario
    assert api.get(path).status_code == 200

    shared = api.patch(path, json={"shared": True}, headers={**planner, "If-Match": f'"{sid}-1"'})
    assert shared.status_code == 200, shared.text
    assert api.get(path, headers=other_planner).status_code == 200
    refused = api.post(
        f"{path}/changes",
        json={"kind": "close", "facility_id": facilities["centre"].id},
        headers=other_planner,
    )
    assert refused.status_code == 403
    assert api.delete(path, headers=other_planner).status_code == 403


def test_writes_need_a_planner_token(api: TestClient, make_token: Callable[..., str]) -> None:
    viewer = {"Authorization": f"Bearer {make_token('viewer')}"}

    response = api.post("/api/v1/scenarios", json={"city": CITY, "name": "x"}, headers=viewer)

    assert response.status_code == 403


def test_a_change_can_be_withdrawn(
    api: TestClient, facilities: dict[str, Facility], planner: Headers
) -> None:
    sid = create(
        api,
        planner,
        changes=[
            {"kind": "close", "facility_id": facilities["township"].id},
            {"kind": "close", "facility_id": facilities["centre"].id},
        ],
    )["id"]
    first = api.get(f"/api/v1/scenarios/{sid}", headers=planner).json()["changes"][0]

    response = api.delete(f"/api/v1/scenarios/{sid}/changes/{first['id']}", headers=planner)

    assert response.status_code == 200, response.text
    assert [c["seq"] for c in response.json()["changes"]] == [2]
    missing = api.delete(f"/api/v1/scenarios/{sid}/changes/{first['id']}", headers=planner)
    assert missing.status_code == 404
