"""``POST /optimize`` on the tiny prepared city (``tests/fixtures/compliance_city.py``).

Baseline of the care circle (15 minutes urban, 30 rural, by car): only cell B (113.09, 2,000
urban residents, 7 nodes from the centre at 113.02) is beyond it. Of the EMS station's 5 km
(straight) urban / 20 km rural radius, urban cell E (112.99, 500) is beyond it; rural D (112.91,
4,000) is 13.7 km away, within the rural 20 km. With a bare 5 km radius both are beyond it.
A node is 0.01° (about 982 m) along the street; a car on it needs about 177 s.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_norm_catalogues
from app.db.models import Facility
from app.main import create_app
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, EAST, LAT, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city

ALL_RESIDENTS = 1000 + 2000 + 3000 + 4000 + 500


@pytest.fixture
def api(
    client: TestClient, tmp_path: Path, tiny_city: None, make_token: Callable[..., str]
) -> Iterator[TestClient]:
    norms = tiny_norms(tmp_path)
    app = cast("FastAPI", client.app)
    app.dependency_overrides[get_norm_catalogues] = lambda: norms
    client.headers["Authorization"] = f"Bearer {make_token('planner', 'planner-a')}"
    yield client
    app.dependency_overrides.pop(get_norm_catalogues)


@pytest.fixture
def facilities(db_session: Session, api: TestClient) -> dict[str, Facility]:
    return prepare_city(db_session)


def points(*lons: float) -> list[dict[str, float]]:
    return [{"lon": lon, "lat": LAT} for lon in lons]


def optimize(api: TestClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/optimize", json={"city": CITY, **body})
    assert response.status_code == 200, response.text
    return cast("dict[str, Any]", response.json())


@pytest.mark.usefixtures("facilities")
def test_mclp_on_a_rule(api: TestClient) -> None:
    result = optimize(
        api,
        model="mclp",
        rule_id="tiny.care_circle",
        k=1,
        facility_type="community_health_center",
        candidates=points(112.93, 113.10),
    )

    (site,) = result["chosen"]
    assert (site["lon"], site["lat"], site["type"]) == (113.10, LAT, "community_health_center")
    assert (result["objective"], result["gain"], site["residents"]) == (2000, 2000, 2000)
    assert (result["population_total"], result["population_baseline"]) == (ALL_RESIDENTS, 8500)
    assert result["population_covered"] == ALL_RESIDENTS
    assert (result["exact"], result["bound"], result["solver"]) == (True, 2000, "highs-milp")
    assert (result["candidates"], result["demand_cells"]) == (2, 5)


@pytest.mark.usefixtures("facilities")
def test_lscp_needs_one_site_among_the_gap_nodes(api: TestClient) -> None:
    result = optimize(
        api, model="lscp", rule_id="tiny.care_circle", candidates="gaps", spacing_m=500
    )

    # beyond 15 minutes of a care facility lie the nodes at 113.08, 113.09 and 113.10
    assert result["candidates"] == 3
    (site,) = result["chosen"]
    assert round(site["lon"], 2) in {113.08, 113.09, 113.10}
    assert (result["objective"], result["population_covered"]) == (1, ALL_RESIDENTS)
    assert result["exact"] is True


@pytest.mark.usefixtures("facilities")
def test_pmedian_minimises_travel(api: TestClient) -> None:
    result = optimize(
        api,
        model="pmedian",
        minutes=60,
        mode="drive",
        facility_type="township_health_center",
        k=1,
        candidates=points(112.93, 113.10),
    )

    # the only township centre (112.95) serves everyone: A is 8 nodes away, B 14, C 13, D 4,
    # E 4. A site at 113.10 brings A to 7, B to 1 and C to 2; one at 112.93 brings D to 2
    (site,) = result["chosen"]
    assert site["lon"] == 113.10
    node_s = 982 / (20 / 3.6)
    saved_nodes = 1000 * 1 + 2000 * 13 + 3000 * 11
    assert result["gain"] == pytest.approx(saved_nodes * node_s, rel=0.01)
    assert (result["exact"], result["population_covered"]) == (True, ALL_RESIDENTS)


@pytest.mark.usefixtures("facilities")
def test_mclp_on_a_straight_radius(api: TestClient) -> None:
    result = optimize(
        api,
        model="mclp",
        radius_km=5,
        facility_type="ems_station",
        k=1,
        candidates=points(112.91, 112.95, 112.99),
    )

    # 112.95 is within 5 km of both D (112.91) and E (112.99)
    (site,) = result["chosen"]
    assert site["lon"] == 112.95
    assert (result["gain"], result["population_baseline"]) == (4500, ALL_RESIDENTS - 4500)


def test_an_upgrade_is_saved_as_a_scenario(
    api: TestClient, facilities: dict[str, Facility]
) -> None:
    result = optimize(
        api,
        model="mclp",
        rule_id="tiny.ems_radius",
        k=1,
        candidates="upgrade:township_health_center",
        save_as_scenario="急救站选址",
    )

    # the township centre (112.95) is 4 nodes (≈ 3.9 km) from E
    (site,) = result["chosen"]
    assert (site["facility_id"], site["type"], result["gain"]) == (
        facilities["township"].id,
        "ems_station",
        500,
    )
    scenario = api.get(f"/api/v1/scenarios/{result['scenario_id']}").json()
    assert scenario["name"] == "急救站选址"
    assert scenario["author"] == "planner-a"
    # the tiny plan counts EMS stations only: a station is added beside the centre
    (change,) = scenario["changes"]
    assert (change["kind"], change["properties"]["type"]) == ("add", "ems_station")
    report = api.get(f"/api/v1/scenarios/{scenario['id']}/compliance").json()
    radius = {
        r["region_adcode"]: r["passed"]
        for r in report["results"]
        if r["rule_id"] == "tiny.ems_radius"
    }
    assert radius == {CITY: True, EAST: True, "439902": True}


def test_listed_facilities_are_upgrade_candidates(
    api: TestClient, facilities: dict[str, Facility]
) -> None:
    centre, township = facilities["centre"].id, facilities["township"].id

    result = optimize(
        api,
        model="lscp",
        rule_id="tiny.ems_radius",
        candidates=[{"facility_id": centre}, {"facility_id": township, "name": "乡镇院"}],
    )

    # E (112.99) is 3 nodes from the centre and 4 from the township centre: either covers it,
    # and one site is the fewest
    (site,) = result["chosen"]
    assert site["facility_id"] in {centre, township}
    assert (result["objective"], result["gain"], result["candidates"]) == (1, 500, 2)


@pytest.mark.usefixtures("facilities")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "mclp", "rule_id": "tiny.care_circle"}, "k"),
        ({"model": "lscp", "rule_id": "tiny.care_circle", "k": 2}, "k"),
        ({"model": "mclp", "k": 1}, "rule_id"),
        ({"model": "mclp", "k": 1, "rule_id": "tiny.care_circle", "minutes": 10}, "minutes"),
        ({"model": "mclp", "k": 1, "rule_id": "tiny.nothing"}, "rule_id"),
        ({"model": "mclp", "k": 1, "rule_id": "tiny.ambulance_fleet"}, "rule_id"),
        ({"model": "kmeans", "k": 1, "rule_id": "tiny.care_circle"}, "model"),
        ({"model": "mclp", "k": 0, "rule_id": "tiny.care_circle"}, "k"),
        ({"model": "mclp", "k": 1, "minutes": 15}, "facility_type"),
        (
            {"model": "mclp", "k": 1, "rule_id": "tiny.care_circle", "candidates": "upgrade:x"},
            "candidates",
        ),
        (
            {
                "model": "mclp",
                "k": 1,
                "rule_id": "tiny.care_circle",
                "candidates": [{"lon": 120.0, "lat": 30.0}],
            },
            "candidates.0",
        ),
        (
            {
                "model": "mclp",
                "k": 1,
                "rule_id": "tiny.care_circle",
                "facility_type": "ems_station",
            },
            "facility_type",
        ),
        (
            {
                "model": "mclp",
                "k": 1,
                "rule_id": "tiny.care_circle",
                "candidates": [{"facility_id": 999_999}],
            },
            "candidates.0",
        ),
        (
            {"model": "mclp", "k": 1, "rule_id": "tiny.care_circle", "candidates": [{"lon": 113}]},
            "candidates.points.0",
        ),
    ],
)
def test_bad_requests_name_the_field(api: TestClient, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/v1/optimize", json={"city": CITY, **body})

    assert response.status_code == 422, response.text
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert field in fields


def test_optimize_needs_a_planner(api: TestClient, make_token: Callable[..., str]) -> None:
    viewer = {"Authorization": f"Bearer {make_token('viewer')}"}

    response = api.post(
        "/api/v1/optimize",
        json={"city": CITY, "model": "lscp", "rule_id": "tiny.care_circle"},
        headers=viewer,
    )

    assert response.status_code == 403


def test_sites_are_chosen_on_top_of_a_scenario(
    api: TestClient, facilities: dict[str, Facility], make_token: Callable[..., str]
) -> None:
    # the scenario already opens a centre beside cell B, the care circle's only gap
    created = api.post(
        "/api/v1/scenarios",
        json={
            "city": CITY,
            "name": "centre at B",
            "changes": [
                {
                    "kind": "add",
                    "geometry": {"type": "Point", "coordinates": [113.10, LAT]},
                    "properties": {"name": "B centre", "type": "community_health_center"},
                }
            ],
        },
    )
    assert created.status_code == 201, created.text
    scenario_id = created.json()["id"]
    body = {
        "model": "mclp",
        "rule_id": "tiny.care_circle",
        "k": 1,
        "facility_type": "community_health_center",
        "candidates": points(112.93, 113.10),
    }

    on_register = optimize(api, **body)
    on_scenario = optimize(api, **body, scenario_id=scenario_id)

    assert (on_register["population_baseline"], on_register["gain"]) == (8500, 2000)
    assert (on_scenario["population_baseline"], on_scenario["gain"]) == (ALL_RESIDENTS, 0)
    # sites chosen on a scenario go into it, not into another one
    refused = api.post(
        "/api/v1/optimize",
        json={"city": CITY, **body, "scenario_id": scenario_id, "save_as_scenario": "copy"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "save_as_scenario"
    # another planner does not see it
    other = {"Authorization": f"Bearer {make_token('planner', 'planner-b')}"}
    hidden = api.post(
        "/api/v1/optimize", json={"city": CITY, **body, "scenario_id": scenario_id}, headers=other
    )
    assert hidden.status_code == 404
    assert hidden.json()["error"]["details"][0]["field"] == "scenario_id"


@pytest.mark.usefixtures("facilities")
def test_ems_plans_stations_and_fleet_together(api: TestClient) -> None:
    result = optimize(api, model="ems", rule_id="tiny.ems_radius", k=2)

    ems = result["ems"]
    # the plan's fleet rule sets the fleet; every station ends with an ambulance
    assert ems["fleet_after"] == max(ems["fleet_required"], ems["fleet_before"])
    assert ems["stations_without_ambulance"] == 0
    assert ems["new_stations"] == len(result["chosen"]) <= 2
    assert all(site["ambulances"] >= 1 for site in result["chosen"])
    assert [site["rank"] for site in result["chosen"]] == list(range(1, len(result["chosen"]) + 1))
    # E (500 urban residents) was the only one beyond the radius: now everyone is within it
    assert (ems["covered_before"], ems["covered_after"]) == (ALL_RESIDENTS - 500, ALL_RESIDENTS)
    assert ems["expected_after"] >= ems["expected_before"]
    assert sum(c["fleet_after"] for c in ems["counties"]) <= ems["fleet_after"]
    assert "急救站与车辆统筹" in result["summary_zh"]
    assert "EMS stations and fleet together" in result["summary_en"]


def test_an_ems_plan_is_saved_as_a_scenario(
    api: TestClient, facilities: dict[str, Facility]
) -> None:
    result = optimize(
        api, model="ems", rule_id="tiny.ems_radius", k=2, save_as_scenario="急救站与车辆方案"
    )

    ems = result["ems"]
    scenario = api.get(f"/api/v1/scenarios/{result['scenario_id']}").json()
    assert (scenario["name"], scenario["author"]) == ("急救站与车辆方案", "planner-a")
    added = [c for c in scenario["changes"] if c["kind"] == "add"]
    updated = [c for c in scenario["changes"] if c["kind"] == "update"]
    # every new station is added with the ambulances the plan gives it
    assert [(c["properties"]["type"], c["properties"]["ambulances"]) for c in added] == [
        ("ems_station", site["ambulances"]) for site in result["chosen"]
    ]
    assert all(c["properties"]["ambulances"] >= 1 for c in added)
    # every register station whose fleet changes is updated to its new fleet
    changed = {
        s["facility_id"]: s["ambulances_after"]
        for s in ems["stations"]
        if s["ambulances_after"] != s["ambulances_before"]
    }
    assert {c["facility_id"]: c["properties"]["ambulances"] for c in updated} == changed
    assert len(scenario["changes"]) == len(added) + len(changed)
    # the scenario holds the plan's whole fleet
    kept = sum(s["ambulances_before"] for s in ems["stations"] if s["facility_id"] not in changed)
    new = sum(c["properties"]["ambulances"] for c in added)
    assert kept + sum(changed.values()) + new == ems["fleet_after"]


@pytest.mark.usefixtures("facilities")
def test_a_city_without_the_type_is_a_greenfield_problem(api: TestClient) -> None:
    # no EMS centre at all: every resident is beyond the radius, the sites start from nothing
    result = optimize(api, model="mclp", radius_km=5, facility_type="ems_center", k=2)

    assert result["population_baseline"] == 0
    assert len(result["chosen"]) == 2
    assert [site["rank"] for site in result["chosen"]] == [1, 2]
    first, second = result["chosen"]
    assert first["marginal"] >= second["marginal"] > 0
    assert result["population_covered"] == first["marginal"] + second["marginal"]
    assert result["uncovered_residents"] == ALL_RESIDENTS - result["population_covered"]
    assert result["unreachable_residents"] == 0


def test_limits_are_checked_before_any_work(api: TestClient, settings: Settings) -> None:
    """Refused at once, naming the field: nothing is loaded or solved (the city is not even
    prepared here, which any work would have to notice first)."""
    base = {"city": CITY, "model": "mclp", "rule_id": "tiny.care_circle"}
    budget_s = settings.compute_timeout_s / 2
    cases = [
        # a solver limit past the share of the deadline the service gives it
        ({**base, "k": 1, "time_limit_s": budget_s + 1}, "time_limit_s"),
        # more listed points than any optimisation takes
        ({**base, "k": 1, "candidates": [{"lon": 113.0, "lat": 28.05}] * 5000}, "candidates"),
        # more sites than a scenario holds, to be saved as one
        ({**base, "k": 600, "save_as_scenario": "too many"}, "k"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/optimize", json=body)
        assert response.status_code == 422, response.text[:300]
        details = response.json()["error"]["details"]
        assert any(field in d["field"] or field in d["msg"] for d in details), details


@pytest.mark.usefixtures("facilities")
def test_the_default_solver_limit_shrinks_to_a_short_deadline(
    api: TestClient, settings: Settings, db_session: Session
) -> None:
    hasty = create_app(settings.model_copy(update={"compute_timeout_s": 20.0}))
    hasty.dependency_overrides = cast("FastAPI", api.app).dependency_overrides
    with TestClient(hasty, headers=dict(api.headers)) as client:
        response = client.post(
            "/api/v1/optimize",
            json={"city": CITY, "model": "lscp", "rule_id": "tiny.care_circle"},
        )
        explicit = client.post(
            "/api/v1/optimize",
            json={"city": CITY, "model": "lscp", "rule_id": "tiny.care_circle", "time_limit_s": 60},
        )
    assert response.status_code == 200, response.text
    assert explicit.status_code == 422
    assert explicit.json()["error"]["details"][0]["field"] == "time_limit_s"


def test_a_p_median_beyond_its_pair_bound_is_refused_naming_candidates() -> None:
    # a p-median pairs far beyond the norm's limit: all its pairs are bounded before any work;
    # the covering models' pairs stay within the limit, so only the candidate count bounds them
    from app.errors import InvalidInputError
    from app.services.optimize import MAX_CANDIDATES, MAX_P_MEDIAN_PAIRS, _check_size

    n_demand = MAX_P_MEDIAN_PAIRS // 2_000 + 1
    with pytest.raises(InvalidInputError) as refused:
        _check_size(2_000, n_demand, model="pmedian")
    assert refused.value.details[0]["field"] == "candidates"
    assert _check_size(2_000, n_demand, model="mclp") is None
    with pytest.raises(InvalidInputError, match=f"exceed {MAX_CANDIDATES}"):
        _check_size(MAX_CANDIDATES + 1, 1, model="mclp")


@pytest.mark.usefixtures("facilities")
def test_a_refusal_reads_in_the_readers_language(api: TestClient) -> None:
    body = {"city": CITY, "model": "mclp", "rule_id": "tiny.ems_radius"}
    zh = api.post("/api/v1/optimize", json=body)
    en = api.post("/api/v1/optimize", json=body, headers={"Accept-Language": "en"})

    assert zh.status_code == en.status_code == 422
    assert zh.json()["error"]["message"] == "mclp模型须给出 k（新建站点数）"
    assert en.json()["error"]["message"] == "k is required for mclp: the number of sites to open"
    assert zh.json()["error"]["details"][0]["field"] == "k"
