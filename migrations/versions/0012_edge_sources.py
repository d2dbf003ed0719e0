"""Every road edge keeps its source; population cells keep their street length on real roads.

* ``road_edges.source``: ``synthetic`` for a generated edge, else the file or extract the edge was
  read from (a joined network holds both). Edges stored before take their network's source
  (``synthetic`` for a synthetic network).
* ``population_cells.real_road_length_m``: the part of ``road_length_m`` on real roads, metres;
  cells stored before take all of it on a real network and none on a synthetic one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("road_edges", sa.Column("source", sa.String(200), nullable=True))
    op.execute(
        """
        UPDATE road_edges AS e
        SET source = CASE WHEN n.synthetic THEN 'synthetic' ELSE n.source END
        FROM road_networks AS n
        WHERE n.id = e.network_id
        """
    )
    op.alter_column("road_edges", "source", nullable=False)
    op.add_column(
        "population_cells",
        sa.Column("real_road_length_m", sa.Float(), server_default="0", nullable=False),
    )
    op.execute(
        """
        UPDATE population_cells
        SET real_road_length_m = CASE WHEN synthetic THEN 0 ELSE road_length_m END
        """
    )


def downgrade() -> None:
    op.drop_column("population_cells", "real_road_length_m")
    op.drop_column("road_edges", "source")
