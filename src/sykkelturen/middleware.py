"""Pure ASGI middleware: request ids with an access-log line, and the declared-size limit."""

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sykkelturen.logs import loggable_path
from sykkelturen.problems import ContentTooLarge, problem_response

access_log = logging.getLogger("sykkelturen.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _header(scope: Scope, name: bytes) -> bytes:
    """A request header's value (the last one of that name), without building a dict."""
    found = b""
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return found


class RequestIdMiddleware:
    """Take a sane `X-Request-ID` from the caller or make one; echo it on the response and
    log method, path, status and duration against it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(scope["path"])
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                path,
                status,
                duration_ms,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )


class BodyLimitMiddleware:
    """Bound every request body, answering with a problem either way: a declared
    `Content-Length` over the limit is refused before reading; a body without one is cut
    off as soon as it passes the limit. (Starlette's own limit answers the first case in
    plain text, outside the problem handlers.)"""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self) -> ContentTooLarge:
        return ContentTooLarge(
            f"The body is larger than the {self.max_body_bytes:,} bytes accepted."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            problem = self._too_large()
            response = problem_response(
                Request(scope),
                status=problem.status,
                title=problem.title,
                code=problem.code,
                detail=problem.detail,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # An HTTPException passes FastAPI's body parsing untouched and is
                    # rendered as a problem by the handlers.
                    raise HTTPException(413, self._too_large().detail)
            return message

        await self.app(scope, receive_within_limit, send)


class HeadAsGetMiddleware:
    """HEAD is GET without the body (RFC 9110 §9.3.2): whatever answers GET answers HEAD
    with the same status and headers, `Content-Length` and `ETag` included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
