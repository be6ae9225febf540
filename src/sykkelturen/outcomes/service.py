"""Recording a stage's outcome, and reading outcomes back for one stage or many at once
(the impact report reads a whole tour's in a handful of queries)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityKind
from sykkelturen.activities.problems import ActivityNotFound
from sykkelturen.audit import service as audit
from sykkelturen.clock import today_in
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.content.models import ContentItem, ContentKind
from sykkelturen.daylog import track
from sykkelturen.db import utcnow
from sykkelturen.legs import rules as leg_rules
from sykkelturen.legs import service as legs_service
from sykkelturen.legs.problems import UnknownLeg
from sykkelturen.outcomes import rules
from sykkelturen.outcomes.models import (
    AudiencePublic,
    ContentCredit,
    ContributionPublic,
    Distance,
    LegPassengersPublic,
    OutcomeAudience,
    OutcomeContribution,
    OutcomePublic,
    OutcomeStatus,
    OutcomeWrite,
    RiderCount,
    StageOutcome,
)
from sykkelturen.outcomes.problems import (
    ActivityOfOtherStage,
    OutcomeNotFound,
    PassengersOverSeats,
)
from sykkelturen.partners import service as partners
from sykkelturen.partners.models import Partner, PartnerKind, PartnerRef
from sykkelturen.problems import PreconditionFailed, PreconditionRequired, referenced
from sykkelturen.riders.models import Rider, RiderStatus
from sykkelturen.routes.models import RouteVersion
from sykkelturen.security import Actor
from sykkelturen.stages.models import PASSENGERS_PER_BIKE, Stage
from sykkelturen.stages.problems import StageNotRiddenYet
from sykkelturen.team.models import TeamMember
from sykkelturen.tours.service import get_tour


def actual_track_m(session: Session, stage_ids: Sequence[int]) -> dict[int, float]:
    """Metres of the track recorded on the day (`…/actual-track`), per stage that has one;
    `rules.ridden_distance` prefers them to the planned route."""
    return track.ridden_m(session, list(stage_ids))


def planned_m(session: Session, stage_ids: Sequence[int]) -> dict[int, float]:
    """The distance of each stage's current route version (its stats; no geometry read)."""
    rows = session.exec(
        select(RouteVersion.stage_id, RouteVersion.stats)
        .where(col(RouteVersion.stage_id).in_(stage_ids))
        .order_by(col(RouteVersion.stage_id), col(RouteVersion.number))
    ).all()
    return {stage_id: float(stats["distance_m"]) for stage_id, stats in rows}


@dataclass
class StageData:
    """Everything an outcome's answer reads besides the outcome itself, for many stages."""

    partners: dict[int, Partner] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    confirmed: dict[int, Counter[str]] = field(default_factory=dict)
    team: Counter[int] = field(default_factory=Counter)
    planned_m: dict[int, float] = field(default_factory=dict)
    actual_m: dict[int, float] = field(default_factory=dict)
    content: dict[int, list[ContentItem]] = field(default_factory=dict)
    contributions: dict[int, list[OutcomeContribution]] = field(default_factory=dict)
    audience: dict[int, list[OutcomeAudience]] = field(default_factory=dict)


def gather(session: Session, stage_ids: list[int], outcomes: list[StageOutcome]) -> StageData:
    outcome_ids = [o.id for o in outcomes]
    data = StageData(
        confirmed={i: Counter() for i in stage_ids},
        planned_m=planned_m(session, stage_ids),
        actual_m=actual_track_m(session, stage_ids),
        content={i: [] for i in stage_ids},
        contributions={o.id: [] for o in outcomes if o.id is not None},
        audience={o.id: [] for o in outcomes if o.id is not None},
    )
    for stage_id, role in session.exec(
        select(Rider.stage_id, Rider.role).where(
            col(Rider.stage_id).in_(stage_ids), Rider.status == RiderStatus.confirmed
        )
    ).all():
        data.confirmed[stage_id][role] += 1
    data.team.update(
        session.exec(
            select(TeamMember.stage_id).where(col(TeamMember.stage_id).in_(stage_ids))
        ).all()
    )
    for item in session.exec(
        select(ContentItem)
        .where(col(ContentItem.stage_id).in_(stage_ids), col(ContentItem.consent_confirmed))
        .order_by(col(ContentItem.id))
    ).all():
        data.content[item.stage_id].append(item)
    for contribution in session.exec(
        select(OutcomeContribution)
        .where(col(OutcomeContribution.outcome_id).in_(outcome_ids))
        .order_by(col(OutcomeContribution.position))
    ).all():
        data.contributions[contribution.outcome_id].append(contribution)
    for row in session.exec(
        select(OutcomeAudience)
        .where(col(OutcomeAudience.outcome_id).in_(outcome_ids))
        .order_by(col(OutcomeAudience.id))
    ).all():
        data.audience[row.outcome_id].append(row)
    partner_ids = {c.partner_id for rows in data.contributions.values() for c in rows}
    data.partners = {
        p.id: p
        for p in session.exec(select(Partner).where(col(Partner.id).in_(partner_ids))).all()
        if p.id is not None
    }
    data.activities = {
        a.id: a
        for a in session.exec(select(Activity).where(col(Activity.stage_id).in_(stage_ids))).all()
        if a.id is not None
    }
    return data


