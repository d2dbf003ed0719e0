"""API tokens: a role per token; only the sha256 of the secret is stored.

The secret (``secrets.token_urlsafe(32)``) is shown once, when the token is created. Its first
characters are kept as ``prefix``: enough to find the row quickly and to tell tokens apart in a
listing, too few to guess the rest.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

# ordered by power: a role may do everything the roles before it may
TOKEN_ROLES = ("viewer", "planner", "admin")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(f"role IN {TOKEN_ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # who or what holds it, e.g. "changsha-planning-office"
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # hex sha256 of the whole secret: a leaked table gives no usable token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the secret's first characters, for lookup and display
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL while the token is valid
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def active(self) -> bool:
        return self.revoked_at is None
