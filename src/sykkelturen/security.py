"""Who is calling: bearer tokens, roles, and the `Annotated` aliases endpoints declare.

Roles: `national` (everything), `county` (writes inside the counties on its token),
`reader` (reads; personal data only with the token's explicit grant), `stage_day` (a stage
leader's phone: writes its one stage's day-of log on the stage's date, nothing else) and
anonymous (public data only).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Field as SQLField
from sqlmodel import Session, SQLModel, select

from sykkelturen.db import UTCDateTime, json_column, utcnow
from sykkelturen.problems import Forbidden, Unauthorized


# The token table lives here, in the shared kernel, because every request reads it to know
# its caller; managing tokens (tokens/) sits above the stages a stage-day token names.
class Role(StrEnum):
    national = "national"
    county = "county"
    reader = "reader"
    stage_day = "stage_day"


class Token(SQLModel, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    name: str = SQLField(max_length=200)
    role: Role = SQLField(sa_type=sa.String(20))
    counties: list[str] = SQLField(default_factory=list, sa_column=json_column())
    personal_data: bool = SQLField(default=False)
    token_hash: str = SQLField(max_length=64, unique=True)
    prefix: str = SQLField(max_length=16, description="First characters, to recognise a token.")
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = SQLField(max_length=200)
    revoked_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    # A stage-day token's one stage; deleting the stage deletes its tokens.
    stage_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")]
    )


ANONYMOUS = "anonymous"
STAGE_DAY = "stage_day"

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `sykkelturen token create` or `POST /api/v1/tokens`.",
)


@dataclass(frozen=True)
class Actor:
    role: str
    name: str
    token_id: int | None = None
    counties: frozenset[str] = field(default_factory=frozenset)
    personal_data: bool = False
    request_id: str | None = None
    stage_id: int | None = None  # the one stage a stage-day token may log

    @property
    def is_national(self) -> bool:
        return self.role == "national"

    def may_write_county(self, county: str) -> bool:
        return self.is_national or (self.role == "county" and county in self.counties)

    @property
    def personal_data_counties(self) -> frozenset[str] | None:
        """Whose personal data this caller sees, the one rule every path reads: None for
        every county (national, a reader with the grant), a county contact's own counties,
        and no county for anyone else."""
        if self.is_national or (self.role == "reader" and self.personal_data):
            return None
        return self.counties if self.role == "county" else frozenset()

    def may_see_personal_data(self, county: str | None) -> bool:
        scope = self.personal_data_counties
        return scope is None or (county is not None and county in scope)

    def require_county_write(self, county: str) -> None:
        if not self.may_write_county(county):
            raise Forbidden(f"This token may not change data of county {county}.")


def system_actor(name: str) -> Actor:
    """The command line and the demo loader act with national rights under their own name."""
    return Actor(role="national", name=name, personal_data=True)


def hash_token(secret: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 cannot be brute-forced; no salt needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def find_active_token(session: Session, secret: str) -> Token | None:
    token = session.exec(select(Token).where(Token.token_hash == hash_token(secret))).first()
    if token is None or token.revoked_at is not None:
        return None
    return token


def _secret_presented(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> str | None:
    """The bearer secret the request presents; None when it presents no Authorization."""
    if request.headers.get("authorization") is None:
        return None
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Send the token as `Authorization: Bearer <token>`.")
    return credentials.credentials


def _actor_of_token(request: Request, secret: str) -> Actor:
    # A short read of its own, not the request's unit of work: on SQLite a write request's
    # transaction takes the write lock at its first statement, and that must not be this
    # one (an upload reads and parses its body before it writes). One statement: no
    # transaction around it (db.autocommit_engine).
    with Session(request.app.state.autocommit_engine) as session:
        token = find_active_token(session, secret)
    if token is None:
        raise Unauthorized("The token is unknown or has been revoked.")
    return Actor(
        role=token.role,
        name=token.name,
        token_id=token.id,
        counties=frozenset(token.counties),
        personal_data=token.personal_data,
        request_id=getattr(request.state, "request_id", None),
        stage_id=token.stage_id,
    )


def _anonymous(request: Request) -> Actor:
    return Actor(
        role=ANONYMOUS, name=ANONYMOUS, request_id=getattr(request.state, "request_id", None)
    )


def get_actor(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    """The caller of a request, for code that already runs in a thread (the live stream)."""
    secret = _secret_presented(request, credentials)
    return _anonymous(request) if secret is None else _actor_of_token(request, secret)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """Every API request passes here (a dependency of the whole API router): a request
    that presents a token must present a valid one, public reads included. Anonymous
    calls are answered on the event loop; only a token lookup goes to a thread."""
    secret = _secret_presented(request, credentials)
    if secret is None:
        return _anonymous(request)
    return await run_in_threadpool(_actor_of_token, request, secret)


CurrentActor = Annotated[Actor, Depends(current_actor)]

# The role checks below are `async def` as well: pure, so no thread-pool hop per request.


def _refuse_stage_day(actor: Actor) -> None:
    if actor.role == STAGE_DAY:
        raise Forbidden("A stage-day token may only write its stage's day-of log.")


async def _signed_in(actor: CurrentActor) -> Actor:
    if actor.role == ANONYMOUS:
        raise Unauthorized("This needs a token.")
    _refuse_stage_day(actor)
    return actor


async def _national_only(actor: CurrentActor) -> Actor:
    if actor.role == ANONYMOUS:
        raise Unauthorized("This needs a national token.")
    _refuse_stage_day(actor)
    if not actor.is_national:
        raise Forbidden("Only the national organisation (a national token) may do this.")
    return actor


async def _writer(actor: CurrentActor) -> Actor:
    if actor.role == ANONYMOUS:
        raise Unauthorized("This needs a county or national token.")
    _refuse_stage_day(actor)
    if actor.role not in ("national", "county"):
        raise Forbidden("Reader tokens may not change anything.")
    return actor


async def _log_writer(actor: CurrentActor) -> Actor:
    if actor.role == ANONYMOUS:
        raise Unauthorized("This needs a stage-day, county or national token.")
    if actor.role not in ("national", "county", STAGE_DAY):
        raise Forbidden("Reader tokens may not change anything.")
    return actor


SignedIn = Annotated[Actor, Depends(_signed_in)]
NationalOnly = Annotated[Actor, Depends(_national_only)]
CountyWriter = Annotated[Actor, Depends(_writer)]
# The day-of log: county and national as everywhere, and stage-day tokens (checked against
# the stage and its date by the log's service).
LogWriter = Annotated[Actor, Depends(_log_writer)]

# The dependencies that turn anonymous callers away; every other endpoint answers them too.
NEEDS_TOKEN = (_signed_in, _national_only, _writer, _log_writer)
