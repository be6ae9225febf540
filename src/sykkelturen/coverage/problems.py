from sykkelturen.problems import NotFound, Unprocessable


class CoverageNotFound(NotFound):
    title, code = "Coverage item not found", "coverage_not_found"


class OutreachOfOtherStage(Unprocessable):
    title, code = "Outreach of another stage", "outreach_of_other_stage"


class OutletUnknown(Unprocessable):
    title, code = "Outlet unknown", "outlet_unknown"
