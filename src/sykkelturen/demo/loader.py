"""The demo tour, modelled on Sykkelturen 2022, shipped inside the package.

`load_demo` goes through the same services as the API (validation, audit), and is
idempotent: what already exists is left as it is. Some stages get a route (the project's
synthetic GPX samples, gzipped under `gpx/`), start and finish checkpoints, a status, and
(fictional) people in the stage team and as pilots, cyclists and passengers, run-sheet
measures at each step of NF's review, partners, activities and a signal event, a press
contact with an outreach entry, and content. The stages of the first weeks carry their
outcomes (one cancelled, one not reported yet) and some press coverage, so the impact
report and the partners' thank-you sheets show something.
"""

import datetime as dt
import json
from collections.abc import Callable
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from sykkelturen.activities import service as activities
from sykkelturen.activities.models import ActivityCreate, ActivityStatus, ActivityUpdate
from sykkelturen.calendars import service as calendars
from sykkelturen.calendars.models import SubscriptionCreate
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import Checkpoint, CheckpointCreate
from sykkelturen.config import Settings
from sykkelturen.content import service as content
from sykkelturen.content.models import ContentCreate
from sykkelturen.coverage import service as coverage
from sykkelturen.coverage.models import CoverageCreate
from sykkelturen.daylog import service as daylog
from sykkelturen.daylog import track
from sykkelturen.daylog.models import LogEntryCreate
from sykkelturen.legs import service as legs_service
from sykkelturen.legs.rules import END, START, leg_keys
from sykkelturen.live import service as live
from sykkelturen.measures import service as measures
from sykkelturen.measures.models import MeasureCreate
from sykkelturen.outcomes import service as outcomes
from sykkelturen.outcomes.models import OutcomeWrite
from sykkelturen.partners import service as partners
from sykkelturen.partners.models import Partner, PartnerCreate
from sykkelturen.people import service as people
from sykkelturen.people.models import Person, PersonCreate
from sykkelturen.press import service as press
from sykkelturen.press.models import OutreachCreate, PressContact, PressContactCreate
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import RiderCreate, RiderStatus, RiderUpdate
from sykkelturen.routes import service as routes
from sykkelturen.routes.models import RouteStatus
from sykkelturen.routes.versions import current_version, require_current
from sykkelturen.security import Actor, system_actor
from sykkelturen.stages import service as stages
from sykkelturen.stages.models import Stage, StageCreate
from sykkelturen.team import service as team
from sykkelturen.team.models import TeamMemberCreate
from sykkelturen.tours import service as tours
from sykkelturen.tours.models import Tour, TourCounty, TourCountyCreate, TourCreate

DEMO_FILE = "sykkelturen_2022.json"
STAGE_EXTRAS = (
    "route",
    "checkpoints",
    "team",
    "riders",
    "measures",
    "activities",
    "outreach",
    "content",
    "log",
    "actual_track",
    "calendar_subscriptions",
    "outcome",
    "coverage",
)  # beside StageCreate
ACTIVITY_STEPS = {
    "idea": [],
    "planned": ["planned"],
    "confirmed": ["planned", "confirmed"],
    "done": ["planned", "confirmed", "done"],
    "cancelled": ["cancelled"],
}
STATUS_STEPS = {"draft": [], "reported": ["report"], "final": ["report", "finalize"]}


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(__package__).joinpath(DEMO_FILE).read_text("utf-8"))
    return data


