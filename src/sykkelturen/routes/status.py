"""The route status rules as one table: draft → reported (phase 1) → final (phase 3).

A new upload starts a new draft version; the old versions keep their history.
"""

from sykkelturen.routes.models import RouteStatus

FIRST = RouteStatus.draft  # every new version: an upload has no status

TRANSITIONS: dict[tuple[RouteStatus, str], RouteStatus] = {
    (RouteStatus.draft, "report"): RouteStatus.reported,
    (RouteStatus.reported, "finalize"): RouteStatus.final,
}

WHY_NOT: dict[tuple[RouteStatus, str], str] = {
    (RouteStatus.reported, "report"): "This version is already reported to NF.",
    (
        RouteStatus.final,
        "report",
    ): "This version is final; upload a new version to change the route.",
    (RouteStatus.draft, "finalize"): "Report the route to NF first (POST …/route/report).",
    (RouteStatus.final, "finalize"): "This version is already final.",
}


def next_status(current: RouteStatus, action: str) -> RouteStatus | None:
    """The status after `action`, or None when the action is not allowed now."""
    return TRANSITIONS.get((current, action))


def why_not(current: RouteStatus, action: str) -> str:
    return WHY_NOT.get((current, action), f"Cannot {action} a {current} route.")
