"""Staffing: a stage's needs against its confirmed and invited people, and the tour's
roll-up per county, so NF sees where recruitment lags."""

import itertools

from sqlmodel import Session, col, select

from sykkelturen.legs import rules
from sykkelturen.legs import service as legs
from sykkelturen.legs.rules import Boundary, Coverage
from sykkelturen.people.models import Person
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import Rider, RiderRole, RiderStatus
from sykkelturen.security import Actor
from sykkelturen.staffing.models import (
    CountyStaffing,
    LegChange,
    LegStaffing,
    RoleCount,
    StaffingIssue,
    StageStaffing,
    StageStaffingSummary,
    TourStaffing,
)
from sykkelturen.stages import needs as stage_needs
from sykkelturen.stages.models import Stage, StageNeeds
from sykkelturen.team import service as team
from sykkelturen.team.models import TeamMember
from sykkelturen.texts import Lang, label
from sykkelturen.tours.models import Tour

RIDER_ROLES = (RiderRole.pilot, RiderRole.cyclist, RiderRole.passenger)


def _count(role: str, needed: int, confirmed: int, invited: int) -> RoleCount:
    return RoleCount(
        role=role,
        needed=needed,
        confirmed=confirmed,
        invited=invited,
        missing=stage_needs.missing(needed, confirmed),
    )


def _needed(needs: StageNeeds, stage: Stage, role: RiderRole) -> int:
    return stage_needs.riders_needed(needs, stage.bikes)[role]


def stage_staffing(session: Session, stage: Stage) -> StageStaffing:
    needs = StageNeeds.model_validate(stage.needs)
    rider_rows = riders.list_riders(session, stage)
    members = team.list_team(session, stage)

    def tally(rows: list[Rider], role: RiderRole, status: RiderStatus) -> int:
        return sum(1 for r in rows if r.role == role and r.status == status)

    roles = [
        _count(
            role,
            _needed(needs, stage, role),
            tally(rider_rows, role, RiderStatus.confirmed),
            tally(rider_rows, role, RiderStatus.invited),
        )
        for role in RIDER_ROLES
    ]
    team_needs = stage_needs.team_needed(needs)
    roles += [
        _count(role, team_needs.get(role, 0), sum(1 for m in members if m.role == role), 0)
        for role in sorted(set(team_needs) | {m.role for m in members})
    ]
    bounds = legs.boundaries(session, stage)
    covers = {r.id: riders.coverage(session, stage, r, bounds) for r in rider_rows}
    per_leg = []
    gaps = [r for r in roles if r.missing]
    leg_list = list(itertools.pairwise(bounds))
    for number, (start, end) in enumerate(leg_list, 1):
        leg = rules.key(start, end)
        on_leg = [r for r in rider_rows if rules.covers(covers[r.id], leg)]
        counts = [
            _count(
                role,
                _needed(needs, stage, role),
                tally(on_leg, role, RiderStatus.confirmed),
                tally(on_leg, role, RiderStatus.invited),
            )
            for role in RIDER_ROLES
        ]
        per_leg.append(
            LegStaffing(
                key=leg, number=number, from_name=start.name, to_name=end.name, roles=counts
            )
        )
        if len(leg_list) > 1:
            gaps += [
                c.model_copy(update={"role": f"{c.role} (leg {leg})"}) for c in counts if c.missing
            ]
    assert stage.id is not None
    return StageStaffing(
        stage_id=stage.id,
        sequence=stage.sequence,
        county=stage.county,
        roles=roles,
        legs=per_leg,
        gaps=gaps,
        warnings=_issues(session, stage, rider_rows, covers),
        leg_changed=_leg_changes(session, stage, bounds, rider_rows),
    )


def _leg_changes(
    session: Session, stage: Stage, bounds: list[Boundary], rider_rows: list[Rider]
) -> list[LegChange]:
    found = []
    for rider in rider_rows:
        _, changed = legs.assignment_legs(
            session, stage, riders.stored_legs(session, rider), bounds
        )
        found += [
            LegChange(
                rider_id=rider.id, team_member_id=None, role=rider.role, key=c.key, reason=c.reason
            )
            for c in changed
        ]
    for member in team.list_team(session, stage):
        _, changed = legs.assignment_legs(session, stage, team.stored_legs(session, member), bounds)
        found += [
            LegChange(
                rider_id=None,
                team_member_id=member.id,
                role=member.role,
                key=c.key,
                reason=c.reason,
            )
            for c in changed
        ]
    return found


