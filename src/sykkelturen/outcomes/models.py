"""What a stage achieved (phase 5, report): ridden or cancelled, the distance, passengers
by leg, the volunteers who turned up, what partners gave, and the audience per activity.

Counts only: nobody is named. Riders and team members who rode are counted from the stage's
confirmed riders and team unless the county corrects the count by hand (someone stood in).
"""

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.activities.models import ActivityKind
from sykkelturen.bodies import RequestBody
from sykkelturen.content.models import ContentKind
from sykkelturen.db import Versioned, json_column
from sykkelturen.legs.models import LegKey
from sykkelturen.partners.models import PartnerRef
from sykkelturen.values import MAX_ID, IsoDate, IsoDateTime


class OutcomeStatus(StrEnum):
    ridden = "ridden"
    cancelled = "cancelled"


class DistanceSource(StrEnum):
    """Where the ridden distance comes from, best first."""

    reported = "reported"  # given by hand: a detour or a stage cut short
    actual_track = "actual_track"  # the track recorded on the day
    planned_route = "planned_route"  # no track: the planned route, as planned
    no_route = "no_route"  # ridden, but neither a track nor a route to measure
    cancelled = "cancelled"  # not ridden: 0 km


class CountSource(StrEnum):
    reported = "reported"  # corrected by hand (people stood in, others did not come)
    planned = "planned"  # the confirmed riders, or the stage team, as planned


class StageOutcome(Versioned, table=True):
    __tablename__ = "stage_outcome"

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], unique=True
    )
    status: str = SQLField(max_length=20)
    cancel_reason: str | None = SQLField(default=None, max_length=1000)
    distance_m: float | None = SQLField(default=None, description="Only when given by hand.")
    # [{"leg": "start-12", "passengers": 4}, …]: counts, no names.
    passengers_by_leg: list[dict[str, Any]] = SQLField(
        default_factory=list, sa_column=json_column()
    )
    pilots: int | None = None  # None: the confirmed pilots
    cyclists: int | None = None  # None: the confirmed cyclists
    team_members: int | None = None  # None: the stage team
    other_volunteers: int = 0
    notes: str | None = SQLField(default=None, max_length=5000)
    lessons_learnt: str | None = SQLField(default=None, max_length=5000)


class OutcomeContribution(SQLModel, table=True):
    """What one partner gave to one stage: in hours, in kind, or both."""

    __tablename__ = "outcome_contribution"

    id: int | None = SQLField(default=None, primary_key=True)
    outcome_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage_outcome.id", ondelete="CASCADE")], index=True
    )
    partner_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("partner.id", ondelete="CASCADE")], index=True
    )
    position: int
    what: str = SQLField(max_length=500)
    hours: float | None = None
    in_kind: str | None = SQLField(default=None, max_length=500)
    thanked_on: IsoDate | None = None


class OutcomeAudience(SQLModel, table=True):
    """How many came to one activity of the stage."""

    __tablename__ = "outcome_audience"
    __table_args__ = (sa.UniqueConstraint("outcome_id", "activity_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    outcome_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage_outcome.id", ondelete="CASCADE")], index=True
    )
    activity_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("activity.id", ondelete="CASCADE")], index=True
    )
    came: int


# --- bodies ----------------------------------------------------------------------------------


class LegPassengers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leg: LegKey
    passengers: int = Field(ge=0, le=400, description="Passengers carried on the leg.")


class LegPassengersPublic(BaseModel):
    """As recorded (a separate model: the body's `leg` refuses numbers, which would split
    one schema into -Input and -Output of the same name for client generators)."""

    leg: str = Field(description="The leg's key, as in `GET …/legs` when it was recorded.")
    passengers: int


class ContributionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: int = Field(ge=1, le=MAX_ID, description="A partner of the stage's county.")
    what: str = Field(min_length=1, max_length=500, examples=["Vakter ved kryssing av Rv 650"])
    hours: float | None = Field(default=None, ge=0, le=100_000, description="Volunteer hours …")
    in_kind: str | None = Field(
        default=None, max_length=500, description="… or what was given in kind.", examples=["Kaffe"]
    )
    thanked_on: IsoDate | None = Field(
        default=None, description="When the partner was told what came of it (the thank-you)."
    )

    @model_validator(mode="after")
    def _hours_or_in_kind(self) -> "ContributionWrite":
        if self.hours is None and not self.in_kind:
            raise ValueError("give the contribution in hours, in kind, or both")
        return self


class AudienceWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: int = Field(ge=1, le=MAX_ID, description="An activity of the stage.")
    came: int = Field(ge=0, le=1_000_000, description="How many came.")


class OutcomeWrite(RequestBody):
    """The whole outcome of a stage; a PUT replaces what was recorded before."""

    model_config = ConfigDict(extra="forbid")

    status: OutcomeStatus
    cancel_reason: str | None = Field(
        default=None, min_length=1, max_length=1000, examples=["Storm: NRK varslet orkan"]
    )
    distance_km: float | None = Field(
        default=None,
        ge=0,
        le=2000,
        description="Only when the ridden distance differs from what was measured (a detour, "
        "a stage cut short); otherwise it comes from the actual track, else the planned route.",
    )
    passengers_by_leg: list[LegPassengers] = Field(default_factory=list, max_length=200)
    pilots: int | None = Field(
        default=None, ge=0, le=200, description="Pilots who rode; default: the confirmed ones."
    )
    cyclists: int | None = Field(
        default=None, ge=0, le=5000, description="Cyclists who rode; default: the confirmed ones."
    )
    team_members: int | None = Field(
        default=None, ge=0, le=500, description="Stage team who took part; default: the team."
    )
    other_volunteers: int = Field(default=0, ge=0, le=100_000)
    partner_contributions: list[ContributionWrite] = Field(default_factory=list, max_length=100)
    audience: list[AudienceWrite] = Field(default_factory=list, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    lessons_learnt: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> "OutcomeWrite":
        if self.status == OutcomeStatus.cancelled:
            if not self.cancel_reason:
                raise ValueError("a cancelled stage needs a cancel_reason")
            if self.distance_km or any(p.passengers for p in self.passengers_by_leg):
                raise ValueError("a cancelled stage has no distance and carried no passengers")
            if self.pilots or self.cyclists:
                raise ValueError("a cancelled stage had no pilots or cyclists riding")
        elif self.cancel_reason is not None:
            raise ValueError("cancel_reason is only for a cancelled stage")
        legs = [p.leg for p in self.passengers_by_leg]
        if len(legs) != len(set(legs)):
            raise ValueError("each leg once in passengers_by_leg")
        activities = [a.activity_id for a in self.audience]
        if len(activities) != len(set(activities)):
            raise ValueError("each activity once in audience")
        return self


# --- answers ---------------------------------------------------------------------------------


class Distance(BaseModel):
    km: float | None = Field(description="Ridden; null when there was nothing to measure.")
    source: DistanceSource
    planned_km: float | None = Field(description="The current planned route.")


class RiderCount(BaseModel):
    count: int
    source: CountSource
    planned: int = Field(description="Confirmed riders (or team members) when the stage ran.")


class ContributionPublic(BaseModel):
    partner: PartnerRef
    what: str
    hours: float | None
    in_kind: str | None
    thanked_on: IsoDate | None


class AudiencePublic(BaseModel):
    activity_id: int
    title: str
    kind: ActivityKind
    expected: int | None
    came: int


class ContentCredit(BaseModel):
    """Content that may be reused: its consent is confirmed, and it carries its credit."""

    id: int
    stage_id: int
    kind: ContentKind
    link: str | None
    caption: str | None
    credit: str | None
    published_where: str | None


class OutcomePublic(BaseModel):
    stage_id: int
    status: OutcomeStatus
    cancel_reason: str | None
    distance: Distance
    passengers_by_leg: list[LegPassengersPublic]
    passengers: int
    pilots: RiderCount
    cyclists: RiderCount
    team_members: RiderCount
    other_volunteers: int
    volunteers: int = Field(description="Pilots, cyclists, team members and other volunteers.")
    partner_contributions: list[ContributionPublic]
    audience: list[AudiencePublic]
    audience_expected: int = Field(description="Of the activities with an audience recorded.")
    audience_came: int
    content: list[ContentCredit] = Field(description="Reusable content of the stage.")
    notes: str | None = Field(description="Only for those who may see the county's people.")
    lessons_learnt: str | None = Field(
        description="Only for those who may see the county's people."
    )
    version: int
    updated_at: IsoDateTime
