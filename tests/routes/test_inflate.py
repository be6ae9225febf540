"""`inflate` of a gzip upload, piece by piece: the limit is exact wherever it falls (in a
piece, across pieces, in a later member), inflating stops there, and a member ending
on a piece's edge or an empty one are whole files."""

import gzip
import random
import zlib
from typing import Any

import pytest

from sykkelturen.problems import ContentTooLarge
from sykkelturen.routes.problems import GpxRejected
from sykkelturen.routes.service import INFLATE_PIECE, inflate

_RANDOM = random.Random(13)  # noqa: S311 - reproducible text, not secrets
# About four pieces of text, more than one of gzip: zlib is handed the upload in pieces too.
TEXT = b"".join(
    b"<trkpt lat='%.7f' lon='%.7f'/>\n" % (_RANDOM.uniform(58, 64), _RANDOM.uniform(5, 12))
    for _ in range(4 * INFLATE_PIECE // 40)
)
SPLIT = INFLATE_PIECE + 1000  # where the two-member upload starts its second member
UPLOADS = {
    "one member": gzip.compress(TEXT),
    "two members": gzip.compress(TEXT[:SPLIT]) + gzip.compress(TEXT[SPLIT:]),
}


def test_the_uploads_span_pieces_in_and_out() -> None:
    assert len(TEXT) > 3 * INFLATE_PIECE
    assert len(UPLOADS["one member"]) > INFLATE_PIECE


@pytest.mark.parametrize("upload", UPLOADS.values(), ids=UPLOADS.keys())
def test_text_of_exactly_the_limit_is_accepted(upload: bytes) -> None:
    assert inflate(upload, limit=len(TEXT), gzip_encoded=True) == TEXT


@pytest.mark.parametrize("upload", UPLOADS.values(), ids=UPLOADS.keys())
@pytest.mark.parametrize("limit", [len(TEXT) - 1, SPLIT - 1, INFLATE_PIECE, 10])
def test_one_byte_past_the_limit_is_413(upload: bytes, limit: int) -> None:
    with pytest.raises(ContentTooLarge) as refused:
        inflate(upload, limit=limit, gzip_encoded=True)
    assert refused.value.code == "inflated_too_large"
    assert refused.value.detail == f"The file inflates past the {limit:,} bytes accepted."


def test_inflating_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bomb is refused after the limit and one byte, not after inflating it all."""
    given: list[int] = []
    decompressobj = zlib.decompressobj

    class Counting:
        def __init__(self, **kwargs: Any) -> None:
            self.inflater = decompressobj(**kwargs)

        def decompress(self, data: bytes, max_length: int) -> bytes:
            piece = self.inflater.decompress(data, max_length)
            given.append(len(piece))
            return piece

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inflater, name)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    limit = 2 * INFLATE_PIECE + 5
    with pytest.raises(ContentTooLarge):
        inflate(gzip.compress(b" " * (100 * INFLATE_PIECE)), limit=limit, gzip_encoded=True)
    assert sum(given) == limit + 1


@pytest.mark.parametrize(
    "members",
    [
        [b"x" * (2 * INFLATE_PIECE)],  # the last call is handed the trailer alone
        [TEXT, b""],
        [b"", TEXT],
        [b""],
    ],
    ids=["ends-on-a-piece-edge", "empty-last-member", "empty-first-member", "empty"],
)
def test_members_on_piece_edges_and_empty_ones_are_whole(members: list[bytes]) -> None:
    upload = b"".join(gzip.compress(member) for member in members)
    text = b"".join(members)
    assert inflate(upload, limit=len(text), gzip_encoded=True) == text


@pytest.mark.parametrize(
    ("upload", "detail"),
    [
        (UPLOADS["one member"][:-1], "The gzip data is truncated."),
        (UPLOADS["one member"][:INFLATE_PIECE], "The gzip data is truncated."),
        (
            UPLOADS["two members"] + b"\x00" * 5,
            "5 bytes follow the gzip data; send the file alone.",
        ),
        (b"\x1f\x8b", "The gzip data is truncated."),
    ],
    ids=["last-byte-cut", "cut-at-a-piece", "trailing-bytes", "magic-alone"],
)
def test_broken_gzip_is_refused(upload: bytes, detail: str) -> None:
    with pytest.raises(GpxRejected) as refused:
        inflate(upload, limit=len(TEXT), gzip_encoded=True)
    assert refused.value.code == "gpx_bad_gzip"
    assert refused.value.detail == detail
