"""The workshop phases (the handbook's four and the report back) and the rule that places
a stage in one, as pure functions.

A stage is in the first phase whose checklist is not complete; every item is computed
from the data, never ticked by hand. `StageFacts` is what the rules read; the stage
service gathers it for a whole tour in a handful of queries.
"""

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    plan = "plan"
    engage = "engage"
    prepare = "prepare"
    promote = "promote"
    report = "report"


@dataclass(frozen=True)
class StageFacts:
    route_status: str | None  # of the current route version; None without a route
    checkpoint_kinds: frozenset[str]
    activities_with_responsible: int = 0
    activities_with_partner: int = 0
    team_short: tuple[str, ...] = ()  # team roles with fewer members than needed
    riders_short: tuple[str, ...] = ()  # rider roles with fewer confirmed than needed
    measure_statuses: tuple[str, ...] = ()
    police_notice_in_time: bool = False
    signal_event_decided: bool = False
    outreach: int = 0
    content: int = 0
    outcome_recorded: bool = False
    coverage: int = 0
    partners_to_tell: int = 0  # partners who contributed or are named by an activity
    partners_told: int = 0  # of those, how many were thanked on a recorded contribution


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    done: bool
    detail: str | None = None


def plan_items(facts: StageFacts) -> list[Item]:
    return [
        Item(
            "route_uploaded",
            "The route is uploaded",
            facts.route_status is not None,
            None if facts.route_status else "No route yet.",
        ),
        Item(
            "route_reported",
            "The route is reported to NF",
            facts.route_status in ("reported", "final"),
            None
            if facts.route_status in ("reported", "final")
            else f"Route status: {facts.route_status or 'none'}.",
        ),
        Item(
            "start_and_finish",
            "Start and finish checkpoints are set",
            {"start", "finish"} <= facts.checkpoint_kinds,
            None
            if {"start", "finish"} <= facts.checkpoint_kinds
            else "Missing: "
            + ", ".join(sorted({"start", "finish"} - facts.checkpoint_kinds))
            + ".",
        ),
    ]


def engage_items(facts: StageFacts) -> list[Item]:
    return [
        Item(
            "activity_with_responsible",
            "An activity has a responsible partner or person",
            facts.activities_with_responsible > 0,
            None if facts.activities_with_responsible else "No activity has one.",
        ),
        Item(
            "partners_linked",
            "Partners are linked to activities",
            facts.activities_with_partner > 0,
            None if facts.activities_with_partner else "No activity names a partner.",
        ),
    ]


def prepare_items(facts: StageFacts) -> list[Item]:
    statuses = facts.measure_statuses
    submitted = bool(statuses) and all(s in ("submitted", "accepted") for s in statuses)
    accepted = bool(statuses) and all(s == "accepted" for s in statuses)
    return [
        Item(
            "team_filled",
            "Team roles are filled to need",
            not facts.team_short,
            "Short: " + ", ".join(facts.team_short) + "." if facts.team_short else None,
        ),
        Item(
            "riders_confirmed",
            "Pilots, cyclists and passengers are confirmed to need",
            not facts.riders_short,
            "Short: " + ", ".join(facts.riders_short) + "." if facts.riders_short else None,
        ),
        Item(
            "route_final",
            "The route is final",
            facts.route_status == "final",
            None
            if facts.route_status == "final"
            else f"Route status: {facts.route_status or 'none'}.",
        ),
        Item(
            "measures_submitted",
            "Run-sheet measures are submitted",
            submitted,
            None
            if submitted
            else ("No measures yet." if not statuses else "Some are still drafts or returned."),
        ),
        Item(
            "measures_accepted",
            "Run-sheet measures are accepted by NF",
            accepted,
            None if accepted else "Not all measures are accepted.",
        ),
        Item(
            "police_notice_in_time",
            "A police notice is accepted in time",
            facts.police_notice_in_time,
            None if facts.police_notice_in_time else "No police notice accepted by its due date.",
        ),
    ]


def promote_items(facts: StageFacts) -> list[Item]:
    return [
        Item(
            "signal_event_decided",
            "A signal event is decided",
            facts.signal_event_decided,
            None if facts.signal_event_decided else "No signal event planned.",
        ),
        Item(
            "press_contacted",
            "The press is contacted",
            facts.outreach > 0,
            None if facts.outreach else "No outreach logged.",
        ),
        Item(
            "content_produced",
            "Content is produced",
            facts.content > 0,
            None if facts.content else "No content yet.",
        ),
    ]


def report_items(facts: StageFacts) -> list[Item]:
    untold = facts.partners_to_tell - facts.partners_told
    return [
        Item(
            "outcome_recorded",
            "The outcome is recorded",
            facts.outcome_recorded,
            None if facts.outcome_recorded else "No outcome recorded yet.",
        ),
        Item(
            "coverage_logged",
            "Press coverage is logged",
            facts.coverage > 0,
            None if facts.coverage else "No coverage logged.",
        ),
        Item(
            "partners_told",
            "Partners are told what came of it",
            facts.outcome_recorded and untold == 0,
            None
            if facts.outcome_recorded and untold == 0
            else (
                "Record the outcome first."
                if not facts.outcome_recorded
                else f"{untold} of {facts.partners_to_tell} partners not thanked yet "
                "(a contribution with thanked_on)."
            ),
        ),
    ]


CHECKLISTS = {
    Phase.plan: plan_items,
    Phase.engage: engage_items,
    Phase.prepare: prepare_items,
    Phase.promote: promote_items,
    Phase.report: report_items,
}


def checklist(facts: StageFacts) -> dict[Phase, list[Item]]:
    return {phase: items(facts) for phase, items in CHECKLISTS.items()}


def phase_of(facts: StageFacts) -> Phase:
    """The first phase with an open item; a stage with everything done stays in report."""
    for phase, items in CHECKLISTS.items():
        if not all(item.done for item in items(facts)):
            return phase
    return Phase.report
