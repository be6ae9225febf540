"""ETags of representations; `If-Match` on writes, `If-None-Match` on reads (RFC 9110 §13).

An ETag is a digest of exactly what the body shows: the row, the people and partners it
embeds, the times computed from the route, and what the caller may see. So it changes
whenever the body does, a write answers with the ETag a following GET gives, and a
conditional GET never answers 304 for a body that changed.

A write to a resource must name the ETag it was based on (`If-Match`), so a county
contact can never silently overwrite what a colleague saved meanwhile. Row versions
(`db.Versioned`) still guard the moment of the write itself: of two writers that both
passed `If-Match`, one wins.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Header, Request, Response
from pydantic import BaseModel

from sykkelturen.negotiation import add_vary
from sykkelturen.problems import PreconditionFailed

IF_MATCH = "If-Match"

Body = TypeVar("Body", bound=BaseModel)


async def _if_match(
    if_match: Annotated[
        str,
        Header(
            alias=IF_MATCH,
            description="The `ETag` of the resource as you read it, exactly (a strong tag, "
            'quotes included, e.g. `"5d41402abc4b2a76b9719d911017c592"`); a stale, weak or '
            "malformed one gets 412, none at all 428.",
        ),
    ],
) -> str:
    # `async`: a header read is no I/O, and a sync dependency costs a thread-pool hop.
    return if_match


IfMatch = Annotated[str, Depends(_if_match)]


def etag_of(body: BaseModel) -> str:
    """The strong ETag of a representation: a digest of its JSON (keys sorted, so the order
    a database hands back a JSON column in does not matter)."""
    return _digest(body.model_dump(mode="json"))


def etag_of_json(content: bytes) -> str:
    """`etag_of` for a body already written as JSON: the same tag, from the values the body
    reads back as (the same JSON values `model_dump(mode="json")` gives)."""
    return _digest(json.loads(content))


def _digest(values: object) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def etag_of_bytes(content: bytes) -> str:
    """The strong ETag of a body sent as bytes (GPX, GeoJSON, pictures)."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


@dataclass(frozen=True)
class EntityTag:
    tag: str  # with its quotes
    weak: bool


def parse_entity_tags(header: str) -> list[EntityTag] | None:
    """The entity tags of an `If-Match` / `If-None-Match` list; None when it is malformed
    (an unquoted tag, a stray character) — a malformed tag matches nothing."""
    tags = []
    position = 0
    header = header.strip()
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None or match.end() == position:
            return None
        tags.append(EntityTag(tag=match.group(2), weak=match.group(1) is not None))
        position = match.end()
    return tags or None


def check_if_match(if_match: str, current_etag: str) -> None:
    """`If-Match` uses the strong comparison (RFC 9110 §13.1.1): a weak tag never matches."""
    if if_match.strip() == "*":
        return
    tags = parse_entity_tags(if_match)
    if tags is None:
        raise PreconditionFailed(
            "If-Match is not a list of quoted entity tags; send the ETag header you read, "
            'quotes included, e.g. If-Match: "5d41402abc4b2a76b9719d911017c592".'
        )
    if any(t.tag == current_etag for t in tags if not t.weak):
        return
    if any(t.tag == current_etag for t in tags):
        raise PreconditionFailed(
            "A weak ETag (W/…) never satisfies If-Match; send the strong ETag you read."
        )
    raise PreconditionFailed(
        "The resource changed since you read it. Read it again (GET), apply your change to "
        "what it is now, and send the new ETag."
    )


def not_modified(request: Request, current_etag: str) -> bool:
    """`If-None-Match` uses the weak comparison (RFC 9110 §13.1.2)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = parse_entity_tags(header) or []
    return any(t.tag == current_etag for t in tags)


def set_etag(response: Response, current_etag: str) -> None:
    response.headers["ETag"] = current_etag
    add_vary(response, "Authorization")


def tagged(response: Response, body: Body) -> Body:
    """A write's answer: the body, with the ETag a following GET gives."""
    set_etag(response, etag_of(body))
    return body


class NotModified(Exception):
    """Raised by a conditional GET whose `If-None-Match` names the current ETag; carries
    the `Vary` the full answer would have had (RFC 9110 §15.4.5)."""

    def __init__(self, current_etag: str, vary: str = "Authorization") -> None:
        super().__init__(current_etag)
        self.etag = current_etag
        self.vary = vary


def conditional_get(request: Request, response: Response, current_etag: str) -> None:
    """Tag the response; stop with 304 when the caller already holds this representation."""
    set_etag(response, current_etag)
    if not_modified(request, current_etag):
        raise NotModified(current_etag, response.headers["Vary"])


def read_tagged(request: Request, response: Response, body: Body) -> Body:
    """A read's answer: the body with its ETag, or 304 when the caller holds exactly it."""
    conditional_get(request, response, etag_of(body))
    return body


def read_tagged_json(request: Request, content: bytes, current_etag: str) -> Response:
    """`read_tagged` for a body already written as JSON, with its tag (`etag_of_json`): the
    response itself, so FastAPI neither validates nor serialises it again (the route still
    declares its model for the OpenAPI document)."""
    response = Response(content, media_type="application/json")
    conditional_get(request, response, current_etag)
    return response


def not_modified_response(current_etag: str, vary: str) -> Response:
    """The 304 of a conditional GET: its ETag and the `Vary` of the full answer. Returned
    by an endpoint whose 304 is its busiest answer (the run sheets), which raising
    `NotModified` through FastAPI's exception handling would cost more than the rest."""
    return Response(status_code=304, headers={"ETag": current_etag, "Vary": vary})


async def _on_not_modified(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return not_modified_response(exc.etag, exc.vary)


def install_not_modified_handler(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _on_not_modified)
