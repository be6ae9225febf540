import json
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from sykkelturen.bodies import ACCEPTS_CODINGS
from sykkelturen.checkpoints.problems import CheckpointKindTaken
from sykkelturen.checkpoints.service import ResnapPlan, plan_resnap
from sykkelturen.concurrency import (
    IfMatch,
    conditional_get,
    etag_of,
    etag_of_bytes,
    read_tagged,
    set_etag,
    tagged,
)
from sykkelturen.config import Settings
from sykkelturen.db import SessionDep, prepared_write
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import JSON, add_vary, choose
from sykkelturen.openapi import download_responses
from sykkelturen.pagination import Page, PageQuery
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    ContentTooLarge,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.routes import service
from sykkelturen.routes.dependencies import UploadDep, UploadTargetDep
from sykkelturen.routes.models import Handover, Hazards, Profile, RouteVersionPublic, UploadResult
from sykkelturen.routes.problems import (
    GpxRejected,
    IllegalRouteTransition,
    MissingFile,
    RouteNeedsStartAndFinish,
    RouteNotFound,
    RouteVersionNotFound,
)
from sykkelturen.routes.versions import get_version, require_current
from sykkelturen.security import CountyWriter
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.texts import LangDep
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound

router = APIRouter(tags=["routes"])

GPX = "application/gpx+xml"
GEOJSON = "application/geo+json"
SVG = "image/svg+xml"
READ_PROBLEMS = (StageNotFound, RouteNotFound, ValidationFailed)

UPLOAD_BODY: dict[str, Any] = {
    ACCEPTS_CODINGS: ["gzip"],
    "requestBody": {
        "required": True,
        "content": {
            GPX: {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The GPX file (may be gzip).",
                        },
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            },
        },
    },
}


def _send(
    request: Request,
    body: bytes,
    media_type: str,
    headers: dict[str, str] | None = None,
    vary: tuple[str, ...] = (),
) -> Response:
    response = Response(content=body, media_type=media_type, headers=headers)
    add_vary(response, *vary)
    conditional_get(request, response, etag_of_bytes(body))
    return response


def _gpx_file(stage: Stage) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(f"etappe {stage.sequence} {stage.name}.gpx")}


def _geojson_file(stage: Stage) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(
            f"etappe {stage.sequence} {stage.name}.geojson", inline=True
        )
    }


class RouteFormat(StrEnum):
    json = "json"
    gpx = "gpx"
    geojson = "geojson"


ROUTE_MEDIA = {RouteFormat.json: JSON, RouteFormat.gpx: GPX, RouteFormat.geojson: GEOJSON}


@router.put(
    "/stages/{stage_id}/route",
    summary="Upload the stage's route (GPX) as a new version",
    description="Raw GPX body (`application/gpx+xml`, `application/xml`, "
    "`application/octet-stream`) or multipart field `file`; gzip accepted "
    "(`Content-Encoding: gzip` or the gzip magic bytes). "
    "The same file again creates no new version (`created: false`).",
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"description": "The same file as the current version: nothing new."},
        201: {"model": UploadResult, "description": "A new version was created."},
        **problem_responses(
            Unauthorized,
            Forbidden,
            StageNotFound,
            ContentTooLarge,
            UnsupportedMediaType,
            GpxRejected,
            MissingFile,
            CheckpointKindTaken,
            ValidationFailed,
        ),
    },
)
async def upload_route(
    request: Request,
    response: Response,
    actor: CountyWriter,
    target: UploadTargetDep,
    upload: UploadDep,
    track: Annotated[
        int | None, Query(ge=0, le=10_000, description="Use only this track (0-based).")
    ] = None,
    waypoints: Annotated[
        str | None,
        Query(
            pattern="^import$",
            description="`import`: add the file's waypoints as checkpoints "
            f"(at most {service.MAX_IMPORTED_WAYPOINTS}; more is 422 `gpx_too_many_waypoints`).",
        ),
    ] = None,
) -> UploadResult:
    # The body has arrived and no transaction is open: read and measure it first, place
    # the stage's checkpoints on it from a snapshot, then write in one short transaction,
    # all in one trip to a worker thread (see db.prepared_write), so a slow or large upload
    # holds up nobody.
    settings: Settings = request.app.state.settings
    import_waypoints = waypoints == "import"

    def write() -> tuple[UploadResult, str]:
        prepared = service.prepare_upload(
            upload,
            max_inflated_bytes=settings.max_inflated_bytes,
            max_points=settings.max_route_points,
            track=track,
            import_waypoints=import_waypoints,
            county=target.county,
            county_box=target.county_box,
        )

        def resnap(session: Session) -> ResnapPlan:
            return plan_resnap(session, stage_id=target.stage_id, line=prepared.snapper)

        def store(session: Session, plan: ResnapPlan) -> UploadResult:
            return service.store_upload(
                session,
                actor=actor,
                stage_id=target.stage_id,
                prepared=prepared,
                note=upload.note,
                track=track,
                import_waypoints=import_waypoints,
                resnap=plan,
            )

        result = prepared_write(request, resnap, store)
        # The ETag of the route (GET …/route), to report it with next.
        return result, etag_of(RouteVersionPublic.model_validate(result, from_attributes=True))

    result, tag = await run_in_threadpool(write)
    response.status_code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    set_etag(response, tag)
    return result


