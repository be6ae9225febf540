"""Gathering the impact report of a tour (or one county) and a partner's thank-you sheet
from outcomes, activities, coverage and content, in a fixed handful of queries."""

from collections import Counter
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityKind, ActivityPartner, ActivityStatus
from sykkelturen.counties.models import County
from sykkelturen.coverage import service as coverage
from sykkelturen.coverage.models import Coverage, CoverageKind, CoveragePartner
from sykkelturen.db import utcnow
from sykkelturen.outcomes import service as outcomes
from sykkelturen.outcomes.models import (
    ContentCredit,
    OutcomeContribution,
    OutcomePublic,
    StageOutcome,
)
from sykkelturen.partners.models import Partner, PartnerKind
from sykkelturen.report import figures
from sykkelturen.report.models import (
    CountyFigures,
    PartnerSheet,
    PartnerSheetTotals,
    PressLine,
    SheetContribution,
    SheetCoverage,
    SheetEvent,
    TourReport,
)
from sykkelturen.routes.models import RouteVersion
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour, TourCounty
from sykkelturen.tours.problems import TourCountyNotFound


def _county_names(session: Session, numbers: set[str]) -> dict[str, str]:
    return dict(
        session.exec(
            select(County.number, County.name).where(col(County.number).in_(numbers))
        ).all()
    )


@dataclass(frozen=True)
class Gathered:
    rows: list[figures.StageRow]  # one row of numbers per stage
    answers: dict[int, OutcomePublic]  # the recorded outcomes, as answered to the public
    coverage: list[Coverage]
    content: list[ContentCredit]  # reusable content, held with consent and credit


def gather(session: Session, stages: list[Stage]) -> Gathered:
    ids = [s.id for s in stages if s.id is not None]
    recorded = outcomes.outcomes_of(session, ids)
    data = outcomes.gather(session, ids, list(recorded.values()))
    answers = {
        stage_id: outcomes.build_public(
            next(s for s in stages if s.id == stage_id), outcome, data, visible=False
        )
        for stage_id, outcome in recorded.items()
    }
    planned_events: Counter[int] = Counter()
    expected: Counter[int] = Counter()
    for activity in data.activities.values():
        if activity.status != ActivityStatus.cancelled:
            planned_events[activity.stage_id] += 1
            expected[activity.stage_id] += activity.expected_audience or 0
    items = coverage.of_stages(session, ids)
    press = Counter(i.stage_id for i in items)
    rows = []
    for stage in stages:
        assert stage.id is not None
        answer = answers.get(stage.id)
        planned = figures.StageRow(
            stage_id=stage.id,
            sequence=stage.sequence,
            date=stage.date,
            county=stage.county,
            name=stage.name,
            status="not_reported",
            planned_m=data.planned_m.get(stage.id),
            events_planned=planned_events[stage.id],
            audience_expected=expected[stage.id],
            press_items=press[stage.id],
            content_items=len(data.content.get(stage.id, [])),
        )
        if answer is None:
            rows.append(planned)
            continue
        rows.append(
            replace(
                planned,
                status=answer.status,
                cancel_reason=answer.cancel_reason,
                ridden_m=answer.distance.km * 1000 if answer.distance.km is not None else None,
                distance_source=answer.distance.source,
                passengers=answer.passengers,
                pilots=answer.pilots.count,
                cyclists=answer.cyclists.count,
                team_members=answer.team_members.count,
                other_volunteers=answer.other_volunteers,
                partner_ids=frozenset(c.partner.id for c in answer.partner_contributions),
                hours=sum(c.hours or 0 for c in answer.partner_contributions),
                events_held=len(answer.audience),
                audience=answer.audience_came,
            )
        )
    content = [outcomes.credit(i) for s in stages for i in data.content.get(s.id or 0, [])]
    return Gathered(rows=rows, answers=answers, coverage=items, content=content)


def require_county(session: Session, tour: Tour, county: str) -> None:
    taking_part = session.exec(
        select(TourCounty).where(TourCounty.tour_id == tour.id, TourCounty.county == county)
    ).first()
    if taking_part is None:
        raise TourCountyNotFound(f"County {county} is not part of tour {tour.id}.")


def tour_report(session: Session, *, tour: Tour, county: str | None) -> TourReport:
    if county is not None:
        require_county(session, tour, county)
    statement = select(Stage).where(Stage.tour_id == tour.id)
    if county is not None:
        statement = statement.where(Stage.county == county)
    stages = list(session.exec(statement.order_by(col(Stage.sequence))).all())
    gathered = gather(session, stages)
    rows = gathered.rows
    names = _county_names(session, {s.county for s in stages})
    totals = figures.totals(rows)
    by_stage = {s.id: s for s in stages}
    assert tour.id is not None
    return TourReport(
        tour_id=tour.id,
        tour_name=tour.name,
        county=county,
        totals=totals,
        plan_versus_actual=figures.plan_versus_actual(totals),
        counties=[
            CountyFigures(county=number, county_name=names.get(number, number), **f.model_dump())
            for number, f in figures.by_county(rows).items()
        ],
        weeks=figures.by_week(rows),
        stages=[figures.stage_line(r) for r in rows],
        coverage=[
            PressLine(
                id=i.id,
                stage_id=i.stage_id,
                sequence=by_stage[i.stage_id].sequence,
                county=by_stage[i.stage_id].county,
                outlet=i.outlet,
                published_on=i.published_on,
                kind=CoverageKind(i.kind),
                link=i.link,
                headline=i.headline,
            )
            for i in gathered.coverage
            if i.id is not None
        ],
        content=gathered.content,
    )


