import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen.concurrency import (
    IfMatch,
    etag_of,
    read_tagged_json,
    set_etag,
    tagged,
)
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep, prepared_write
from sykkelturen.pagination import Page, PageParams, PageQuery, page_json
from sykkelturen.privacy.ties import county_ties
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.progress.facts import stages_in_phase
from sykkelturen.progress.phases import Phase
from sykkelturen.riders import service as riders
from sykkelturen.security import CountyWriter
from sykkelturen.stages import service
from sykkelturen.stages.dependencies import StageDep, StageId
from sykkelturen.stages.models import StageCreate, StagePublic, StageUpdate
from sykkelturen.stages.problems import (
    CountyNotInTour,
    SeatsTaken,
    StageDateOutsideWindow,
    StageHasPeopleOfCounty,
    StageNotFound,
    StageSequenceTaken,
    TooManyPassengers,
)
from sykkelturen.tours.dependencies import TourDep, TourId
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour, require_tour
from sykkelturen.values import IsoDate

router = APIRouter(tags=["stages"])

# The rules of the layers above that a stage change keeps (the router composes them).
DEPENDENTS = service.Dependents(
    county_ties=county_ties, check_seats_for_bikes=riders.check_seats_for_bikes
)

RULE_PROBLEMS = (CountyNotInTour, StageDateOutsideWindow, StageSequenceTaken, TooManyPassengers)
MOVE_PROBLEMS = (StageHasPeopleOfCounty,)

Read = TypeVar("Read")


async def _read(request: Request, read: Callable[[sa.Connection], Read]) -> Read:
    """The body of one of the two busiest reads (a stage, a tour's stages), read and written
    in one trip to the thread pool, on a connection of its own taken and given back there.

    - No session dependency: solving it, a `Session` and its commit after the endpoint (on
      PostgreSQL one more trip to a worker thread) cost these reads more than their query,
      and a read has nothing to commit (the connection's transaction ends when it is given
      back to the pool). On a loaded machine each trip waits for a core.
    - The body comes back as JSON bytes, each stage's written once from plain values and
      kept under its row (`service.stage_body`); the endpoint returns it as a `Response`,
      which FastAPI sends as it is, without validating and serialising the models again
      (`response_model` still declares it for the OpenAPI document)."""
    return await run_in_threadpool(_on_own_connection, request.app.state.engine, read)


def _on_own_connection(engine: Engine, read: Callable[[sa.Connection], Read]) -> Read:
    with engine.connect() as connection:
        return read(connection)


@router.get(
    "/tours/{tour_id}/stages",
    summary="List a tour's stages in national order",
    response_model=Page[StagePublic],
    responses=problem_responses(TourNotFound, InvalidCursor, ValidationFailed),
)
async def list_stages(
    request: Request,
    tour_id: TourId,
    page: PageQuery,
    county: Annotated[
        str | None, Query(pattern=COUNTY_NUMBER_PATTERN, description="County number.")
    ] = None,
    date_from: Annotated[IsoDate | None, Query(description="Stages on or after this date.")] = None,
    date_to: Annotated[IsoDate | None, Query(description="Stages on or before this date.")] = None,
    phase: Annotated[
        Phase | None,
        Query(
            description="Stages whose current workshop phase is this one (computed from the data)."
        ),
    ] = None,
) -> Response:
    body = await _read(
        request,
        partial(
            _stages_page,
            tour_id=tour_id,
            county=county,
            date_from=date_from,
            date_to=date_to,
            phase=phase,
            page=page,
        ),
    )
    return Response(body, media_type="application/json")


