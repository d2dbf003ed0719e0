"""Engine and session factory, built from explicit settings (never at import).

Every connection of the service is bounded in time, so a database that stops answering (a stalled
disk, a partition, a cluster stopped with SIGSTOP) is a 503 within seconds, never a hung request:

* connecting: libpq's ``connect_timeout``;
* a statement: the server's ``statement_timeout`` (a runaway query), and on the client a wait
  limit a little longer than it (a server that answers nothing at all, which no server-side
  timeout can catch); the connection is then closed, so the pool never hands it out again;
* checkout: every pooled connection is pinged with a short wait limit first (a dead one is
  replaced, and a hung server fails the request quickly);
* idle connections: TCP keepalives, so a peer that vanished is noticed by the kernel.

The command line (loads, long checks) asks for ``bounded=False``: the same connect timeout and
keepalives, but no statement or wait limit.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings

# seconds the client waits for any answer beyond the server's statement timeout
WAIT_GRACE_S = 5.0
# the checkout ping (SELECT 1) of a pooled connection: a healthy server answers in milliseconds
PING_WAIT_S = 2.0
# TCP keepalives: first probe after 30 s idle, then every 10 s, dead after 3 unanswered
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
KEEPALIVES_COUNT = 3

# a shorter wait limit for the current context (the health probe, the checkout ping)
_wait_limit_s: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fplan_db_wait_limit_s", default=None
)


@contextmanager
def db_wait_limit(seconds: float) -> Iterator[None]:
    """Within the block, give up on a database answer (or a new connection) after ``seconds``."""
    token = _wait_limit_s.set(seconds)
    try:
        yield
    finally:
        _wait_limit_s.reset(token)


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server ends after a limit.

    ``default_wait_s`` is the limit (None: no limit) unless :func:`db_wait_limit` sets a shorter
    one. Past it the connection is closed and ``OperationalError`` raised, which SQLAlchemy
    reads as a disconnect (the pool drops the connection) and the API answers with 503.
    """

    default_wait_s: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        override = _wait_limit_s.get()
        limit = override if override is not None else self.default_wait_s
        if timeout is None:
            timeout = limit
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except pg_errors._WaitTimeout:
            # the server never answered: this connection's protocol state is lost, close it
            self.pgconn.finish()
            msg = f"the database did not answer within {timeout:g} s"
            raise psycopg.OperationalError(msg) from None


def _connection_class(wait_s: float | None) -> type[BoundedConnection]:
    return type("BoundedConnectionWithLimit", (BoundedConnection,), {"default_wait_s": wait_s})


def create_db_engine(settings: Settings, *, bounded: bool = True) -> Engine:
    """Return an engine whose connections are bounded in time (see the module docstring).

    Parameters
    ----------
    settings
        ``database_url``, the pool size and the timeouts (``db_connect_timeout_s``,
        ``db_statement_timeout_s``).
    bounded
        False for the command line: no statement timeout and no client wait limit.
    """
    statement_s = settings.db_statement_timeout_s if bounded else None
    wait_s = None if statement_s is None else statement_s + WAIT_GRACE_S
    connection_class = _connection_class(wait_s)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_connect_timeout_s,
    )

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        # the probe's shorter limit bounds connecting too (libpq counts whole seconds, min 2)
        override = _wait_limit_s.get()
        connect_s = settings.db_connect_timeout_s
        if override is not None:
            connect_s = min(connect_s, max(2, int(override)))
        cparams = {**cparams, **KEEPALIVES, "keepalives_count": KEEPALIVES_COUNT}
        cparams["connect_timeout"] = connect_s
        if statement_s is not None:
            cparams["options"] = f"-c statement_timeout={int(statement_s * 1000)}"
        return connection_class.connect(*cargs, **cparams)

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # pessimistic disconnect handling: a connection that does not answer is replaced
        try:
            with db_wait_limit(min(PING_WAIT_S, _wait_limit_s.get() or PING_WAIT_S)):
                autocommit = dbapi_connection.autocommit
                dbapi_connection.autocommit = True
                try:
                    dbapi_connection.execute("SELECT 1")
                finally:
                    if not dbapi_connection.closed:
                        dbapi_connection.autocommit = autocommit
        except psycopg.Error as exc:
            raise DisconnectionError(str(exc)) from exc

    return engine


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
