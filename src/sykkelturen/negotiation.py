"""Content negotiation (RFC 9110 §12): which representation an `Accept` header asks for,
406 when the service offers none of them, and `Vary` so caches keep variants apart.

Every operation under `/api/v1` is checked by `require_acceptable` (a dependency of the
API router), with the media types its OpenAPI entry declares for success. Operations with
several representations pick theirs with `choose`, from the same list.
"""

from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from sykkelturen.problems import Problem

JSON = "application/json"


class NotAcceptable(Problem):
    status, title, code = 406, "Not acceptable", "not_acceptable"


def _ranges(header: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range; parameters other than q are ignored."""
    ranges = []
    for part in header.split(","):
        media, *params = part.strip().split(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        kind, _, sub = media.partition("/")
        quality = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((kind.strip(), sub.strip(), quality))
    return ranges


def _quality(ranges: list[tuple[str, str, float]], offered: str) -> float:
    """The q of the most specific range matching `offered` (0 when none does)."""
    kind, _, sub = offered.split(";", maxsplit=1)[0].strip().lower().partition("/")
    best: tuple[int, float] | None = None
    for range_kind, range_sub, quality in ranges:
        if range_kind == kind and range_sub == sub:
            specificity = 2
        elif range_kind == kind and range_sub == "*":
            specificity = 1
        elif range_kind == "*" and range_sub == "*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best[1] if best else 0.0


def choose(request: Request, offered: list[str]) -> str:
    """The offered media type the caller prefers; the first offered without `Accept`.
    Raises 406 naming what is offered when nothing acceptable is."""
    header = request.headers.get("accept", "").strip()
    if not header:
        return offered[0]
    ranges = _ranges(header)
    if not ranges:
        return offered[0]
    scored = [(_quality(ranges, media), -index, media) for index, media in enumerate(offered)]
    quality, _, media = max(scored)
    if quality <= 0:
        raise NotAcceptable(
            f"This resource is offered as {', '.join(offered)}; `Accept: {header[:200]}` "
            "asks for none of them."
        )
    return media


def offered_types(route: APIRoute) -> list[str]:
    """The success media types an operation declares, its main one first."""
    declared: list[str] = []
    for status, response in (route.responses or {}).items():
        if str(status).startswith("2"):
            declared += list(response.get("content", {}))
    response_class = getattr(route.response_class, "value", route.response_class)  # a default
    main = getattr(response_class, "media_type", None) or JSON
    if response_class is Response and declared:
        return list(dict.fromkeys(declared))
    return list(dict.fromkeys([main, *declared]))


_offered: dict[int, list[str]] = {}


async def require_acceptable(request: Request) -> None:
    """406 before any work when `Accept` excludes everything the operation answers with."""
    header = request.headers.get("accept")
    if not header or "*/*" in header or JSON in header:
        return  # the common cases, decided without parsing
    route: Any = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    offered = _offered.get(id(route))
    if offered is None:
        offered = _offered[id(route)] = offered_types(route)
    choose(request, offered)


def add_vary(response: Response, *names: str) -> None:
    """Add request headers to `Vary`, keeping those already named."""
    present = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    for name in names:
        if name.lower() not in {p.lower() for p in present}:
            present.append(name)
    if present:
        response.headers["Vary"] = ", ".join(present)
