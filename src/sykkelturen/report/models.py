"""The impact report of a tour or a county, and the thank-you sheet of a partner: counts,
outlets and partners only, never a person."""

import datetime as dt

from pydantic import BaseModel, Field

from sykkelturen.activities.models import ActivityKind
from sykkelturen.coverage.models import CoverageKind
from sykkelturen.outcomes.models import ContentCredit, DistanceSource
from sykkelturen.partners.models import PartnerKind
from sykkelturen.values import IsoDate


class Figures(BaseModel):
    stages: int = Field(description="Stages planned.")
    stages_ridden: int
    stages_cancelled: int
    stages_not_reported: int = Field(description="Stages with no outcome recorded yet.")
    km_planned: float = Field(description="Along the current routes of all stages.")
    km_ridden: float = Field(description="Ridden, from the recorded outcomes.")
    passengers: int
    pilots: int
    cyclists: int
    team_members: int
    other_volunteers: int
    volunteers: int = Field(
        description="Pilots, cyclists, team members and other volunteers, per stage: "
        "someone who took part in two stages counts twice."
    )
    partners: int = Field(description="Distinct partners who contributed.")
    contribution_hours: float
    events_planned: int = Field(description="Activities not cancelled.")
    events_held: int = Field(description="Activities with an audience recorded.")
    audience_expected: int = Field(description="Expected, over the events planned.")
    audience: int = Field(description="Came, over the events held.")
    press_items: int
    content_items: int = Field(description="Reusable content (consent confirmed).")


class CountyFigures(Figures):
    county: str
    county_name: str


class Comparison(BaseModel):
    planned: float
    actual: float
    percent: float | None = Field(description="Actual as a share of planned; null when none.")


class PlanVersusActual(BaseModel):
    km: Comparison
    events: Comparison
    audience: Comparison


class WeekFigures(BaseModel):
    week: str = Field(examples=["2022-W21"], description="ISO week.")
    starts_on: IsoDate = Field(description="Its Monday.")
    stages_ridden: int
    km_planned: float
    km_ridden: float
    km_ridden_to_date: float


class StageLine(BaseModel):
    stage_id: int
    sequence: int
    date: IsoDate
    county: str
    name: str
    status: str = Field(description="`ridden`, `cancelled` or `not_reported`.")
    cancel_reason: str | None
    km_planned: float | None
    km_ridden: float | None
    distance_source: DistanceSource | None
    passengers: int
    volunteers: int
    events_held: int
    audience: int
    press_items: int


class PressLine(BaseModel):
    id: int
    stage_id: int
    sequence: int
    county: str
    outlet: str
    published_on: IsoDate
    kind: CoverageKind
    link: str | None
    headline: str


class TourReport(BaseModel):
    tour_id: int
    tour_name: str
    county: str | None = Field(description="The county this report is limited to, if any.")
    totals: Figures
    plan_versus_actual: PlanVersusActual
    counties: list[CountyFigures]
    weeks: list[WeekFigures]
    stages: list[StageLine]
    coverage: list[PressLine]
    content: list[ContentCredit]


# --- the partner's thank-you sheet -----------------------------------------------------------


class SheetContribution(BaseModel):
    stage_id: int
    sequence: int
    stage_name: str
    date: IsoDate
    what: str
    hours: float | None
    in_kind: str | None
    thanked_on: IsoDate | None


class SheetEvent(BaseModel):
    activity_id: int
    stage_id: int
    sequence: int
    stage_name: str
    date: IsoDate
    kind: ActivityKind
    title: str
    place: str | None
    expected: int | None
    came: int | None = Field(description="Null until the stage's outcome records it.")


class SheetCoverage(BaseModel):
    id: int
    stage_id: int
    outlet: str
    published_on: IsoDate
    kind: CoverageKind
    link: str | None
    headline: str


class PartnerSheetTotals(BaseModel):
    stages: int = Field(description="Stages the partner contributed to or had an event on.")
    hours: float
    events: int
    audience: int = Field(description="Came to the partner's events.")
    passengers: int = Field(description="Carried on those stages.")
    km_ridden: float = Field(description="Ridden on those stages.")
    press_items: int


class PartnerSheet(BaseModel):
    partner_id: int
    name: str
    kind: PartnerKind
    county: str
    county_name: str
    totals: PartnerSheetTotals
    contributions: list[SheetContribution]
    events: list[SheetEvent]
    coverage: list[SheetCoverage]
    generated_on: dt.date = Field(description="Today, in the tour's zone (Europe/Oslo).")
