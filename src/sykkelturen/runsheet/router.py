import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from sykkelturen.clock import ClockDep, get_clock
from sykkelturen.compression import note_representation_type
from sykkelturen.concurrency import not_modified, not_modified_response, set_etag
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import add_vary, choose
from sykkelturen.openapi import download_responses
from sykkelturen.problems import BadRequest, ValidationFailed, problem_responses
from sykkelturen.runsheet import press_sheet, rendering, service
from sykkelturen.runsheet.models import Passing, StageRunSheet, TourRunSheet
from sykkelturen.runsheet.rendering import BY_MEDIA_TYPE, FILE_FORMATS, MEDIA_TYPES, Format, Options
from sykkelturen.runsheet.spreadsheets import Dialect
from sykkelturen.security import ANONYMOUS, Actor, CurrentActor
from sykkelturen.stages.dependencies import StageDep, StageId
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.stages.service import get_stage
from sykkelturen.texts import Lang, LangDep, phrase
from sykkelturen.tours.dependencies import TourDep, TourId
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour
from sykkelturen.values import IsoDate, IsoDateTime

router = APIRouter(tags=["run sheet"])

FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
    "description": "GeoJSON (RFC 7946): a LineString per stage with a route, a Point per "
    "checkpoint.",
}
SCHEMAS: dict[Format, dict[str, Any]] = {
    Format.csv: {"type": "string", "description": "CSV with a header row (see `dialect`)."},
    Format.ics: {"type": "string", "description": "iCalendar (RFC 5545)."},
    Format.geojson: FEATURE_COLLECTION,
    Format.gpx: {"type": "string", "description": "GPX 1.1."},
    Format.xlsx: {"type": "string", "format": "binary", "description": "An Excel workbook."},
}


def _content(*chosen: Format) -> dict[str, dict[str, Any]]:
    return {MEDIA_TYPES[f]: {"schema": SCHEMAS[f]} for f in chosen}


def _variant(actor: CurrentActor) -> str:
    """Who sees which contacts: the part of the caller that changes the sheet."""
    scope = actor.personal_data_counties
    return "all" if scope is None else ",".join(sorted(scope)) or "none"


CountyQuery = Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)]
UpdatedSince = Annotated[
    IsoDateTime | None, Query(description="Only stages changed since (with offset).")
]
Checkpoints = Annotated[
    bool, Query(description="iCalendar: an event per checkpoint too (default: the stage only).")
]
DialectQuery = Annotated[
    Dialect,
    Query(
        description="CSV: `rfc4180` (comma, decimal point; for programs) or `excel` (`;`, "
        "decimal comma, UTF-8 with BOM; what Norwegian Excel opens right)."
    ),
]
FormatQuery = Annotated[Format | None, Query(description="Overrides `Accept`.")]


@dataclass(frozen=True)
class Selection:
    """Which stages of the tour a national sheet shows."""

    county: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    updated_since: dt.datetime | None


async def _selection(
    county: CountyQuery = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    updated_since: UpdatedSince = None,
) -> Selection:
    if updated_since is not None and updated_since.tzinfo is None:
        raise BadRequest("`updated_since` needs a UTC offset, e.g. 2026-06-01T00:00:00+02:00.")
    return Selection(county, date_from, date_to, updated_since)


SelectionDep = Annotated[Selection, Depends(_selection)]


def _chosen(request: Request, format: Format | None) -> Format:
    if format is not None:
        return format
    return BY_MEDIA_TYPE[choose(request, list(MEDIA_TYPES.values()))]


