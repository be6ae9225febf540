"""gzip for responses whose client accepts it (RFC 9110 §8.4, §12.5.3), as pure ASGI.

- Text formats (JSON, problems, CSV, iCalendar, GPX/XML, GeoJSON, SVG, HTML) over
  `MIN_SIZE` are compressed; small bodies are not worth the header. Zip-based or already
  compressed formats (xlsx, gzip originals, PNG) are left alone.
- A streamed body stays streamed: each chunk is compressed and flushed as it comes, so a
  download starts at once and its memory stays bounded. Server-Sent Events are never
  touched (a proxy or browser must see each event as it is sent).
- `Vary: Accept-Encoding` on every response whose format could be compressed, compressed
  or not, so a cache never hands gzip to a client that did not ask for it.
- A gzip body is a different representation (RFC 9110 §8.8.3), so it carries a different
  strong ETag: the service's tag with `-gzip` inside the quotes. Compression is
  deterministic (no timestamp in the header, one level), so that tag names exactly these
  bytes. Conditional requests name either tag: `If-None-Match` and `If-Match` are handed
  to the endpoints with the suffix taken off (both representations are the same state of
  the resource, so a frontend that read gzip can write with the tag it was given), and a
  304 answers with the tag the client sent.
"""

import zlib

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
            compressed = await compress_large(
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
