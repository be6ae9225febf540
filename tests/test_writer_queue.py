"""SQLite's writers take turns (db.WriterQueue, issue 15): in the order they came within a
process, across processes through a lock on a file beside the database, each turn given
back when its transaction ends however it ends, and the busy timeout the whole wait.

Ordered with events and the queue's own count of who is waiting, never with sleeps."""

import functools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen import db
from sykkelturen.config import Settings
from sykkelturen.main import create_app
from tests.conftest import Callers
from tests.factories import API, make_stage, ok, problem, tour_with_counties

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="SQLite's database-wide write lock"
)


def sqlite_settings(path: Path, busy_timeout_ms: int = 15_000) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": f"sqlite:///{path}", "sqlite_busy_timeout_ms": busy_timeout_ms}
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "queue.db"
    engine = db.create_db_engine(sqlite_settings(path))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE log (n INTEGER PRIMARY KEY, who TEXT)"))
    engine.dispose()
    return path


@pytest.fixture
def engine_of(database: Path) -> Iterator[Callable[..., Engine]]:
    """`engine_of(busy_timeout_ms=…)`: an engine on the test's database, disposed after."""
    made: list[Engine] = []

    def make(busy_timeout_ms: int = 15_000) -> Engine:
        made.append(db.create_db_engine(sqlite_settings(database, busy_timeout_ms)))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def queue_of(engine: Engine) -> db.WriterQueue:
    queue = db.writer_queue(engine)
    assert queue is not None
    return queue


def until(condition: Callable[[], bool]) -> None:
    """Wait for another thread or process to get somewhere (a bound, not a measurement)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "never got there"
        time.sleep(0.001)


def log(engine: Engine, who: str) -> None:
    with db.writer_engine(engine).begin() as connection:
        connection.execute(sa.text("INSERT INTO log (who) VALUES (:who)"), {"who": who})


def logged(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT who FROM log ORDER BY n")).scalars())


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported to the test
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def join_lock_waiters() -> None:
    """The threads that wait for the file lock for a writer that gave up let go of it as
    soon as they get it; wait for them, so that a test's next writer finds it free."""
    for thread in threading.enumerate():
        if thread.name == "sqlite-writer-lock":
            thread.join(30)


def test_waiting_writers_get_their_turns_in_the_order_they_came(
    engine_of: Callable[..., Engine],
) -> None:
    engine = engine_of()
    queue = queue_of(engine)
    writers = []
    with db.writer_engine(engine).connect() as holder:
        held = holder.begin()
        holder.execute(sa.text("INSERT INTO log (who) VALUES ('holder')"))
        for who in ["first", "second", "third", "fourth"]:
            writers.append(in_thread(functools.partial(log, engine, who)))
            until(lambda: queue.waiting == len(writers))  # queued behind the one before
        held.commit()
    for thread, failures in writers:
        thread.join(30)
        assert failures == []
    # SQLite's busy handler would have let any of them go first (whoever polled first).
    assert logged(engine) == ["holder", "first", "second", "third", "fourth"]


def test_writers_of_other_engines_on_the_same_file_queue_in_the_same_line(
    engine_of: Callable[..., Engine],
) -> None:
    one, other = engine_of(), engine_of()
    assert db.writer_queue(one) is db.writer_queue(other)
    queue = queue_of(one)
    with db.writer_engine(one).connect() as holder:
        held = holder.begin()
        first = in_thread(lambda: log(other, "other engine"))
        until(lambda: queue.waiting == 1)
        second = in_thread(lambda: log(one, "same engine"))
        until(lambda: queue.waiting == 2)
        held.commit()
    for thread, failures in (first, second):
        thread.join(30)
        assert failures == []
    assert logged(one) == ["other engine", "same engine"]


def fail_in_sql(engine: Engine) -> None:
    with db.writer_engine(engine).begin() as connection:
        connection.execute(sa.text("INSERT INTO log (n, who) VALUES (1, 'a')"))
        connection.execute(sa.text("INSERT INTO log (n, who) VALUES (1, 'again')"))


def fail_in_python(engine: Engine) -> None:
    with Session(db.writer_engine(engine)) as session:
        session.execute(sa.text("INSERT INTO log (who) VALUES ('never')"))
        raise RuntimeError("the request failed after its first write")


@pytest.mark.parametrize("failing", [fail_in_sql, fail_in_python])
def test_a_write_that_fails_gives_its_turn_back(
    engine_of: Callable[..., Engine], failing: Callable[[Engine], None]
) -> None:
    engine = engine_of()
    with pytest.raises((sa.exc.IntegrityError, RuntimeError)):
        failing(engine)
    # With no patience at all a writer gets through only if nobody holds a turn.
    log(engine_of(busy_timeout_ms=0), "next")
    assert logged(engine) == ["next"]


