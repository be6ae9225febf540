"""The stage team: people in roles, checked against the stage's county and legs."""

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints.service import legs as stage_legs
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.people import service as people
from sykkelturen.people.models import Person
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage, TeamRole
from sykkelturen.team.models import TeamMember, TeamMemberCreate, TeamMemberPublic, TeamMemberUpdate
from sykkelturen.team.problems import TeamMemberNotFound, UnknownLeg
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType


def leg_numbers(session: Session, stage: Stage) -> list[int]:
    """The stage's legs; until it has a route with handovers, the whole stage is leg 1."""
    return [leg.number for leg in stage_legs(session, stage).items] or [1]


def require_legs(session: Session, stage: Stage, legs: list[int]) -> list[int]:
    available = leg_numbers(session, stage)
    unknown = sorted(set(legs) - set(available))
    if unknown:
        raise UnknownLeg(f"Stage {stage.id} has legs {available}; there is no leg {unknown[0]}.")
    return sorted(set(legs))


def public(session: Session, actor: Actor, stage: Stage, member: TeamMember) -> TeamMemberPublic:
    person = session.get(Person, member.person_id) if member.person_id is not None else None
    assert member.id is not None
    return TeamMemberPublic(
        id=member.id,
        stage_id=member.stage_id,
        role=TeamRole(member.role),
        responsibilities=member.responsibilities,
        legs=member.legs,
        person=people.summary(person, actor, stage.county),
        erased=member.erased,
        version=member.version,
        updated_at=member.updated_at,
    )


def _resource(stage: Stage, member: TeamMember) -> audit.Resource:
    return audit.Resource(
        type="team_member",
        id=str(member.id),
        tour_id=stage.tour_id,
        county=stage.county,
        person_id=member.person_id,
    )


def list_team(session: Session, stage: Stage) -> list[TeamMember]:
    return list(
        session.exec(
            select(TeamMember)
            .where(TeamMember.stage_id == stage.id)
            .order_by(col(TeamMember.role), col(TeamMember.id))
        ).all()
    )


def get_member(session: Session, stage: Stage, member_id: int) -> TeamMember:
    member = session.get(TeamMember, member_id)
    if member is None or member.stage_id != stage.id:
        raise TeamMemberNotFound(f"Stage {stage.id} has no team member {member_id}.")
    return member


def add_member(
    session: Session, *, actor: Actor, stage: Stage, data: TeamMemberCreate
) -> TeamMember:
    actor.require_county_write(stage.county)
    people.person_for_stage(session, stage, data.person_id)
    assert stage.id is not None
    member = TeamMember(
        stage_id=stage.id,
        person_id=data.person_id,
        role=data.role,
        responsibilities=data.responsibilities,
        legs=require_legs(session, stage, data.legs),
    )
    session.add(member)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, member),
        after=public(session, actor, stage, member),
    )
    return member


def update_member(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    member: TeamMember,
    data: TeamMemberUpdate,
    if_match: str,
) -> TeamMember:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, member)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("role") is not None:
        member.role = changes["role"]
    if "responsibilities" in changes:
        member.responsibilities = changes["responsibilities"]
    if changes.get("legs") is not None:
        member.legs = require_legs(session, stage, changes["legs"])
    member.updated_at = utcnow()
    session.add(member)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, member),
        before=before,
        after=public(session, actor, stage, member),
    )
    return member


def remove_member(
    session: Session, *, actor: Actor, stage: Stage, member: TeamMember, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, member)
    check_if_match(if_match, etag_of(before))
    tombstones.bury(session, stage, TombstoneType.team_member, member.id)
    session.delete(member)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, member), before=before
    )


def assignments_of(session: Session, actor: Actor, person_id: int) -> list[TeamMemberPublic]:
    rows = session.exec(
        select(TeamMember, Stage)
        .join(Stage, col(Stage.id) == col(TeamMember.stage_id))
        .where(TeamMember.person_id == person_id)
    ).all()
    return [public(session, actor, stage, member) for member, stage in rows]
