"""Calendar subscriptions: a secret URL a phone's calendar polls without a token, for one
person's assignments or for a stage team's plan. Only a hash of the secret is kept."""

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import Versioned
from sykkelturen.texts import Lang


class FeedKind(StrEnum):
    person = "person"  # the person's team and rider assignments
    stage_team = "stage_team"  # the stage's plan as its team sees it: places, measures, activities


class CalendarSubscription(Versioned, table=True):
    __tablename__ = "calendar_subscription"
    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (stage_id IS NULL)", name="person_or_stage"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    secret_hash: str = SQLField(max_length=64, unique=True)
    prefix: str = SQLField(max_length=16)
    person_id: int | None = SQLField(
        default=None,
        sa_column_args=[sa.ForeignKey("person.id", ondelete="CASCADE")],
        index=True,
    )
    stage_id: int | None = SQLField(
        default=None,
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")],
        index=True,
    )
    label: str | None = SQLField(default=None, max_length=200)
    lang: str = SQLField(default=Lang.nb, max_length=2)
    created_by: str = SQLField(max_length=200)


class SubscriptionCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(
        default=None, max_length=200, description="Whose phone it is for, e.g. `Karis mobil`."
    )
    lang: Lang = Field(
        default=Lang.nb, description="The feed's language: `nb` (bokmål) or `nn` (nynorsk)."
    )


class SubscriptionPublic(BaseModel):
    id: int
    kind: FeedKind
    person_id: int | None
    stage_id: int | None
    label: str | None
    lang: Lang
    prefix: str = Field(description="The secret's first characters, to tell feeds apart.")
    created_at: dt.datetime
    created_by: str
    version: int


class SubscriptionCreated(SubscriptionPublic):
    url: str = Field(
        description="The feed to subscribe to (`https://…/calendar-feeds/<secret>.ics`). "
        "Shown only in this response: the service keeps only a hash of the secret."
    )
    webcal_url: str = Field(description="The same feed as `webcal://`, which phones open.")
