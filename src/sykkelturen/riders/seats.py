"""Seats as one rule: on every leg, the passengers holding a seat (invited or confirmed)
fit in the stage's rickshaws, PASSENGERS_PER_BIKE each. Checked where it can break: a
passenger added, confirmed, moved to other legs or given the role, and a stage's bikes
lowered."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sykkelturen.legs.rules import Coverage
from sykkelturen.stages.models import PASSENGERS_PER_BIKE


@dataclass(frozen=True)
class LegLoad:
    leg: str
    passengers: int


def loads(passengers: Iterable[Coverage], legs: Sequence[str]) -> list[LegLoad]:
    """How many of the passengers ride each leg."""
    riding = list(passengers)
    return [LegLoad(leg, sum(1 for p in riding if leg in p.legs)) for leg in legs]


def overfull(passengers: Iterable[Coverage], legs: Sequence[str], bikes: int) -> list[LegLoad]:
    """The legs with more passengers than seats on `bikes` rickshaws."""
    seats = bikes * PASSENGERS_PER_BIKE
    return [load for load in loads(passengers, legs) if load.passengers > seats]