def load_demo(
    session: Session, settings: Settings, announce: Callable[[str], None] | None = None
) -> Tour:
    """Create the demo tour, its counties, stages and routes where missing; return the tour.
    `announce` is told the path of each calendar feed created (its secret is shown only
    then)."""
    actor = system_actor("demo loader")
    data = demo_data()
    tour = session.exec(select(Tour).where(Tour.name == data["tour"]["name"])).first()
    if tour is None:
        tour = tours.create_tour(session, actor=actor, data=TourCreate.model_validate(data["tour"]))
    for county in data["counties"]:
        exists = session.exec(
            select(TourCounty).where(
                TourCounty.tour_id == tour.id, TourCounty.county == county["number"]
            )
        ).first()
        if exists is None:
            tours.add_tour_county(
                session, actor=actor, tour=tour, data=TourCountyCreate.model_validate(county)
            )
    partner_ids, outlet_ids = _add_partners_and_press(session, actor, data)
    people_by_email = {}
    for record in data["people"]:
        person = session.exec(
            select(Person).where(Person.county == record["county"], Person.email == record["email"])
        ).first()
        if person is None:
            person = people.create_person(
                session, actor=actor, data=PersonCreate.model_validate(record)
            )
        people_by_email[record["email"]] = person
    for item in data["stages"]:
        fields = {k: v for k, v in item.items() if k not in STAGE_EXTRAS}
        stage = session.exec(
            select(Stage).where(Stage.tour_id == tour.id, Stage.sequence == item["sequence"])
        ).first()
        if stage is None:
            stage = stages.create_stage(
                session, actor=actor, tour=tour, data=StageCreate.model_validate(fields)
            )
        if "route" in item and current_version(session, stage) is None:
            _add_route(session, actor, settings, stage, item)
        _add_people(session, actor, stage, item, people_by_email)
        if item.get("measures") and not measures.list_measures(session, stage):
            _add_measures(session, actor, stage, item["measures"], people_by_email)
        _add_promotion(session, actor, tour, stage, item, partner_ids, outlet_ids)
        _add_log(session, actor, tour, stage, item.get("log", []))
        _add_actual_track(session, actor, settings, tour, stage, item.get("actual_track"))
        subscriptions = item.get("calendar_subscriptions", [])
        team = calendars.team_owner(actor, stage) if subscriptions else None
        if team is not None and not calendars.list_for(session, team):
            for body in subscriptions:
                _, secret = calendars.create(
                    session, actor=actor, owner=team, data=SubscriptionCreate.model_validate(body)
                )
                if announce is not None:
                    announce(
                        f"calendar feed of stage {stage.sequence}'s team ({body.get('label')}): "
                        f"/api/v1/calendar-feeds/{secret}.ics"
                    )
        _add_report(session, actor, stage, item, partner_ids)
    return tour


def _add_report(
    session: Session, actor: Actor, stage: Stage, item: dict[str, Any], partner_ids: dict[str, int]
) -> None:
    """The outcome (partners and activities named, not numbered) and the press coverage
    (naming the outreach entry by its outlet)."""
    if "outcome" in item and outcomes.find_outcome(session, stage) is None:
        fields = dict(item["outcome"])
        fields["partner_contributions"] = [
            {k: v for k, v in c.items() if k != "partner"}
            | {"partner_id": partner_ids[c["partner"]]}
            for c in fields.get("partner_contributions", [])
        ]
        # The demo file counts passengers by the legs' display numbers (it knows no ids).
        key_of = dict(enumerate(leg_keys(legs_service.boundaries(session, stage)), 1))
        fields["passengers_by_leg"] = [
            {"leg": key_of[p["leg"]], "passengers": p["passengers"]}
            for p in fields.get("passengers_by_leg", [])
        ]
        by_title = {a.title: a.id for a in activities.list_activities(session, stage)}
        fields["audience"] = [
            {"activity_id": by_title[a["activity"]], "came": a["came"]}
            for a in fields.get("audience", [])
        ]
        outcomes.put_outcome(
            session,
            actor=actor,
            stage=stage,
            data=OutcomeWrite.model_validate(fields),
            if_match=None,
            if_none_match="*",
        )
    if item.get("coverage") and not coverage.list_coverage(session, stage):
        by_outlet = {
            press.outreach_public(session, e).outlet: e.id
            for e in press.list_outreach(session, stage)
        }
        for piece in item["coverage"]:
            fields = {k: v for k, v in piece.items() if k not in ("outreach", "partners")}
            if "outreach" in piece:
                fields["outreach_id"] = by_outlet[piece["outreach"]]
            fields["partner_ids"] = [partner_ids[name] for name in piece.get("partners", [])]
            coverage.create_coverage(
                session, actor=actor, stage=stage, data=CoverageCreate.model_validate(fields)
            )


