"""Regions and facilities.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGION_LEVELS = ("province", "prefecture", "district", "county", "county_city", "zone")
FACILITY_TYPES = (
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
FACILITY_GRADES = ("tertiary", "secondary", "primary", "none")
FACILITY_OWNERSHIPS = ("public", "private")
CAPACITY_FIELDS = (
    "beds",
    "icu_beds",
    "physicians",
    "nurses",
    "general_practitioners",
    "pharmacists",
    "ambulances",
    "negative_pressure_ambulances",
)
SERVICE_FLAGS = (
    "psychiatric_ward",
    "critical_maternal_centre",
    "critical_neonatal_centre",
    "ems_station_hosted",
)
GHSL_SHARES = (
    "ghsl_urban_centre_share",
    "ghsl_dense_cluster_share",
    "ghsl_semi_dense_share",
    "ghsl_suburban_share",
    "ghsl_rural_cluster_share",
    "ghsl_low_density_rural_share",
    "ghsl_very_low_density_rural_share",
)


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("adcode", sa.String(6), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_adcode", sa.String(6), nullable=True),
        sa.Column("city_adcode", sa.String(6), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("urban_share", sa.Float(), nullable=True),
        sa.Column("ghsl_population", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True) for name in GHSL_SHARES),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False
            ),
            nullable=True,
        ),
        sa.CheckConstraint(f"level IN {REGION_LEVELS!r}", name=op.f("ck_regions_level")),
        sa.CheckConstraint("adcode ~ '^[0-9]{6}$'", name=op.f("ck_regions_adcode_digits")),
        sa.CheckConstraint("population >= 0", name=op.f("ck_regions_population_nonnegative")),
        sa.CheckConstraint(
            "urban_share BETWEEN 0 AND 1", name=op.f("ck_regions_urban_share_range")
        ),
        sa.ForeignKeyConstraint(
            ["parent_adcode"],
            ["regions.adcode"],
            name=op.f("fk_regions_parent_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("adcode", name=op.f("pk_regions")),
    )
    op.create_index(op.f("ix_regions_level"), "regions", ["level"])
    op.create_index(op.f("ix_regions_parent_adcode"), "regions", ["parent_adcode"])
    op.create_index(op.f("ix_regions_city_adcode"), "regions", ["city_adcode"])
    op.create_index("idx_regions_geom", "regions", ["geom"], postgresql_using="gist")

    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("grade", sa.String(16), nullable=True),
        sa.Column("ownership", sa.String(16), nullable=True),
        *(sa.Column(f, sa.Integer(), nullable=True) for f in CAPACITY_FIELDS),
        *(
            sa.Column(f, sa.Boolean(), server_default=sa.text("false"), nullable=False)
            for f in SERVICE_FLAGS
        ),
        sa.Column("region_adcode", sa.String(6), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint(f"type IN {FACILITY_TYPES!r}", name=op.f("ck_facilities_type")),
        sa.CheckConstraint(f"grade IN {FACILITY_GRADES!r}", name=op.f("ck_facilities_grade")),
        sa.CheckConstraint(
            f"ownership IN {FACILITY_OWNERSHIPS!r}", name=op.f("ck_facilities_ownership")
        ),
        *(
            sa.CheckConstraint(f"{f} >= 0", name=op.f(f"ck_facilities_{f}_nonnegative"))
            for f in CAPACITY_FIELDS
        ),
        sa.CheckConstraint(
            "negative_pressure_ambulances <= ambulances", name=op.f("ck_facilities_np_within_fleet")
        ),
        sa.CheckConstraint("icu_beds <= beds", name=op.f("ck_facilities_icu_within_beds")),
        sa.ForeignKeyConstraint(
            ["region_adcode"],
            ["regions.adcode"],
            name=op.f("fk_facilities_region_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
    )
    op.create_index(op.f("ix_facilities_external_id"), "facilities", ["external_id"])
    op.create_index(
        "uq_facilities_source_external_id",
        "facilities",
        ["source", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(op.f("ix_facilities_type"), "facilities", ["type"])
    op.create_index(op.f("ix_facilities_region_adcode"), "facilities", ["region_adcode"])
    op.create_index(op.f("ix_facilities_source"), "facilities", ["source"])
    op.create_index("idx_facilities_geom", "facilities", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("facilities")
    op.drop_table("regions")
