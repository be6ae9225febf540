"""The OpenAPI document: what FastAPI derives from the routes, completed with what every
endpoint shares but no single route declares (middleware, token check, body parsing).

Integrators generate clients from this document and Schemathesis tests the service
against it, so it must name every status an endpoint can answer.
"""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

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
    problems: list[type[Problem]] = [UnknownQueryParameter]  # checked on every API request
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


def complete_document(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["ProblemDetails"] = problem_schema
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for problem in _shared_problems(operation):
                _declare(operation, problem)
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
