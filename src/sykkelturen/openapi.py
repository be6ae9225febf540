"""The OpenAPI document: what FastAPI derives from the routes, completed with what every
endpoint shares but no single route declares (middleware, token check, body parsing).

Integrators generate clients from this document and Schemathesis tests the service
against it, so it must name every status an endpoint can answer.
"""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sykkelturen.negotiation import NotAcceptable
from sykkelturen.problems import (
    BadRequest,
    ContentTooLarge,
    InvalidCursor,
    JsonTooDeep,
    MalformedJson,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
    ProblemDetails,
    Unauthorized,
    UnknownQueryParameter,
    problem_responses,
)
from sykkelturen.security import NEEDS_TOKEN

# OpenAPI's way to say "a token is optional": an empty alternative security requirement.
ANONYMOUS_ALLOWED: dict[str, Any] = {"security": [{}]}

# Response headers, declared once under components.headers and referred to by operations.
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The version of this representation; send it in `If-Match` to change "
        "the resource, or in `If-None-Match` to get 304 while it is unchanged.",
        "schema": {"type": "string", "examples": ['"3"']},
    },
    "Location": {
        "description": "The URL of what was created.",
        "schema": {"type": "string", "format": "uri"},
    },
    "Content-Disposition": {
        "description": "The file name to save as (RFC 6266; `filename*` for non-ASCII).",
        "schema": {"type": "string", "examples": ['attachment; filename="kjoreplan.csv"']},
    },
    "Content-Language": {
        "description": "`nb` (bokmål) or `nn` (nynorsk): the language of the texts.",
        "schema": {"type": "string", "enum": ["nb", "nn"]},
    },
    "WWW-Authenticate": {
        "description": "How to authenticate: `Bearer`.",
        "schema": {"type": "string", "examples": ['Bearer realm="sykkelturen"']},
    },
    "X-Request-ID": {
        "description": "The id of this request in the service's logs; quote it in a report.",
        "schema": {"type": "string"},
    },
}


def header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def download_responses(
    media_types: str | dict[str, dict[str, Any]],
    *problems: type[Problem],
    inline: bool = False,
    description: str | None = None,
) -> dict[int | str, dict[str, Any]]:
    """`responses` of an operation that answers with a file (or a choice of files):
    its media types with their schemas, its `Content-Disposition`, its 304."""
    content = (
        {media_types: {"schema": {"type": "string"}}}
        if isinstance(media_types, str)
        else media_types
    )
    return {
        200: {
            "description": description
            or ("Shown in the browser" if inline else "A file to save") + ".",
            "content": content,
            "headers": header_refs("Content-Disposition", "ETag"),
        },
        304: {"description": "Not modified", "headers": header_refs("ETag")},
        **problem_responses(*problems),
    }


def _calls(dependant: Dependant) -> set[object]:
    calls: set[object] = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _calls(sub)
    return calls


def mark_anonymous_operations(router: APIRouter) -> None:
    """Declare the token optional on every endpoint of `router` that does not turn
    anonymous callers away, derived from the dependencies that do (`SignedIn`,
    `CountyWriter`, `NationalOnly`). Call before the router is included."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not _calls(route.dependant) & set(NEEDS_TOKEN):
            route.openapi_extra = {**(route.openapi_extra or {}), **ANONYMOUS_ALLOWED}


def _declare(operation: dict[str, Any], problem: type[Problem]) -> None:
    """Add a problem to an operation's responses, beside any others of the same status."""
    responses = operation.setdefault("responses", {})
    declared = problem_responses(problem)[problem.status]
    existing = responses.get(str(problem.status))
    if existing is None:
        responses[str(problem.status)] = declared
    elif f"`{problem.code}`" not in existing.get("description", ""):
        existing["description"] = f"{existing['description']}; {declared['description']}"
        existing.setdefault("content", declared["content"])


