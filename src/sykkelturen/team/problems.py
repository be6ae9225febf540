from sykkelturen.problems import NotFound, Unprocessable


class TeamMemberNotFound(NotFound):
    title, code = "Team member not found", "team_member_not_found"


class UnknownLeg(Unprocessable):
    title, code = "No such leg", "unknown_leg"
