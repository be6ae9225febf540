from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.db import SessionDep
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter, CurrentActor, NationalOnly, Token
from sykkelturen.tokens import service
from sykkelturen.tokens.models import Me, TokenCreate, TokenCreated, TokenPublic
from sykkelturen.tokens.problems import TokenNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["access"])

TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/me", summary="Who the caller is", responses=problem_responses(Unauthorized))
def read_me(actor: CurrentActor) -> Me:
    return Me(
        role=actor.role,
        name=actor.name if actor.token_id is not None else None,
        token_id=actor.token_id,
        counties=sorted(actor.counties),
        personal_data=actor.personal_data,
    )


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create an access token",
    description="The secret is in this response only; it is stored as a hash. National "
    "creates any token; a county contact creates `stage_day` tokens for its own stages "
    "(a stage leader's phone: it writes that stage's day-of log on the stage's date).",
    responses=problem_responses(Unauthorized, Forbidden, UnknownReference, ValidationFailed),
)
def create_token(session: SessionDep, actor: CountyWriter, data: TokenCreate) -> TokenCreated:
    return service.create_token(session, actor=actor, data=data)


@router.get(
    "/tokens",
    summary="List access tokens",
    responses=problem_responses(Unauthorized, Forbidden, ValidationFailed),
)
def list_tokens(
    session: SessionDep,
    actor: NationalOnly,
    page: PageQuery,
    include_revoked: Annotated[bool, Query(description="Also list revoked tokens.")] = False,
) -> Page[TokenPublic]:
    rows, next_cursor = service.list_tokens(session, include_revoked=include_revoked, page=page)
    return Page(items=[TokenPublic.model_validate(t) for t in rows], next_cursor=next_cursor)


def token_to_manage(session: SessionDep, actor: CountyWriter, token_id: TokenId) -> Token:
    """The token, if the caller may manage it (checked before any If-Match). A county
    contact learns nothing of tokens it may not manage, not even whether they exist."""
    try:
        token = service.get_token(session, token_id)
    except TokenNotFound:
        if not actor.is_national:
            raise Forbidden(
                "A county contact manages only its own stages' stage-day tokens."
            ) from None
        raise
    service.require_token_admin(session, actor=actor, role=token.role, stage_id=token.stage_id)
    return token


ManagedToken = Annotated[Token, Depends(token_to_manage)]


@router.get(
    "/tokens/{token_id}",
    summary="Read an access token",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(Unauthorized, Forbidden, TokenNotFound, ValidationFailed),
    },
)
def read_token(request: Request, response: Response, token: ManagedToken) -> TokenPublic:
    return read_tagged(request, response, TokenPublic.model_validate(token))


@router.delete(
    "/tokens/{token_id}",
    summary="Revoke an access token",
    description="The token stops working at once. Like any write it needs `If-Match` with the "
    "token's `ETag`; sending the ETag of the token already revoked is harmless. A county "
    "contact revokes the stage-day tokens of its own stages.",
    responses=problem_responses(*WRITE_PROBLEMS, TokenNotFound),
)
def revoke_token(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    token: ManagedToken,
    if_match: IfMatch,
) -> TokenPublic:
    revoked = service.revoke_token(session, actor=actor, token=token, if_match=if_match)
    return tagged(response, TokenPublic.model_validate(revoked))