def build_public(
    stage: Stage, outcome: StageOutcome, data: StageData, *, visible: bool
) -> OutcomePublic:
    """The answer for one stage, from its outcome and the gathered data (no queries)."""
    assert stage.id is not None
    assert outcome.id is not None
    status = OutcomeStatus(outcome.status)
    km, source = rules.ridden_distance(
        status=status,
        reported_m=outcome.distance_m,
        actual_track_m=data.actual_m.get(stage.id),
        planned_m=data.planned_m.get(stage.id),
    )
    planned = data.planned_m.get(stage.id)
    confirmed = data.confirmed.get(stage.id, Counter())
    counts: dict[str, RiderCount] = {}
    for name, reported, planned_count, rides in (
        ("pilots", outcome.pilots, confirmed["pilot"], True),
        ("cyclists", outcome.cyclists, confirmed["cyclist"], True),
        ("team_members", outcome.team_members, data.team[stage.id], False),
    ):
        value, count_source = rules.count(
            status=status, reported=reported, planned=planned_count, rides=rides
        )
        counts[name] = RiderCount(count=value, source=count_source, planned=planned_count)
    audience = []
    for row in data.audience.get(outcome.id, []):
        activity = data.activities[row.activity_id]
        audience.append(
            AudiencePublic(
                activity_id=row.activity_id,
                title=activity.title,
                kind=ActivityKind(activity.kind),
                expected=activity.expected_audience,
                came=row.came,
            )
        )
    legs = [LegPassengersPublic.model_validate(p) for p in outcome.passengers_by_leg]
    return OutcomePublic(
        stage_id=stage.id,
        status=status,
        cancel_reason=outcome.cancel_reason,
        distance=Distance(
            km=round(km / 1000, 3) if km is not None else None,
            source=source,
            planned_km=round(planned / 1000, 3) if planned is not None else None,
        ),
        passengers_by_leg=legs,
        passengers=sum(p.passengers for p in legs),
        other_volunteers=outcome.other_volunteers,
        volunteers=sum(c.count for c in counts.values()) + outcome.other_volunteers,
        partner_contributions=[
            ContributionPublic(
                partner=_ref(data.partners[c.partner_id]),
                what=c.what,
                hours=c.hours,
                in_kind=c.in_kind,
                thanked_on=c.thanked_on,
            )
            for c in data.contributions.get(outcome.id, [])
        ],
        audience=audience,
        audience_expected=sum(a.expected or 0 for a in audience),
        audience_came=sum(a.came for a in audience),
        content=[credit(item) for item in data.content.get(stage.id, [])],
        notes=outcome.notes if visible else None,
        lessons_learnt=outcome.lessons_learnt if visible else None,
        version=outcome.version,
        updated_at=outcome.updated_at,
        **counts,
    )


def _ref(partner: Partner) -> PartnerRef:
    assert partner.id is not None
    return PartnerRef(id=partner.id, name=partner.name, kind=PartnerKind(partner.kind))


def credit(item: ContentItem) -> ContentCredit:
    assert item.id is not None
    return ContentCredit(
        id=item.id,
        stage_id=item.stage_id,
        kind=ContentKind(item.kind),
        link=item.link,
        caption=item.caption,
        credit=item.credit,
        published_where=item.published_where,
    )


def outcomes_of(session: Session, stage_ids: list[int]) -> dict[int, StageOutcome]:
    return {
        o.stage_id: o
        for o in session.exec(
            select(StageOutcome).where(col(StageOutcome.stage_id).in_(stage_ids))
        ).all()
    }


def find_outcome(session: Session, stage: Stage) -> StageOutcome | None:
    return session.exec(select(StageOutcome).where(StageOutcome.stage_id == stage.id)).first()


def get_outcome(session: Session, stage: Stage) -> StageOutcome:
    outcome = find_outcome(session, stage)
    if outcome is None:
        raise OutcomeNotFound(
            f"Stage {stage.id} has no outcome yet; record it with PUT …/outcome after the day."
        )
    return outcome


def public(session: Session, actor: Actor, stage: Stage, outcome: StageOutcome) -> OutcomePublic:
    assert stage.id is not None
    data = gather(session, [stage.id], [outcome])
    return build_public(stage, outcome, data, visible=actor.may_see_personal_data(stage.county))


def _resource(stage: Stage, outcome: StageOutcome) -> audit.Resource:
    return audit.Resource(
        type="outcome", id=str(stage.id), tour_id=stage.tour_id, county=stage.county
    )


