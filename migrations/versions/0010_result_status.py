"""Compliance result rows keep their status and what the evaluator said beyond the English text.

* ``evaluation_results.status``: ``pass``, ``fail``, ``unknown``, ``info`` (a unit's value beside a
  city-wide target, not judged) or ``not_applicable`` (a zone, whose residents count in its host
  unit; a share of no fleet). NULL in rows stored before: their status follows ``passed``.
* ``evaluation_results.details``: the Chinese wording of the outcome (``shortfall_text_zh``) and
  the number of facilities whose capacity the rule counts but the register does not give
  (``unknown_facilities``); NULL in rows stored before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pass", "fail", "unknown", "info", "not_applicable")


def upgrade() -> None:
    op.add_column("evaluation_results", sa.Column("status", sa.String(16), nullable=True))
    op.add_column("evaluation_results", sa.Column("details", JSONB(), nullable=True))
    op.create_check_constraint(
        op.f("ck_evaluation_results_status"), "evaluation_results", f"status IN {STATUSES!r}"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_evaluation_results_status"), "evaluation_results", type_="check")
    op.drop_column("evaluation_results", "details")
    op.drop_column("evaluation_results", "status")