def _answer(
    request: Request,
    tagged: Callable[[sa.Connection], str],
    made: Callable[[Session], tuple[Callable[[], bytes], str]],
    chosen: Format,
    *,
    lang: Lang,
    negotiated: bool,
) -> Response:
    """A sheet's answer, in a worker thread: a 304 when the caller holds the current tag
    (`tagged`, the ETag's few statements), else the body kept under it (built at most once
    per worker: `made` gives the build and the file name). The busiest request of a sheet
    is the conditional one answered 304, and it is made lean as the stage reads are
    (`stages.router._read`): its endpoint and every dependency are `async`, and this is
    its one trip to the thread pool, on a connection of its own, closed here; no session,
    no ORM and no exception on the way to the 304. Only a miss loads the tour (and the
    stage) and builds, in a session on the same connection, so on SQLite the body is of
    the same snapshot as its tag."""
    with request.app.state.engine.connect() as connection:
        tag = tagged(connection)
        media_type = rendering.media_type(chosen)
        note_representation_type(request.scope, media_type)  # the Vary of its 304
        response = Response(media_type=media_type)
        set_etag(response, tag)
        if negotiated:
            add_vary(response, "Accept")
        if chosen == Format.ics:
            add_vary(response, "Accept-Language")
            response.headers["Content-Language"] = lang
        if not_modified(request, tag):
            return not_modified_response(tag, response.headers["Vary"])
        with Session(connection, expire_on_commit=False) as session:
            build, filename = made(session)
            body = service.cached_body(tag, build)
    if chosen != Format.json:
        response.headers["Content-Disposition"] = content_disposition(
            rendering.file_name(filename, chosen), inline=chosen == Format.geojson
        )
    response.body = body
    response.headers["Content-Length"] = str(len(body))
    return response


# --- a stage ----------------------------------------------------------------------------


async def _stage_file(
    request: Request,
    actor: Actor,
    stage_id: int,
    chosen: Format,
    options: Options = Options(checkpoints=True),
    *,
    negotiated: bool = False,
) -> Response:
    now = get_clock(request).now()

    def tagged(connection: sa.Connection) -> str:
        tag = service.fingerprint(
            connection,
            "stage",
            stage_id,
            chosen,
            options,
            _variant(actor),
            now=now,
            stage_id=stage_id,
        )
        if tag is None:
            raise StageNotFound(f"There is no stage {stage_id}.")
        return tag

    def made(session: Session) -> tuple[Callable[[], bytes], str]:
        stage = get_stage(session, stage_id)
        tour = get_tour(session, stage.tour_id)

        def build() -> bytes:
            built = service.stage_sheet(session, actor=actor, stage=stage, tour=tour, now=now)
            name = phrase("stage_calendar", options.lang, sequence=stage.sequence, name=stage.name)
            return rendering.render(
                session, built, chosen, options, calendar_name=name, one_stage=True
            )

        return build, f"kjøreplan etappe {stage.sequence} {stage.name}"

    return await run_in_threadpool(
        _answer, request, tagged, made, chosen, lang=options.lang, negotiated=negotiated
    )


