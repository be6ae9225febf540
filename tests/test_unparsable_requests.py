"""A request the HTTP parser refuses (an unencoded non-ASCII URL) is answered like every
other error: a problem with a request id, logged under that id. Needs a real server: the
refusal happens before the application is called."""

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

from tests import live


def raw_request(url: str, target: bytes) -> tuple[str, dict[str, str], bytes]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return status, headers, body


TARGETS = [b"/api/v1/tours?note=F\xc3\xb8rste", b"/api/v1/t\xc3\xb8urs", b"/api/v1/tours?q=\xff"]


def test_an_unencoded_url_gets_a_problem_with_a_request_id(tmp_path: Path) -> None:
    database_url = live.live_database_url(tmp_path)
    with live.serving(database_url, tmp_path / "server.log") as server:
        answers = [raw_request(server.url, target) for target in TARGETS]
        encoded = raw_request(server.url, b"/api/v1/tours?note=F%C3%B8rste")
        logged = server.access_lines({json.loads(body)["request_id"] for *_, body in answers})
    for status, headers, body in answers:
        assert status == "HTTP/1.1 400 Bad Request"
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["code"] == "malformed_request"
        assert problem["status"] == 400
        assert "%C3%B8" in problem["detail"]
        assert headers["x-request-id"] == problem["request_id"]
        assert problem["request_id"] in logged
    assert encoded[0] == "HTTP/1.1 400 Bad Request"  # the encoded form reaches the app …
    assert json.loads(encoded[2])["code"] == "unknown_query_parameter"  # … which answers
