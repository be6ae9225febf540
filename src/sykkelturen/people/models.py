"""People of a county: volunteers, pilots, team members. Everything here is personal data."""

import datetime as dt

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator
from sqlmodel import Field as SQLField

from sykkelturen.audit.models import RecordedById
from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import UTCDateTime, Versioned
from sykkelturen.values import IsoDate, IsoDateTime, PhoneE164


class Person(Versioned, table=True):
    __table_args__ = (sa.UniqueConstraint("county", "email"),)

    id: int | None = SQLField(default=None, primary_key=True)
    county: str = SQLField(foreign_key="county.number", max_length=2, index=True)
    name: str = SQLField(max_length=200)
    phone: str | None = SQLField(default=None, max_length=20)
    email: str | None = SQLField(default=None, max_length=320)
    organisation: str | None = SQLField(default=None, max_length=200)
    pilot_trained: bool = False
    pilot_trained_on: IsoDate | None = None
    consent_given_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    consent_purpose: str | None = SQLField(default=None, max_length=500)
    notes: str | None = SQLField(default=None, max_length=5000)


class PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Kari Nordmann"])
    phone: PhoneE164 | None = None
    email: EmailStr | None = None
    organisation: str | None = Field(
        default=None, max_length=200, examples=["Stordal frivilligsentral"]
    )
    pilot_trained: bool = Field(
        default=False, description="Trained to pedal a rickshaw with passengers."
    )
    pilot_trained_on: IsoDate | None = None
    consent_given_at: IsoDateTime | None = Field(
        default=None, description="When consent was given (with offset)."
    )
    consent_purpose: str | None = Field(
        default=None, max_length=500, examples=["Kontakt om Sykkelturen 2026"]
    )
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> "PersonFields":
        if self.consent_given_at is not None:
            if self.consent_given_at.tzinfo is None:
                raise ValueError("consent_given_at needs a UTC offset")
            self.consent_given_at = self.consent_given_at.astimezone(dt.UTC)
        if self.pilot_trained_on is not None and not self.pilot_trained:
            raise ValueError("pilot_trained_on is given but pilot_trained is false")
        return self


class PersonCreate(RequestBody, PersonFields):
    county: str = Field(pattern=COUNTY_NUMBER_PATTERN, examples=["15"])


class PersonUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: PhoneE164 | None = None
    email: EmailStr | None = None
    organisation: str | None = Field(default=None, max_length=200)
    pilot_trained: bool | None = None
    pilot_trained_on: IsoDate | None = None
    consent_given_at: IsoDateTime | None = None
    consent_purpose: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _aware(self) -> "PersonUpdate":
        if self.consent_given_at is not None:
            if self.consent_given_at.tzinfo is None:
                raise ValueError("consent_given_at needs a UTC offset")
            self.consent_given_at = self.consent_given_at.astimezone(dt.UTC)
        return self


class PersonPublic(BaseModel):
    id: int
    county: str
    name: str
    phone: str | None
    email: str | None
    organisation: str | None
    pilot_trained: bool
    pilot_trained_on: IsoDate | None
    consent_given_at: IsoDateTime | None
    consent_purpose: str | None
    notes: str | None
    version: int
    created_at: IsoDateTime
    updated_at: IsoDateTime


class PersonSummary(RecordedById):
    """A person as shown inside a team or rider list, to callers who may see it (the audit
    log records it by id only)."""

    name: str
    phone: str | None
    email: str | None
    organisation: str | None
