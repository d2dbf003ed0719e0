"""A database session for one command, from the environment's settings."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@contextmanager
def open_session() -> Iterator["Session"]:
    # sqlalchemy and the settings load here, not when the command line is built (fast --help)
    from app.db.session import create_db_engine, create_session_factory
    from app.settings import get_settings

    # a command may run long (loads, checks): no statement limit, only connect and keepalives
    engine = create_db_engine(get_settings(), bounded=False)
    try:
        with create_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
