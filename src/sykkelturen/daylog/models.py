"""The day-of log of a stage: what happened on the day, as the stage leader reported it.

The log is append-only: an entry is never edited or deleted. A correction is a new entry
that names the one it replaces (`supersedes`); `retract` withdraws one without a
replacement. Entries carry the time they happened (`occurred_at`, the phone's clock) and
the time the service received them (`received_at`): a phone that was offline sends late,
and out of order.
"""

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.bodies import RequestBody
from sykkelturen.db import UTCDateTime, Versioned, json_column
from sykkelturen.routes.models import RouteStats, RouteWarning
from sykkelturen.values import MAX_ID, AwareIsoDateTime


class EntryKind(StrEnum):
    start = "start"
    passed = "pass"
    handover = "handover"
    pause = "pause"
    resume = "resume"
    arrive = "arrive"
    incident = "incident"
    resolve = "resolve"
    cancel = "cancel"
    retract = "retract"


class Severity(StrEnum):
    minor = "minor"
    serious = "serious"
    critical = "critical"


# Kinds that say where the bikes are: they carry a km once placed.
POSITION_KINDS = frozenset(
    {EntryKind.start, EntryKind.passed, EntryKind.handover, EntryKind.arrive}
)
# Kinds that need a place: a checkpoint, or a lat/lon snapped to the route.
PLACED_KINDS = frozenset({EntryKind.passed, EntryKind.handover})


class StageLogEntry(SQLModel, table=True):
    __tablename__ = "stage_log_entry"
    __table_args__ = (
        sa.UniqueConstraint("stage_id", "idempotency_key"),
        # Ids order the stream and its `Last-Event-ID`: never reused on SQLite either.
        {"sqlite_autoincrement": True},
    )

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    kind: str = SQLField(max_length=20)
    occurred_at: dt.datetime = SQLField(sa_type=UTCDateTime)
    received_at: dt.datetime = SQLField(sa_type=UTCDateTime)
    checkpoint_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("checkpoint.id", ondelete="SET NULL")]
    )
    km: float | None = None
    lat: float | None = None
    lon: float | None = None
    offset_m: float | None = None
    severity: str | None = SQLField(default=None, max_length=20)
    text: str | None = SQLField(default=None, max_length=2000)
    supersedes_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("stage_log_entry.id", ondelete="CASCADE")]
    )
    incident_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("stage_log_entry.id", ondelete="CASCADE")]
    )
    idempotency_key: str = SQLField(max_length=200)
    body_hash: str = SQLField(max_length=64)
    author_role: str = SQLField(max_length=20)
    author_name: str = SQLField(max_length=200)
    token_id: int | None = None


class LogEntryCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    kind: EntryKind
    occurred_at: AwareIsoDateTime = Field(
        description="When it happened, by the phone's clock, with its offset."
    )
    checkpoint_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Where: a checkpoint of the stage …"
    )
    lat: float | None = Field(default=None, ge=-90, le=90, description="… or a place (WGS84)")
    lon: float | None = Field(default=None, ge=-180, le=180, description="snapped to the route.")
    severity: Severity | None = Field(default=None, description="Incidents only.")
    text: str | None = Field(
        default=None, min_length=1, max_length=2000, description="What happened; incidents need it."
    )
    supersedes: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A correction: the entry this one replaces."
    )
    incident_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="`resolve`: the incident it closes."
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> "LogEntryCreate":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        has_place = self.lat is not None
        if has_place and self.checkpoint_id is not None:
            raise ValueError("give the place either as checkpoint_id or as lat and lon")
        if self.kind in PLACED_KINDS and not has_place and self.checkpoint_id is None:
            raise ValueError(f"a {self.kind} entry needs checkpoint_id or lat and lon")
        if self.kind == EntryKind.incident:
            if self.severity is None or self.text is None:
                raise ValueError("an incident needs severity and text")
        elif self.severity is not None:
            raise ValueError("severity belongs to incidents")
        if (self.kind == EntryKind.resolve) != (self.incident_id is not None):
            raise ValueError("incident_id is given with, and only with, a resolve entry")
        if self.kind == EntryKind.retract and self.supersedes is None:
            raise ValueError("a retract entry names the entry it withdraws in supersedes")
        if self.kind in (EntryKind.retract, EntryKind.resolve) and (
            has_place or self.checkpoint_id is not None
        ):
            raise ValueError(f"a {self.kind} entry has no place")
        return self


class LogEntryPublic(BaseModel):
    id: int
    stage_id: int
    kind: EntryKind
    occurred_at: dt.datetime = Field(description="When it happened (tour's zone, with offset).")
    received_at: dt.datetime = Field(description="When the service got it.")
    late: bool = Field(description="Received more than a few minutes after it happened.")
    out_of_order: bool = Field(
        description="Received after an entry that happened later (an offline phone caught up)."
    )
    checkpoint_id: int | None
    km: float | None = Field(description="Where along the route, once placed.")
    lat: float | None
    lon: float | None
    offset_m: float | None = Field(description="Distance of the given place from the route.")
    severity: Severity | None
    text: str | None = Field(
        description="Null for callers who may not see the county's personal data when the "
        "entry is an incident."
    )
    supersedes: int | None
    superseded_by: int | None = Field(description="The correction that replaced this entry.")
    incident_id: int | None
    author: str | None = Field(description="Who sent it (token name); personal data.")


class ActualTrack(Versioned, table=True):
    """The track actually ridden (GPX from a phone or bike computer), one per stage,
    uploaded after the stage. Only the line is kept: positions, elevations and times as
    read. The file itself is not, so whatever else a bike computer records (heart rate,
    cadence: health data of whoever carried it) is never stored."""

    __tablename__ = "actual_track"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], unique=True
    )
    sha256: str = SQLField(max_length=64, description="Of the GPX as uploaded (ungzipped).")
    original_filename: str | None = SQLField(default=None, max_length=255)
    note: str | None = SQLField(default=None, max_length=2000)
    uploaded_by: str = SQLField(max_length=200)
    stats: dict[str, Any] = SQLField(default_factory=dict, sa_column=json_column())
    warnings: list[dict[str, Any]] = SQLField(default_factory=list, sa_column=json_column())
    # zlib-compressed float64 rows of lat, lon, ele, seconds since the epoch (NaN: unknown).
    geometry: bytes = SQLField(sa_type=sa.LargeBinary)
    segment_starts: list[int] = SQLField(default_factory=list, sa_column=json_column())


class ActualTrackPublic(RouteStats):
    stage_id: int
    planned_distance_m: float | None = Field(
        description="The current route's distance, to compare the ridden one with."
    )
    started_at: dt.datetime | None = Field(description="The track's first time (tour's zone).")
    ended_at: dt.datetime | None = Field(description="Its last time.")
    sha256: str = Field(description="Of the GPX file as uploaded, without any gzip.")
    original_filename: str | None
    note: str | None = Field(description="Null for callers who may not see the county's people.")
    uploaded_at: dt.datetime
    uploaded_by: str | None = Field(description="Who uploaded it (token name); personal data.")
    warnings: list[RouteWarning]
