"""A baseline compliance run keeps its report and the data version it was last confirmed at.

* ``evaluation_runs.report``: the run's report as JSON text (``reused`` false), written once per
  version of the code that shapes it (``report_key``), so a repeated check answers with these
  bytes and needs neither the catalogue nor the result rows.
* ``evaluation_runs.checked_version``: the data version (migration 0007) at which a check last
  found this run's fingerprint to be the city's; while the data version is still that number, the
  same inputs hold and the stored report is the answer.

NULL in runs stored before, and in scenario runs: they are answered as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evaluation_runs", sa.Column("report", sa.Text(), nullable=True))
    op.add_column("evaluation_runs", sa.Column("report_key", sa.String(64), nullable=True))
    op.add_column("evaluation_runs", sa.Column("checked_version", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("evaluation_runs", "checked_version")
    op.drop_column("evaluation_runs", "report_key")
    op.drop_column("evaluation_runs", "report")
