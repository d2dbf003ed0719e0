"""``/tokens``: API tokens, managed by admins (the first one comes from ``fplan token create``)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.api.deps import AdminDep, SessionDep
from app.schemas.token import TokenCreate, TokenIssued, TokenPublic
from app.services import auth as service

router = APIRouter(prefix="/tokens", tags=["tokens"])

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1, description="token id")]


@router.post("", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def create_token(session: SessionDep, _: AdminDep, request: TokenCreate) -> TokenIssued:
    """Issue a token; its secret is in this answer only."""
    return service.create_token(session, request)


@router.get("", response_model=list[TokenPublic])
def list_tokens(
    session: SessionDep,
    _: AdminDep,
    include_revoked: Annotated[bool, Query(description="list revoked tokens too")] = True,
) -> list[TokenPublic]:
    return service.list_tokens(session, include_revoked=include_revoked)


@router.delete("/{token_id}", response_model=TokenPublic)
def revoke_token(session: SessionDep, _: AdminDep, token_id: TokenId) -> TokenPublic:
    """Revoke a token at once; the row stays, so listings show who held what."""
    return service.revoke_token(session, token_id)
