"""``/norms``: the five plans' catalogues with their citations."""

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.main import create_app
from app.settings import Settings
from tests._catalogues import readme_catalogue
from tests._english import english_sentences


def test_the_five_catalogues_with_every_citation(client: TestClient) -> None:
    response = client.get("/api/v1/norms")

    assert response.status_code == 200, response.text
    catalogues = response.json()["catalogues"]
    assert sorted(c["city_adcode"] for c in catalogues) == [
        "430100",
        "430400",
        "430600",
        "431100",
        "433101",
    ]
    rules = [rule for c in catalogues for rule in c["rules"]]
    # every checkable norm of the five plans (geo/norms/COVERAGE.md): 161 norms, 174 rules
    assert len(rules) == 174
    for rule in rules:
        assert rule["citations"], rule["id"]
        for citation in rule["citations"]:
            assert set(citation) == {
                "document",
                "lines",
                "quote",
                "plan_title_zh",
                "plan_title_en",
                "document_number",
                "issuer_zh",
            }
            assert citation["lines"].startswith("L")
            assert citation["quote"]
            assert citation["plan_title_zh"]
            assert citation["issuer_zh"]
        if rule["data_gap"] is not None:
            assert rule["needs"], rule["id"]
            assert set(rule["data_gap"]) == {"zh", "en"}, rule["id"]
            assert len(rule["needs_labels"]) == len(rule["needs"]), rule["id"]
        if rule["interpretation"] is not None:
            assert set(rule["interpretation"]) == {"zh", "en"}, rule["id"]


def test_one_city_catalogue(client: TestClient) -> None:
    response = client.get("/api/v1/norms", params={"city": "431100"})

    assert response.status_code == 200, response.text
    (catalogue,) = response.json()["catalogues"]
    assert catalogue["city_name_en"] == "Yongzhou"
    radius = next(r for r in catalogue["rules"] if r["id"] == "yongzhou.ems_station_radius")
    assert radius["kind"] == "radius_coverage"
    assert radius["parameters"]["radius_km_urban"] == 5
    assert radius["target"] == {"value": None, "min": 5.0, "max": 20.0, "unit": "km"}
    assert radius["citations"][0]["lines"] == "L1136-1138"
    assert radius["interpretation"]["zh"].startswith("服务半径按字面理解为直线半径")
    assert radius["interpretation"]["en"].startswith("服务半径 read literally")
    tcm = next(r for r in catalogue["rules"] if r["id"] == "yongzhou.tcm_physicians_per_1000")
    assert tcm["needs_labels"] == [
        {"zh": "中医类别执业（助理）医师数", "en": "TCM-category physicians"}
    ]


def test_a_city_without_a_plan(client: TestClient) -> None:
    response = client.get("/api/v1/norms", params={"city": "430200"})

    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "城市 430200 没有规划规范；已有规范的城市：430100, 430400, 430600, 431100, 433101"
    )
    assert client.get("/api/v1/norms", params={"city": "4302"}).status_code == 422


def test_catalogues_say_their_quotes_were_checked(client: TestClient) -> None:
    response = client.get("/api/v1/norms")

    assert response.status_code == 200, response.text
    assert all(c["quotes_verified"] is True for c in response.json()["catalogues"])


def test_without_plan_texts_the_catalogues_load_unverified(
    settings: Settings, db_session: Session, make_token: Callable[..., str]
) -> None:
    """No APP_PLANS_DIR (a fresh clone): /norms answers every rule, its quotes unverified."""
    bare = settings.model_copy(update={"plans_dir": None})
    app = create_app(bare)
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as bare_client:
        response = bare_client.get("/api/v1/norms")

    assert response.status_code == 200, response.text
    catalogues = response.json()["catalogues"]
    assert len(catalogues) == 5
    assert sum(len(c["rules"]) for c in catalogues) == 174
    assert all(c["quotes_verified"] is False for c in catalogues)
    assert all(c["plan_title_zh"] and c["issuer_zh"] for c in catalogues)


def test_a_defective_own_catalogue_is_a_503_naming_rule_and_field(
    settings: Settings, db_session: Session, tmp_path: Path
) -> None:
    """A broken catalogue in APP_NORMS_DIR: each defect in the reader's language, with its
    rule, field and the value given; no English sentence for a Chinese reader."""
    own = tmp_path / "norms"
    own.mkdir()
    broken = readme_catalogue().replace("minutes_rural: 15", "minutes_rural: fifteen")
    (own / "zhuzhou.yaml").write_text(broken, encoding="utf-8")
    app = create_app(settings.model_copy(update={"norms_dir": own}))
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as own_client:
        chinese = own_client.get("/api/v1/norms")
        english = own_client.get("/api/v1/norms", headers={"Accept-Language": "en"})

    assert chinese.status_code == english.status_code == 503
    said = chinese.json()["error"]
    assert said["code"] == "not_configured"
    assert said["details"] == [
        {
            "rule": "zhuzhou.care_circle_15min",
            "field": "parameters.minutes_rural",
            "value": "fifteen",
            "code": "pydantic.float_parsing",
            "msg": "应为数字",
        }
    ]
    assert "zhuzhou.yaml" in said["message"]
    assert "规则 zhuzhou.care_circle_15min 的 parameters.minutes_rural" in said["message"]
    assert english_sentences(said["message"]) == []
    told = english.json()["error"]
    assert told["details"][0]["msg"] == "must be a number"
    assert "rule zhuzhou.care_circle_15min, field parameters.minutes_rural" in told["message"]
    assert "(given: fifteen)" in told["message"]
