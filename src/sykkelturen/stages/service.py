"""Stages: national order, the county's date window, who may change which stage."""

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityPartner, ActivityPerson
from sykkelturen.audit import service as audit
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.content.models import ContentItem
from sykkelturen.db import utcnow
from sykkelturen.measures.models import Measure
from sykkelturen.outcomes.facts import report_facts
from sykkelturen.pagination import Page, PageParams, paginate_rows
from sykkelturen.partners.models import Partner
from sykkelturen.people.models import Person
from sykkelturen.press.models import Outreach, PressContact
from sykkelturen.riders import service as riders
from sykkelturen.riders.models import Rider
from sykkelturen.routes.versions import current_statuses
from sykkelturen.security import Actor
from sykkelturen.stages.models import (
    PASSENGERS_PER_BIKE,
    Stage,
    StageCreate,
    StageNeeds,
    StagePublic,
    StageUpdate,
    TransferAfter,
)
from sykkelturen.stages.phases import Phase, StageFacts, phase_of
from sykkelturen.stages.problems import (
    CountyNotInTour,
    StageDateOutsideWindow,
    StageHasPeopleOfCounty,
    StageNotFound,
    StageSequenceTaken,
    TooManyPassengers,
)
from sykkelturen.team.models import TeamMember
from sykkelturen.tombstones import service as tombstones
from sykkelturen.tours.models import Tour, TourCounty
from sykkelturen.tours.service import get_tour


def zone_of(tour: Tour) -> ZoneInfo:
    return ZoneInfo(tour.time_zone)


def _local_start(starts_at: dt.datetime | None, zone: ZoneInfo) -> dict[str, Any]:
    """The planned start as the body shows it: local time of day and instant with offset."""
    local_start = starts_at.astimezone(zone) if starts_at is not None else None
    return {
        "start_time": local_start.time().replace(tzinfo=None) if local_start else None,
        "starts_at": local_start,
    }


def stage_public(stage: Stage, zone: ZoneInfo) -> StagePublic:
    return StagePublic.model_validate(
        stage,
        update={
            **_local_start(stage.starts_at, zone),
            "needs": StageNeeds.model_validate(stage.needs),
            "transfer_after": (
                TransferAfter.model_validate(stage.transfer_after) if stage.transfer_after else None
            ),
        },
    )


def stage_public_of_row(row: sa.Row[Any], zone: ZoneInfo) -> StagePublic:
    """The same body from a plain row of the stage table, validated once (lists)."""
    fields = row._asdict()
    fields.pop("time_zone", None)  # the tour's, when the query brought it along
    return StagePublic.model_validate(fields | _local_start(row.starts_at, zone))


def _resource(stage: Stage) -> audit.Resource:
    return audit.Resource(
        type="stage", id=str(stage.id), tour_id=stage.tour_id, county=stage.county
    )


