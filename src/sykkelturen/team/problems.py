from sykkelturen.problems import Conflict, NotFound


class TeamMemberNotFound(NotFound):
    title, code = "Team member not found", "team_member_not_found"


class DuplicateRoleHolder(Conflict):
    title, code = "Already in this role on the stage", "duplicate_role_holder"
