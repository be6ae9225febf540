"""Progress through plan → engage → prepare → promote → report, from the pure rules in
`phases.py` over the facts `facts.py` gathers."""

from sqlmodel import Session, col, select

from sykkelturen.clock import today_in
from sykkelturen.progress.facts import stage_facts
from sykkelturen.progress.models import (
    ChecklistItem,
    CountyProgress,
    DeadlineAtRisk,
    PhaseProgress,
    StageBehind,
    StageProgress,
    TourProgress,
)
from sykkelturen.progress.phases import Phase, StageFacts, checklist, phase_of
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour

AT_RISK_DAYS = 21
MOST_BEHIND = 10


def _percent(done: int, total: int) -> float:
    return round(100 * done / total, 1) if total else 100.0


def stage_progress(stage: Stage, facts: StageFacts) -> StageProgress:
    phases = []
    for phase, items in checklist(facts).items():
        done = sum(1 for i in items if i.done)
        phases.append(
            PhaseProgress(
                phase=phase,
                done=done,
                total=len(items),
                percent=_percent(done, len(items)),
                items=[
                    ChecklistItem(key=i.key, label=i.label, done=i.done, detail=i.detail)
                    for i in items
                ],
            )
        )
    assert stage.id is not None
    return StageProgress(
        stage_id=stage.id,
        sequence=stage.sequence,
        county=stage.county,
        date=stage.date,
        phase=phase_of(facts),
        percent=_percent(sum(p.done for p in phases), sum(p.total for p in phases)),
        phases=phases,
    )


def one_stage(session: Session, tour: Tour, stage: Stage) -> StageProgress:
    assert stage.id is not None
    return stage_progress(stage, stage_facts(session, tour)[stage.id])


def tour_progress(session: Session, tour: Tour) -> TourProgress:
    facts = stage_facts(session, tour)
    stages = session.exec(
        select(Stage).where(Stage.tour_id == tour.id).order_by(col(Stage.sequence))
    ).all()
    progress = [stage_progress(s, facts[s.id]) for s in stages if s.id is not None]
    counties = []
    for county in sorted({p.county for p in progress}):
        mine = [p for p in progress if p.county == county]
        by_phase = {}
        for phase in Phase:
            rows = [next(ph for ph in p.phases if ph.phase == phase) for p in mine]
            by_phase[phase] = _percent(sum(r.done for r in rows), sum(r.total for r in rows))
        counties.append(CountyProgress(county=county, stages=len(mine), percent_by_phase=by_phase))
    order = list(Phase)
    behind = sorted(progress, key=lambda p: (order.index(p.phase), p.percent, p.date))[:MOST_BEHIND]
    now = today_in(tour.time_zone)
    at_risk = []
    for p in progress:
        days_left = (p.date - now).days
        # The report back comes after the day: it never puts a coming stage at risk.
        open_items = [
            i.key for ph in p.phases if ph.phase != Phase.report for i in ph.items if not i.done
        ]
        if 0 <= days_left <= AT_RISK_DAYS and open_items:
            at_risk.append(
                DeadlineAtRisk(
                    **StageBehind.model_validate(p, from_attributes=True).model_dump(),
                    days_left=days_left,
                    open_items=open_items,
                )
            )
    assert tour.id is not None
    return TourProgress(
        tour_id=tour.id,
        counties=counties,
        most_behind=[StageBehind.model_validate(p, from_attributes=True) for p in behind],
        deadlines_at_risk=sorted(at_risk, key=lambda r: r.days_left),
    )
