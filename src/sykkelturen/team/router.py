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
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.team import service
from sykkelturen.team.models import TeamMember, TeamMemberCreate, TeamMemberPublic, TeamMemberUpdate
from sykkelturen.team.problems import DuplicateRoleHolder, TeamMemberNotFound
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["team"])


def member_or_404(
    session: SessionDep, stage: StageDep, member_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> TeamMember:
    return service.get_member(session, stage, member_id)


MemberDep = Annotated[TeamMember, Depends(member_or_404)]


@router.get(
    "/stages/{stage_id}/team",
    summary="The stage team by role",
    description="Names and ways to reach people only for callers who may see the county's "
    "personal data.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_team(session: SessionDep, actor: CurrentActor, stage: StageDep) -> Page[TeamMemberPublic]:
    # A team is a handful of people: always one page.
    members = service.list_team(session, stage)
    return Page(items=[service.public(session, actor, stage, m) for m in members], next_cursor=None)


@router.post(
    "/stages/{stage_id}/team",
    status_code=status.HTTP_201_CREATED,
    summary="Add a person to the stage team",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        StageNotFound,
        UnknownReference,
        PersonOfOtherCounty,
        UnknownLeg,
        DuplicateRoleHolder,
        ValidationFailed,
    ),
)
def add_team_member(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    data: TeamMemberCreate,
) -> TeamMemberPublic:
    member = service.add_member(session, actor=actor, stage=stage, data=data)
    response.headers["Location"] = str(
        request.url_for("read_team_member", stage_id=stage.id, member_id=member.id)
    )
    return tagged(response, service.public(session, actor, stage, member))


@router.get(
    "/stages/{stage_id}/team/{member_id}",
    summary="Read a team member",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, TeamMemberNotFound, ValidationFailed),
    },
)
def read_team_member(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    member: MemberDep,
) -> TeamMemberPublic:
    return read_tagged(request, response, service.public(session, actor, stage, member))


@router.patch(
    "/stages/{stage_id}/team/{member_id}",
    summary="Change a team member's role, responsibilities or legs",
    responses=problem_responses(
        *WRITE_PROBLEMS, StageNotFound, TeamMemberNotFound, UnknownLeg, DuplicateRoleHolder
    ),
)
def update_team_member(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    member: MemberDep,
    data: TeamMemberUpdate,
    if_match: IfMatch,
) -> TeamMemberPublic:
    member = service.update_member(
        session, actor=actor, stage=stage, member=member, data=data, if_match=if_match
    )
    return tagged(response, service.public(session, actor, stage, member))


@router.delete(
    "/stages/{stage_id}/team/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a team member",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, TeamMemberNotFound),
)
def remove_team_member(
    session: SessionDep, actor: CountyWriter, stage: StageDep, member: MemberDep, if_match: IfMatch
) -> None:
    service.remove_member(session, actor=actor, stage=stage, member=member, if_match=if_match)
