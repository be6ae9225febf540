"""The sums of the impact report as pure functions over one row per stage: totals, per
county, per week, plan versus actual. Nothing here reads the database."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sykkelturen.outcomes.models import DistanceSource
from sykkelturen.report.models import (
    Comparison,
    Figures,
    PlanVersusActual,
    StageLine,
    WeekFigures,
)


@dataclass(frozen=True)
class StageRow:
    """One stage's numbers, planned and (when its outcome is recorded) actual."""

    stage_id: int
    sequence: int
    date: dt.date
    county: str
    name: str
    status: str  # ridden | cancelled | not_reported
    cancel_reason: str | None = None
    planned_m: float | None = None
    ridden_m: float | None = None
    distance_source: DistanceSource | None = None
    passengers: int = 0
    pilots: int = 0
    cyclists: int = 0
    team_members: int = 0
    other_volunteers: int = 0
    partner_ids: frozenset[int] = field(default_factory=frozenset)
    hours: float = 0.0
    events_planned: int = 0
    audience_expected: int = 0
    events_held: int = 0
    audience: int = 0
    press_items: int = 0
    content_items: int = 0

    @property
    def volunteers(self) -> int:
        return self.pilots + self.cyclists + self.team_members + self.other_volunteers


def km(metres: float) -> float:
    return round(metres / 1000, 1)


def totals(rows: Iterable[StageRow]) -> Figures:
    rows = list(rows)
    return Figures(
        stages=len(rows),
        stages_ridden=sum(1 for r in rows if r.status == "ridden"),
        stages_cancelled=sum(1 for r in rows if r.status == "cancelled"),
        stages_not_reported=sum(1 for r in rows if r.status == "not_reported"),
        km_planned=km(sum(r.planned_m or 0 for r in rows)),
        km_ridden=km(sum(r.ridden_m or 0 for r in rows)),
        passengers=sum(r.passengers for r in rows),
        pilots=sum(r.pilots for r in rows),
        cyclists=sum(r.cyclists for r in rows),
        team_members=sum(r.team_members for r in rows),
        other_volunteers=sum(r.other_volunteers for r in rows),
        volunteers=sum(r.volunteers for r in rows),
        partners=len(frozenset().union(*(r.partner_ids for r in rows))),
        contribution_hours=round(sum(r.hours for r in rows), 1),
        events_planned=sum(r.events_planned for r in rows),
        events_held=sum(r.events_held for r in rows),
        audience_expected=sum(r.audience_expected for r in rows),
        audience=sum(r.audience for r in rows),
        press_items=sum(r.press_items for r in rows),
        content_items=sum(r.content_items for r in rows),
    )


def by_county(rows: Iterable[StageRow]) -> dict[str, Figures]:
    """Counties in the order their first stage rides."""
    groups: dict[str, list[StageRow]] = {}
    for row in sorted(rows, key=lambda r: r.sequence):
        groups.setdefault(row.county, []).append(row)
    return {county: totals(group) for county, group in groups.items()}


def _compare(planned: float, actual: float) -> Comparison:
    return Comparison(
        planned=planned,
        actual=actual,
        percent=round(100 * actual / planned, 1) if planned else None,
    )


def plan_versus_actual(figures: Figures) -> PlanVersusActual:
    return PlanVersusActual(
        km=_compare(figures.km_planned, figures.km_ridden),
        events=_compare(figures.events_planned, figures.events_held),
        audience=_compare(figures.audience_expected, figures.audience),
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def by_week(rows: Iterable[StageRow]) -> list[WeekFigures]:
    """Every ISO week from the first stage to the last (a week without a stage is 0)."""
    rows = list(rows)
    if not rows:
        return []
    first, last = _monday(min(r.date for r in rows)), _monday(max(r.date for r in rows))
    weeks = []
    to_date = 0.0
    monday = first
    while monday <= last:
        mine = [r for r in rows if _monday(r.date) == monday]
        ridden = sum(r.ridden_m or 0 for r in mine)
        to_date += ridden
        year, week, _ = monday.isocalendar()
        weeks.append(
            WeekFigures(
                week=f"{year}-W{week:02d}",
                starts_on=monday,
                stages_ridden=sum(1 for r in mine if r.status == "ridden"),
                km_planned=km(sum(r.planned_m or 0 for r in mine)),
                km_ridden=km(ridden),
                km_ridden_to_date=km(to_date),
            )
        )
        monday += dt.timedelta(days=7)
    return weeks


def stage_line(row: StageRow) -> StageLine:
    return StageLine(
        stage_id=row.stage_id,
        sequence=row.sequence,
        date=row.date,
        county=row.county,
        name=row.name,
        status=row.status,
        cancel_reason=row.cancel_reason,
        km_planned=km(row.planned_m) if row.planned_m is not None else None,
        km_ridden=km(row.ridden_m) if row.ridden_m is not None else None,
        distance_source=row.distance_source,
        passengers=row.passengers,
        volunteers=row.volunteers,
        events_held=row.events_held,
        audience=row.audience,
        press_items=row.press_items,
    )