def _add_log(
    session: Session, actor: Actor, tour: Tour, stage: Stage, items: list[dict[str, Any]]
) -> None:
    """The day as a stage leader logged it: checkpoints by name, references by key."""
    if not items or daylog.entries(session, stage):
        return
    by_name = {c.name: c.id for c in checkpoints.ordered(session, stage)}
    by_key: dict[str, int | None] = {}
    for item in items:
        fields = {k: v for k, v in item.items() if k not in ("key", "checkpoint", "incident")}
        if "checkpoint" in item:
            fields["checkpoint_id"] = by_name[item["checkpoint"]]
        if "incident" in item:
            fields["incident_id"] = by_key[item["incident"]]
        if "supersedes" in item:
            fields["supersedes"] = by_key[item["supersedes"]]
        entry, _ = live.log_entry(
            session,
            actor=actor,
            stage=stage,
            tour=tour,
            data=LogEntryCreate.model_validate(fields),
            idempotency_key=item["key"],
            # Received a little after it happened, as from a phone with signal.
            now=dt.datetime.fromisoformat(item["occurred_at"]) + dt.timedelta(seconds=20),
        )
        by_key[item["key"]] = entry.id


def _add_actual_track(
    session: Session,
    actor: Actor,
    settings: Settings,
    tour: Tour,
    stage: Stage,
    item: dict[str, Any] | None,
) -> None:
    """The track the stage leader's bike computer recorded on the day."""
    if item is None or track.find_track(session, stage) is not None:
        return
    raw = files(__package__).joinpath("gpx", item["file"]).read_bytes()
    prepared = track.prepare_track(
        routes.Upload(raw=raw, filename=item["file"], note=None, gzip_encoded=False),
        max_inflated_bytes=settings.max_inflated_bytes,
        max_points=settings.max_route_points,
    )
    track.store_track(
        session,
        actor=actor,
        stage=stage,
        tour=tour,
        prepared=prepared,
        note=item.get("note"),
        if_match=None,
        if_none_match="*",
        now=dt.datetime.now(dt.UTC),
    )


def _add_partners_and_press(
    session: Session, actor: Actor, data: dict[str, Any]
) -> tuple[dict[str, int], dict[str, int]]:
    """Partners and press contacts by name, created where missing."""
    partner_ids: dict[str, int] = {}
    for record in data["partners"]:
        partner = session.exec(
            select(Partner).where(
                Partner.county == record["county"], Partner.name == record["name"]
            )
        ).first()
        if partner is None:
            partner = partners.create_partner(
                session, actor=actor, data=PartnerCreate.model_validate(record)
            )
        assert partner.id is not None
        partner_ids[record["name"]] = partner.id
    outlet_ids: dict[str, int] = {}
    for record in data["press_contacts"]:
        contact = session.exec(
            select(PressContact).where(
                PressContact.county == record["county"], PressContact.outlet == record["outlet"]
            )
        ).first()
        if contact is None:
            contact = press.create_contact(
                session, actor=actor, data=PressContactCreate.model_validate(record)
            )
        assert contact.id is not None
        outlet_ids[record["outlet"]] = contact.id
    return partner_ids, outlet_ids


def _add_promotion(
    session: Session,
    actor: Actor,
    tour: Tour,
    stage: Stage,
    item: dict[str, Any],
    partner_ids: dict[str, int],
    outlet_ids: dict[str, int],
) -> None:
    zone = ZoneInfo(tour.time_zone)
    if item.get("activities") and not activities.list_activities(session, stage):
        for activity in item["activities"]:
            fields = {k: v for k, v in activity.items() if k != "partners"}
            fields["partner_ids"] = [partner_ids[name] for name in activity.get("partners", [])]
            status = fields.pop("status", ActivityStatus.idea)
            created = activities.create_activity(
                session,
                actor=actor,
                stage=stage,
                data=ActivityCreate.model_validate(fields),
                zone=zone,
            )
            for step in ACTIVITY_STEPS[status]:  # entered at its first state, then moved on
                activities.update_activity(
                    session,
                    actor=actor,
                    stage=stage,
                    activity=created,
                    data=ActivityUpdate(status=step),
                    if_match="*",
                    zone=zone,
                )
    if item.get("outreach") and not press.list_outreach(session, stage):
        for entry in item["outreach"]:
            fields = {k: v for k, v in entry.items() if k != "outlet"}
            fields["press_contact_id"] = outlet_ids[entry["outlet"]]
            press.create_outreach(
                session, actor=actor, stage=stage, data=OutreachCreate.model_validate(fields)
            )
    if item.get("content") and not content.list_content(session, stage):
        for piece in item["content"]:
            content.create_content(
                session, actor=actor, stage=stage, data=ContentCreate.model_validate(piece)
            )


