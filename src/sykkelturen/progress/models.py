"""The five phases as a checklist computed from the data, per stage and for the tour."""

import datetime as dt

from pydantic import BaseModel, Field

from sykkelturen.progress.phases import Phase


class ChecklistItem(BaseModel):
    key: str
    label: str
    done: bool
    detail: str | None = Field(description="Why it is not done yet.")


class PhaseProgress(BaseModel):
    phase: Phase
    done: int
    total: int
    percent: float
    items: list[ChecklistItem]


class StageProgress(BaseModel):
    stage_id: int
    sequence: int
    county: str
    date: dt.date
    phase: Phase = Field(description="The first phase with an open item.")
    percent: float = Field(description="Share of all items done.")
    phases: list[PhaseProgress]


class CountyProgress(BaseModel):
    county: str
    stages: int
    percent_by_phase: dict[Phase, float]


class StageBehind(BaseModel):
    stage_id: int
    sequence: int
    county: str
    date: dt.date
    phase: Phase
    percent: float


class DeadlineAtRisk(StageBehind):
    days_left: int
    open_items: list[str]


class TourProgress(BaseModel):
    tour_id: int
    counties: list[CountyProgress] = Field(description="County × phase: percent of items done.")
    most_behind: list[StageBehind]
    deadlines_at_risk: list[DeadlineAtRisk] = Field(
        description="Stages within the next 21 days that still have open items."
    )