def test_a_writer_past_the_busy_timeout_is_told_the_database_is_locked_and_leaves(
    engine_of: Callable[..., Engine],
) -> None:
    engine, impatient = engine_of(), engine_of(busy_timeout_ms=0)
    queue = queue_of(engine)
    with db.writer_engine(engine).connect() as holder:
        held = holder.begin()
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            log(impatient, "impatient")
        assert queue.waiting == 0
        held.commit()
    log(impatient, "later")
    assert logged(engine) == ["later"]


def test_a_writer_outside_the_queue_holding_the_lock_counts_against_the_timeout(
    engine_of: Callable[..., Engine],
) -> None:
    # A deferred transaction (a command, a plain session) takes SQLite's lock at its first
    # write without a turn; a queued writer then waits for SQLite, within the same timeout.
    engine, impatient = engine_of(), engine_of(busy_timeout_ms=0)
    with engine.connect() as outside:
        outside.execute(sa.text("INSERT INTO log (who) VALUES ('outside')"))
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            log(impatient, "impatient")
        outside.commit()
    log(impatient, "after")  # the failed BEGIN IMMEDIATE gave its turn back
    assert logged(engine) == ["outside", "after"]


def test_a_write_request_past_the_busy_timeout_is_503_database_busy(
    callers: Callers, app: FastAPI, settings: Settings
) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    url = f"{API}/stages/{stage['id']}"
    tag = callers.county_15.get(url).headers["ETag"]
    impatient_app = create_app(settings.model_copy(update={"sqlite_busy_timeout_ms": 0}))
    impatient = TestClient(impatient_app, headers=dict(callers.county_15.headers))
    try:
        with db.writer_engine(app.state.engine).connect() as holder:
            held = holder.begin()
            answer = impatient.patch(url, json={"notes": "kø"}, headers={"If-Match": tag})
            held.commit()
        problem(answer, 503, "database_busy")
        assert answer.headers["Retry-After"] == "1"
        assert ok(impatient.patch(url, json={"notes": "kø"}, headers={"If-Match": tag}))
    finally:
        impatient_app.state.engine.dispose()


HOLDER = """
import sys
from sykkelturen import db
queue = db.WriterQueue(sys.argv[1])
turn = queue.take(30)
assert turn is not None
print("held", flush=True)
sys.stdin.readline()
queue.give_back(turn)
print("given back", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def other_process(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that has taken a writer's turn on the test's database."""
    lock_path = os.path.abspath(f"{database}-writer.lock")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, lock_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "held\n"
    with process:  # closes its pipes
        yield process
        process.kill()


def give_back(process: subprocess.Popen[str]) -> None:
    """The other process gives its turn back (and has, when this returns)."""
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("give it back\n")
    process.stdin.flush()
    assert process.stdout.readline() == "given back\n"


def test_a_turn_taken_in_another_process_holds_back_this_ones_writers(
    engine_of: Callable[..., Engine], other_process: subprocess.Popen[str]
) -> None:
    engine, impatient = engine_of(), engine_of(busy_timeout_ms=0)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        log(impatient, "impatient")  # SQLite's own lock is free: only the file lock says no
    waiting, failures = in_thread(lambda: log(engine, "patient"))
    give_back(other_process)
    waiting.join(30)
    assert failures == []
    assert logged(engine) == ["patient"]


def test_a_process_that_dies_holding_its_turn_lets_the_others_write(
    engine_of: Callable[..., Engine], other_process: subprocess.Popen[str]
) -> None:
    engine = engine_of()
    waiting, failures = in_thread(lambda: log(engine, "after the crash"))
    other_process.kill()
    other_process.wait(30)
    waiting.join(30)
    assert failures == []
    join_lock_waiters()
    log(engine_of(busy_timeout_ms=0), "next")
    assert logged(engine) == ["after the crash", "next"]


def test_a_writer_that_gave_up_on_the_file_lock_lets_go_of_it_when_it_gets_it(
    engine_of: Callable[..., Engine], other_process: subprocess.Popen[str]
) -> None:
    impatient = engine_of(busy_timeout_ms=0)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        log(impatient, "impatient")
    give_back(other_process)
    join_lock_waiters()
    log(impatient, "now")
    assert logged(impatient) == ["now"]


def test_the_lock_file_lies_beside_the_database(
    engine_of: Callable[..., Engine], database: Path
) -> None:
    assert queue_of(engine_of()).lock_path == f"{database}-writer.lock"
    memory: Any = sa.create_engine("sqlite://")
    assert db.writer_queue(memory) is None
