"""Activities along the route (phase 2) and signal events (phase 4): who does what, where
and when, and whether the public may know."""

from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.bodies import RequestBody
from sykkelturen.db import UTCDateTime, Versioned
from sykkelturen.partners.models import PartnerRef
from sykkelturen.people.models import PersonSummary
from sykkelturen.values import MAX_ID, IsoDate, IsoDateTime


class ActivityKind(StrEnum):
    activity = "activity"
    signal_event = "signal_event"
    food_stop = "food_stop"
    entertainment = "entertainment"
    meeting_place = "meeting_place"
    other = "other"


class ActivityStatus(StrEnum):
    idea = "idea"
    planned = "planned"
    confirmed = "confirmed"
    done = "done"
    cancelled = "cancelled"


class Activity(Versioned, table=True):
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
    place_name: str | None = SQLField(default=None, max_length=200)
    starts_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    ends_at: IsoDateTime | None = SQLField(default=None, sa_type=UTCDateTime)
    minutes_from_passage: int | None = None
    duration_minutes: int | None = None
    status: str = SQLField(default=ActivityStatus.idea, max_length=20)
    expected_audience: int | None = None
    public: bool = False


class ActivityPartner(SQLModel, table=True):
    """A partner responsible for an activity; the row goes with either of them."""

    __tablename__ = "activity_partner"

    activity_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("activity.id", ondelete="CASCADE")], primary_key=True
    )
    partner_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("partner.id", ondelete="CASCADE")],
        primary_key=True,
        index=True,
    )


class ActivityPerson(SQLModel, table=True):
    """A person responsible for an activity; the row goes with either (erasure included)."""

    __tablename__ = "activity_person"

    activity_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("activity.id", ondelete="CASCADE")], primary_key=True
    )
    person_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("person.id", ondelete="CASCADE")],
        primary_key=True,
        index=True,
    )


Ids = list[int]


class ActivityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind
    title: str = Field(min_length=1, max_length=200, examples=["Kaffe og vafler på Syltetorget"])
    description: str | None = Field(default=None, max_length=5000)
    checkpoint_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Place: a checkpoint of the stage …"
    )
    km: float | None = Field(default=None, ge=0, le=2000, description="… or km along the route.")
    place_name: str | None = Field(default=None, max_length=200)
    starts_at: IsoDateTime | None = Field(
        default=None, description="An explicit time (with offset) …"
    )
    ends_at: IsoDateTime | None = None
    minutes_from_passage: int | None = Field(
        default=None,
        ge=-24 * 60,
        le=24 * 60,
        description="… or minutes before (-) or after the passage.",
    )
    duration_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    partner_ids: Ids = Field(
        default_factory=list, max_length=20, description="Responsible partners."
    )
    person_ids: Ids = Field(default_factory=list, max_length=20, description="Responsible people.")
    expected_audience: int | None = Field(default=None, ge=0, le=1_000_000)
    public: bool = Field(default=False, description="Listed in the public events of the tour.")

    @model_validator(mode="after")
    def _consistent(self) -> "ActivityFields":
        if self.checkpoint_id is not None and self.km is not None:
            raise ValueError("give the place as a checkpoint or as km, not both")
        if self.starts_at is not None and self.minutes_from_passage is not None:
            raise ValueError("give the time explicitly or relative to the passage, not both")
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a UTC offset")
        if self.ends_at is not None and (self.starts_at is None or self.ends_at < self.starts_at):
            raise ValueError("ends_at needs an earlier starts_at")
        return self


class ActivityCreate(RequestBody, ActivityFields):
    status: ActivityStatus = Field(
        default=ActivityStatus.idea,
        description="`idea`, the first state, and only that: an activity moves on with PATCH.",
    )


class ActivityUpdate(RequestBody, ActivityFields):
    kind: ActivityKind | None = None  # type: ignore[assignment]
    title: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    partner_ids: Ids | None = Field(default=None, max_length=20)  # type: ignore[assignment]
    person_ids: Ids | None = Field(default=None, max_length=20)  # type: ignore[assignment]
    public: bool | None = None  # type: ignore[assignment]
    status: ActivityStatus | None = None


class ActivityPublic(BaseModel):
    id: int
    stage_id: int
    kind: ActivityKind
    title: str
    description: str | None
    checkpoint_id: int | None
    km: float | None
    place_name: str | None
    starts_at: IsoDateTime | None = Field(
        description="Explicit, or from the passage at the slowest speed."
    )
    ends_at: IsoDateTime | None
    minutes_from_passage: int | None
    partners: list[PartnerRef]
    people: list[PersonSummary] | None = Field(
        description="Null unless the caller may see the county's people."
    )
    status: ActivityStatus
    expected_audience: int | None
    public: bool
    version: int
    updated_at: IsoDateTime


class Event(BaseModel):
    """A public activity or signal event, as the press and the public see it."""

    activity_id: int
    stage_id: int
    sequence: int
    stage_name: str
    county: str
    date: IsoDate
    kind: ActivityKind
    kind_label: str = Field(description="The kind in the asked language (bokmål or nynorsk).")
    title: str
    description: str | None
    place: str | None
    starts_at: IsoDateTime | None = Field(
        description="Explicit, or from the passage at the slowest speed; to the minute."
    )
    ends_at: IsoDateTime | None
    status: ActivityStatus
    status_label: str = Field(description="The status in the asked language.")
    updated_at: IsoDateTime
