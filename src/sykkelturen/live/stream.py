"""The live stream: Server-Sent Events of every new log entry of a tour, with the
entry's stage as it now stands, to any number of workers and listeners.

Each stream reads the log itself, so any worker serves any listener: on PostgreSQL a write
NOTIFYs the tour on commit and the streams LISTENing wake at once; on SQLite they look for
new entries every `live_poll_s`. An event's id is the entry's id, so a reconnecting
`EventSource` resumes after the last one it got (`Last-Event-ID`).

PostgreSQL hands out ids before commit, so a later id can become visible before an
earlier one. A stream therefore keeps looking below the newest id it sent until
`SETTLE_S` have passed, and sends every id once.
"""

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import anyio
import psycopg
from fastapi.sse import ServerSentEvent
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from sykkelturen.caching import LruCache
from sykkelturen.clock import Clock
from sykkelturen.config import Settings
from sykkelturen.daylog import service as daylog
from sykkelturen.daylog.models import LogEntryPublic, StageLogEntry
from sykkelturen.live import service
from sykkelturen.live.models import LiveStage, TourLive
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import Tour

SETTLE_S = 30.0
RETRY_MS = 3000


class LiveEvent(BaseModel):
    """One new log entry, and its stage as the live view now shows it."""

    entry: LogEntryPublic
    stage: LiveStage | None = Field(description="Null when the stage does not ride today.")


@dataclass
class Cursor:
    """What a stream has sent: ids below `floor` are settled; `seen` holds those above."""

    floor: int
    seen: dict[int, float] = field(default_factory=dict)

    def fresh(self, ids: list[int]) -> list[int]:
        return [i for i in ids if i > self.floor and i not in self.seen]

    def sent(self, entry_id: int) -> None:
        self.seen[entry_id] = time.monotonic()

    def settle(self) -> None:
        old = [i for i, at in self.seen.items() if time.monotonic() - at > SETTLE_S]
        if old:
            self.floor = max(self.floor, *old)
            for i in [i for i in self.seen if i <= self.floor]:
                del self.seen[i]


# The day (shared by every caller) and each caller's view of it, per worker, per tour and
# minute (expected times move with the clock). A new entry reads only the new rows and
# forecasts again only the stage it touches (and those whose start it moves); a view
# rebuilds only those stages. One entry wakes every listener at once: the lock lets one
# bring the day up to date and the others find it done.
_days: LruCache[tuple[object, ...], service.Day] = LruCache(16)
_views: LruCache[tuple[object, ...], tuple[dict[int, int], TourLive]] = LruCache(64)
_building = threading.Lock()


def _view_key(actor: Actor) -> tuple[object, ...]:
    return (actor.role, tuple(sorted(actor.counties)), actor.personal_data, actor.stage_id)


def live_view(session: Session, *, actor: Actor, tour: Tour, clock: Clock) -> TourLive:
    now = clock.now()
    minute = now.replace(second=0, microsecond=0)
    today = service.today_of(tour, now)
    with _building:
        day_key = (tour.id, today, minute)
        earlier = _days.get(day_key)
        day = service.day_of(session, tour, today, now, earlier=earlier)
        _days.put(day_key, day)
        view_key = (tour.id, _view_key(actor), minute)
        seen = _views.get(view_key)
        reuse = {}
        if seen is not None and seen[1].date == today:
            revisions, view = seen
            reuse = {
                s.stage_id: s
                for s in view.stages
                if revisions.get(s.stage_id) == day.revisions.get(s.stage_id)
            }
        built = service.tour_live(session, actor=actor, tour=tour, now=now, day=day, reuse=reuse)
        _views.put(view_key, (dict(day.revisions), built))
        return built


def _new_entries(
    engine: Engine, *, tour: Tour, actor: Actor, clock: Clock, cursor: Cursor
) -> list[LiveEvent]:
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(StageLogEntry)
                .join(Stage, col(Stage.id) == col(StageLogEntry.stage_id))
                .where(Stage.tour_id == tour.id, col(StageLogEntry.id) > cursor.floor)
                .order_by(col(StageLogEntry.id))
            ).all()
        )
        fresh = set(cursor.fresh([r.id for r in rows if r.id is not None]))
        if not fresh:
            return []
        view = live_view(session, actor=actor, tour=tour, clock=clock)
        stages = {s.stage_id: s for s in view.stages}
        result = []
        for stage_id in sorted({r.stage_id for r in rows if r.id in fresh}):
            stage = session.get(Stage, stage_id)
            assert stage is not None
            public = daylog.public_entries(
                daylog.entries(session, stage),
                zone=ZoneInfo(tour.time_zone),
                details=daylog.may_see_details(actor, stage),
            )
            for entry in public:
                if entry.id in fresh:
                    result.append(LiveEvent(entry=entry, stage=stages.get(stage_id)))
        return sorted(result, key=lambda e: e.entry.id)


def _snapshot(engine: Engine, *, tour: Tour, actor: Actor, clock: Clock) -> TourLive:
    with Session(engine) as session:
        return live_view(session, actor=actor, tour=tour, clock=clock)


class Waker:
    """Waits for the next chance of news: a NOTIFY for the tour (PostgreSQL) or the next
    poll (SQLite, and PostgreSQL as a safety net)."""

    def __init__(self, settings: Settings, tour_id: int) -> None:
        self.settings = settings
        self.tour_id = str(tour_id)
        self.connection: psycopg.AsyncConnection[object] | None = None

    async def __aenter__(self) -> "Waker":
        if not self.settings.is_sqlite:
            url = make_url(self.settings.database_url).set(drivername="postgresql")
            self.connection = await psycopg.AsyncConnection.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
            await self.connection.execute(f"LISTEN {daylog.CHANNEL}")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def wait(self, seconds: float) -> None:
        if self.connection is None:
            await asyncio.sleep(min(seconds, self.settings.live_poll_s))
            return
        async for notify in self.connection.notifies(timeout=seconds):
            if notify.payload == self.tour_id:
                return


async def events(
    *,
    engine: Engine,
    settings: Settings,
    clock: Clock,
    tour: Tour,
    actor: Actor,
    last_event_id: int | None,
    max_events: int | None,
) -> AsyncIterator[ServerSentEvent]:
    """A `live` snapshot first (unless resuming), then an `entry` event per new log entry,
    heartbeats while nothing happens; ends after `max_events` events if given."""
    sent = 0
    if last_event_id is None:
        snapshot = await anyio.to_thread.run_sync(
            lambda: _snapshot(engine, tour=tour, actor=actor, clock=clock)
        )
        yield ServerSentEvent(
            event="live", id=str(snapshot.last_entry_id or 0), data=snapshot, retry=RETRY_MS
        )
        sent += 1
        cursor = Cursor(floor=snapshot.last_entry_id or 0)
    else:
        cursor = Cursor(floor=last_event_id)
    if max_events is not None and sent >= max_events:
        return
    async with Waker(settings, tour.id or 0) as waker:
        quiet_since = time.monotonic()
        while True:
            found = await anyio.to_thread.run_sync(
                lambda: _new_entries(engine, tour=tour, actor=actor, clock=clock, cursor=cursor)
            )
            for event in found:
                cursor.sent(event.entry.id)
                yield ServerSentEvent(event="entry", id=str(event.entry.id), data=event)
                sent += 1
                if max_events is not None and sent >= max_events:
                    return
            cursor.settle()
            if found:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settings.live_heartbeat_s:
                yield ServerSentEvent(comment="heartbeat")
                quiet_since = time.monotonic()
            await waker.wait(
                max(0.05, settings.live_heartbeat_s - (time.monotonic() - quiet_since))
            )
