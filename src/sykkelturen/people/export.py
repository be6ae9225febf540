"""What a person may ask for: everything held about them, and their calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.audit.models import AuditEntryPublic
from sykkelturen.db import utcnow
from sykkelturen.people.models import Person
from sykkelturen.people.service import public
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import Rider
from sykkelturen.riders.status import ACTIVE
from sykkelturen.routes.versions import current_version
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.stages.timing import ride_duration
from sykkelturen.team import service as team
from sykkelturen.team.models import TeamMember
from sykkelturen.tours.models import Tour


def export(session: Session, *, actor: Actor, person: Person) -> dict[str, object]:
    assert person.id is not None
    return {
        "exported_at": utcnow().isoformat(),
        "person": public(person).model_dump(mode="json"),
        "team": [t.model_dump(mode="json") for t in team.assignments_of(session, actor, person.id)],
        "riders": [
            r.model_dump(mode="json") for r in riders.assignments_of(session, actor, person.id)
        ],
        "audit": [
            AuditEntryPublic.model_validate(e, from_attributes=True).model_dump(mode="json")
            for e in audit.entries_naming(session, person.id)
        ],
    }


def calendar(session: Session, *, person: Person) -> bytes:
    """The person's assignments as iCalendar events in Europe/Oslo."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sykkelturen API//people calendar//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Sykkelturen: {person.name}")
    cal.add("x-wr-timezone", "Europe/Oslo")
    rows: list[tuple[str, str, int, Stage]] = []
    for team_member, stage in session.exec(
        select(TeamMember, Stage)
        .join(Stage, col(Stage.id) == col(TeamMember.stage_id))
        .where(TeamMember.person_id == person.id)
    ).all():
        rows.append(("team", team_member.role, team_member.id or 0, stage))
    for rider, stage in session.exec(
        select(Rider, Stage)
        .join(Stage, col(Stage.id) == col(Rider.stage_id))
        .where(Rider.person_id == person.id)
    ).all():
        if rider.status in ACTIVE:
            rows.append(("rider", f"{rider.role} ({rider.status})", rider.id or 0, stage))
    for kind, role, assignment_id, stage in sorted(rows, key=lambda r: (r[3].date, r[3].sequence)):
        tour = session.get(Tour, stage.tour_id)
        zone = ZoneInfo(tour.time_zone if tour else "Europe/Oslo")
        event = icalendar.Event()
        event.add("uid", f"{kind}-{assignment_id}@sykkelturen")
        event.add("dtstamp", utcnow())
        event.add("summary", f"Sykkelturen etappe {stage.sequence}: {stage.name} – {role}")
        if stage.start_place:
            event.add("location", stage.start_place)
        if stage.starts_at is not None:
            start = stage.starts_at.astimezone(zone)
            version = current_version(session, stage)
            length = (
                ride_duration(version.stats["distance_m"], stage.speeds_kmh)
                if version is not None
                else dt.timedelta(hours=3)
            )
            event.add("dtstart", start)
            event.add("dtend", start + length)
        else:
            event.add("dtstart", stage.date)
            event.add("dtend", stage.date + dt.timedelta(days=1))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
