"""API token I/O: the ladder Create / Public / Issued (the secret appears in ``Issued`` only)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["viewer", "planner", "admin"]

# a holder's label: letters (any script), digits, space and - _ . @ ( )
HOLDER_NAME_PATTERN = r"^[\w .@()\-]+$"


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=HOLDER_NAME_PATTERN,
        description="who holds it, e.g. changsha-planning-office",
    )
    role: Role = Field(
        description="viewer: read; planner: scenarios and optimisation; admin: everything"
    )


class TokenPublic(BaseModel):
    """A token as listed: never its secret, only the prefix that tells it apart."""

    id: int
    name: str
    role: Role
    prefix: str = Field(description="the first characters of the secret")
    created_at: datetime
    last_used_at: datetime | None = Field(description="to the minute; None if never used")
    revoked_at: datetime | None
    active: bool


class TokenIssued(TokenPublic):
    secret: str = Field(
        description="send as `Authorization: Bearer <secret>`; shown once, stored only as a hash"
    )
