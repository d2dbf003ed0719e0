"""A real server on loopback over a committed database, for concurrency and load tests.

The database (``<test database>_served``) is created and migrated once per run, holds the tiny
prepared city of ``tests.fixtures.compliance_city`` and one token per role, and is dropped at
the end. The app runs in a subprocess (``python -m tests._net``) on a free loopback port.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.api.deps import get_norm_catalogues
from app.db.migrate import upgrade_database
from app.schemas.token import TokenCreate
from app.services import auth
from app.settings import PROJECT_ROOT, Settings
from tests._net import free_port, serve_loopback
from tests.conftest import add_tiny_city, drop_database, recreate_database
from tests.fixtures.compliance_city import prepare, tiny_norms


@dataclass(frozen=True)
class Served:
    """A live server: its URL, its database and a token secret per role."""

    base_url: str
    database_url: str
    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="session")
def served(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = make_url(settings.database_url)
    url = base.set(database=f"{base.database}_served").render_as_string(hide_password=False)
    recreate_database(url)
    upgrade_database(url)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        add_tiny_city(session)
        prepare(session)
    tokens = {}
    with Session(engine) as session:
        for role in ("viewer", "planner", "admin"):
            issued = auth.create_token(session, TokenCreate(name=f"served-{role}", role=role))
            tokens[role] = issued.secret
    engine.dispose()

    folder = tmp_path_factory.mktemp("served")
    tiny_norms(folder / "plans")
    port = free_port()
    command = [sys.executable, "-m", "tests._net", "--database-url", url]
    command += ["--norms", str(folder / "plans"), "--cache-dir", str(folder / "cache")]
    command += ["--port", str(port)]
    env = {"PYTHONPATH": str(PROJECT_ROOT)}
    with serve_loopback(command, port=port, env=env) as base_url:
        yield Served(base_url=base_url, database_url=url, tokens=tokens)
    drop_database(url)


@pytest.fixture
def api(client: TestClient, tmp_path: Path, tiny_city: None) -> Iterator[TestClient]:
    """The admin client, answering with the tiny plan's catalogue."""
    norms = tiny_norms(tmp_path)
    app = cast("FastAPI", client.app)
    app.dependency_overrides[get_norm_catalogues] = lambda: norms
    yield client
    app.dependency_overrides.pop(get_norm_catalogues)


@pytest.fixture
def prepared(db_session: Session, api: TestClient) -> TestClient:
    """:func:`api` on the tiny city prepared (network, residents, facilities)."""
    prepare(db_session)
    return api
