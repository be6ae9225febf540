"""The four workshop phases and the rule that places a stage in one, as a pure table.

A stage is in the first phase whose checklist is not yet complete; items are computed from
the data, never ticked by hand. The engage, prepare and promote checklists need data that
later parts of the service add (activities, partners, team, riders, measures, press); until
then their items are open, so a stage that has finished planning is in `engage`.
"""

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    plan = "plan"
    engage = "engage"
    prepare = "prepare"
    promote = "promote"


@dataclass(frozen=True)
class StageFacts:
    """What the phase rules read about one stage."""

    route_status: str | None  # of the current route version; None without a route
    checkpoint_kinds: frozenset[str]


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    done: bool


def plan_items(facts: StageFacts) -> list[Item]:
    return [
        Item("route_uploaded", "The route is uploaded", facts.route_status is not None),
        Item(
            "route_reported",
            "The route is reported to NF",
            facts.route_status in ("reported", "final"),
        ),
        Item(
            "start_and_finish",
            "Start and finish checkpoints are set",
            {"start", "finish"} <= facts.checkpoint_kinds,
        ),
    ]


def engage_items(facts: StageFacts) -> list[Item]:
    # Activities with a responsible partner or person arrive with the engagement part.
    return [
        Item("activity_with_responsible", "An activity has a responsible partner or person", False)
    ]


CHECKLISTS = {Phase.plan: plan_items, Phase.engage: engage_items}


def phase_of(facts: StageFacts) -> Phase:
    for phase, checklist in CHECKLISTS.items():
        if not all(item.done for item in checklist(facts)):
            return phase
    return Phase.promote
