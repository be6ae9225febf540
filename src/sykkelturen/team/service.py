"""The stage team: people in roles, checked against the stage's county and legs."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.legs import service as legs
from sykkelturen.legs.rules import Boundary, Coverage, Stretch
from sykkelturen.people import service as people
from sykkelturen.people.models import Person
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage, TeamRole
from sykkelturen.team import roles
from sykkelturen.team.models import (
    TeamMember,
    TeamMemberCreate,
    TeamMemberLeg,
    TeamMemberPublic,
    TeamMemberUpdate,
)
from sykkelturen.team.problems import DuplicateRoleHolder, TeamMemberNotFound
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType


def stored_legs(session: Session, member: TeamMember) -> list[str]:
    """The stretches of legs as stored ([] for the whole stage)."""
    return legs.stored_keys(
        session.exec(select(TeamMemberLeg).where(TeamMemberLeg.team_member_id == member.id)).all()
    )


def coverage(
    session: Session, stage: Stage, member: TeamMember, bounds: Sequence[Boundary] | None = None
) -> Coverage:
    return legs.assignment_legs(session, stage, stored_legs(session, member), bounds)[0]


def _store_legs(session: Session, member: TeamMember, stretches: list[Stretch]) -> None:
    for ref in session.exec(
        select(TeamMemberLeg).where(TeamMemberLeg.team_member_id == member.id)
    ).all():
        session.delete(ref)
    assert member.id is not None
    for stretch in stretches:
        session.add(
            TeamMemberLeg.model_validate(
                legs.reference(stretch), update={"team_member_id": member.id}
            )
        )
    session.flush()


def _check_holder(
    session: Session, stage: Stage, person_id: int | None, role: str, itself: int | None
) -> None:
    with session.no_autoflush:
        members = [(m.id, m.person_id, m.role) for m in list_team(session, stage) if m.id]
    holder = roles.holder_of(members, person_id, role, itself)
    if holder is not None:
        raise DuplicateRoleHolder(
            f"This person is already {role} on stage {stage.id} (team member {holder})."
        )


def public(session: Session, actor: Actor, stage: Stage, member: TeamMember) -> TeamMemberPublic:
    person = session.get(Person, member.person_id) if member.person_id is not None else None
    cover, changed = legs.assignment_legs(session, stage, stored_legs(session, member))
    assert member.id is not None
    return TeamMemberPublic(
        id=member.id,
        stage_id=member.stage_id,
        role=TeamRole(member.role),
        responsibilities=member.responsibilities,
        legs=list(cover.shown),
        leg_changed=cover.leg_changed,
        changed_legs=changed,
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


def holders_of(role: str) -> sa.Select[int | None]:
    """The ids of the people who hold this team role on any stage (the people list's
    ?role= filter)."""
    return sa.select(col(TeamMember.person_id)).where(col(TeamMember.role) == role)


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
    _check_holder(session, stage, data.person_id, data.role, None)
    stretches = legs.stretches(session, stage, data.legs)
    assert stage.id is not None
    member = TeamMember(
        stage_id=stage.id,
        person_id=data.person_id,
        role=data.role,
        responsibilities=data.responsibilities,
    )
    session.add(member)
    session.flush()
    _store_legs(session, member, stretches)
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
    stretches = (
        legs.stretches(session, stage, changes["legs"]) if changes.get("legs") is not None else None
    )
    if changes.get("role") is not None:
        _check_holder(session, stage, member.person_id, changes["role"], member.id)
        member.role = changes["role"]
    if "responsibilities" in changes:
        member.responsibilities = changes["responsibilities"]
    member.updated_at = utcnow()
    session.add(member)
    session.flush()
    if stretches is not None:
        _store_legs(session, member, stretches)
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
