"""Activity status as one table: idea → planned → confirmed → done; anything not done may
be cancelled, and a cancelled one taken up again as an idea."""

from sykkelturen.activities.models import ActivityStatus

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


def may_change(current: ActivityStatus, new: ActivityStatus) -> bool:
    return new == current or new in ALLOWED[current]
