from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from sykkelturen.checkpoints.problems import CheckpointOfOtherStage
from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.db import SessionDep
from sykkelturen.measures import service
from sykkelturen.measures.models import (
    Measure,
    MeasureCreate,
    MeasurePublic,
    MeasureUpdate,
    ReviewComment,
)
from sykkelturen.measures.problems import (
    IllegalMeasureTransition,
    MeasureNotFound,
)
from sykkelturen.pagination import Page
from sykkelturen.partners.problems import PartnerOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.routes.problems import KmBeyondRoute
from sykkelturen.security import CountyWriter, CurrentActor, NationalOnly
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.stages.service import get_stage
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["measures"])

RULE_PROBLEMS = (
    CheckpointOfOtherStage,
    KmBeyondRoute,
    UnknownReference,
    UnknownReference,
    PartnerOfOtherCounty,
)
REVIEW_PROBLEMS = (*WRITE_PROBLEMS, MeasureNotFound, IllegalMeasureTransition)


def measure_or_404(
    session: SessionDep, measure_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Measure:
    return service.get_measure(session, measure_id)


MeasureDep = Annotated[Measure, Depends(measure_or_404)]


def _stage(session: SessionDep, measure: MeasureDep) -> Stage:
    return get_stage(session, measure.stage_id)


MeasureStageDep = Annotated[Stage, Depends(_stage)]


@router.get(
    "/stages/{stage_id}/measures",
    summary="The stage's run-sheet measures",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_measures(session: SessionDep, actor: CurrentActor, stage: StageDep) -> Page[MeasurePublic]:
    # A stage has tens of measures: always one page.
    items = [
        service.public(session, actor, stage, m) for m in service.list_measures(session, stage)
    ]
    return Page(items=items, next_cursor=None)


@router.post(
    "/stages/{stage_id}/measures",
    status_code=status.HTTP_201_CREATED,
    summary="Add a measure (draft)",
    responses=problem_responses(
        Unauthorized, Forbidden, StageNotFound, ValidationFailed, *RULE_PROBLEMS
    ),
)
def create_measure(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: MeasureCreate,
) -> MeasurePublic:
    measure = service.create_measure(session, actor=actor, stage=stage, data=data)
    response.headers["Location"] = str(request.url_for("read_measure", measure_id=measure.id))
    return tagged(response, service.public(session, actor, stage, measure))


@router.get(
    "/measures/{measure_id}",
    summary="Read a measure",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(MeasureNotFound, ValidationFailed),
    },
)
def read_measure(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    measure: MeasureDep,
    stage: MeasureStageDep,
) -> MeasurePublic:
    return read_tagged(request, response, service.public(session, actor, stage, measure))


@router.patch(
    "/measures/{measure_id}",
    summary="Edit a measure (an accepted one goes back to submitted)",
    responses=problem_responses(*WRITE_PROBLEMS, MeasureNotFound, *RULE_PROBLEMS),
)
def update_measure(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    measure: MeasureDep,
    stage: MeasureStageDep,
    data: MeasureUpdate,
    if_match: IfMatch,
) -> MeasurePublic:
    measure = service.update_measure(
        session, actor=actor, stage=stage, measure=measure, data=data, if_match=if_match
    )
    return tagged(response, service.public(session, actor, stage, measure))


@router.delete(
    "/measures/{measure_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a measure",
    responses=problem_responses(*WRITE_PROBLEMS, MeasureNotFound),
)
def delete_measure(
    session: SessionDep,
    actor: CountyWriter,
    measure: MeasureDep,
    stage: MeasureStageDep,
    if_match: IfMatch,
) -> None:
    service.delete_measure(session, actor=actor, stage=stage, measure=measure, if_match=if_match)


@router.post(
    "/measures/{measure_id}/submit",
    summary="Submit a measure to NF for review (county)",
    responses=problem_responses(*REVIEW_PROBLEMS),
)
def submit_measure(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    measure: MeasureDep,
    stage: MeasureStageDep,
    if_match: IfMatch,
) -> MeasurePublic:
    measure = service.review(
        session, actor=actor, stage=stage, measure=measure, action="submit", if_match=if_match
    )
    return tagged(response, service.public(session, actor, stage, measure))


@router.post(
    "/measures/{measure_id}/accept",
    summary="Accept a submitted measure (NF)",
    responses=problem_responses(*REVIEW_PROBLEMS),
)
def accept_measure(
    response: Response,
    session: SessionDep,
    actor: NationalOnly,
    measure: MeasureDep,
    stage: MeasureStageDep,
    if_match: IfMatch,
) -> MeasurePublic:
    measure = service.review(
        session, actor=actor, stage=stage, measure=measure, action="accept", if_match=if_match
    )
    return tagged(response, service.public(session, actor, stage, measure))


@router.post(
    "/measures/{measure_id}/return",
    summary="Return a submitted measure to the county with a comment (NF)",
    responses=problem_responses(*REVIEW_PROBLEMS),
)
def return_measure(
    response: Response,
    session: SessionDep,
    actor: NationalOnly,
    measure: MeasureDep,
    stage: MeasureStageDep,
    data: ReviewComment,
    if_match: IfMatch,
) -> MeasurePublic:
    measure = service.review(
        session,
        actor=actor,
        stage=stage,
        measure=measure,
        action="return",
        if_match=if_match,
        comment=data.comment,
    )
    return tagged(response, service.public(session, actor, stage, measure))
