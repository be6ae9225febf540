"""Run-sheet measures (tiltak): what keeps a stage safe, each reviewed by NF."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import UTCDateTime, Versioned
from sykkelturen.partners.models import PartnerRef
from sykkelturen.people.models import PersonSummary
from sykkelturen.values import MAX_ID, IsoDate, IsoDateTime

# A police notice (politiloven § 11) is due this many days before the stage, unless set.
POLICE_NOTICE_DAYS = 21


class MeasureKind(StrEnum):
    traffic_control = "traffic_control"
    road_crossing = "road_crossing"
    escort_vehicle = "escort_vehicle"
    police_notice = "police_notice"
    first_aid = "first_aid"
    rest_stop = "rest_stop"
    handover = "handover"
    transfer = "transfer"
    media = "media"
    signal_event = "signal_event"
    other = "other"


class MeasureStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


class Measure(Versioned, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    kind: str = SQLField(max_length=30)
    title: str = SQLField(max_length=200)
    description: str | None = SQLField(default=None, max_length=5000)
    checkpoint_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("checkpoint.id", ondelete="SET NULL")]
    )
    km: float | None = None
    lat: float | None = None
    lon: float | None = None
    starts_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    ends_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    responsible_person_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("person.id", ondelete="SET NULL")]
    )
    responsible_partner_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("partner.id", ondelete="SET NULL")]
    )
    responsible_name: str | None = SQLField(default=None, max_length=200)
    due_date: IsoDate | None = None
    notes: str | None = SQLField(default=None, max_length=5000)
    status: str = SQLField(default=MeasureStatus.draft, max_length=20)
    review_comment: str | None = SQLField(default=None, max_length=2000)
    submitted_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    submitted_by: str | None = SQLField(default=None, max_length=200)
    reviewed_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    reviewed_by: str | None = SQLField(default=None, max_length=200)


class MeasureFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MeasureKind
    title: str = Field(min_length=1, max_length=200, examples=["Trafikkvakt ved Linge ferjekai"])
    description: str | None = Field(default=None, max_length=5000)
    checkpoint_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Place: a checkpoint of the stage …"
    )
    km: float | None = Field(default=None, ge=0, le=2000, description="… or km along the route …")
    lat: float | None = Field(
        default=None, ge=-90, le=90, description="… or lat/lon, snapped to the route."
    )
    lon: float | None = Field(default=None, ge=-180, le=180)
    starts_at: IsoDateTime | None = Field(
        default=None,
        description="An explicit window (with offset); without it, the expected passage.",
    )
    ends_at: IsoDateTime | None = None
    responsible_person_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A person of the county …"
    )
    responsible_partner_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="… or a partner of the county …"
    )
    responsible_name: str | None = Field(
        default=None, max_length=200, description="… or a name (e.g. a partner)."
    )
    due_date: IsoDate | None = Field(
        default=None,
        description=f"Police notices default to {POLICE_NOTICE_DAYS} days before the stage.",
    )
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> "MeasureFields":
        places = sum(x is not None for x in (self.checkpoint_id, self.km, self.lat))
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if places > 1:
            raise ValueError("give the place as one of checkpoint_id, km or lat/lon")
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a UTC offset, e.g. 2026-06-03T11:30:00+02:00")
        if self.ends_at is not None and self.starts_at is None:
            raise ValueError("ends_at needs starts_at")
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValueError("ends_at is before starts_at")
        return self


class MeasureCreate(RequestBody, MeasureFields):
    pass


class MeasureUpdate(RequestBody, MeasureFields):
    kind: MeasureKind | None = None  # type: ignore[assignment]
    title: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]


class ReviewComment(RequestBody):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=2000, examples=["Mangler vakt ved rundkjøringen"])


class MeasurePublic(BaseModel):
    id: int
    stage_id: int
    kind: MeasureKind
    title: str
    description: str | None
    checkpoint_id: int | None
    km: float | None
    lat: float | None
    lon: float | None
    starts_at: IsoDateTime | None = Field(
        description="Explicit start, or null when timed by passage."
    )
    ends_at: IsoDateTime | None
    responsible_name: str | None = Field(
        description="The named responsible, or the person's name if visible."
    )
    responsible_person: PersonSummary | None
    responsible_partner: PartnerRef | None
    due_date: IsoDate | None
    overdue: bool = Field(description="Due date passed and not accepted.")
    notes: str | None
    status: MeasureStatus
    review_comment: str | None
    submitted_at: IsoDateTime | None
    reviewed_at: IsoDateTime | None
    version: int
    updated_at: IsoDateTime
