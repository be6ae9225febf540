"""Riders: pilots, cyclists and passengers invited and confirmed against the stage's seats,
without anyone being confirmed in two places at once."""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.legs import rules
from sykkelturen.legs import service as legs
from sykkelturen.legs.rules import Boundary, Coverage, Stretch
from sykkelturen.people import service as people
from sykkelturen.people.models import Person
from sykkelturen.riders import seats
from sykkelturen.riders.models import (
    Rider,
    RiderCreate,
    RiderLeg,
    RiderPublic,
    RiderRole,
    RiderStatus,
    RiderUpdate,
)
from sykkelturen.riders.problems import (
    DoubleBooking,
    IllegalRiderTransition,
    RickshawFull,
    RiderNotFound,
)
from sykkelturen.riders.status import ACTIVE, FIRST, may_change, may_enter
from sykkelturen.security import Actor
from sykkelturen.stages.itinerary import ride_duration
from sykkelturen.stages.models import PASSENGERS_PER_BIKE, Stage
from sykkelturen.stages.problems import SeatsTaken
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType

# More riding than this in one day is flagged (not refused): pedalling a loaded rickshaw,
# or riding behind one, is tiring work for volunteers.
DUTY_LIMIT = dt.timedelta(hours=5)


def stored_legs(session: Session, rider: Rider) -> list[str]:
    """The stretches of legs as stored ([] for the whole stage)."""
    if rider.id is None:
        return []
    return legs.stored_keys(
        session.exec(select(RiderLeg).where(RiderLeg.rider_id == rider.id)).all()
    )


def coverage(
    session: Session, stage: Stage, rider: Rider, bounds: Sequence[Boundary] | None = None
) -> Coverage:
    return legs.assignment_legs(session, stage, stored_legs(session, rider), bounds)[0]


def _store_legs(session: Session, rider: Rider, stretches: list[Stretch]) -> None:
    for ref in session.exec(select(RiderLeg).where(RiderLeg.rider_id == rider.id)).all():
        session.delete(ref)
    assert rider.id is not None
    for stretch in stretches:
        session.add(RiderLeg.model_validate(legs.reference(stretch), update={"rider_id": rider.id}))
    session.flush()


def riding_time(session: Session, stage: Stage, cover: Coverage) -> dt.timedelta:
    """Time on the bike at the slowest planned speed; zero while the stage has no route."""
    distance = sum(
        leg.distance_m for leg in legs.stage_legs(session, stage).items if leg.key in cover.legs
    )
    return ride_duration(distance, stage.speeds_kmh) if distance else dt.timedelta()


def duty_on(session: Session, person_id: int, day: dt.date, tour_id: int) -> dt.timedelta:
    rows = session.exec(
        select(Rider, Stage)
        .join(Stage, col(Stage.id) == col(Rider.stage_id))
        .where(
            Rider.person_id == person_id,
            Rider.status == RiderStatus.confirmed,
            Stage.date == day,
            Stage.tour_id == tour_id,
        )
    ).all()
    return sum(
        (riding_time(session, stage, coverage(session, stage, rider)) for rider, stage in rows),
        dt.timedelta(),
    )


def warnings(session: Session, stage: Stage, rider: Rider, person: Person | None) -> list[str]:
    found = []
    if rider.role == RiderRole.pilot and person is not None and not person.pilot_trained:
        found.append("pilot_not_trained: this pilot is not marked as trained")
    if person is not None and person.id is not None and rider.status == RiderStatus.confirmed:
        duty = duty_on(session, person.id, stage.date, stage.tour_id)
        if duty > DUTY_LIMIT:
            hours = duty.total_seconds() / 3600
            limit = DUTY_LIMIT.total_seconds() / 3600
            found.append(f"long_duty: {hours:.1f} h of riding that day (over {limit:.0f} h)")
    return found


