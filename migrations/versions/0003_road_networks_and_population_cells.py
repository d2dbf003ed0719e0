"""Road networks (nodes, directed edges) and population cells.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:00:46.002142
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "road_networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("crs", sa.String(length=32), nullable=False),
        sa.Column("n_nodes", sa.Integer(), nullable=False),
        sa.Column("n_edges", sa.Integer(), nullable=False),
        sa.Column(
            "params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["city_adcode"],
            ["regions.adcode"],
            name=op.f("fk_road_networks_city_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_networks")),
    )
    op.create_index(
        op.f("ix_road_networks_city_adcode"), "road_networks", ["city_adcode"], unique=False
    )
    op.create_geospatial_table(
        "population_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("region_adcode", sa.String(length=6), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("density_per_km2", sa.Float(), nullable=False),
        sa.Column("settlement_class", sa.String(length=16), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        sa.Column("road_length_m", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "centroid",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "settlement_class IN ('urban_centre', 'urban_cluster', 'rural')",
            name=op.f("ck_population_cells_settlement_class"),
        ),
        sa.CheckConstraint(
            "population >= 0", name=op.f("ck_population_cells_population_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["city_adcode"],
            ["regions.adcode"],
            name=op.f("fk_population_cells_city_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["road_networks.id"],
            name=op.f("fk_population_cells_network_id_road_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_adcode"],
            ["regions.adcode"],
            name=op.f("fk_population_cells_region_adcode_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_cells")),
    )
    op.create_geospatial_index(
        "idx_population_cells_centroid",
        "population_cells",
        ["centroid"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_population_cells_geom",
        "population_cells",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_population_cells_city_adcode"), "population_cells", ["city_adcode"], unique=False
    )
    op.create_index(
        op.f("ix_population_cells_network_id"), "population_cells", ["network_id"], unique=False
    )
    op.create_index(
        op.f("ix_population_cells_region_adcode"),
        "population_cells",
        ["region_adcode"],
        unique=False,
    )
    op.create_geospatial_table(
        "road_edges",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("u", sa.Integer(), nullable=False),
        sa.Column("v", sa.Integer(), nullable=False),
        sa.Column("way_id", sa.BigInteger(), nullable=False),
        sa.Column("highway", sa.String(length=32), nullable=False),
        sa.Column("oneway", sa.Boolean(), nullable=False),
        sa.Column("maxspeed_kph", sa.Float(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("access", sa.SmallInteger(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["road_networks.id"],
            name=op.f("fk_road_edges_network_id_road_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_road_edges")),
    )
    op.create_geospatial_index(
        "idx_road_edges_geom",
        "road_edges",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "road_nodes",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("x_m", sa.Float(), nullable=False),
        sa.Column("y_m", sa.Float(), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["road_networks.id"],
            name=op.f("fk_road_nodes_network_id_road_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_road_nodes")),
    )
    op.create_geospatial_index(
        "idx_road_nodes_geom",
        "road_nodes",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        "idx_road_nodes_geom", table_name="road_nodes", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("road_nodes")
    op.drop_geospatial_index(
        "idx_road_edges_geom", table_name="road_edges", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("road_edges")
    op.drop_index(op.f("ix_population_cells_region_adcode"), table_name="population_cells")
    op.drop_index(op.f("ix_population_cells_network_id"), table_name="population_cells")
    op.drop_index(op.f("ix_population_cells_city_adcode"), table_name="population_cells")
    op.drop_geospatial_index(
        "idx_population_cells_geom",
        table_name="population_cells",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_index(
        "idx_population_cells_centroid",
        table_name="population_cells",
        postgresql_using="gist",
        column_name="centroid",
    )
    op.drop_geospatial_table("population_cells")
    op.drop_index(op.f("ix_road_networks_city_adcode"), table_name="road_networks")
    op.drop_table("road_networks")
