import datetime as dt
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from sykkelturen.concurrency import IfMatch, etag_of, read_tagged, set_etag, tagged
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep, prepared_write
from sykkelturen.pagination import Page, PageParams, PageQuery
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
from sykkelturen.tours.service import get_tour
from sykkelturen.values import IsoDate

router = APIRouter(tags=["stages"])

# The rules of the layers above that a stage change keeps (the router composes them).
DEPENDENTS = service.Dependents(
    county_ties=county_ties, check_seats_for_bikes=riders.check_seats_for_bikes
)

RULE_PROBLEMS = (CountyNotInTour, StageDateOutsideWindow, StageSequenceTaken, TooManyPassengers)
MOVE_PROBLEMS = (StageHasPeopleOfCounty,)


@router.get(
    "/tours/{tour_id}/stages",
    summary="List a tour's stages in national order",
    responses=problem_responses(TourNotFound, InvalidCursor, ValidationFailed),
)
async def list_stages(
    session: SessionDep,
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
) -> Page[StagePublic]:
    # async, with the reads in one trip to the thread pool: the busiest read endpoints
    # would otherwise wait for a core three times per request (dependency, endpoint,
    # response check) on a loaded machine.
    return await run_in_threadpool(
        partial(
            _stages_page,
            session,
            tour_id=tour_id,
            county=county,
            date_from=date_from,
            date_to=date_to,
            phase=phase,
            page=page,
        )
    )


def _stages_page(
    session: Session,
    *,
    tour_id: int,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    phase: Phase | None,
    page: PageParams,
) -> Page[StagePublic]:
    """`GET /tours/{id}/stages`: all its reads in one call (one trip to a worker thread)."""
    tour = get_tour(session, tour_id)
    rows, next_cursor = service.list_stages(
        session,
        tour=tour,
        county=county,
        date_from=date_from,
        date_to=date_to,
        only=stages_in_phase(session, tour, phase) if phase is not None else None,
        page=page,
    )
    zone = service.zone_of(tour)
    return Page(items=[service.stage_public_of_row(r, zone) for r in rows], next_cursor=next_cursor)


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
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
async def read_stage(
    session: SessionDep, stage_id: StageId, request: Request, response: Response
) -> StagePublic:
    # async, with the reads in one trip to the thread pool (see `list_stages`).
    stage = await run_in_threadpool(service.read_stage_public, session, stage_id)
    return read_tagged(request, response, stage)


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
