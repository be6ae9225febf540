"""Press contacts of a county (local paper, NRK district office …) and each stage's
outreach log (phase 4: contact the local press and NRK)."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import UTCDateTime, Versioned
from sykkelturen.values import MAX_ID, AwareIsoDateTime, IsoDate, IsoDateTime, PhoneE164


class OutletKind(StrEnum):
    tv = "tv"
    radio = "radio"
    paper = "paper"
    online = "online"


class Channel(StrEnum):
    email = "email"
    phone = "phone"
    meeting = "meeting"
    press_release = "press_release"
    social = "social"
    other = "other"


class PressContact(Versioned, table=True):
    __tablename__ = "press_contact"

    id: int | None = SQLField(default=None, primary_key=True)
    county: str = SQLField(foreign_key="county.number", max_length=2, index=True)
    outlet: str = SQLField(max_length=200)
    kind: str = SQLField(max_length=20)
    contact_name: str | None = SQLField(default=None, max_length=200)
    email: str | None = SQLField(default=None, max_length=320)
    phone: str | None = SQLField(default=None, max_length=20)
    notes: str | None = SQLField(default=None, max_length=2000)


class PressContactCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(pattern=COUNTY_NUMBER_PATTERN, examples=["15"])
    outlet: str = Field(min_length=1, max_length=200, examples=["NRK Møre og Romsdal"])
    kind: OutletKind
    contact_name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: PhoneE164 | None = None
    notes: str | None = Field(default=None, max_length=2000)


class PressContactUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    outlet: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OutletKind | None = None
    contact_name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: PhoneE164 | None = None
    notes: str | None = Field(default=None, max_length=2000)


class PressContactPublic(BaseModel):
    id: int
    county: str
    outlet: str
    kind: OutletKind
    contact_name: str | None = Field(
        description="Name and ways to reach: only for those who may see them."
    )
    email: str | None
    phone: str | None
    notes: str | None
    version: int
    updated_at: IsoDateTime


class Outreach(Versioned, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    press_contact_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("press_contact.id", ondelete="SET NULL")]
    )
    contacted_at: IsoDateTime = SQLField(sa_type=UTCDateTime)
    channel: str = SQLField(max_length=20)
    offered: str | None = SQLField(default=None, max_length=2000)
    outcome: str | None = SQLField(default=None, max_length=2000)
    follow_up_on: IsoDate | None = None
    follow_up_done: bool = False


class OutreachCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    press_contact_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    contacted_at: AwareIsoDateTime = Field(description="When (with offset).")
    channel: Channel
    offered: str | None = Field(
        default=None, max_length=2000, examples=["Intervju med en passasjer (94 år)"]
    )
    outcome: str | None = Field(default=None, max_length=2000)
    follow_up_on: IsoDate | None = None
    follow_up_done: bool = False


class OutreachUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    press_contact_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    contacted_at: AwareIsoDateTime | None = None
    channel: Channel | None = None
    offered: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=2000)
    follow_up_on: IsoDate | None = None
    follow_up_done: bool | None = None


class OutreachPublic(BaseModel):
    id: int
    stage_id: int
    press_contact_id: int | None
    outlet: str | None
    contacted_at: IsoDateTime
    channel: Channel
    offered: str | None
    outcome: str | None
    follow_up_on: IsoDate | None
    follow_up_done: bool
    follow_up_due: bool = Field(description="A follow-up date today or earlier, not yet done.")
    version: int
    updated_at: IsoDateTime