@router.get(
    "/stages/{stage_id}/route",
    response_model=RouteVersionPublic,
    summary="The stage's current route: stats, warnings, status (or GPX/GeoJSON)",
    description="JSON by default; GPX or GeoJSON by `?format=` or `Accept` (also at "
    "`/route.gpx` and `/route.geojson`). 404 `stage_has_no_route` until a route is uploaded.",
    responses={
        200: {
            "content": {
                GPX: {"schema": {"type": "string", "description": "GPX 1.1."}},
                GEOJSON: {"schema": {"type": "object", "description": "A GeoJSON Feature."}},
            },
            "description": "The route in the asked format.",
            "headers": {"Vary": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified"},
        **problem_responses(*READ_PROBLEMS),
    },
)
def read_route(
    request: Request,
    response: Response,
    session: SessionDep,
    stage: StageDep,
    format: Annotated[RouteFormat | None, Query(description="Overrides `Accept`.")] = None,
) -> RouteVersionPublic | Response:
    chosen = format or RouteFormat(
        next(f for f, m in ROUTE_MEDIA.items() if m == choose(request, list(ROUTE_MEDIA.values())))
    )
    version = require_current(session, stage)
    vary = ("Accept",) if format is None else ()
    if chosen == RouteFormat.gpx:
        body = service.route_gpx(session, stage, version).encode()
        return _send(request, body, GPX, _gpx_file(stage), vary)
    if chosen == RouteFormat.geojson:
        body = json.dumps(service.route_geojson(stage, version, None), ensure_ascii=False).encode()
        return _send(request, body, GEOJSON, _geojson_file(stage), vary)
    add_vary(response, *vary)
    return read_tagged(request, response, service.version_public(version))


@router.get(
    "/stages/{stage_id}/route.gpx",
    summary="The current route as GPX 1.1 (track and checkpoints as waypoints)",
    response_class=Response,
    responses=download_responses(GPX, *READ_PROBLEMS),
)
def read_route_gpx(request: Request, session: SessionDep, stage: StageDep) -> Response:
    version = require_current(session, stage)
    body = service.route_gpx(session, stage, version).encode()
    return _send(request, body, GPX, _gpx_file(stage))


@router.get(
    "/stages/{stage_id}/route.geojson",
    summary="The current route as a GeoJSON Feature (a LineString, with elevation when "
    "every point has one)",
    response_class=Response,
    responses=download_responses(
        {GEOJSON: {"schema": {"type": "object", "description": "A GeoJSON Feature."}}},
        *READ_PROBLEMS,
        inline=True,
    ),
)
def read_route_geojson(
    request: Request,
    session: SessionDep,
    stage: StageDep,
    simplify: Annotated[
        float | None, Query(gt=0, le=1000, description="Simplify to this many metres.")
    ] = None,
) -> Response:
    version = require_current(session, stage)
    body = json.dumps(service.route_geojson(stage, version, simplify), ensure_ascii=False).encode()
    return _send(request, body, GEOJSON, _geojson_file(stage))


@router.get(
    "/stages/{stage_id}/route/versions",
    summary="Every version of the stage's route, newest first",
    responses=problem_responses(StageNotFound, InvalidCursor, ValidationFailed),
)
def list_route_versions(
    session: SessionDep, stage: StageDep, page: PageQuery
) -> Page[RouteVersionPublic]:
    rows, next_cursor = service.list_versions(session, stage, page)
    return Page(items=[service.version_public(v) for v in rows], next_cursor=next_cursor)


VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get(
    "/stages/{stage_id}/route/versions/{number}",
    summary="One version of the stage's route",
    responses=problem_responses(StageNotFound, RouteVersionNotFound, ValidationFailed),
)
def read_route_version(
    request: Request,
    response: Response,
    session: SessionDep,
    stage: StageDep,
    number: VersionNumber,
) -> RouteVersionPublic:
    return read_tagged(
        request, response, service.version_public(get_version(session, stage, number))
    )


@router.get(
    "/stages/{stage_id}/route/versions/{number}/original",
    summary="The GPX file of one version exactly as uploaded (without the gzip it came in)",
    response_class=Response,
    responses={
        200: {"content": {GPX: {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(StageNotFound, RouteVersionNotFound, ValidationFailed),
    },
)
def read_route_original(
    request: Request, session: SessionDep, stage: StageDep, number: VersionNumber
) -> Response:
    version = get_version(session, stage, number)
    filename = version.original_filename or f"etappe-{stage.sequence}-v{number}.gpx"
    return _send(
        request,
        service.original_bytes(version),
        service.GPX_MEDIA_TYPE,
        {"Content-Disposition": content_disposition(service.gpx_filename(filename) or filename)},
    )


@router.get(
    "/stages/{stage_id}/route/profile",
    summary="Elevation profile: distance/elevation pairs, highest and lowest points kept",
    responses=problem_responses(*READ_PROBLEMS),
)
def read_route_profile(
    session: SessionDep,
    stage: StageDep,
    points: Annotated[int, Query(ge=10, le=10_000, description="At most this many pairs.")] = 500,
) -> Profile:
    return service.profile(require_current(session, stage), points)


@router.get(
    "/stages/{stage_id}/route/profile.svg",
    summary="Elevation profile as a picture (SVG), in bokmål or nynorsk",
    response_class=Response,
    responses=download_responses(SVG, *READ_PROBLEMS, inline=True),
)
def read_route_profile_svg(
    request: Request, session: SessionDep, stage: StageDep, lang: LangDep
) -> Response:
    picture = service.profile_picture(session, stage, require_current(session, stage), lang)
    headers = {
        "Content-Language": lang,
        "Content-Disposition": content_disposition(
            f"høydeprofil etappe {stage.sequence}.svg", inline=True
        ),
    }
    return _send(request, picture.encode(), SVG, headers, ("Accept-Language",))


@router.get(
    "/stages/{stage_id}/route/hazards",
    summary="Steep climbs and descents that matter for loaded rickshaws",
    responses=problem_responses(*READ_PROBLEMS),
)
def read_route_hazards(session: SessionDep, stage: StageDep) -> Hazards:
    return service.hazards(require_current(session, stage))


STATUS_PROBLEMS = (*WRITE_PROBLEMS, StageNotFound, RouteNotFound, IllegalRouteTransition)


@router.post(
    "/stages/{stage_id}/route/report",
    summary="Report the current route version to NF (phase 1)",
    responses=problem_responses(*STATUS_PROBLEMS),
)
def report_route(
    response: Response, session: SessionDep, actor: CountyWriter, stage: StageDep, if_match: IfMatch
) -> RouteVersionPublic:
    version = service.change_status(
        session, actor=actor, stage=stage, action="report", if_match=if_match
    )
    return tagged(response, service.version_public(version))


@router.post(
    "/stages/{stage_id}/route/finalize",
    summary="Mark the reported route version final, quality-assured (phase 3)",
    responses=problem_responses(*STATUS_PROBLEMS, RouteNeedsStartAndFinish),
)
def finalize_route(
    response: Response, session: SessionDep, actor: CountyWriter, stage: StageDep, if_match: IfMatch
) -> RouteVersionPublic:
    version = service.change_status(
        session, actor=actor, stage=stage, action="finalize", if_match=if_match
    )
    return tagged(response, service.version_public(version))


@router.get(
    "/tours/{tour_id}/handovers",
    summary="Gaps between each stage's finish and the next stage's start",
    description=f"Flagged over {service.HANDOVER_GAP_M:.0f} m unless the stage declares "
    "a transfer.",
    responses=problem_responses(TourNotFound, ValidationFailed),
)
def list_handovers(session: SessionDep, tour: TourDep) -> Page[Handover]:
    # One item per pair of consecutive stages: bounded by the tour, so always one page.
    return Page(items=service.handovers(session, tour), next_cursor=None)
