from sykkelturen.problems import NotFound, Unprocessable


class PartnerNotFound(NotFound):
    title, code = "Partner not found", "partner_not_found"


class PartnerOfOtherCounty(Unprocessable):
    title, code = "Partner of another county", "partner_of_other_county"
