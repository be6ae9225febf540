from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from sykkelturen.activities import service as activities
from sykkelturen.checkpoints import service
from sykkelturen.checkpoints.models import (
    Checkpoint,
    CheckpointCreate,
    CheckpointPublic,
    CheckpointUpdate,
)
from sykkelturen.checkpoints.problems import (
    CheckpointInUse,
    CheckpointKindTaken,
    CheckpointNotFound,
    NoRouteForKm,
)
from sykkelturen.concurrency import IfMatch, etag_of, read_tagged, set_etag, tagged
from sykkelturen.db import SessionDep, prepared_write
from sykkelturen.measures import service as measures
from sykkelturen.pagination import Page
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.routes.problems import KmBeyondRoute
from sykkelturen.security import CountyWriter
from sykkelturen.stages import service as stages
from sykkelturen.stages.dependencies import StageDep, StageId
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["checkpoints"])

# What the layers above place at a checkpoint, which its delete keeps whole (the router
# composes them, so that checkpoints import none of those layers).
PLACED_AT: tuple[service.PlacedAt, ...] = (measures.placed_at, activities.placed_at)


def checkpoint_or_404(
    session: SessionDep, stage: StageDep, checkpoint_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Checkpoint:
    return service.get_checkpoint(session, stage, checkpoint_id)


CheckpointDep = Annotated[Checkpoint, Depends(checkpoint_or_404)]


@router.get(
    "/stages/{stage_id}/checkpoints",
    summary="The stage's checkpoints along the route",
    description="Ordered by km; a stage holds at most a few hundred, so this is always one page.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_checkpoints(session: SessionDep, stage: StageDep) -> Page[CheckpointPublic]:
    return Page(
        items=[service.public(c) for c in service.ordered(session, stage)], next_cursor=None
    )


@router.post(
    "/stages/{stage_id}/checkpoints",
    status_code=status.HTTP_201_CREATED,
    summary="Add a checkpoint (by lat/lon or by km along the route)",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        StageNotFound,
        NoRouteForKm,
        KmBeyondRoute,
        CheckpointKindTaken,
        ValidationFailed,
    ),
)
async def create_checkpoint(
    request: Request,
    response: Response,
    actor: CountyWriter,
    stage_id: StageId,
    data: CheckpointCreate,
) -> CheckpointPublic:
    # Placed on the route from a snapshot, then stored in one short transaction, in one
    # trip to a worker thread (see db.prepared_write).
    def prepare(session: Session) -> service.CheckpointPlan:
        stage = stages.get_stage(session, stage_id)
        return service.prepare_checkpoint(session, actor=actor, stage=stage, data=data)

    def store(session: Session, plan: service.CheckpointPlan) -> CheckpointPublic:
        stage = stages.get_stage(session, stage_id)
        return service.public(
            service.store_checkpoint(session, actor=actor, stage=stage, plan=plan)
        )

    def write() -> tuple[CheckpointPublic, str]:
        body = prepared_write(request, prepare, store)
        return body, etag_of(body)  # after the commit: outside the lock

    body, tag = await run_in_threadpool(write)
    response.headers["Location"] = str(
        request.url_for("read_checkpoint", stage_id=stage_id, checkpoint_id=body.id)
    )
    set_etag(response, tag)
    return body


@router.get(
    "/stages/{stage_id}/checkpoints/{checkpoint_id}",
    summary="Read a checkpoint",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, CheckpointNotFound, ValidationFailed),
    },
)
def read_checkpoint(
    request: Request, response: Response, checkpoint: CheckpointDep
) -> CheckpointPublic:
    return read_tagged(request, response, service.public(checkpoint))


@router.patch(
    "/stages/{stage_id}/checkpoints/{checkpoint_id}",
    summary="Update a checkpoint",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        StageNotFound,
        CheckpointNotFound,
        NoRouteForKm,
        KmBeyondRoute,
        CheckpointKindTaken,
    ),
)
def update_checkpoint(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    checkpoint: CheckpointDep,
    data: CheckpointUpdate,
    if_match: IfMatch,
) -> CheckpointPublic:
    checkpoint = service.update_checkpoint(
        session, actor=actor, stage=stage, checkpoint=checkpoint, data=data, if_match=if_match
    )
    return tagged(response, service.public(checkpoint))


@router.delete(
    "/stages/{stage_id}/checkpoints/{checkpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a checkpoint",
    responses=problem_responses(
        *WRITE_PROBLEMS, StageNotFound, CheckpointNotFound, CheckpointInUse
    ),
)
def delete_checkpoint(
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    checkpoint: CheckpointDep,
    if_match: IfMatch,
) -> None:
    service.delete_checkpoint(
        session,
        actor=actor,
        stage=stage,
        checkpoint=checkpoint,
        if_match=if_match,
        placed_at=PLACED_AT,
    )
