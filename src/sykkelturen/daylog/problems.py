from sykkelturen.problems import Conflict, Forbidden, NotFound, Unprocessable


class IdempotencyKeyReused(Conflict):
    title, code = "Idempotency key reused", "idempotency_key_reused"


class EntryAlreadySuperseded(Conflict):
    title, code = "Entry already superseded", "entry_already_superseded"


class EntryTimeImplausible(Unprocessable):
    title, code = "Entry time implausible", "entry_time_implausible"


class PlaceOffRoute(Unprocessable):
    title, code = "Place off the route", "place_off_route"


class NoRouteForPlace(Unprocessable):
    title, code = "No route to place this on", "no_route_for_place"


class NotThisStageDay(Forbidden):
    title, code = "Not this stage's day", "not_this_stage_day"


class ActualTrackNotFound(NotFound):
    title, code = "No actual track", "actual_track_not_found"
