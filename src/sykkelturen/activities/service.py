"""Activities and signal events: placed on the route, timed explicitly or from the passage,
with responsible partners and people; the public events listing of a tour."""

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from sykkelturen.activities.models import (
    Activity,
    ActivityCreate,
    ActivityKind,
    ActivityPartner,
    ActivityPerson,
    ActivityPublic,
    ActivityStatus,
    ActivityUpdate,
    Event,
)
from sykkelturen.activities.problems import ActivityNotFound, IllegalActivityTransition
from sykkelturen.activities.status import FIRST, may_change, may_enter
from sykkelturen.audit import service as audit
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.clock import to_minute
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.ical import CalendarEvent, calendar
from sykkelturen.partners import service as partners
from sykkelturen.partners.models import Partner, PartnerKind, PartnerRef
from sykkelturen.people import service as people
from sykkelturen.people.models import Person
from sykkelturen.routes import placement
from sykkelturen.routes.versions import route_line
from sykkelturen.security import Actor
from sykkelturen.stages.itinerary import Stop, arrival
from sykkelturen.stages.models import Stage
from sykkelturen.texts import Lang, label, phrase
from sykkelturen.tours.models import Tour


def km_of(session: Session, activity: Activity) -> float | None:
    """An activity at a checkpoint is where the checkpoint is now."""
    if activity.checkpoint_id is not None:
        checkpoint = session.get(Checkpoint, activity.checkpoint_id)
        if checkpoint is not None:
            return checkpoint.km
    return activity.km


