from sykkelturen.problems import Conflict, NotFound, Unprocessable


class RiderNotFound(NotFound):
    title, code = "Rider not found", "rider_not_found"


class RickshawFull(Unprocessable):
    title, code = "No free passenger seat", "rickshaw_full"


class DoubleBooking(Conflict):
    title, code = "Already confirmed elsewhere", "double_booking"


class IllegalRiderTransition(Conflict):
    title, code = "Rider status cannot change so", "illegal_rider_transition"
