"""Activity status as one table: a new activity is an idea (its first state); idea →
planned → confirmed → done; anything not done may be cancelled, and a cancelled one taken
up again as an idea."""

from sykkelturen.activities.models import ActivityStatus

FIRST = ActivityStatus.idea

ALLOWED: dict[ActivityStatus, set[ActivityStatus]] = {
    ActivityStatus.idea: {ActivityStatus.planned, ActivityStatus.cancelled},
    ActivityStatus.planned: {
        ActivityStatus.confirmed,
        ActivityStatus.idea,
        ActivityStatus.cancelled,
    },
    ActivityStatus.confirmed: {
        ActivityStatus.done,
        ActivityStatus.planned,
        ActivityStatus.cancelled,
    },
    ActivityStatus.done: set(),
    ActivityStatus.cancelled: {ActivityStatus.idea},
}


def may_enter(status: ActivityStatus) -> bool:
    """A new activity enters the table at its first state only."""
    return status == FIRST


def may_change(current: ActivityStatus, new: ActivityStatus) -> bool:
    return new == current or new in ALLOWED[current]
