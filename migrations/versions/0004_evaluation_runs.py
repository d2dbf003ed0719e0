"""Compliance runs of the norms engine and their rule × region results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("catalogue_sha256", sa.String(length=64), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("timings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("n_results", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["city_adcode"],
            ["regions.adcode"],
            name=op.f("fk_evaluation_runs_city_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["road_networks.id"],
            name=op.f("fk_evaluation_runs_network_id_road_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_runs")),
        sa.UniqueConstraint(
            "city_adcode", "fingerprint", name=op.f("uq_evaluation_runs_city_adcode")
        ),
    )
    op.create_index(
        op.f("ix_evaluation_runs_city_adcode"), "evaluation_runs", ["city_adcode"], unique=False
    )
    op.create_index(
        op.f("ix_evaluation_runs_network_id"), "evaluation_runs", ["network_id"], unique=False
    )
    op.create_table(
        "evaluation_results",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("region_adcode", sa.String(length=6), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("shortfall", sa.Float(), nullable=True),
        sa.Column("shortfall_unit", sa.Text(), nullable=False),
        sa.Column("shortfall_text", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("citations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("gap_cell_ids", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["evaluation_runs.id"],
            name=op.f("fk_evaluation_results_run_id_evaluation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "idx", name=op.f("pk_evaluation_results")),
    )


def downgrade() -> None:
    op.drop_table("evaluation_results")
    op.drop_index(op.f("ix_evaluation_runs_network_id"), table_name="evaluation_runs")
    op.drop_index(op.f("ix_evaluation_runs_city_adcode"), table_name="evaluation_runs")
    op.drop_table("evaluation_runs")
