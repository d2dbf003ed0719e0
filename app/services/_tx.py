"""Transactions owned by services, also inside a caller's transaction (tests, batch jobs)."""

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session, SessionTransaction


def transaction(session: Session) -> AbstractContextManager[SessionTransaction]:
    """Begin a transaction, or a savepoint when one is already open; commit or roll back on exit."""
    if session.in_transaction():
        return session.begin_nested()
    return session.begin()
