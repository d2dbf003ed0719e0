"""Input that used to reach a 500 is a 4xx naming the field or row, and nothing is written.

NUL characters, capacities the database's CHECK constraints refuse, CSV cells past the csv
module's limit, GeoJSON nested past the recursion limit, registers in encodings that decode as
something else, imports past the protocol's 65,535 bound parameters, and a PATCH that does not
say which version it changes.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Scenario
from app.schemas.scenario import MAX_CHANGES

URL = "/api/v1/facilities/import"
HEADER = "id,name,type,lon,lat,beds,icu_beds"
CITY = "439900"

pytestmark = pytest.mark.usefixtures("tiny_city")


def feature(**props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
        "properties": {"name": "卫生院", "type": "township_health_center", **props},
    }


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Facility)) or 0


def upload(client: TestClient, name: str, content: bytes) -> Any:  # the httpx response
    return client.post(URL, files={"file": (name, content, "text/csv")})


def fields(response: Any) -> set[str]:
    return {d.get("field") for d in response.json()["error"]["details"]}


def test_nul_in_a_facility_or_scenario_is_a_422_naming_the_field(
    client: TestClient, db_session: Session
) -> None:
    before = count(db_session)
    created = client.post("/api/v1/facilities", json=feature(name="a\x00b"))
    assert created.status_code == 422, created.text
    assert "properties.name" in fields(created)
    created = client.post("/api/v1/facilities", json=feature(external_id="x\x00"))
    assert created.status_code == 422, created.text
    assert "properties.external_id" in fields(created)
    assert count(db_session) == before

    fid = client.post("/api/v1/facilities", json=feature()).json()["id"]
    patched = client.patch(
        f"/api/v1/facilities/{fid}",
        json={"type": "Feature", "geometry": None, "properties": {"name": "\x00", "version": 1}},
    )
    assert patched.status_code == 422, patched.text
    assert "properties.name" in fields(patched)

    for body in (
        {"name": "s\x00", "city": CITY},
        {"name": "s", "city": CITY, "description": "\x00"},
    ):
        scenario = client.post("/api/v1/scenarios", json=body)
        assert scenario.status_code == 422, scenario.text
        assert fields(scenario) & {"name", "description"}
    assert db_session.scalar(select(func.count()).select_from(Scenario)) == 0


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"beds": 3, "icu_beds": 5}, "properties.icu_beds"),
        (
            {"ambulances": 1, "negative_pressure_ambulances": 2},
            "properties.negative_pressure_ambulances",
        ),
    ],
)
def test_a_part_over_its_whole_is_a_422_on_create_and_update(
    client: TestClient, db_session: Session, props: dict[str, int], field: str
) -> None:
    before = count(db_session)
    created = client.post("/api/v1/facilities", json=feature(**props))
    assert created.status_code == 422, created.text
    assert field in fields(created)
    assert count(db_session) == before

    # the stored whole and the part the update sets, and the other way round
    part = field.removeprefix("properties.")
    whole = "beds" if part == "icu_beds" else "ambulances"
    fid = client.post("/api/v1/facilities", json=feature(**{whole: 4})).json()["id"]
    over = {"type": "Feature", "geometry": None, "properties": {part: 9, "version": 1}}
    patched = client.patch(f"/api/v1/facilities/{fid}", json=over)
    assert patched.status_code == 422, patched.text
    assert field in fields(patched)
    fine = {"type": "Feature", "geometry": None, "properties": {part: 4, "version": 1}}
    assert client.patch(f"/api/v1/facilities/{fid}", json=fine).status_code == 200
    under = {"type": "Feature", "geometry": None, "properties": {whole: 1, "version": 2}}
    patched = client.patch(f"/api/v1/facilities/{fid}", json=under)
    assert patched.status_code == 422, patched.text
    assert field in fields(patched)
    stored = client.get(f"/api/v1/facilities/{fid}").json()["properties"]
    assert (stored[part], stored[whole], stored["version"]) == (4, 4, 2)


def test_a_patch_must_name_the_version_it_changes(client: TestClient) -> None:
    fid = client.post("/api/v1/facilities", json=feature(beds=1)).json()["id"]
    blind = {"type": "Feature", "geometry": None, "properties": {"beds": 2}}
    response = client.patch(f"/api/v1/facilities/{fid}", json=blind)
    assert response.status_code == 428, response.text
    assert response.json()["error"]["code"] == "precondition_required"
    assert f'"{fid}-1"' in response.json()["error"]["message"]
    assert client.get(f"/api/v1/facilities/{fid}").json()["properties"]["beds"] == 1
    sid = client.post("/api/v1/scenarios", json={"name": "s", "city": CITY}).json()["id"]
    assert client.patch(f"/api/v1/scenarios/{sid}", json={"name": "t"}).status_code == 428
    named = client.patch(f"/api/v1/scenarios/{sid}", json={"name": "t", "version": 1})
    assert named.status_code == 200, named.text


def test_a_nul_in_a_csv_cell_names_the_row_and_column(
    client: TestClient, db_session: Session
) -> None:
    text = f"{HEADER}\nA,好\x00名,village_clinic,113.05,28.05,,\n"
    response = upload(client, "nul.csv", text.encode())
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [(d["row"], d["field"]) for d in details] == [(1, "name")]
    assert count(db_session) == 0


def test_a_huge_csv_cell_is_a_422_naming_the_line(client: TestClient) -> None:
    # over the csv module's 128 KiB field limit, well under the upload limit
    big = "x" * (200 * 1024)
    text = f"{HEADER}\nA,ok,village_clinic,113.05,28.05,,\nB,{big},village_clinic,113.05,28.05,,\n"
    response = upload(client, "huge.csv", text.encode())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["line"] == 3


def test_deeply_nested_geojson_is_a_422(client: TestClient) -> None:
    depth = 100_000
    content = b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post(URL, files={"file": ("deep.geojson", content, "application/json")})
    assert response.status_code == 422, response.text
    assert fields(response) == {"file"}
    # the same in a JSON body: a 4xx from the framework, never a 500
    body = b"[" * depth + b"]" * depth
    sent = client.post(
        "/api/v1/facilities", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= sent.status_code < 500, sent.text


ROWS = [("H1", "东区医院", "general_hospital"), ("H2", "西县卫生院", "township_health_center")]


def _csv(encoding: str, bom: bytes = b"") -> bytes:
    lines = [HEADER] + [f"{i},{n},{t},113.05,28.05,10,1" for i, n, t in ROWS]
    return bom + "\r\n".join(lines).encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("gb18030", b""),
        ("gb18030", b"\x84\x31\x95\x33"),
        ("gbk", b""),
        ("utf-16-le", b"\xff\xfe"),
    ],
)
def test_registers_in_chinese_encodings_come_in_as_written(
    client: TestClient, db_session: Session, encoding: str, bom: bytes
) -> None:
    response = upload(client, f"register-{encoding}-{len(bom)}.csv", _csv(encoding, bom))
    assert response.status_code == 201, response.text
    names = db_session.scalars(
        select(Facility.name).where(Facility.id.in_(response.json()["ids"])).order_by(Facility.id)
    ).all()
    assert names == [n for _, n, _ in ROWS]


def test_big5_is_refused_not_stored_as_mojibake(client: TestClient, db_session: Session) -> None:
    lines = [HEADER, "H1,長沙市第一醫院,general_hospital,113.05,28.05,10,1"]
    lines += ["H2,東區衛生服務中心,community_health_center,113.05,28.05,,"]
    response = upload(client, "big5.csv", "\r\n".join(lines).encode("big5"))
    assert response.status_code == 422, response.text
    assert "Big5" in response.json()["error"]["message"]
    assert response.json()["error"]["details"][0]["line"] == 2
    assert count(db_session) == 0


def test_undecodable_bytes_are_refused_naming_the_line(client: TestClient) -> None:
    content = _csv("utf-8") + b"\r\nH3,\xff\xfe\xff,village_clinic,113.05,28.05,,"
    response = upload(client, "broken.csv", content)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["line"] == 4


def test_a_100000_row_import_is_checked_and_written(
    client: TestClient, db_session: Session
) -> None:
    # one bound parameter per id used to fail the duplicate check past the protocol's 65,535
    n_rows = 100_000
    lines = [HEADER] + [f"R{i},村卫生室{i},village_clinic,113.05,28.05,," for i in range(n_rows)]
    response = upload(client, "big.csv", "\n".join(lines).encode())
    assert response.status_code == 201, response.text[:500]
    assert response.json()["imported"] == n_rows
    assert count(db_session) == n_rows


def test_a_scenario_takes_at_most_max_changes(client: TestClient) -> None:
    add = {
        "kind": "add",
        "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
        "properties": {"name": "站", "type": "ems_station"},
    }
    created = client.post(
        "/api/v1/scenarios", json={"name": "s", "city": CITY, "changes": [add] * MAX_CHANGES}
    )
    assert created.status_code == 201, created.text[:300]
    sid = created.json()["id"]
    more = client.post(f"/api/v1/scenarios/{sid}/changes", json=add)
    assert more.status_code == 422, more.text[:300]
    assert fields(more) == {"scenario_id"}
    assert client.get(f"/api/v1/scenarios/{sid}").json()["version"] == 1
