"""Press contacts (county-scoped; the person's name and ways to reach are personal data)
and the outreach log of a stage, with follow-ups that are due."""

import datetime as dt

from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.bodies import apply_patch
from sykkelturen.clock import today_in
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county
from sykkelturen.db import utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.press.models import (
    Channel,
    OutletKind,
    Outreach,
    OutreachCreate,
    OutreachPublic,
    OutreachUpdate,
    PressContact,
    PressContactCreate,
    PressContactPublic,
    PressContactUpdate,
)
from sykkelturen.press.problems import (
    OutreachNotFound,
    PressContactNotFound,
    PressContactOfOtherCounty,
)
from sykkelturen.problems import referenced
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.service import get_tour


def contact_public(actor: Actor, contact: PressContact) -> PressContactPublic:
    visible = actor.may_see_personal_data(contact.county)
    assert contact.id is not None
    return PressContactPublic(
        id=contact.id,
        county=contact.county,
        outlet=contact.outlet,
        kind=OutletKind(contact.kind),
        contact_name=contact.contact_name if visible else None,
        email=contact.email if visible else None,
        phone=contact.phone if visible else None,
        notes=contact.notes,
        version=contact.version,
        updated_at=contact.updated_at,
    )


def _contact_resource(contact: PressContact) -> audit.Resource:
    return audit.Resource(type="press_contact", id=str(contact.id), county=contact.county)


def get_contact(session: Session, contact_id: int) -> PressContact:
    contact = session.get(PressContact, contact_id)
    if contact is None:
        raise PressContactNotFound(f"There is no press contact {contact_id}.")
    return contact


def list_contacts(
    session: Session, *, county: str | None, kind: OutletKind | None, page: PageParams
) -> tuple[list[PressContact], str | None]:
    statement = select(PressContact)
    if county is not None:
        statement = statement.where(PressContact.county == county)
    if kind is not None:
        statement = statement.where(PressContact.kind == kind)
    return paginate(
        session, statement, page=page, order_by=[col(PressContact.id)], key=lambda c: [c.id]
    )


def create_contact(session: Session, *, actor: Actor, data: PressContactCreate) -> PressContact:
    actor.require_county_write(data.county)
    with referenced("county"):
        get_county(session, data.county)
    contact = PressContact(**data.model_dump())
    session.add(contact)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_contact_resource(contact),
        after=contact_public(actor, contact),
    )
    return contact


def update_contact(
    session: Session,
    *,
    actor: Actor,
    contact: PressContact,
    data: PressContactUpdate,
    if_match: str,
) -> PressContact:
    actor.require_county_write(contact.county)
    before = contact_public(actor, contact)
    check_if_match(if_match, etag_of(before))
    apply_patch(contact, data.model_dump(exclude_unset=True), required=("outlet", "kind"))
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_contact_resource(contact),
        before=before,
        after=contact_public(actor, contact),
    )
    return contact


def delete_contact(session: Session, *, actor: Actor, contact: PressContact, if_match: str) -> None:
    actor.require_county_write(contact.county)
    before = contact_public(actor, contact)
    check_if_match(if_match, etag_of(before))
    session.delete(contact)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_contact_resource(contact), before=before
    )


# --- outreach --------------------------------------------------------------------------------


def _today(session: Session, stage_id: int) -> dt.date:
    stage = session.get(Stage, stage_id)
    assert stage is not None
    return today_in(get_tour(session, stage.tour_id).time_zone)


def outreach_public(session: Session, entry: Outreach) -> OutreachPublic:
    contact = session.get(PressContact, entry.press_contact_id) if entry.press_contact_id else None
    assert entry.id is not None
    return OutreachPublic(
        id=entry.id,
        stage_id=entry.stage_id,
        press_contact_id=entry.press_contact_id,
        outlet=contact.outlet if contact else None,
        contacted_at=entry.contacted_at,
        channel=Channel(entry.channel),
        offered=entry.offered,
        outcome=entry.outcome,
        follow_up_on=entry.follow_up_on,
        follow_up_done=entry.follow_up_done,
        follow_up_due=entry.follow_up_on is not None
        and entry.follow_up_on <= _today(session, entry.stage_id)
        and not entry.follow_up_done,
        version=entry.version,
        updated_at=entry.updated_at,
    )


def _outreach_resource(stage: Stage, entry: Outreach) -> audit.Resource:
    return audit.Resource(
        type="outreach", id=str(entry.id), tour_id=stage.tour_id, county=stage.county
    )


def _require_contact(session: Session, stage: Stage, contact_id: int | None) -> None:
    if contact_id is None:
        return
    with referenced("press_contact_id"):
        contact = get_contact(session, contact_id)
    if contact.county != stage.county:
        raise PressContactOfOtherCounty(
            f"Press contact {contact_id} belongs to county {contact.county}."
        )


def list_outreach(session: Session, stage: Stage) -> list[Outreach]:
    return list(
        session.exec(
            select(Outreach)
            .where(Outreach.stage_id == stage.id)
            .order_by(col(Outreach.contacted_at), col(Outreach.id))
        ).all()
    )


def get_outreach(session: Session, stage: Stage, entry_id: int) -> Outreach:
    entry = session.get(Outreach, entry_id)
    if entry is None or entry.stage_id != stage.id:
        raise OutreachNotFound(f"Stage {stage.id} has no outreach entry {entry_id}.")
    return entry


def create_outreach(
    session: Session, *, actor: Actor, stage: Stage, data: OutreachCreate
) -> Outreach:
    actor.require_county_write(stage.county)
    _require_contact(session, stage, data.press_contact_id)
    assert stage.id is not None
    entry = Outreach(stage_id=stage.id, **data.model_dump())
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_outreach_resource(stage, entry),
        after=outreach_public(session, entry),
    )
    return entry


def update_outreach(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    entry: Outreach,
    data: OutreachUpdate,
    if_match: str,
) -> Outreach:
    actor.require_county_write(stage.county)
    before = outreach_public(session, entry)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    _require_contact(session, stage, changes.get("press_contact_id"))
    apply_patch(entry, changes, required=("contacted_at", "channel", "follow_up_done"))
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_outreach_resource(stage, entry),
        before=before,
        after=outreach_public(session, entry),
    )
    return entry


def delete_outreach(
    session: Session, *, actor: Actor, stage: Stage, entry: Outreach, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = outreach_public(session, entry)
    check_if_match(if_match, etag_of(before))
    session.delete(entry)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="delete",
        resource=_outreach_resource(stage, entry),
        before=before,
    )
