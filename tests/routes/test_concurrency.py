"""Parsing an upload is CPU work done in a worker thread: a real server keeps answering
other requests while a file is being read."""

import socket
import threading
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
    read = service.read_gpx

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
