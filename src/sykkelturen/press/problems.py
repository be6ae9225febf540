from sykkelturen.problems import NotFound, Unprocessable


class PressContactNotFound(NotFound):
    title, code = "Press contact not found", "press_contact_not_found"


class PressContactOfOtherCounty(Unprocessable):
    title, code = "Press contact of another county", "press_contact_of_other_county"


class OutreachNotFound(NotFound):
    title, code = "Outreach entry not found", "outreach_not_found"
