"""The live view of a tour on the day: where the bikes are, how late, what is at risk."""

import datetime as dt

from pydantic import BaseModel, Field

from sykkelturen.daylog.models import LogEntryPublic, Severity


class LivePlace(BaseModel):
    checkpoint_id: int | None = Field(description="Null for the route's end without a finish.")
    name: str
    kind: str
    km: float
    planned: dt.datetime = Field(description="At the stage's reference (middle) planned speed.")
    expected: dt.datetime | None = Field(description="Null once passed.")
    actual: dt.datetime | None = Field(description="From the log, once passed.")
    passed: bool
    delay_minutes: float | None = Field(description="Actual or expected minus planned.")
    late: bool = Field(description="A handover expected more than the limit late.")


class LivePosition(BaseModel):
    km: float
    lat: float | None
    lon: float | None
    extrapolated: bool = Field(
        description="Estimated along the route from the last entry at the observed pace."
    )


class LiveIncident(BaseModel):
    entry_id: int
    occurred_at: dt.datetime
    severity: Severity
    km: float | None
    text: str | None = Field(description="Null for callers who may not see incident details.")


class LiveMeasure(BaseModel):
    measure_id: int
    title: str
    kind: str
    km: float
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    passage: dt.datetime | None = Field(
        description="Expected passage, or when passed, interpolated between log entries."
    )
    passed: bool
    at_risk: bool = Field(description="The passage lies outside the measure's window.")


class LiveStage(BaseModel):
    stage_id: int
    sequence: int
    county: str
    name: str
    date: dt.date
    status: str = Field(description="planned, waiting, riding, paused, arrived or cancelled.")
    pace_kmh: float = Field(description="Observed so far (bounded by the planned speeds).")
    pace_observed: bool = Field(description="False while the reference speed stands in.")
    planned_start: dt.datetime
    expected_start: dt.datetime | None
    started_at: dt.datetime | None
    last_entry: LogEntryPublic | None
    position: LivePosition
    delay_minutes: float | None = Field(description="At the next place ahead, or the finish.")
    next_handover: LivePlace | None
    finish: LivePlace
    places: list[LivePlace]
    open_incidents: list[LiveIncident]
    measures_at_risk: list[LiveMeasure]
    measures: list[LiveMeasure] = Field(description="Every measure with a time window.")
    ridden_m: float | None = Field(
        default=None, description="After the stage: the distance of its actual track."
    )


class TourLive(BaseModel):
    tour_id: int
    name: str
    time_zone: str
    now: dt.datetime
    date: dt.date = Field(description="Today in the tour's zone.")
    handover_late_minutes: int = Field(description="When a handover counts as late.")
    last_entry_id: int | None = Field(
        description="The newest log entry of the tour: the stream resumes after it."
    )
    stages: list[LiveStage] = Field(
        description="Today's stages with a start time and a route, in national order."
    )


class DayFlag(BaseModel):
    """A derived change on the day, as the audit log records it: a handover flagged late, a
    measure's window at risk, a stage's delay past the limit (`on`), or cleared again."""

    stage_id: int
    flag: str = Field(description="handover_late, measure_at_risk or stage_delayed.")
    on: bool
    checkpoint_id: int | None = None
    measure_id: int | None = None
    delay_minutes: float | None = None
    expected: dt.datetime | None = Field(
        default=None, description="The expected (or passed) time that set the flag."
    )
    entry_id: int = Field(description="The log entry whose arrival changed it.")