def _shared_problems(operation: dict[str, Any]) -> list[type[Problem]]:
    # An `Accept` it cannot answer; a query parameter it does not take (checked everywhere).
    problems: list[type[Problem]] = [NotAcceptable, UnknownQueryParameter]
    if operation.get("security"):
        problems.append(Unauthorized)  # a malformed, unknown or revoked token
    if "requestBody" in operation:
        problems.append(ContentTooLarge)
        media_types = operation["requestBody"].get("content", {})
        if "application/json" in media_types:
            problems += [MalformedJson, JsonTooDeep]
        if "multipart/form-data" in media_types:
            problems.append(BadRequest)  # a form Starlette cannot parse
    names = {p.get("name") for p in operation.get("parameters", [])}
    if "cursor" in names:
        problems.append(InvalidCursor)
    if "If-Match" in names:
        problems += [PreconditionRequired, PreconditionFailed]
    return problems


TAGS: list[dict[str, str]] = [
    {"name": "counties", "description": "Norway's counties, both the 2020–2023 and the 2024 set."},
    {"name": "tours", "description": "Tours, the counties taking part and their windows."},
    {"name": "stages", "description": "Stages (etapper) in national order."},
    {"name": "routes", "description": "GPX routes with versions, stats, profile and hazards."},
    {"name": "checkpoints", "description": "Places along a stage, and the legs between handovers."},
    {"name": "people", "description": "People of a county: personal data throughout."},
    {"name": "team", "description": "The stage team by role."},
    {"name": "riders", "description": "Pilots, cyclists and passengers, per leg."},
    {"name": "staffing", "description": "Needs against who is recruited."},
    {"name": "partners", "description": "Partners in samskaping (phase 2)."},
    {"name": "activities", "description": "Activities and signal events; the public events."},
    {"name": "press", "description": "Press contacts and the outreach log (phase 4)."},
    {"name": "content", "description": "Photos, films and stories (phase 4)."},
    {"name": "measures", "description": "Run-sheet measures and NF's review."},
    {"name": "progress", "description": "The workshop phases and the report back as checklists."},
    {"name": "run sheet", "description": "The timed itinerary in every format, and `passing`."},
    {
        "name": "report",
        "description": "After the day (phase 5): outcomes, press coverage, impact reports and "
        "partners' thank-you sheets.",
    },
    {"name": "calendars", "description": "Calendars to subscribe to without a token."},
    {
        "name": "day",
        "description": "The day itself: the day-of log, the live view and its event stream.",
    },
    {"name": "access", "description": "Tokens and who the caller is."},
    {"name": "audit", "description": "Who changed what, when."},
    {"name": "health", "description": "Liveness and readiness, for load balancers."},
]


def _declare_headers(method: str, operation: dict[str, Any]) -> None:
    """The headers every operation of a kind sends: ETag where a GET can answer 304 and
    on writes, Location on creates, WWW-Authenticate on 401, X-Request-ID on all."""
    responses = operation.get("responses", {})
    tagged = "304" in responses or method in ("patch", "put")
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        names = ["X-Request-ID"]
        if status in ("200", "304") and tagged:
            names.append("ETag")
        if status == "201":
            names += ["Location", "ETag"]
        if status == "401":
            names.append("WWW-Authenticate")
        for name, ref in header_refs(*names).items():
            headers.setdefault(name, ref)


def _without_item_schemas(operation: dict[str, Any]) -> None:
    """FastAPI describes a Server-Sent Events stream with OpenAPI 3.2's `itemSchema`; this
    document is 3.1, where a stream is a string (its events are described in words)."""
    for response in operation.get("responses", {}).values():
        for media in response.get("content", {}).values():
            if media.pop("itemSchema", None) is not None:
                media.setdefault("schema", {"type": "string"})


def complete_document(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {})["headers"] = HEADERS
    schema["tags"] = TAGS
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["ProblemDetails"] = problem_schema
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            for problem in _shared_problems(operation):
                _declare(operation, problem)
            _declare_headers(method, operation)
            _without_item_schemas(operation)
            operation["responses"] = dict(
                sorted(operation["responses"].items(), key=lambda item: item[0])
            )
    return schema


def install(app: FastAPI) -> None:
    """Serve the completed document at `/openapi.json` and from `app.openapi()`."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
