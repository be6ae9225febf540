"""Needs against who is recruited: per role, per leg, with gaps and warnings. No names."""

from pydantic import BaseModel, Field


class RoleCount(BaseModel):
    role: str = Field(description="pilot, cyclist, passenger, or a team role.")
    needed: int
    confirmed: int = Field(description="Confirmed riders; team members count once added.")
    invited: int = Field(description="Invited riders still waiting for an answer.")
    missing: int = Field(description="Needed minus confirmed, never below zero.")


class LegStaffing(BaseModel):
    key: str = Field(description="The leg's key (see `GET …/legs`).", examples=["12-15"])
    number: int = Field(description="Its position today, for display.")
    from_name: str
    to_name: str
    roles: list[RoleCount]


class StaffingIssue(BaseModel):
    code: str = Field(examples=["pilot_not_trained", "long_duty", "double_booking"])
    rider_id: int | None
    message: str


class LegChange(BaseModel):
    """An assignment whose legs no longer all exist: it counts nowhere for that part
    until the county chooses its legs again."""

    rider_id: int | None
    team_member_id: int | None
    role: str
    key: str = Field(description="The legs as assigned.")
    reason: str


class StageStaffing(BaseModel):
    stage_id: int
    sequence: int
    county: str
    roles: list[RoleCount] = Field(description="Whole stage: each role counted once per person.")
    legs: list[LegStaffing] = Field(
        description="Riders per leg (a rider for the whole stage counts on every leg)."
    )
    gaps: list[RoleCount] = Field(
        description="Roles (and the legs) where confirmed is short of need."
    )
    warnings: list[StaffingIssue]
    leg_changed: list[LegChange] = Field(
        description="Riders and team members whose legs changed under them (a handover "
        "removed or reordered)."
    )


class StageStaffingSummary(BaseModel):
    stage_id: int
    sequence: int
    name: str
    date: str
    needed: int
    confirmed: int
    invited: int
    missing: int
    percent_staffed: float


class CountyStaffing(BaseModel):
    county: str
    needed: int
    confirmed: int
    missing: int
    percent_staffed: float
    stages: list[StageStaffingSummary]


class TourStaffing(BaseModel):
    tour_id: int
    counties: list[CountyStaffing]