@router.get(
    "/stages/{stage_id}/run-sheet",
    response_model=StageRunSheet,
    summary="The stage's timed itinerary: checkpoints, legs, measures, hazards, contacts",
    description="JSON, or by `?format=` / `Accept` CSV, iCalendar (the stage and its places), "
    "GeoJSON, GPX or an Excel workbook; each also has its own path "
    "(`/run-sheet.csv` …). Contacts only for those who may see the county's people.",
    responses={
        200: {
            "description": "The stage's run sheet in the asked format.",
            "content": _content(*FILE_FORMATS),
            "headers": {"Vary": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
async def stage_run_sheet(
    request: Request,
    actor: CurrentActor,
    stage_id: StageId,
    lang: LangDep,
    format: FormatQuery = None,
    dialect: DialectQuery = Dialect.rfc4180,
    checkpoints: Annotated[
        bool, Query(description="iCalendar: an event per checkpoint (default true).")
    ] = True,
) -> Response:
    options = Options(dialect=dialect, checkpoints=checkpoints, lang=lang)
    chosen = _chosen(request, format)
    return await _stage_file(request, actor, stage_id, chosen, options, negotiated=format is None)


# Each file format also has its own path, one endpoint each; what differs is only what a
# caller may choose for that format (`Options`, read by a dependency per format).
# The dependencies are `async`: they do no I/O (see `_answer`).
async def _stage_csv_options(dialect: DialectQuery = Dialect.rfc4180) -> Options:
    return Options(dialect=dialect, checkpoints=True)


async def _stage_ics_options(
    lang: LangDep,
    checkpoints: Annotated[
        bool, Query(description="An event per checkpoint (default true).")
    ] = True,
) -> Options:
    return Options(checkpoints=checkpoints, lang=lang)


async def _stage_file_options() -> Options:
    return Options(checkpoints=True)


STAGE_FILES: list[tuple[Format, str, Callable[..., Awaitable[Options]]]] = [
    (Format.csv, "The stage's run sheet as CSV", _stage_csv_options),
    (
        Format.ics,
        "The stage as a calendar: the ride and each place, in the tour's zone",
        _stage_ics_options,
    ),
    (Format.geojson, "The stage's route and places as GeoJSON", _stage_file_options),
    (Format.gpx, "The stage's route and places as GPX 1.1", _stage_file_options),
    (Format.xlsx, "The stage's run sheet as an Excel workbook", _stage_file_options),
]


def _stage_file_endpoint(
    chosen: Format, options_of: Callable[..., Awaitable[Options]]
) -> Callable[..., Awaitable[Response]]:
    async def endpoint(
        request: Request,
        actor: CurrentActor,
        stage_id: StageId,
        options: Annotated[Options, Depends(options_of)],
    ) -> Response:
        return await _stage_file(request, actor, stage_id, chosen, options)

    return endpoint


for _format, _summary, _options in STAGE_FILES:
    router.add_api_route(
        f"/stages/{{stage_id}}/run-sheet.{_format.value}",
        _stage_file_endpoint(_format, _options),
        methods=["GET"],
        name=f"stage_run_sheet_{_format.value}",
        summary=_summary,
        response_class=Response,
        responses=download_responses(
            _content(_format), StageNotFound, ValidationFailed, inline=_format == Format.geojson
        ),
    )


# --- the press sheet ------------------------------------------------------------------------

MARKDOWN, HTML = "text/markdown", "text/html"


@router.get(
    "/stages/{stage_id}/press-sheet",
    summary='A one-page "the tour comes to your town" sheet (HTML to print, or Markdown)',
    description="`?format=html` or `Accept: text/html` for a page that prints on one A4 "
    "sheet (elevation profile and route sketch included); Markdown otherwise. Bokmål or "
    "nynorsk by `?lang=` / `Accept-Language`. Only what the press may see: public "
    "activities, the places (no hazards), and the county contact whose role names the press.",
    response_class=Response,
    responses={
        200: {
            "description": "The press sheet.",
            "content": {
                MARKDOWN: {"schema": {"type": "string"}},
                HTML: {"schema": {"type": "string"}},
            },
            "headers": {
                "Content-Language": {"$ref": "#/components/headers/Content-Language"},
                "Content-Disposition": {"$ref": "#/components/headers/Content-Disposition"},
            },
        },
        **problem_responses(StageNotFound, ValidationFailed),
    },
)
def press_sheet_for_stage(
    request: Request,
    session: SessionDep,
    stage: StageDep,
    lang: LangDep,
    format: Annotated[str | None, Query(pattern="^(md|html)$")] = None,
) -> Response:
    tour = get_tour(session, stage.tour_id)
    anonymous = Actor(role=ANONYMOUS, name=ANONYMOUS)
    sheet = service.stage_run_sheet(
        session, actor=anonymous, stage=stage, tour=tour, with_hazards=False
    )
    facts = press_sheet.facts(session, tour, stage, sheet, lang)
    chosen = {"md": MARKDOWN, "html": HTML}.get(format or "") or choose(request, [MARKDOWN, HTML])
    name = f"pressemelding etappe {stage.sequence} {stage.name}"
    if chosen == HTML:
        body = press_sheet.to_html(facts, press_sheet.pictures(session, stage, lang))
        filename = f"{name}.html"
    else:
        body = press_sheet.markdown(facts)
        filename = f"{name}.md"
    response = Response(
        body,
        media_type=f"{chosen}; charset=utf-8",
        headers={
            "Content-Language": lang,
            "Content-Disposition": content_disposition(filename, inline=True),
        },
    )
    add_vary(response, "Accept", "Accept-Language")
    return response


# --- the tour -------------------------------------------------------------------------------


async def _tour_file(
    request: Request,
    actor: Actor,
    tour_id: int,
    chosen: Format,
    selection: Selection,
    options: Options = Options(),
    *,
    negotiated: bool = False,
) -> Response:
    now = get_clock(request).now()

    def tagged(connection: sa.Connection) -> str:
        tag = service.fingerprint(
            connection,
            "tour",
            chosen,
            selection,
            options,
            _variant(actor),
            now=now,
            tour_id=tour_id,
            county=selection.county,
            date_from=selection.date_from,
            date_to=selection.date_to,
        )
        if tag is None:
            raise TourNotFound(f"There is no tour {tour_id}.")
        return tag

    def made(session: Session) -> tuple[Callable[[], bytes], str]:
        tour = get_tour(session, tour_id)

        def build() -> bytes:
            built = service.tour_run_sheet(
                session,
                actor=actor,
                tour=tour,
                county=selection.county,
                date_from=selection.date_from,
                date_to=selection.date_to,
                updated_since=selection.updated_since,
                now=now,
            )
            return rendering.render(session, built, chosen, options, calendar_name=tour.name)

        county = selection.county
        return build, f"kjøreplan {tour.name}" + (f" fylke {county}" if county else "")

    return await run_in_threadpool(
        _answer, request, tagged, made, chosen, lang=options.lang, negotiated=negotiated
    )


TOUR_FILE_PROBLEMS = (TourNotFound, BadRequest, ValidationFailed)


@router.get(
    "/tours/{tour_id}/run-sheet",
    response_model=TourRunSheet,
    summary="The national run sheet (JSON, CSV, iCalendar, GeoJSON, GPX or Excel)",
    description="Format by `?format=` or `Accept`; each file format also has its own path "
    "(`/run-sheet.csv` …). Every stage appears, with or without a route. Contacts only for "
    "national, for the stage's county and for readers with the personal-data grant.",
    responses={
        200: {
            "content": _content(*FILE_FORMATS),
            "description": "The run sheet in the asked format.",
            "headers": {"Vary": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified"},
        **problem_responses(*TOUR_FILE_PROBLEMS),
    },
)
async def tour_run_sheet(
    request: Request,
    actor: CurrentActor,
    tour_id: TourId,
    lang: LangDep,
    format: FormatQuery = None,
    *,
    selection: SelectionDep,
    checkpoints: Checkpoints = False,
    dialect: DialectQuery = Dialect.rfc4180,
) -> Response:
    options = Options(dialect=dialect, checkpoints=checkpoints, lang=lang)
    chosen = _chosen(request, format)
    return await _tour_file(
        request, actor, tour_id, chosen, selection, options, negotiated=format is None
    )


# The national sheet's own path per file format (as the stage's above); a format's
# dependency reads the selection too, in the order the parameters are documented.
async def _tour_csv_file(
    selection: SelectionDep, dialect: DialectQuery = Dialect.rfc4180
) -> tuple[Selection, Options]:
    return selection, Options(dialect=dialect)


async def _tour_ics_file(
    lang: LangDep, selection: SelectionDep, checkpoints: Checkpoints = False
) -> tuple[Selection, Options]:
    return selection, Options(checkpoints=checkpoints, lang=lang)


async def _tour_plain_file(selection: SelectionDep) -> tuple[Selection, Options]:
    return selection, Options()


Asked = tuple[Selection, Options]
TOUR_FILES: list[tuple[Format, str, Callable[..., Awaitable[Asked]]]] = [
    (
        Format.csv,
        "The national run sheet as CSV (`dialect=excel` for Norwegian Excel)",
        _tour_csv_file,
    ),
    (Format.ics, "The national run sheet as a calendar to import", _tour_ics_file),
    (Format.geojson, "The national run sheet as a GeoJSON map", _tour_plain_file),
    (
        Format.gpx,
        "The national run sheet as GPX 1.1: a track per stage, places as waypoints",
        _tour_plain_file,
    ),
    (Format.xlsx, "The national run sheet as an Excel workbook", _tour_plain_file),
]


def _tour_file_endpoint(
    chosen: Format, asked_of: Callable[..., Awaitable[Asked]]
) -> Callable[..., Awaitable[Response]]:
    async def endpoint(
        request: Request,
        actor: CurrentActor,
        tour_id: TourId,
        asked: Annotated[Asked, Depends(asked_of)],
    ) -> Response:
        selection, options = asked
        return await _tour_file(request, actor, tour_id, chosen, selection, options)

    return endpoint


for _format, _summary, _asked in TOUR_FILES:
    router.add_api_route(
        f"/tours/{{tour_id}}/run-sheet.{_format.value}",
        _tour_file_endpoint(_format, _asked),
        methods=["GET"],
        name=f"tour_run_sheet_{_format.value}",
        summary=_summary,
        response_class=Response,
        responses=download_responses(
            _content(_format), *TOUR_FILE_PROBLEMS, inline=_format == Format.geojson
        ),
    )


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
