import json
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sykkelturen.clock import ClockDep
from sykkelturen.concurrency import NotModified, conditional_get, set_etag
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.live import service as live
from sykkelturen.problems import BadRequest, ValidationFailed, problem_responses
from sykkelturen.runsheet import formats, press_sheet, service
from sykkelturen.runsheet.models import Passing, StageRunSheet, TourRunSheet
from sykkelturen.security import ANONYMOUS, Actor, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour
from sykkelturen.values import IsoDate, IsoDateTime

router = APIRouter(tags=["run sheet"])


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ics = "ics"
    geojson = "geojson"
    gpx = "gpx"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv; charset=utf-8",
    Format.ics: "text/calendar; charset=utf-8",
    Format.geojson: "application/geo+json",
    Format.gpx: "application/gpx+xml",
}
BY_ACCEPT = [
    ("text/csv", Format.csv),
    ("text/calendar", Format.ics),
    ("application/geo+json", Format.geojson),
    ("application/gpx+xml", Format.gpx),
]


def _variant(actor: CurrentActor) -> str:
    """Who sees which contacts: the part of the caller that changes the sheet."""
    if actor.is_national or (actor.role == "reader" and actor.personal_data):
        return "all"
    return ",".join(sorted(actor.counties)) if actor.role == "county" else "none"


@router.get(
    "/stages/{stage_id}/run-sheet",
    summary="The stage's timed itinerary: checkpoints, legs, measures, hazards, contacts",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
def stage_run_sheet(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    clock: ClockDep,
) -> StageRunSheet:
    tour = get_tour(session, stage.tour_id)
    now = clock.now()
    day = service.day_marker(session, tour, now)
    conditional_get(
        request,
        response,
        service.fingerprint(session, tour, "stage", stage.id, _variant(actor), day),
    )
    on_day = live.forecasts_for(session, tour, [stage], now).get(stage.id or 0)
    return service.stage_run_sheet(session, actor=actor, stage=stage, tour=tour, forecast=on_day)


@router.get(
    "/stages/{stage_id}/press-sheet",
    summary='A one-page "the tour comes to your town" sheet (Markdown or HTML)',
    description="`?format=html` or `Accept: text/html` for HTML; Markdown otherwise. Only the "
    "county contact whose role names the press appears; no other personal data.",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            }
        },
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
def press_sheet_for_stage(
    request: Request,
    session: SessionDep,
    stage: StageDep,
    format: Annotated[str | None, Query(pattern="^(md|html)$")] = None,
) -> Response:
    tour = get_tour(session, stage.tour_id)
    anonymous = Actor(role=ANONYMOUS, name=ANONYMOUS)
    sheet = service.stage_run_sheet(
        session, actor=anonymous, stage=stage, tour=tour, with_hazards=False
    )
    parts = press_sheet.lines(session, tour, stage, sheet)
    if format == "html" or (format is None and "text/html" in request.headers.get("accept", "")):
        return Response(press_sheet.to_html(*parts), media_type="text/html; charset=utf-8")
    return Response(press_sheet.markdown(*parts), media_type="text/markdown; charset=utf-8")


@router.get(
    "/tours/{tour_id}/run-sheet",
    response_model=TourRunSheet,
    summary="The national run sheet (JSON, CSV, iCalendar, GeoJSON or GPX)",
    description="Format by `?format=` or `Accept`. Contacts only for national, for the stage's "
    "county and for readers with the personal-data grant.",
    responses={
        200: {
            "content": {m: {} for m in MEDIA_TYPES.values() if m != "application/json"},
            "description": "The run sheet in the asked format.",
        },
        304: {"description": "Not modified"},
        **problem_responses(TourNotFound, BadRequest, ValidationFailed),
    },
)
def tour_run_sheet(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    tour: TourDep,
    clock: ClockDep,
    format: Annotated[Format | None, Query(description="Overrides `Accept`.")] = None,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    updated_since: Annotated[
        IsoDateTime | None, Query(description="Only stages changed since (with offset).")
    ] = None,
    checkpoints: Annotated[
        bool, Query(description="iCalendar: an event per checkpoint too.")
    ] = False,
) -> Response:
    now = clock.now()
    if updated_since is not None and updated_since.tzinfo is None:
        raise BadRequest("`updated_since` needs a UTC offset, e.g. 2026-06-01T00:00:00+02:00.")
    chosen = format or next(
        (f for media, f in BY_ACCEPT if media in request.headers.get("accept", "")), Format.json
    )
    tag = service.fingerprint(
        session,
        tour,
        "tour",
        chosen,
        county,
        date_from,
        date_to,
        updated_since,
        checkpoints,
        _variant(actor),
        service.day_marker(session, tour, now),
    )
    response = Response(media_type=MEDIA_TYPES[chosen])
    set_etag(response, tag)
    if request.headers.get("if-none-match") and tag in request.headers["if-none-match"]:
        raise NotModified(tag)

    def render() -> bytes:
        sheet = service.tour_run_sheet(
            session,
            actor=actor,
            tour=tour,
            county=county,
            date_from=date_from,
            date_to=date_to,
            updated_since=updated_since,
            now=now,
        )
        if chosen == Format.csv:
            return formats.to_csv(sheet).encode("utf-8")
        if chosen == Format.ics:
            return formats.to_ical(sheet, with_checkpoints=checkpoints)
        if chosen == Format.geojson:
            return formats.to_geojson(session, sheet).encode("utf-8")
        if chosen == Format.gpx:
            return formats.to_gpx_document(session, sheet).encode("utf-8")
        return json.dumps(sheet.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")

    body = service.cached_body(tag, render)
    response.body = body
    response.headers["Content-Length"] = str(len(body))
    return response


@router.get(
    "/tours/{tour_id}/passing",
    summary="When does the tour pass this place?",
    description=f"The nearest point of the tour's routes, its stage and km, and the expected "
    f"passage at each speed; 404 when every route is over "
    f"{service.PASSING_MAX_M / 1000:.0f} km away.",
    responses=problem_responses(TourNotFound, service.NotNearTheTour, ValidationFailed),
)
def passing(
    session: SessionDep,
    tour: TourDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    clock: ClockDep,
) -> Passing:
    return service.passing(session, tour=tour, lat=lat, lon=lon, now=clock.now())
