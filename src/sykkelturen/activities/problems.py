from sykkelturen.problems import Conflict, NotFound


class ActivityNotFound(NotFound):
    title, code = "Activity not found", "activity_not_found"


class IllegalActivityTransition(Conflict):
    title, code = "Activity status cannot change so", "illegal_activity_transition"
