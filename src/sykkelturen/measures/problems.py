from sykkelturen.problems import Conflict, NotFound, Unprocessable


class MeasureNotFound(NotFound):
    title, code = "Measure not found", "measure_not_found"


class IllegalMeasureTransition(Conflict):
    title, code = "Measure status cannot change so", "illegal_measure_transition"


class CheckpointOfOtherStage(Unprocessable):
    title, code = "Checkpoint of another stage", "checkpoint_of_other_stage"
