"""The run sheet (kjøreplan): the timed itinerary of a stage, and of the whole tour."""

import datetime as dt

from pydantic import BaseModel, Field

from sykkelturen.measures.models import MeasurePublic
from sykkelturen.riders.models import RiderPublic
from sykkelturen.routes.models import Handover, HazardPublic
from sykkelturen.team.models import TeamMemberPublic
from sykkelturen.tombstones.models import Deleted


class Clock(BaseModel):
    speed_kmh: float
    arrive: dt.datetime = Field(description="Local time (tour's zone) with offset.")
    depart: dt.datetime


class RunSheetLine(BaseModel):
    checkpoint_id: int
    name: str
    kind: str
    km: float | None
    km_to_go: float | None
    dwell_minutes: int
    times: list[Clock] = Field(
        description="One per planned speed; empty without start time or route."
    )
    planned: dt.datetime | None = Field(
        default=None,
        description="Arrival at the stage's reference (middle) planned speed: what `expected` "
        "and `actual` are compared with, as in `/live`.",
    )
    expected: dt.datetime | None = Field(
        default=None, description="On the day: expected from the day-of log (see `/live`)."
    )
    actual: dt.datetime | None = Field(default=None, description="On the day: from the log.")
    delay_minutes: float | None = Field(
        default=None, description="On the day: actual or expected minus planned."
    )
    late: bool = Field(
        default=False, description="On the day: a handover expected more than the limit late."
    )


class DayTimes(BaseModel):
    """The stage on the day, from its log (the same figures as `/tours/{tour_id}/live`)."""

    status: str = Field(description="planned, waiting, riding, paused, arrived or cancelled.")
    expected_start: dt.datetime | None = Field(
        default=None, description="Before the start; moved by a late stage before it."
    )
    started_at: dt.datetime | None
    delay_minutes: float | None
    finish_expected: dt.datetime | None
    finish_actual: dt.datetime | None
    ridden_m: float | None = Field(
        default=None, description="After the stage: the distance of its actual track."
    )


class LegClock(BaseModel):
    speed_kmh: float
    start: dt.datetime
    end: dt.datetime


class RunSheetLeg(BaseModel):
    key: str = Field(description="The leg's name: its bounding checkpoints (see …/legs).")
    number: int
    from_name: str
    to_name: str
    km_from: float
    km_to: float
    distance_m: float
    ascent_m: float
    descent_m: float
    times: list[LegClock]


class RunSheetMeasure(BaseModel):
    measure: MeasurePublic
    times: list[Clock] = Field(
        description="Expected passage at its place, when it has no explicit window."
    )
    expected: dt.datetime | None = Field(
        default=None, description="On the day: the expected passage at its place."
    )
    actual: dt.datetime | None = Field(
        default=None,
        description="On the day, once passed: the passage, interpolated between log entries.",
    )
    at_risk: bool = Field(
        default=False, description="On the day: the passage lies outside the measure's window."
    )


class Contacts(BaseModel):
    team: list[TeamMemberPublic]
    riders: list[RiderPublic]


class StageRunSheet(BaseModel):
    stage_id: int
    sequence: int
    county: str
    name: str
    date: dt.date
    start_place: str | None
    finish_place: str | None
    starts_at: dt.datetime | None
    speeds_kmh: list[float]
    route_version: int | None
    route_status: str | None
    distance_m: float | None
    ascent_m: float | None
    descent_m: float | None
    lines: list[RunSheetLine]
    finish: list[Clock] = Field(description="Arrival at the finish at each speed.")
    legs: list[RunSheetLeg]
    measures: list[RunSheetMeasure] = Field(description="In time order.")
    hazards: list[HazardPublic]
    transfer_after: dict[str, object] | None
    contacts: Contacts | None = Field(
        description="Null unless the caller may see the county's personal data."
    )
    warnings: list[str]
    day: DayTimes | None = Field(
        default=None, description="Expected and actual on the day; null off the day, unlogged."
    )
    last_changed: dt.datetime = Field(
        description="The latest change to the stage or anything on it."
    )


class OverdueMeasure(BaseModel):
    measure_id: int
    stage_id: int
    sequence: int
    county: str
    title: str
    kind: str
    due_date: dt.date
    status: str


class TourRunSheet(BaseModel):
    tour_id: int
    name: str
    time_zone: str
    generated_at: dt.datetime
    stages: list[StageRunSheet]
    handovers: list[Handover]
    overdue_measures: list[OverdueMeasure]
    deleted: list[Deleted] = Field(
        description="With `updated_since`: the stages, checkpoints, measures, team members "
        "and riders deleted since (tombstones), so a client drops them too; empty without it."
    )


class PassingAgain(BaseModel):
    km: float
    distance_m: float
    times: list[Clock]


class Passing(BaseModel):
    stage_id: int
    sequence: int
    stage_name: str
    date: dt.date
    km: float
    distance_m: float = Field(description="From the given place to the nearest point of the route.")
    lat: float
    lon: float
    times: list[Clock] = Field(
        description="Expected passage at each planned speed; empty without start time."
    )
    other_passes: list[PassingAgain] = Field(
        description="Where the same stage passes within 200 m of the place again (a road "
        "ridden out and back), with km and times."
    )
    expected: dt.datetime | None = Field(
        default=None, description="On the day: the expected (or past) passage from the log."
    )
