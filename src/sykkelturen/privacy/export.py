"""What a person may ask for: everything held about them, from every domain that names them
(their record, team and rider places, the activities and measures they answer for, their
calendar subscriptions, and the audit entries that name them)."""

from sqlmodel import Session, col, select

from sykkelturen.activities import service as activities
from sykkelturen.activities.models import Activity, ActivityPerson
from sykkelturen.audit import service as audit
from sykkelturen.audit.models import AuditEntryPublic
from sykkelturen.calendars.models import CalendarSubscription
from sykkelturen.db import utcnow
from sykkelturen.measures import service as measures
from sykkelturen.measures.models import Measure
from sykkelturen.people.models import Person
from sykkelturen.people.service import public
from sykkelturen.riders import service as riders
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.stages.service import zone_of
from sykkelturen.team import service as team
from sykkelturen.tours.service import get_tour


def _activities(session: Session, actor: Actor, person_id: int) -> list[dict[str, object]]:
    rows = session.exec(
        select(Activity, Stage)
        .join(ActivityPerson, col(ActivityPerson.activity_id) == col(Activity.id))
        .join(Stage, col(Stage.id) == col(Activity.stage_id))
        .where(ActivityPerson.person_id == person_id)
        .order_by(col(Activity.id))
    ).all()
    return [
        activities.public(
            session, actor, stage, activity, zone_of(get_tour(session, stage.tour_id))
        ).model_dump(mode="json")
        for activity, stage in rows
    ]


def _measures(session: Session, actor: Actor, person_id: int) -> list[dict[str, object]]:
    rows = session.exec(
        select(Measure, Stage)
        .join(Stage, col(Stage.id) == col(Measure.stage_id))
        .where(Measure.responsible_person_id == person_id)
        .order_by(col(Measure.id))
    ).all()
    return [
        measures.public(session, actor, stage, measure).model_dump(mode="json")
        for measure, stage in rows
    ]


def export(session: Session, *, actor: Actor, person: Person) -> dict[str, object]:
    assert person.id is not None
    return {
        "exported_at": utcnow().isoformat(),
        "person": public(person).model_dump(mode="json"),
        "team": [t.model_dump(mode="json") for t in team.assignments_of(session, actor, person.id)],
        "riders": [
            r.model_dump(mode="json") for r in riders.assignments_of(session, actor, person.id)
        ],
        "activities": _activities(session, actor, person.id),
        "measures": _measures(session, actor, person.id),
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
