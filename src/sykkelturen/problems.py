"""RFC 9457 problem details: typed problems raised by services, one wire format for all.

Every error the service answers with, whether raised here, by validation, by routing or
by an unexpected exception, is rendered by `problem_response` as
`application/problem+json` with a stable machine `code`.
"""

import logging
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger("sykkelturen")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:sykkelturen:problem:"


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. `body.speeds_kmh.0`.")
    message: str
    type: str = Field(description="Machine-readable kind of failure, e.g. `missing`.")


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(examples=["urn:sykkelturen:problem:stage_not_found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    code: str = Field(description="Stable machine code; switch on this, not on the title.")
    errors: list[FieldError] | None = Field(
        default=None, description="For validation problems: each failing field."
    )
    request_id: str | None = None


class Problem(Exception):
    """Base of every typed problem; subclasses set `status`, `title` and `code`."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    code: str = "internal_error"  # an instance may narrow it (see `code` below)

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        if code is not None:
            self.code = code  # a finer code than the class's, e.g. why a file was refused
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(Problem):
    status, title, code = 400, "Bad request", "bad_request"


class Unauthorized(Problem):
    status, title, code = 401, "Not authenticated", "unauthorized"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="sykkelturen"'})


class Forbidden(Problem):
    status, title, code = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, code = 404, "Not found", "not_found"


class Conflict(Problem):
    status, title, code = 409, "Conflict", "conflict"


class PreconditionFailed(Problem):
    status, title, code = 412, "Precondition failed", "precondition_failed"


class ContentTooLarge(Problem):
    status, title, code = 413, "Content too large", "content_too_large"


class UnsupportedMediaType(Problem):
    status, title, code = 415, "Unsupported media type", "unsupported_media_type"


class UnsupportedContentEncoding(UnsupportedMediaType):
    title, code = "Unsupported content encoding", "unsupported_content_encoding"


class Unprocessable(Problem):
    status, title, code = 422, "Unprocessable content", "unprocessable"


class InvalidDateRange(Unprocessable):
    """An end before its start: a tour's dates, a county's window, a measure's times."""

    title, code = "End before start", "invalid_date_range"


class ValidationFailed(Unprocessable):
    title, code = "Validation failed", "validation_failed"


class PreconditionRequired(Problem):
    status, title, code = 428, "Precondition required", "if_match_required"


class ServiceUnavailable(Problem):
    status, title, code = 503, "Service unavailable", "service_unavailable"


class InvalidCursor(BadRequest):
    title, code = "Invalid cursor", "invalid_cursor"


class MalformedJson(BadRequest):
    title, code = "Malformed JSON", "malformed_json"


class UnknownQueryParameter(BadRequest):
    title, code = "Unknown query parameter", "unknown_query_parameter"


class JsonTooDeep(BadRequest):
    title, code = "JSON nested too deeply", "json_too_deep"


class UnknownReference(Unprocessable):
    title, code = "Unknown reference", "unknown_reference"


@contextmanager
def referenced(field: str) -> Iterator[None]:
    """A body naming something that does not exist is unprocessable (422), not 404: a 404
    would say the resource at the URL is missing."""
    try:
        yield
    except NotFound as missing:
        raise UnknownReference(f"`{field}`: {missing.detail}") from None


class ValueOutOfRange(Unprocessable):
    title, code = "Value out of range", "value_out_of_range"


# What any versioned write may answer besides its own problems.
WRITE_PROBLEMS: tuple[type[Problem], ...] = (
    Unauthorized,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring each problem with the problem+json media type."""
    by_status: dict[int, list[type[Problem]]] = {}
    for problem in dict.fromkeys(problems):
        by_status.setdefault(problem.status, []).append(problem)
    return {
        status: {
            "description": "; ".join(f"{p.title} (`{p.code}`)" for p in classes),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
            },
        }
        for status, classes in sorted(by_status.items())
    }


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    code: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ProblemDetails(
        type=TYPE_PREFIX + code,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=errors,
        request_id=getattr(request.state, "request_id", None),
    )
    response = JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )
    if body.request_id:
        # A 500 is sent from outside the request-id middleware; name the id here too.
        response.headers["X-Request-ID"] = body.request_id
    # ... and outside the response-headers middleware: a problem is never stored.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        code=exc.code,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _encoded_body(request: Request) -> UnsupportedContentEncoding | None:
    """A body FastAPI could not parse because it came gzip- or deflate-encoded: the coding
    is the problem (415), not the JSON. (Bodies are parsed before any dependency runs.)"""
    coding = request.headers.get("content-encoding", "").strip().lower()
    if coding in ("", "identity"):
        return None
    return UnsupportedContentEncoding(
        f"Content-Encoding {coding} is not accepted here; send the body as it is.",
        headers={"Accept-Encoding": "identity"},
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in raw) and (
        encoded := _encoded_body(request)
    ):
        return await _on_problem(request, encoded)
    if raw and all(error.get("loc") == ("header", "If-Match") for error in raw):
        # A missing If-Match is a missing precondition (RFC 6585), not a malformed request.
        problem = PreconditionRequired(
            "Send If-Match with the ETag of the version you edited (from its GET)."
        )
        return await _on_problem(request, problem)
    if any(error.get("type") == "json_invalid" for error in raw):
        return await _on_problem(request, MalformedJson("The request body is not valid JSON."))
    errors = [
        FieldError(
            field=_field_name(tuple(e.get("loc", ()))),
            message=e.get("msg", ""),
            type=e.get("type", ""),
        )
        for e in raw
    ]
    return problem_response(
        request,
        status=422,
        title=ValidationFailed.title,
        code=ValidationFailed.code,
        detail="; ".join(f"{e.field}: {e.message}" for e in errors),
        errors=errors,
    )


_HTTP_CODES = {
    400: ("Bad request", "bad_request"),
    404: ("Not found", "path_not_found"),  # no such URL; a stage without a route is its own
    405: ("Method not allowed", "method_not_allowed"),
    413: (ContentTooLarge.title, ContentTooLarge.code),
}


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. (Starlette names only the methods of
    the first route that matched the path, so `/partners` would claim GET but not POST.)"""
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.routes):
            allowed.append(method)
            if method == "GET":
                allowed.append("HEAD")  # answered by HeadAsGetMiddleware
    return ", ".join(allowed)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        # FastAPI's JSON parser gave up on the nesting (about 1,000 levels and more).
        return await _on_problem(request, JsonTooDeep("The body nests too deeply to read."))
    if exc.status_code == 400 and (encoded := _encoded_body(request)):
        return await _on_problem(request, encoded)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    title, code = _HTTP_CODES.get(exc.status_code, ("HTTP error", f"http_{exc.status_code}"))
    detail = {
        404: f"No resource at {request.url.path}.",
        405: f"{request.method} is not allowed on {request.url.path}.",
        413: "The request body is larger than this endpoint accepts.",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(
        request, status=exc.status_code, title=title, code=code, detail=detail, headers=headers
    )


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first and explain; this catches the race between two
    # requests that both passed the check.
    logger.info("integrity error on %s: %s", request.url.path, exc)
    return await _on_problem(
        request,
        Conflict("The change conflicts with data written at the same time; reload and retry."),
    )


async def _on_stale_data(request: Request, exc: Exception) -> JSONResponse:
    # Two writers read the same version and both passed If-Match; on PostgreSQL the second
    # UPDATE then finds the row at a newer version. (SQLite serialises writers earlier.)
    return await _on_problem(
        request,
        PreconditionFailed(
            "The resource changed while you were saving; reload it and apply your change again."
        ),
    )


async def _on_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    # Fields and parameters carry bounds; this catches a number or date that passed them
    # and still overflowed a column or a calculation.
    logger.warning("value out of range on %s: %s", request.url.path, exc)
    return await _on_problem(
        request,
        ValueOutOfRange(
            "A number or date in the request is outside the range this service handles."
        ),
    )


async def _on_operational_error(request: Request, exc: Exception) -> JSONResponse:
    if getattr(exc, "connection_invalidated", False):
        # The server closed the connection under this request (a restart, a failover, an
        # idle timeout on the way): the pool connects anew, so the next try works.
        logger.warning("database connection lost on %s: %s", request.url.path, exc)
        return _retry_shortly(
            request, "database_unavailable", "The connection to the database was lost"
        )
    if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
        return _retry_shortly(request, "database_busy", "The database is busy")
    return await _on_unexpected(request, exc)


def _retry_shortly(request: Request, code: str, what: str) -> JSONResponse:
    """503 with `Retry-After: 1`: the database will answer the same request shortly."""
    return problem_response(
        request,
        status=503,
        title=ServiceUnavailable.title,
        code=code,
        detail=f"{what}; retry shortly.",
        headers={"Retry-After": "1"},
    )


def _short_traceback(exc: BaseException) -> str:
    """A recursion error's traceback repeats one frame a thousand times: keep its end."""
    lines = traceback.format_exception(exc, limit=-20)
    return "".join(lines)[-8000:]


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    if isinstance(exc, RecursionError):
        logger.error(
            "unexpected error (request id %s): %s",
            request_id,
            _short_traceback(exc),
            extra={"request_id": request_id},
        )
    else:
        logger.exception(
            "unexpected error (request id %s)",
            request_id,
            exc_info=exc,
            extra={"request_id": request_id},
        )
    return problem_response(
        request,
        status=500,
        title=Problem.title,
        code=Problem.code,
        detail=f"Something went wrong on our side; quote request id {request_id} in a report.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(OperationalError, _on_operational_error)
    app.add_exception_handler(StaleDataError, _on_stale_data)
    app.add_exception_handler(DataError, _on_out_of_range)
    app.add_exception_handler(OverflowError, _on_out_of_range)
    app.add_exception_handler(Exception, _on_unexpected)
