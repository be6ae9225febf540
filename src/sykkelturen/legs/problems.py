from sykkelturen.problems import Unprocessable


class UnknownLeg(Unprocessable):
    title, code = "No such leg", "unknown_leg"