def get_stage(session: Session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise StageNotFound(f"There is no stage {stage_id}.")
    return stage


def stage_facts(session: Session, tour: Tour) -> dict[int, StageFacts]:
    """What the phase rules read, for every stage of the tour, in one query per kind of row."""
    stages = {
        s.id: s
        for s in session.exec(select(Stage).where(Stage.tour_id == tour.id)).all()
        if s.id is not None
    }
    ids = list(stages)
    statuses = current_statuses(session, tour.id)
    kinds: dict[int, set[str]] = {i: set() for i in ids}
    for stage_id, kind in session.exec(
        select(Checkpoint.stage_id, Checkpoint.kind).where(col(Checkpoint.stage_id).in_(ids))
    ).all():
        kinds[stage_id].add(kind)
    team: dict[int, Counter[str]] = {i: Counter() for i in ids}
    for stage_id, role in session.exec(
        select(TeamMember.stage_id, TeamMember.role).where(col(TeamMember.stage_id).in_(ids))
    ).all():
        team[stage_id][role] += 1
    confirmed: dict[int, Counter[str]] = {i: Counter() for i in ids}
    for stage_id, role in session.exec(
        select(Rider.stage_id, Rider.role).where(
            col(Rider.stage_id).in_(ids), Rider.status == "confirmed"
        )
    ).all():
        confirmed[stage_id][role] += 1
    measures: dict[int, list[Measure]] = {i: [] for i in ids}
    for measure in session.exec(select(Measure).where(col(Measure.stage_id).in_(ids))).all():
        measures[measure.stage_id].append(measure)
    activities: dict[int, list[Activity]] = {i: [] for i in ids}
    for activity in session.exec(select(Activity).where(col(Activity.stage_id).in_(ids))).all():
        activities[activity.stage_id].append(activity)
    activity_ids = [a.id for found in activities.values() for a in found]
    with_partner = set(
        session.exec(
            select(ActivityPartner.activity_id).where(
                col(ActivityPartner.activity_id).in_(activity_ids)
            )
        ).all()
    )
    with_person = set(
        session.exec(
            select(ActivityPerson.activity_id).where(
                col(ActivityPerson.activity_id).in_(activity_ids)
            )
        ).all()
    )
    outreach = Counter(
        session.exec(select(Outreach.stage_id).where(col(Outreach.stage_id).in_(ids))).all()
    )
    content = Counter(
        session.exec(select(ContentItem.stage_id).where(col(ContentItem.stage_id).in_(ids))).all()
    )
    reported = report_facts(session, ids)
    facts = {}
    for stage_id, stage in stages.items():
        needs = StageNeeds.model_validate(stage.needs)
        rider_needs = {
            "pilot": needs.pilots if needs.pilots is not None else stage.bikes,
            "cyclist": needs.cyclists,
            "passenger": needs.passengers,
        }
        live = [a for a in activities[stage_id] if a.status != "cancelled"]
        facts[stage_id] = StageFacts(
            route_status=statuses.get(stage_id),
            checkpoint_kinds=frozenset(kinds[stage_id]),
            activities_with_responsible=sum(
                1 for a in live if a.id in with_partner or a.id in with_person
            ),
            activities_with_partner=sum(1 for a in live if a.id in with_partner),
            team_short=tuple(
                sorted(
                    str(role)
                    for role, count in needs.team.items()
                    if team[stage_id][str(role)] < count
                )
            ),
            riders_short=tuple(
                role for role, count in rider_needs.items() if confirmed[stage_id][role] < count
            ),
            measure_statuses=tuple(m.status for m in measures[stage_id]),
            police_notice_in_time=any(
                m.kind == "police_notice"
                and m.status == "accepted"
                and (
                    m.due_date is None
                    or (m.reviewed_at is not None and m.reviewed_at.date() <= m.due_date)
                )
                for m in measures[stage_id]
            ),
            signal_event_decided=any(
                a.kind == "signal_event" and a.status in ("planned", "confirmed", "done")
                for a in live
            ),
            outreach=outreach[stage_id],
            content=content[stage_id],
            outcome_recorded=reported[stage_id].outcome_recorded,
            coverage=reported[stage_id].coverage,
            partners_to_tell=len(reported[stage_id].partners_to_tell),
            partners_told=len(
                reported[stage_id].partners_told & reported[stage_id].partners_to_tell
            ),
        )
    return facts


def list_stages(
    session: Session,
    *,
    tour: Tour,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    phase: Phase | None,
    page: PageParams,
) -> tuple[list[sa.Row[Any]], str | None]:
    """One page of the tour's stages as plain rows of the stage table: a Core query, so a
    list of many stages builds no ORM objects (each body is validated once, from the row)."""
    table: sa.Table = Stage.__table__  # type: ignore[attr-defined]
    statement = sa.select(*table.columns).where(table.c.tour_id == tour.id)
    if phase is not None:
        in_phase = [
            i for i, facts in stage_facts(session, tour).items() if phase_of(facts) == phase
        ]
        statement = statement.where(col(Stage.id).in_(in_phase))
    if county is not None:
        statement = statement.where(col(Stage.county) == county)
    if date_from is not None:
        statement = statement.where(col(Stage.date) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Stage.date) <= date_to)
    return paginate_rows(
        session, statement, page=page, order_by=[col(Stage.sequence)], key=lambda s: [s.sequence]
    )


