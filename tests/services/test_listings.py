"""The plain reads of the commands that only look give what the services give.

``fplan token list``, ``network list`` and ``cities`` read with psycopg alone
(:mod:`app.services.listings`); each read is compared here with its service counterpart on the
same data, inside the test's transaction (the reads run on the session's own connection).
"""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app import environment as environment_module
from app.db import plain
from app.db.models import Facility, PopulationCell, RoadNetwork
from app.errors import AppError
from app.schemas.token import TokenCreate, TokenPublic
from app.services import auth, inputs, listings, networks
from app.settings import Settings
from tests.conftest import add_tiny_city
from tests.fixtures.compliance_city import CITY, EAST, prepare


def driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"APP_DATABASE_URL": "postgresql+psycopg://a:b@db.example:6543/other"},
        {"app_database_url": "postgresql+psycopg://lower@127.0.0.1/case"},
    ],
)
def test_the_plain_url_is_the_settings_url(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    for name in ("APP_DATABASE_URL", "app_database_url"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert plain.database_url() == Settings().database_url
    assert plain.libpq_url(plain.database_url()).startswith("postgresql://")


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"APP_PLANS_DIR": "/srv/plans", "APP_NORMS_DIR": "own", "APP_CACHE_DIR": "/tmp/c"},
        {"app_norms_dir": "lower", "APP_NORMS_DIR": "upper"},
        {"APP_NORMS_DIR": "", "app_cache_dir": "relative/cache"},
    ],
)
def test_the_plain_folders_are_the_settings_folders(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    for name in list(os.environ):
        if name.lower() in {"app_plans_dir", "app_norms_dir", "app_cache_dir"}:
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    plain = environment_module.folders()
    assert (plain.plans_dir, plain.norms_dir, plain.cache_dir) == (
        settings.plans_dir,
        settings.norms_dir,
        settings.cache_dir,
    )


def test_libpq_url_keeps_everything_but_the_driver() -> None:
    url = "postgresql+psycopg://fplan:p%40ss@127.0.0.1:5432/fplan_x?sslmode=disable"
    assert (
        plain.libpq_url(url) == "postgresql://fplan:p%40ss@127.0.0.1:5432/fplan_x?sslmode=disable"
    )


def test_the_read_only_connection_reads_and_never_writes(settings: Settings) -> None:
    import psycopg

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APP_DATABASE_URL", settings.database_url)
        with plain.read_only() as conn:
            assert conn.execute("SELECT 1 AS one").fetchone() == {"one": 1}
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("CREATE TABLE listings_probe (id int)")


def test_token_rows_are_the_listed_tokens(db_session: Session) -> None:
    for name, role in (("one", "viewer"), ("two", "planner"), ("three", "admin")):
        auth.create_token(db_session, TokenCreate(name=f"listing-{name}", role=role))
    listed = auth.list_tokens(db_session)
    auth.revoke_token(db_session, listed[-1].id)
    for include_revoked in (True, False):
        expected = auth.list_tokens(db_session, include_revoked=include_revoked)
        rows = listings.token_rows(driver(db_session), include_revoked=include_revoked)
        assert [TokenPublic.model_validate(r) for r in rows] == expected
        # the JSON listing, written without pydantic, is the API's
        assert listings.public_tokens(rows) == [t.model_dump(mode="json") for t in expected]
    assert len(listings.token_rows(driver(db_session), include_revoked=False)) == len(listed) - 1


def test_the_chosen_network_is_the_one_a_city_is_analysed_on(db_session: Session) -> None:
    add_tiny_city(db_session)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def add(name: str, *, synthetic: bool, cover: float | None, days: int) -> None:
        db_session.add(
            RoadNetwork(
                city_adcode=CITY,
                name=name,
                source="test",
                synthetic=synthetic,
                crs="EPSG:32649",
                n_nodes=2,
                n_edges=1,
                params={} if cover is None else {"city_cover_share": cover},
                created_at=start + timedelta(days=days),
            )
        )
        db_session.flush()

    def agree() -> int | None:
        found = networks.find_network(db_session, CITY)
        chosen = listings.chosen_networks(listings.network_rows(driver(db_session), CITY))
        assert chosen.get(CITY) == (found.id if found is not None else None)
        return chosen.get(CITY)

    # only a partial extract: no network stands for the city
    add("campus", synthetic=False, cover=0.3, days=0)
    assert agree() is None
    # synthetic ones: the newest; then a real one that covers the city wins over them
    add("synthetic old", synthetic=True, cover=None, days=1)
    add("synthetic new", synthetic=True, cover=None, days=2)
    assert agree() is not None
    add("osm", synthetic=False, cover=0.9, days=0)
    assert agree() is not None
    add("osm same day", synthetic=False, cover=None, days=0)
    assert agree() is not None


def prepared_by_service(session: Session, city: str) -> bool:
    try:
        with session.begin_nested():
            inputs.require_prepared(session, city)
    except AppError:
        return False
    return True


def test_prepared_cities_are_those_require_prepared_accepts(db_session: Session) -> None:
    cities = [CITY, EAST, "439999", "430100"]

    def agree() -> set[str]:
        expected = {c for c in cities if prepared_by_service(db_session, c)}
        assert listings.prepared_cities(driver(db_session), cities) == expected
        return expected

    # no region, then regions only, then each part missing in turn
    db_session.execute(delete(Facility).where(Facility.region_adcode.in_(["439901", "439902"])))
    assert CITY not in agree()
    add_tiny_city(db_session)
    assert agree() == set()
    prepare(db_session)
    assert agree() == {CITY}
    db_session.execute(delete(Facility).where(Facility.region_adcode == EAST))
    assert CITY in agree()
    db_session.execute(delete(Facility).where(Facility.region_adcode.in_(["439901", "439902"])))
    assert agree() == set()
    prepare(db_session)
    db_session.execute(delete(PopulationCell).where(PopulationCell.city_adcode == CITY))
    assert agree() == set()
    prepare(db_session)
    db_session.execute(delete(RoadNetwork).where(RoadNetwork.city_adcode == CITY))
    assert agree() == set()