def public(session: Session, actor: Actor, stage: Stage, rider: Rider) -> RiderPublic:
    person = session.get(Person, rider.person_id) if rider.person_id is not None else None
    visible = actor.may_see_personal_data(stage.county)
    cover, changed = legs.assignment_legs(session, stage, stored_legs(session, rider))
    assert rider.id is not None
    return RiderPublic(
        id=rider.id,
        stage_id=rider.stage_id,
        role=RiderRole(rider.role),
        legs=list(cover.shown),
        leg_changed=cover.leg_changed,
        changed_legs=changed,
        status=RiderStatus(rider.status),
        person=people.summary(person, actor, stage.county),
        erased=rider.erased,
        invited_by=rider.invited_by if visible else None,
        status_changed_at=rider.status_changed_at,
        warnings=warnings(session, stage, rider, person) if visible else [],
        version=rider.version,
        updated_at=rider.updated_at,
    )


def _resource(stage: Stage, rider: Rider) -> audit.Resource:
    return audit.Resource(
        type="rider",
        id=str(rider.id),
        tour_id=stage.tour_id,
        county=stage.county,
        person_id=rider.person_id,
    )


def holders_of(role: str) -> sa.Select[int | None]:
    """The ids of the people who hold this rider role on any stage (the people list's
    ?role= filter)."""
    return sa.select(col(Rider.person_id)).where(col(Rider.role) == role)


def list_riders(session: Session, stage: Stage) -> list[Rider]:
    return list(
        session.exec(
            select(Rider).where(Rider.stage_id == stage.id).order_by(col(Rider.role), col(Rider.id))
        ).all()
    )


def get_rider(session: Session, stage: Stage, rider_id: int) -> Rider:
    rider = session.get(Rider, rider_id)
    if rider is None or rider.stage_id != stage.id:
        raise RiderNotFound(f"Stage {stage.id} has no rider {rider_id}.")
    return rider


def _passengers(
    session: Session, stage: Stage, bounds: Sequence[Boundary], but: Rider
) -> list[Coverage]:
    """What the stage's other seat-holding passengers ride."""
    return [
        coverage(session, stage, r, bounds)
        for r in list_riders(session, stage)
        if r.id != but.id and r.role == RiderRole.passenger and r.status in ACTIVE
    ]


def _check_seats(session: Session, stage: Stage, rider: Rider, cover: Coverage) -> None:
    """At most two passengers per rickshaw on every leg the passenger rides."""
    if rider.role != RiderRole.passenger or rider.status not in ACTIVE:
        return
    bounds = legs.boundaries(session, stage)
    full = seats.overfull(
        [cover, *_passengers(session, stage, bounds, but=rider)],
        rules.leg_keys(bounds),
        stage.bikes,
    )
    if full:
        raise RickshawFull(
            f"Leg {full[0].leg} already has {full[0].passengers - 1} passengers on "
            f"{stage.bikes} rickshaws ({PASSENGERS_PER_BIKE} seats each)."
        )


def check_seats_for_bikes(session: Session, stage: Stage, bikes: int) -> None:
    """The seats rule when a stage's bikes change: every passenger keeps a seat."""
    bounds = legs.boundaries(session, stage)
    riding = [
        coverage(session, stage, r, bounds)
        for r in list_riders(session, stage)
        if r.role == RiderRole.passenger and r.status in ACTIVE
    ]
    full = seats.overfull(riding, rules.leg_keys(bounds), bikes)
    if full:
        where = ", ".join(f"leg {load.leg} has {load.passengers}" for load in full)
        raise SeatsTaken(
            f"{bikes} rickshaws seat {bikes * PASSENGERS_PER_BIKE} passengers, but {where} "
            "invited or confirmed; decline or move passengers first."
        )


def clashing(
    session: Session, stage: Stage, rider: Rider, cover: Coverage
) -> list[tuple[Rider, Stage]]:
    """The person's confirmed rider places that this one would double-book (`rules.
    double_booked`): the refusal on confirming and staffing's warning on an invitation."""
    if rider.person_id is None:
        return []
    rows = session.exec(
        select(Rider, Stage)
        .join(Stage, col(Stage.id) == col(Rider.stage_id))
        .where(
            Rider.person_id == rider.person_id,
            Rider.status == RiderStatus.confirmed,
            col(Rider.id) != rider.id,
            Stage.tour_id == stage.tour_id,
            Stage.date == stage.date,
        )
    ).all()
    return [
        (other, other_stage)
        for other, other_stage in rows
        if rules.double_booked(
            cover, coverage(session, stage, other) if other_stage.id == stage.id else None
        )
    ]


