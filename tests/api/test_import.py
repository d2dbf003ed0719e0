"""``POST /facilities/import``: CSV and GeoJSON registers, atomic, every bad row listed."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.db.models import Facility
from app.main import create_app
from app.settings import Settings
from geo.datum import wgs84_to_gcj02
from tests._english import english_sentences

URL = "/api/v1/facilities/import"
HEADER = "id,name,type,lon,lat,beds,ambulances,grade,psychiatric_ward"


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Facility)) or 0


def upload(client: TestClient, name: str, text: str, **params: str) -> Any:  # the httpx response
    files = {"file": (name, text.encode("utf-8"), "text/csv")}
    return client.post(URL, files=files, params=params)


@pytest.mark.usefixtures("tiny_city")
def test_a_good_csv_is_imported_whole(client: TestClient, db_session: Session) -> None:
    text = "\n".join(
        [
            HEADER,
            "H1,东区医院,general_hospital,113.05,28.05,120,,secondary,yes",
            "H2,西县卫生院,township_health_center,112.95,28.05,30,,,",
            "E1,急救站,ems_station,113.02,28.02,,3,,0",
        ]
    )
    response = upload(client, "register-2024.csv", text)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["imported"], body["source"], body["format"]) == (3, "register-2024.csv", "csv")
    rows = db_session.scalars(
        select(Facility).where(Facility.id.in_(body["ids"])).order_by(Facility.id)
    ).all()
    assert [(f.external_id, f.region_adcode, f.beds, f.ambulances) for f in rows] == [
        ("H1", "439901", 120, None),
        ("H2", "439902", 30, None),
        ("E1", "439901", None, 3),
    ]
    assert (rows[0].grade, rows[0].psychiatric_ward, rows[2].psychiatric_ward) == (
        "secondary",
        True,
        False,
    )
    assert {f.source for f in rows} == {"register-2024.csv"}


@pytest.mark.usefixtures("tiny_city")
def test_the_plans_further_fields_import_and_stay_unknown_when_blank(
    client: TestClient, db_session: Session
) -> None:
    text = "\n".join(
        [
            "id,name,type,lon,lat,physicians,tcm_physicians,infectious_beds,geriatrics_dept,"
            "central_township,primary_care_standard,admin_level,psychiatric_ward",
            "T1,中心卫生院,township_health_center,112.95,28.05,20,4,,,是,recommended,county,",
            "H1,县医院,general_hospital,113.05,28.05,200,,40,no,,,,",
            "C1,托育中心,childcare_institution,113.02,28.02,,,,,,,district,",
        ]
    )
    response = upload(client, "plan-fields.csv", text)
    assert response.status_code == 201, response.text
    rows = db_session.scalars(
        select(Facility).where(Facility.id.in_(response.json()["ids"])).order_by(Facility.id)
    ).all()
    fields = [
        (
            f.type,
            f.tcm_physicians,
            f.infectious_beds,
            f.geriatrics_dept,
            f.central_township,
            f.primary_care_standard,
            f.admin_level,
            f.psychiatric_ward,
        )
        for f in rows
    ]
    # a blank cell of a plan field is unknown (NULL); of an original flag it is "no"
    assert fields == [
        ("township_health_center", 4, None, None, True, "recommended", "county", False),
        ("general_hospital", None, 40, False, None, None, None, False),
        ("childcare_institution", None, None, None, None, None, "district", False),
    ]


@pytest.mark.usefixtures("tiny_city")
def test_bad_plan_fields_are_named(client: TestClient, db_session: Session) -> None:
    before = count(db_session)
    text = "\n".join(
        [
            "id,name,type,lon,lat,physicians,tcm_physicians,primary_care_standard,admin_level",
            "T1,卫生院,township_health_center,112.95,28.05,3,5,excellent,",
            "T2,卫生院,township_health_center,112.95,28.06,,,,province",
        ]
    )
    response = upload(client, "bad-plan-fields.csv", text, lang="en")
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    problems = {(d["row"], d["field"]): d["msg"] for d in details}
    assert set(problems) == {
        (1, "tcm_physicians"),
        (1, "primary_care_standard"),
        (2, "admin_level"),
    }
    assert "exceeds physicians" in problems[(1, "tcm_physicians")]
    assert count(db_session) == before


@pytest.mark.usefixtures("tiny_city")
def test_gcj02_rows_are_stored_as_wgs84(client: TestClient, db_session: Session) -> None:
    lon, lat = wgs84_to_gcj02(112.95, 28.05)
    response = upload(
        client, "gcj.csv", f"{HEADER}\nG1,卫生院,village_clinic,{lon},{lat},,,,", crs="gcj02"
    )
    assert response.status_code == 201, response.text
    fid = response.json()["ids"][0]
    x, y = db_session.execute(
        select(func.ST_X(Facility.geom), func.ST_Y(Facility.geom)).where(Facility.id == fid)
    ).one()
    assert x == pytest.approx(112.95, abs=1e-6)
    assert y == pytest.approx(28.05, abs=1e-6)


@pytest.mark.usefixtures("tiny_city")
def test_one_bad_row_rejects_the_file_and_every_bad_row_is_listed(
    client: TestClient, db_session: Session
) -> None:
    before = count(db_session)
    text = "\n".join(
        [
            HEADER,
            "A,好医院,general_hospital,113.05,28.05,10,,,",  # row 1: good
            "B,纬度超界,general_hospital,113.05,128.05,,,,",  # row 2: out of range
            "C,经纬颠倒,general_hospital,28.05,113.05,,,,",  # row 3: swapped
            "D,城外,general_hospital,120.0,30.0,,,,",  # row 4: outside every region
            "E,未知类型,hospital,113.05,28.05,,,,",  # row 5: unknown type
            "F,负床位,general_hospital,113.05,28.05,-3,,,",  # row 6: negative capacity
            "A,重复,general_hospital,113.06,28.06,,,,",  # row 7: duplicate id
            "G,缺列,general_hospital,113.05",  # row 8: wrong number of values
            "H,坏标志,general_hospital,113.05,28.05,,,,maybe",  # row 9: bad flag
            "I,坏等级,general_hospital,113.05,28.05,,,quaternary,",  # row 10: unknown grade
            ",无编号,general_hospital,113.05,28.05,,,,",  # row 11: empty id
        ]
    )
    response = upload(client, "bad.csv", text)
    assert response.status_code == 422, response.text
    chinese = response.json()["error"]
    assert chinese["message"] == "bad.csv 中有 10 行有误；未导入任何内容"
    assert [d["msg"] for d in chinese["details"] if english_sentences(d["msg"])] == []
    error = upload(client, "bad.csv", text, lang="en").json()["error"]
    assert error["message"] == "10 rows of bad.csv are invalid; nothing was imported"
    assert [(d["row"], d["field"]) for d in error["details"]] == [
        (d["row"], d["field"]) for d in chinese["details"]
    ]
    by_row: dict[int, list[tuple[str, str]]] = {}
    for detail in error["details"]:
        by_row.setdefault(detail["row"], []).append((detail["field"], detail["msg"]))
    assert sorted(by_row) == list(range(2, 12))
    expected = {
        2: ("lon,lat", "out of range"),
        3: ("lon,lat", "latitude and longitude look swapped"),
        4: ("lon,lat", "outside every region"),
        5: ("type", "unknown type 'hospital'"),
        6: ("beds", "is negative"),
        7: ("id", "duplicate id 'A' (also row 1)"),
        8: ("row", "4 values but the header has 9 columns"),
        9: ("psychiatric_ward", "is not yes/no"),
        10: ("grade", "unknown grade 'quaternary'"),
        11: ("id", "the id is empty"),
    }
    for row, (field, words) in expected.items():
        assert any(f == field and words in m for f, m in by_row[row]), (row, by_row[row])
    assert count(db_session) == before


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("header", "field", "words"),
    [
        ("id,name,type,lon,lat,colour", "colour", "unknown column 'colour'"),
        ("id,name,type,lon", "lat", "required column 'lat' is missing"),
        ("id,name,type,lon,lat,beds,beds", "beds", "appears twice"),
    ],
)
def test_a_wrong_column_is_named(
    client: TestClient, db_session: Session, header: str, field: str, words: str
) -> None:
    before = count(db_session)
    response = upload(
        client, "cols.csv", f"{header}\nX,卫生院,village_clinic,113.05,28.05", lang="en"
    )
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert any(d["field"] == field and words in d["msg"] for d in details), details
    assert count(db_session) == before


@pytest.mark.usefixtures("tiny_city")
def test_ids_already_imported_from_the_same_file_are_refused(
    client: TestClient, db_session: Session
) -> None:
    text = f"{HEADER}\nK1,卫生院,village_clinic,113.05,28.05,,,,"
    assert upload(client, "clinics.csv", text).status_code == 201
    before = count(db_session)
    again = upload(client, "clinics.csv", text, lang="en")
    assert again.status_code == 422
    assert "already imported from 'clinics.csv'" in again.json()["error"]["details"][0]["msg"]
    assert count(db_session) == before
    # another file may use the same ids: ids are unique within a source
    assert upload(client, "clinics-2.csv", text).status_code == 201


@pytest.mark.usefixtures("tiny_city")
def test_points_outside_the_given_city_are_refused(client: TestClient) -> None:
    text = f"{HEADER}\nW1,西县卫生院,village_clinic,112.95,28.05,,,,"
    response = upload(client, "west.csv", text, city="439901", lang="en")
    assert response.status_code == 422
    assert "outside city 439901" in response.json()["error"]["details"][0]["msg"]
    assert upload(client, "west.csv", text, city="439900").status_code == 201
    assert upload(client, "west2.csv", text, city="439999").status_code == 404


@pytest.mark.usefixtures("tiny_city")
def test_geojson_features_are_checked_by_index(client: TestClient, db_session: Session) -> None:
    def feature(fid: object, lon: float, lat: float, **props: object) -> dict[str, object]:
        return {
            "type": "Feature",
            "id": fid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "站", "type": "ems_station", **props},
        }

    good = {"type": "FeatureCollection", "features": [feature(1, 113.05, 28.05, ambulances=2)]}
    files = {"file": ("ems.geojson", json.dumps(good).encode(), "application/geo+json")}
    response = client.post(URL, files=files)
    assert response.status_code == 201, response.text
    assert response.json()["format"] == "geojson"

    before = count(db_session)
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature(2, 113.05, 28.05),
            feature(3, 113.05, 28.05, ambulances=-1),
            feature(4, 113.05, 28.05, colour="red"),
            {"type": "Feature", "id": 5, "geometry": None, "properties": {"name": "x"}},
            feature(6, 113.05, 28.05, icu_beds=5, beds=2),
        ],
    }
    files = {"file": ("ems2.geojson", json.dumps(bad).encode(), "application/geo+json")}
    response = client.post(URL, files=files)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert sorted({d["feature"] for d in details}) == [1, 2, 3, 4]
    fields = {(d["feature"], d["field"]) for d in details}
    assert {
        (1, "properties.ambulances"),
        (2, "properties.colour"),
        (3, "geometry"),
        (3, "properties.type"),
        (4, "properties.icu_beds"),
    } <= fields
    assert count(db_session) == before


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("../../etc/passwd.csv", f"{HEADER}\n", "not a plain name"),
        ("synthetic", f"{HEADER}\n", "reserved"),
        ("empty.csv", f"{HEADER}\n", "holds no facility"),
        ("junk.geojson", "{not json", "not valid JSON"),
        ("list.geojson", "[1, 2]", "not a GeoJSON FeatureCollection"),
    ],
)
def test_bad_files_are_422_naming_the_problem(
    client: TestClient, name: str, content: str, words: str
) -> None:
    response = upload(client, name, content, lang="en")
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]
    chinese = upload(client, name, content).json()["error"]["message"]
    assert english_sentences(chinese) == []


@pytest.fixture
def small_limits(
    settings: Settings, db_session: Session, auth_headers: Callable[[str], dict[str, str]]
) -> Iterator[TestClient]:
    """A client of an app that takes 2 KiB uploads and 1 KiB other bodies."""
    app = create_app(settings.model_copy(update={"max_upload_bytes": 2048, "max_body_bytes": 1024}))
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app, headers=auth_headers("admin")) as client:
        yield client


@pytest.mark.usefixtures("tiny_city")
def test_uploads_and_bodies_over_the_limit_are_413(
    small_limits: TestClient, db_session: Session
) -> None:
    before = count(db_session)
    rows = "\n".join(f"R{i},卫生院,village_clinic,113.05,28.05,,,," for i in range(100))
    response = upload(small_limits, "big.csv", f"{HEADER}\n{rows}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["message"] == "请求内容超过此地址的上限 2,048 字节"
    english = upload(small_limits, "big.csv", f"{HEADER}\n{rows}", lang="en").json()["error"]
    assert english["message"] == "the request body is over the limit of 2,048 bytes for this path"
    small = upload(
        small_limits, "small.csv", f"{HEADER}\nS1,卫生院,village_clinic,113.05,28.05,,,,"
    )
    assert small.status_code == 201, small.text

    big_feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
        "properties": {"name": "院" * 600, "type": "village_clinic"},
    }
    assert small_limits.post("/api/v1/facilities", json=big_feature).status_code == 413

    # a body without Content-Length (chunked) is counted as it arrives
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 200

    chunked = small_limits.post(
        "/api/v1/facilities", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    assert count(db_session) == before + 1


@pytest.mark.usefixtures("tiny_city")
def test_only_admins_import(
    client: TestClient, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    text = f"{HEADER}\nP1,卫生院,village_clinic,113.05,28.05,,,,"
    files = {"file": ("p.csv", text.encode(), "text/csv")}
    assert client.post(URL, files=files, headers=auth_headers("planner")).status_code == 403
    assert client.post(URL, files=files, headers={"Authorization": ""}).status_code == 401