def times(
    session: Session, stage: Stage, activity: Activity
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Explicit, or the passage at its place at the slowest planned speed plus the offset,
    to the minute like every planned time."""
    if activity.starts_at is not None:
        return activity.starts_at, activity.ends_at
    km = km_of(session, activity)
    if activity.minutes_from_passage is None or km is None or stage.starts_at is None:
        return None, None
    stops = [
        Stop(km=c.km, dwell_minutes=c.dwell_minutes)
        for c in checkpoints.ordered(session, stage)
        if c.km is not None
    ]
    start = to_minute(
        arrival(stage.starts_at, stops, km, min(stage.speeds_kmh))
        + dt.timedelta(minutes=activity.minutes_from_passage),
        dt.UTC,
    )
    end = (
        start + dt.timedelta(minutes=activity.duration_minutes)
        if activity.duration_minutes
        else None
    )
    return start, end


def public(
    session: Session, actor: Actor, stage: Stage, activity: Activity, zone: ZoneInfo
) -> ActivityPublic:
    start, end = times(session, stage, activity)
    km = km_of(session, activity)
    refs = [session.get(Partner, pid) for pid in partner_ids(session, activity)]
    visible = actor.may_see_personal_data(stage.county)
    summaries = [
        people.summary(session.get(Person, pid), actor, stage.county)
        for pid in person_ids(session, activity)
    ]
    assert activity.id is not None
    return ActivityPublic(
        id=activity.id,
        stage_id=activity.stage_id,
        kind=ActivityKind(activity.kind),
        title=activity.title,
        description=activity.description,
        checkpoint_id=activity.checkpoint_id,
        km=round(km, 3) if km is not None else None,
        place_name=activity.place_name,
        starts_at=start.astimezone(zone) if start else None,
        ends_at=end.astimezone(zone) if end else None,
        minutes_from_passage=activity.minutes_from_passage,
        partners=[
            PartnerRef(id=p.id, name=p.name, kind=PartnerKind(p.kind)) for p in refs if p and p.id
        ],
        people=[s for s in summaries if s is not None] if visible else None,
        status=ActivityStatus(activity.status),
        expected_audience=activity.expected_audience,
        public=activity.public,
        version=activity.version,
        updated_at=activity.updated_at,
    )


def partner_ids(session: Session, activity: Activity) -> list[int]:
    return list(
        session.exec(
            select(ActivityPartner.partner_id)
            .where(ActivityPartner.activity_id == activity.id)
            .order_by(col(ActivityPartner.partner_id))
        ).all()
    )


def person_ids(session: Session, activity: Activity) -> list[int]:
    return list(
        session.exec(
            select(ActivityPerson.person_id)
            .where(ActivityPerson.activity_id == activity.id)
            .order_by(col(ActivityPerson.person_id))
        ).all()
    )


def _link(
    session: Session,
    activity: Activity,
    partners_given: list[int] | None,
    people_given: list[int] | None,
) -> None:
    """Replace the responsible partners and people a body names (None: keep them)."""
    assert activity.id is not None
    if partners_given is not None:
        for link in session.exec(
            select(ActivityPartner).where(ActivityPartner.activity_id == activity.id)
        ).all():
            session.delete(link)
        for partner_id in sorted(set(partners_given)):
            session.add(ActivityPartner(activity_id=activity.id, partner_id=partner_id))
    if people_given is not None:
        for person in session.exec(
            select(ActivityPerson).where(ActivityPerson.activity_id == activity.id)
        ).all():
            session.delete(person)
        for person_id in sorted(set(people_given)):
            session.add(ActivityPerson(activity_id=activity.id, person_id=person_id))
    session.flush()


def _resource(stage: Stage, activity: Activity) -> audit.Resource:
    return audit.Resource(
        type="activity", id=str(activity.id), tour_id=stage.tour_id, county=stage.county
    )


def list_activities(session: Session, stage: Stage) -> list[Activity]:
    return list(
        session.exec(
            select(Activity).where(Activity.stage_id == stage.id).order_by(col(Activity.id))
        ).all()
    )


def get_activity(session: Session, stage: Stage, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.stage_id != stage.id:
        raise ActivityNotFound(f"Stage {stage.id} has no activity {activity_id}.")
    return activity


def _check_refs(
    session: Session, stage: Stage, partner_ids: list[int] | None, person_ids: list[int] | None
) -> None:
    for partner_id in partner_ids or []:
        partners.partner_for_county(session, stage.county, partner_id)
    for person_id in person_ids or []:
        people.person_for_stage(session, stage, person_id)


def _place(session: Session, stage: Stage, activity: Activity, changes: dict[str, object]) -> None:
    if changes.get("checkpoint_id") is not None:
        checkpoint = checkpoints.stage_checkpoint(session, stage, changes["checkpoint_id"])
        activity.checkpoint_id, activity.km = checkpoint.id, None  # its km follows the checkpoint
        activity.place_name = activity.place_name or checkpoint.name
    elif changes.get("km") is not None:
        km = float(changes["km"])  # type: ignore[arg-type]
        line = route_line(session, stage)
        if line is not None:  # exactly there, refused past the end (as a measure's km)
            km = placement.by_km(line, km).km
        activity.checkpoint_id, activity.km = None, km


FIELDS = (
    "kind",
    "title",
    "description",
    "place_name",
    "starts_at",
    "ends_at",
    "minutes_from_passage",
    "duration_minutes",
    "expected_audience",
    "public",
)


def create_activity(
    session: Session, *, actor: Actor, stage: Stage, data: ActivityCreate, zone: ZoneInfo
) -> Activity:
    actor.require_county_write(stage.county)
    if not may_enter(data.status):
        raise IllegalActivityTransition(
            f"A new activity starts as an {FIRST}; move it on (planned, confirmed, done) with "
            "PATCH."
        )
    _check_refs(session, stage, data.partner_ids, data.person_ids)
    assert stage.id is not None
    activity = Activity(
        stage_id=stage.id, status=data.status, **{f: getattr(data, f) for f in FIELDS}
    )
    _place(session, stage, activity, data.model_dump())
    session.add(activity)
    session.flush()
    _link(session, activity, data.partner_ids, data.person_ids)
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage, activity),
        after=public(session, actor, stage, activity, zone),
    )
    return activity


def update_activity(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    activity: Activity,
    data: ActivityUpdate,
    if_match: str,
    zone: ZoneInfo,
) -> Activity:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, activity, zone)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    _check_refs(session, stage, changes.get("partner_ids"), changes.get("person_ids"))
    new_status = changes.pop("status", None)
    if new_status is not None:
        if not may_change(ActivityStatus(activity.status), ActivityStatus(new_status)):
            raise IllegalActivityTransition(
                f"An activity that is {activity.status} cannot become {new_status}."
            )
        activity.status = new_status
    for name in FIELDS:
        if name in changes and (
            changes[name] is not None or name not in ("kind", "title", "public")
        ):
            setattr(activity, name, changes[name])
    _place(session, stage, activity, changes)
    activity.updated_at = utcnow()
    session.add(activity)
    session.flush()
    _link(session, activity, changes.get("partner_ids"), changes.get("person_ids"))
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage, activity),
        before=before,
        after=public(session, actor, stage, activity, zone),
    )
    return activity


def placed_at(session: Session, checkpoint_id: int) -> list[str]:
    """The activities placed at a checkpoint, named for its delete's refusal."""
    ids = session.exec(
        select(Activity.id)
        .where(Activity.checkpoint_id == checkpoint_id)
        .order_by(col(Activity.id))
    ).all()
    return [f"activity {i}" for i in ids]


def delete_activity(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    activity: Activity,
    if_match: str,
    zone: ZoneInfo,
) -> None:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, activity, zone)
    check_if_match(if_match, etag_of(before))
    session.delete(activity)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, activity), before=before
    )


