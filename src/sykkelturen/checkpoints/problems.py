from sykkelturen.problems import NotFound, Unprocessable


class CheckpointNotFound(NotFound):
    title, code = "Checkpoint not found", "checkpoint_not_found"


class NoRouteForKm(Unprocessable):
    title, code = "No route to measure km on", "no_route_for_km"