REVIEW_STEPS = {
    "draft": [],
    "submitted": ["submit"],
    "accepted": ["submit", "accept"],
    "returned": ["submit", "return"],
}


def _add_measures(
    session: Session,
    actor: Actor,
    stage: Stage,
    items: list[dict[str, Any]],
    by_email: dict[str, Person],
) -> None:
    for item in items:
        fields = {
            k: v for k, v in item.items() if k not in ("review", "comment", "responsible_email")
        }
        if "responsible_email" in item:
            fields["responsible_person_id"] = _person_id(by_email, item["responsible_email"])
        measure = measures.create_measure(
            session, actor=actor, stage=stage, data=MeasureCreate.model_validate(fields)
        )
        for action in REVIEW_STEPS[item["review"]]:
            measures.review(
                session,
                actor=actor,
                stage=stage,
                measure=measure,
                action=action,
                if_match="*",  # the loader wrote this measure a moment ago
                comment=item.get("comment"),
            )


def _person_id(by_email: dict[str, Person], email: str) -> int:
    person_id = by_email[email].id
    assert person_id is not None
    return person_id


def _add_people(
    session: Session, actor: Actor, stage: Stage, item: dict[str, Any], by_email: dict[str, Person]
) -> None:
    if item.get("team") and not team.list_team(session, stage):
        for member in item["team"]:
            data = TeamMemberCreate(
                person_id=_person_id(by_email, member["email"]),
                role=member["role"],
                responsibilities=member["responsibilities"],
                legs=[_leg_key(session, stage, leg) for leg in member.get("legs", [])],
            )
            team.add_member(session, actor=actor, stage=stage, data=data)
    if item.get("riders") and not riders.list_riders(session, stage):
        for rider in item["riders"]:
            added = riders.add_rider(
                session,
                actor=actor,
                stage=stage,
                data=RiderCreate(
                    person_id=_person_id(by_email, rider["email"]),
                    role=rider["role"],
                    legs=[_leg_key(session, stage, leg) for leg in rider["legs"]],
                ),
            )
            if rider["status"] != RiderStatus.invited:  # invited first, then the answer
                riders.update_rider(
                    session,
                    actor=actor,
                    stage=stage,
                    rider=added,
                    data=RiderUpdate(status=rider["status"]),
                    if_match="*",
                )


def _leg_key(session: Session, stage: Stage, leg: dict[str, str]) -> str:
    """A leg of the demo file, named by its bounding checkpoints' names (it knows no ids),
    as the API names it: `start`, `end` or the checkpoint's id on each side."""

    def side(name: str) -> str:
        if name in (START, END):
            return name
        checkpoint = session.exec(
            select(Checkpoint).where(Checkpoint.stage_id == stage.id, Checkpoint.name == name)
        ).one()
        return str(checkpoint.id)

    return f"{side(leg['from'])}-{side(leg['to'])}"


def _add_route(
    session: Session, actor: Actor, settings: Settings, stage: Stage, item: dict[str, Any]
) -> None:
    route = item["route"]
    raw = files(__package__).joinpath("gpx", route["file"]).read_bytes()
    import_waypoints = route.get("waypoints", False)
    prepared = routes.prepare_upload(
        routes.Upload(raw=raw, filename=route["file"], note=None, gzip_encoded=False),
        max_inflated_bytes=settings.max_inflated_bytes,
        max_points=settings.max_route_points,
        track=route.get("track"),
        import_waypoints=import_waypoints,
    )
    assert stage.id is not None
    routes.store_upload(
        session,
        actor=actor,
        stage_id=stage.id,
        prepared=prepared,
        note=route.get("note"),
        track=route.get("track"),
        import_waypoints=import_waypoints,
    )
    if not route.get("waypoints"):
        distance_km = require_current(session, stage).stats["distance_m"] / 1000
        ends = [
            {"name": stage.start_place or "Start", "kind": "start", "km": 0},
            {"name": stage.finish_place or "Mål", "kind": "finish", "km": distance_km},
        ]
        for checkpoint in ends + item.get("checkpoints", []):
            checkpoints.create_checkpoint(
                session, actor=actor, stage=stage, data=CheckpointCreate.model_validate(checkpoint)
            )
    for action in STATUS_STEPS[route.get("status", RouteStatus.draft)]:
        # The loader uploaded this version a moment ago: any ETag is its own.
        routes.change_status(session, actor=actor, stage=stage, action=action, if_match="*")
