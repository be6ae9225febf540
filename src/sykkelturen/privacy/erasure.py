"""Erasing a person: their record goes, their team and rider places stay as anonymous
placeholders, and the audit keeps only who did what. It writes to people, team and riders,
so it lives above them."""

from sqlmodel import Session, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.people.models import Person
from sykkelturen.people.service import public
from sykkelturen.riders.models import Rider
from sykkelturen.security import Actor
from sykkelturen.team.models import TeamMember


def erase_person(session: Session, *, actor: Actor, person: Person, if_match: str) -> None:
    """The person's data is gone; their assignments stay as anonymous placeholders so
    staffing counts and history remain coherent, and audit entries keep only who did what."""
    actor.require_county_write(person.county)
    check_if_match(if_match, etag_of(public(person)))
    assert person.id is not None
    person_id = person.id
    for model in (TeamMember, Rider):
        for assignment in session.exec(select(model).where(model.person_id == person_id)).all():
            assignment.person_id = None
            assignment.erased = True
            assignment.updated_at = utcnow()  # their stage's run sheet changed
            session.add(assignment)
    audit.scrub_person(session, person_id)
    session.delete(person)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="erase",
        resource=audit.Resource(type="person", id=str(person_id), county=person.county),
    )
