from sykkelturen.problems import Conflict, NotFound, Unprocessable


class TourNotFound(NotFound):
    title, code = "Tour not found", "tour_not_found"


class TourNameTaken(Conflict):
    title, code = "Tour name taken", "tour_name_taken"


class TourHasStages(Conflict):
    title, code = "Tour has stages", "tour_has_stages"


class TourCountyNotFound(NotFound):
    title, code = "County not part of this tour", "tour_county_not_found"


class TourCountyExists(Conflict):
    title, code = "County already part of this tour", "tour_county_exists"


class TourCountyHasStages(Conflict):
    title, code = "County has stages", "tour_county_has_stages"


class OutsideTourDates(Unprocessable):
    title, code = "Outside the tour's dates", "outside_tour_dates"


class CountyWindowsOutside(Conflict):
    title, code = "County windows fall outside", "county_windows_outside"
