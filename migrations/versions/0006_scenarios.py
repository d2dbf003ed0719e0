"""Scenarios and their changes (add, close, move, update facilities), kept apart from the register.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCENARIO_CHANGE_KINDS = ("add", "close", "move", "update")


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("shared", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["city_adcode"],
            ["regions.adcode"],
            name=op.f("fk_scenarios_city_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    op.create_index(op.f("ix_scenarios_city_adcode"), "scenarios", ["city_adcode"])

    op.create_table(
        "scenario_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column(
            "properties",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("region_adcode", sa.String(length=6), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            f"kind IN {SCENARIO_CHANGE_KINDS!r}", name=op.f("ck_scenario_changes_kind")
        ),
        sa.CheckConstraint(
            "(kind = 'add') = (facility_id IS NULL)",
            name=op.f("ck_scenario_changes_facility_unless_add"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('add', 'move') OR geom IS NOT NULL",
            name=op.f("ck_scenario_changes_geom_where_placed"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_changes_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_scenario_changes_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_adcode"],
            ["regions.adcode"],
            name=op.f("fk_scenario_changes_region_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_changes")),
        sa.UniqueConstraint("scenario_id", "seq", name=op.f("uq_scenario_changes_scenario_id")),
    )
    op.create_index(op.f("ix_scenario_changes_scenario_id"), "scenario_changes", ["scenario_id"])
    op.create_index(op.f("ix_scenario_changes_facility_id"), "scenario_changes", ["facility_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scenario_changes_facility_id"), table_name="scenario_changes")
    op.drop_index(op.f("ix_scenario_changes_scenario_id"), table_name="scenario_changes")
    op.drop_table("scenario_changes")
    op.drop_index(op.f("ix_scenarios_city_adcode"), table_name="scenarios")
    op.drop_table("scenarios")
