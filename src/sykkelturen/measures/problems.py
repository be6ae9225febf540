from sykkelturen.problems import Conflict, NotFound


class MeasureNotFound(NotFound):
    title, code = "Measure not found", "measure_not_found"


class IllegalMeasureTransition(Conflict):
    title, code = "Measure status cannot change so", "illegal_measure_transition"
