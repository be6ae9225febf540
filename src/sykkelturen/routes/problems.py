from sykkelturen.problems import Conflict, NotFound, Unprocessable


class RouteNotFound(NotFound):
    title, code = "Stage has no route", "stage_has_no_route"


class RouteVersionNotFound(NotFound):
    title, code = "Route version not found", "route_version_not_found"


class GpxRejected(Unprocessable):
    """The file is not a GPX file a stage can be planned on; `code` says why (gpx_*)."""

    title, code = "GPX file refused", "gpx_refused"


class MissingFile(Unprocessable):
    title, code = "No file", "missing_file"


class IllegalRouteTransition(Conflict):
    title, code = "Route status cannot change so", "illegal_route_transition"


class RouteNeedsStartAndFinish(Conflict):
    title, code = "Start and finish checkpoints missing", "route_needs_start_and_finish"


class KmBeyondRoute(Unprocessable):
    title, code = "Past the end of the route", "km_beyond_route"