def events(
    session: Session,
    *,
    tour: Tour,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    lang: Lang = Lang.nb,
) -> list[Event]:
    """Public activities and signal events that are not cancelled, in time order."""
    zone = ZoneInfo(tour.time_zone)
    statement = (
        select(Activity, Stage)
        .join(Stage, col(Stage.id) == col(Activity.stage_id))
        .where(
            Stage.tour_id == tour.id,
            col(Activity.public).is_(True),
            Activity.status != ActivityStatus.cancelled,
        )
    )
    if county is not None:
        statement = statement.where(Stage.county == county)
    if date_from is not None:
        statement = statement.where(col(Stage.date) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Stage.date) <= date_to)
    found = []
    for activity, stage in session.exec(statement).all():
        start, end = times(session, stage, activity)
        assert activity.id is not None
        assert stage.id is not None
        found.append(
            Event(
                activity_id=activity.id,
                stage_id=stage.id,
                sequence=stage.sequence,
                stage_name=stage.name,
                county=stage.county,
                date=stage.date,
                kind=ActivityKind(activity.kind),
                kind_label=label("activity_kind", activity.kind, lang),
                title=activity.title,
                description=activity.description,
                place=activity.place_name,
                starts_at=start.astimezone(zone) if start else None,
                ends_at=end.astimezone(zone) if end else None,
                status=ActivityStatus(activity.status),
                status_label=label("activity_status", activity.status, lang),
                updated_at=activity.updated_at,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda e: (e.date, e.starts_at or far, e.activity_id))


def events_ical(tour: Tour, items: list[Event], lang: Lang) -> bytes:
    """The public events as a calendar: explicit times, or all-day on the stage's date."""
    return calendar(
        name=phrase("events_calendar", lang, tour=tour.name),
        zone_key=tour.time_zone,
        events=[
            CalendarEvent(
                uid=f"activity-{item.activity_id}@sykkelturen",
                summary=phrase(
                    "event_summary", lang, kind=item.kind_label.capitalize(), title=item.title
                ),
                start=item.starts_at or item.date,
                # An event without an end is given an hour, as calendars expect a block.
                end=item.ends_at or (item.starts_at + dt.timedelta(hours=1))
                if item.starts_at
                else None,
                changed=item.updated_at,
                location=item.place,
                description=item.description,
                categories=(item.kind_label,),
            )
            for item in items
        ],
        lang=lang,
    )
