"""Parsing an upload is CPU work done in a worker thread: a real server keeps answering
other requests while a file is being read."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sykkelturen.gpx.reader import GpxLine
from sykkelturen.routes import service
from tests.conftest import Callers
from tests.factories import API, make_stage, sample, tour_with_counties


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        thread.join(0.01)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


def test_other_requests_are_served_while_an_upload_is_parsed(
    callers: Callers, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader is held until a health check has been answered: if parsing ran on the
    event loop, the health check could not be answered and would time out."""
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    parsing, answered = threading.Event(), threading.Event()
    read = service.read_gpx  # type: ignore[attr-defined]

    def held_read(*args: Any, **kwargs: Any) -> GpxLine:
        parsing.set()
        answered.wait(10)
        return read(*args, **kwargs)

    monkeypatch.setattr(service, "read_gpx", held_read)
    statuses: list[int] = []

    def send_upload() -> None:
        with httpx.Client(timeout=60) as client:
            response = client.put(
                f"{server}{API}/stages/{stage['id']}/route",
                content=sample("stage_valldal_stordal.gpx"),
                headers={
                    "Authorization": callers.county_15.headers["Authorization"],
                    "Content-Type": "application/gpx+xml",
                },
            )
        statuses.append(response.status_code)

    uploader = threading.Thread(target=send_upload)
    uploader.start()
    assert parsing.wait(10)
    health = httpx.get(f"{server}/healthz", timeout=5)
    answered.set()
    uploader.join(60)
    assert health.status_code == 200
    assert statuses == [201]


def _small_gpx(points: int = 80) -> bytes:
    rows = "".join(
        f'<trkpt lat="{62.0 + i * 0.0005:.6f}" lon="{7.0 + i * 0.0005:.6f}"><ele>{i}</ele></trkpt>'
        for i in range(points)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><trkseg>{rows}</trkseg></trk></gpx>"
    ).encode()


def test_a_trickling_upload_holds_up_no_write_elsewhere(callers: Callers, server: str) -> None:
    """An upload sent slowly (like `curl --limit-rate 200`) keeps no transaction open while
    its body arrives: an edit of another stage goes through at once, on SQLite too."""
    tour = tour_with_counties(callers.national)
    uploading = make_stage(callers.county_15, tour["id"])
    other = make_stage(callers.county_15, tour["id"], sequence=2, name="Stordal – Linge")
    body = _small_gpx()
    assert 4000 < len(body) < 6000
    chunk = 200
    started = threading.Event()
    upload_result: list[int] = []

    def trickle() -> Iterator[bytes]:
        for offset in range(0, len(body), chunk):
            yield body[offset : offset + chunk]
            started.set()
            time.sleep(0.1)  # about 2 KB/s: the whole body takes some 2.5 s

    def send_upload() -> None:
        with httpx.Client(timeout=60) as client:
            response = client.put(
                f"{server}{API}/stages/{uploading['id']}/route",
                content=trickle(),
                headers={
                    "Authorization": callers.county_15.headers["Authorization"],
                    "Content-Type": "application/gpx+xml",
                },
            )
            upload_result.append(response.status_code)

    sender = threading.Thread(target=send_upload)
    sender.start()
    assert started.wait(10)
    time.sleep(0.3)  # the upload request is in, its body still arriving
    with httpx.Client(timeout=60) as client:
        began = time.monotonic()
        edited = client.patch(
            f"{server}{API}/stages/{other['id']}",
            json={"notes": "Ferje 13:10"},
            headers={"Authorization": callers.county_15.headers["Authorization"], "If-Match": "*"},
        )
        took = time.monotonic() - began
    still_uploading = sender.is_alive()
    sender.join(30)
    assert edited.status_code == 200, edited.text
    assert took < 1.0, f"the edit waited {took:.1f} s for the upload"
    assert still_uploading, "the upload finished before the edit: the test proved nothing"
    assert upload_result == [201]
