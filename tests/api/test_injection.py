"""SQL injection and path traversal on every string parameter: a 4xx, and nothing changes.

The routes and their parameters come from the app's own OpenAPI description (plus the map
page's vendor route, outside it), so a route added later is attacked too. Every other parameter
gets a valid value, so the attack is what the route has to judge. Before and after, every table's
row count and the list of tables must be the same.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from app.api.deps import get_norm_catalogues
from app.db.base import Base
from tests.fixtures.compliance_city import CITY, EAST, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city

ATTACKS = [
    "' OR '1'='1",
    "1; DROP TABLE facilities; --",
    "439900' UNION SELECT token_hash FROM api_tokens --",
    '"; DELETE FROM regions WHERE "1"="1',
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/etc/passwd\x00.csv",
]
# conditional-request validators are compared, never interpreted: an unknown one only means
# "send the full answer" (RFC 9110 §13.1.2), so a 2xx is right there; they must still change
# nothing and never fail
CONDITIONAL_HEADERS = {"if-none-match"}
# valid values for the parameters that are not under attack
VALID: dict[str, Any] = {
    "city": CITY,
    "adcode": EAST,
    "region": EAST,
    "facility_type": "ems_station",
    "minutes": 15,
    "mode": "drive",
    "layer": "regions",
    "z": 10,
    "x": 834,
    "y": 428,
    "crs": "wgs84",
    "format": "json",
    "rule": "tiny.care_circle",
}


def _string_schema(schema: dict[str, Any]) -> bool:
    """True when the parameter's schema lets a string through (possibly only some strings)."""
    if schema.get("type") == "string" or "enum" in schema:
        return True
    if schema.get("type") == "array":
        return _string_schema(schema.get("items", {}))
    return any(_string_schema(s) for s in schema.get("anyOf", []))


def _targets(app: FastAPI) -> list[tuple[str, str, str, str, list[dict[str, Any]]]]:
    """(method, path, location, name, all parameters) of every parameter worth attacking."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter["in"] == "path" or _string_schema(parameter["schema"]):
                    found.append(
                        (method.upper(), path, parameter["in"], parameter["name"], parameters)
                    )
    return found


def _fill_path(
    template: str, parameters: list[dict[str, Any]], name: str, attack: str, valid: dict[str, Any]
) -> str:
    """The path with ``attack`` (percent-encoded) in parameter ``name``, valid values elsewhere."""
    values = {
        p["name"]: quote(str(attack if p["name"] == name else valid.get(p["name"], 1)), safe="")
        for p in parameters
        if p["in"] == "path"
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def _row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    tables = set(inspect(session.connection()).get_table_names())
    counts = {
        t.name: session.scalar(select(func.count()).select_from(t)) or 0
        for t in Base.metadata.sorted_tables
    }
    return {**counts, "__tables__": len(tables)}


@pytest.fixture
def attacked(
    client: TestClient, db_session: Session, tmp_path: Path, tiny_city: None
) -> TestClient:
    """The admin client (so writes reach their checks) on the tiny prepared city."""
    prepare_city(db_session)
    norms = tiny_norms(tmp_path)
    app = client.app
    assert isinstance(app, FastAPI)
    app.dependency_overrides[get_norm_catalogues] = lambda: norms
    return client


def test_every_string_parameter_refuses_injection_and_traversal(
    attacked: TestClient, db_session: Session
) -> None:
    app = attacked.app
    assert isinstance(app, FastAPI)
    first = attacked.get("/api/v1/facilities", params={"limit": 1}).json()["features"][0]
    valid = {**VALID, "facility_id": first["id"]}
    targets = _targets(app)
    assert len(targets) >= 20
    before = _row_counts(db_session)
    failures = []
    for method, template, location, name, parameters in targets:
        for attack in ATTACKS:
            path = _fill_path(template, parameters, name, attack, valid)
            query = {
                p["name"]: attack if p["name"] == name else valid[p["name"]]
                for p in parameters
                if p["in"] == "query" and (p["name"] == name or p.get("required"))
            }
            headers = {name: attack.replace("\x00", "")} if location == "header" else {}
            response = attacked.request(method, path, params=query, headers=headers, json={})
            conditional = location == "header" and name in CONDITIONAL_HEADERS
            ok = response.status_code < 500 if conditional else 400 <= response.status_code < 500
            # a refusal of the parameter says which one (a 404 for a path is about the path; the
            # empty body of a write is refused on its own account)
            named = (
                response.status_code != 422 or method in ("POST", "PATCH") or name in response.text
            )
            if not ok or not named or "Traceback" in response.text:
                failures.append((method, template, name, attack, response.status_code))
    assert failures == []
    assert _row_counts(db_session) == before


def test_the_map_vendor_route_refuses_traversal(client: TestClient) -> None:
    for attack in ATTACKS:
        response = client.get(f"/vendor/maplibre-gl/{quote(attack, safe='')}")
        assert response.status_code == 404, attack
        assert "root:" not in response.text


@pytest.mark.usefixtures("tiny_city")
def test_hostile_text_in_a_body_is_stored_as_text(client: TestClient, db_session: Session) -> None:
    before = _row_counts(db_session)
    name = "x'); DROP TABLE facilities; --"
    created = client.post(
        "/api/v1/facilities",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
            "properties": {"name": name, "type": "village_clinic", "external_id": "../../etc"},
        },
    )
    assert created.status_code == 201, created.text
    stored = client.get(f"/api/v1/facilities/{created.json()['id']}").json()["properties"]
    assert (stored["name"], stored["external_id"]) == (name, "../../etc")
    after = _row_counts(db_session)
    assert after == {**before, "facilities": before["facilities"] + 1}
