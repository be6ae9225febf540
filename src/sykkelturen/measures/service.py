"""Measures: where and when they apply, who is responsible, and their review by NF."""

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.checkpoints.service import stage_checkpoint
from sykkelturen.clock import today_in
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.measures.models import (
    POLICE_NOTICE_DAYS,
    Measure,
    MeasureCreate,
    MeasureKind,
    MeasurePublic,
    MeasureStatus,
    MeasureUpdate,
)
from sykkelturen.measures.problems import (
    IllegalMeasureTransition,
    MeasureNotFound,
)
from sykkelturen.measures.status import after_edit, next_status, why_not
from sykkelturen.partners import service as partners
from sykkelturen.partners.models import Partner, PartnerKind, PartnerRef
from sykkelturen.people import service as people
from sykkelturen.people.models import Person, PersonSummary
from sykkelturen.problems import Forbidden, InvalidDateRange
from sykkelturen.routes import placement
from sykkelturen.routes.versions import route_line
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tombstones.models import TombstoneType
from sykkelturen.tours.service import get_tour


def overdue(due_date: dt.date | None, status: str, on: dt.date) -> bool:
    """Due date passed and not accepted."""
    return due_date is not None and due_date < on and status != MeasureStatus.accepted


def place_of(session: Session, measure: Measure) -> tuple[float | None, float | None, float | None]:
    """(km, lat, lon): a measure at a checkpoint is where the checkpoint is now."""
    if measure.checkpoint_id is not None:
        checkpoint = session.get(Checkpoint, measure.checkpoint_id)
        if checkpoint is not None:
            return checkpoint.km, checkpoint.lat, checkpoint.lon
    return measure.km, measure.lat, measure.lon


def public(session: Session, actor: Actor, stage: Stage, measure: Measure) -> MeasurePublic:
    km, lat, lon = place_of(session, measure)
    person = (
        session.get(Person, measure.responsible_person_id)
        if measure.responsible_person_id
        else None
    )
    summary = people.summary(person, actor, stage.county)
    partner = (
        session.get(Partner, measure.responsible_partner_id)
        if measure.responsible_partner_id
        else None
    )
    partner_ref = (
        PartnerRef(id=partner.id, name=partner.name, kind=PartnerKind(partner.kind))
        if partner is not None and partner.id is not None
        else None
    )
    on = today_in(get_tour(session, stage.tour_id).time_zone)
    return shown(measure, place=(km, lat, lon), person=summary, partner=partner_ref, on=on)


def shown(
    measure: Any,
    *,
    place: tuple[float | None, float | None, float | None],
    person: PersonSummary | None,
    partner: PartnerRef | None,
    on: dt.date,
) -> MeasurePublic:
    """A measure as shown, from its stored columns: a `Measure`, or a Core row of the same
    columns; `place` is where it is now (at a checkpoint: the checkpoint's), `person` only
    for those who may see it."""
    return MeasurePublic(
        **shown_fields(measure, place=place, person=person, partner=partner, on=on)
    )


def shown_fields(
    measure: Any,
    *,
    place: tuple[float | None, float | None, float | None],
    person: PersonSummary | None,
    partner: PartnerRef | None,
    on: dt.date,
) -> dict[str, Any]:
    """The fields of `shown`, in the order of `MeasurePublic` and each of the type it
    declares: the run sheet writes thousands of them to JSON as they are, without the model
    (tests/runsheet/test_stage_json.py checks that the model writes the same bytes)."""
    km, lat, lon = place
    return {
        "id": measure.id,
        "stage_id": measure.stage_id,
        "kind": MeasureKind(measure.kind),
        "title": measure.title,
        "description": measure.description,
        "checkpoint_id": measure.checkpoint_id,
        "km": round(km, 3) if km is not None else None,
        "lat": lat,
        "lon": lon,
        "starts_at": measure.starts_at,
        "ends_at": measure.ends_at,
        "responsible_name": measure.responsible_name
        or (partner.name if partner else None)
        or (person.name if person else None),
        "responsible_person": person,
        "responsible_partner": partner,
        "due_date": measure.due_date,
        "overdue": overdue(measure.due_date, measure.status, on),
        "notes": measure.notes,
        "status": MeasureStatus(measure.status),
        "review_comment": measure.review_comment,
        "submitted_at": measure.submitted_at,
        "reviewed_at": measure.reviewed_at,
        "version": measure.version,
        "updated_at": measure.updated_at,
    }


def recorded(session: Session, actor: Actor, stage: Stage, measure: Measure) -> MeasurePublic:
    """The measure as the audit log keeps it: `responsible_name` as given (or the partner's),
    never copied from the responsible person, whose data lives only in their own entries."""
    body = public(session, actor, stage, measure)
    partner = body.responsible_partner
    return body.model_copy(
        update={"responsible_name": measure.responsible_name or (partner.name if partner else None)}
    )


def _resource(stage: Stage, measure: Measure) -> audit.Resource:
    return audit.Resource(
        type="measure",
        id=str(measure.id),
        tour_id=stage.tour_id,
        county=stage.county,
        person_id=measure.responsible_person_id,
    )


def list_measures(session: Session, stage: Stage) -> list[Measure]:
    return list(
        session.exec(
            select(Measure).where(Measure.stage_id == stage.id).order_by(col(Measure.id))
        ).all()
    )


def get_measure(session: Session, measure_id: int) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise MeasureNotFound(f"There is no measure {measure_id}.")
    return measure


