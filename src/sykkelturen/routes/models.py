"""Route versions: each accepted GPX upload of a stage, with its stats and status."""

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.db import UTCDateTime, json_column, utcnow


class RouteStatus(StrEnum):
    draft = "draft"  # uploaded
    reported = "reported"  # phase 1: reported to NF
    final = "final"  # phase 3: quality-assured


class RouteVersion(SQLModel, table=True):
    __tablename__ = "route_version"
    __table_args__ = (
        sa.UniqueConstraint("stage_id", "number"),
        # The run sheet's read of each current version, without touching a row (whose
        # columns after `original_gz` SQLite reaches only through the file's pages).
        sa.Index(
            "ix_route_version_current",
            "stage_id",
            "number",
            "status",
            "sha256",
            "uploaded_at",
            "reported_at",
            "finalized_at",
        ),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    number: int
    status: str = SQLField(default=RouteStatus.draft, max_length=20)
    sha256: str = SQLField(max_length=64)
    original_gz: bytes = SQLField(sa_type=sa.LargeBinary)
    original_size: int
    original_filename: str | None = SQLField(default=None, max_length=255)
    original_media_type: str = SQLField(max_length=100)
    note: str | None = SQLField(default=None, max_length=2000)
    uploaded_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)
    uploaded_by: str = SQLField(max_length=200)
    reported_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    reported_by: str | None = SQLField(default=None, max_length=200)
    finalized_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    finalized_by: str | None = SQLField(default=None, max_length=200)
    name: str | None = SQLField(default=None, max_length=500)
    stats: dict[str, Any] = SQLField(default_factory=dict, sa_column=json_column())
    warnings: list[dict[str, Any]] = SQLField(default_factory=list, sa_column=json_column())
    # Full resolution for analysis: zlib-compressed float64 rows of lat, lon, ele, metres.
    geometry: bytes = SQLField(sa_type=sa.LargeBinary)
    # The upload's own times (zlib-compressed float64 seconds since the epoch, NaN where a
    # point has none), or null when it had none; and where each of its segments starts.
    # Versions stored before these existed have null for both: one segment, no times.
    point_times: bytes | None = SQLField(default=None, sa_type=sa.LargeBinary)
    segment_starts: list[int] | None = SQLField(default=None, sa_column=json_column(nullable=True))
    # Simplified for maps: [[lon, lat, ele?], ...] at SIMPLIFY_MAP_M.
    map_line: list[list[float]] = SQLField(default_factory=list, sa_column=json_column())


class Position(BaseModel):
    lat: float
    lon: float


class Bounds(BaseModel):
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float


class RouteWarning(BaseModel):
    code: str = Field(examples=["segment_gap"])
    message: str
    km: float | None = Field(
        default=None, description="Where along the route, when it has a place."
    )
    lat: float | None = None
    lon: float | None = None


class RouteStats(BaseModel):
    point_count: int
    distance_m: float = Field(description="Along the joined line, geodesic on the WGS84 ellipsoid.")
    ascent_m: float = Field(description="Sum of rises after smoothing (see `smoothing`).")
    descent_m: float
    ascent_raw_m: float = Field(description="Sum of rises between points as recorded.")
    descent_raw_m: float
    smoothing: str
    min_elevation_m: float | None
    max_elevation_m: float | None
    elevation_coverage: float = Field(description="Share of points with an elevation, 0–1.")
    bounds: Bounds
    start: Position
    end: Position
    has_times: bool
    duration_s: float | None = Field(description="Recorded duration, first to last timestamp.")
    source: str = Field(description="`track` or `route` (a file with only route points).")
    segments: int


class RouteVersionPublic(RouteStats):
    version: int
    status: RouteStatus
    name: str | None
    note: str | None
    sha256: str = Field(description="SHA-256 of the GPX content (after any gzip is undone).")
    original_size: int
    original_filename: str | None
    uploaded_at: dt.datetime
    uploaded_by: str
    reported_at: dt.datetime | None
    reported_by: str | None
    finalized_at: dt.datetime | None
    finalized_by: str | None
    warnings: list[RouteWarning]


class UploadResult(RouteVersionPublic):
    created: bool = Field(description="False when the same file was already the current version.")
    checkpoints_imported: int = Field(
        description="Waypoints imported as checkpoints (?waypoints=import)."
    )


class ProfilePoint(BaseModel):
    km: float
    ele: float


class Profile(BaseModel):
    version: int
    distance_m: float
    min_elevation_m: float | None
    max_elevation_m: float | None
    points: list[ProfilePoint]


class HazardPublic(BaseModel):
    kind: str = Field(description="`climb` or `descent`.")
    km_from: float
    km_to: float
    length_m: float
    average_grade_percent: float
    steepest_grade_percent: float = Field(description="Steepest 100 m window inside the stretch.")


class Hazards(BaseModel):
    version: int
    threshold_percent: float
    window_m: float
    min_length_m: float
    items: list[HazardPublic]


class Handover(BaseModel):
    from_stage_id: int
    from_sequence: int
    to_stage_id: int
    to_sequence: int
    gap_m: float | None = Field(
        description="From the finish of one route to the start of the next."
    )
    transfer: dict[str, Any] | None = Field(
        description="The stage's declared transfer to the next."
    )
    flagged: bool = Field(description="A gap over the threshold that no transfer covers.")
    reason: str | None
