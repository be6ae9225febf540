"""The day itself under load: many stages checking in while NF's dashboards listen.

    .venv/bin/python -m bench.live [--database sqlite|postgresql] [--seconds 60]
                                   [--stages 40] [--interval 30] [--listeners 20]
                                   [--workers 2]

Starts `sykkelturen serve --workers N` on loopback on a fresh database (PostgreSQL from
DATABASE_URL with `_live` appended, or a SQLite file) with a tour that rides today: `--stages`
stages with a route each. Then for `--seconds`: every stage's phone checks in every
`--interval` seconds (phases spread evenly), `--listeners` clients listen to
`/live/stream`, and a baseline thread asks `/healthz` ten times a second. Prints the write
p50/p99 and the stream's delivery delay p50/p99 (from sending the write to each listener
receiving its event), both against `/healthz` p99 of the same run, and checks that every
listener got every entry exactly once.
"""

import argparse
import datetime as dt
import os
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from httpx_sse import connect_sse

from tests import live
from tests.factories import SAMPLES

API = "/api/v1"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def set_up(url: str, national: str, stages: int) -> tuple[int, list[int]]:
    today = dt.datetime.now(ZoneInfo("Europe/Oslo")).date()
    window = {"start_date": str(today), "end_date": str(today)}
    route = (SAMPLES / "stage_valldal_stordal.gpx").read_bytes()
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {national}"}, timeout=60
    ) as nf:
        tour = nf.post(f"{API}/tours", json={"name": "Benk", **window}).json()
        nf.post(f"{API}/tours/{tour['id']}/counties", json={"number": "15", **window})
        ids = []
        for n in range(1, stages + 1):
            stage = nf.post(
                f"{API}/tours/{tour['id']}/stages",
                json={
                    "sequence": n,
                    "county": "15",
                    "name": f"Etappe {n}",
                    "date": str(today),
                    "start_time": "00:00",
                },
            ).json()
            nf.put(
                f"{API}/stages/{stage['id']}/route",
                content=route,
                headers={"Content-Type": "application/gpx+xml"},
            ).raise_for_status()
            ids.append(stage["id"])
    return tour["id"], ids


def run(args: argparse.Namespace) -> None:  # noqa: PLR0915 - one scenario, top to bottom
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    if args.database == "postgresql":
        if not os.environ.get("DATABASE_URL"):
            raise SystemExit("set DATABASE_URL to a PostgreSQL database of yours")
        database_url = live.live_database_url(tmp)
    else:
        database_url = f"sqlite:///{tmp / 'live.db'}"
    live.command(database_url, "migrate")
    national = live.token(database_url, "national")
    with live.serving(database_url, tmp / "server.log", workers=args.workers) as server:
        tour_id, stage_ids = set_up(server.url, national, args.stages)
        print(f"{args.stages} stages under way, {args.listeners} listeners, {args.workers} workers")
        sent_at: dict[int, float] = {}
        write_ms: list[float] = []
        health_ms: list[float] = []
        received: list[dict[int, float]] = [{} for _ in range(args.listeners)]
        duplicates = [0]
        stop = threading.Event()
        ready = threading.Barrier(args.listeners + 1, timeout=120)

        def listen(index: int) -> None:
            with (
                httpx.Client(base_url=server.url, timeout=httpx.Timeout(30, read=120)) as client,
                connect_sse(client, "GET", f"{API}/tours/{tour_id}/live/stream") as source,
            ):
                events = source.iter_sse()
                next(events)  # the snapshot
                ready.wait()
                for event in events:
                    if event.event != "entry":
                        continue
                    entry_id = int(event.id)
                    if entry_id in received[index]:
                        duplicates[0] += 1
                    received[index][entry_id] = time.monotonic()
                    if stop.is_set() and len(received[index]) >= len(sent_at):
                        return

        def check_in(stage_id: int, n: int) -> None:
            body = {
                "kind": "pause" if n % 2 == 0 else "resume",
                "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {national}"}, timeout=60
            ) as phone:
                began = time.monotonic()
                response = phone.post(
                    f"{API}/stages/{stage_id}/log",
                    json=body,
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
                write_ms.append((time.monotonic() - began) * 1000)
                assert response.status_code == 201, response.text
                sent_at[response.json()["id"]] = began

        def baseline() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                while not stop.is_set():
                    began = time.monotonic()
                    client.get("/healthz").raise_for_status()
                    health_ms.append((time.monotonic() - began) * 1000)
                    time.sleep(0.1)

        listeners = [threading.Thread(target=listen, args=(i,)) for i in range(args.listeners)]
        for thread in listeners:
            thread.start()
        ready.wait()
        health = threading.Thread(target=baseline)
        health.start()
        start = time.monotonic()
        schedule = sorted(
            (start + phase * args.interval / len(stage_ids) + k * args.interval, stage_id, k)
            for phase, stage_id in enumerate(stage_ids)
            for k in range(int(args.seconds // args.interval) + 1)
            if phase * args.interval / len(stage_ids) + k * args.interval < args.seconds
        )
        with ThreadPoolExecutor(8) as pool:
            for due, stage_id, k in schedule:
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(check_in, stage_id, k)
        stop.set()
        health.join()
        for thread in listeners:
            thread.join(timeout=30)
        delays = [
            (at - sent_at[entry_id]) * 1000
            for got in received
            for entry_id, at in got.items()
            if entry_id in sent_at
        ]
        missing = sum(len(set(sent_at) - set(got)) for got in received)
        base = p(health_ms, 0.99)
        print(f"check-ins written: {len(sent_at)}; deliveries: {len(delays)}")
        print(f"missing deliveries: {missing}; duplicates: {duplicates[0]}")
        print(f"/healthz p99: {base:.1f} ms")
        print(
            f"write p50 {p(write_ms, 0.5):.1f} ms, p99 {p(write_ms, 0.99):.1f} ms "
            f"= {p(write_ms, 0.99) / base:.1f}x /healthz p99"
        )
        print(
            f"delivery delay p50 {p(delays, 0.5):.1f} ms, p99 {p(delays, 0.99):.1f} ms "
            f"= {p(delays, 0.99) / base:.1f}x /healthz p99 "
            f"(mean {statistics.fmean(delays) if delays else float('nan'):.1f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--stages", type=int, default=40)
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--listeners", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
