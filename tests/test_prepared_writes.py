"""The busiest writes are prepared from a snapshot before their transaction takes a lock
(db.prepared_write, issue 15): a change committed between the snapshot and the store is
never overwritten. A stale `If-Match` still gets 412, `If-Match: *` a write on what is
there now, a checkpoint lands on the route current when it is stored, and an upload
re-places a checkpoint added meanwhile."""

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sykkelturen import db
from sykkelturen.audit.models import AuditEntry
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import CheckpointCreate
from sykkelturen.routes import router as routes_router
from sykkelturen.routes.models import RouteVersion
from sykkelturen.security import Actor
from sykkelturen.stages import service as stages
from sykkelturen.stages.models import Stage
from tests.conftest import Callers
from tests.factories import (
    API,
    etag,
    forward,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    track_gpx,
    upload_bytes,
)

START = (62.30, 7.20)


def line_east(start: tuple[float, float] = START, metres: float = 10_000) -> bytes:
    return track_gpx([forward(*start, 90, d) for d in range(0, int(metres) + 1, 250)])


@pytest.fixture
def meanwhile(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[int]]:
    """`meanwhile(module, name, change, times=1)`: after each of the first `times` calls of
    `module.name` (a prepare step) `change()` runs and commits, as another request would
    between the snapshot and the lock. Returns the list of calls made, for counting."""

    def install(module: Any, name: str, change: Callable[[], None], times: int = 1) -> list[int]:
        original = getattr(module, name)
        calls: list[int] = []

        def prepare_then_change(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            calls.append(1)
            if len(calls) <= times:
                change()
            return result

        monkeypatch.setattr(module, name, prepare_then_change)
        return calls

    return install


def commit(engine: Engine, work: Callable[[Session], object]) -> None:
    with Session(engine) as other:
        work(other)
        other.commit()


def rename(engine: Engine, stage_id: int, name: str) -> Callable[[], None]:
    def change() -> None:
        def work(other: Session) -> None:
            stage = other.get(Stage, stage_id)
            assert stage is not None
            stage.name = name
            other.add(stage)

        commit(engine, work)

    return change


def audited(session: Session, request_id: str) -> int:
    return len(
        session.exec(select(AuditEntry).where(col(AuditEntry.request_id) == request_id)).all()
    )


class TestStagePatch:
    def test_a_change_after_the_snapshot_makes_the_etag_read_stale(
        self,
        callers: Callers,
        engine: Engine,
        session: Session,
        meanwhile: Callable[..., list[int]],
    ) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        read = etag(callers.county_15, url)
        meanwhile(stages, "prepare_update", rename(engine, stage["id"], "Meanwhile"))
        problem(
            callers.county_15.patch(
                url, json={"notes": "late"}, headers={"If-Match": read, "X-Request-ID": "late"}
            ),
            412,
            "precondition_failed",
        )
        now = ok(callers.anonymous.get(url))
        assert (now["name"], now["notes"], now["version"]) == ("Meanwhile", None, 2)
        assert audited(session, "late") == 0

    def test_if_match_any_writes_on_what_is_there_now(
        self,
        callers: Callers,
        engine: Engine,
        session: Session,
        meanwhile: Callable[..., list[int]],
    ) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        calls = meanwhile(stages, "prepare_update", rename(engine, stage["id"], "Meanwhile"))
        body = ok(
            callers.county_15.patch(
                url, json={"notes": "kept"}, headers={"If-Match": "*", "X-Request-ID": "any"}
            )
        )
        assert (body["name"], body["notes"], body["version"]) == ("Meanwhile", "kept", 3)
        assert len(calls) == 2  # prepared again from the new snapshot
        assert audited(session, "any") == 1
        entry = session.exec(select(AuditEntry).where(col(AuditEntry.request_id) == "any")).one()
        # The audit's before is the stage as it was stored over, not the stale snapshot.
        assert set(entry.changes) == {"notes", "version", "updated_at"}

    def test_a_day_of_log_entry_after_the_snapshot_makes_the_etag_stale(
        self, callers: Callers, engine: Engine, meanwhile: Callable[..., list[int]]
    ) -> None:
        # The day-of log counts its entries on the stage without a new row version; the
        # stage's ETag shows them all the same.
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        read = etag(callers.county_15, url)

        def log_entry() -> None:
            commit(
                engine,
                lambda other: other.execute(
                    sa.update(Stage)
                    .where(col(Stage.id) == stage["id"])
                    .values(log_entries=col(Stage.log_entries) + 1)
                ),
            )

        meanwhile(stages, "prepare_update", log_entry)
        problem(
            callers.county_15.patch(url, json={"notes": "late"}, headers={"If-Match": read}),
            412,
            "precondition_failed",
        )
        assert ok(callers.anonymous.get(url))["day"]["log_entries"] == 1

    def test_always_stale_ends_under_the_lock(
        self, callers: Callers, engine: Engine, meanwhile: Callable[..., list[int]]
    ) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        names = iter(f"Meanwhile {n}" for n in range(db.SNAPSHOT_ATTEMPTS))

        def change() -> None:
            rename(engine, stage["id"], next(names))()

        calls = meanwhile(stages, "prepare_update", change, times=db.SNAPSHOT_ATTEMPTS)
        body = ok(callers.county_15.patch(url, json={"notes": "last"}, headers={"If-Match": "*"}))
        # Every snapshot went stale; the last attempt prepared inside the write transaction.
        assert len(calls) == db.SNAPSHOT_ATTEMPTS + 1
        assert body["name"] == f"Meanwhile {db.SNAPSHOT_ATTEMPTS - 1}"
        assert (body["notes"], body["version"]) == ("last", db.SNAPSHOT_ATTEMPTS + 2)


class TestCheckpointPost:
    def test_a_route_uploaded_after_the_snapshot_places_it_on_the_new_line(
        self, callers: Callers, meanwhile: Callable[..., list[int]]
    ) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        upload_bytes(callers.county_15, stage["id"], line_east())
        # The new route starts 3 km further west: the same place lies 3 km further along.
        longer = line_east(forward(*START, 270, 3_000), 13_000)
        place = forward(*START, 90, 5_000)

        def upload_meanwhile() -> None:
            # Another request, on its own connection, between this one's snapshot and lock.
            upload_bytes(callers.national, stage["id"], longer)

        calls = meanwhile(checkpoints, "prepare_checkpoint", upload_meanwhile)
        body = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Kafé", "kind": "rest", "lat": place[0], "lon": place[1]},
            ),
            201,
        )
        assert len(calls) == 2
        assert body["km"] == pytest.approx(8.0, abs=0.01)
        stored = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/route"))
        assert stored["version"] == 2