def stages_page(
    session: Session,
    *,
    tour_id: int,
    county: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    phase: Phase | None,
    page: PageParams,
) -> Page[StagePublic]:
    """`GET /tours/{id}/stages`: all its reads in one call (one trip to a worker thread)."""
    tour = get_tour(session, tour_id)
    rows, next_cursor = list_stages(
        session,
        tour=tour,
        county=county,
        date_from=date_from,
        date_to=date_to,
        phase=phase,
        page=page,
    )
    zone = zone_of(tour)
    return Page(items=[stage_public_of_row(s, zone) for s in rows], next_cursor=next_cursor)


def read_stage_public(session: Session, stage_id: int) -> StagePublic:
    """`GET /stages/{id}`: all its reads in one call (one trip to a worker thread), as one
    Core query for the stage row and its tour's zone."""
    table: sa.Table = Stage.__table__  # type: ignore[attr-defined]
    row = session.execute(
        sa.select(*table.columns, col(Tour.time_zone))
        .join(Tour, col(Tour.id) == table.c.tour_id)
        .where(table.c.id == stage_id)
    ).first()
    if row is None:
        raise StageNotFound(f"There is no stage {stage_id}.")
    return stage_public_of_row(row, ZoneInfo(row.time_zone))


def _starts_at(day: dt.date, start_time: dt.time | None, zone: ZoneInfo) -> dt.datetime | None:
    if start_time is None:
        return None
    return dt.datetime.combine(day, start_time, tzinfo=zone).astimezone(dt.UTC)


def _check_rules(session: Session, *, tour: Tour, stage: Stage) -> None:
    """Rules every saved stage keeps: its county takes part, its date is in the county's
    window, its sequence is unique in the tour, and every passenger has a seat.

    Runs without autoflush: a pending change must not be written (and its version bumped)
    before it has passed the rules."""
    with session.no_autoflush:
        _check_rules_unflushed(session, tour=tour, stage=stage)


def _check_rules_unflushed(session: Session, *, tour: Tour, stage: Stage) -> None:
    tour_county = session.exec(
        select(TourCounty).where(TourCounty.tour_id == tour.id, TourCounty.county == stage.county)
    ).first()
    if tour_county is None:
        raise CountyNotInTour(
            f"County {stage.county} is not part of tour {tour.id}; national adds it first."
        )
    if not tour_county.start_date <= stage.date <= tour_county.end_date:
        raise StageDateOutsideWindow(
            f"{stage.date} is outside county {stage.county}'s window "
            f"{tour_county.start_date}–{tour_county.end_date}."
        )
    taken = session.exec(
        select(Stage).where(Stage.tour_id == tour.id, Stage.sequence == stage.sequence)
    ).first()
    if taken is not None and taken.id != stage.id:
        raise StageSequenceTaken(
            f"Stage {taken.id} ({taken.name}) already has sequence {stage.sequence} in this tour."
        )
    needs = StageNeeds.model_validate(stage.needs)
    if needs.passengers > stage.bikes * PASSENGERS_PER_BIKE:
        raise TooManyPassengers(
            f"{needs.passengers} passengers need more than {stage.bikes} bikes with "
            f"{PASSENGERS_PER_BIKE} seats each."
        )


def county_ties(session: Session, stage: Stage) -> list[str]:
    """What ties a stage to its county's own people, partners and press contacts: the team,
    riders, responsible people and partners of measures and activities, outreach. Another
    county may neither see nor edit these, so a stage moves to it only without them."""
    ties: list[str] = []
    for label, row_id, stage_id, person_id in (
        ("team member", TeamMember.id, TeamMember.stage_id, TeamMember.person_id),
        ("rider", Rider.id, Rider.stage_id, Rider.person_id),
        ("measure", Measure.id, Measure.stage_id, Measure.responsible_person_id),
    ):
        for found_id, name in session.exec(
            select(col(row_id), Person.name)
            .join(Person, col(Person.id) == col(person_id))
            .where(col(stage_id) == stage.id)
            .order_by(col(row_id))
        ).all():
            ties.append(f"{name} ({label} {found_id})")
    for activity_id, name in session.exec(
        select(Activity.id, Person.name)
        .join(ActivityPerson, col(ActivityPerson.activity_id) == col(Activity.id))
        .join(Person, col(Person.id) == col(ActivityPerson.person_id))
        .where(Activity.stage_id == stage.id)
        .order_by(col(Activity.id))
    ).all():
        ties.append(f"{name} (activity {activity_id})")
    for activity_id, name in session.exec(
        select(Activity.id, Partner.name)
        .join(ActivityPartner, col(ActivityPartner.activity_id) == col(Activity.id))
        .join(Partner, col(Partner.id) == col(ActivityPartner.partner_id))
        .where(Activity.stage_id == stage.id)
        .order_by(col(Activity.id))
    ).all():
        ties.append(f"partner {name} (activity {activity_id})")
    for measure_id, name in session.exec(
        select(Measure.id, Partner.name)
        .join(Partner, col(Partner.id) == col(Measure.responsible_partner_id))
        .where(Measure.stage_id == stage.id)
        .order_by(col(Measure.id))
    ).all():
        ties.append(f"partner {name} (measure {measure_id})")
    for outreach_id, outlet in session.exec(
        select(Outreach.id, PressContact.outlet)
        .join(PressContact, col(PressContact.id) == col(Outreach.press_contact_id))
        .where(Outreach.stage_id == stage.id)
        .order_by(col(Outreach.id))
    ).all():
        ties.append(f"press contact {outlet} (outreach {outreach_id})")
    return ties


