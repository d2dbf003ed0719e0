"""Plain reads for the commands that only look (``fplan token list``, ``network list``, ``cities``).

Such a command asks one or two short queries. SQLAlchemy (about 0.2 s to import), the ORM models
and pydantic-settings (about 0.15 s) would cost more than everything else it does, so these
reads use psycopg alone, in a read-only session, on the database the settings name:
:func:`app.environment.database_url` reads ``APP_DATABASE_URL`` as
:class:`app.settings.Settings` does (a test ties the two). Nothing here writes.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.environment import database_url

if TYPE_CHECKING:
    import psycopg

# Settings.db_connect_timeout_s's default, seconds
CONNECT_TIMEOUT_S = 5
_DRIVER = re.compile(r"^postgresql\+\w+://")


def libpq_url(database_url: str) -> str:
    """The libpq connection URI of a SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return _DRIVER.sub("postgresql://", database_url)


@contextmanager
def read_only() -> Iterator["psycopg.Connection[dict[str, Any]]"]:
    """A read-only connection to the settings' database whose rows are dictionaries."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(
        libpq_url(database_url()),
        connect_timeout=CONNECT_TIMEOUT_S,
        options="-c default_transaction_read_only=on",
        autocommit=True,
        row_factory=dict_row,
    ) as conn:
        yield conn
