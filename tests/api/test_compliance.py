"""``/compliance``, ``/gaps`` and ``/coverage`` on the tiny prepared city."""

import csv
import io
import re

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
    assert [gap["rule_id"] for gap in body["data_gaps"]] == ["tiny.tcm_physicians"]
    circle = rows[("tiny.care_circle", EAST)]
    assert (circle["value"], circle["shortfall"], circle["unit"]) == (
        4000 / 6000,
        2000.0,
        "share of residents",
    )

    again = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    assert (again["run_id"], again["reused"]) == (body["run_id"], True)
    assert again["results"] == body["results"]


def test_readings_and_data_gaps_are_in_the_readers_language(prepared: TestClient) -> None:
    zh = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    en = prepared.get("/api/v1/compliance", params={"city": CITY, "lang": "en"}).json()
    browser = prepared.get(
        "/api/v1/compliance", params={"city": CITY}, headers={"Accept-Language": "en-GB,en"}
    ).json()

    circle = {r["region_adcode"]: r for r in zh["results"] if r["rule_id"] == "tiny.care_circle"}
    assert circle[EAST]["interpretation"] == "未说明方式，按驾车计。"
    assert circle[EAST]["interpretation_en"] == "No mode is stated; it is read as a drive."
    english = {r["region_adcode"]: r for r in en["results"] if r["rule_id"] == "tiny.care_circle"}
    assert english[EAST]["interpretation"] == "No mode is stated; it is read as a drive."
    assert en["results"] == browser["results"]
    # the outcome sentence in the reader's language, the same one `fplan check` prints
    for zh_row, en_row in zip(zh["results"], en["results"], strict=True):
        assert zh_row["message"]
        assert en_row["message"]
        if zh_row["status"] == "fail":
            assert re.search(r"[\u4e00-\u9fff]", zh_row["message"]), zh_row
            assert not re.search(r"[\u4e00-\u9fff]", en_row["message"]), en_row
    # what the data gap needs is worded, never the field id
    (gap_zh,), (gap_en,) = zh["data_gaps"], en["data_gaps"]
    assert gap_zh["needs"] == ["tcm_physicians", "residential_compounds"]
    assert gap_zh["needs_labels"] == ["中医类别执业（助理）医师数", "住宅小区"]
    assert gap_en["needs_labels"] == ["TCM-category physicians", "residential compounds"]
    assert gap_zh["data_gap"] == "尚无数据来源记录各机构的中医类别医师数。"
    assert gap_en["data_gap"] == "No source records TCM physicians per facility yet."


def test_compliance_as_csv(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "format": "csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    # a BOM, so that Excel on Chinese Windows reads UTF-8
    assert response.content.startswith(b"\xef\xbb\xbf")
    results, _, gaps = response.content.decode("utf-8-sig").partition("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(results)))
    assert len(rows) == 12
    # the second block: the norm the register cannot evaluate, what it needs in words
    (gap,) = csv.DictReader(io.StringIO(gaps))
    assert (gap["data_gap_rule_id"], gap["needs"]) == (
        "tiny.tcm_physicians",
        "中医类别执业（助理）医师数、住宅小区",
    )
    assert gap["data_gap"] == "尚无数据来源记录各机构的中医类别医师数。"
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
    results, _, gaps = english.content.decode("utf-8-sig").partition("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(results)))
    assert {r["status_label"] for r in rows} <= {"pass", "fail"}
    (gap,) = csv.DictReader(io.StringIO(gaps))
    assert gap["data_gap"] == "No source records TCM physicians per facility yet."


def test_an_unprepared_city_names_the_demo_command(api: TestClient) -> None:
    response = api.get("/api/v1/compliance", params={"city": CITY})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["message"] == "城市 439900 尚无路网：请运行 fplan demo --city 439900 准备该城市"
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
    response = api.get("/api/v1/compliance", params={"city": city, "lang": "en"})

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
