"""Optimistic locking of versioned rows (facilities, scenarios): ETags, If-Match and versions.

A row carries ``id`` and ``version`` (SQLAlchemy's ``version_id_col``, bumped on every update);
its ETag is ``"<id>-<version>"``. A client sends it back as ``If-Match`` or as a ``version``
field; a write from an older version is refused instead of overwriting a newer one.

A partial update (PATCH) must name the version it changes: without ``If-Match`` or ``version``
it is refused with 428 (RFC 6585 §3), since two clients that read, change and write back
would otherwise lose one another's edits without either knowing.
"""

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import func
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ConflictError, PreconditionFailedError, PreconditionRequiredError, Worded


class Versioned(Protocol):
    id: Any
    version: Any


def etag(row: Versioned) -> str:
    """The row's strong ETag."""
    return f'"{row.id}-{row.version}"'


# one entity-tag of a list (RFC 9110 §8.8.3): optional W/, then a quoted string without quotes
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def none_match(if_none_match: str, current: str) -> bool:
    """Whether ``If-None-Match`` names ``current`` (RFC 9110 §13.1.2): ``*``, or a tag in the list.

    The comparison is weak, as the RFC requires for If-None-Match: ``W/"x"`` matches ``"x"``. A
    malformed list matches nothing (the full answer is sent, which is always safe).
    """
    value = if_none_match.strip()
    if value == "*":
        return True
    wanted = current.removeprefix("W/")
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            return False
        if match.group(1) == wanted:
            return True
        position = match.end()
    return False


def check_version(
    row: Versioned,
    what: str,
    *,
    if_match: str | None,
    version: int | None,
    required: bool = False,
) -> None:
    """412 when ``if_match`` names another version, 409 when ``version`` is not the row's.

    ``required``: 428 when neither is given (a partial update must say what it changes).
    ``what`` names the row's kind (``scenario``, ``facility``), worded by ``error.row.<what>``.
    """
    thing = Worded(f"error.row.{what}")
    if required and if_match is None and version is None:
        raise PreconditionRequiredError.worded(
            "error.version.required", field="If-Match", what=thing, id=row.id, etag=etag(row)
        )
    if if_match is not None and if_match.strip() not in (etag(row), "*"):
        raise PreconditionFailedError.worded(
            "error.version.changed", what=thing, id=row.id, etag=etag(row)
        )
    if version is not None and version != row.version:
        raise ConflictError.worded(
            "error.version.other", what=thing, id=row.id, version=row.version, given=version
        )


def apply_changes(session: Session, row: Any, changes: Mapping[str, Any]) -> None:
    """Set ``changes`` on ``row``, stamp ``updated_at`` and write it (one version step)."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = func.now()
    session.flush()
    session.refresh(row)


@contextmanager
def lost_race(what: str, row_id: int) -> Iterator[None]:
    """Turn a concurrent update that won the race (StaleDataError) into a 409."""
    try:
        yield
    except StaleDataError as exc:
        thing = Worded(f"error.row.{what}")
        raise ConflictError.worded("error.version.lost_race", what=thing, id=row_id) from exc