def _leg_order(session: Session, stage: Stage) -> dict[str, int]:
    """The stage's legs by key (as `GET …/legs` names them), in their order along the
    route; before it has a route, the stage is the one leg `start-end`, as for riders."""
    bounds = legs_service.boundaries(session, stage)
    return {key: number for number, key in enumerate(leg_rules.leg_keys(bounds), 1)}


def _check_references(session: Session, stage: Stage, data: OutcomeWrite) -> None:
    legs = {p.leg: p.passengers for p in data.passengers_by_leg}
    order = _leg_order(session, stage)
    unknown = [key for key in legs if key not in order]
    if unknown:
        raise UnknownLeg(
            f"Stage {stage.id} has the legs {', '.join(order)}; "
            f"{unknown[0]} is not one of them (passengers are counted per leg, "
            "GET …/legs lists them)."
        )
    seats = stage.bikes * PASSENGERS_PER_BIKE
    over = rules.legs_over_seats(legs, seats)
    if over:
        raise PassengersOverSeats(
            f"Leg {over[0]} carried {legs[over[0]]} passengers, but {stage.bikes} rickshaws "
            f"have {seats} seats."
        )
    for contribution in data.partner_contributions:
        partners.partner_for_county(session, stage.county, contribution.partner_id)
    for row in data.audience:
        activity = session.get(Activity, row.activity_id)
        if activity is None:
            with referenced("activity_id"):
                raise ActivityNotFound(f"There is no activity {row.activity_id}.")
        if activity.stage_id != stage.id:
            raise ActivityOfOtherStage(
                f"Activity {row.activity_id} belongs to stage {activity.stage_id}."
            )


def _fields(session: Session, stage: Stage, data: OutcomeWrite) -> dict[str, Any]:
    order = _leg_order(session, stage)
    return {
        "status": data.status,
        "cancel_reason": data.cancel_reason,
        "distance_m": data.distance_km * 1000 if data.distance_km is not None else None,
        "passengers_by_leg": [
            p.model_dump() for p in sorted(data.passengers_by_leg, key=lambda p: order[p.leg])
        ],
        "pilots": data.pilots,
        "cyclists": data.cyclists,
        "team_members": data.team_members,
        "other_volunteers": data.other_volunteers,
        "notes": data.notes,
        "lessons_learnt": data.lessons_learnt,
    }


def put_outcome(
    session: Session,
    *,
    actor: Actor,
    stage: Stage,
    data: OutcomeWrite,
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[StageOutcome, bool]:
    """Record or replace the outcome; True when it was created.

    Replacing needs `If-Match` like any update; the first recording needs none (or
    `If-None-Match: *`, which refuses to overwrite one a colleague recorded meanwhile)."""
    actor.require_county_write(stage.county)
    if stage.date > today_in(get_tour(session, stage.tour_id).time_zone):
        raise StageNotRiddenYet(
            f"Stage {stage.id} rides on {stage.date.isoformat()}; record its outcome on the day "
            "or after."
        )
    existing = find_outcome(session, stage)
    if existing is not None:
        if if_none_match is not None and if_none_match.strip() == "*":
            raise PreconditionFailed(f"Stage {stage.id} already has an outcome.")
        if if_match is None:
            raise PreconditionRequired(
                "The outcome exists: send If-Match with the ETag from its GET to replace it."
            )
        check_if_match(if_match, etag_of(public(session, actor, stage, existing)))
    elif if_match is not None and if_match.strip() != "*":
        raise PreconditionFailed(f"Stage {stage.id} has no outcome yet to match.")
    _check_references(session, stage, data)
    assert stage.id is not None
    before = public(session, actor, stage, existing) if existing is not None else None
    if existing is None:
        outcome = StageOutcome(stage_id=stage.id, **_fields(session, stage, data))
    else:
        outcome = existing
        outcome.sqlmodel_update(_fields(session, stage, data))
        outcome.updated_at = utcnow()
        for old in session.exec(
            select(OutcomeContribution).where(OutcomeContribution.outcome_id == outcome.id)
        ).all():
            session.delete(old)
        for old_row in session.exec(
            select(OutcomeAudience).where(OutcomeAudience.outcome_id == outcome.id)
        ).all():
            session.delete(old_row)
    session.add(outcome)
    session.flush()
    assert outcome.id is not None
    for position, contribution in enumerate(data.partner_contributions):
        session.add(
            OutcomeContribution(
                outcome_id=outcome.id, position=position, **contribution.model_dump()
            )
        )
    for row in data.audience:
        session.add(
            OutcomeAudience(outcome_id=outcome.id, activity_id=row.activity_id, came=row.came)
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create" if existing is None else "update",
        resource=_resource(stage, outcome),
        before=before,
        after=public(session, actor, stage, outcome),
    )
    return outcome, existing is None


def delete_outcome(
    session: Session, *, actor: Actor, stage: Stage, outcome: StageOutcome, if_match: str
) -> None:
    actor.require_county_write(stage.county)
    before = public(session, actor, stage, outcome)
    check_if_match(if_match, etag_of(before))
    session.delete(outcome)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_resource(stage, outcome), before=before
    )
