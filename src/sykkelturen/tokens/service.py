import secrets

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county
from sykkelturen.db import utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.problems import referenced
from sykkelturen.security import Actor, hash_token
from sykkelturen.tokens.models import Token, TokenCreate, TokenCreated, TokenPublic
from sykkelturen.tokens.problems import TokenNotFound

TOKEN_PREFIX = "syk_"  # noqa: S105 - a recognisable prefix, not a secret


def create_token(session: Session, *, actor: Actor, data: TokenCreate) -> TokenCreated:
    for number in data.counties:
        with referenced("counties"):
            get_county(session, number)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token(
        name=data.name,
        role=data.role,
        counties=data.counties,
        personal_data=data.personal_data,
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
