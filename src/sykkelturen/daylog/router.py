from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Request, Response

from sykkelturen.checkpoints.problems import CheckpointNotFound
from sykkelturen.clock import ClockDep
from sykkelturen.concurrency import conditional_get, set_etag
from sykkelturen.daylog import service
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
from sykkelturen.pagination import Page
from sykkelturen.problems import (
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CurrentActor, LogWriter
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.service import get_tour

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


def _log_etag(stage_id: int | None, marker: str, details: bool) -> str:
    return f'"{stage_id}-{marker or "log0"}-{"full" if details else "public"}"'


@router.post(
    "/stages/{stage_id}/log",
    status_code=201,
    summary="Add an entry to the stage's day-of log",
    description="What happened, when (`occurred_at`, the phone's clock): start, pass (at a "
    "checkpoint or a lat/lon snapped to the route), handover, pause, resume, arrive, "
    "incident, resolve, cancel; a correction names the entry it replaces in `supersedes` "
    "(`retract` withdraws one). Entries are never edited. 201 for a new entry, 200 for a "
    "retry of one already received.",
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
    tour = get_tour(session, stage.tour_id)
    entry, created = service.add_entry(
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
    details = service.may_see_details(actor, stage)
    items = service.public_entries(
        service.entries(session, stage), zone=ZoneInfo(tour.time_zone), details=details
    )
    set_etag(response, _log_etag(stage.id, service.log_marker(session, stage.id), details))
    return next(item for item in items if item.id == entry.id)


@router.get(
    "/stages/{stage_id}/log",
    summary="The stage's day-of log",
    description="Every entry in the order it happened, superseded ones included (marked "
    "`superseded_by`). Incident text and authors only for those who may see the county's "
    "personal data and the stage's own stage-day token.",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
def read_log(
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    request: Request,
    response: Response,
) -> Page[LogEntryPublic]:
    details = service.may_see_details(actor, stage)
    conditional_get(
        request, response, _log_etag(stage.id, service.log_marker(session, stage.id), details)
    )
    tour = get_tour(session, stage.tour_id)
    items = service.public_entries(
        service.entries(session, stage), zone=ZoneInfo(tour.time_zone), details=details
    )
    return Page(items=items, next_cursor=None)
