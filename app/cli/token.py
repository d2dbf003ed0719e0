"""``fplan token``: issue, list and revoke API tokens (the first admin token comes from here).

``create`` prints the secret once, to stdout (``--json`` for scripts); only its hash is stored.
Pass a session as ``obj`` (``CliRunner().invoke(app, args, obj=session)``) to run against it
instead of the environment's database, as the tests do.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._console import console
from app.cli._help import both, reader_lang, say
from geo import messages

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.orm import Session

token_app = typer.Typer(help=both("cli.token.help"), no_args_is_help=True, rich_markup_mode=None)


class Role(StrEnum):
    viewer = "viewer"
    planner = "planner"
    admin = "admin"


@contextmanager
def _session(obj: object) -> Iterator["Session"]:
    from sqlalchemy.orm import Session

    if isinstance(obj, Session):
        yield obj
        return
    from app.cli._session import open_session

    with open_session() as session:
        yield session


@contextmanager
def _plain(obj: object) -> Iterator["psycopg.Connection[Any]"]:
    """The psycopg connection of a given session, else a read-only one of the settings'."""
    if obj is not None:
        from sqlalchemy.orm import Session

        if isinstance(obj, Session):
            driver = obj.connection().connection.driver_connection
            assert driver is not None  # a session's connection is open
            yield driver
            return
    from app.db.plain import read_only

    with read_only() as conn:
        yield conn


@token_app.command("create", help=both("cli.token.create"))
def create(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option("--role", help=both("cli.token.role"))],
    name: Annotated[str, typer.Option("--name", help=both("cli.token.name"))],
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.token.json"))] = False,
) -> None:
    """Issue a token with ROLE; its secret is printed once and never stored."""
    from pydantic import ValidationError

    from app.schemas.token import TokenCreate
    from app.services import auth

    try:
        request = TokenCreate(name=name, role=role.value)
    except ValidationError as exc:
        msg = say("cli.token.bad_name")
        raise typer.BadParameter(msg) from exc
    with _session(ctx.obj) as session:
        issued = auth.create_token(session, request)
    if as_json:
        typer.echo(issued.model_dump_json())
        return
    said = say(
        "cli.token.issued",
        id=issued.id,
        role=messages.label("role", issued.role, reader_lang()),
        name=issued.name,
    )
    console.print(said, markup=False)
    typer.echo(issued.secret)


@token_app.command("list", help=both("cli.token.list"))
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.opt.print_json"))] = False,
    include_revoked: Annotated[
        bool, typer.Option("--all/--active", help=both("cli.token.all"))
    ] = True,
) -> None:
    """List the tokens (never their secrets)."""
    from rich.table import Table

    from app.services import listings

    # a plain read (no ORM: the listing answers at once), on the caller's session if given
    with _plain(ctx.obj) as conn:
        tokens = listings.token_rows(conn, include_revoked=include_revoked)
    if as_json:
        # the API's listed form (TokenPublic), written without pydantic
        typer.echo(json.dumps(listings.public_tokens(tokens)))
        return
    lang = reader_lang()
    table = Table(title=say("cli.token.title"))
    for column in ("id", "name", "role", "prefix", "created", "last_used", "revoked"):
        table.add_column(say(f"cli.token.col.{column}"))
    for t in tokens:
        table.add_row(
            str(t["id"]),
            t["name"],
            messages.label("role", t["role"], lang),
            f"{t['prefix']}…",
            f"{t['created_at']:%Y-%m-%d %H:%M}",
            f"{t['last_used_at']:%Y-%m-%d %H:%M}" if t["last_used_at"] else say("cli.token.never"),
            f"{t['revoked_at']:%Y-%m-%d %H:%M}" if t["revoked_at"] else "",
        )
    console.print(table)


@token_app.command("revoke", help=both("cli.token.revoke"))
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help=both("cli.token.id"))],
) -> None:
    """Revoke a token at once."""
    from app.errors import AppError
    from app.services import auth

    try:
        with _session(ctx.obj) as session:
            token = auth.revoke_token(session, token_id)
    except AppError as exc:
        said = say("cli.chrome.error", message=exc.localized(reader_lang()))
        console.print(said, style="red", markup=False)
        raise typer.Exit(2) from exc
    revoked = f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else ""
    said = say("cli.token.revoked", id=token.id, name=token.name, prefix=token.prefix, at=revoked)
    console.print(said, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
