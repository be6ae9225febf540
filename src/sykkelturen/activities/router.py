from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sykkelturen.activities import service
from sykkelturen.activities.models import (
    Activity,
    ActivityCreate,
    ActivityPublic,
    ActivityUpdate,
    Event,
)
from sykkelturen.activities.problems import ActivityNotFound, IllegalActivityTransition
from sykkelturen.checkpoints.problems import CheckpointOfOtherStage
from sykkelturen.concurrency import IfMatch, conditional_get, etag_of_bytes, read_tagged, tagged
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import add_vary, choose
from sykkelturen.openapi import download_responses
from sykkelturen.pagination import Page, PageQuery, paginate_sorted
from sykkelturen.partners.problems import PartnerOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    InvalidCursor,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.routes.problems import KmBeyondRoute
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.texts import Lang, LangDep
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.models import Tour
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour
from sykkelturen.values import MAX_ID, IsoDate

router = APIRouter(tags=["activities"])

RULE_PROBLEMS = (
    CheckpointOfOtherStage,
    KmBeyondRoute,
    UnknownReference,
    PartnerOfOtherCounty,
    UnknownReference,
)


def _zone(session: SessionDep, stage: StageDep) -> ZoneInfo:
    return ZoneInfo(get_tour(session, stage.tour_id).time_zone)


ZoneDep = Annotated[ZoneInfo, Depends(_zone)]


def activity_or_404(
    session: SessionDep, stage: StageDep, activity_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Activity:
    return service.get_activity(session, stage, activity_id)


ActivityDep = Annotated[Activity, Depends(activity_or_404)]


@router.get(
    "/stages/{stage_id}/activities",
    summary="Activities and signal events of the stage",
    responses=problem_responses(StageNotFound, ValidationFailed),
)
def list_activities(
    session: SessionDep, actor: CurrentActor, stage: StageDep, zone: ZoneDep
) -> Page[ActivityPublic]:
    # Tens per stage: always one page.
    items = [
        service.public(session, actor, stage, a, zone)
        for a in service.list_activities(session, stage)
    ]
    return Page(items=items, next_cursor=None)


@router.post(
    "/stages/{stage_id}/activities",
    status_code=status.HTTP_201_CREATED,
    summary="Add an activity or signal event",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        StageNotFound,
        ValidationFailed,
        IllegalActivityTransition,
        *RULE_PROBLEMS,
    ),
)
def create_activity(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    zone: ZoneDep,
    data: ActivityCreate,
) -> ActivityPublic:
    activity = service.create_activity(session, actor=actor, stage=stage, data=data, zone=zone)
    response.headers["Location"] = str(
        request.url_for("read_activity", stage_id=stage.id, activity_id=activity.id)
    )
    return tagged(response, service.public(session, actor, stage, activity, zone))


@router.get(
    "/stages/{stage_id}/activities/{activity_id}",
    summary="Read an activity",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(StageNotFound, ActivityNotFound, ValidationFailed),
    },
)
def read_activity(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    stage: StageDep,
    zone: ZoneDep,
    activity: ActivityDep,
) -> ActivityPublic:
    return read_tagged(request, response, service.public(session, actor, stage, activity, zone))


@router.patch(
    "/stages/{stage_id}/activities/{activity_id}",
    summary="Change an activity, or move it idea → planned → confirmed → done (or cancelled)",
    responses=problem_responses(
        *WRITE_PROBLEMS, StageNotFound, ActivityNotFound, IllegalActivityTransition, *RULE_PROBLEMS
    ),
)
def update_activity(
    response: Response,
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    zone: ZoneDep,
    activity: ActivityDep,
    data: ActivityUpdate,
    if_match: IfMatch,
) -> ActivityPublic:
    activity = service.update_activity(
        session,
        actor=actor,
        stage=stage,
        activity=activity,
        data=data,
        if_match=if_match,
        zone=zone,
    )
    return tagged(response, service.public(session, actor, stage, activity, zone))


@router.delete(
    "/stages/{stage_id}/activities/{activity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an activity",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, ActivityNotFound),
)
def delete_activity(
    session: SessionDep,
    actor: CountyWriter,
    stage: StageDep,
    zone: ZoneDep,
    activity: ActivityDep,
    if_match: IfMatch,
) -> None:
    service.delete_activity(
        session, actor=actor, stage=stage, activity=activity, if_match=if_match, zone=zone
    )


def _event_key(event: Event) -> list[Any]:
    # The order of `service.events`: day, time (untimed last), id.
    return [
        event.date.isoformat(),
        event.starts_at.isoformat() if event.starts_at else "~",
        event.activity_id,
    ]


EVENT_FILTERS = (TourNotFound, ValidationFailed)


@router.get(
    "/tours/{tour_id}/events",
    response_model=Page[Event],
    summary="Public activities and signal events, for the press and the public (JSON or iCalendar)",
    description="In time order, paged like every list. `?format=ics` or `Accept: text/calendar` "
    "(or `/events.ics`) for a calendar with all of them. Labels in bokmål or nynorsk by "
    "`?lang=` / `Accept-Language`. No personal data.",
    responses={
        200: {
            "description": "The events.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
            "headers": {"Vary": {"schema": {"type": "string"}}},
        },
        **problem_responses(*EVENT_FILTERS, InvalidCursor),
    },
)
def list_events(
    request: Request,
    response: Response,
    session: SessionDep,
    tour: TourDep,
    lang: LangDep,
    page: PageQuery,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    format: Annotated[str | None, Query(pattern="^(json|ics)$")] = None,
) -> Page[Event] | Response:
    items = service.events(
        session, tour=tour, county=county, date_from=date_from, date_to=date_to, lang=lang
    )
    chosen = (
        format
        or {"application/json": "json", CALENDAR: "ics"}[
            choose(request, ["application/json", CALENDAR])
        ]
    )
    if chosen == "ics":
        return _events_calendar(request, tour, items, lang, vary=format is None)
    add_vary(response, "Accept", "Accept-Language")
    rows, next_cursor = paginate_sorted(items, page=page, key=_event_key)
    return Page(items=rows, next_cursor=next_cursor)


CALENDAR = "text/calendar"


def _events_calendar(
    request: Request, tour: Tour, items: list[Event], lang: Lang, *, vary: bool
) -> Response:
    body = service.events_ical(tour, items, lang)
    response = Response(
        body,
        media_type=f"{CALENDAR}; charset=utf-8",
        headers={
            "Content-Language": lang,
            "Content-Disposition": content_disposition(
                f"{tour.name} arrangementer.ics", inline=True
            ),
        },
    )
    add_vary(response, *(("Accept",) if vary else ()), "Accept-Language")
    conditional_get(request, response, etag_of_bytes(body))
    return response


@router.get(
    "/tours/{tour_id}/events.ics",
    summary="The public events as a calendar to subscribe to (no token needed)",
    response_class=Response,
    responses=download_responses(CALENDAR, *EVENT_FILTERS, inline=True),
)
def list_events_ics(
    request: Request,
    session: SessionDep,
    tour: TourDep,
    lang: LangDep,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
) -> Response:
    items = service.events(
        session, tour=tour, county=county, date_from=date_from, date_to=date_to, lang=lang
    )
    return _events_calendar(request, tour, items, lang, vary=False)
