from sykkelturen.problems import Conflict, NotFound, Unprocessable


class StageNotFound(NotFound):
    title, code = "Stage not found", "stage_not_found"


class StageSequenceTaken(Conflict):
    title, code = "Sequence number taken", "stage_sequence_taken"


class CountyNotInTour(Unprocessable):
    title, code = "County not part of the tour", "county_not_in_tour"


class StageDateOutsideWindow(Unprocessable):
    title, code = "Date outside the county's window", "stage_date_outside_window"


class TooManyPassengers(Unprocessable):
    title, code = "More passengers than seats", "too_many_passengers"


class SeatsTaken(Conflict):
    """Fewer bikes than the passengers invited or confirmed on some leg need."""

    title, code = "Passengers would lose their seats", "seats_taken"


class StageHasPeopleOfCounty(Conflict):
    title, code = "People of the county are assigned", "stage_has_people_of_county"


class StageNotRiddenYet(Conflict):
    """Before the stage's date: nothing to report, no track ridden (outcomes, actual track)."""

    title, code = "Stage not ridden yet", "stage_not_ridden_yet"
