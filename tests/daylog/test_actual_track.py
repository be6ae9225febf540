"""The track actually ridden: uploaded after the stage by the county, NF or the stage's own
phone, read by the hardened reader, giving the distance ridden where users look (the stage,
`/live`, the run sheet, the outcome), downloadable as GPX, replaced and deleted with
If-Match, audited."""

import gzip
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, moment, post_entry
from tests.factories import (
    API,
    etag,
    make_stage,
    ok,
    problem,
    sample,
    tour_with_counties,
    track_gpx,
)
from tests.readers import valid_gpx
from tests.routes.test_concurrency import server

__all__ = ["server"]  # the real server those tests start, for the trickling upload

RIDDEN = sample("actual_valldal_stordal.gpx")
GPX = {"Content-Type": "application/gpx+xml"}


def put(
    client: TestClient, stage_id: int, data: bytes = RIDDEN, headers: dict[str, str] | None = None
) -> Any:
    return client.put(
        f"{API}/stages/{stage_id}/actual-track", content=data, headers=GPX | (headers or {})
    )


@pytest.fixture
def ridden(callers: Callers, day: dict[str, Any], clock: FixedClock) -> dict[str, Any]:
    """The day's stage at 16:00, after its arrival."""
    clock.at = moment("16:00")
    ok(
        post_entry(
            callers.county_15, day["stage"]["id"], "s", kind="start", occurred_at=at("11:48")
        ),
        201,
    )
    ok(
        post_entry(
            callers.county_15, day["stage"]["id"], "a", kind="arrive", occurred_at=at("15:02")
        ),
        201,
    )
    return day


def phone_for(app: FastAPI, callers: Callers, stage_id: int) -> TestClient:
    body = {"name": "Etappeleders telefon", "role": "stage_day", "stage_id": stage_id}
    token = ok(callers.county_15.post(f"{API}/tokens", json=body), 201)["token"]
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


