"""Rider status rules as one table: invited → confirmed | declined; confirmed → withdrawn;
a declined or withdrawn rider may be invited again."""

from sykkelturen.riders.models import RiderStatus

ALLOWED: dict[RiderStatus, set[RiderStatus]] = {
    RiderStatus.invited: {RiderStatus.confirmed, RiderStatus.declined},
    RiderStatus.confirmed: {RiderStatus.withdrawn},
    RiderStatus.declined: {RiderStatus.invited},
    RiderStatus.withdrawn: {RiderStatus.invited},
}

# Riders counted against the stage's seats and needs.
ACTIVE = {RiderStatus.invited, RiderStatus.confirmed}


def may_change(current: RiderStatus, new: RiderStatus) -> bool:
    return new == current or new in ALLOWED[current]
