from sykkelturen.problems import Conflict, NotFound, Unprocessable


class PersonNotFound(NotFound):
    title, code = "Person not found", "person_not_found"


class EmailTaken(Conflict):
    title, code = "E-mail already registered in this county", "person_email_taken"


class PersonOfOtherCounty(Unprocessable):
    title, code = "Person of another county", "person_of_other_county"
