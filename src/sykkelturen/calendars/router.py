from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlmodel import Session

from sykkelturen.calendars import service
from sykkelturen.calendars.models import (
    CalendarSubscription,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)
from sykkelturen.calendars.problems import FeedNotFound, SubscriptionNotFound
from sykkelturen.concurrency import (
    IfMatch,
    conditional_get,
    etag_of,
    etag_of_bytes,
    read_tagged,
    set_etag,
)
from sykkelturen.db import SessionDep
from sykkelturen.downloads import content_disposition
from sykkelturen.negotiation import add_vary
from sykkelturen.openapi import download_responses
from sykkelturen.pagination import Page
from sykkelturen.people.dependencies import PersonDep
from sykkelturen.people.problems import PersonNotFound
from sykkelturen.problems import (
    WRITE_PROBLEMS,
    Forbidden,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from sykkelturen.security import CurrentActor, SignedIn
from sykkelturen.stages.dependencies import StageDep
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.texts import Lang, LangDep
from sykkelturen.values import MAX_ID

router = APIRouter(tags=["calendars"])

CALENDAR = "text/calendar"
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID)]
PERSON_PROBLEMS = (Unauthorized, Forbidden, PersonNotFound, ValidationFailed)
TEAM_PROBLEMS = (Unauthorized, Forbidden, StageNotFound, ValidationFailed)


def _ics(request: Request, body: bytes, filename: str, lang: str) -> Response:
    response = Response(
        body,
        media_type=f"{CALENDAR}; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition(filename, inline=True),
            "Content-Language": lang,
        },
    )
    add_vary(response, "Accept-Language")
    # Calendars are built deterministically (DTSTAMP is the last change), so a poll of an
    # unchanged calendar is a 304.
    conditional_get(request, response, etag_of_bytes(body))
    return response


def _created(
    request: Request,
    response: Response,
    created: tuple[CalendarSubscription, str],
    read_route: str,
    **path: Any,
) -> SubscriptionCreated:
    """The 201 of a new subscription: its Location (`read_route` at `path`), its ETag and
    its URL, shown only here."""
    subscription, secret = created
    url = str(request.url_for("calendar_feed", secret=secret))
    set_etag(response, etag_of(service.public(subscription)))  # what its GET gives
    response.headers["Location"] = str(
        request.url_for(read_route, **path, subscription_id=subscription.id)
    )
    return SubscriptionCreated(
        **service.public(subscription).model_dump(),
        url=url,
        webcal_url="webcal://" + url.split("://", 1)[1],
    )


# Whose subscriptions a path names is one service.Owner (person_owner, team_owner, which
# holds the team check). It is made in the endpoint or in the subscription's dependency,
# not in a dependency of its own, so that the team check runs where it always has: after
# FastAPI has read the path and the body (a bad id or body stays a 422, not a 403).
def _page(session: Session, owner: service.Owner) -> Page[SubscriptionPublic]:
    # A handful per person or team: always one page.
    rows = service.list_for(session, owner)
    return Page(items=[service.public(s) for s in rows], next_cursor=None)


@dataclass(frozen=True)
class Owned:
    """A subscription found under the owner its path names: revoking it needs both."""

    owner: service.Owner
    subscription: CalendarSubscription


def _owned(session: Session, owner: service.Owner, subscription_id: int) -> Owned:
    return Owned(owner, service.get_subscription(session, owner, subscription_id))


def _revoke(session: Session, actor: SignedIn, owned: Owned, if_match: str) -> None:
    service.revoke(
        session,
        actor=actor,
        owner=owned.owner,
        subscription=owned.subscription,
        if_match=if_match,
    )


# --- a person's calendar -----------------------------------------------------------------


@router.get(
    "/people/{person_id}/calendar.ics",
    summary="A person's assignments as an iCalendar file (with a token)",
    description="The same events as the person's calendar subscriptions: each team or rider "
    "place over the window of its legs (or the whole stage), planned stops included, at the "
    "run sheet's speeds. Calendar apps cannot send a token: subscribe through "
    "`POST …/calendar-subscriptions` instead.",
    response_class=Response,
    responses=download_responses(CALENDAR, *PERSON_PROBLEMS, inline=True),
)
def person_calendar(
    request: Request, session: SessionDep, person: PersonDep, lang: LangDep
) -> Response:
    body = service.person_calendar(session, person, lang)
    return _ics(request, body, f"sykkelturen-person-{person.id}.ics", lang)


@router.post(
    "/people/{person_id}/calendar-subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="A secret calendar URL for the person's phone",
    description="Whoever may see the person may create one. The URL (`url`, and `webcal_url` "
    "for phones) is shown only in this answer; anyone holding it reads the person's "
    "assignments without a token, until the subscription is deleted.",
    responses=problem_responses(*PERSON_PROBLEMS),
)
def create_person_subscription(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: SignedIn,
    person: PersonDep,
    data: SubscriptionCreate,
) -> SubscriptionCreated:
    created = service.create(session, actor=actor, owner=service.person_owner(person), data=data)
    return _created(request, response, created, "read_person_subscription", person_id=person.id)


