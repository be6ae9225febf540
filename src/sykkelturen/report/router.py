import hashlib
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sykkelturen.concurrency import conditional_get
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.partners.problems import PartnerNotFound
from sykkelturen.partners.router import PartnerDep
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.report import formats, service
from sykkelturen.report.models import PartnerSheet, TourReport
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourCountyNotFound, TourNotFound

router = APIRouter(tags=["report"])


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"
    html = "html"


MEDIA_TYPES = {
    ReportFormat.json: "application/json",
    ReportFormat.csv: "text/csv; charset=utf-8",
    ReportFormat.html: "text/html; charset=utf-8",
}
BY_ACCEPT = [("text/csv", ReportFormat.csv), ("text/html", ReportFormat.html)]


def _chosen(request: Request, format: ReportFormat | None) -> ReportFormat:
    accept = request.headers.get("accept", "")
    return format or next((f for media, f in BY_ACCEPT if media in accept), ReportFormat.json)


def _answer(request: Request, chosen: ReportFormat, json_text: str, render: str | None) -> Response:
    """The body in the chosen format, tagged by a digest of the figures it shows."""
    digest = hashlib.sha256(f"{chosen}\n{json_text}".encode()).hexdigest()[:24]
    response = Response(media_type=MEDIA_TYPES[chosen])
    conditional_get(request, response, f'"{digest}"')
    response.headers["Vary"] = "Accept, Authorization"
    response.body = (render if render is not None else json_text).encode("utf-8")
    response.headers["Content-Length"] = str(len(response.body))
    return response


@router.get(
    "/tours/{tour_id}/report",
    response_model=TourReport,
    summary="The impact report: totals, per county, per week, plan versus actual",
    description="JSON, CSV (a row per county and a total) or a printable HTML page (A4) with "
    "its charts as SVG, by `?format=` or `Accept`; `?county=` for one county. Counts only: "
    "no person is named. Computed from the recorded outcomes, coverage and content.",
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
            "description": "The report in the asked format.",
        },
        304: {"description": "Not modified"},
        **problem_responses(TourNotFound, TourCountyNotFound, ValidationFailed),
    },
)
def tour_report(
    request: Request,
    session: SessionDep,
    tour: TourDep,
    format: Annotated[ReportFormat | None, Query(description="Overrides `Accept`.")] = None,
    county: Annotated[
        str | None, Query(pattern=COUNTY_NUMBER_PATTERN, description="Only this county.")
    ] = None,
) -> Response:
    chosen = _chosen(request, format)
    report = service.tour_report(session, tour=tour, county=county)
    rendered = None
    if chosen == ReportFormat.csv:
        rendered = formats.to_csv(report)
    elif chosen == ReportFormat.html:
        ridden = {s.stage_id for s in report.stages if s.status == "ridden"}
        lines = service.route_lines(session, [s.stage_id for s in report.stages])
        rendered = formats.to_html(
            report, [(line, stage_id in ridden) for stage_id, line in lines.items()]
        )
    return _answer(request, chosen, report.model_dump_json(), rendered)


class SheetFormat(StrEnum):
    json = "json"
    html = "html"


@router.get(
    "/partners/{partner_id}/report",
    response_model=PartnerSheet,
    summary="The partner's thank-you sheet: contributions, events, coverage that names them",
    description="JSON, or a printable HTML page (`?format=html` or `Accept: text/html`) to "
    "send to the partner. Counts only: no person is named.",
    responses={
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "The sheet in the asked format.",
        },
        304: {"description": "Not modified"},
        **problem_responses(PartnerNotFound, ValidationFailed),
    },
)
def partner_report(
    request: Request,
    session: SessionDep,
    partner: PartnerDep,
    format: Annotated[SheetFormat | None, Query(description="Overrides `Accept`.")] = None,
) -> Response:
    html = format == SheetFormat.html or (
        format is None and "text/html" in request.headers.get("accept", "")
    )
    chosen = ReportFormat.html if html else ReportFormat.json
    sheet = service.partner_sheet(session, partner)
    rendered = formats.partner_html(sheet) if html else None
    return _answer(request, chosen, sheet.model_dump_json(), rendered)