class TestUpload:
    def test_the_distance_ridden_reaches_where_users_look(
        self, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        sid, tour = ridden["stage"]["id"], ridden["tour"]["id"]
        stage_etag = etag(callers.anonymous, f"{API}/stages/{sid}")
        # The sheets as they stood before the track (kept per worker): they must not linger.
        assert ok(callers.anonymous.get(f"{API}/stages/{sid}/run-sheet"))["day"]["ridden_m"] is None
        national = ok(callers.national.get(f"{API}/tours/{tour}/run-sheet"))
        assert national["stages"][0]["day"]["ridden_m"] is None
        answer = put(
            callers.county_15, sid, gzip.compress(RIDDEN), headers={"Content-Encoding": "gzip"}
        )
        track = ok(answer, 201)
        planned = ridden["route"]["distance_m"]
        # The detour to the quay and back (about 600 m) is in the distance ridden.
        assert track["planned_distance_m"] == planned
        assert 500 < track["distance_m"] - planned < 700
        assert track["has_times"]
        assert track["started_at"] == "2022-06-16T11:48:00+02:00"
        assert answer.headers["etag"] == etag(callers.county_15, f"{API}/stages/{sid}/actual-track")
        stage = ok(callers.anonymous.get(f"{API}/stages/{sid}"))
        assert stage["day"]["ridden_m"] == track["distance_m"]
        assert etag(callers.anonymous, f"{API}/stages/{sid}") != stage_etag
        (live,) = ok(callers.national.get(f"{API}/tours/{tour}/live"))["stages"]
        assert live["ridden_m"] == track["distance_m"]
        sheet = ok(callers.anonymous.get(f"{API}/stages/{sid}/run-sheet"))
        assert sheet["day"]["ridden_m"] == track["distance_m"]
        national = ok(callers.national.get(f"{API}/tours/{tour}/run-sheet"))
        assert national["stages"][0]["day"]["ridden_m"] == track["distance_m"]
        outcome = ok(
            callers.county_15.put(
                f"{API}/stages/{sid}/outcome",
                json={"status": "ridden"},
                headers={"If-None-Match": "*"},
            ),
            201,
        )
        assert outcome["distance"]["source"] == "actual_track"
        assert outcome["distance"]["km"] == pytest.approx(track["distance_m"] / 1000, abs=0.01)

    def test_the_same_file_again_changes_nothing(
        self, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        sid = ridden["stage"]["id"]
        first = ok(put(callers.county_15, sid), 201)
        audits = ok(callers.national.get(f"{API}/audit", params={"resource_type": "actual_track"}))[
            "items"
        ]
        again = put(callers.county_15, sid)  # a phone retrying after a lost answer
        assert ok(again, 200) == first
        after = ok(callers.national.get(f"{API}/audit", params={"resource_type": "actual_track"}))
        assert after["items"] == audits

    def test_replacing_needs_the_etag(self, callers: Callers, ridden: dict[str, Any]) -> None:
        sid = ridden["stage"]["id"]
        url = f"{API}/stages/{sid}/actual-track"
        ok(put(callers.county_15, sid), 201)
        other = track_gpx([(62.2982, 7.2630), (62.30, 7.20), (62.3815, 6.9865)])
        problem(put(callers.county_15, sid, other), 428, "if_match_required")
        problem(
            put(callers.county_15, sid, other, headers={"If-None-Match": "*"}),
            412,
            "precondition_failed",
        )
        problem(
            put(callers.county_15, sid, other, headers={"If-Match": '"stale"'}),
            412,
            "precondition_failed",
        )
        replaced = ok(
            put(callers.county_15, sid, other, headers={"If-Match": etag(callers.county_15, url)}),
            201,
        )
        assert replaced["has_times"] is False
        assert (
            ok(callers.anonymous.get(f"{API}/stages/{sid}"))["day"]["ridden_m"]
            == replaced["distance_m"]
        )
        # A first upload with If-Match has nothing to match.
        second = make_stage(callers.county_15, ridden["tour"]["id"], sequence=2)
        problem(
            put(callers.county_15, second["id"], headers={"If-Match": '"x"'}),
            412,
            "precondition_failed",
        )

    def test_hostile_and_broken_files_are_refused_and_nothing_is_stored(
        self, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        sid = ridden["stage"]["id"]
        for data, code in (
            (
                b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<gpx>&x;</gpx>",
                "gpx_doctype_refused",
            ),
            (b"<html><body>404</body></html>", "gpx_not_gpx"),
            (b"not xml at all", "gpx_not_xml"),
            (gzip.compress(RIDDEN)[:200], "gpx_bad_gzip"),
        ):
            problem(put(callers.county_15, sid, data), 422, code)
        problem(
            callers.county_15.put(
                f"{API}/stages/{sid}/actual-track",
                content=RIDDEN,
                headers={"Content-Type": "image/png"},
            ),
            415,
            "unsupported_media_type",
        )
        problem(
            callers.anonymous.get(f"{API}/stages/{sid}/actual-track"), 404, "actual_track_not_found"
        )
        assert ok(callers.anonymous.get(f"{API}/stages/{sid}"))["day"]["ridden_m"] is None

    def test_too_many_points_is_refused(
        self, app: FastAPI, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        settings = app.state.settings
        limit, settings.max_route_points = settings.max_route_points, 100
        try:
            problem(put(callers.county_15, ridden["stage"]["id"]), 422, "gpx_too_many_points")
        finally:
            settings.max_route_points = limit

    def test_a_multipart_file(self, callers: Callers, ridden: dict[str, Any]) -> None:
        answer = callers.county_15.put(
            f"{API}/stages/{ridden['stage']['id']}/actual-track",
            files={"file": ("garmin-16-06.gpx.gz", gzip.compress(RIDDEN), "application/gzip")},
        )
        assert ok(answer, 201)["original_filename"] == "garmin-16-06.gpx"


class TestWhoMay:
    def test_county_national_and_the_stages_own_phone_on_the_day(
        self, app: FastAPI, callers: Callers, ridden: dict[str, Any], clock: FixedClock
    ) -> None:
        sid = ridden["stage"]["id"]
        problem(put(callers.anonymous, sid), 401, "unauthorized")
        problem(put(callers.reader, sid), 403, "forbidden")
        problem(put(callers.county_50, sid), 403, "forbidden")
        other = make_stage(callers.county_15, ridden["tour"]["id"], sequence=2)
        problem(put(phone_for(app, callers, other["id"]), sid), 403, "forbidden")
        phone = phone_for(app, callers, sid)
        track = ok(put(phone, sid), 201)
        assert track["uploaded_by"] == "Etappeleders telefon"
        assert ok(callers.anonymous.get(f"{API}/stages/{sid}/actual-track"))["uploaded_by"] is None
        clock.at = moment("09:00", "2026-06-04")  # the day after: the phone's token is done
        url = f"{API}/stages/{sid}/actual-track"
        problem(
            phone.delete(url, headers={"If-Match": etag(phone, url)}), 403, "not_this_stage_day"
        )
        assert (
            callers.national.delete(
                url, headers={"If-Match": etag(callers.national, url)}
            ).status_code
            == 204
        )

    def test_not_before_the_day(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        clock.at = moment("12:00", "2026-06-02")
        problem(put(callers.county_15, day["stage"]["id"]), 409, "stage_not_ridden_yet")


class TestReadAndDelete:
    def test_gpx_download_keeps_the_line_and_nothing_else(
        self, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        sid = ridden["stage"]["id"]
        track = ok(put(callers.county_15, sid), 201)
        for answer in (
            callers.anonymous.get(f"{API}/stages/{sid}/actual-track.gpx"),
            callers.anonymous.get(
                f"{API}/stages/{sid}/actual-track", headers={"Accept": "application/gpx+xml"}
            ),
        ):
            assert answer.headers["content-type"].startswith("application/gpx+xml")
            assert "attachment" in answer.headers["content-disposition"]
            document = valid_gpx(answer.text)
            points = [p for t in document.tracks for s in t.segments for p in s.points]
            assert len(points) == track["point_count"]
            assert points[0].time is not None
            assert "hr>" not in answer.text
            assert "TrackPointExtension" not in answer.text
            revalidated = callers.anonymous.get(
                answer.url,
                headers={"If-None-Match": answer.headers["etag"]} | dict(answer.request.headers),
            )
            assert revalidated.status_code == 304
        assert "Accept" in callers.anonymous.get(f"{API}/stages/{sid}/actual-track").headers["vary"]

    def test_delete_needs_the_etag_and_is_audited(
        self, callers: Callers, ridden: dict[str, Any]
    ) -> None:
        sid = ridden["stage"]["id"]
        url = f"{API}/stages/{sid}/actual-track"
        ok(put(callers.county_15, sid), 201)
        problem(callers.county_15.delete(url), 428, "if_match_required")
        problem(
            callers.county_15.delete(url, headers={"If-Match": '"stale"'}),
            412,
            "precondition_failed",
        )
        assert (
            callers.county_15.delete(
                url, headers={"If-Match": etag(callers.county_15, url)}
            ).status_code
            == 204
        )
        problem(callers.anonymous.get(url), 404, "actual_track_not_found")
        assert ok(callers.anonymous.get(f"{API}/stages/{sid}"))["day"]["ridden_m"] is None
        audits = ok(callers.national.get(f"{API}/audit", params={"resource_type": "actual_track"}))
        assert sorted(a["action"] for a in audits["items"]) == ["delete", "upload"]


def test_a_trickling_upload_holds_up_no_write_elsewhere(callers: Callers, server: str) -> None:
    """The track is read and measured before the write transaction opens, as a route is:
    while a phone on a poor connection sends it slowly, an edit of another stage goes
    through at once (on SQLite too, whose writers share one lock)."""
    tour = tour_with_counties(callers.national)
    uploading = make_stage(callers.county_15, tour["id"])  # 3 June 2026: ridden by now
    other = make_stage(callers.county_15, tour["id"], sequence=2, name="Stordal – Linge")
    body = track_gpx([(62.0 + i * 0.0005, 7.0 + i * 0.0005) for i in range(80)])
    started = threading.Event()
    result: list[int] = []

    def trickle() -> Iterator[bytes]:
        for offset in range(0, len(body), 200):
            yield body[offset : offset + 200]
            started.set()
            time.sleep(0.1)

    def send() -> None:
        with httpx.Client(timeout=60) as client:
            response = client.put(
                f"{server}{API}/stages/{uploading['id']}/actual-track",
                content=trickle(),
                headers={
                    "Authorization": callers.county_15.headers["Authorization"],
                    "Content-Type": "application/gpx+xml",
                },
            )
            result.append(response.status_code)

    sender = threading.Thread(target=send)
    sender.start()
    assert started.wait(10)
    time.sleep(0.3)
    with httpx.Client(timeout=60) as client:
        began = time.monotonic()
        edited = client.patch(
            f"{server}{API}/stages/{other['id']}",
            json={"notes": "Ferje 13:10"},
            headers={"Authorization": callers.county_15.headers["Authorization"], "If-Match": "*"},
        )
        took = time.monotonic() - began
    still_sending = sender.is_alive()
    sender.join(30)
    assert edited.status_code == 200, edited.text
    assert took < 1.0, f"the edit waited {took:.1f} s for the upload"
    assert still_sending, "the upload finished before the edit: the test proved nothing"
    assert result == [201]
