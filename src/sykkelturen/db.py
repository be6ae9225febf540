"""Database engine, column types shared by every table, and the per-request unit of work.

SQLite is the embedded default and PostgreSQL the production database; both behave the
same here: foreign keys enforced, timestamps timezone-aware UTC, writers that wait for
each other instead of failing.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import declared_attr
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Field, Session, SQLModel

from sykkelturen.config import Settings
from sykkelturen.problems import Conflict

# Constraint names that Alembic can diff and drop on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def never_reuse_ids(metadata: sa.MetaData) -> None:
    """Every table with an integer id is AUTOINCREMENT on SQLite: without it SQLite gives a
    new row `max(id) + 1`, so deleting the newest row hands its id, and every old link,
    export and `If-Match` naming it, to the next row. PostgreSQL sequences never reuse."""
    for table in metadata.tables.values():
        if table.autoincrement_column is not None:
            table.dialect_options["sqlite"]["autoincrement"] = True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so the value is normalised to UTC on the way in and tagged UTC
    on the way out; PostgreSQL stores `timestamptz`.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp as the driver reads it (naive UTC on SQLite), as `UTCDateTime` reads it."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def json_column(nullable: bool = False) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return sa.Column(sa.JSON().with_variant(JSONB(), "postgresql"), nullable=nullable)


def create_db_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = sa.create_engine(
            settings.database_url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return sa.create_engine(
        settings.database_url, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock: SQLite
        # fails it at once with "database is locked". Writers take the lock up front instead
        # and queue behind each other for up to the busy timeout.
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def writer_engine(engine: Engine) -> Engine:
    """The same pool, flagged so SQLite transactions begin IMMEDIATE (no-op elsewhere)."""
    return engine.execution_options(sqlite_immediate=True)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: commit once when the endpoint succeeded.

    Async, so that making the session costs no thread-pool hop: a `Session` connects only
    at its first statement (in the endpoint's thread), and a request that never touched
    the database ends without any I/O. Commit and rollback are I/O and go to a thread."""
    engine: Engine = request.app.state.engine
    writes = request.method in WRITE_METHODS
    if writes:
        engine = request.app.state.write_engine
    # Ending a read on SQLite releases a snapshot of a local file (no I/O to wait for):
    # done here rather than at the cost of another thread-pool hop.
    commit_here = not writes and engine.dialect.name == "sqlite"
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        if session.in_transaction():
            if commit_here:
                session.commit()
            else:
                await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        if session.in_transaction():  # only after a failed commit; returns the connection
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class StaleSnapshot(Exception):
    """Raised by the store step of a `prepared_write` when a row its prepare step read has
    changed since: the write is prepared again from what is there now."""


Prepared = TypeVar("Prepared")
Stored = TypeVar("Stored")

# On SQLite, prepared from a snapshot this many times before an attempt prepares under the
# lock; on PostgreSQL, the attempts before a write that keeps going stale is refused (409).
SNAPSHOT_ATTEMPTS = 2


def prepared_write(
    request: Request,
    prepare: Callable[[Session], Prepared],
    store: Callable[[Session, Prepared], Stored],
) -> Stored:
    """A write whose reads and computation happen before its transaction takes any lock.

    `prepare` reads what the write needs and computes everything (checks, placements, the
    audit's before); `store` re-reads the version of each row the prepared write was
    computed from, raises `StaleSnapshot` when one changed, and stores. Each stale attempt
    is prepared again from what is there now (so a stale `If-Match` gets its 412 from
    `prepare`, as before).

    On SQLite `prepare` runs in a read-only snapshot, without the database-wide write lock,
    and only `store` in the write transaction (`BEGIN IMMEDIATE`). After SNAPSHOT_ATTEMPTS
    stale snapshots the last attempt prepares inside the write transaction itself, under the
    lock from its first statement as every other write, where nothing can change under it,
    so the write always ends. On PostgreSQL, where a write locks only the rows it writes,
    both run in the one write transaction (a separate snapshot would only add round trips);
    `store` still sees what others committed after `prepare` read, and is prepared again.

    Call it from a worker thread, with no request session: it commits before it returns,
    so the lock is held only within this call, never across a thread-pool hop."""
    engine: Engine = request.app.state.engine
    snapshots = SNAPSHOT_ATTEMPTS if engine.dialect.name == "sqlite" else 0
    # One connection for every step: one pool checkout (on PostgreSQL one pre-ping).
    with engine.connect() as connection:
        for attempt in range(SNAPSHOT_ATTEMPTS + 1):
            try:
                if attempt < snapshots:
                    with _unit(connection, write=False) as reading:
                        prepared = prepare(reading)
                    with _unit(connection, write=True) as writing:
                        stored = store(writing, prepared)
                        writing.commit()
                else:
                    with _unit(connection, write=True) as writing:
                        prepared = prepare(writing)
                        writing.expire_all()  # `store` reads the rows again, as they are now
                        stored = store(writing, prepared)
                        writing.commit()
                return stored
            except StaleSnapshot:
                continue
    raise Conflict("What this changes was changed by others while it was saved; send it again.")


@contextmanager
def _unit(connection: sa.Connection, *, write: bool) -> Iterator[Session]:
    """A session of its own transaction on `connection`, rolled back unless committed: a
    read-only one (a plain snapshot on SQLite), or a write (`BEGIN IMMEDIATE` on SQLite)."""
    connection.execution_options(sqlite_immediate=write)
    with Session(connection, autoflush=write, expire_on_commit=False) as session:
        yield session


class Versioned(SQLModel):
    """Rows clients update: `version` is bumped by every UPDATE, which SQLAlchemy issues as
    `UPDATE … WHERE id = :id AND version = :expected`, so of two racing writers one wins
    and the other gets `StaleDataError` (answered 412)."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declared_attr gets the class
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def contains_text(column: Any, text: str, *, whole: bool = False) -> Any:
    """Case-insensitive match of `text` taken literally (no % or _ wildcards from callers):
    anywhere in the column, or the whole value with `whole=True`."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return column.ilike(escaped if whole else f"%{escaped}%", escape="!")
