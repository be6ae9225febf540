"""The demo tour, modelled on Sykkelturen 2022, shipped inside the package.

`load_demo` goes through the same services as the API (validation, audit), and is
idempotent: what already exists is left as it is. Some stages get a route (the project's
synthetic GPX samples, gzipped under `gpx/`), start and finish checkpoints, a status, and
(fictional) people in the stage team and as pilots, cyclists and passengers, and run-sheet
measures at each step of NF's review.
"""

import json
from importlib.resources import files
from typing import Any

from sqlmodel import Session, select

from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import CheckpointCreate
from sykkelturen.config import Settings
from sykkelturen.measures import service as measures
from sykkelturen.measures.models import MeasureCreate
from sykkelturen.people import service as people
from sykkelturen.people.models import Person, PersonCreate
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import RiderCreate
from sykkelturen.routes import service as routes
from sykkelturen.routes.models import RouteStatus
from sykkelturen.routes.storage import current_version, require_current
from sykkelturen.security import Actor, system_actor
from sykkelturen.stages import service as stages
from sykkelturen.stages.models import Stage, StageCreate
from sykkelturen.team import service as team
from sykkelturen.team.models import TeamMemberCreate
from sykkelturen.tours import service as tours
from sykkelturen.tours.models import Tour, TourCounty, TourCountyCreate, TourCreate

DEMO_FILE = "sykkelturen_2022.json"
STAGE_EXTRAS = ("route", "checkpoints", "team", "riders", "measures")  # beside StageCreate
STATUS_STEPS = {"draft": [], "reported": ["report"], "final": ["report", "finalize"]}


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(__package__).joinpath(DEMO_FILE).read_text("utf-8"))
    return data


def load_demo(session: Session, settings: Settings) -> Tour:
    """Create the demo tour, its counties, stages and routes where missing; return the tour."""
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
    return tour


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
            )
            team.add_member(session, actor=actor, stage=stage, data=data)
    if item.get("riders") and not riders.list_riders(session, stage):
        for rider in item["riders"]:
            riders.add_rider(
                session,
                actor=actor,
                stage=stage,
                data=RiderCreate(
                    person_id=_person_id(by_email, rider["email"]),
                    role=rider["role"],
                    status=rider["status"],
                    legs=rider["legs"],
                ),
            )


def _add_route(
    session: Session, actor: Actor, settings: Settings, stage: Stage, item: dict[str, Any]
) -> None:
    route = item["route"]
    raw = files(__package__).joinpath("gpx", route["file"]).read_bytes()
    routes.upload_route(
        session,
        actor=actor,
        stage=stage,
        upload=routes.Upload(
            raw=raw,
            media_type="application/gpx+xml",
            filename=route["file"].removesuffix(".gz"),
            note=route.get("note"),
            gzip_encoded=False,
        ),
        max_inflated_bytes=settings.max_inflated_bytes,
        max_points=settings.max_route_points,
        track=route.get("track"),
        import_waypoints=route.get("waypoints", False),
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
        routes.change_status(session, actor=actor, stage=stage, action=action)