def _place(session: Session, stage: Stage, measure: Measure, fields: dict[str, object]) -> None:
    """Keep the place as given: a checkpoint (referenced: its km and lat/lon follow it), a
    km (exactly, at most the route's length) or a lat/lon (snapped to the nearest pass)."""
    if not any(fields.get(name) is not None for name in ("checkpoint_id", "km", "lat")):
        return
    line = route_line(session, stage)
    if fields.get("checkpoint_id") is not None:
        checkpoint = stage_checkpoint(session, stage, fields["checkpoint_id"])
        measure.checkpoint_id = checkpoint.id
        measure.km = measure.lat = measure.lon = None
    elif fields.get("km") is not None:
        km = float(fields["km"])  # type: ignore[arg-type]
        measure.checkpoint_id, measure.km, measure.lat, measure.lon = None, km, None, None
        if line is not None:
            at = placement.by_km(line, km)
            measure.km, measure.lat, measure.lon = at.km, at.lat, at.lon
    else:
        lat, lon = float(fields["lat"]), float(fields["lon"])  # type: ignore[arg-type]
        measure.checkpoint_id, measure.lat, measure.lon = None, lat, lon
        measure.km = placement.by_point(line, lat, lon).km if line is not None else None


def _responsible(
    session: Session, stage: Stage, person_id: int | None, partner_id: int | None
) -> None:
    if person_id is not None:
        people.person_for_stage(session, stage, person_id)
    if partner_id is not None:
        partners.partner_for_county(session, stage.county, partner_id)


def create_measure(session: Session, *, actor: Actor, stage: Stage, data: MeasureCreate) -> Measure:
    actor.require_county_write(stage.county)
    _responsible(session, stage, data.responsible_person_id, data.responsible_partner_id)
    assert stage.id is not None
    measure = Measure(
        stage_id=stage.id,
        kind=data.kind,
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        responsible_person_id=data.responsible_person_id,
        responsible_partner_id=data.responsible_partner_id,
        responsible_name=data.responsible_name,
        due_date=data.due_date,
        notes=data.notes,
    )
    if measure.due_date is None and data.kind == MeasureKind.police_notice:
        measure.due_date = stage.date - dt.timedelta(days=POLICE_NOTICE_DAYS)
    _place(session, stage, measure, data.model_dump())
    session.add(measure)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, measure),
        after=recorded(session, actor, stage, measure),
    )
    return measure


def update_measure(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    measure: Measure,
    data: MeasureUpdate,
    if_match: str,
) -> Measure:
    actor.require_county_write(stage.county)
    check_if_match(if_match, etag_of(public(session, actor, stage, measure)))
    before = recorded(session, actor, stage, measure)
    changes = data.model_dump(exclude_unset=True)
    _responsible(
        session, stage, changes.get("responsible_person_id"), changes.get("responsible_partner_id")
    )
    for name in ("kind", "title"):
        if changes.get(name) is not None:
            setattr(measure, name, changes[name])
    for name in (
        "description",
        "starts_at",
        "ends_at",
        "responsible_person_id",
        "responsible_partner_id",
        "responsible_name",
        "due_date",
        "notes",
    ):
        if name in changes:
            setattr(measure, name, changes[name])
    if measure.ends_at is not None and (
        measure.starts_at is None or measure.ends_at < measure.starts_at
    ):
        raise InvalidDateRange("ends_at must come after starts_at.")
    _place(session, stage, measure, changes)
    measure.status = after_edit(MeasureStatus(measure.status))
    measure.updated_at = utcnow()
    session.add(measure)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, measure),
        before=before,
        after=recorded(session, actor, stage, measure),
    )
    return measure


def placed_at(session: Session, checkpoint_id: int) -> list[str]:
    """The measures placed at a checkpoint, named for its delete's refusal."""
    ids = session.exec(
        select(Measure.id).where(Measure.checkpoint_id == checkpoint_id).order_by(col(Measure.id))
    ).all()
    return [f"measure {i}" for i in ids]


def clear_partner(session: Session, partner_id: int) -> None:
    """A partner's delete leaves the measures it was responsible for without one: set
    through the ORM, so each measure's version (its ETag) moves."""
    for measure in session.exec(
        select(Measure).where(Measure.responsible_partner_id == partner_id)
    ).all():
        measure.responsible_partner_id = None
        session.add(measure)


def delete_measure(
    session: Session, *, actor: Actor, stage: Stage, measure: Measure, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    check_if_match(if_match, etag_of(public(session, actor, stage, measure)))
    before = recorded(session, actor, stage, measure)
    tombstones.bury(session, stage, TombstoneType.measure, measure.id)
    session.delete(measure)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, measure), before=before
    )


def review(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    measure: Measure,
    action: str,
    if_match: str,
    comment: str | None = None,
) -> Measure:
    """submit (the stage's county or national), accept and return (national only): each a
    versioned write like PATCH, based on the ETag the reviewer read."""
    if action == "submit":
        actor.require_county_write(stage.county)
    elif not actor.is_national:
        raise Forbidden("Only the national organisation reviews measures.")
    check_if_match(if_match, etag_of(public(session, actor, stage, measure)))
    before = recorded(session, actor, stage, measure)
    current = MeasureStatus(measure.status)
    new = next_status(current, action)
    if new is None:
        raise IllegalMeasureTransition(why_not(current, action))
    measure.status = new
    if action == "submit":
        measure.submitted_at, measure.submitted_by = utcnow(), actor.name
    else:
        measure.reviewed_at, measure.reviewed_by = utcnow(), actor.name
        measure.review_comment = comment
    measure.updated_at = utcnow()
    session.add(measure)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        resource=_resource(stage, measure),
        before=before,
        after=recorded(session, actor, stage, measure),
    )
    return measure
