"""Register fields the plans' norms need: 3 facility types, 4 counts, 9 flags and 2 choices.

Facility types 托育机构, 社区精神康复机构 and 采血点; counts of TCM physicians, public-health staff,
openable infectious-disease beds and childcare places; flags for geriatrics, ophthalmology,
psychology clinic, rehabilitation, hospice care, 中医馆, 治未病, an infectious-disease ward and the
中心乡镇卫生院 role; the 优质服务基层行 standard reached and the government level that runs a
facility. Every new column is NULL (unknown) until a source records it: no count defaults to 0
and no flag to false.

The lists are frozen copies of ``geo.terms`` at this revision (a migration must not change when
the code does); ``tests/migrations/test_vocabulary.py`` checks them against ``geo.terms``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_FACILITY_TYPES = (
    "general_hospital",
    "tcm_hospital",
    "maternal_child_hospital",
    "specialty_hospital",
    "psychiatric_hospital",
    "township_health_center",
    "community_health_center",
    "community_health_station",
    "village_clinic",
    "ems_center",
    "ems_station",
)
FACILITY_TYPES = (
    *OLD_FACILITY_TYPES,
    "childcare_institution",
    "mental_rehab_institution",
    "blood_collection_point",
)
CAPACITY_FIELDS = ("tcm_physicians", "public_health_staff", "infectious_beds", "childcare_places")
SERVICE_FLAGS = (
    "geriatrics_dept",
    "ophthalmology_dept",
    "psychology_clinic",
    "rehabilitation_dept",
    "hospice_care",
    "tcm_hall",
    "tcm_preventive_care",
    "infectious_ward",
    "central_township",
)
PRIMARY_CARE_STANDARDS = ("basic", "recommended")
ADMIN_LEVELS = ("prefecture", "county", "district")


def upgrade() -> None:
    # the type list grows: the CHECK is replaced, its name kept
    op.drop_constraint(op.f("ck_facilities_type"), "facilities", type_="check")
    op.create_check_constraint(
        op.f("ck_facilities_type"), "facilities", f"type IN {FACILITY_TYPES!r}"
    )
    # counts: NULL when unknown, never negative; TCM physicians are among the physicians
    for name in CAPACITY_FIELDS:
        op.add_column("facilities", sa.Column(name, sa.Integer(), nullable=True))
        op.create_check_constraint(
            op.f(f"ck_facilities_{name}_nonnegative"), "facilities", f"{name} >= 0"
        )
    op.create_check_constraint(
        op.f("ck_facilities_tcm_within_physicians"),
        "facilities",
        "tcm_physicians <= physicians",
    )
    # flags: NULL when not recorded (no default), unlike the four original flags
    for name in SERVICE_FLAGS:
        op.add_column("facilities", sa.Column(name, sa.Boolean(), nullable=True))
    # choices: NULL when unknown
    op.add_column("facilities", sa.Column("primary_care_standard", sa.String(16), nullable=True))
    op.create_check_constraint(
        op.f("ck_facilities_primary_care_standard"),
        "facilities",
        f"primary_care_standard IN {PRIMARY_CARE_STANDARDS!r}",
    )
    op.add_column("facilities", sa.Column("admin_level", sa.String(16), nullable=True))
    op.create_check_constraint(
        op.f("ck_facilities_admin_level"), "facilities", f"admin_level IN {ADMIN_LEVELS!r}"
    )


def downgrade() -> None:
    # facilities of the new types cannot stay under the old CHECK: refuse rather than delete
    # them (the list is this file's constant, not input)
    op.execute(
        f"""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM facilities WHERE type NOT IN {OLD_FACILITY_TYPES!r}) THEN
                RAISE EXCEPTION 'facilities of the types added in 0008 exist: '
                    'remove them before downgrading below 0008';
            END IF;
        END $$
        """  # noqa: S608
    )
    for name in ("admin_level", "primary_care_standard", *SERVICE_FLAGS, *CAPACITY_FIELDS):
        op.drop_column("facilities", name)
    op.drop_constraint(op.f("ck_facilities_type"), "facilities", type_="check")
    op.create_check_constraint(
        op.f("ck_facilities_type"), "facilities", f"type IN {OLD_FACILITY_TYPES!r}"
    )