def _stages_page(
    connection: sa.Connection,
    *,
    tour_id: int,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    phase: Phase | None,
    page: PageParams,
) -> bytes:
    """`GET /tours/{id}/stages`: one Core query for the page of stage rows (each with its
    tour's zone), written as `Page[StagePublic]` writes them; only an empty page asks
    whether the tour is there. ?phase= needs the tour itself: progress reads every
    domain's facts of it through the ORM, in a session on the same connection."""
    only = None
    if phase is not None:
        with Session(connection) as session:
            only = stages_in_phase(session, get_tour(session, tour_id), phase)
    try:
        rows, next_cursor = service.list_stages(
            connection,
            tour_id=tour_id,
            county=county,
            date_from=date_from,
            date_to=date_to,
            only=only,
            page=page,
        )
    except InvalidCursor:
        require_tour(connection, tour_id)  # a tour that is not there is 404 first
        raise
    if not rows:
        require_tour(connection, tour_id)  # 404, or else a page with nothing on it
    return page_json([service.stage_body(row) for row in rows], next_cursor)


@router.post(
    "/tours/{tour_id}/stages",
    status_code=status.HTTP_201_CREATED,
    summary="Create a stage",
    description="County contacts create stages in their own counties; national anywhere.",
    responses=problem_responses(
        Unauthorized, Forbidden, ValidationFailed, TourNotFound, *RULE_PROBLEMS
    ),
)
def create_stage(
    session: SessionDep,
    actor: CountyWriter,
    tour: TourDep,
    data: StageCreate,
    request: Request,
    response: Response,
) -> StagePublic:
    stage = service.create_stage(session, actor=actor, tour=tour, data=data)
    response.headers["Location"] = str(request.url_for("read_stage", stage_id=stage.id))
    return tagged(response, service.stage_public(stage, service.zone_of(tour)))


@router.get(
    "/stages/{stage_id}",
    summary="Read a stage",
    response_model=StagePublic,
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
async def read_stage(stage_id: StageId, request: Request) -> Response:
    # Its ETag is the one `read_tagged` gives the model (see `_read`).
    body, etag = await _read(request, partial(service.read_stage_json, stage_id=stage_id))
    return read_tagged_json(request, body, etag)


@router.patch(
    "/stages/{stage_id}",
    summary="Update a stage",
    description="National (or a token of both counties) may move a stage to another county "
    "of the tour, once nothing on it names people, partners or press contacts of its county "
    "(409 `stage_has_people_of_county` lists them).",
    responses=problem_responses(
        *WRITE_PROBLEMS, StageNotFound, *RULE_PROBLEMS, *MOVE_PROBLEMS, SeatsTaken
    ),
)
async def update_stage(
    request: Request,
    actor: CountyWriter,
    stage_id: StageId,
    data: StageUpdate,
    if_match: IfMatch,
    response: Response,
) -> StagePublic:
    # Checked against a snapshot, then stored in one short transaction, all in one trip to
    # a worker thread: on SQLite the write lock is held only while storing (see
    # db.prepared_write), never across a thread-pool hop.
    def prepare(session: Session) -> service.StageUpdatePlan:
        stage = service.get_stage(session, stage_id)
        return service.prepare_update(
            session,
            actor=actor,
            tour=get_tour(session, stage.tour_id),
            stage=stage,
            data=data,
            if_match=if_match,
            dependents=DEPENDENTS,
        )

    def store(session: Session, plan: service.StageUpdatePlan) -> StagePublic:
        stage = service.get_stage(session, plan.stage_id)
        return service.store_update(
            session,
            actor=actor,
            tour=get_tour(session, stage.tour_id),
            stage=stage,
            plan=plan,
            dependents=DEPENDENTS,
        )

    def write() -> tuple[StagePublic, str]:
        body = prepared_write(request, prepare, store)
        return body, etag_of(body)  # after the commit: outside the lock

    body, tag = await run_in_threadpool(write)
    set_etag(response, tag)
    return body


@router.delete(
    "/stages/{stage_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a stage",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound),
)
def delete_stage(
    session: SessionDep, actor: CountyWriter, stage: StageDep, if_match: IfMatch
) -> None:
    tour = get_tour(session, stage.tour_id)
    service.delete_stage(session, actor=actor, tour=tour, stage=stage, if_match=if_match)
