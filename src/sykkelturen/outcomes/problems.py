from sykkelturen.problems import NotFound, Unprocessable


class OutcomeNotFound(NotFound):
    title, code = "Outcome not recorded", "outcome_not_found"


class PassengersOverSeats(Unprocessable):
    title, code = "More passengers than seats", "passengers_over_seats"


class ActivityOfOtherStage(Unprocessable):
    title, code = "Activity of another stage", "activity_of_other_stage"
