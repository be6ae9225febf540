from sykkelturen.problems import Conflict, NotFound


class PersonNotFound(NotFound):
    title, code = "Person not found", "person_not_found"


class EmailTaken(Conflict):
    title, code = "E-mail already registered in this county", "person_email_taken"
