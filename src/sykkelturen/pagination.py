"""Keyset pagination: `limit` and an opaque `cursor`, a stable order, `next_cursor` in the body.

A cursor is the sort key of the last item returned, so pages stay stable while rows are
added or removed elsewhere in the list.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import pydantic_core
import sqlalchemy as sa
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Mapped
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from sykkelturen.problems import InvalidCursor
from sykkelturen.values import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")
Row = TypeVar("Row")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


async def page_params(  # async: pure, so no thread-pool hop for every list
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageQuery = Annotated[PageParams, Depends(page_params)]


def page_json(items: Sequence[bytes], next_cursor: str | None) -> bytes:
    """A `Page`'s body from items already written as JSON, as the model writes it (its
    fields in order, no spaces), without reading the items back."""
    return b'{"items":[%b],"next_cursor":%b}' % (
        b",".join(items),
        pydantic_core.to_json(next_cursor),
    )


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor("The cursor is not one this service issued.") from error
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor("The cursor is not one this service issued.")
    if not all(isinstance(value, str | int | float) for value in values):
        raise InvalidCursor("The cursor is not one this service issued.")
    return values


def _require_type(column: Mapped[Any], value: Any) -> None:
    """A cursor's value has its column's type (a string for an integer key would reach the
    database as a type error on PostgreSQL, a silent wrong page on SQLite)."""
    column_type = column.type  # type: ignore[attr-defined]
    stored = getattr(column_type, "impl", column_type)  # SQLModel's AutoString decorates String
    kind = str if isinstance(stored, sa.String) else column_type.python_type
    if kind is int:
        fits = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID
    elif kind is str:
        fits = isinstance(value, str) and len(value) <= 500 and "\x00" not in value
    else:
        fits = isinstance(value, str | int | float) and not isinstance(value, bool)
    if not fits:
        raise InvalidCursor("The cursor is not one this service issued.")


Statement = TypeVar("Statement", bound=sa.Select[Any])


def _page_statement(
    statement: Statement, page: PageParams, columns: Sequence[Mapped[Any]], descending: bool
) -> Statement:
    if page.cursor is not None:
        after = decode_cursor(page.cursor, len(columns))
        for column, value in zip(columns, after, strict=True):
            _require_type(column, value)
        bound = sa.tuple_(*columns)
        statement = statement.where(bound < tuple(after) if descending else bound > tuple(after))
    ordering = [c.desc() if descending else c.asc() for c in columns]
    return statement.order_by(*ordering).limit(page.limit + 1)


def _cut(
    rows: list[T], page: PageParams, key: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, encode_cursor(key(rows[-1]))


def paginate(
    session: Session,
    statement: SelectOfScalar[Row],
    *,
    page: PageParams,
    order_by: Sequence[Mapped[Any]],
    key: Callable[[Row], Sequence[Any]],
    descending: bool = False,
) -> tuple[list[Row], str | None]:
    """Rows of one page in the order of `order_by` (a unique key), and the next cursor.

    `key` extracts the same values from a row as `order_by` names, in the same order.
    Sort keys are integers or strings, so a cursor never needs a typed literal.
    """
    paged = _page_statement(statement, page, list(order_by), descending)
    return _cut(list(session.exec(paged).all()), page, key)


def paginate_rows(
    connection: sa.Connection,
    statement: sa.Select[Any],
    *,
    page: PageParams,
    order_by: Sequence[Mapped[Any]],
    key: Callable[[sa.Row[Any]], Sequence[Any]],
    descending: bool = False,
) -> tuple[list[sa.Row[Any]], str | None]:
    """`paginate` for a Core query of columns, on a connection: plain rows, no ORM
    objects."""
    paged = _page_statement(statement, page, list(order_by), descending)
    return _cut(list(connection.execute(paged).all()), page, key)


def paginate_sorted(
    items: Sequence[Row], *, page: PageParams, key: Callable[[Row], list[Any]]
) -> tuple[list[Row], str | None]:
    """One page of a list already in its stable order, which `key` must follow (values
    that compare like the list is sorted): for lists computed in Python, such as events
    timed from the passage."""
    rows = list(items)
    if page.cursor is not None:
        first = rows[0] if rows else None
        after = decode_cursor(page.cursor, len(key(first)) if first is not None else 0)
        try:
            rows = [row for row in rows if key(row) > after]
        except TypeError:
            raise InvalidCursor("The cursor is not one this service issued.") from None
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, encode_cursor(key(rows[-1]))
