from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sykkelturen.concurrency import conditional_get, etag_of_bytes
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import add_vary, choose
from sykkelturen.openapi import header_refs
from sykkelturen.partners.problems import PartnerNotFound
from sykkelturen.partners.router import PartnerDep
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.report import formats, service
from sykkelturen.report.models import PartnerSheet, TourReport
from sykkelturen.runsheet.spreadsheets import Dialect
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourCountyNotFound, TourNotFound

router = APIRouter(tags=["report"])


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"
    html = "html"


MEDIA_TYPES = {
    ReportFormat.json: "application/json",
    ReportFormat.csv: "text/csv",
    ReportFormat.html: "text/html",
}
BY_MEDIA_TYPE = {media: f for f, media in MEDIA_TYPES.items()}
DialectQuery = Annotated[
    Dialect,
    Query(
        description="CSV: `rfc4180` (comma, decimal point; for programs) or `excel` (`;`, "
        "decimal comma, UTF-8 with BOM; what Norwegian Excel opens right)."
    ),
]


def _chosen(
    request: Request, format: ReportFormat | None, offered: list[ReportFormat]
) -> ReportFormat:
    if format is not None:
        return format
    return BY_MEDIA_TYPE[choose(request, [MEDIA_TYPES[f] for f in offered])]


def _answer(
    request: Request,
    chosen: ReportFormat,
    json_text: str,
    render: Callable[[], bytes] | None,
    *,
    filename: str,
    negotiated: bool,
    variant: str = "",
) -> Response:
    """The body in the chosen format, tagged by a digest of the figures it shows."""
    tag = etag_of_bytes(f"{chosen}\n{variant}\n{json_text}".encode())
    media = MEDIA_TYPES[chosen]
    if chosen == ReportFormat.csv:
        media += "; charset=utf-8; header=present"
    elif chosen == ReportFormat.html:
        media += "; charset=utf-8"
    response = Response(media_type=media)
    if negotiated:
        add_vary(response, "Accept")
    if chosen != ReportFormat.json:
        response.headers["Content-Disposition"] = content_disposition(
            f"{filename}.{chosen.value}", inline=chosen == ReportFormat.html
        )
    conditional_get(request, response, tag)
    body = render() if render is not None else json_text.encode("utf-8")
    response.body = body
    response.headers["Content-Length"] = str(len(body))
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
            "headers": header_refs("Content-Disposition", "ETag"),
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
    dialect: DialectQuery = Dialect.rfc4180,
) -> Response:
    chosen = _chosen(request, format, list(ReportFormat))
    report = service.tour_report(session, tour=tour, county=county)

    def render() -> bytes:
        if chosen == ReportFormat.csv:
            return formats.to_csv(report, dialect)
        ridden = {s.stage_id for s in report.stages if s.status == "ridden"}
        lines = service.route_lines(session, [s.stage_id for s in report.stages])
        page = formats.to_html(
            report, [(line, stage_id in ridden) for stage_id, line in lines.items()]
        )
        return page.encode("utf-8")

    return _answer(
        request,
        chosen,
        report.model_dump_json(),
        None if chosen == ReportFormat.json else render,
        filename=f"{tour.name}-rapport" + (f"-{county}" if county else ""),
        negotiated=format is None,
        variant=dialect if chosen == ReportFormat.csv else "",
    )


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
            "headers": header_refs("Content-Disposition", "ETag"),
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
    chosen = (
        ReportFormat(format.value)
        if format is not None
        else _chosen(request, None, [ReportFormat.json, ReportFormat.html])
    )
    sheet = service.partner_sheet(session, partner)
    return _answer(
        request,
        chosen,
        sheet.model_dump_json(),
        (lambda: formats.partner_html(sheet).encode("utf-8"))
        if chosen == ReportFormat.html
        else None,
        filename=f"takk-{partner.name}",
        negotiated=format is None,
    )
