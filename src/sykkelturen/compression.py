"""gzip for responses whose client accepts it (RFC 9110 §8.4, §12.5.3), as pure ASGI.

- Text formats (JSON, problems, CSV, iCalendar, GPX/XML, GeoJSON, SVG, HTML) over
  `MIN_SIZE` are compressed; small bodies are not worth the header. Zip-based or already
  compressed formats (xlsx, gzip originals, PNG) are left alone.
- A streamed body stays streamed: each chunk is compressed and flushed as it comes, so a
  download starts at once and its memory stays bounded. Server-Sent Events are never
  touched (a proxy or browser must see each event as it is sent).
- `Vary: Accept-Encoding` on every response whose format could be compressed, compressed
  or not, so a cache never hands gzip to a client that did not ask for it; a 304 carries
  its 200's (`note_representation_type`).
- A gzip body is a different representation (RFC 9110 §8.8.3), so it carries a different
  strong ETag: the service's tag with `-gzip` inside the quotes. Compression is
  deterministic (no timestamp in the header, one level), so that tag names exactly these
  bytes. Conditional requests name either tag: `If-None-Match` and `If-Match` are handed
  to the endpoints with the suffix taken off (both representations are the same state of
  the resource, so a frontend that read gzip can write with the tag it was given), and a
  304 answers with the tag the client sent.
- A body made of kept pieces (`Stitched`: the national run sheet, a piece per stage) is
  compressed piece by piece, each piece once per worker, and its gzip is stitched from
  the kept compressed pieces: only a changed piece is compressed again.
"""

import struct
import zlib
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sykkelturen.caching import LruCache

MIN_SIZE = 1024
LEVEL = 6
GZIP_SUFFIX = "-gzip"
_SUFFIX_BYTES = GZIP_SUFFIX.encode() + b'"'
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream

_COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-ndjson",
    }
)
_NEVER = frozenset({"text/event-stream"})


