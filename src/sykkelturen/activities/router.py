from typing import Annotated
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
from sykkelturen.concurrency import IfMatch, conditional_get, etag, set_etag
from sykkelturen.counties.models import COUNTY_NUMBER_PATTERN
from sykkelturen.db import SessionDep
from sykkelturen.measures.problems import CheckpointOfOtherStage
from sykkelturen.pagination import Page
from sykkelturen.partners.problems import PartnerOfOtherCounty
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    UnknownReference,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CountyWriter, CurrentActor
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.tours.dependencies import TourDep
from sykkelturen.tours.problems import TourNotFound
from sykkelturen.tours.service import get_tour
from sykkelturen.values import MAX_ID, IsoDate

router = APIRouter(tags=["activities"])

RULE_PROBLEMS = (
    CheckpointOfOtherStage,
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


def _variant(actor: CurrentActor, stage: Stage) -> str:
    return "full" if actor.may_see_personal_data(stage.county) else "public"


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
        Unauthorized, Forbidden, StageNotFound, ValidationFailed, *RULE_PROBLEMS
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
    set_etag(response, etag(activity.version, "full"))
    response.headers["Location"] = str(
        request.url_for("read_activity", stage_id=stage.id, activity_id=activity.id)
    )
    return service.public(session, actor, stage, activity, zone)


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
    conditional_get(request, response, etag(activity.version, _variant(actor, stage)))
    return service.public(session, actor, stage, activity, zone)


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
    set_etag(response, etag(activity.version, "full"))
    return service.public(session, actor, stage, activity, zone)


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


@router.get(
    "/tours/{tour_id}/events",
    response_model=list[Event],
    summary="Public activities and signal events, for the press and the public (JSON or iCalendar)",
    description="`?format=ics` or `Accept: text/calendar` for a calendar feed. No personal data.",
    responses={
        200: {"content": {"text/calendar": {"schema": {"type": "string"}}}},
        **problem_responses(TourNotFound, ValidationFailed),
    },
)
def list_events(
    request: Request,
    session: SessionDep,
    tour: TourDep,
    county: Annotated[str | None, Query(pattern=COUNTY_NUMBER_PATTERN)] = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    format: Annotated[str | None, Query(pattern="^(json|ics)$")] = None,
) -> list[Event] | Response:
    items = service.events(session, tour=tour, county=county, date_from=date_from, date_to=date_to)
    if format == "ics" or (format is None and "text/calendar" in request.headers.get("accept", "")):
        return Response(service.events_ical(tour, items), media_type="text/calendar; charset=utf-8")
    return items
