"""Access tokens: random secrets shown once, stored only as a SHA-256 hash."""

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sykkelturen.bodies import RequestBody
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.security import Role


class TokenCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who or what holds it.")
    role: Role
    counties: list[str] = Field(
        default_factory=list,
        max_length=30,
        description="County numbers a `county` token may write in; empty for other roles.",
    )
    personal_data: bool = Field(
        default=False,
        description="Grant a `reader` token access to personal data (names, phones, e-mails).",
    )
    stage_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="A `stage_day` token's stage: it writes that stage's day-of log on the "
        "stage's date, nothing else.",
    )

    @model_validator(mode="after")
    def _role_fits(self) -> "TokenCreate":
        for number in self.counties:
            if not re.fullmatch(COUNTY_NUMBER_PATTERN, number):
                raise ValueError(f"county {number!r} is not a two-digit county number")
        if self.role == Role.county and not self.counties:
            raise ValueError("a county token needs at least one county")
        if self.role != Role.county and self.counties:
            raise ValueError(f"a {self.role} token takes no counties")
        if self.personal_data and self.role != Role.reader:
            raise ValueError(
                "personal_data is a grant for reader tokens; other roles have their own rules"
            )
        if (self.role == Role.stage_day) != (self.stage_id is not None):
            raise ValueError("stage_id is given with, and only with, a stage_day token")
        self.counties = sorted(set(self.counties))
        return self


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    counties: list[str]
    personal_data: bool
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    stage_id: int | None = Field(description="A stage-day token's stage; null otherwise.")


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret. Shown only in this response; store it now.")


class Me(BaseModel):
    role: str = Field(description="national, county, reader or anonymous.")
    name: str | None
    token_id: int | None
    counties: list[str] = Field(description="Counties this caller may write in.")
    personal_data: bool = Field(description="Whether this caller may see personal data.")
