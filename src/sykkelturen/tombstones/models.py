"""Tombstones: what was deleted from a tour's run sheet, and when, so that integrators
pulling changes (`updated_since`) drop it too instead of keeping a ghost."""

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.db import UTCDateTime, utcnow


class TombstoneType(StrEnum):
    stage = "stage"
    checkpoint = "checkpoint"
    measure = "measure"
    team_member = "team_member"
    rider = "rider"


class Tombstone(SQLModel, table=True):
    # No foreign keys: the stage and the tour may be gone too. Ids are never reused, so a
    # tombstone's id names only what was deleted.
    __table_args__ = (sa.Index("ix_tombstone_tour_id_deleted_at", "tour_id", "deleted_at"),)

    id: int | None = SQLField(default=None, primary_key=True)
    tour_id: int
    stage_id: int
    county: str = SQLField(max_length=2, description="The stage's county when deleted.")
    date: dt.date = SQLField(description="The stage's date when deleted.")
    type: str = SQLField(max_length=40)
    resource_id: int
    deleted_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)


class Deleted(BaseModel):
    type: TombstoneType
    id: int = Field(description="The id it had; never given to anything else.")
    stage_id: int = Field(description="The stage it belonged to (itself for a stage).")
    deleted_at: dt.datetime
