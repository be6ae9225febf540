"""The stage team (etappeteam): a person in a role, with responsibilities in words."""

from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import Versioned, json_column
from sykkelturen.people.models import PersonSummary
from sykkelturen.stages.models import TeamRole
from sykkelturen.values import MAX_ID, IsoDateTime

LegNumbers = Annotated[
    list[Annotated[int, Field(ge=1, le=1000)]],
    Field(max_length=200, description="Leg numbers this covers; empty for the whole stage."),
]


class TeamMember(Versioned, table=True):
    __tablename__ = "team_member"

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    person_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("person.id", ondelete="SET NULL")], index=True
    )
    role: str = SQLField(max_length=30)
    responsibilities: str | None = SQLField(default=None, max_length=2000)
    legs: list[int] = SQLField(default_factory=list, sa_column=json_column())
    erased: bool = SQLField(
        default=False, description="The person was erased; this keeps the place."
    )


class TeamMemberCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(ge=1, le=MAX_ID)
    role: TeamRole
    responsibilities: str | None = Field(
        default=None, max_length=2000, examples=["Sikkerhet ved kryssing av Rv 650"]
    )
    legs: LegNumbers = Field(default_factory=list)


class TeamMemberUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    role: TeamRole | None = None
    responsibilities: str | None = Field(default=None, max_length=2000)
    legs: LegNumbers | None = None


class TeamMemberPublic(BaseModel):
    id: int
    stage_id: int
    role: TeamRole
    responsibilities: str | None
    legs: list[int]
    person: PersonSummary | None = Field(
        description="Null when the caller may not see personal data, or the person was erased."
    )
    erased: bool
    version: int
    updated_at: IsoDateTime