class TestRoutePut:
    def test_a_checkpoint_added_after_the_snapshot_is_placed_on_the_new_line(
        self, callers: Callers, meanwhile: Callable[..., list[int]]
    ) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        upload_bytes(callers.county_15, stage["id"], line_east())
        place = forward(*START, 90, 5_000)

        def add_checkpoint_meanwhile() -> None:
            ok(
                callers.national.post(
                    f"{API}/stages/{stage['id']}/checkpoints",
                    json={"name": "Kafé", "kind": "rest", "lat": place[0], "lon": place[1]},
                ),
                201,
            )

        calls = meanwhile(routes_router, "plan_resnap", add_checkpoint_meanwhile)
        upload_bytes(callers.county_15, stage["id"], line_east(forward(*START, 270, 3_000), 13_000))
        assert len(calls) == 2
        items = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/checkpoints"))["items"]
        assert [(c["name"], c["km"]) for c in items] == [("Kafé", pytest.approx(8.0, abs=0.01))]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="on SQLite the last attempt holds the lock"
)
def test_on_postgresql_a_write_that_keeps_going_stale_is_409(
    callers: Callers, engine: Engine, meanwhile: Callable[..., list[int]]
) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    url = f"{API}/stages/{stage['id']}"
    names = iter(f"Meanwhile {n}" for n in range(db.SNAPSHOT_ATTEMPTS + 1))

    def change() -> None:
        rename(engine, stage["id"], next(names))()

    meanwhile(stages, "prepare_update", change, times=db.SNAPSHOT_ATTEMPTS + 1)
    problem(
        callers.county_15.patch(url, json={"notes": "never"}, headers={"If-Match": "*"}),
        409,
        "conflict",
    )
    now = ok(callers.anonymous.get(url))
    assert (now["name"], now["notes"]) == (f"Meanwhile {db.SNAPSHOT_ATTEMPTS}", None)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="SQLite writers queue anyway")
def test_on_postgresql_a_checkpoint_stored_during_an_upload_waits_and_is_placed_again(
    callers: Callers, engine: Engine
) -> None:
    # An upload's store holds the stage's row FOR UPDATE until it commits its new version.
    # A checkpoint stored meanwhile must wait for it and then find the new route (and be
    # placed again: StaleSnapshot), never be stored on the old line. Without the wait it
    # read the old version, passed, and only its insert waited (for the foreign key).
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    upload_bytes(callers.county_15, stage["id"], line_east())
    national = Actor(role="national", name="NF")
    place = forward(*START, 90, 5_000)
    versions: sa.Table = RouteVersion.__table__  # type: ignore[attr-defined]
    copied = [c for c in versions.c if c.name != "id"]
    outcome: list[object] = []
    with Session(engine) as uploading, Session(engine) as adding:
        row = adding.get(Stage, stage["id"])
        assert row is not None
        plan = checkpoints.prepare_checkpoint(
            adding,
            actor=national,
            stage=row,
            data=CheckpointCreate(name="Kafé", kind="rest", lat=place[0], lon=place[1]),
        )
        # The upload's store, not yet committed: the row lock, then version 2.
        uploading.exec(select(Stage).where(col(Stage.id) == stage["id"]).with_for_update())
        uploading.execute(
            versions.insert().from_select(
                [c.name for c in copied],
                sa.select(*[c + 1 if c.name == "number" else c for c in copied]).where(
                    versions.c.stage_id == stage["id"]
                ),
            )
        )

        def store() -> None:
            try:
                outcome.append(
                    checkpoints.store_checkpoint(adding, actor=national, stage=row, plan=plan)
                )
            except db.StaleSnapshot as stale:
                outcome.append(stale)

        storing = threading.Thread(target=store)
        storing.start()
        storing.join(0.5)  # it waits for the upload (with or without the fix: see above)
        uploading.commit()
        storing.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], db.StaleSnapshot)
