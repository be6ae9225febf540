"""Headers every response carries: who may keep a copy (`Cache-Control`) and what a
browser may do with it (security headers).

Caching: a request that presents a token may get personal data (people, contacts, team
and rider lists, the audit log), so its answer is `private, no-store`: no browser, proxy
or shared computer keeps it. Errors and writes are never stored either. Anonymous reads
are public data and change whenever a county edits: caches may keep them but must
revalidate every time (`no-cache`), which the ETags make a cheap 304. An endpoint that
sets its own `Cache-Control` (a calendar feed: personal data without a token) keeps it.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PERSONAL = "private, no-store"
NOT_STORED = "no-store"
REVALIDATE = "no-cache"

# Paths that answer personal data without an Authorization header (the secret is in the
# URL), and liveness probes nobody should cache.
_PERSONAL_PREFIXES = ("/api/v1/calendar-feeds/",)
_NEVER_CACHED = ("/healthz", "/readyz")

# What our HTML and SVG may load: nothing but their own inline styles and data: images
# (the press sheet, the elevation picture). User text can never run as script.
STRICT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The interactive documentation runs Swagger UI / ReDoc: their scripts, styles and the
# OpenAPI document, from this server (or FastAPI's default CDN), and nothing else.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc")
_ACTIVE_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml")


def cache_control(*, method: str, path: str, status: int, has_token: bool) -> str:
    """The caching policy for one response (see the module docstring)."""
    if has_token or path.startswith(_PERSONAL_PREFIXES):
        return PERSONAL
    if method not in ("GET", "HEAD") or status >= 400 or path in _NEVER_CACHED:
        return NOT_STORED
    return REVALIDATE


# Sent on every response unless the endpoint set them itself: raw, made once.
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))


class ResponseHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        has_token = any(name == b"authorization" for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault(
                    "Cache-Control",
                    cache_control(
                        method=scope["method"],
                        path=path,
                        status=message["status"],
                        has_token=has_token,
                    ),
                )
                if "authorization" not in headers.get("vary", "").lower():
                    # Answers differ by token: a cache must never hand one caller's copy
                    # to another.
                    headers.append("Vary", "Authorization")
                present = {name for name, _ in headers.raw}
                headers.raw.extend(item for item in _ALWAYS if item[0] not in present)
                media_type = headers.get("content-type", "").split(";")[0].strip().lower()
                if media_type in _ACTIVE_TYPES:
                    docs = path.startswith(_DOCS_PATHS)
                    headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else STRICT_CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)
