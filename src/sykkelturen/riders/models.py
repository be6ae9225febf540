"""Riders of a stage: pilots (pedal a rickshaw), cyclists (ride behind) and passengers."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import UTCDateTime, Versioned, utcnow
from sykkelturen.legs.models import LEGS_SHOWN, AssignedLeg, ChangedLeg, LegKeys
from sykkelturen.people.models import PersonSummary
from sykkelturen.values import MAX_ID, IsoDateTime


class RiderRole(StrEnum):
    pilot = "pilot"
    cyclist = "cyclist"
    passenger = "passenger"


class RiderStatus(StrEnum):
    invited = "invited"
    confirmed = "confirmed"
    declined = "declined"
    withdrawn = "withdrawn"


class Rider(Versioned, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    person_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("person.id", ondelete="SET NULL")], index=True
    )
    role: str = SQLField(max_length=20)
    status: str = SQLField(default=RiderStatus.invited, max_length=20)
    invited_by: str = SQLField(max_length=200)
    status_changed_at: IsoDateTime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)
    status_changed_by: str = SQLField(max_length=200)
    erased: bool = False


class RiderCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(ge=1, le=MAX_ID)
    role: RiderRole
    legs: LegKeys = Field(default_factory=list)
    status: RiderStatus = Field(
        default=RiderStatus.invited,
        description="`invited`, the first state, and only that: a rider is confirmed or "
        "declined afterwards (PATCH), through the same checks.",
    )


class RiderUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    role: RiderRole | None = None
    legs: LegKeys | None = None
    status: RiderStatus | None = None


class RiderLeg(AssignedLeg, table=True):
    """A stretch of legs a rider rides (none: the whole stage)."""

    __tablename__ = "rider_leg"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    rider_id: int = SQLField(foreign_key="rider.id", ondelete="CASCADE", index=True)


class RiderPublic(BaseModel):
    id: int
    stage_id: int
    role: RiderRole
    legs: list[str] = Field(description=LEGS_SHOWN)
    leg_changed: bool = Field(
        description="Part of the legs assigned no longer exists (a handover was removed or "
        "reordered): choose the legs again. Until then that part counts nowhere."
    )
    changed_legs: list[ChangedLeg]
    status: RiderStatus
    person: PersonSummary | None = Field(
        description="Null when the caller may not see personal data, or the person was erased."
    )
    erased: bool
    invited_by: str | None = Field(description="Null for callers who may not see personal data.")
    status_changed_at: IsoDateTime
    warnings: list[str]
    version: int
    updated_at: IsoDateTime
