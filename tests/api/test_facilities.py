"""The facility register through the API, on a hand-built pair of regions."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db.models import Facility
from geo.datum import wgs84_to_gcj02
from geo.terms import PLAN_CAPACITY_FIELDS, PLAN_CHOICE_FIELDS, UNRECORDED_FLAGS
from tests._english import english_sentences


def feature(lon: float, lat: float, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": "乡镇卫生院", "type": "township_health_center", **props},
    }


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Facility)) or 0


@pytest.mark.usefixtures("tiny_city")
def test_create_assigns_region_and_returns_geojson(client: TestClient) -> None:
    response = client.post("/api/v1/facilities", json=feature(113.05, 28.05, beds=40))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["geometry"]["coordinates"] == [113.05, 28.05]
    props = body["properties"]
    assert props["region_adcode"] == "439901"
    assert props["city_adcode"] == "439900"
    assert props["beds"] == 40
    assert props["physicians"] is None  # unknown, not zero
    assert props["source"] == "real"
    assert props["synthetic"] is False
    assert response.headers["ETag"] == f'"{props["id"]}-1"'


@pytest.mark.usefixtures("tiny_city")
def test_the_plans_further_fields_are_unknown_until_given(client: TestClient) -> None:
    plain = client.post("/api/v1/facilities", json=feature(113.05, 28.05)).json()["properties"]
    for name in (*PLAN_CAPACITY_FIELDS, *UNRECORDED_FLAGS, *PLAN_CHOICE_FIELDS):
        assert plain[name] is None, name
    assert plain["psychiatric_ward"] is False  # the original flags stay yes/no

    given = feature(
        113.05,
        28.05,
        physicians=12,
        tcm_physicians=3,
        central_township=True,
        tcm_hall=False,
        primary_care_standard="basic",
        admin_level="county",
    )
    created = client.post("/api/v1/facilities", json=given)
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    props = client.get(f"/api/v1/facilities/{fid}").json()["properties"]
    assert (props["tcm_physicians"], props["central_township"], props["tcm_hall"]) == (
        3,
        True,
        False,
    )
    assert (props["primary_care_standard"], props["admin_level"]) == ("basic", "county")
    assert props["geriatrics_dept"] is None

    bad = client.post("/api/v1/facilities", json=feature(113.05, 28.05, admin_level="province"))
    assert bad.status_code == 422
    assert "admin_level" in bad.text


@pytest.mark.usefixtures("tiny_city")
def test_gcj02_input_is_stored_as_wgs84(client: TestClient) -> None:
    gcj_lon, gcj_lat = wgs84_to_gcj02(112.95, 28.05)
    response = client.post(
        "/api/v1/facilities?crs=gcj02", json=feature(float(gcj_lon), float(gcj_lat))
    )
    assert response.status_code == 201, response.text
    lon, lat = response.json()["geometry"]["coordinates"]
    assert lon == pytest.approx(112.95, abs=1e-6)
    assert lat == pytest.approx(28.05, abs=1e-6)
    assert response.json()["properties"]["region_adcode"] == "439902"


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("payload", "query", "field", "words"),
    [
        (feature(113.05, 128.05), "", "geometry.coordinates", "out of range"),
        (feature(28.05, 113.05), "", "geometry.coordinates", "swapped"),
        (feature(120.0, 30.0), "", "geometry.coordinates", "outside every region"),
        (feature(113.05, 28.05, beds=-1), "", "properties.beds", "must be at least 0, got -1"),
        (
            feature(113.05, 28.05, type="hospital"),
            "",
            "properties.type",
            "properties.type must be one of: general_hospital, ",
        ),
        (
            feature(113.05, 28.05, colour="red"),
            "",
            "properties.colour",
            "properties.colour is not a field taken here (misspelt, or misplaced)",
        ),
        (
            feature(113.05, 28.05),
            "?crs=utm",
            "crs",
            "crs must be one of: wgs84, gcj02, bd09, got 'utm'",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    client: TestClient,
    db_session: Session,
    payload: dict[str, object],
    query: str,
    field: str,
    words: str,
) -> None:
    before = count(db_session)
    english = {"Accept-Language": "en"}
    response = client.post(f"/api/v1/facilities{query}", json=payload, headers=english)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert any(d["field"] == field for d in error["details"]), error
    assert any(words in d["msg"] for d in error["details"]), error
    chinese = client.post(f"/api/v1/facilities{query}", json=payload).json()["error"]
    said = [chinese["message"], *(d["msg"] for d in chinese["details"])]
    assert [s for s in said if english_sentences(s)] == []
    assert count(db_session) == before


@pytest.mark.usefixtures("tiny_city")
def test_filters_and_bbox(client: TestClient) -> None:
    client.post("/api/v1/facilities", json=feature(113.05, 28.05))
    client.post("/api/v1/facilities", json=feature(112.95, 28.05, type="village_clinic"))
    client.post(
        "/api/v1/facilities", json=feature(112.96, 28.06, type="village_clinic", source="synthetic")
    )

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/facilities{query}")
        assert response.status_code == 200, response.text
        return [f["properties"]["type"] for f in response.json()["features"]]

    assert len(names("?city=439900")) == 3
    assert names("?region=439901") == ["township_health_center"]
    assert names("?type=village_clinic&synthetic=true") == ["village_clinic"]
    assert len(names("?type=village_clinic&type=township_health_center")) == 3
    assert len(names("?bbox=112.9,28.0,113.0,28.1")) == 2
    assert names("?city=439900&limit=1&offset=2") == ["village_clinic"]
    for bad in ("1,2,3", "113.1,28,113.0,28.1", "a,b,c,d", "0,0,200,1"):
        response = client.get(f"/api/v1/facilities?bbox={bad}")
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "bbox"
    assert client.get("/api/v1/facilities?city=43").status_code == 422


@pytest.mark.usefixtures("tiny_city")
def test_patch_moves_and_versions(client: TestClient) -> None:
    created = client.post("/api/v1/facilities", json=feature(113.05, 28.05)).json()
    fid = created["id"]
    moved = client.patch(
        f"/api/v1/facilities/{fid}",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [112.95, 28.05]},
            "properties": {"beds": 60},
        },
        headers={"If-Match": f'"{fid}-1"'},
    )
    assert moved.status_code == 200, moved.text
    props = moved.json()["properties"]
    assert (props["region_adcode"], props["beds"], props["version"]) == ("439902", 60, 2)
    assert props["name"] == "乡镇卫生院"
    stale = client.patch(
        f"/api/v1/facilities/{fid}",
        json={"type": "Feature", "geometry": None, "properties": {"beds": 1}},
        headers={"If-Match": f'"{fid}-1"'},
    )
    assert stale.status_code == 412
    stale_body = client.patch(
        f"/api/v1/facilities/{fid}",
        json={"type": "Feature", "geometry": None, "properties": {"beds": 1, "version": 1}},
    )
    assert stale_body.status_code == 409
    assert client.get(f"/api/v1/facilities/{fid}").json()["properties"]["beds"] == 60


@pytest.mark.usefixtures("tiny_city")
def test_patch_with_bad_point_writes_nothing(client: TestClient, db_session: Session) -> None:
    fid = client.post("/api/v1/facilities", json=feature(113.05, 28.05, beds=5)).json()["id"]
    response = client.patch(
        f"/api/v1/facilities/{fid}",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.0, 30.0]},
            "properties": {"beds": 99},
        },
        headers={"If-Match": f'"{fid}-1"'},
    )
    assert response.status_code == 422
    stored = db_session.execute(
        text("SELECT beds, ST_X(geom) FROM facilities WHERE id = :id"), {"id": fid}
    ).one()
    assert tuple(stored) == (5, 113.05)


@pytest.mark.usefixtures("tiny_city")
def test_get_and_delete(client: TestClient) -> None:
    fid = client.post("/api/v1/facilities", json=feature(113.05, 28.05)).json()["id"]
    got = client.get(f"/api/v1/facilities/{fid}")
    assert got.status_code == 200
    assert got.headers["ETag"] == f'"{fid}-1"'
    assert (
        client.delete(f"/api/v1/facilities/{fid}", headers={"If-Match": '"x"'}).status_code == 412
    )
    assert client.delete(f"/api/v1/facilities/{fid}").status_code == 204
    assert client.get(f"/api/v1/facilities/{fid}").status_code == 404
    assert client.delete(f"/api/v1/facilities/{fid}").status_code == 404
    assert client.get("/api/v1/facilities/0").status_code == 422
