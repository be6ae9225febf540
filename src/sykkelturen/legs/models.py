"""Legs as the API shows them, how bodies name them, and the stored reference of an
assignment (rider, team member) to the stretch of legs it covers."""

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from sykkelturen.legs.rules import KEY_PATTERN

# How a rider's or a team member's `legs` reads, in both their schemas.
LEGS_SHOWN = (
    "The legs covered today, by key, in route order; empty for the whole stage. A part "
    "that no longer exists keeps its old key here and is listed in `changed_legs`."
)


def _not_a_number(value: Any) -> Any:
    """Legs were once named by position; a client still sending numbers is told so."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f'legs are named by key (e.g. "start-12", from GET …/legs), not by number ({value})'
        )
    return value


# The field's constraints come before the validator, so that JSON Schema keeps the pattern
# (pydantic drops constraints listed after a BeforeValidator from the schema).
LegKey = Annotated[
    str,
    Field(
        pattern=KEY_PATTERN,
        max_length=40,
        examples=["start-12", "12-15", "15-end", "start-end"],
        description="A leg's `key` from `GET /stages/{stage_id}/legs`: its bounding "
        "checkpoints, `<from>-<to>`, each `start`, `end` or a handover's checkpoint id. "
        "Any two boundaries in order name the stretch of legs between them.",
    ),
    BeforeValidator(_not_a_number),
]
LegKeys = Annotated[
    list[LegKey],
    Field(max_length=200, description="Legs this covers, by key; empty for the whole stage."),
]


class Leg(BaseModel):
    key: str = Field(
        description="The leg's name: its bounding checkpoints. Stable while they bound it; "
        "refer to legs by key.",
        examples=["12-15"],
    )
    number: int = Field(
        description="Its position today (1, 2, …), for display: it changes when handovers "
        "are added or removed."
    )
    from_checkpoint_id: int | None = Field(description="Null at the route's own start.")
    from_name: str
    to_checkpoint_id: int | None = Field(description="Null at the route's own end.")
    to_name: str
    km_from: float
    km_to: float
    distance_m: float
    ascent_m: float
    descent_m: float


class Legs(BaseModel):
    route_version: int | None
    items: list[Leg]


class ChangedLeg(BaseModel):
    key: str = Field(description="The legs as assigned, which no longer exist.")
    reason: str


class AssignedLeg(SQLModel):
    """A stretch of legs an assignment covers, named by its bounding checkpoints: the key
    as assigned, and the handover checkpoints it names (null for `start`/`end`, and once
    a checkpoint is deleted: the key still says which it was)."""

    id: int | None = SQLField(default=None, primary_key=True)
    key: str = SQLField(max_length=40)
    from_checkpoint_id: int | None = SQLField(
        default=None, foreign_key="checkpoint.id", ondelete="SET NULL", index=True
    )
    to_checkpoint_id: int | None = SQLField(
        default=None, foreign_key="checkpoint.id", ondelete="SET NULL", index=True
    )