def _needs_json(needs: StageNeeds, bikes: int) -> dict[str, Any]:
    if needs.pilots is None:
        needs = needs.model_copy(update={"pilots": bikes})
    return needs.model_dump(mode="json")


def create_stage(session: Session, *, actor: Actor, tour: Tour, data: StageCreate) -> Stage:
    actor.require_county_write(data.county)
    assert tour.id is not None
    stage = Stage(
        tour_id=tour.id,
        sequence=data.sequence,
        county=data.county,
        name=data.name,
        date=data.date,
        starts_at=_starts_at(data.date, data.start_time, zone_of(tour)),
        start_place=data.start_place,
        finish_place=data.finish_place,
        speeds_kmh=data.speeds_kmh or list(tour.speeds_kmh),
        bikes=data.bikes,
        needs=_needs_json(data.needs, data.bikes),
        transfer_after=data.transfer_after.model_dump(mode="json") if data.transfer_after else None,
        notes=data.notes,
    )
    _check_rules(session, tour=tour, stage=stage)
    session.add(stage)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_resource(stage),
        after=stage_public(stage, zone_of(tour)),
    )
    return stage


# Fields a PATCH may clear by sending null; the others keep their value when null is sent.
_NULLABLE = {"start_time", "start_place", "finish_place", "transfer_after", "notes"}


def update_stage(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    stage: Stage,
    data: StageUpdate,
    if_match: str,
) -> Stage:
    actor.require_county_write(stage.county)
    zone = zone_of(tour)
    before = stage_public(stage, zone)
    check_if_match(if_match, etag_of(before))
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if value is not None or name in _NULLABLE
    }
    if "county" in changes and changes["county"] != stage.county:
        actor.require_county_write(changes["county"])
        ties = county_ties(session, stage)
        if ties:
            raise StageHasPeopleOfCounty(
                f"Stage {stage.id} still names people of county {stage.county}, whom county "
                f"{changes['county']} may neither see nor edit: {'; '.join(ties)}. Remove or "
                "replace them, then move the stage."
            )
    start_time = changes.pop("start_time", before.start_time)
    if "needs" in changes:
        changes["needs"] = _needs_json(
            StageNeeds.model_validate(changes["needs"]), changes.get("bikes", stage.bikes)
        )
    stage.sqlmodel_update(changes)
    stage.starts_at = _starts_at(stage.date, start_time, zone)
    _check_rules(session, tour=tour, stage=stage)
    if stage.bikes < before.bikes:
        with session.no_autoflush:
            # The one rule of the layer above a stage reads: passengers keep their seats.
            riders.check_seats_for_bikes(session, stage, stage.bikes)
    stage.updated_at = utcnow()
    session.add(stage)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(stage),
        before=before,
        after=stage_public(stage, zone),
    )
    return stage


def delete_stage(
    session: Session, *, actor: Actor, tour: Tour, stage: Stage, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = stage_public(stage, zone_of(tour))
    check_if_match(if_match, etag_of(before))
    tombstones.bury_stage(session, stage)
    session.delete(stage)
    session.flush()
    audit.record(session, actor=actor, action="delete", resource=_resource(stage), before=before)