def _issues(
    session: Session, stage: Stage, rider_rows: list[Rider], covers: dict[int | None, Coverage]
) -> list[StaffingIssue]:
    issues = []
    for rider in rider_rows:
        if (
            rider.status not in (RiderStatus.invited, RiderStatus.confirmed)
            or rider.person_id is None
        ):
            continue
        person = session.get(Person, rider.person_id)
        for warning in riders.warnings(session, stage, rider, person):
            code, _, message = warning.partition(": ")
            issues.append(StaffingIssue(code=code, rider_id=rider.id, message=message))
        if rider.status == RiderStatus.invited:
            for other, other_stage in riders.clashing(session, stage, rider, covers[rider.id]):
                issues.append(
                    StaffingIssue(
                        code="double_booking",
                        rider_id=rider.id,
                        message=f"Invited here, but confirmed as rider {other.id} on stage "
                        f"{other_stage.sequence} the same day; confirming will be refused.",
                    )
                )
    return issues


def _percent(confirmed: int, needed: int) -> float:
    return 100.0 if needed == 0 else round(100 * min(confirmed, needed) / needed, 1)


def tour_staffing(session: Session, tour: Tour) -> TourStaffing:
    stages = session.exec(
        select(Stage).where(Stage.tour_id == tour.id).order_by(col(Stage.sequence))
    ).all()
    by_county: dict[str, list[StageStaffingSummary]] = {}
    for stage in stages:
        staffing = stage_staffing(session, stage)
        needed = sum(r.needed for r in staffing.roles)
        confirmed = sum(min(r.confirmed, r.needed) for r in staffing.roles)
        by_county.setdefault(stage.county, []).append(
            StageStaffingSummary(
                stage_id=staffing.stage_id,
                sequence=stage.sequence,
                name=stage.name,
                date=stage.date.isoformat(),
                needed=needed,
                confirmed=confirmed,
                invited=sum(r.invited for r in staffing.roles),
                missing=needed - confirmed,
                percent_staffed=_percent(confirmed, needed),
            )
        )
    counties = []
    for county, summaries in by_county.items():
        needed = sum(s.needed for s in summaries)
        confirmed = sum(s.confirmed for s in summaries)
        counties.append(
            CountyStaffing(
                county=county,
                needed=needed,
                confirmed=confirmed,
                missing=needed - confirmed,
                percent_staffed=_percent(confirmed, needed),
                stages=summaries,
            )
        )
    assert tour.id is not None
    return TourStaffing(tour_id=tour.id, counties=counties)


def _legs_shown(session: Session, stage: Stage, row: TeamMember | Rider) -> tuple[str, ...]:
    if isinstance(row, TeamMember):
        return team.coverage(session, stage, row).shown
    return riders.coverage(session, stage, row).shown


def crew(
    session: Session, actor: Actor, stage: Stage
) -> tuple[list[str], list[list[str | int | None]]]:
    """The stage's team and riders as rows (role, legs, status, and the person's name,
    phone and e-mail when the caller may see them): the staffing list counties print."""
    personal = actor.may_see_personal_data(stage.county)
    head = ["rolle", "role", "legs", "status"] + (["name", "phone", "email"] if personal else [])
    rows: list[list[str | int | None]] = []
    places: list[tuple[TeamMember | Rider, str, str, str | None]] = [
        (m, "team_role", m.role, None) for m in team.list_team(session, stage)
    ]
    places += [(r, "rider_role", r.role, r.status) for r in riders.list_riders(session, stage)]
    for row, group, role, status in places:
        line: list[str | int | None] = [
            label(group, role, Lang.nb),
            role,
            ", ".join(_legs_shown(session, stage, row)) or None,
            status,
        ]
        if personal:
            person = session.get(Person, row.person_id) if row.person_id is not None else None
            line += [person.name, person.phone, person.email] if person else [None, None, None]
        rows.append(line)
    return head, rows
