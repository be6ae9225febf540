"""Uvicorn's HTTP protocol, answering a request it cannot parse as the service answers
everything else: an RFC 9457 problem with a request id, logged under that id.

The parser refuses such requests before the application sees them (most often a URL with
unencoded non-ASCII characters, `?note=Første`), and uvicorn's own answer is plain text
without an id, which a client cannot report.
"""

import json
import logging
import uuid

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sykkelturen.problems import PROBLEM_MEDIA_TYPE, TYPE_PREFIX, BadRequest

access_log = logging.getLogger("sykkelturen.access")


class MalformedRequest(BadRequest):
    title, code = "Malformed HTTP request", "malformed_request"


def problem_400() -> tuple[str, bytes]:
    request_id = uuid.uuid4().hex
    body = {
        "type": TYPE_PREFIX + MalformedRequest.code,
        "title": MalformedRequest.title,
        "status": 400,
        "detail": "The request is not valid HTTP/1.1. A URL must be ASCII: percent-encode "
        "other characters (ø as %C3%B8), e.g. with curl --data-urlencode or your HTTP "
        "library's query parameters.",
        "code": MalformedRequest.code,
        "request_id": request_id,
    }
    return request_id, json.dumps(body).encode()


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        request_id, body = problem_400()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for raw_name, raw_value in self.server_state.default_headers:
            head.append(raw_name + b": " + raw_value + b"\r\n")
        for name, value in (
            ("content-type", PROBLEM_MEDIA_TYPE),
            ("content-length", str(len(body))),
            ("x-request-id", request_id),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
            ("connection", "close"),
        ):
            head.append(f"{name}: {value}\r\n".encode())
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()
        access_log.info(
            "unparsable request 400 (%s)",
            msg,
            extra={"request_id": request_id, "status": 400, "path": None, "method": None},
        )
