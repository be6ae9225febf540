"""Checkpoints: named places on a stage's route (start, handover, rest, …), snapped to it."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import Versioned, json_column
from sykkelturen.values import IsoDateTime


class CheckpointKind(StrEnum):
    start = "start"
    finish = "finish"
    handover = "handover"
    rest = "rest"
    meeting_point = "meeting_point"
    hazard = "hazard"
    media = "media"
    signal_event = "signal_event"
    transfer = "transfer"
    other = "other"


class Checkpoint(Versioned, table=True):
    __table_args__ = (
        # One start and one finish per stage (checkpoints/rules.py), also for racing writers.
        sa.Index(
            "uq_checkpoint_stage_id_start_finish",
            "stage_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("kind IN ('start', 'finish')"),
            postgresql_where=sa.text("kind IN ('start', 'finish')"),
        ),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    name: str = SQLField(max_length=200)
    kind: str = SQLField(max_length=20)
    lat: float
    lon: float
    km: float | None = None
    offset_m: float | None = None
    # Where else the route passes within far_from_route of lat/lon: [{"km", "offset_m"}].
    other_passes: list[dict[str, float]] = SQLField(default_factory=list, sa_column=json_column())
    dwell_minutes: int = 0
    municipality: str | None = SQLField(default=None, max_length=100)
    notes: str | None = SQLField(default=None, max_length=5000)


class CheckpointFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Overlevering: Røra"])
    kind: CheckpointKind
    dwell_minutes: int = Field(default=0, ge=0, le=24 * 60, description="Planned stop here.")
    municipality: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)


NEAR_KM_DESCRIPTION = (
    "With lat/lon, where the route passes the place more than once: the pass nearest this "
    "km (see `other_passes`). Without it the nearest pass is taken (on PATCH: the pass "
    "nearest the checkpoint's current km)."
)


class CheckpointCreate(RequestBody, CheckpointFields):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    km: float | None = Field(
        default=None,
        ge=0,
        le=2000,
        description="Or: km along the current route, kept exactly (at most its length).",
    )
    near_km: float | None = Field(default=None, ge=0, le=2000, description=NEAR_KM_DESCRIPTION)

    @model_validator(mode="after")
    def _one_position(self) -> "CheckpointCreate":
        has_point = self.lat is not None and self.lon is not None
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if has_point == (self.km is not None):
            raise ValueError("give the position either as lat and lon or as km along the route")
        if self.near_km is not None and not has_point:
            raise ValueError("near_km chooses between passes of a lat/lon; with km it is moot")
        return self


class CheckpointUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: CheckpointKind | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    km: float | None = Field(default=None, ge=0, le=2000)
    near_km: float | None = Field(default=None, ge=0, le=2000, description=NEAR_KM_DESCRIPTION)
    dwell_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    municipality: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _one_position(self) -> "CheckpointUpdate":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if self.lat is not None and self.km is not None:
            raise ValueError("give the position either as lat and lon or as km along the route")
        if self.near_km is not None and self.km is not None:
            raise ValueError("near_km chooses between passes of a lat/lon; with km it is moot")
        return self


class OtherPass(BaseModel):
    km: float
    offset_m: float


class CheckpointPublic(BaseModel):
    id: int
    stage_id: int
    name: str
    kind: CheckpointKind
    lat: float
    lon: float
    km: float | None = Field(
        description="Distance from the start of the current route; null without a route."
    )
    offset_m: float | None = Field(description="Distance from the route; null without a route.")
    other_passes: list[OtherPass] = Field(
        description="Other places where the route passes within far_from_route (200 m) of "
        "lat/lon, with their km; choose one with `near_km`."
    )
    dwell_minutes: int
    municipality: str | None
    notes: str | None
    warnings: list[str] = Field(description="E.g. far from the route.")
    version: int
    updated_at: IsoDateTime
