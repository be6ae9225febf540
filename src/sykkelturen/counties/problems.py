from sykkelturen.problems import NotFound, Unprocessable


class CountyNotFound(NotFound):
    title, code = "County not found", "county_not_found"


class CountyNotValidInYear(Unprocessable):
    title, code = "County not valid in that year", "county_not_valid_in_year"