def route_lines(session: Session, stage_ids: list[int]) -> dict[int, list[list[float]]]:
    """The simplified map line ([lon, lat, …] points) of each stage's current route."""
    rows = session.exec(
        select(RouteVersion.stage_id, RouteVersion.map_line)
        .where(col(RouteVersion.stage_id).in_(stage_ids))
        .order_by(col(RouteVersion.stage_id), col(RouteVersion.number))
    ).all()
    return {stage_id: list(line) for stage_id, line in rows}


# --- the partner's thank-you sheet -----------------------------------------------------------


def partner_sheet(session: Session, partner: Partner) -> PartnerSheet:
    assert partner.id is not None
    contributions = session.exec(
        select(OutcomeContribution, StageOutcome.stage_id)
        .join(StageOutcome, col(StageOutcome.id) == col(OutcomeContribution.outcome_id))
        .where(OutcomeContribution.partner_id == partner.id)
    ).all()
    events = session.exec(
        select(Activity)
        .join(ActivityPartner, col(ActivityPartner.activity_id) == col(Activity.id))
        .where(
            ActivityPartner.partner_id == partner.id, Activity.status != ActivityStatus.cancelled
        )
    ).all()
    mentioned = session.exec(
        select(Coverage)
        .join(CoveragePartner, col(CoveragePartner.coverage_id) == col(Coverage.id))
        .where(CoveragePartner.partner_id == partner.id)
        .order_by(col(Coverage.published_on), col(Coverage.id))
    ).all()
    stage_ids = sorted({stage_id for _, stage_id in contributions} | {a.stage_id for a in events})
    stages = list(
        session.exec(
            select(Stage).where(col(Stage.id).in_(stage_ids)).order_by(col(Stage.sequence))
        ).all()
    )
    by_id = {s.id: s for s in stages}
    gathered = gather(session, stages)
    rows = gathered.rows
    came = {a.activity_id: a.came for answer in gathered.answers.values() for a in answer.audience}
    zone = ZoneInfo(_zone(session, stages))
    sheet_contributions = sorted(
        (
            SheetContribution(
                stage_id=stage_id,
                sequence=by_id[stage_id].sequence,
                stage_name=by_id[stage_id].name,
                date=by_id[stage_id].date,
                what=c.what,
                hours=c.hours,
                in_kind=c.in_kind,
                thanked_on=c.thanked_on,
            )
            for c, stage_id in contributions
        ),
        key=lambda c: (c.sequence, c.what),
    )
    sheet_events = sorted(
        (
            SheetEvent(
                activity_id=a.id,
                stage_id=a.stage_id,
                sequence=by_id[a.stage_id].sequence,
                stage_name=by_id[a.stage_id].name,
                date=by_id[a.stage_id].date,
                kind=ActivityKind(a.kind),
                title=a.title,
                place=a.place_name,
                expected=a.expected_audience,
                came=came.get(a.id),
            )
            for a in events
            if a.id is not None
        ),
        key=lambda e: (e.sequence, e.activity_id),
    )
    return PartnerSheet(
        partner_id=partner.id,
        name=partner.name,
        kind=PartnerKind(partner.kind),
        county=partner.county,
        county_name=_county_names(session, {partner.county}).get(partner.county, partner.county),
        totals=PartnerSheetTotals(
            stages=len(stages),
            hours=round(sum(c.hours or 0 for c in sheet_contributions), 1),
            events=len(sheet_events),
            audience=sum(e.came or 0 for e in sheet_events),
            passengers=sum(r.passengers for r in rows),
            km_ridden=figures.km(sum(r.ridden_m or 0 for r in rows)),
            press_items=len(mentioned),
        ),
        contributions=sheet_contributions,
        events=sheet_events,
        coverage=[
            SheetCoverage(
                id=i.id,
                stage_id=i.stage_id,
                outlet=i.outlet,
                published_on=i.published_on,
                kind=CoverageKind(i.kind),
                link=i.link,
                headline=i.headline,
            )
            for i in mentioned
            if i.id is not None
        ],
        generated_on=utcnow().astimezone(zone).date(),
    )


def _zone(session: Session, stages: list[Stage]) -> str:
    if stages:
        tour = session.get(Tour, stages[0].tour_id)
        if tour is not None:
            return tour.time_zone
    return "Europe/Oslo"
