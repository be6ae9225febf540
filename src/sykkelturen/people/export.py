"""What a person may ask for: everything held about them."""

from sqlmodel import Session, select

from sykkelturen.audit import service as audit
from sykkelturen.audit.models import AuditEntryPublic
from sykkelturen.calendars.models import CalendarSubscription
from sykkelturen.db import utcnow
from sykkelturen.people.models import Person
from sykkelturen.people.service import public
from sykkelturen.riders import service as riders
from sykkelturen.security import Actor
from sykkelturen.team import service as team


def export(session: Session, *, actor: Actor, person: Person) -> dict[str, object]:
    assert person.id is not None
    return {
        "exported_at": utcnow().isoformat(),
        "person": public(person).model_dump(mode="json"),
        "team": [t.model_dump(mode="json") for t in team.assignments_of(session, actor, person.id)],
        "riders": [
            r.model_dump(mode="json") for r in riders.assignments_of(session, actor, person.id)
        ],
        "calendar_subscriptions": [
            {
                "id": s.id,
                "label": s.label,
                "lang": s.lang,
                "prefix": s.prefix,
                "created_at": s.created_at.isoformat(),
                "created_by": s.created_by,
            }
            for s in session.exec(
                select(CalendarSubscription).where(CalendarSubscription.person_id == person.id)
            ).all()
        ],
        "audit": [
            AuditEntryPublic.model_validate(e, from_attributes=True).model_dump(mode="json")
            for e in audit.entries_naming(session, person.id)
        ],
    }
