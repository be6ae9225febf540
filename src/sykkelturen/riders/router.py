from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from sykkelturen.concurrency import IfMatch, read_tagged, tagged
from sykkelturen.db import SessionDep
from sykkelturen.legs.problems import UnknownLeg
from sykkelturen.pagination import Page
from sykkelturen.people.problems import PersonOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.riders import service
from sykkelturen.riders.models import Rider, RiderCreate, RiderPublic, RiderUpdate
from sykkelturen.riders.problems import (
    DoubleBooking,
    IllegalRiderTransition,
    RickshawFull,
    RiderNotFound,
)
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["riders"])

RULE_PROBLEMS = (
    UnknownReference,
    PersonOfOtherCounty,
    UnknownLeg,
    RickshawFull,
    DoubleBooking,
    IllegalRiderTransition,
)


def rider_or_404(
    session: SessionDep, stage: StageDep, rider_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Rider:
    return service.get_rider(session, stage, rider_id)


RiderDep = Annotated[Rider, Depends(rider_or_404)]


@router.get(
    "/stages/{stage_id}/riders",
    summary="Pilots, cyclists and passengers of the stage",
    description="Names, contacts and warnings only for callers who may see the county's "
    "personal data.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_riders(session: SessionDep, actor: CurrentActor, stage: StageDep) -> Page[RiderPublic]:
    # Bounded by the stage's riders (tens): always one page.
    return Page(
        items=[
            service.public(session, actor, stage, r) for r in service.list_riders(session, stage)
        ],
        next_cursor=None,
    )


@router.post(
    "/stages/{stage_id}/riders",
    status_code=status.HTTP_201_CREATED,
    summary="Invite (or confirm) a rider",
    responses=problem_responses(
        Unauthorized, Forbidden, StageNotFound, ValidationFailed, *RULE_PROBLEMS
    ),
)
def add_rider(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: RiderCreate,
) -> RiderPublic:
    rider = service.add_rider(session, actor=actor, stage=stage, data=data)
    response.headers["Location"] = str(
        request.url_for("read_rider", stage_id=stage.id, rider_id=rider.id)
    )
    return tagged(response, service.public(session, actor, stage, rider))


@router.get(
    "/stages/{stage_id}/riders/{rider_id}",
    summary="Read a rider",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, RiderNotFound, ValidationFailed),
    },
)
def read_rider(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    rider: RiderDep,
) -> RiderPublic:
    return read_tagged(request, response, service.public(session, actor, stage, rider))


@router.patch(
    "/stages/{stage_id}/riders/{rider_id}",
    summary="Confirm, decline or withdraw a rider, or change role or legs",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, RiderNotFound, *RULE_PROBLEMS),
)
def update_rider(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    rider: RiderDep,
    data: RiderUpdate,
    if_match: IfMatch,
) -> RiderPublic:
    rider = service.update_rider(
        session, actor=actor, stage=stage, rider=rider, data=data, if_match=if_match
    )
    return tagged(response, service.public(session, actor, stage, rider))


@router.delete(
    "/stages/{stage_id}/riders/{rider_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a rider",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, RiderNotFound),
)
def remove_rider(
    session: SessionDep, actor: CountyWriter, stage: StageDep, rider: RiderDep, if_match: IfMatch
) -> None:
    service.remove_rider(session, actor=actor, stage=stage, rider=rider, if_match=if_match)