def _check_double_booking(session: Session, stage: Stage, rider: Rider, cover: Coverage) -> None:
    """A person is confirmed in one place at a time."""
    if rider.status != RiderStatus.confirmed:
        return
    clashes = clashing(session, stage, rider, cover)
    if clashes:
        other, other_stage = clashes[0]
        raise DoubleBooking(
            f"This person is already confirmed as {other.role} (rider {other.id}) on stage "
            f"{other_stage.sequence} {other_stage.name} that day."
        )


def _candidate(session: Session, stage: Stage, stretches: list[Stretch]) -> Coverage:
    """What a rider with these stretches would cover."""
    return legs.assignment_legs(session, stage, [rules.key(a, b) for a, b in stretches])[0]


def add_rider(session: Session, *, actor: Actor, stage: Stage, data: RiderCreate) -> Rider:
    actor.require_county_write(stage.county)
    people.person_for_stage(session, stage, data.person_id)
    if not may_enter(data.status):
        raise IllegalRiderTransition(
            f"A new rider starts as {FIRST}; confirm (or decline) with PATCH once they answer."
        )
    stretches = legs.stretches(session, stage, data.legs)
    assert stage.id is not None
    rider = Rider(
        stage_id=stage.id,
        person_id=data.person_id,
        role=data.role,
        status=data.status,
        invited_by=actor.name,
        status_changed_by=actor.name,
    )
    with session.no_autoflush:
        cover = _candidate(session, stage, stretches)
        _check_seats(session, stage, rider, cover)
        _check_double_booking(session, stage, rider, cover)
    session.add(rider)
    session.flush()
    _store_legs(session, rider, stretches)
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, rider),
        after=public(session, actor, stage, rider),
    )
    return rider


def update_rider(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    rider: Rider,
    data: RiderUpdate,
    if_match: str,
) -> Rider:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, rider)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    new_status = changes.get("status")
    if new_status is not None and new_status != rider.status:
        if not may_change(RiderStatus(rider.status), RiderStatus(new_status)):
            raise IllegalRiderTransition(
                f"A rider who is {rider.status} cannot become {new_status}."
            )
        rider.status = new_status
        rider.status_changed_at = utcnow()
        rider.status_changed_by = actor.name
    if changes.get("role") is not None:
        rider.role = changes["role"]
    with session.no_autoflush:
        if changes.get("legs") is not None:
            stretches: list[Stretch] | None = legs.stretches(session, stage, changes["legs"])
            assert stretches is not None
            cover = _candidate(session, stage, stretches)
        else:
            stretches, cover = None, coverage(session, stage, rider)
        _check_seats(session, stage, rider, cover)
        _check_double_booking(session, stage, rider, cover)
    rider.updated_at = utcnow()
    session.add(rider)
    session.flush()
    if stretches is not None:
        _store_legs(session, rider, stretches)
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, rider),
        before=before,
        after=public(session, actor, stage, rider),
    )
    return rider


def remove_rider(
    session: Session, *, actor: Actor, stage: Stage, rider: Rider, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, rider)
    check_if_match(if_match, etag_of(before))
    tombstones.bury(session, stage, TombstoneType.rider, rider.id)
    session.delete(rider)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, rider), before=before
    )


def assignments_of(session: Session, actor: Actor, person_id: int) -> list[RiderPublic]:
    rows = session.exec(
        select(Rider, Stage)
        .join(Stage, col(Stage.id) == col(Rider.stage_id))
        .where(Rider.person_id == person_id)
    ).all()
    return [public(session, actor, stage, rider) for rider, stage in rows]
