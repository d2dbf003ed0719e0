"""API tokens and roles: 401 without or with a bad token, 403 below the role, reads by setting."""

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import RouteContext
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.api.deps import SAFE_METHODS, RequireRole, get_session
from app.api.openapi import api_routes, error_codes
from app.cli import app as cli
from app.db.models import ApiToken
from app.main import API_PREFIX, create_app
from app.settings import Settings

FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
    "properties": {"name": "卫生院", "type": "township_health_center"},
}


@pytest.fixture
def make_client(settings: Settings, db_session: Session) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings_changes)``: a client without a token on the test's session."""
    clients: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        app = create_app(settings.model_copy(update=changes))
        app.dependency_overrides[get_session] = lambda: db_session
        client = TestClient(app)
        clients.append(client)
        return client.__enter__()

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def anonymous(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.usefixtures("tiny_city")
def test_a_write_without_a_token_is_401_naming_the_scheme(anonymous: TestClient) -> None:
    response = anonymous.post("/api/v1/facilities", json=FEATURE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("Bearer not-a-token", "令牌格式不对"),
        ("Bearer fpl_" + "A" * 43, "未知的 API 令牌"),
        ("Basic dXNlcjpwYXNz", "请求头 Authorization 应为 “Bearer <令牌>”"),
    ],
)
def test_a_bad_token_is_401_even_on_a_read(anonymous: TestClient, header: str, words: str) -> None:
    for method, path in (("POST", "/api/v1/facilities"), ("GET", "/api/v1/facilities")):
        response = anonymous.request(method, path, json=FEATURE, headers={"Authorization": header})
        assert response.status_code == 401, (method, response.text)
        assert words in response.json()["error"]["message"]


@pytest.mark.usefixtures("tiny_city")
def test_roles_viewer_planner_admin_on_the_register(
    anonymous: TestClient, make_token: Callable[..., str]
) -> None:
    for role in ("viewer", "planner"):
        response = anonymous.post(
            "/api/v1/facilities", json=FEATURE, headers=bearer(make_token(role))
        )
        assert response.status_code == 403, role
        roles = {"viewer": "查看者", "planner": "规划员"}
        assert f"角色是{roles[role]}，此操作需要管理员" in response.json()["error"]["message"]
        english = anonymous.post(
            "/api/v1/facilities",
            json=FEATURE,
            headers={**bearer(make_token(role)), "Accept-Language": "en"},
        )
        assert f"has role {role}; this needs admin" in english.json()["error"]["message"]
    viewer = bearer(make_token("viewer"))
    assert anonymous.get("/api/v1/facilities", headers=viewer).status_code == 200
    admin = bearer(make_token("admin"))
    created = anonymous.post("/api/v1/facilities", json=FEATURE, headers=admin)
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    planner = bearer(make_token("planner"))
    patch = {"type": "Feature", "geometry": None, "properties": {"beds": 3, "version": 1}}
    assert (
        anonymous.patch(f"/api/v1/facilities/{fid}", json=patch, headers=planner).status_code == 403
    )
    assert anonymous.delete(f"/api/v1/facilities/{fid}", headers=planner).status_code == 403
    assert (
        anonymous.patch(f"/api/v1/facilities/{fid}", json=patch, headers=admin).status_code == 200
    )


@pytest.mark.usefixtures("tiny_city")
def test_reads_are_open_by_default_and_token_only_by_setting(
    make_client: Callable[..., TestClient], make_token: Callable[..., str]
) -> None:
    open_reads = make_client()
    assert open_reads.get("/api/v1/facilities").status_code == 200
    assert open_reads.get("/api/v1/regions/439901").status_code == 200

    closed = make_client(auth_required_for_reads=True)
    for path in ("/api/v1/facilities", "/api/v1/regions/439901", "/api/v1/norms"):
        response = closed.get(path)
        assert response.status_code == 401, path
    # a probe needs no token whatever the setting
    assert closed.get("/api/v1/health").status_code == 200
    viewer = bearer(make_token("viewer"))
    assert closed.get("/api/v1/facilities", headers=viewer).status_code == 200
    assert closed.get("/api/v1/regions/439901", headers=viewer).status_code == 200


