from fastapi import APIRouter, Request, Response

from sykkelturen.concurrency import conditional_get, etag_of_bytes
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.openapi import download_responses
from sykkelturen.problems import ValidationFailed, problem_responses
from sykkelturen.riders.models import RiderRole
from sykkelturen.security import CurrentActor
from sykkelturen.staffing import service
from sykkelturen.staffing.models import StageStaffing, TourStaffing
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.texts import Lang, label
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.workbooks import XLSX, Value, workbook_bytes

router = APIRouter(tags=["staffing"])


@router.get(
    "/stages/{stage_id}/staffing",
    summary="Needs against confirmed and invited, per role and per leg, with gaps and warnings",
    description="Counts only: no names. Warnings point at riders by id.",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def stage_staffing(session: SessionDep, stage: StageDep) -> StageStaffing:
    return service.stage_staffing(session, stage)


@router.get(
    "/tours/{tour_id}/staffing",
    summary="Staffing rolled up per county and stage",
    responses=problem_responses(TourNotFound, ValidationFailed),
)
def tour_staffing(session: SessionDep, tour: TourDep) -> TourStaffing:
    return service.tour_staffing(session, tour)


STAGE_HEAD = ["rolle", "role", "needed", "confirmed", "invited", "missing"]


@router.get(
    "/stages/{stage_id}/staffing.xlsx",
    summary="The stage's staffing list as an Excel workbook",
    description="Sheets: needs against confirmed and invited per role, the same per leg, and "
    "the crew (team and riders by role, leg and status). Names, phones and e-mails only for "
    "those who may see the county's people.",
    response_class=Response,
    responses=download_responses(XLSX, StageNotFound, ValidationFailed),
)
def stage_staffing_xlsx(
    request: Request, session: SessionDep, actor: CurrentActor, stage: StageDep
) -> Response:
    staffing = service.stage_staffing(session, stage)
    needs: list[list[Value]] = [
        [_label(r.role), r.role, r.needed, r.confirmed, r.invited, r.missing]
        for r in staffing.roles
    ]
    legs: list[list[Value]] = [
        [leg.key, _label(r.role), r.role, r.needed, r.confirmed, r.invited, r.missing]
        for leg in staffing.legs
        for r in leg.roles
    ]
    body = workbook_bytes(
        [
            ("Behov", STAGE_HEAD, needs),
            ("Deletapper", ["deletappe", *STAGE_HEAD], legs),
            ("Mannskap", *service.crew(session, actor, stage)),
        ]
    )
    return _workbook(request, body, f"bemanning etappe {stage.sequence} {stage.name}.xlsx")


@router.get(
    "/tours/{tour_id}/staffing.xlsx",
    summary="Staffing per county and stage as an Excel workbook (counts only)",
    response_class=Response,
    responses=download_responses(XLSX, TourNotFound, ValidationFailed),
)
def tour_staffing_xlsx(request: Request, session: SessionDep, tour: TourDep) -> Response:
    staffing = service.tour_staffing(session, tour)
    counties: list[list[Value]] = [
        [c.county, c.needed, c.confirmed, c.missing, c.percent_staffed] for c in staffing.counties
    ]
    stages: list[list[Value]] = [
        [
            c.county,
            s.sequence,
            s.name,
            s.date,
            s.needed,
            s.confirmed,
            s.invited,
            s.missing,
            s.percent_staffed,
        ]
        for c in staffing.counties
        for s in c.stages
    ]
    body = workbook_bytes(
        [
            ("Fylker", ["county", "needed", "confirmed", "missing", "percent_staffed"], counties),
            (
                "Etapper",
                [
                    "county",
                    "stage",
                    "name",
                    "date",
                    "needed",
                    "confirmed",
                    "invited",
                    "missing",
                    "percent_staffed",
                ],
                stages,
            ),
        ]
    )
    return _workbook(request, body, f"bemanning {tour.name}.xlsx")


def _label(role: str) -> str:
    group = "rider_role" if role in {r.value for r in RiderRole} else "team_role"
    return label(group, role, Lang.nb)


def _workbook(request: Request, body: bytes, filename: str) -> Response:
    response = Response(
        body, media_type=XLSX, headers={"Content-Disposition": content_disposition(filename)}
    )
    conditional_get(request, response, etag_of_bytes(body))
    return response
