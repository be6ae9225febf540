"""Rider status rules as one table: a new rider is invited (the first state); invited →
confirmed | declined; confirmed → withdrawn; a declined or withdrawn rider may be invited
again."""

from sykkelturen.riders.models import RiderStatus

FIRST = RiderStatus.invited

ALLOWED: dict[RiderStatus, set[RiderStatus]] = {
    RiderStatus.invited: {RiderStatus.confirmed, RiderStatus.declined},
    RiderStatus.confirmed: {RiderStatus.withdrawn},
    RiderStatus.declined: {RiderStatus.invited},
    RiderStatus.withdrawn: {RiderStatus.invited},
}

# Riders counted against the stage's seats and needs.
ACTIVE = {RiderStatus.invited, RiderStatus.confirmed}


def may_enter(status: RiderStatus) -> bool:
    """A new rider enters the table at its first state only."""
    return status == FIRST


def may_change(current: RiderStatus, new: RiderStatus) -> bool:
    return new == current or new in ALLOWED[current]
