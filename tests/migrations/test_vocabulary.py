"""The database's CHECK lists after ``upgrade head`` are exactly the vocabulary of ``geo.terms``.

Migrations hold frozen copies of the lists; this pins the newest copy to the enums, so a term added
to ``geo.terms`` without a migration (or the other way round) fails here.
"""

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.db.migrate import upgrade_database
from app.settings import Settings
from geo import terms
from tests.conftest import drop_database, recreate_database


@pytest.fixture(scope="module")
def head_engine(settings: Settings) -> Iterator[Engine]:
    url = make_url(settings.database_url)
    scratch = url.set(database=f"{url.database}_vocabulary").render_as_string(hide_password=False)
    recreate_database(scratch)
    upgrade_database(scratch, "head")
    engine = create_engine(scratch, poolclass=NullPool)
    yield engine
    engine.dispose()
    drop_database(scratch)


def _check_list(engine: Engine, constraint: str) -> set[str]:
    """The quoted values of a CHECK (column IN (...)) constraint on facilities."""
    with engine.connect() as conn:
        definition = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = :name AND conrelid = 'facilities'::regclass"
            ),
            {"name": constraint},
        ).scalar_one()
    return set(re.findall(r"'([^']*)'", definition))


def _columns(engine: Engine) -> dict[str, tuple[str, bool]]:
    """Column name → (data type, nullable) of the facilities table."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, data_type, is_nullable = 'YES' "
                "FROM information_schema.columns WHERE table_name = 'facilities'"
            )
        ).all()
    return {name: (kind, nullable) for name, kind, nullable in rows}


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("ck_facilities_type", terms.FACILITY_TYPES),
        ("ck_facilities_grade", terms.FACILITY_GRADES),
        ("ck_facilities_ownership", terms.FACILITY_OWNERSHIPS),
        ("ck_facilities_primary_care_standard", terms.PRIMARY_CARE_STANDARDS),
        ("ck_facilities_admin_level", terms.ADMIN_LEVELS),
    ],
)
def test_check_lists_match_the_enums(
    head_engine: Engine, constraint: str, expected: tuple[str, ...]
) -> None:
    assert _check_list(head_engine, constraint) == set(expected)


def test_every_capacity_is_a_nullable_nonnegative_count(head_engine: Engine) -> None:
    columns = _columns(head_engine)
    for name in terms.CAPACITY_FIELDS:
        assert columns[name] == ("integer", True), name
        with head_engine.connect() as conn:
            found = conn.execute(
                text("SELECT count(*) FROM pg_constraint WHERE conname = :name"),
                {"name": f"ck_facilities_{name}_nonnegative"},
            ).scalar_one()
        assert found == 1, name


def test_recorded_flags_default_false_and_plan_flags_stay_unknown(head_engine: Engine) -> None:
    columns = _columns(head_engine)
    assert set(terms.SERVICE_FLAGS) == set(terms.RECORDED_FLAGS) | set(terms.UNRECORDED_FLAGS)
    for name in terms.RECORDED_FLAGS:
        assert columns[name] == ("boolean", False), name
    for name in terms.UNRECORDED_FLAGS:
        assert columns[name] == ("boolean", True), name
    with head_engine.connect() as conn:
        defaults = dict(
            conn.execute(
                text(
                    "SELECT column_name, column_default FROM information_schema.columns "
                    "WHERE table_name = 'facilities'"
                )
            ).all()
        )
    # unknown is NULL: no plan field defaults to 0 or false
    for name in (*terms.PLAN_CAPACITY_FIELDS, *terms.UNRECORDED_FLAGS, *terms.PLAN_CHOICE_FIELDS):
        assert defaults[name] is None, name


def test_every_layer_declares_each_register_field_of_geo_terms() -> None:
    # the typed mirrors of the vocabulary (ORM columns, API schemas, evaluator inputs) hold every
    # capacity and service flag of geo.terms, so a term added there cannot be forgotten elsewhere
    from dataclasses import fields

    from app.db.models import Facility
    from app.schemas.facility import FacilityBase, FacilityChanges
    from geo.norms.inputs import FacilityInput

    names = {*terms.CAPACITY_FIELDS, *terms.SERVICE_FLAGS}
    assert names <= set(Facility.__table__.columns.keys())
    assert names <= set(FacilityBase.model_fields)
    assert names <= set(FacilityChanges.model_fields)
    assert names <= {f.name for f in fields(FacilityInput)}
