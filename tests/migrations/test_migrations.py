"""Migrations: one head, a full upgrade/downgrade cycle, and models that match the DDL."""

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.db import models  # noqa: F401  (registers the tables)
from app.db.base import Base
from app.db.migrate import alembic_config, downgrade_database, upgrade_database
from app.settings import Settings
from tests.conftest import drop_database, recreate_database


@pytest.fixture(scope="module")
def scratch_url(settings: Settings) -> Iterator[str]:
    url = make_url(settings.database_url)
    scratch = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    recreate_database(scratch)
    yield scratch
    drop_database(scratch)


@pytest.fixture(scope="module")
def scratch_engine(scratch_url: str) -> Iterator[Engine]:
    engine = create_engine(scratch_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    assert len(script.get_heads()) == 1


def test_first_revision_enables_postgis(scratch_url: str, scratch_engine: Engine) -> None:
    upgrade_database(scratch_url, "0001")
    with scratch_engine.connect() as conn:
        assert conn.execute(
            text("SELECT extname FROM pg_extension WHERE extname = 'postgis'")
        ).scalar()
    assert _tables(scratch_engine) == set()


def test_upgrade_downgrade_cycle(scratch_url: str, scratch_engine: Engine) -> None:
    upgrade_database(scratch_url, "head")
    assert {"regions", "facilities"} <= _tables(scratch_engine)
    downgrade_database(scratch_url, "base")
    assert _tables(scratch_engine) == set()
    upgrade_database(scratch_url, "head")
    assert {"regions", "facilities"} <= _tables(scratch_engine)


def test_models_match_migrations(scratch_url: str, scratch_engine: Engine) -> None:
    upgrade_database(scratch_url, "head")
    with scratch_engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": alembic_helpers.include_object,
                "compare_type": True,
                "target_metadata": Base.metadata,
            },
        )
        diff = [
            d
            for d in compare_metadata(context, Base.metadata)
            # PostGIS's own tables are not part of our metadata
            if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")
        ]
    assert diff == []
