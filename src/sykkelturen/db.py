"""Database engine, column types shared by every table, and the per-request unit of work.

SQLite is the embedded default and PostgreSQL the production database; both behave the
same here: foreign keys enforced, timestamps timezone-aware UTC, writers that wait for
each other instead of failing.
"""

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


class WriterQueue:
    """SQLite's writers in turn: first come, first served among the threads of this process,
    and across processes a lock on a file beside the database (`<db>-writer.lock`) that the
    kernel hands to a waiting process as soon as it is released.

    SQLite's own busy handler does not queue: a writer that finds the lock taken sleeps and
    tries again, with sleeps growing to 100 ms, so one that has waited long tries seldom and
    a newcomer that arrives just as the lock comes free often goes first (the write tail of
    `bench.load` was that, not work). So every write transaction (`BEGIN IMMEDIATE`, see
    `_on_begin`) first takes its turn here, then begins, and gives the turn back when it
    commits or rolls back (`_QueuedConnection`), failed or not. A process that dies gives
    its file lock back with it. The busy timeout is the whole wait, queue and SQLite's lock
    together; a writer that waited longer gets what SQLite would answer ("database is
    locked", 503 `database_busy`)."""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self._mutex = threading.Lock()
        self._taken = False  # the turn of this process is out
        self._waiting: deque[threading.Event] = deque()  # each one's turn, in order

    @property
    def waiting(self) -> int:
        """Writers of this process waiting for their turn (for tests and diagnostics)."""
        with self._mutex:
            return len(self._waiting)

    def take(self, timeout_s: float) -> int | None:
        """Wait for this thread's turn, then for the file lock; the lock's descriptor (give it
        back with `give_back`), or None when `timeout_s` passed first."""
        deadline = time.monotonic() + timeout_s
        if not self._take_turn(deadline):
            return None
        try:
            fd = self._lock_file(deadline)
        except BaseException:
            self._pass_turn()
            raise
        if fd is None:
            self._pass_turn()
        return fd

    def give_back(self, fd: int) -> None:
        try:
            os.close(fd)  # releases the file lock: a process waiting for it wakes now
        finally:
            self._pass_turn()

    def _take_turn(self, deadline: float) -> bool:
        with self._mutex:
            if not self._taken:
                self._taken = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(max(0.0, deadline - time.monotonic())):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ended: it is ours
                return True
            self._waiting.remove(turn)
            return False

    def _pass_turn(self) -> None:
        """To the writer that has waited longest, or to whoever comes next."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._taken = False

    def _lock_file(self, deadline: float) -> int | None:
        # A descriptor (an open file description) per turn: its lock is this turn's alone.
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        # Held by another process. `flock` cannot wait with a timeout, so a thread of its
        # own waits for it; if the deadline passes first, that thread lets go of the lock
        # the moment it gets it.
        attempt = _Attempt(fd)
        threading.Thread(
            target=self._wait_for_file, args=(attempt,), name="sqlite-writer-lock", daemon=True
        ).start()
        attempt.done.wait(max(0.0, deadline - time.monotonic()))
        with self._mutex:
            if attempt.error is not None:
                os.close(fd)
                raise attempt.error
            if attempt.done.is_set():
                return fd
            attempt.abandoned = True
            return None

    def _wait_for_file(self, attempt: "_Attempt") -> None:
        try:
            fcntl.flock(attempt.fd, fcntl.LOCK_EX)
        except OSError as error:
            with self._mutex:
                attempt.error = error
                attempt.done.set()
                abandoned = attempt.abandoned
            if abandoned:
                os.close(attempt.fd)
            return
        with self._mutex:
            if not attempt.abandoned:
                attempt.done.set()
                return
        os.close(attempt.fd)


@dataclass(eq=False)
class _Attempt:
    """One wait for the file lock by a thread of its own (see `WriterQueue._lock_file`)."""

    fd: int
    done: threading.Event = field(default_factory=threading.Event)
    abandoned: bool = False
    error: OSError | None = None


_writer_queues: dict[str, WriterQueue] = {}
_writer_queues_mutex = threading.Lock()


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The queue of writers to `engine`'s SQLite file, one per file in a process, whichever
    engine writes to it; None for PostgreSQL and for a database in memory."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI: no plain path to put the lock beside
        return None
    lock_path = os.path.abspath(database) + "-writer.lock"
    with _writer_queues_mutex:
        return _writer_queues.setdefault(lock_path, WriterQueue(lock_path))


class _QueuedConnection(sqlite3.Connection):
    """sqlite3's connection, giving its writer's turn back when the transaction ends: after
    COMMIT or ROLLBACK has run (SQLAlchemy's `commit`/`rollback` events come before), also
    when either fails, and when the connection is closed."""

    writer_queue: WriterQueue | None = None
    writer_turn: int | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()

    def end_turn(self) -> None:
        turn, self.writer_turn = self.writer_turn, None
        if turn is not None and self.writer_queue is not None:
            self.writer_queue.give_back(turn)


def _database_locked() -> sa.exc.OperationalError:
    """What SQLite answers a writer whose busy timeout passed, as SQLAlchemy raises it."""
    return sa.exc.OperationalError(
        "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
    )


def create_db_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = sa.create_engine(
            settings.database_url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
                "factory": _QueuedConnection,
            },
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    engine = sa.create_engine(settings.database_url, pool_size=10, max_overflow=10)
    _ping_after_idle(engine)
    return engine


# How long a PostgreSQL connection may have sat in the pool before it is tried first.
PING_AFTER_IDLE_S = 1.0


def _ping_after_idle(engine: Engine) -> None:
    """Try a pooled connection (one round trip) before use only if it sat idle for a while.

    A connection can die in the pool (the server restarted, an idle timeout on the way);
    one that a request gave back a moment ago is alive, and under load that is nearly
    every checkout. SQLAlchemy's `pool_pre_ping` pings every checkout: two extra round trips
    per request (the token's read and the request's own), each, on a busy machine, another
    wait for the backend and for the worker's turn to run. A failed ping makes the pool
    connect anew (`DisconnectionError`), as `pool_pre_ping` does."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise sa.exc.DisconnectionError("the pooled connection is gone") from error


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    queue = writer_queue(engine)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_queue = queue
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock: SQLite
        # fails it at once with "database is locked". Writers take the lock up front instead,
        # after their turn in the writer queue.
        options = connection.get_execution_options()
        if options.get("sqlite_immediate"):
            _begin_write(connection, busy_timeout_ms)
        elif not options.get("sqlite_autocommit"):
            connection.exec_driver_sql("BEGIN")


def _begin_write(connection: sa.Connection, busy_timeout_ms: int) -> None:
    """`BEGIN IMMEDIATE` after this writer's turn in the queue, within the busy timeout."""
    dbapi_connection = connection.connection.dbapi_connection
    assert isinstance(dbapi_connection, _QueuedConnection)
    queue = dbapi_connection.writer_queue
    if queue is None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    started = time.monotonic()
    turn = queue.take(busy_timeout_ms / 1000)
    if turn is None:
        raise _database_locked()
    dbapi_connection.writer_turn = turn
    # The lock is normally free now; a writer outside the queue (a command, a deferred
    # transaction) may still hold it, and waiting for that counts against the same timeout.
    waited_ms = int((time.monotonic() - started) * 1000)
    try:
        if waited_ms:
            left_ms = max(0, busy_timeout_ms - waited_ms)
            dbapi_connection.execute(f"PRAGMA busy_timeout={left_ms}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.end_turn()
        raise
    finally:
        if waited_ms:
            dbapi_connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def autocommit_engine(engine: Engine) -> Engine:
    """The same pool for a read of one statement, which needs no transaction around it: on
    PostgreSQL no BEGIN and ROLLBACK (two round trips), on SQLite no BEGIN and COMMIT."""
    if engine.dialect.name == "sqlite":
        # Not SQLAlchemy's AUTOCOMMIT: on SQLite it gives the connection back with the
        # driver's own transaction handling switched on again (see _on_connect).
        return engine.execution_options(sqlite_autocommit=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


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
    # One connection for every step: one pool checkout.
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
