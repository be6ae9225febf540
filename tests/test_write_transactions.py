"""Writers on SQLite queue behind each other instead of failing (issue 15): a write
request's transaction takes the lock with its first statement (`BEGIN IMMEDIATE`), so it
waits up to the busy timeout; a deferred one that read first could only fail."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen.db import create_db_engine, writer_engine
from tests.conftest import Callers, make_settings
from tests.factories import API, make_stage, ok, tour_with_counties

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="SQLite's database-wide write lock"
)


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(make_settings(f"sqlite:///{tmp_path / 'queue.db'}"))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(sa.text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    engine.dispose()


def read_then_increment(engine: Engine, *, holding: threading.Event | None = None) -> None:
    """One writer: read the value, (optionally hold the transaction open,) write it + 1."""
    with Session(engine) as session:
        n = session.execute(sa.text("SELECT n FROM counter WHERE id = 1")).scalar_one()
        if holding is not None:
            holding.set()
            release.wait(10)
        session.execute(sa.text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
        session.commit()


release = threading.Event()


def race(engine: Engine) -> list[BaseException]:
    """A holds its transaction open after reading; B starts meanwhile; then A goes on."""
    release.clear()
    a_holds = threading.Event()
    failures: list[BaseException] = []

    def run(**kwargs: Any) -> None:
        try:
            read_then_increment(engine, **kwargs)
        except BaseException as error:  # reported to the test
            failures.append(error)

    first = threading.Thread(target=run, kwargs={"holding": a_holds})
    first.start()
    assert a_holds.wait(10)
    second = threading.Thread(target=run)
    second.start()
    second.join(0.3)  # B is waiting for the lock (or has already failed)
    release.set()
    first.join(20)
    second.join(20)
    return failures


def test_two_writers_both_succeed_one_after_the_other(counter: Engine) -> None:
    assert race(writer_engine(counter)) == []
    with counter.connect() as connection:
        # B read only after A committed: no update was lost.
        assert connection.execute(sa.text("SELECT n FROM counter")).scalar_one() == 2


def test_without_begin_immediate_the_second_writer_fails(counter: Engine) -> None:
    # What BEGIN IMMEDIATE prevents: a deferred transaction that read first cannot wait
    # for the lock; SQLite refuses its write at once ("database is locked").
    failures = race(counter)
    assert len(failures) == 1
    assert "locked" in str(failures[0])


def test_a_write_request_queues_behind_a_held_lock(
    callers: Callers, app: Any, settings: Any
) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    url = f"{API}/stages/{stage['id']}"
    tag = callers.county_15.get(url).headers["ETag"]
    other = create_db_engine(settings)
    answers: list[Any] = []
    with writer_engine(other).connect() as holder:
        held = holder.begin()  # BEGIN IMMEDIATE: another writer holds the lock

        def patch(client: TestClient = callers.county_15) -> None:
            answers.append(client.patch(url, json={"notes": "kø"}, headers={"If-Match": tag}))

        writer = threading.Thread(target=patch)
        writer.start()
        writer.join(0.3)  # the request is waiting for the lock
        held.commit()
        writer.join(20)
    other.dispose()
    assert ok(answers[0])["notes"] == "kø"
