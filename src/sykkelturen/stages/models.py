"""Stages (etapper): one day's ride in one county, in the tour's national order."""

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from sqlmodel import Field, SQLModel

from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import UTCDateTime, Versioned, json_column
from sykkelturen.values import IsoDate, IsoDateTime, LocalTime, SpeedsKmh, declare_plain_text

DEFAULT_BIKES = 6
PASSENGERS_PER_BIKE = 2


class TeamRole(StrEnum):
    stage_leader = "stage_leader"
    safety_lead = "safety_lead"
    content_producer = "content_producer"
    logistics = "logistics"
    first_aid = "first_aid"
    driver = "driver"
    host = "host"
    scout = "scout"
    sweep = "sweep"
    volunteer = "volunteer"


class TransferMode(StrEnum):
    vehicle = "vehicle"
    ferry = "ferry"
    other = "other"


class StageNeeds(BaseModel):
    """How many people the stage needs; staffing is measured against this."""

    model_config = ConfigDict(extra="forbid")

    pilots: int | None = Field(
        default=None,
        ge=0,
        le=200,
        description="Pilots pedalling the rickshaws; default one per bike.",
    )
    cyclists: int = Field(default=0, ge=0, le=5000, description="Cyclists riding behind.")
    passengers: int = Field(
        default=0, ge=0, le=400, description=f"Passengers; at most {PASSENGERS_PER_BIKE} per bike."
    )
    team: dict[TeamRole, int] = Field(
        default_factory=dict,
        description='Team roles and how many of each, e.g. {"stage_leader": 1, "first_aid": 1}.',
    )

    @field_validator("team")
    @classmethod
    def _counts_not_negative(cls, team: dict[TeamRole, int]) -> dict[TeamRole, int]:
        for role, count in team.items():
            if not 0 <= count <= 100:
                raise ValueError(f"{role}: count must be 0–100")
        return team


class TransferAfter(BaseModel):
    """The bikes travel to the next stage's start by vehicle or ferry instead of riding."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=declare_plain_text)

    mode: TransferMode
    duration_minutes: int | None = Field(default=None, ge=0, le=48 * 60)
    note: str | None = Field(default=None, max_length=1000)


class StageBase(SQLModel):
    sequence: int = Field(ge=1, le=100_000, description="National order; unique within the tour.")
    county: str = Field(
        max_length=2,
        description="County number.",
        schema_extra={"pattern": COUNTY_NUMBER_PATTERN, "examples": ["15"]},
    )
    name: str = Field(
        min_length=1, max_length=200, schema_extra={"examples": ["Valldal – Stordal"]}
    )
    date: IsoDate = Field(description="Local date of the ride; inside the county's window.")
    start_place: str | None = Field(
        default=None, max_length=200, schema_extra={"examples": ["Valldal stadion"]}
    )
    finish_place: str | None = Field(
        default=None, max_length=200, schema_extra={"examples": ["Stordal sentrum"]}
    )
    bikes: int = Field(default=DEFAULT_BIKES, ge=1, le=50, description="Rickshaw bikes riding.")
    notes: str | None = Field(default=None, max_length=5000)


class Stage(StageBase, Versioned, table=True):
    __table_args__ = (
        sa.UniqueConstraint("tour_id", "sequence"),
        sa.ForeignKeyConstraint(
            ["tour_id", "county"], ["tour_county.tour_id", "tour_county.county"]
        ),
        sa.Index("ix_stage_tour_id_date", "tour_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tour_id: int = Field(foreign_key="tour.id")
    county: str = Field(foreign_key="county.number", max_length=2)
    starts_at: IsoDateTime | None = Field(default=None, sa_type=UTCDateTime)
    speeds_kmh: list[float] = Field(sa_column=json_column())
    needs: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    transfer_after: dict[str, Any] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )
    # The day as the stage shows it, kept by the day-of log and the actual track (which
    # write them in their own transactions), so the stage's body and ETag follow the day.
    log_entries: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_log_entry_id: int | None = None
    ridden_m: float | None = None
    day_changed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class StageDay(BaseModel):
    """The stage on the day, as far as the stage itself shows it; the log and the live
    view have the rest."""

    log_entries: int = Field(description="Entries in the stage's day-of log (`…/log`).")
    last_log_entry_id: int | None = Field(description="The newest of them.")
    ridden_m: float | None = Field(
        description="The distance actually ridden, from the actual track (`…/actual-track`)."
    )
    changed_at: dt.datetime | None = Field(
        description="When the log or the actual track last changed (UTC); the run sheet's "
        "`updated_since` counts it."
    )


class StageCreate(RequestBody, StageBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    start_time: LocalTime | None = Field(
        default=None,
        description="Planned local start (tour's zone), e.g. `11:30`.",
        schema_extra={"examples": ["11:30"]},
    )
    speeds_kmh: SpeedsKmh | None = Field(default=None, description="Default: the tour's speeds.")
    needs: StageNeeds = Field(default_factory=StageNeeds)
    transfer_after: TransferAfter | None = None

    @field_validator("start_time")
    @classmethod
    def _local_time(cls, value: dt.time | None) -> dt.time | None:
        return _naive_time(value)


class StageUpdate(RequestBody, SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    sequence: int | None = Field(default=None, ge=1, le=100_000)
    county: str | None = Field(default=None, schema_extra={"pattern": COUNTY_NUMBER_PATTERN})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    date: IsoDate | None = None
    start_time: LocalTime | None = None
    start_place: str | None = Field(default=None, max_length=200)
    finish_place: str | None = Field(default=None, max_length=200)
    speeds_kmh: SpeedsKmh | None = None
    bikes: int | None = Field(default=None, ge=1, le=50)
    needs: StageNeeds | None = None
    transfer_after: TransferAfter | None = None
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("start_time")
    @classmethod
    def _local_time(cls, value: dt.time | None) -> dt.time | None:
        return _naive_time(value)


def _naive_time(value: dt.time | None) -> dt.time | None:
    if value is not None and value.tzinfo is not None:
        raise ValueError("give the local time of day without an offset, e.g. 11:30")
    return value


class StagePublic(StageBase):
    id: int
    tour_id: int
    start_time: LocalTime | None = Field(description="Planned local start time in the tour's zone.")
    starts_at: IsoDateTime | None = Field(description="The same instant with its UTC offset.")
    speeds_kmh: list[float]
    needs: StageNeeds
    transfer_after: TransferAfter | None
    day: StageDay = Field(description="The day-of log and the actual track, in short.")
    version: int
    created_at: IsoDateTime
    updated_at: IsoDateTime
