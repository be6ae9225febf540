"""What the report phase's checklist reads, for many stages at once (models only, so the
stage service can gather it with the other phases' facts)."""

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityPartner, ActivityStatus
from sykkelturen.coverage.models import Coverage
from sykkelturen.outcomes.models import OutcomeContribution, StageOutcome


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
