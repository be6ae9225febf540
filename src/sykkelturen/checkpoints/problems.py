from sykkelturen.problems import Conflict, NotFound, Unprocessable


class CheckpointNotFound(NotFound):
    title, code = "Checkpoint not found", "checkpoint_not_found"


class CheckpointOfOtherStage(Unprocessable):
    """A measure or an activity placed at a checkpoint of another stage."""

    title, code = "Checkpoint of another stage", "checkpoint_of_other_stage"


class NoRouteForKm(Unprocessable):
    title, code = "No route to measure km on", "no_route_for_km"


class CheckpointInUse(Conflict):
    title, code = "Measures or activities are placed at this checkpoint", "checkpoint_in_use"


class CheckpointKindTaken(Conflict):
    title, code = "The stage already has one", "checkpoint_kind_taken"
