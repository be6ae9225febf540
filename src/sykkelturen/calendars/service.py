"""Calendars people subscribe to: a person's assignments and a stage team's plan, served
at a secret URL without a token, and the subscriptions that hand out those URLs.

A person's events agree with the run sheet: each assignment spans the window of the legs
it covers (or of the whole stage), planned stops included, at the same speeds. The secret
is 256 random bits shown once; only its SHA-256 is stored (as for tokens), so neither the
database nor a log ever holds a working URL.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sykkelturen.activities import service as activities
from sykkelturen.activities.models import ActivityStatus
from sykkelturen.audit import service as audit
from sykkelturen.calendars.models import (
    CalendarSubscription,
    FeedKind,
    SubscriptionCreate,
    SubscriptionPublic,
)
from sykkelturen.calendars.problems import FeedNotFound, SubscriptionNotFound
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.ical import CalendarEvent, calendar
from sykkelturen.legs.rules import Coverage
from sykkelturen.people.models import Person
from sykkelturen.problems import Forbidden
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import Rider
from sykkelturen.riders.status import ACTIVE
from sykkelturen.runsheet import calendars as sheet_events
from sykkelturen.runsheet import service as runsheets
from sykkelturen.runsheet.models import StageRunSheet
from sykkelturen.security import ANONYMOUS, Actor
from sykkelturen.stages.models import Stage
from sykkelturen.team import service as team
from sykkelturen.team.models import TeamMember
from sykkelturen.texts import Lang, label, phrase
from sykkelturen.tours.models import Tour

SECRET_PREFIX = "cal_"  # noqa: S105 - a recognisable prefix, not a secret
DEFAULT_ZONE = "Europe/Oslo"
_PUBLIC = Actor(role=ANONYMOUS, name=ANONYMOUS)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def public(subscription: CalendarSubscription) -> SubscriptionPublic:
    assert subscription.id is not None
    return SubscriptionPublic(
        id=subscription.id,
        kind=FeedKind.person if subscription.person_id is not None else FeedKind.stage_team,
        person_id=subscription.person_id,
        stage_id=subscription.stage_id,
        label=subscription.label,
        lang=Lang(subscription.lang),
        prefix=subscription.prefix,
        created_at=subscription.created_at,
        created_by=subscription.created_by,
        version=subscription.version,
    )


def _resource(subscription: CalendarSubscription, county: str) -> audit.Resource:
    return audit.Resource(
        type="calendar_subscription",
        id=str(subscription.id),
        county=county,
        person_id=subscription.person_id,
    )


@dataclass(frozen=True)
class Owner:
    """Whose calendar subscriptions a path names: a person's or a stage team's (one of the
    two ids is set), and the county the audit log files them under. Made only by
    `person_owner` and `team_owner`, which hold who may touch them."""

    county: str
    person_id: int | None = None
    stage_id: int | None = None


def person_owner(person: Person) -> Owner:
    """A person's subscriptions are for whoever may see the person (the caller got `person`
    through that check)."""
    return Owner(county=person.county, person_id=person.id)


def require_team_reader(actor: Actor, stage: Stage) -> None:
    if not actor.may_see_personal_data(stage.county):
        raise Forbidden(f"Only those who may see county {stage.county}'s team may do this.")


def team_owner(actor: Actor, stage: Stage) -> Owner:
    """A stage team's subscriptions are for those who may see the county's team."""
    require_team_reader(actor, stage)
    return Owner(county=stage.county, stage_id=stage.id)


def create(
    session: Session, *, actor: Actor, owner: Owner, data: SubscriptionCreate
) -> tuple[CalendarSubscription, str]:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = CalendarSubscription(
        secret_hash=_hash(secret),
        prefix=secret[:10],
        person_id=owner.person_id,
        stage_id=owner.stage_id,
        label=data.label,
        lang=data.lang,
        created_by=actor.name,
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(subscription, owner.county),
        after=public(subscription),
    )
    return subscription, secret


def list_for(session: Session, owner: Owner) -> list[CalendarSubscription]:
    statement = select(CalendarSubscription).order_by(col(CalendarSubscription.id))
    if owner.person_id is not None:
        statement = statement.where(CalendarSubscription.person_id == owner.person_id)
    else:
        statement = statement.where(CalendarSubscription.stage_id == owner.stage_id)
    return list(session.exec(statement).all())


def get_subscription(session: Session, owner: Owner, subscription_id: int) -> CalendarSubscription:
    subscription = session.get(CalendarSubscription, subscription_id)
    if (
        subscription is None
        or subscription.person_id != owner.person_id
        or subscription.stage_id != owner.stage_id
    ):
        raise SubscriptionNotFound(f"There is no calendar subscription {subscription_id} here.")
    return subscription


def revoke(
    session: Session,
    *,
    actor: Actor,
    owner: Owner,
    subscription: CalendarSubscription,
    if_match: str,
) -> None:
    """The row goes, and with it the hash: the URL answers 404 from now on."""
    before = public(subscription)
    check_if_match(if_match, etag_of(before))
    session.delete(subscription)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="revoke",
        resource=_resource(subscription, owner.county),
        before=before,
    )


# --- feeds --------------------------------------------------------------------------------


def find_feed(session: Session, secret: str) -> CalendarSubscription:
    subscription = session.exec(
        select(CalendarSubscription).where(CalendarSubscription.secret_hash == _hash(secret))
    ).first()
    if subscription is None:
        # Unknown and revoked look alike: a guess learns nothing.
        raise FeedNotFound("There is no calendar feed at this address (or it was revoked).")
    return subscription


def _sheet(session: Session, stage: Stage, tours: dict[int, Tour]) -> tuple[Tour, StageRunSheet]:
    tour = tours.get(stage.tour_id) or session.get(Tour, stage.tour_id)
    assert tour is not None
    tours[stage.tour_id] = tour
    return tour, runsheets.stage_run_sheet(
        session, actor=_PUBLIC, stage=stage, tour=tour, with_hazards=False
    )


def _assignment_events(
    *,
    uid: str,
    role: str,
    legs: list[str],
    stage: StageRunSheet,
    changed: dt.datetime,
    lang: Lang,
    responsibilities: str | None = None,
) -> list[CalendarEvent]:
    title = sheet_events.stage_title(stage, lang)
    extra = [phrase("responsibilities", lang, text=responsibilities)] if responsibilities else []
    spans = sheet_events.legs_span(stage, legs) if legs else []
    if not spans:
        # The whole stage: no legs given, or none of them exist (any more).
        event = sheet_events.stage_event(stage, lang)
        return [
            CalendarEvent(
                uid=uid,
                summary=phrase("assignment", lang, role=role, stage=title),
                start=event.start,
                end=event.end,
                changed=max(changed, stage.last_changed),
                location=event.location,
                description="\n".join([*extra, event.description or ""]).strip(),
            )
        ]
    events = []
    for run, span in spans:
        names = phrase(
            "leg",
            lang,
            number="–".join(str(n) for n in dict.fromkeys([run[0].number, run[-1].number])),
            start=run[0].from_name,
            end=run[-1].to_name,
        )
        start: dt.datetime | dt.date = span[0] if span else stage.date
        events.append(
            CalendarEvent(
                uid=uid.replace("@", f"-leg-{run[0].key}@"),
                summary=phrase("assignment", lang, role=role, stage=f"{title}, {names}"),
                start=start,
                end=span[1] if span else None,
                changed=max(changed, stage.last_changed),
                location=run[0].from_name,
                description="\n".join(extra).strip() or None,
            )
        )
    return events


@dataclass(frozen=True)
class _Assignment:
    stage: Stage
    uid: str
    role: str
    legs: list[str]  # the leg keys covered today; [] for the whole stage
    changed: dt.datetime
    responsibilities: str | None = None


def _covered(cover: Coverage) -> list[str]:
    """The legs an assignment covers today; [] for the whole stage (and for one whose legs
    all changed under it: the day is still theirs until the county chooses again)."""
    return sorted(cover.legs) if cover.shown else []


def _assignments(session: Session, person: Person, lang: Lang) -> list[_Assignment]:
    """The person's team places and their invited or confirmed rider places."""
    found = [
        _Assignment(
            stage=stage,
            uid=f"team-{member.id}@sykkelturen",
            role=label("team_role", member.role, lang).capitalize(),
            legs=_covered(team.coverage(session, stage, member)),
            changed=member.updated_at,
            responsibilities=member.responsibilities,
        )
        for member, stage in session.exec(
            select(TeamMember, Stage)
            .join(Stage, col(Stage.id) == col(TeamMember.stage_id))
            .where(TeamMember.person_id == person.id)
        ).all()
    ]
    for rider, stage in session.exec(
        select(Rider, Stage)
        .join(Stage, col(Stage.id) == col(Rider.stage_id))
        .where(Rider.person_id == person.id)
    ).all():
        if rider.status in ACTIVE:
            role = label("rider_role", rider.role, lang).capitalize()
            status = label("rider_status", rider.status, lang)
            found.append(
                _Assignment(
                    stage=stage,
                    uid=f"rider-{rider.id}@sykkelturen",
                    role=phrase("role_status", lang, role=role, status=status),
                    legs=_covered(riders.coverage(session, stage, rider)),
                    changed=rider.updated_at,
                )
            )
    # Day by day; within a stage the team place (the whole stage) before the rider's legs.
    return sorted(
        found, key=lambda a: (a.stage.date, a.stage.sequence, a.uid.split("-")[0] != "team", a.uid)
    )


