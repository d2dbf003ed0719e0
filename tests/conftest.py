"""Shared fixtures: a real PostGIS migrated by Alembic, one rolled-back transaction per test.

The test database is created fresh once per run (``<name>_test`` beside the configured database,
or ``APP_TEST_DATABASE_URL``) and migrated to head; each test runs inside a transaction that is
rolled back, so no test sees another's writes.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.settings import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

# the service (app.main, the routes, the migrations) is imported by the fixtures that need it,
# so a lane without a database (tests/geo) does not pay for loading it

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def _test_database_url() -> str:
    explicit = os.environ.get("APP_TEST_DATABASE_URL")
    if explicit:
        return explicit
    # one database per run (process), so parallel runs never drop each other's
    base = make_url(Settings().database_url)
    name = f"{base.database or 'fplan'}_test_{os.getpid()}"
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def recreate_database(url: str) -> None:
    """Drop and create the database named by ``url`` through the server's ``postgres`` database."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = SHARED.resolve()
    assert path.is_dir(), f"the shared data folder is missing: {path}"
    return path


@pytest.fixture(scope="session")
def data_dir(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Settings]:
    from app.db.local import ensure_local_database
    from app.db.migrate import upgrade_database

    url = _test_database_url()
    ensure_local_database(Settings().database_url)
    recreate_database(url)
    upgrade_database(url)
    yield Settings(
        database_url=url,
        data_dir=shared_dir / "data",
        plans_dir=shared_dir / "plans",
        cache_dir=tmp_path_factory.mktemp("cache"),
    )
    if not os.environ.get("APP_TEST_DATABASE_URL"):
        drop_database(url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    eng = create_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    # services call session.begin(); inside the test's transaction that becomes a savepoint
    with Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    ) as s:
        yield s


SQUARE = "SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def add_tiny_city(session: Session) -> None:
    """Add prefecture 439900 with a district (east) and a county (west), 0.1° squares."""
    from app.db.models import Region

    session.add_all(
        [
            Region(adcode="439900", name="测试市", level="prefecture", city_adcode="439900"),
            Region(
                adcode="439901",
                name="东区",
                level="district",
                parent_adcode="439900",
                city_adcode="439900",
                population=100_000,
                geom=SQUARE.format(x0=113.0, y0=28.0, x1=113.1, y1=28.1),
            ),
            Region(
                adcode="439902",
                name="西县",
                level="county",
                parent_adcode="439900",
                city_adcode="439900",
                population=50_000,
                geom=SQUARE.format(x0=112.9, y0=28.0, x1=113.0, y1=28.1),
            ),
        ]
    )
    session.flush()


@pytest.fixture
def tiny_city(db_session: Session) -> None:
    """A hand-built prefecture 439900 with a district (east) and a county (west), 0.1° squares."""
    add_tiny_city(db_session)


@pytest.fixture
def make_token(db_session: Session) -> Callable[..., str]:
    """Issue an API token of a role inside the test's transaction; returns its secret."""
    from app.schemas.token import TokenCreate
    from app.services import auth

    def make(role: str, name: str | None = None) -> str:
        request = TokenCreate(name=name or f"test-{role}", role=role)
        return auth.create_token(db_session, request).secret

    return make


@pytest.fixture
def auth_headers(make_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    """``auth_headers("planner")``: the Authorization header of a new token of that role."""
    return lambda role: {"Authorization": f"Bearer {make_token(role)}"}


@pytest.fixture
def client(
    settings: Settings, db_session: Session, make_token: Callable[..., str]
) -> Iterator["TestClient"]:
    """A client of the app on the test's session, sending an admin token (writes need one)."""
    from fastapi.testclient import TestClient

    from app.api.deps import get_session
    from app.main import create_app

    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db_session
    admin = {"Authorization": f"Bearer {make_token('admin', 'test-client')}"}
    with TestClient(app, headers=admin) as test_client:
        yield test_client


# test lanes (markers registered in pyproject.toml): folders whose every test needs PostGIS …
_DB_FOLDERS = frozenset({"api", "db", "services", "migrations", "scenarios", "browser"})
# … and, elsewhere (tests/cli), the fixtures that create or open the test database
_DB_FIXTURES = frozenset({"settings", "engine", "connection", "db_session"})
# real data of ../shared/data (Porto Alegre, Changsha, the Hunan polygons and census, and the
# 10k-node-and-up synthetic networks grown on them) is read only through this fixture
_SLOW_FIXTURES = frozenset({"data_dir"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test ``db``, ``browser`` and ``slow`` by its folder and its fixtures."""
    root = Path(__file__).resolve().parent
    for item in items:
        parts = item.path.resolve().relative_to(root).parts
        folder = parts[0] if len(parts) > 1 else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        if folder in _DB_FOLDERS or fixtures & _DB_FIXTURES:
            item.add_marker(pytest.mark.db)
        if folder == "browser":
            item.add_marker(pytest.mark.browser)
        if fixtures & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # a skipped test is a test that did not run: fail the run (issue #2)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"FAILED: {skipped} test(s) skipped; every test must run", red=True)
