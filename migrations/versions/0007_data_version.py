"""A data version the database keeps: bumped once by every transaction that changes the data.

The answers the service caches (compliance, coverage, gaps) depend on regions, facilities,
population cells and road networks. A statement-level trigger on each of those tables notes a
change once per transaction (a transaction-local setting, undone with a rolled-back savepoint)
in ``data_version_pending``; a deferred constraint trigger there bumps ``data_version`` when the
transaction commits and announces the new number on the ``fplan_data_version`` channel. The
single-row update happens only at commit, after every row lock the transaction takes, so it
cannot deadlock with other writers; readers see the new number exactly when the data are visible.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("regions", "facilities", "population_cells", "road_networks", "road_nodes", "road_edges")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE data_version (
            id smallint NOT NULL DEFAULT 1,
            version bigint NOT NULL DEFAULT 1,
            changed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_data_version PRIMARY KEY (id),
            CONSTRAINT ck_data_version_single_row CHECK (id = 1)
        )
        """
    )
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute(
        "CREATE TABLE data_version_pending "
        "(txid bigint NOT NULL, CONSTRAINT pk_data_version_pending PRIMARY KEY (txid))"
    )
    op.execute(
        """
        CREATE FUNCTION fplan_note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('fplan.data_changed', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('fplan.data_changed', 'yes', true);
                INSERT INTO data_version_pending (txid) VALUES (txid_current());
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION fplan_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            bumped bigint;
        BEGIN
            DELETE FROM data_version_pending WHERE txid = NEW.txid;
            UPDATE data_version SET version = version + 1, changed_at = now()
                WHERE id = 1 RETURNING version INTO bumped;
            PERFORM pg_notify('fplan_data_version', bumped::text);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT ON data_version_pending
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fplan_bump_data_version()
        """
    )
    for table in WATCHED:
        op.execute(
            f"""
            CREATE TRIGGER {table}_data_change
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION fplan_note_data_change()
            """
        )


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER {table}_data_change ON {table}")
    op.execute("DROP TABLE data_version_pending")
    op.execute("DROP FUNCTION fplan_bump_data_version()")
    op.execute("DROP FUNCTION fplan_note_data_change()")
    op.execute("DROP TABLE data_version")
