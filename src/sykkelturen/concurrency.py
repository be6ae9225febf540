"""ETags from row versions; `If-Match` on writes, `If-None-Match` on reads.

A write to a versioned resource must name the version it was based on (`If-Match`), so a
county contact can never silently overwrite what a colleague saved meanwhile.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request, Response

from sykkelturen.negotiation import add_vary
from sykkelturen.problems import PreconditionFailed

IF_MATCH = "If-Match"


def _if_match(
    if_match: Annotated[
        str,
        Header(
            alias=IF_MATCH,
            description="The `ETag` of the version you edited; a stale one gets 412, "
            "none at all 428.",
        ),
    ],
) -> str:
    return if_match


IfMatch = Annotated[str, Depends(_if_match)]


def etag(version: int, variant: str = "") -> str:
    """The strong ETag of one version of a resource in one representation.

    `variant` separates representations of the same version, e.g. with and without
    personal data, so a cache never serves one caller's view to another.
    """
    return f'"{version}-{variant}"' if variant else f'"{version}"'


def _versions(header: str) -> set[str]:
    versions = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        versions.add(tag.split("-", 1)[0])
    return versions


def check_if_match(if_match: str, current_version: int) -> None:
    if if_match.strip() == "*":
        return
    if str(current_version) not in _versions(if_match):
        raise PreconditionFailed(
            f"The resource changed since you read it; it is now at version {current_version}. "
            "Reload it and apply your change again."
        )


def not_modified(request: Request, current_etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return current_etag in tags


def set_etag(response: Response, current_etag: str) -> None:
    response.headers["ETag"] = current_etag
    add_vary(response, "Authorization")


class NotModified(Exception):
    """Raised by a conditional GET whose `If-None-Match` names the current ETag; carries
    the `Vary` the full answer would have had (RFC 9110 §15.4.5)."""

    def __init__(self, current_etag: str, vary: str = "Authorization") -> None:
        super().__init__(current_etag)
        self.etag = current_etag
        self.vary = vary


def conditional_get(request: Request, response: Response, current_etag: str) -> None:
    """Tag the response; stop with 304 when the caller already holds this version."""
    set_etag(response, current_etag)
    if not_modified(request, current_etag):
        raise NotModified(current_etag, response.headers["Vary"])


async def _on_not_modified(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=304, headers={"ETag": exc.etag, "Vary": exc.vary})


def install_not_modified_handler(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _on_not_modified)
