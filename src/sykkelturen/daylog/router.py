from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from sqlmodel import Session

from sykkelturen.clock import ClockDep, get_clock
from sykkelturen.concurrency import (
    IfMatch,
    conditional_get,
    etag_of_bytes,
    read_tagged,
    tagged,
)
from sykkelturen.config import Settings
from sykkelturen.daylog import service, track
from sykkelturen.daylog.models import ActualTrack, ActualTrackPublic, LogEntryPublic
from sykkelturen.daylog.problems import (
    ActualTrackNotFound,
    NotThisStageDay,
)
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import JSON, add_vary, choose
from sykkelturen.openapi import download_responses
from sykkelturen.pagination import Page
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    ContentTooLarge,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.routes.dependencies import UploadDep
from sykkelturen.routes.problems import GpxRejected, MissingFile
from sykkelturen.routes.router import UPLOAD_BODY
from sykkelturen.security import CurrentActor, LogWriter
from sykkelturen.stages import service as stages
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound, StageNotRiddenYet
from sykkelturen.tours.service import get_tour
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["day"])


@router.get(
    "/stages/{stage_id}/log",
    summary="The stage's day-of log",
    description="Every entry in the order it happened, superseded ones included (marked "
    "`superseded_by`). Incident text and authors only for those who may see the county's "
    "personal data and the stage's own stage-day token.",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
def read_log(
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    request: Request,
    response: Response,
) -> Page[LogEntryPublic]:
    details = service.may_see_details(actor, stage)
    conditional_get(request, response, service.log_etag(session, stage.id, details))
    tour = get_tour(session, stage.tour_id)
    items = service.public_entries(
        service.entries(session, stage), zone=ZoneInfo(tour.time_zone), details=details
    )
    return Page(items=items, next_cursor=None)


# --- the actual track --------------------------------------------------------------------

GPX = "application/gpx+xml"
TRACK_READ_PROBLEMS = (StageNotFound, ActualTrackNotFound, ValidationFailed)


@dataclass(frozen=True)
class TrackTarget:
    stage_id: int


def stage_to_track(
    request: Request, actor: LogWriter, stage_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> TrackTarget:
    """404 or 403 before the body is read, from a read that ends at once (as for routes):
    the request's own transaction must not be open while a phone's upload trickles in."""
    with Session(request.app.state.engine) as session:
        stage = stages.get_stage(session, stage_id)
        track.require_track_writer(
            actor, stage=stage, tour=get_tour(session, stage.tour_id), now=get_clock(request).now()
        )
    return TrackTarget(stage_id=stage_id)


TrackTargetDep = Annotated[TrackTarget, Depends(stage_to_track)]


def _track_file(stage: Stage) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(
            f"faktisk spor etappe {stage.sequence} {stage.name}.gpx"
        )
    }


@router.put(
    "/stages/{stage_id}/actual-track",
    summary="Upload the track actually ridden (GPX from a phone or bike computer)",
    description="After the stage (on its day or later): the county, national, or the stage's "
    "own stage-day token on the day. Raw GPX or multipart `file`, gzip accepted, read with "
    "the same limits and refusals as a route. The first upload needs no `If-Match` (send "
    "`If-None-Match: *` to be sure not to replace one uploaded meanwhile); replacing it needs "
    "the ETag of `GET …/actual-track`; the same file again changes nothing (200). Only the "
    "line is kept: positions, elevations and times, nothing else the file records.",
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"description": "The same file again: nothing changed."},
        201: {"model": ActualTrackPublic, "description": "Stored (first or replacing)."},
        **problem_responses(
            Unauthorized,
            Forbidden,
            NotThisStageDay,
            StageNotFound,
            StageNotRiddenYet,
            PreconditionFailed,
            PreconditionRequired,
            ContentTooLarge,
            UnsupportedMediaType,
            GpxRejected,
            MissingFile,
            ValidationFailed,
        ),
    },
)
def upload_actual_track(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: LogWriter,
    target: TrackTargetDep,
    upload: UploadDep,
    clock: ClockDep,
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The track's `ETag` when replacing it."),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(alias="If-None-Match", description="`*`: only store, never replace."),
    ] = None,
) -> ActualTrackPublic:
    # Read and measure with no transaction open; then one short write.
    settings: Settings = request.app.state.settings
    prepared = track.prepare_track(
        upload,
        max_inflated_bytes=settings.max_inflated_bytes,
        max_points=settings.max_route_points,
    )
    stage = stages.get_stage(session, target.stage_id)
    tour = get_tour(session, stage.tour_id)
    stored, changed = track.store_track(
        session,
        actor=actor,
        stage=stage,
        tour=tour,
        prepared=prepared,
        note=upload.note,
        if_match=if_match,
        if_none_match=if_none_match,
        now=clock.now(),
    )
    response.status_code = status.HTTP_201_CREATED if changed else status.HTTP_200_OK
    return tagged(response, track.public(session, actor, stage, tour, stored))


@router.get(
    "/stages/{stage_id}/actual-track",
    response_model=ActualTrackPublic,
    summary="The track actually ridden: distance, time, climb (or GPX by `Accept`)",
    description="JSON by default; GPX 1.1 by `Accept: application/gpx+xml` (also at "
    "`/actual-track.gpx`). 404 `actual_track_not_found` until one is uploaded.",
    responses={
        200: {
            "content": {GPX: {"schema": {"type": "string", "description": "GPX 1.1."}}},
            "description": "The actual track in the asked format.",
            "headers": {"Vary": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified"},
        **problem_responses(*TRACK_READ_PROBLEMS),
    },
)
def read_actual_track(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
) -> ActualTrackPublic | Response:
    chosen = choose(request, [JSON, GPX])
    stored = track.get_track(session, stage)
    if chosen == GPX:
        return _track_gpx(request, stage, stored, vary=True)
    add_vary(response, "Accept")
    tour = get_tour(session, stage.tour_id)
    return read_tagged(request, response, track.public(session, actor, stage, tour, stored))


def _track_gpx(request: Request, stage: Stage, stored: ActualTrack, *, vary: bool) -> Response:
    body = track.track_gpx(stage, stored).encode()
    answer = Response(content=body, media_type=GPX, headers=_track_file(stage))
    if vary:
        add_vary(answer, "Accept")
    conditional_get(request, answer, etag_of_bytes(body))
    return answer


@router.get(
    "/stages/{stage_id}/actual-track.gpx",
    summary="The track actually ridden as GPX 1.1",
    response_class=Response,
    responses=download_responses(GPX, *TRACK_READ_PROBLEMS),
)
def read_actual_track_gpx(request: Request, session: SessionDep, stage: StageDep) -> Response:
    return _track_gpx(request, stage, track.get_track(session, stage), vary=False)


@router.delete(
    "/stages/{stage_id}/actual-track",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the actual track (the wrong file)",
    responses=problem_responses(*WRITE_PROBLEMS, NotThisStageDay, *TRACK_READ_PROBLEMS),
)
def delete_actual_track(
    session: SessionDep, actor: LogWriter, stage: StageDep, if_match: IfMatch, clock: ClockDep
) -> None:
    track.delete_track(
        session,
        actor=actor,
        stage=stage,
        tour=get_tour(session, stage.tour_id),
        if_match=if_match,
        now=clock.now(),
    )