def compressible(content_type: str) -> bool:
    """Whether a body of this media type is worth compressing (and may be)."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in _NEVER:
        return False
    return (
        media_type.startswith("text/")
        or media_type in _COMPRESSIBLE
        or media_type.endswith(("+json", "+xml"))
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` admits gzip: named (or as `x-gzip`, or by `*`) with a
    q above 0. The most specific entry wins, so `gzip;q=0, *` refuses gzip."""
    named: float | None = None
    wildcard: float | None = None
    for part in accept_encoding.split(","):
        coding, *params = part.strip().split(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            wildcard = quality
    if named is not None:
        return named > 0
    return wildcard is not None and wildcard > 0


def gzip_etag(etag: str) -> str:
    """The tag of the gzip representation: `"abc"` → `"abc-gzip"` (weak stays weak)."""
    if not etag.endswith('"') or etag.endswith(GZIP_SUFFIX + '"'):
        return etag
    return etag[:-1] + GZIP_SUFFIX + '"'


def _without_gzip_tags(value: bytes) -> bytes:
    return value.replace(_SUFFIX_BYTES, b'"')


def compress(body: bytes) -> bytes:
    """A whole body as gzip; the same bytes always give the same gzip."""
    return zlib.compress(body, LEVEL, wbits=_GZIP_WBITS)


# Large bodies that are pulled again and again (the national run sheet after each change,
# by every caller) are compressed once per worker: keyed by the body's own checksum, its
# length and media type as well as its tag, so a hit is always the same bytes.
CACHED_SIZE = 64 * 1024
_compressed: LruCache[tuple[str, str, int, int], bytes] = LruCache(32)


async def compress_large(body: bytes, *, etag: str | None, content_type: str) -> bytes:
    if len(body) < CACHED_SIZE or etag is None:
        return compress(body)
    key = (etag, content_type, len(body), zlib.crc32(body))
    found = _compressed.get(key)
    if found is None:
        found = await anyio.to_thread.run_sync(compress, body)
        _compressed.put(key, found)
    return found


# --- stitched gzip -----------------------------------------------------------------------
# A 4 MB body of which one 15 KB piece changed need not be compressed whole again (25 ms
# of CPU at level 6): deflate (RFC 1951) lets a stream be cut into pieces compressed on
# their own. Each piece is raw deflate (no header) from its own compressor, ended with
# Z_SYNC_FLUSH: non-final blocks ending on a byte boundary, whose back-references stay
# inside the piece (its compressor saw nothing else). Such pieces, in order, followed by a
# final empty block, are one valid deflate stream of the concatenated bytes; a gzip header
# before it and the CRC-32 and length (mod 2**32) of the whole body after it make it ONE
# ordinary gzip member (RFC 1952), which every client reads as any other. The cost is a
# little size (matches never reach into the piece before; 4 bytes per flush) and the CRC
# of the whole body (a few ms for 4 MB, against compressing it all).
#
# The same pieces always give the same bytes (one level, no timestamp), so the `-gzip` tag
# names exactly these bytes, as for a body compressed whole.

# What zlib itself writes for gzip at the default level: magic, deflate, no flags, no
# time, no extra flags, Unix.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # b"\x03\x00"


def deflate_piece(data: bytes) -> bytes:
    """`data` as raw deflate that refers to nothing outside it and ends byte-aligned,
    without a final block: a piece any stitched stream may hold."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


class Piece:
    """A piece of a body and, once asked for, its deflate (`deflate_piece`), kept with it.
    Two threads asking at once both compress it, to the same bytes: no lock needed."""

    __slots__ = ("_deflated", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._deflated: bytes | None = None

    def deflated(self) -> bytes:
        if self._deflated is None:
            self._deflated = deflate_piece(self.data)
        return self._deflated


def stitch(pieces: Sequence[Piece]) -> bytes:
    """The gzip of the pieces' bytes joined, from their kept deflate (see above)."""
    crc = 0
    size = 0
    for piece in pieces:
        crc = zlib.crc32(piece.data, crc)
        size += len(piece.data)
    return b"".join(
        (
            _GZIP_HEADER,
            *(piece.deflated() for piece in pieces),
            _FINAL_BLOCK,
            struct.pack("<II", crc, size & 0xFFFFFFFF),
        )
    )


class Stitched(bytes):
    """A body (these bytes: the pieces joined) that knows its pieces, so that its gzip is
    stitched from them. A subclass of bytes so that it travels as the body itself, through
    `Response` and every middleware, to `GzipMiddleware`, the one place that decides
    whether to compress; its gzip is kept with it (as the body is kept under its ETag)."""

    pieces: Sequence[Piece]
    _gzip: bytes | None

    def __new__(cls, pieces: Sequence[Piece]) -> "Stitched":
        body = super().__new__(cls, b"".join(piece.data for piece in pieces))
        body.pieces = pieces
        body._gzip = None
        return body

    def gzip(self) -> bytes:
        if self._gzip is None:
            self._gzip = stitch(self.pieces)
        return self._gzip


async def _compressed_body(body: bytes, *, etag: str | None, content_type: str) -> bytes:
    if isinstance(body, Stitched):
        return await anyio.to_thread.run_sync(body.gzip)
    return await compress_large(body, etag=etag, content_type=content_type)


# A 304 has no Content-Type to tell whether its representation could be compressed, and it
# must carry the Vary of its 200 (RFC 9110 §15.4.5): an endpoint that answers 304s for a
# format never compressed (xlsx) names its media type in the request's state.
_REPRESENTATION_TYPE = "compression.representation_type"


def note_representation_type(scope: Scope, media_type: str) -> None:
    """Name the media type this request's answer has, for its 304 (see above)."""
    scope.setdefault("state", {})[_REPRESENTATION_TYPE] = media_type


class GzipMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = MIN_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepted = False
        sent_gzip_tags = False
        headers = scope["headers"]
        for name, value in headers:
            if name == b"accept-encoding":
                accepted = accepts_gzip(value.decode("latin-1"))
            elif name in (b"if-none-match", b"if-match") and _SUFFIX_BYTES in value:
                sent_gzip_tags = True
        if sent_gzip_tags:
            scope = {
                **scope,
                "headers": [
                    (name, _without_gzip_tags(value))
                    if name in (b"if-none-match", b"if-match")
                    else (name, value)
                    for name, value in headers
                ],
            }
        responder = _Responder(send, accepted=accepted, minimum_size=self.minimum_size)
        responder.state = scope.setdefault("state", {})
        if sent_gzip_tags:
            responder.client_tags = Headers(raw=headers).get("if-none-match", "")
        await self.app(scope, receive, responder.send)


class _Responder:
    """The `send` of one response: holds the start message until the first body part
    says whether (and how) to compress."""

    def __init__(self, send: Send, *, accepted: bool, minimum_size: int) -> None:
        self.downstream = send
        self.accepted = accepted
        self.minimum_size = minimum_size
        self.client_tags = ""  # the If-None-Match as sent, when it named gzip tags
        self.state: dict[str, Any] = {}  # the request's, where an endpoint notes its type
        self.start: Message | None = None
        self.compressor: zlib._Compress | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
        elif kind == "http.response.body" and self.start is not None:
            await self._on_first_body(message)
        elif kind == "http.response.body" and self.compressor is not None:
            await self._on_more_body(message)
        else:
            if self.start is not None:  # anything but a body: send it as it is
                start, self.start = self.start, None
                await self.downstream(start)
            await self.downstream(message)

    async def _on_start(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        status: int = message["status"]
        if status == 304:
            if compressible(self.state.get(_REPRESENTATION_TYPE, "application/json")):
                headers.add_vary_header("Accept-Encoding")
            etag = headers.get("etag")
            if etag is not None and gzip_etag(etag) in self.client_tags:
                headers["ETag"] = gzip_etag(etag)  # the representation the client holds
            await self.downstream(message)
            return
        if not compressible(headers.get("content-type", "")):
            await self.downstream(message)
            return
        headers.add_vary_header("Accept-Encoding")
        if (
            not self.accepted
            or status < 200
            or status in (204, 206)
            or ("content-encoding" in headers)
        ):
            await self.downstream(message)
            return
        self.start = message  # decided by the first body part

    async def _on_first_body(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if not more_body and len(body) < self.minimum_size:
            await self.downstream(start)
            await self.downstream(message)
            return
        headers = MutableHeaders(scope=start)
        headers["Content-Encoding"] = "gzip"
        etag = headers.get("etag")
        if etag is not None:
            headers["ETag"] = gzip_etag(etag)
        if not more_body:
            compressed = await _compressed_body(
                body, etag=etag, content_type=headers.get("content-type", "")
            )
            headers["Content-Length"] = str(len(compressed))
            await self.downstream(start)
            await self.downstream({"type": "http.response.body", "body": compressed})
            return
        # Streamed: the length is unknown; every chunk goes out as soon as it is made.
        if "content-length" in headers:
            del headers["Content-Length"]
        self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WBITS)
        await self.downstream(start)
        await self._on_more_body(message)

    async def _on_more_body(self, message: Message) -> None:
        assert self.compressor is not None
        more_body: bool = message.get("more_body", False)
        chunk = self.compressor.compress(message.get("body", b""))
        chunk += self.compressor.flush(zlib.Z_SYNC_FLUSH if more_body else zlib.Z_FINISH)
        await self.downstream({"type": "http.response.body", "body": chunk, "more_body": more_body})
