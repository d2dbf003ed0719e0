"""``/compliance``, ``/gaps`` and ``/coverage`` on the tiny prepared city."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.compliance_city import CITY, EAST, WEST


def test_compliance_reports_every_rule_and_region(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/compliance", params={"city": CITY})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["city"], body["reused"]) == (CITY, False)
    rows = {(r["rule_id"], r["region_adcode"]): r for r in body["results"]}
    assert len(rows) == 12
    fleet = rows[("tiny.ambulance_fleet", WEST)]
    assert (fleet["value"], fleet["target"], fleet["passed"], fleet["shortfall"]) == (
        0.0,
        5.0,
        False,
        5.0,
    )
    assert fleet["shortfall_unit"] == "ambulances"
    assert fleet["citation"] == {
        "document": "tiny_plan.txt",
        "lines": "L5",
        "quote": "县域按服务人口的300%计算",
        "plan_title_zh": "小城卫生健康规划",
        "plan_title_en": "Tiny City health plan",
        "document_number": "小政发〔2021〕1号",
        "issuer_zh": "小城人民政府",
    }
    assert (fleet["status"], fleet["title_zh"], fleet["year"]) == (
        "fail",
        "每3万人配置1辆救护车",
        2025,
    )
    assert body["plan"]["document_number"] == "小政发〔2021〕1号"
    assert body["data_gaps"] == []
    circle = rows[("tiny.care_circle", EAST)]
    assert (circle["value"], circle["shortfall"], circle["unit"]) == (
        4000 / 6000,
        2000.0,
        "share of residents",
    )

    again = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    assert (again["run_id"], again["reused"]) == (body["run_id"], True)
    assert again["results"] == body["results"]


def test_compliance_as_csv(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "format": "csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    # a BOM, so that Excel on Chinese Windows reads UTF-8
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 12
    west = next(r for r in rows if (r["rule_id"], r["region_adcode"]) == ("tiny.ems_radius", WEST))
    assert (west["passed"], west["shortfall"], west["citation_lines"]) == ("false", "500", "L3")
    # the synthetic flag and the verdict in the reader's language (Chinese by default)
    assert (west["synthetic"], west["status_label"]) == ("false", "未达标")
    fleet = next(
        r for r in rows if (r["rule_id"], r["region_adcode"]) == ("tiny.ambulance_fleet", WEST)
    )
    assert (fleet["value"], fleet["target"], fleet["shortfall"]) == ("0", "5", "5")
    assert response.headers["X-Run-Id"] == str(
        prepared.get("/api/v1/compliance", params={"city": CITY}).json()["run_id"]
    )
    english = prepared.get(
        "/api/v1/compliance", params={"city": CITY, "format": "csv", "lang": "en"}
    )
    rows = list(csv.DictReader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert {r["status_label"] for r in rows} <= {"pass", "fail"}


def test_an_unprepared_city_names_the_demo_command(api: TestClient) -> None:
    response = api.get("/api/v1/compliance", params={"city": CITY})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["message"] == (
        "城市 439900 尚未准备：请运行 fplan demo --city 439900 生成路网、人口与机构"
    )
    assert error["details"][0]["field"] == "city"
    english = api.get("/api/v1/compliance", params={"city": CITY, "lang": "en"}).json()["error"]
    assert "run `fplan demo --city 439900`" in english["message"]
    accepted = api.get(
        "/api/v1/compliance", params={"city": CITY}, headers={"Accept-Language": "en-GB,en"}
    )
    assert accepted.json()["error"]["message"] == english["message"]


@pytest.mark.parametrize(
    ("city", "status", "words"),
    [
        ("439999", 404, "fplan load hunan"),
        (EAST, 404, "no plan norms"),
        ("4399", 422, "city"),
    ],
)
def test_bad_cities_are_refused(api: TestClient, city: str, status: int, words: str) -> None:
    response = api.get("/api/v1/compliance", params={"city": city})

    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_gaps_are_geojson_zones_with_their_residents(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/gaps", params={"city": CITY})

    assert response.status_code == 200, response.text
    features = response.json()["features"]
    zones = sorted(
        (f["properties"]["rule_id"], f["properties"]["region_adcode"], f["properties"]["residents"])
        for f in features
    )
    assert zones == [
        ("tiny.care_circle", EAST, 2000),
        ("tiny.ems_8km_15min", WEST, 500),
        ("tiny.ems_8km_15min", WEST, 4000),
        ("tiny.ems_radius", WEST, 500),
    ]
    first = features[0]
    assert first["type"] == "Feature"
    assert first["geometry"]["type"] == "Polygon"
    lon, lat = first["geometry"]["coordinates"][0][0]
    assert 112.9 <= lon <= 113.1
    assert 28.0 <= lat <= 28.1


def test_gaps_of_one_rule(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/gaps", params={"city": CITY, "rule": "tiny.care_circle"})

    assert response.status_code == 200, response.text
    (feature,) = response.json()["features"]
    assert feature["properties"]["region_shortfall_text"].startswith("2,000 residents beyond")

    refused = prepared.get("/api/v1/gaps", params={"city": CITY, "rule": "tiny.nothing"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "rule"


def test_coverage_per_region(prepared: TestClient) -> None:
    response = prepared.get(
        "/api/v1/coverage",
        params={
            "city": CITY,
            "facility_type": ["community_health_center", "township_health_center"],
            "mode": "drive",
            "minutes": 15,
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["facilities"], body["mode"], body["direction"]) == (2, "drive", "to_facility")
    regions = {r["region_adcode"]: r for r in body["regions"]}
    # within 15 minutes (5 km) of a centre: A, D and E; B and C are beyond
    assert (regions[CITY]["population"], regions[CITY]["covered"]) == (10500, 5500)
    assert (regions[EAST]["covered"], regions[WEST]["covered"]) == (1000, 4500)


def test_coverage_parameters_are_checked(prepared: TestClient) -> None:
    response = prepared.get(
        "/api/v1/coverage",
        params={"city": CITY, "facility_type": "hospital", "minutes": 0},
    )

    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"facility_type.0", "minutes"}
