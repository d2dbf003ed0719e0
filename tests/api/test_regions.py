"""``GET /api/v1/regions``: the real Hunan regions through HTTP."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box as box_of
from shapely.geometry import shape
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.main import create_app
from app.services.reference import load_hunan
from app.settings import Settings

# Yongzhou's official 2020 total (data README)
YONGZHOU_2020 = 5_289_824
# 永州市: 2 districts, 1 county-level city, 7 counties + 1 autonomous county, 3 zones
YONGZHOU_UNITS = 14


@pytest.fixture(scope="module")
def hunan_client(engine: Engine, settings: Settings, data_dir: Path) -> Iterator[TestClient]:
    """A client over the real data, loaded once for the module and rolled back at its end."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(
            bind=conn,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        ) as session:
            load_hunan(session, data_dir)
            app = create_app(settings)
            app.dependency_overrides[get_session] = lambda: session
            with TestClient(app) as client:
                yield client
        outer.rollback()


def test_yongzhou_units_sum_to_the_official_total(hunan_client: TestClient) -> None:
    response = hunan_client.get("/api/v1/regions", params={"city": "431100"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    features = body["features"]
    assert len(features) == YONGZHOU_UNITS
    assert sum(f["properties"]["population"] for f in features) == YONGZHOU_2020
    assert {f["properties"]["city_adcode"] for f in features} == {"431100"}
    assert [f["id"] for f in features] == sorted(f["id"] for f in features)


def test_feature_properties_and_geometry(hunan_client: TestClient) -> None:
    features = hunan_client.get("/api/v1/regions", params={"city": "431100"}).json()["features"]
    by_code = {f["properties"]["adcode"]: f for f in features}
    qiyang = by_code["431181"]
    assert qiyang["geometry"]["type"] == "MultiPolygon"
    props = qiyang["properties"]
    assert (props["name"], props["level"], props["parent_adcode"]) == (
        "祁阳市",
        "county_city",
        "431100",
    )
    assert props["population"] == 791_939
    assert props["has_polygon"] is True
    assert props["urban_share"] == pytest.approx(0.3807)
    assert props["ghsl_population"] == 793_166
    assert props["ghsl_suburban_share"] == pytest.approx(0.4591)
    zone = by_code["431171"]
    assert zone["geometry"] is None
    assert zone["properties"]["has_polygon"] is False
    assert zone["properties"]["level"] == "zone"
    assert zone["properties"]["parent_adcode"] == "431103"


def test_level_filter(hunan_client: TestClient) -> None:
    response = hunan_client.get("/api/v1/regions", params={"city": "431100", "level": "zone"})
    zones = response.json()["features"]
    assert sorted(f["id"] for f in zones) == ["431171", "431172", "431173"]
    # 40,874 + 10,077 + 47,111 residents (census rows of the three zones)
    assert sum(f["properties"]["population"] for f in zones) == 98_062
    prefectures = hunan_client.get("/api/v1/regions", params={"level": "prefecture"}).json()
    assert len(prefectures["features"]) == 14


def test_province_lists_its_prefectures(hunan_client: TestClient) -> None:
    features = hunan_client.get("/api/v1/regions", params={"city": "430000"}).json()["features"]
    assert len(features) == 14
    assert sum(f["properties"]["population"] for f in features) == 66_444_864


def test_county_city_returns_itself(hunan_client: TestClient) -> None:
    features = hunan_client.get("/api/v1/regions", params={"city": "433101"}).json()["features"]
    assert [f["id"] for f in features] == ["433101"]
    assert features[0]["properties"]["population"] == 408_812


def test_bbox_filter(hunan_client: TestClient) -> None:
    # the bounding box of Jishou: exactly the county-level units whose polygon meets it
    jishou = shape(hunan_client.get("/api/v1/regions/433101").json()["geometry"])
    box = box_of(*jishou.bounds)
    params = {"level": "county_city", "bbox": ",".join(str(v) for v in jishou.bounds)}
    inside = hunan_client.get("/api/v1/regions", params=params).json()["features"]
    everything = hunan_client.get("/api/v1/regions", params={"level": "county_city"}).json()
    expected = {f["id"] for f in everything["features"] if shape(f["geometry"]).intersects(box)}
    assert "433101" in expected
    assert {f["id"] for f in inside} == expected
    assert len(expected) < len(everything["features"])
    # a box in the sea off Hainan meets nothing, and zones (no polygon) never match a box
    empty = hunan_client.get("/api/v1/regions", params={"bbox": "110,18,110.1,18.1"}).json()
    assert empty["features"] == []
    zones = hunan_client.get("/api/v1/regions", params={"level": "zone", "bbox": "108,24,115,31"})
    assert zones.json()["features"] == []


@pytest.mark.parametrize(
    "bbox",
    [
        "113,28,112,29",  # min after max
        "113,28,114",  # three numbers
        "113,95,114,96",  # latitude out of range
        "a,b,c,d",
    ],
)
def test_bad_bbox_is_a_422_naming_bbox(hunan_client: TestClient, bbox: str) -> None:
    response = hunan_client.get("/api/v1/regions", params={"bbox": bbox})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "bbox" in error["message"]
    assert error["details"][0]["field"] == "bbox"


def test_unknown_city_is_a_404_naming_it(hunan_client: TestClient) -> None:
    response = hunan_client.get("/api/v1/regions", params={"city": "439999"})
    assert response.status_code == 404
    assert "439999" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "field"), [({"city": "4311"}, "city"), ({"level": "town"}, "level")]
)
def test_malformed_filters_are_422(
    hunan_client: TestClient, params: dict[str, str], field: str
) -> None:
    response = hunan_client.get("/api/v1/regions", params=params)
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]


def test_get_one_region(hunan_client: TestClient) -> None:
    response = hunan_client.get("/api/v1/regions/430100")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == "430100"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["level"] == "prefecture"
    assert feature["properties"]["population"] == 10_047_914


def test_get_unknown_or_malformed_region(hunan_client: TestClient) -> None:
    missing = hunan_client.get("/api/v1/regions/431121")
    assert missing.status_code == 404
    assert "431121" in missing.json()["error"]["message"]
    malformed = hunan_client.get("/api/v1/regions/43110")
    assert malformed.status_code == 422
    assert "adcode" in malformed.json()["error"]["message"]
