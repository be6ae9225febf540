import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, post_entry
from tests.factories import API, ok, problem


def log(client: TestClient, stage_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(client.get(f"{API}/stages/{stage_id}/log"))["items"]
    return items


class TestAddEntry:
    def test_start_pass_and_arrive_are_placed_on_the_route(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        sid = day["stage"]["id"]
        clock.advance(minutes=40)
        start = ok(
            post_entry(callers.county_15, sid, "a1", kind="start", occurred_at=at("11:38")), 201
        )
        assert start["km"] == 0
        assert start["checkpoint_id"] == day["start"]["id"]
        assert start["occurred_at"] == "2026-06-03T11:38:00+02:00"
        assert start["received_at"] == "2026-06-03T11:40:00+02:00"
        assert not start["late"]
        assert not start["out_of_order"]
        clock.advance(minutes=40)
        rest = ok(
            post_entry(
                callers.county_15,
                sid,
                "a2",
                kind="pass",
                occurred_at=at("12:19"),
                checkpoint_id=day["rest"]["id"],
            ),
            201,
        )
        assert rest["km"] == 6
        handover = day["handover"]
        placed = ok(
            post_entry(
                callers.county_15,
                sid,
                "a3",
                kind="handover",
                occurred_at=at("12:20"),
                lat=handover["lat"],
                lon=handover["lon"],
            ),
            201,
        )
        assert abs(placed["km"] - 12) < 0.01
        assert placed["offset_m"] < 1
        clock.advance(hours=3)
        arrive = ok(
            post_entry(callers.national, sid, "a4", kind="arrive", occurred_at=at("14:55")), 201
        )
        assert abs(arrive["km"] - day["distance_km"]) < 0.01
        assert [e["kind"] for e in log(callers.anonymous, sid)] == [
            "start",
            "pass",
            "handover",
            "arrive",
        ]

    def test_late_entries_out_of_order_are_flagged_and_sorted_by_when_they_happened(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        sid = day["stage"]["id"]
        clock.advance(hours=2)  # 13:00: the phone was offline and sends its queue now
        ok(post_entry(callers.county_15, sid, "b2", kind="pause", occurred_at=at("12:40")), 201)
        ok(post_entry(callers.county_15, sid, "b1", kind="start", occurred_at=at("11:35")), 201)
        entries = log(callers.county_15, sid)
        assert [e["kind"] for e in entries] == ["start", "pause"]
        assert entries[0]["late"]
        assert entries[0]["out_of_order"]
        assert entries[1]["late"]
        assert not entries[1]["out_of_order"]

    def test_a_retry_with_the_same_key_and_body_gets_the_same_entry(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        sid = day["stage"]["id"]
        first = ok(
            post_entry(callers.county_15, sid, "k", kind="start", occurred_at=at("10:31")), 201
        )
        clock.advance(minutes=5)
        again = ok(
            post_entry(callers.county_15, sid, "k", kind="start", occurred_at=at("10:31")), 200
        )
        assert again == first
        assert len(log(callers.county_15, sid)) == 1

    def test_the_same_key_with_another_body_is_409(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        ok(post_entry(callers.county_15, sid, "k", kind="start", occurred_at=at("10:31")), 201)
        problem(
            post_entry(callers.county_15, sid, "k", kind="start", occurred_at=at("10:32")),
            409,
            "idempotency_key_reused",
        )

    def test_a_correction_supersedes_and_the_original_stays(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        wrong = ok(
            post_entry(callers.county_15, sid, "c1", kind="start", occurred_at=at("10:31")), 201
        )
        right = ok(
            post_entry(
                callers.county_15,
                sid,
                "c2",
                kind="start",
                occurred_at=at("10:41"),
                supersedes=wrong["id"],
            ),
            201,
        )
        entries = {e["id"]: e for e in log(callers.county_15, sid)}
        assert entries[wrong["id"]]["superseded_by"] == right["id"]
        assert entries[right["id"]]["supersedes"] == wrong["id"]
        problem(
            post_entry(
                callers.county_15,
                sid,
                "c3",
                kind="retract",
                occurred_at=at("10:42"),
                supersedes=wrong["id"],
            ),
            409,
            "entry_already_superseded",
        )

    def test_incident_text_and_authors_are_for_those_who_may_see_them(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        incident = ok(
            post_entry(
                callers.county_15,
                sid,
                "i1",
                kind="incident",
                occurred_at=at("10:50"),
                severity="serious",
                text="Passasjer uvel ved Linge, ambulanse tilkalt",
            ),
            201,
        )
        ok(
            post_entry(
                callers.county_15,
                sid,
                "i2",
                kind="resolve",
                occurred_at=at("10:55"),
                incident_id=incident["id"],
            ),
            201,
        )
        public = log(callers.anonymous, sid)[0]
        assert public["severity"] == "serious"
        assert public["text"] is None
        assert public["author"] is None
        assert log(callers.county_15, sid)[0]["text"].startswith("Passasjer")
        assert log(callers.county_50, sid)[0]["text"] is None

    def test_every_entry_is_audited(self, callers: Callers, day: dict[str, Any]) -> None:
        sid = day["stage"]["id"]
        entry = ok(
            post_entry(callers.county_15, sid, "x", kind="start", occurred_at=at("10:31")), 201
        )
        audit = ok(
            callers.national.get(
                f"{API}/audit",
                params={"resource_type": "stage_log_entry", "resource_id": entry["id"]},
            )
        )["items"]
        assert audit[0]["action"] == "create"
        assert audit[0]["changes"]["kind"] == {"after": "start"}


class TestLogAndStageEtags:
    def test_an_entry_changes_the_log_the_stage_and_its_run_sheet(
        self, callers: Callers, day: dict[str, Any], clock: FixedClock
    ) -> None:
        """The log is part of the stage: its body shows the log in short (`day`), so its
        ETag, a digest of that body, changes with every entry; so does its run sheet's."""
        sid = day["stage"]["id"]
        stage_url, sheet_url = f"{API}/stages/{sid}", f"{API}/stages/{sid}/run-sheet"
        before = callers.county_15.get(stage_url)
        assert before.json()["day"] == {
            "log_entries": 0,
            "last_log_entry_id": None,
            "ridden_m": None,
            "changed_at": None,
        }
        sheet_before = callers.county_15.get(sheet_url).headers["etag"]
        national = f"{API}/tours/{day['tour']['id']}/run-sheet"
        since = ok(callers.county_15.get(national))["generated_at"]
        clock.at = dt.datetime.now(dt.UTC)  # received now (late: it happened on 3 June)
        log_before = callers.county_15.get(f"{API}/stages/{sid}/log").headers["etag"]
        entry = ok(
            post_entry(callers.county_15, sid, "e", kind="start", occurred_at=at("10:31")), 201
        )
        log_after = callers.county_15.get(f"{API}/stages/{sid}/log")
        assert log_after.headers["etag"] != log_before
        revalidated = callers.county_15.get(
            f"{API}/stages/{sid}/log", headers={"If-None-Match": log_after.headers["etag"]}
        )
        assert revalidated.status_code == 304
        # A client caching the stage gets the new body, not a 304…
        cached = callers.county_15.get(stage_url, headers={"If-None-Match": before.headers["etag"]})
        assert cached.status_code == 200
        assert cached.json()["day"] == {
            "log_entries": 1,
            "last_log_entry_id": entry["id"],
            "ridden_m": None,
            "changed_at": clock.at.isoformat().replace("+00:00", "Z"),
        }
        assert callers.anonymous.get(stage_url).headers["etag"] != before.headers["etag"]
        # …and so does one caching its run sheet, or pulling the national one's changes.
        assert (
            callers.county_15.get(sheet_url, headers={"If-None-Match": sheet_before}).status_code
            == 200
        )
        changed = ok(callers.county_15.get(national, params={"updated_since": since}))
        assert [s["stage_id"] for s in changed["stages"]] == [sid]
        # An edit based on the stage as it was before the entry is stale, as for any change
        # of what the stage shows; with the ETag read now it goes through.
        stale = callers.county_15.patch(
            stage_url,
            json={"notes": "Kaffe ved målet"},
            headers={"If-Match": before.headers["etag"]},
        )
        problem(stale, 412, "precondition_failed")
        ok(
            callers.county_15.patch(
                stage_url,
                json={"notes": "Kaffe ved målet"},
                headers={"If-Match": cached.headers["etag"]},
            )
        )
        # A retry of the same entry changes nothing: the stage's ETag stays.
        now = callers.county_15.get(stage_url).headers["etag"]
        ok(post_entry(callers.county_15, sid, "e", kind="start", occurred_at=at("10:31")), 200)
        assert callers.county_15.get(stage_url).headers["etag"] == now

    def test_the_log_answers_304_to_its_own_etag(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{day['stage']['id']}/log"
        tag = callers.anonymous.get(url).headers["etag"]
        assert callers.anonymous.get(url, headers={"If-None-Match": tag}).status_code == 304


class TestBadInput:
    @pytest.mark.parametrize(
        ("place", "code"),
        [
            ({}, "validation_failed"),  # a pass names a checkpoint or a place
            ({"lat": 63.43, "lon": 10.39}, "place_off_route"),
            ({"checkpoint_id": 999_999}, "unknown_reference"),  # not of this stage
        ],
        ids=["without a place", "far from the route", "checkpoint of another stage"],
    )
    def test_a_pass_needs_a_place_on_this_stage(
        self, callers: Callers, day: dict[str, Any], place: dict[str, Any], code: str
    ) -> None:
        problem(
            post_entry(
                callers.county_15,
                day["stage"]["id"],
                "p",
                kind="pass",
                occurred_at=at("10:31"),
                **place,
            ),
            422,
            code,
        )

    def test_a_time_in_the_future_or_off_the_day_is_422(
        self, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        problem(
            post_entry(callers.county_15, sid, "f", kind="start", occurred_at=at("11:30")),
            422,
            "entry_time_implausible",
        )
        problem(
            post_entry(
                callers.county_15, sid, "f", kind="start", occurred_at="1970-01-01T00:00:00Z"
            ),
            422,
            "entry_time_implausible",
        )
        problem(
            post_entry(
                callers.county_15, sid, "f", kind="start", occurred_at="2026-06-03T10:00:00"
            ),
            422,
            "validation_failed",
        )

    def test_without_an_idempotency_key_is_422(self, callers: Callers, day: dict[str, Any]) -> None:
        response = callers.county_15.post(
            f"{API}/stages/{day['stage']['id']}/log",
            json={"kind": "start", "occurred_at": at("10:31")},
        )
        problem(response, 422, "validation_failed")

    def test_an_incident_without_text_is_422(self, callers: Callers, day: dict[str, Any]) -> None:
        problem(
            post_entry(
                callers.county_15,
                day["stage"]["id"],
                "i",
                kind="incident",
                occurred_at=at("10:31"),
                severity="minor",
            ),
            422,
            "validation_failed",
        )


class TestPermissions:
    def test_who_may_write_the_log(self, callers: Callers, day: dict[str, Any]) -> None:
        sid = day["stage"]["id"]
        body = {"kind": "start", "occurred_at": at("10:31")}
        problem(post_entry(callers.anonymous, sid, "1", **body), 401, "unauthorized")
        problem(post_entry(callers.reader, sid, "2", **body), 403, "forbidden")
        problem(post_entry(callers.county_50, sid, "3", **body), 403, "forbidden")
        ok(post_entry(callers.county_15, sid, "4", **body), 201)
        ok(post_entry(callers.national, sid, "5", **body), 201)

    def test_anyone_may_read_the_log(self, callers: Callers, day: dict[str, Any]) -> None:
        ok(callers.anonymous.get(f"{API}/stages/{day['stage']['id']}/log"))
        problem(callers.anonymous.get(f"{API}/stages/999999/log"), 404, "stage_not_found")
