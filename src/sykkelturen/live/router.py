import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlmodel import Session

from sykkelturen.checkpoints.problems import CheckpointNotFound
from sykkelturen.clock import ClockDep
from sykkelturen.concurrency import set_etag
from sykkelturen.daylog import service as daylog
from sykkelturen.daylog.models import LogEntryCreate, LogEntryPublic
from sykkelturen.daylog.problems import (
    EntryAlreadySuperseded,
    EntryTimeImplausible,
    IdempotencyKeyReused,
    NoRouteForPlace,
    NotThisStageDay,
    PlaceOffRoute,
)
from sykkelturen.db import SessionDep
from sykkelturen.live import service, stream
from sykkelturen.live.models import TourLive
from sykkelturen.problems import (
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    ValueOutOfRange,
    problem_responses,
)
from sykkelturen.security import Actor, CurrentActor, LogWriter, bearer, get_actor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.models import Tour
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour
from sykkelturen.values import MAX_ID, AwareIsoDateTime

router = APIRouter(tags=["day"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Chosen by the client, new for each entry (a UUID, say). A retry with "
        "the same key and body gets the first answer again (200); the same key with another "
        "body is 409.",
    ),
]


@router.post(
    "/stages/{stage_id}/log",
    status_code=201,
    summary="Add an entry to the stage's day-of log",
    description="What happened, when (`occurred_at`, the phone's clock): start, pass (at a "
    "checkpoint or a lat/lon snapped to the route), handover, pause, resume, arrive, "
    "incident, resolve, cancel; a correction names the entry it replaces in `supersedes` "
    "(`retract` withdraws one). Entries are never edited. 201 for a new entry, 200 for a "
    "retry of one already received. What the entry changes on the day (a handover flagged "
    "late, a measure at risk, a stage's delay past the limit) is audited with it.",
    responses={
        200: {"description": "A retry: the entry this key made before.", "model": LogEntryPublic},
        **problem_responses(
            Unauthorized,
            Forbidden,
            NotThisStageDay,
            StageNotFound,
            IdempotencyKeyReused,
            EntryAlreadySuperseded,
            EntryTimeImplausible,
            PlaceOffRoute,
            NoRouteForPlace,
            UnknownReference,
            CheckpointNotFound,
            ValidationFailed,
        ),
    },
)
def add_log_entry(
    session: SessionDep,
    actor: LogWriter,
    stage: StageDep,
    data: LogEntryCreate,
    idempotency_key: IdempotencyKey,
    clock: ClockDep,
    response: Response,
) -> LogEntryPublic:
    # Here, above the log, because what an entry changes is the live view's to say.
    tour = get_tour(session, stage.tour_id)
    entry, created = service.log_entry(
        session,
        actor=actor,
        stage=stage,
        tour=tour,
        data=data,
        idempotency_key=idempotency_key,
        now=clock.now(),
    )
    if not created:
        response.status_code = 200
    details = daylog.may_see_details(actor, stage)
    items = daylog.public_entries(
        daylog.entries(session, stage), zone=ZoneInfo(tour.time_zone), details=details
    )
    set_etag(response, daylog.log_etag(session, stage.id, details))
    return next(item for item in items if item.id == entry.id)


@router.get(
    "/tours/{tour_id}/live",
    summary="The tour on the day: where the bikes are, delays, what is at risk",
    description="For each of today's stages (in the tour's zone): the last log entry and "
    "the position extrapolated along the route, the delay, the next handover with its "
    "expected time, open incidents and measures whose window the expected passage "
    "misses. Incident text and who logged what only for those who may see the county's "
    "personal data; everyone else gets the public view. `at` replays the view as it "
    "stood at a past moment (what had been logged by then).",
    responses=problem_responses(TourNotFound, ValidationFailed, ValueOutOfRange),
)
def read_live(
    session: SessionDep,
    actor: CurrentActor,
    tour: TourDep,
    clock: ClockDep,
    at: Annotated[
        AwareIsoDateTime | None,
        Query(description="A past moment with its offset, e.g. 2022-06-16T13:20:00+02:00."),
    ] = None,
) -> TourLive:
    now = clock.now()
    if at is not None:
        try:
            at = at.astimezone(dt.UTC)  # 9999-12-31T23:59:59-14:00 has no UTC
        except OverflowError:
            raise ValueOutOfRange("`at` is out of range.") from None
        if at > now:
            raise ValueOutOfRange("`at` is in the future; the live view cannot look ahead.")
    return service.tour_live(session, actor=actor, tour=tour, now=at or now)


def _stream_caller(
    request: Request,
    tour_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> tuple[Tour, Actor]:
    """The tour and the caller, read in a session of their own: a stream lives for hours
    and must not hold the request's unit of work open."""
    actor = get_actor(request, credentials)  # reads the token in a session of its own
    with Session(request.app.state.engine) as session:
        return get_tour(session, tour_id), actor


StreamCaller = Annotated[tuple[Tour, Actor], Depends(_stream_caller)]


@router.get(
    "/tours/{tour_id}/live/stream",
    response_class=EventSourceResponse,
    summary="The live view as Server-Sent Events",
    description="`text/event-stream` for `EventSource`: first a `live` event with the whole "
    "live view, then an `entry` event for every new log entry with its stage as it now "
    "stands (`LiveEvent`), and `: heartbeat` comments while nothing happens. Each event's "
    "`id` is a log entry id: reconnect with `Last-Event-ID` to get what was missed (and no "
    "snapshot). `max_events` ends the stream after that many events (scripts, tests).",
    responses={
        200: {
            "description": "The stream (`live`: TourLive, `entry`: LiveEvent).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(Unauthorized, TourNotFound, ValidationFailed),
    },
)
async def stream_live(
    request: Request,
    caller: StreamCaller,
    clock: ClockDep,
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=0, le=MAX_ID, description="Resume after this entry."),
    ] = None,
    max_events: Annotated[
        int | None, Query(ge=1, le=10_000, description="End the stream after this many events.")
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    tour, actor = caller
    async for event in stream.events(
        engine=request.app.state.engine,
        settings=request.app.state.settings,
        clock=clock,
        tour=tour,
        actor=actor,
        last_event_id=last_event_id,
        max_events=max_events,
    ):
        yield event
