from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status

from sykkelturen.concurrency import IfMatch, conditional_get, etag_of, set_etag
from sykkelturen.db import SessionDep
from sykkelturen.legs.problems import UnknownLeg
from sykkelturen.outcomes import service
from sykkelturen.outcomes.models import OutcomePublic, OutcomeWrite, StageOutcome
from sykkelturen.outcomes.problems import (
    ActivityOfOtherStage,
    OutcomeNotFound,
    PassengersOverSeats,
)
from sykkelturen.partners.problems import PartnerOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound, StageNotRiddenYet

router = APIRouter(tags=["report"])


def outcome_or_404(session: SessionDep, stage: StageDep) -> StageOutcome:
    return service.get_outcome(session, stage)


OutcomeDep = Annotated[StageOutcome, Depends(outcome_or_404)]


@router.get(
    "/stages/{stage_id}/outcome",
    summary="What the stage achieved: km, passengers, volunteers, partners, audience",
    description="Counts only. Notes and lessons learnt only for those who may see the "
    "county's people.",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, OutcomeNotFound, ValidationFailed),
    },
)
def read_outcome(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    outcome: OutcomeDep,
) -> OutcomePublic:
    body = service.public(session, actor, stage, outcome)
    conditional_get(request, response, etag_of(body))
    return body


@router.put(
    "/stages/{stage_id}/outcome",
    summary="Record (201) or replace (200) the stage's outcome",
    description="The first recording needs no `If-Match` (send `If-None-Match: *` to be sure "
    "not to overwrite one recorded meanwhile); replacing needs `If-Match` with the ETag. "
    "Counts left out default to the confirmed riders and the stage team; the distance comes "
    "from the actual track where there is one, else the planned route, unless given.",
    responses={
        201: {"description": "Recorded for the first time", "model": OutcomePublic},
        **problem_responses(
            *WRITE_PROBLEMS,
            StageNotFound,
            UnknownReference,
            UnknownLeg,
            PassengersOverSeats,
            PartnerOfOtherCounty,
            ActivityOfOtherStage,
            StageNotRiddenYet,
        ),
    },
)
def put_outcome(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: OutcomeWrite,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The outcome's `ETag` when replacing it; a stale one gets 412.",
        ),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(alias="If-None-Match", description="`*`: only record, never replace."),
    ] = None,
) -> OutcomePublic:
    outcome, created = service.put_outcome(
        session,
        actor=actor,
        stage=stage,
        data=data,
        if_match=if_match,
        if_none_match=if_none_match,
    )
    body = service.public(session, actor, stage, outcome)
    set_etag(response, etag_of(body))
    if created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = str(request.url_for("read_outcome", stage_id=stage.id))
    return body


@router.delete(
    "/stages/{stage_id}/outcome",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the stage's outcome (recorded by mistake)",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, OutcomeNotFound),
)
def delete_outcome(
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    outcome: OutcomeDep,
    if_match: IfMatch,
) -> None:
    service.delete_outcome(session, actor=actor, stage=stage, outcome=outcome, if_match=if_match)
