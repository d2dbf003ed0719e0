"""API tokens: issue, check, list and revoke; roles ``viewer`` < ``planner`` < ``admin``.

A secret is ``fpl_`` followed by ``secrets.token_urlsafe(32)`` (256 random bits). Only its sha256
is stored, with its first :data:`PREFIX_LENGTH` characters for lookup and display; a request's
secret is found by prefix and compared by hash in constant time. The secret is returned once, by
:func:`create_token`.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import TOKEN_ROLES, ApiToken
from app.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    Worded,
)
from app.schemas.token import TokenCreate, TokenIssued, TokenPublic
from app.services._tx import transaction

# a recognisable start lets secret scanners spot a leaked token
SCHEME_TAG = "fpl_"
# "fpl_" and 8 random characters: 48 bits, enough to find one row among many
PREFIX_LENGTH = 12
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]
_SECRET_RE = re.compile(r"^fpl_[A-Za-z0-9_-]{43}$")
# last_used_at is advisory: refresh it at most once a minute, not a write per request
LAST_USED_RESOLUTION = timedelta(minutes=1)
_RANK = {role: rank for rank, role in enumerate(TOKEN_ROLES)}


@dataclass(frozen=True)
class Principal:
    """The holder of a valid token, as the routes see it."""

    token_id: int
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        """True when this role may do what ``role`` may (admin ⊇ planner ⊇ viewer)."""
        return _RANK[self.role] >= _RANK[role]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_secret(secret: str) -> str:
    """Hex sha256 of a token secret, as stored in ``api_tokens.token_hash``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _public(token: ApiToken) -> TokenPublic:
    return TokenPublic.model_validate(
        {name: getattr(token, name) for name in TokenPublic.model_fields}
    )


def create_token(session: Session, request: TokenCreate) -> TokenIssued:
    """Issue a token with ``request.role``; the returned secret is not stored anywhere."""
    secret = SCHEME_TAG + secrets.token_urlsafe(32)
    with transaction(session):
        token = ApiToken(
            name=request.name,
            role=request.role,
            token_hash=hash_secret(secret),
            prefix=secret[:PREFIX_LENGTH],
        )
        session.add(token)
        session.flush()
        session.refresh(token)
        public = _public(token)
    return TokenIssued(**public.model_dump(), secret=secret)


def authenticate(session: Session, secret: str) -> Principal:
    """Return the holder of ``secret``; :class:`AuthenticationError` if unknown or revoked."""
    if not _SECRET_RE.fullmatch(secret):
        raise AuthenticationError.worded("auth.malformed")
    wanted = hash_secret(secret)
    with transaction(session):
        candidates = session.scalars(
            select(ApiToken).where(ApiToken.prefix == secret[:PREFIX_LENGTH])
        ).all()
        token = next((t for t in candidates if hmac.compare_digest(t.token_hash, wanted)), None)
        if token is None:
            raise AuthenticationError.worded("auth.unknown")
        if token.revoked_at is not None:
            revoked_on = f"{token.revoked_at:%Y-%m-%d}"
            raise AuthenticationError.worded("auth.revoked", prefix=token.prefix, date=revoked_on)
        now = datetime.now(UTC)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            token.last_used_at = func.now()
        return Principal(token_id=token.id, name=token.name, role=token.role)


def holder_named(session: Session, name: str) -> Principal | None:
    """The oldest valid token bearing ``name``, for a script that saves under a holder's name.

    Names are labels, not identities; the oldest token is the one a later token of the same
    name could only imitate (the rule migration 0009 used for existing scenarios).
    """
    with transaction(session):
        token = session.scalars(
            select(ApiToken)
            .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
            .limit(1)
        ).first()
        if token is None:
            return None
        return Principal(token_id=token.id, name=token.name, role=token.role)


def check_role(principal: Principal | None, role: str) -> Principal:
    """Return ``principal`` if it holds ``role`` or more; 401 without a token, 403 below it."""
    if principal is None:
        raise AuthenticationError.worded("auth.needs_token", role=Worded(f"role.{role}"))
    if not principal.has_role(role):
        raise PermissionDeniedError.worded(
            "auth.role_too_weak",
            name=principal.name,
            role=Worded(f"role.{principal.role}"),
            needed=Worded(f"role.{role}"),
        )
    return principal


def list_tokens(session: Session, *, include_revoked: bool = True) -> list[TokenPublic]:
    """Every token (oldest first), never with its secret."""
    stmt = select(ApiToken).order_by(ApiToken.id)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    with transaction(session):
        return [_public(t) for t in session.scalars(stmt)]


def revoke_token(session: Session, token_id: int) -> TokenPublic:
    """Revoke a token from now on; revoking it again keeps the first date."""
    with transaction(session):
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError.worded("error.token.not_found", field="token_id", id=token_id)
        if token.revoked_at is None:
            token.revoked_at = func.now()
            session.flush()
            session.refresh(token)
        return _public(token)
