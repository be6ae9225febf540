import secrets

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county
from sykkelturen.db import utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.problems import Forbidden, referenced
from sykkelturen.security import Actor, Role, Token, hash_token
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tokens.models import TokenCreate, TokenCreated, TokenPublic
from sykkelturen.tokens.problems import TokenNotFound

TOKEN_PREFIX = "syk_"  # noqa: S105 - a recognisable prefix, not a secret


def _stage_of(session: Session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None:
        with referenced("stage_id"):
            raise StageNotFound(f"There is no stage {stage_id}.")
    assert stage is not None
    return stage


def require_token_admin(session: Session, *, actor: Actor, role: str, stage_id: int | None) -> None:
    """National manages every token; a county contact the stage-day tokens of the stages
    of its own counties (for its stage leaders' phones)."""
    if actor.is_national:
        return
    if role == Role.stage_day and stage_id is not None:
        stage = session.get(Stage, stage_id)
        if stage is not None and actor.may_write_county(stage.county):
            return
        raise Forbidden("A county contact manages stage-day tokens of its own counties' stages.")
    raise Forbidden("A county contact may manage only stage-day tokens of its own stages.")


def create_token(session: Session, *, actor: Actor, data: TokenCreate) -> TokenCreated:
    if data.stage_id is not None:
        _stage_of(session, data.stage_id)
    require_token_admin(session, actor=actor, role=data.role, stage_id=data.stage_id)
    for number in data.counties:
        with referenced("counties"):
            get_county(session, number)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token(
        name=data.name,
        role=data.role,
        counties=data.counties,
        personal_data=data.personal_data,
        stage_id=data.stage_id,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        created_by=actor.name,
    )
    session.add(token)
    session.flush()
    public = TokenPublic.model_validate(token)
    audit.record(
        session, actor=actor, action="create", resource=token_resource(token), after=public
    )
    return TokenCreated(**public.model_dump(), token=secret)


def token_resource(token: Token) -> audit.Resource:
    return audit.Resource(type="token", id=str(token.id))


def list_tokens(
    session: Session, *, include_revoked: bool, page: PageParams
) -> tuple[list[Token], str | None]:
    statement = select(Token)
    if not include_revoked:
        statement = statement.where(col(Token.revoked_at).is_(None))
    return paginate(session, statement, page=page, order_by=[col(Token.id)], key=lambda t: [t.id])


def get_token(session: Session, token_id: int) -> Token:
    token = session.get(Token, token_id)
    if token is None:
        raise TokenNotFound(f"There is no token {token_id}.")
    return token


def revoke_token(session: Session, *, actor: Actor, token: Token, if_match: str) -> Token:
    """A versioned write like PATCH: revoking a token you read already revoked is a no-op,
    one that changed since you read it (revoked by someone else meanwhile) is 412."""
    session.refresh(token, with_for_update=True)  # two revokes on PostgreSQL: one at a time
    before = TokenPublic.model_validate(token)
    check_if_match(if_match, etag_of(before))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="revoke",
            resource=token_resource(token),
            before=before,
            after=TokenPublic.model_validate(token),
        )
    return token