def test_tokens_are_stored_hashed_and_managed_by_admins(
    anonymous: TestClient, db_session: Session, make_token: Callable[..., str]
) -> None:
    admin = bearer(make_token("admin"))
    issued = anonymous.post(
        "/api/v1/tokens", json={"name": "长沙规划办", "role": "planner"}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    secret = body["secret"]
    assert re.fullmatch(r"fpl_[A-Za-z0-9_-]{43}", secret)
    assert body["prefix"] == secret[:12]
    row = db_session.scalars(select(ApiToken).where(ApiToken.id == body["id"])).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps({c.name: str(getattr(row, c.name)) for c in ApiToken.__table__.columns})
    assert secret not in stored
    assert row.last_used_at is None

    listed = anonymous.get("/api/v1/tokens", headers=admin)
    assert listed.status_code == 200
    assert secret not in listed.text
    assert body["id"] in [t["id"] for t in listed.json()]

    # the new planner token works, and is not enough to manage tokens
    planner = bearer(secret)
    assert anonymous.get("/api/v1/tokens", headers=planner).status_code == 403
    db_session.expire_all()
    assert db_session.get(ApiToken, body["id"]).last_used_at is not None  # type: ignore[union-attr]

    revoked = anonymous.delete(f"/api/v1/tokens/{body['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    after = anonymous.get("/api/v1/facilities", headers=planner)
    assert after.status_code == 401
    assert "已于" in after.json()["error"]["message"]
    english = anonymous.get("/api/v1/facilities", headers={**planner, "Accept-Language": "en"})
    assert "revoked" in english.json()["error"]["message"]
    assert anonymous.delete("/api/v1/tokens/999999", headers=admin).status_code == 404
    bad_role = anonymous.post("/api/v1/tokens", json={"name": "x", "role": "root"}, headers=admin)
    assert bad_role.status_code == 422


def test_cli_creates_lists_and_revokes(db_session: Session, anonymous: TestClient) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["token", "create", "--role", "admin", "--name", "ops", "--json"], obj=db_session
    )
    assert created.exit_code == 0, created.output
    issued = json.loads(created.stdout)
    assert issued["role"] == "admin"
    assert anonymous.get("/api/v1/tokens", headers=bearer(issued["secret"])).status_code == 200

    listed = runner.invoke(cli, ["token", "list", "--json"], obj=db_session)
    assert listed.exit_code == 0, listed.output
    assert issued["secret"] not in listed.stdout
    assert [t["name"] for t in json.loads(listed.stdout)] == ["ops"]

    revoked = runner.invoke(cli, ["token", "revoke", str(issued["id"])], obj=db_session)
    assert revoked.exit_code == 0, revoked.output
    assert anonymous.get("/api/v1/tokens", headers=bearer(issued["secret"])).status_code == 401
    missing = runner.invoke(cli, ["token", "revoke", "999999"], obj=db_session)
    assert missing.exit_code == 2
    bad = runner.invoke(cli, ["token", "create", "--role", "root", "--name", "x"], obj=db_session)
    assert bad.exit_code == 2


def _writes(app: FastAPI) -> list[RouteContext]:
    """Every route under /api/v1 with a method that may change something, routers included."""
    return [
        route
        for route in api_routes(app)
        if route.path.startswith(API_PREFIX) and set(route.methods or ()) - SAFE_METHODS
    ]


def test_every_write_route_requires_a_role(settings: Settings) -> None:
    """Walks the app's routes, so a write route added later without a role check fails here."""
    app = create_app(settings)
    writes = _writes(app)
    assert len(writes) >= 4
    for route in writes:
        roles = [
            dep.call.role for dep in _all_dependencies(route) if isinstance(dep.call, RequireRole)
        ]
        assert roles, f"{sorted(route.methods or ())} {route.path} has no RequireRole dependency"
        assert {401, 403} <= error_codes(route)


def _all_dependencies(route: RouteContext) -> list[Any]:
    found, stack = [], list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        found.append(dep)
        stack.extend(dep.dependencies)
    return found


def test_every_write_route_answers_401_without_a_token(anonymous: TestClient) -> None:
    app = anonymous.app
    assert isinstance(app, FastAPI)
    for route in _writes(app):
        # any value fills the path parameters: the token is checked before them
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in set(route.methods or ()) - SAFE_METHODS:
            response = anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.text)
