"""Scenario ownership by token id; changes outlive a facility that leaves the register.

* ``scenarios.owner_token_id``: the API token that created the scenario. Token names are labels,
  not unique, so ownership by ``author`` (the name) let any token of the same name edit the
  scenario. Existing scenarios get the oldest token bearing their author's name (a token named
  like an older one can only have been issued later); a scenario whose author names no token
  keeps no owner and is changed by admins only.
* ``scenario_changes.facility_id`` no longer cascades: a facility deleted from the register (by
  hand, or by regenerating a city's synthetic set) leaves the changes that name it in place,
  flagged as about a missing facility, and bumps the version of every scenario holding one, so
  a client's ETag of such a scenario is stale from then on.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("scenarios", sa.Column("owner_token_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_scenarios_owner_token_id_api_tokens"),
        "scenarios",
        "api_tokens",
        ["owner_token_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_scenarios_owner_token_id"), "scenarios", ["owner_token_id"])
    op.execute(
        """
        UPDATE scenarios AS s SET owner_token_id = (
            SELECT min(t.id) FROM api_tokens AS t WHERE t.name = s.author
        )
        """
    )
    op.drop_constraint(
        op.f("fk_scenario_changes_facility_id_facilities"), "scenario_changes", type_="foreignkey"
    )
    # one statement deleting many facilities bumps each scenario concerned once
    op.execute(
        """
        CREATE FUNCTION fplan_scenarios_lose_facilities() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE scenarios SET version = version + 1, updated_at = now()
            WHERE id IN (
                SELECT c.scenario_id FROM scenario_changes AS c
                JOIN gone ON gone.id = c.facility_id
            );
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER facilities_leave_scenarios AFTER DELETE ON facilities
        REFERENCING OLD TABLE AS gone
        FOR EACH STATEMENT EXECUTE FUNCTION fplan_scenarios_lose_facilities()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER facilities_leave_scenarios ON facilities")
    op.execute("DROP FUNCTION fplan_scenarios_lose_facilities()")
    # changes about facilities gone from the register cannot reference them again
    op.execute(
        """
        DELETE FROM scenario_changes AS c
        WHERE c.facility_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM facilities AS f WHERE f.id = c.facility_id)
        """
    )
    op.create_foreign_key(
        op.f("fk_scenario_changes_facility_id_facilities"),
        "scenario_changes",
        "facilities",
        ["facility_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_index(op.f("ix_scenarios_owner_token_id"), table_name="scenarios")
    op.drop_constraint(
        op.f("fk_scenarios_owner_token_id_api_tokens"), "scenarios", type_="foreignkey"
    )
    op.drop_column("scenarios", "owner_token_id")