def person_calendar(session: Session, person: Person, lang: Lang) -> bytes:
    """The person's assignments, in the zone of their (first) tour."""
    tours: dict[int, Tour] = {}
    events: list[CalendarEvent] = []
    for assignment in _assignments(session, person, lang):
        _, sheet = _sheet(session, assignment.stage, tours)
        events += _assignment_events(
            uid=assignment.uid,
            role=assignment.role,
            legs=assignment.legs,
            stage=sheet,
            changed=assignment.changed,
            lang=lang,
            responsibilities=assignment.responsibilities,
        )
    zone = next(iter(tours.values())).time_zone if tours else DEFAULT_ZONE
    return calendar(
        name=phrase("person_calendar", lang, name=person.name),
        zone_key=zone,
        events=events,
        lang=lang,
    )


def team_events(session: Session, stage: Stage, lang: Lang) -> tuple[Tour, list[CalendarEvent]]:
    """The stage, its places, its timed measures and its activities (not cancelled)."""
    tour, sheet = _sheet(session, stage, {})
    events = [
        sheet_events.stage_event(sheet, lang),
        *sheet_events.checkpoint_events(sheet, lang),
        *sheet_events.measure_events(sheet, lang),
    ]
    for activity in activities.list_activities(session, stage):
        if activity.status == ActivityStatus.cancelled:
            continue
        start, end = activities.times(session, stage, activity)
        if start is None:
            continue
        events.append(
            CalendarEvent(
                uid=f"activity-{activity.id}@sykkelturen",
                summary=phrase(
                    "event_summary",
                    lang,
                    kind=label("activity_kind", activity.kind, lang).capitalize(),
                    title=activity.title,
                ),
                start=start,
                end=end,
                changed=activity.updated_at,
                location=activity.place_name,
                description=activity.description,
            )
        )
    return tour, events


def team_calendar(session: Session, stage: Stage, lang: Lang) -> bytes:
    tour, events = team_events(session, stage, lang)
    return calendar(
        name=phrase("team_calendar", lang, sequence=stage.sequence, name=stage.name),
        zone_key=tour.time_zone,
        events=events,
        lang=lang,
    )


def feed(session: Session, secret: str, lang: Lang | None) -> tuple[bytes, Lang]:
    """The calendar behind a secret, in `lang` or else the subscription's language."""
    subscription = find_feed(session, secret)
    chosen = lang or Lang(subscription.lang)
    if subscription.person_id is not None:
        person = session.get(Person, subscription.person_id)
        assert person is not None  # the subscription goes with the person (cascade)
        return person_calendar(session, person, chosen), chosen
    stage = session.get(Stage, subscription.stage_id)
    assert stage is not None
    return team_calendar(session, stage, chosen), chosen
