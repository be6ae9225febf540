"""The rules of an outcome as pure functions: where the ridden distance comes from, what a
count defaults to, and how many passengers a leg can carry."""

from sykkelturen.outcomes.models import CountSource, DistanceSource, OutcomeStatus


def ridden_distance(
    *,
    status: OutcomeStatus,
    reported_m: float | None,
    actual_track_m: float | None,
    planned_m: float | None,
) -> tuple[float | None, DistanceSource]:
    """Metres ridden and where they come from: by hand, else the actual track, else the
    planned route; a cancelled stage rode 0."""
    if status == OutcomeStatus.cancelled:
        return 0.0, DistanceSource.cancelled
    if reported_m is not None:
        return reported_m, DistanceSource.reported
    if actual_track_m is not None:
        return actual_track_m, DistanceSource.actual_track
    if planned_m is not None:
        return planned_m, DistanceSource.planned_route
    return None, DistanceSource.no_route


def count(
    *, status: OutcomeStatus, reported: int | None, planned: int, rides: bool
) -> tuple[int, CountSource]:
    """A count given by hand wins; else the plan. Riders (`rides`) of a cancelled stage: 0."""
    if reported is not None:
        return reported, CountSource.reported
    if rides and status == OutcomeStatus.cancelled:
        return 0, CountSource.planned
    return planned, CountSource.planned


def legs_over_seats(passengers_by_leg: dict[str, int], seats: int) -> list[str]:
    """Legs (by key, in the order given) that carried more passengers than the rickshaws
    have seats."""
    return [leg for leg, passengers in passengers_by_leg.items() if passengers > seats]
