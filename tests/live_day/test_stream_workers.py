"""The live stream on a real server with two workers: every listener gets every new entry
exactly once, whichever worker took the write and whichever serves the listener (PostgreSQL
by LISTEN/NOTIFY, SQLite by polling), and heartbeats while nothing happens."""

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from httpx_sse import connect_sse

from tests import live
from tests.factories import SAMPLES

API = "/api/v1"
LISTENERS = 6  # on two workers; the kernel spreads their connections
ENTRIES = 4


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[live.LiveServer, str, int, int]]:
    tmp_path = tmp_path_factory.mktemp("stream")
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "migrate")
    national = live.token(database_url, "national")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYKKELTUREN_LIVE_HEARTBEAT_S", "1")
        patch.setenv("SYKKELTUREN_LIVE_POLL_S", "0.2")
        server = live.start(database_url, tmp_path / "server.log", workers=2)
    try:
        today = dt.datetime.now(ZoneInfo("Europe/Oslo")).date()
        window = {
            "start_date": str(today - dt.timedelta(days=1)),
            "end_date": str(today + dt.timedelta(days=1)),
        }
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {national}"}, timeout=30
        ) as nf:
            tour = nf.post(f"{API}/tours", json={"name": "Direkte", **window}).json()
            nf.post(
                f"{API}/tours/{tour['id']}/counties", json={"number": "15", **window}
            ).raise_for_status()
            stage = nf.post(
                f"{API}/tours/{tour['id']}/stages",
                json={
                    "sequence": 1,
                    "county": "15",
                    "name": "I dag",
                    "date": str(today),
                    "start_time": "00:00",
                },
            ).json()
            nf.put(
                f"{API}/stages/{stage['id']}/route",
                content=(SAMPLES / "stage_valldal_stordal.gpx").read_bytes(),
                headers={"Content-Type": "application/gpx+xml"},
            ).raise_for_status()
        yield server, national, tour["id"], stage["id"]
    finally:
        server.stop()


def listen(
    base_url: str,
    tour_id: int,
    request_id: str,
    count: int,
    into: list[Any],
    ready: threading.Barrier,
) -> None:
    with (
        httpx.Client(base_url=base_url, timeout=60) as client,
        connect_sse(
            client,
            "GET",
            f"{API}/tours/{tour_id}/live/stream?max_events={1 + count}",
            headers={"X-Request-ID": request_id},
        ) as source,
    ):
        events = source.iter_sse()
        into.append(next(events))  # the snapshot: listening now
        ready.wait()
        into.extend(events)


def one_round(
    server: live.LiveServer, national: str, tour_id: int, stage_id: int
) -> tuple[dict[str, list[Any]], list[int]]:
    request_ids = [uuid.uuid4().hex for _ in range(LISTENERS)]
    received: dict[str, list[Any]] = {r: [] for r in request_ids}
    ready = threading.Barrier(LISTENERS + 1, timeout=60)
    threads = [
        threading.Thread(target=listen, args=(server.url, tour_id, r, ENTRIES, received[r], ready))
        for r in request_ids
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    written = []
    for _ in range(ENTRIES):
        # Each write on a connection of its own, so the writes too land on either worker.
        with httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {national}", "Connection": "close"},
            timeout=30,
        ) as nf:
            response = nf.post(
                f"{API}/stages/{stage_id}/log",
                json={
                    "kind": "incident",
                    "severity": "minor",
                    "text": "test",
                    "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                },
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            assert response.status_code == 201, response.text
            written.append(response.json()["id"])
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return received, written


def test_each_entry_reaches_each_listener_once_on_either_worker(
    server: tuple[live.LiveServer, str, int, int],
) -> None:
    live_server, national, tour_id, stage_id = server
    for _ in range(4):
        received, written = one_round(live_server, national, tour_id, stage_id)
        for events in received.values():
            assert events[0].event == "live"
            entries = list(events[1:])
            assert [e.event for e in entries] == ["entry"] * ENTRIES
            assert [int(e.id) for e in entries] == written
            assert [json.loads(e.data)["entry"]["id"] for e in entries] == written
            assert json.loads(entries[-1].data)["stage"]["stage_id"] == stage_id
        pids = {
            line["pid"]
            for line in live_server.access_log()
            if line.get("request_id") in received and line.get("path", "").endswith("/live/stream")
        }
        if len(pids) >= 2:
            return
    pytest.fail("every round's listeners landed on one worker")


def test_heartbeats_while_nothing_happens(server: tuple[live.LiveServer, str, int, int]) -> None:
    live_server, _, tour_id, _ = server
    with (
        httpx.Client(base_url=live_server.url, timeout=30) as client,
        client.stream("GET", f"{API}/tours/{tour_id}/live/stream") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        seen = []
        for line in lines:
            seen.append(line)
            if line.startswith(": heartbeat"):
                break
        assert seen[0].startswith(("event: live", "id:", "retry:"))