@router.get(
    "/people/{person_id}/calendar-subscriptions",
    summary="The person's calendar subscriptions (never their secrets)",
    responses=problem_responses(*PERSON_PROBLEMS),
)
def list_person_subscriptions(session: SessionDep, person: PersonDep) -> Page[SubscriptionPublic]:
    return _page(session, service.person_owner(person))


def person_subscription(
    session: SessionDep, person: PersonDep, subscription_id: SubscriptionId
) -> Owned:
    return _owned(session, service.person_owner(person), subscription_id)


PersonSubscriptionDep = Annotated[Owned, Depends(person_subscription)]


@router.get(
    "/people/{person_id}/calendar-subscriptions/{subscription_id}",
    summary="One of the person's calendar subscriptions",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(*PERSON_PROBLEMS, SubscriptionNotFound),
    },
)
def read_person_subscription(
    request: Request, response: Response, owned: PersonSubscriptionDep
) -> SubscriptionPublic:
    return read_tagged(request, response, service.public(owned.subscription))


@router.delete(
    "/people/{person_id}/calendar-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a calendar subscription: its URL stops working at once",
    responses=problem_responses(*WRITE_PROBLEMS, PersonNotFound, SubscriptionNotFound),
)
def revoke_person_subscription(
    session: SessionDep,
    actor: SignedIn,
    person: PersonDep,  # unused: listed first, as in the path (and the document)
    owned: PersonSubscriptionDep,
    if_match: IfMatch,
) -> None:
    _revoke(session, actor, owned, if_match)


# --- a stage team's calendar ---------------------------------------------------------------


@router.post(
    "/stages/{stage_id}/team/calendar-subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="A secret calendar URL with the stage's plan, for its team",
    description="For those who may see the county's people. The feed holds the stage, its "
    "places, its timed measures and its activities; no names or phone numbers. The URL is "
    "shown only in this answer.",
    responses=problem_responses(*TEAM_PROBLEMS),
)
def create_team_subscription(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: SignedIn,
    stage: StageDep,
    data: SubscriptionCreate,
) -> SubscriptionCreated:
    created = service.create(
        session, actor=actor, owner=service.team_owner(actor, stage), data=data
    )
    return _created(request, response, created, "read_team_subscription", stage_id=stage.id)


@router.get(
    "/stages/{stage_id}/team/calendar-subscriptions",
    summary="The stage team's calendar subscriptions (never their secrets)",
    responses=problem_responses(*TEAM_PROBLEMS),
)
def list_team_subscriptions(
    session: SessionDep, actor: SignedIn, stage: StageDep
) -> Page[SubscriptionPublic]:
    return _page(session, service.team_owner(actor, stage))


def team_subscription(
    session: SessionDep, actor: SignedIn, stage: StageDep, subscription_id: SubscriptionId
) -> Owned:
    return _owned(session, service.team_owner(actor, stage), subscription_id)


TeamSubscriptionDep = Annotated[Owned, Depends(team_subscription)]


@router.get(
    "/stages/{stage_id}/team/calendar-subscriptions/{subscription_id}",
    summary="One of the stage team's calendar subscriptions",
    responses={
        304: {"description": "Not modified"},
        **problem_responses(*TEAM_PROBLEMS, SubscriptionNotFound),
    },
)
def read_team_subscription(
    request: Request, response: Response, owned: TeamSubscriptionDep
) -> SubscriptionPublic:
    return read_tagged(request, response, service.public(owned.subscription))


@router.delete(
    "/stages/{stage_id}/team/calendar-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a stage team's calendar subscription",
    responses=problem_responses(*WRITE_PROBLEMS, StageNotFound, SubscriptionNotFound),
)
def revoke_team_subscription(
    session: SessionDep,
    actor: SignedIn,
    stage: StageDep,  # unused: listed first, as in the path (and the document)
    owned: TeamSubscriptionDep,
    if_match: IfMatch,
) -> None:
    _revoke(session, actor, owned, if_match)


# --- the feed calendar apps poll -----------------------------------------------------------

Secret = Annotated[
    str,
    Path(
        pattern=r"^cal_[A-Za-z0-9_-]{20,100}$",
        description="The secret of a calendar subscription.",
    ),
]


@router.get(
    "/calendar-feeds/{secret}.ics",
    summary="A subscribed calendar: no token, the secret in the URL is the key",
    description="What calendar apps poll (about hourly). 404 once the subscription is "
    "revoked. The secret never appears in the service's logs. `?lang=nn` for nynorsk "
    "(default: the subscription's language).",
    response_class=Response,
    responses=download_responses(CALENDAR, FeedNotFound, ValidationFailed, inline=True),
)
def calendar_feed(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    secret: Secret,
    lang: Annotated[
        Lang | None, Query(description="`nb` or `nn`; default: the subscription's language.")
    ] = None,
) -> Response:
    del actor  # checks a token only if one is sent; the secret decides what is shown
    body, chosen = service.feed(session, secret, lang)
    return _ics(request, body, "sykkelturen.ics", chosen)
