"""gzip responses (issue 15): only when accepted, only over 1 KB, streams kept streaming,
and ETags that name what the client received."""

import gzip
import json
import shutil
import subprocess
import zlib
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from sykkelturen import compression
from sykkelturen.compression import (
    MIN_SIZE,
    GzipMiddleware,
    Piece,
    Stitched,
    accepts_gzip,
    compress_large,
    gzip_etag,
    stitch,
)
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, tour_with_counties

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
LONG_NOTES = "Oppmøte ved stadion; kaffe og vafler. " * 60  # a stage body well over 1 KB


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    tour = tour_with_counties(callers.national)
    return make_stage(callers.county_15, tour["id"], notes=LONG_NOTES)


def raw_body(client: TestClient, url: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    """The response and its body as sent on the wire (not decoded)."""
    with client.stream("GET", url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("x-gzip", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


class TestWhatIsCompressed:
    def test_a_large_body_is_gzip_when_accepted_and_decodes_to_the_same(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}"
        plain, plain_bytes = raw_body(callers.anonymous, url, IDENTITY)
        packed, packed_bytes = raw_body(callers.anonymous, url, GZIP)
        assert len(plain_bytes) > MIN_SIZE
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert int(packed.headers["content-length"]) == len(packed_bytes) < len(plain_bytes)
        assert gzip.decompress(packed_bytes) == plain_bytes
        # And as httpx decodes it for a client that asks by default.
        decoded = callers.anonymous.get(url)
        assert decoded.headers["content-encoding"] == "gzip"
        assert decoded.json() == json.loads(plain_bytes)
        for response in (plain, packed):
            assert "Accept-Encoding" in response.headers["vary"]
            assert "Authorization" in response.headers["vary"]

    def test_a_small_body_is_sent_as_it_is_but_varies(self, client: TestClient) -> None:
        response, body = raw_body(client, "/healthz", GZIP)
        assert "content-encoding" not in response.headers
        assert json.loads(body) == {"status": "ok"}
        assert "Accept-Encoding" in response.headers["vary"]

    def test_a_problem_over_1_kb_is_compressed_too(self, client: TestClient) -> None:
        response, body = raw_body(client, f"{API}/tours?{'x' * 1500}=1", GZIP)
        assert response.status_code == 400
        assert response.headers["content-encoding"] == "gzip"
        assert json.loads(gzip.decompress(body))["code"] == "unknown_query_parameter"

    def test_a_spreadsheet_is_never_compressed_again(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        response, body = raw_body(
            callers.national,
            f"{API}/tours/{stage['tour_id']}/run-sheet?format=xlsx",
            GZIP,
        )
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert body.startswith(b"PK")  # a zip, as sent

    def test_the_live_stream_is_never_compressed(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        response, body = raw_body(
            callers.anonymous, f"{API}/tours/{stage['tour_id']}/live/stream?max_events=1", GZIP
        )
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        assert body.startswith(b"retry:") or b"event: live" in body


class TestTags:
    def test_the_gzip_representation_has_its_own_strong_tag(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}"
        plain = callers.anonymous.get(url, headers=IDENTITY)
        packed = callers.anonymous.get(url, headers=GZIP)
        assert packed.headers["etag"] == gzip_etag(plain.headers["etag"])
        assert packed.headers["etag"] != plain.headers["etag"]
        assert not packed.headers["etag"].startswith("W/")

    def test_if_none_match_with_the_gzip_tag_is_304_naming_it(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}"
        tag = callers.anonymous.get(url, headers=GZIP).headers["etag"]
        again = callers.anonymous.get(url, headers={**GZIP, "If-None-Match": tag})
        assert again.status_code == 304
        assert again.headers["etag"] == tag
        assert "Accept-Encoding" in again.headers["vary"]

    def test_if_none_match_with_the_plain_tag_is_304_as_well(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        # Both are the same state of the stage (weak comparison, RFC 9110 §8.8.3.2).
        url = f"{API}/stages/{stage['id']}"
        tag = callers.anonymous.get(url, headers=IDENTITY).headers["etag"]
        again = callers.anonymous.get(url, headers={**GZIP, "If-None-Match": tag})
        assert again.status_code == 304
        assert again.headers["etag"] == tag

    def test_a_write_may_name_the_tag_it_read_in_gzip(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}"
        tag = callers.county_15.get(url, headers=GZIP).headers["etag"]
        assert tag.endswith('-gzip"')
        changed = callers.county_15.patch(
            url, json={"name": "Ny etappe"}, headers={"If-Match": tag}
        )
        assert ok(changed)["name"] == "Ny etappe"
        stale = callers.county_15.patch(url, json={"name": "Igjen"}, headers={"If-Match": tag})
        assert stale.status_code == 412
        # The tag of the write's answer is the one a following GET gives, in the same coding.
        assert changed.headers["etag"] == callers.county_15.get(url, headers=GZIP).headers["etag"]

    def test_head_shows_the_headers_of_get(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = f"{API}/stages/{stage['id']}"
        get = callers.anonymous.get(url, headers=GZIP)
        head = callers.anonymous.head(url, headers=GZIP)
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-encoding", "content-length", "etag", "vary"):
            assert head.headers[name] == get.headers[name], name


# --- The middleware alone, at the ASGI level --------------------------------------------


def streaming_app(content_type: str, chunks: list[bytes], delivered: anyio.Event) -> Any:
    """Sends the first chunk, then waits until the client has it before sending the rest:
    a middleware that held the first chunk back would never see the rest."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type.encode()), (b"etag", b'"v1"')],
            }
        )
        await send({"type": "http.response.body", "body": chunks[0], "more_body": True})
        await delivered.wait()
        for chunk in chunks[1:]:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def run_streamed(content_type: str, chunks: list[bytes]) -> tuple[Message, list[bytes], bytes]:
    """(start message, body parts as sent, what the client read before the rest was sent)."""
    sent: list[Message] = []
    first_read = b""

    async def main() -> None:
        nonlocal first_read
        delivered = anyio.Event()
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

        async def send(message: Message) -> None:
            nonlocal first_read
            sent.append(message)
            if message["type"] == "http.response.body" and not delivered.is_set():
                start = dict(sent[0]["headers"])
                body = message["body"]
                first_read = inflate.decompress(body) if b"content-encoding" in start else body
                delivered.set()

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
        middleware = GzipMiddleware(streaming_app(content_type, chunks, delivered))
        with anyio.fail_after(10):  # a buffering middleware would wait forever
            await middleware(scope, receive, send)

    anyio.run(main)
    return sent[0], [m["body"] for m in sent[1:]], first_read


def test_a_streamed_download_is_compressed_chunk_by_chunk() -> None:
    chunks = [b"stage;km;time\n" + b"1;0.0;11:30\n" * 200, b"1;12.5;12:30\n" * 200]
    start, parts, first_read = run_streamed("text/csv; charset=utf-8", chunks)
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip"
    assert b"content-length" not in headers
    assert headers[b"etag"] == b'"v1-gzip"'
    assert first_read == chunks[0]  # readable before the second chunk was even made
    assert gzip.decompress(b"".join(parts)) == b"".join(chunks)


def test_an_event_stream_passes_untouched() -> None:
    chunks = [b"event: live\ndata: {}\n\n", b": heartbeat\n\n"]
    start, parts, first_read = run_streamed("text/event-stream", chunks)
    assert b"content-encoding" not in dict(start["headers"])
    assert first_read == chunks[0]
    assert b"".join(parts) == b"".join(chunks)


def test_a_large_body_is_compressed_once_and_only_reused_for_the_same_bytes() -> None:
    body = json.dumps([{"stage": n, "place": "Valldal"} for n in range(5000)]).encode()
    changed = body.replace(b"Valldal", b"Stordal")

    async def main() -> tuple[bytes, bytes, bytes]:
        first = await compress_large(body, etag='"v1"', content_type="application/json")
        again = await compress_large(body, etag='"v1"', content_type="application/json")
        # A body that differs under the same tag (a bug elsewhere) still gets its own gzip.
        other = await compress_large(changed, etag='"v1"', content_type="application/json")
        return first, again, other

    first, again, other = anyio.run(main)
    assert again is first
    assert gzip.decompress(first) == body
    assert gzip.decompress(other) == changed


# --- stitched gzip: a body in kept pieces, each compressed once --------------------------

PIECES = [
    b'{"stages":[',
    json.dumps([{"stage": n, "place": "Valldal", "km": n * 0.5} for n in range(3000)]).encode(),
    b",",
    b"",  # an empty piece is a valid piece too
    "Ørsta – Ålesund, «kjøreplan» ".encode() * 500,
    b",",
    bytes(range(256)) * 300,  # not text: any bytes
    b"]}",
]


def client_reads(packed: bytes) -> bytes:
    """What httpx and requests do with a gzip body: one decoder read to the end, which
    must find the end of the stream and nothing after it."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    body = decoder.decompress(packed) + decoder.flush()
    assert decoder.eof
    assert decoder.unused_data == b""
    return body


def test_stitched_pieces_are_one_gzip_member_every_decoder_reads() -> None:
    body = b"".join(PIECES)
    packed = stitch([Piece(p) for p in PIECES])
    assert gzip.decompress(packed) == body
    assert client_reads(packed) == body
    assert zlib.decompress(packed, 16 + zlib.MAX_WBITS) == body
    # The file's own header and trailer: CRC-32 and length of the whole body.
    assert packed[:2] == b"\x1f\x8b"
    assert packed[-8:-4] == zlib.crc32(body).to_bytes(4, "little")
    assert packed[-4:] == len(body).to_bytes(4, "little")


GZIP_COMMAND = shutil.which("gzip")


@pytest.mark.skipif(GZIP_COMMAND is None, reason="no gzip command")
def test_the_gzip_command_reads_a_stitched_body() -> None:
    assert GZIP_COMMAND is not None
    packed = stitch([Piece(p) for p in PIECES])
    decoded = subprocess.run([GZIP_COMMAND, "-dc"], input=packed, capture_output=True, check=True)
    assert decoded.stdout == b"".join(PIECES)
    assert decoded.stderr == b""  # no "trailing garbage ignored"
    assert subprocess.run([GZIP_COMMAND, "-t"], input=packed, check=False).returncode == 0


def count_deflates(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every piece compressed from now on, in order."""
    made: list[bytes] = []
    deflate = compression.deflate_piece

    def counted(data: bytes) -> bytes:
        made.append(data)
        return deflate(data)

    monkeypatch.setattr(compression, "deflate_piece", counted)
    return made


def test_a_kept_piece_is_compressed_once_and_a_changed_piece_changes_the_gzip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = count_deflates(monkeypatch)
    kept = [Piece(p) for p in PIECES]
    first = Stitched(kept)
    assert first == b"".join(PIECES)
    packed = first.gzip()
    assert first.gzip() is packed  # kept with the body
    assert len(made) == len(PIECES)
    made.clear()
    changed = [*kept[:4], Piece(PIECES[4].replace("Ålesund".encode(), b"Molde")), *kept[5:]]
    again = Stitched(changed).gzip()
    assert made == [changed[4].data]  # only the new piece was compressed
    assert again != packed
    assert gzip.decompress(again) == b"".join(p.data for p in changed)
    assert Stitched(kept).gzip() == packed  # the same pieces, the same bytes


def test_the_middleware_sends_a_stitched_body_as_its_stitched_gzip() -> None:
    body = Stitched([Piece(p) for p in PIECES])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"etag", b'"v1"')],
            }
        )
        await send({"type": "http.response.body", "body": body})

    sent: list[Message] = []

    async def main() -> None:
        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "headers": [(b"accept-encoding", b"gzip")]}
        await GzipMiddleware(app)(scope, receive, send)

    anyio.run(main)
    start, sent_body = sent
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"etag"] == b'"v1-gzip"'
    assert sent_body["body"] == body.gzip() == stitch(body.pieces)
    assert int(headers[b"content-length"]) == len(sent_body["body"])
    assert client_reads(sent_body["body"]) == body
