"""``fplan db``: start the local database and migrate it."""

import typer

from app.cli._console import console
from app.cli._help import both, say

db_app = typer.Typer(help=both("cli.db.help"), no_args_is_help=True, rich_markup_mode=None)


@db_app.command("up", help=both("cli.db.up"))
def db_up() -> None:
    """Start the local PostgreSQL cluster and create the database (when the URL is local)."""
    from app.db.local import ensure_local_database
    from app.settings import get_settings

    for key, fields in ensure_local_database(get_settings().database_url):
        console.print(say(key, **fields))


@db_app.command("migrate", help=both("cli.db.migrate"))
def db_migrate(revision: str = typer.Argument("head", help=both("cli.db.revision"))) -> None:
    """Apply Alembic migrations up to REVISION."""
    from app.db.migrate import upgrade_database
    from app.settings import get_settings

    upgrade_database(get_settings().database_url, revision)
    console.print(say("cli.db.migrated", revision=revision))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
