"""The stage team (etappeteam): a person in a role, with responsibilities in words."""

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField

from sykkelturen.bodies import RequestBody
from sykkelturen.db import Versioned
from sykkelturen.legs.models import LEGS_SHOWN, AssignedLeg, ChangedLeg, LegKeys
from sykkelturen.people.models import PersonSummary
from sykkelturen.stages.models import TeamRole
from sykkelturen.values import MAX_ID, IsoDateTime


class TeamMember(Versioned, table=True):
    __tablename__ = "team_member"
    # A person holds a role on a stage once (team/roles.py), also for racing writers.
    __table_args__ = (
        sa.Index(
            "uq_team_member_stage_id_person_id_role", "stage_id", "person_id", "role", unique=True
        ),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    stage_id: int = SQLField(
        sa_column_args=[sa.ForeignKey("stage.id", ondelete="CASCADE")], index=True
    )
    person_id: int | None = SQLField(
        default=None, sa_column_args=[sa.ForeignKey("person.id", ondelete="SET NULL")], index=True
    )
    role: str = SQLField(max_length=30)
    responsibilities: str | None = SQLField(default=None, max_length=2000)
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
    legs: LegKeys = Field(default_factory=list)


class TeamMemberUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    role: TeamRole | None = None
    responsibilities: str | None = Field(default=None, max_length=2000)
    legs: LegKeys | None = None


class TeamMemberLeg(AssignedLeg, table=True):
    """A stretch of legs a team member covers (none: the whole stage)."""

    __tablename__ = "team_member_leg"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    team_member_id: int = SQLField(foreign_key="team_member.id", ondelete="CASCADE", index=True)


class TeamMemberPublic(BaseModel):
    id: int
    stage_id: int
    role: TeamRole
    responsibilities: str | None
    legs: list[str] = Field(description=LEGS_SHOWN)
    leg_changed: bool = Field(
        description="Part of the legs assigned no longer exists (a handover was removed or "
        "reordered): choose the legs again. Until then that part counts nowhere."
    )
    changed_legs: list[ChangedLeg]
    person: PersonSummary | None = Field(
        description="Null when the caller may not see personal data, or the person was erased."
    )
    erased: bool
    version: int
    updated_at: IsoDateTime
