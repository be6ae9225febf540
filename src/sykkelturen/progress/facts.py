"""What the phase checklists read, for every stage of a tour in a handful of queries: an
aggregate over eight domains (route, checkpoints, team, riders, measures, activities,
press, content, outcomes and coverage), so it lives above all of them, beside the pure
phase rules it feeds (`phases.py`)."""

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityPartner, ActivityPerson, ActivityStatus
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.content.models import ContentItem
from sykkelturen.coverage.models import Coverage
from sykkelturen.measures.models import Measure
from sykkelturen.outcomes.models import OutcomeContribution, StageOutcome
from sykkelturen.press.models import Outreach
from sykkelturen.progress.phases import Phase, StageFacts, phase_of
from sykkelturen.riders.models import Rider
from sykkelturen.routes.versions import current_statuses
from sykkelturen.stages.models import Stage, StageNeeds
from sykkelturen.stages.needs import riders_needed, short, team_needed
from sykkelturen.team.models import TeamMember
from sykkelturen.tours.models import Tour


@dataclass(frozen=True)
class ReportFacts:
    outcome_recorded: bool = False
    coverage: int = 0
    partners_to_tell: frozenset[int] = frozenset()  # contributed, or named by an activity
    partners_told: frozenset[int] = frozenset()  # thanked on a recorded contribution


def report_facts(session: Session, stage_ids: list[int]) -> dict[int, ReportFacts]:
    outcomes = dict(
        session.exec(
            select(StageOutcome.id, StageOutcome.stage_id).where(
                col(StageOutcome.stage_id).in_(stage_ids)
            )
        ).all()
    )
    coverage = Counter(
        session.exec(select(Coverage.stage_id).where(col(Coverage.stage_id).in_(stage_ids))).all()
    )
    to_tell: dict[int, set[int]] = {i: set() for i in stage_ids}
    told: dict[int, set[int]] = {i: set() for i in stage_ids}
    for stage_id, partner_id in session.exec(
        select(Activity.stage_id, ActivityPartner.partner_id)
        .join(ActivityPartner, col(ActivityPartner.activity_id) == col(Activity.id))
        .where(col(Activity.stage_id).in_(stage_ids), Activity.status != ActivityStatus.cancelled)
    ).all():
        to_tell[stage_id].add(partner_id)
    for outcome_id, partner_id, thanked_on in session.exec(
        select(
            OutcomeContribution.outcome_id,
            OutcomeContribution.partner_id,
            col(OutcomeContribution.thanked_on),
        ).where(col(OutcomeContribution.outcome_id).in_(list(outcomes)))
    ).all():
        stage_id = outcomes[outcome_id]
        to_tell[stage_id].add(partner_id)
        if thanked_on is not None:
            told[stage_id].add(partner_id)
    recorded = set(outcomes.values())
    return {
        i: ReportFacts(
            outcome_recorded=i in recorded,
            coverage=coverage[i],
            partners_to_tell=frozenset(to_tell[i]),
            partners_told=frozenset(told[i]),
        )
        for i in stage_ids
    }


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
        live = [a for a in activities[stage_id] if a.status != "cancelled"]
        facts[stage_id] = StageFacts(
            route_status=statuses.get(stage_id),
            checkpoint_kinds=frozenset(kinds[stage_id]),
            activities_with_responsible=sum(
                1 for a in live if a.id in with_partner or a.id in with_person
            ),
            activities_with_partner=sum(1 for a in live if a.id in with_partner),
            team_short=tuple(sorted(short(team_needed(needs), team[stage_id]))),
            riders_short=short(riders_needed(needs, stage.bikes), confirmed[stage_id]),
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


def stages_in_phase(session: Session, tour: Tour, phase: Phase) -> list[int]:
    """The ids of the tour's stages now in `phase` (the stage list's ?phase= filter)."""
    return [i for i, facts in stage_facts(session, tour).items() if phase_of(facts) == phase]
