import csv
import io
from typing import Any

import gpxpy
import icalendar
import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    forward,
    if_match,
    make_person,
    make_stage,
    ok,
    out_and_back,
    problem,
    tour_with_counties,
    track_gpx,
    upload,
    upload_bytes,
)


@pytest.fixture
def tour(callers: Callers) -> dict[str, Any]:
    """Two stages with routes and checkpoints, a measure, and a person in the team."""
    tour = tour_with_counties(callers.national)
    first = make_stage(callers.county_15, tour["id"], sequence=1, start_time="11:30")
    second = make_stage(
        callers.national,
        tour["id"],
        sequence=2,
        county="50",
        date="2026-06-10",
        start_time="10:00",
        name="Steinkjer – Straumen",
    )
    upload(callers.county_15, first["id"], "stage_valldal_stordal.gpx")
    upload(callers.national, second["id"], "stage_with_waypoints.gpx", waypoints="import")
    points = f"{API}/stages/{first['id']}/checkpoints"
    ok(
        callers.county_15.post(points, json={"name": "Valldal stadion", "kind": "start", "km": 0}),
        201,
    )
    ok(
        callers.county_15.post(
            points, json={"name": "Rast", "kind": "rest", "km": 10, "dwell_minutes": 20}
        ),
        201,
    )
    ok(
        callers.county_15.post(points, json={"name": "Overlevering", "kind": "handover", "km": 15}),
        201,
    )
    ok(
        callers.county_15.post(
            f"{API}/stages/{first['id']}/measures",
            json={"kind": "traffic_control", "title": "Vakt ved brua", "km": 12},
        ),
        201,
    )
    person = make_person(callers.county_15)
    ok(
        callers.county_15.post(
            f"{API}/stages/{first['id']}/team",
            json={"person_id": person["id"], "role": "stage_leader"},
        ),
        201,
    )
    return tour | {"first": first, "second": second}


def hhmm(moment: str) -> str:
    return moment[11:16]


class TestStageRunSheet:
    def test_times_at_each_speed_counting_dwell(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        sheet = ok(callers.anonymous.get(f"{API}/stages/{tour['first']['id']}/run-sheet"))
        lines = {line["name"]: line for line in sheet["lines"]}
        # km 10 at 8/10/12 km/h from 11:30: 75, 60 and 50 minutes.
        assert [hhmm(t["arrive"]) for t in lines["Rast"]["times"]] == ["12:45", "12:30", "12:20"]
        assert [hhmm(t["depart"]) for t in lines["Rast"]["times"]] == ["13:05", "12:50", "12:40"]
        # km 15: 112.5, 90 and 75 minutes, plus the 20-minute rest; to the nearest minute.
        assert [hhmm(t["arrive"]) for t in lines["Overlevering"]["times"]] == [
            "13:43",
            "13:20",
            "13:05",
        ]
        assert lines["Overlevering"]["km_to_go"] == pytest.approx(10.087, abs=0.01)
        (measure,) = sheet["measures"]
        assert [hhmm(t["arrive"]) for t in measure["times"]] == ["13:20", "13:02", "12:50"]
        assert [hhmm(t["arrive"]) for t in sheet["finish"]] == ["14:58", "14:21", "13:55"]
        assert [(leg["from_name"], leg["to_name"]) for leg in sheet["legs"]] == [
            ("Valldal stadion", "Overlevering"),
            ("Overlevering", "Stordal sentrum"),
        ]
        assert hhmm(sheet["legs"][1]["times"][0]["start"]) == "13:43"
        assert sheet["starts_at"] == "2026-06-03T11:30:00+02:00"
        assert sheet["contacts"] is None

    def test_changing_the_start_time_moves_the_itinerary(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{tour['first']['id']}"
        ok(
            callers.county_15.patch(
                url,
                json={"start_time": "12:30", "speeds_kmh": [10]},
                headers=if_match(callers.county_15, url),
            )
        )
        sheet = ok(callers.anonymous.get(f"{url}/run-sheet"))
        assert [hhmm(t["arrive"]) for t in sheet["finish"]] == ["15:21"]  # 150.5 + 20 min

    def test_contacts_for_the_county_and_national_only(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{tour['first']['id']}/run-sheet"
        for who in ("county_15", "national"):
            contacts = ok(getattr(callers, who).get(url))["contacts"]
            assert contacts["team"][0]["person"]["name"] == "Ola Nordmann"
        for who in ("anonymous", "reader", "county_50"):
            response = getattr(callers, who).get(url)
            assert response.json()["contacts"] is None
            assert "Ola" not in response.text

    def test_without_route_or_start_time_it_says_so(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        bare = make_stage(callers.county_15, tour["id"], sequence=9, start_time=None)
        sheet = ok(callers.anonymous.get(f"{API}/stages/{bare['id']}/run-sheet"))
        assert [w.split(":")[0] for w in sheet["warnings"]] == ["no_route", "no_start_time"]
        assert sheet["finish"] == []


class TestNationalRunSheet:
    def test_json_in_national_order_with_handovers(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        sheet = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet"))
        assert [s["sequence"] for s in sheet["stages"]] == [1, 2]
        assert sheet["handovers"][0]["flagged"] is True  # Stordal → Steinkjer, no transfer declared
        assert all(s["contacts"] is None for s in sheet["stages"])

    def test_contacts_follow_the_caller(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        county = ok(callers.county_15.get(url))["stages"]
        assert county[0]["contacts"] is not None
        assert county[1]["contacts"] is None  # Trøndelag's stage
        assert all(s["contacts"] is not None for s in ok(callers.national.get(url))["stages"])
        for who in ("anonymous", "reader"):
            for fmt in ("json", "csv", "ics", "geojson", "gpx"):
                assert "Ola" not in getattr(callers, who).get(url, params={"format": fmt}).text

    def test_csv(self, callers: Callers, tour: dict[str, Any]) -> None:
        response = callers.anonymous.get(
            f"{API}/tours/{tour['id']}/run-sheet", headers={"Accept": "text/csv"}
        )
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        rest = next(r for r in rows if r["name"] == "Rast")
        assert (rest["at_8_kmh"], rest["at_10_kmh"], rest["at_12_kmh"]) == (
            "2026-06-03T12:45+02:00",
            "2026-06-03T12:30+02:00",
            "2026-06-03T12:20+02:00",
        )
        assert {r["row"] for r in rows} == {"checkpoint", "finish", "measure", "handover"}
        assert next(r for r in rows if r["row"] == "measure")["status"] == "draft"

    def test_icalendar(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        calendar = icalendar.Calendar.from_ical(
            callers.anonymous.get(url, params={"format": "ics"}).content
        )
        events = calendar.walk("VEVENT")
        assert len(events) == 2
        assert events[0].decoded("dtstart").isoformat() == "2026-06-03T11:30:00+02:00"
        assert events[0].decoded("dtend").isoformat() == "2026-06-03T14:58:00+02:00"
        with_points = icalendar.Calendar.from_ical(
            callers.anonymous.get(url, params={"format": "ics", "checkpoints": True}).content
        )
        assert len(with_points.walk("VEVENT")) == 2 + 3 + 5

    def test_geojson_and_gpx(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        collection = callers.anonymous.get(url, headers={"Accept": "application/geo+json"}).json()
        kinds = [f["properties"]["type"] for f in collection["features"]]
        assert kinds.count("stage") == 2
        assert kinds.count("checkpoint") == 8
        parsed = gpxpy.parse(callers.anonymous.get(url, params={"format": "gpx"}).text)
        assert [len(t.segments[0].points) for t in parsed.tracks] == [1258, 1065]
        assert len(parsed.waypoints) == 8

    def test_filters(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        assert [
            s["county"] for s in ok(callers.anonymous.get(url, params={"county": "50"}))["stages"]
        ] == ["50"]
        dated = ok(
            callers.anonymous.get(url, params={"date_from": "2026-06-01", "date_to": "2026-06-05"})
        )
        assert [s["sequence"] for s in dated["stages"]] == [1]
        problem(callers.anonymous.get(url, params={"format": "pdf"}), 422, "validation_failed")
        problem(
            callers.anonymous.get(url, params={"updated_since": "2026-06-01T00:00:00"}),
            400,
            "bad_request",
        )

    def test_updated_since(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        first = ok(callers.anonymous.get(url))
        mark = max(s["last_changed"] for s in first["stages"])
        assert ok(callers.anonymous.get(url, params={"updated_since": mark}))["stages"] == []
        ok(
            callers.national.patch(
                f"{API}/stages/{tour['second']['id']}",
                json={"notes": "Ny"},
                headers=if_match(callers.national, f"{API}/stages/{tour['second']['id']}"),
            )
        )
        assert [
            s["sequence"]
            for s in ok(callers.anonymous.get(url, params={"updated_since": mark}))["stages"]
        ] == [2]

    def test_updated_since_reports_deletions_as_tombstones(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        first = ok(callers.anonymous.get(url))
        assert first["deleted"] == []
        mark = max(s["last_changed"] for s in first["stages"])
        since = {"updated_since": mark}
        assert ok(callers.anonymous.get(url, params=since))["deleted"] == []

        # A checkpoint of the first stage: its tombstone, and the stage sheet comes again.
        point = first["stages"][0]["lines"][-1]["checkpoint_id"]
        point_url = f"{API}/stages/{tour['first']['id']}/checkpoints/{point}"
        assert callers.county_15.delete(point_url, headers=if_match(callers.county_15, point_url))
        changed = ok(callers.anonymous.get(url, params=since))
        assert [(d["type"], d["id"]) for d in changed["deleted"]] == [("checkpoint", point)]
        assert [s["stage_id"] for s in changed["stages"]] == [tour["first"]["id"]]

        # The second stage with everything on it: one tombstone each, in the order deleted.
        second = next(s for s in first["stages"] if s["stage_id"] == tour["second"]["id"])
        stage_url = f"{API}/stages/{second['stage_id']}"
        removed = callers.national.delete(stage_url, headers=if_match(callers.national, stage_url))
        assert removed.status_code == 204
        deleted = ok(callers.anonymous.get(url, params=since))["deleted"]
        assert {(d["type"], d["id"]) for d in deleted} == {
            ("checkpoint", point),
            ("stage", second["stage_id"]),
            *(("checkpoint", line["checkpoint_id"]) for line in second["lines"]),
            *(("measure", m["measure"]["id"]) for m in second["measures"]),
        }
        assert all(d["deleted_at"] > mark for d in deleted)
        # Filters apply to what the stage was; later pulls see only later deletions.
        in_15 = ok(callers.anonymous.get(url, params=since | {"county": "15"}))["deleted"]
        assert [(d["type"], d["id"]) for d in in_15] == [("checkpoint", point)]
        latest = max(d["deleted_at"] for d in deleted)
        assert ok(callers.anonymous.get(url, params={"updated_since": latest}))["deleted"] == []

    def test_contacts_changed_or_gone_send_the_stage_again(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        """An integrator with the personal-data grant keeps no stale or erased contact."""
        reader = callers.reader_personal
        url = f"{API}/tours/{tour['id']}/run-sheet"
        first_id = tour["first"]["id"]

        def changed_since(mark: str) -> tuple[list[int], list[tuple[str, int]]]:
            sheet = ok(reader.get(url, params={"updated_since": mark}))
            return [s["stage_id"] for s in sheet["stages"]], [
                (d["type"], d["id"]) for d in sheet["deleted"]
            ]

        sheet = ok(reader.get(url))
        mark = max(s["last_changed"] for s in sheet["stages"])
        member = next(s for s in sheet["stages"] if s["stage_id"] == first_id)["contacts"]["team"][
            0
        ]
        person_url = f"{API}/people/{member['person']['id']}"
        ok(
            callers.county_15.patch(
                person_url,
                json={"phone": "41234567"},
                headers=if_match(callers.county_15, person_url),
            )
        )
        assert changed_since(mark) == ([first_id], [])
        mark = max(s["last_changed"] for s in ok(reader.get(url))["stages"])
        member_url = f"{API}/stages/{first_id}/team/{member['id']}"
        callers.county_15.delete(member_url, headers=if_match(callers.county_15, member_url))
        assert changed_since(mark) == ([first_id], [("team_member", member["id"])])

    def test_etag_and_304_on_every_format(self, callers: Callers, tour: dict[str, Any]) -> None:
        url = f"{API}/tours/{tour['id']}/run-sheet"
        for fmt in ("json", "csv", "ics", "geojson", "gpx"):
            response = callers.anonymous.get(url, params={"format": fmt})
            tag = response.headers["ETag"]
            again = callers.anonymous.get(
                url, params={"format": fmt}, headers={"If-None-Match": tag}
            )
            assert again.status_code == 304, fmt
        tag = callers.anonymous.get(url).headers["ETag"]
        assert (
            callers.national.get(url, headers={"If-None-Match": tag}).status_code == 200
        )  # another view
        ok(
            callers.county_15.post(
                f"{API}/stages/{tour['first']['id']}/measures",
                json={"kind": "media", "title": "NRK"},
            ),
            201,
        )
        assert callers.anonymous.get(url, headers={"If-None-Match": tag}).status_code == 200

    def test_overdue_measures_are_listed(self, callers: Callers, tour: dict[str, Any]) -> None:
        ok(
            callers.county_15.post(
                f"{API}/stages/{tour['first']['id']}/measures",
                json={"kind": "police_notice", "title": "Politiet", "due_date": "2020-01-01"},
            ),
            201,
        )
        overdue = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/run-sheet"))[
            "overdue_measures"
        ]
        assert [m["title"] for m in overdue] == ["Politiet"]


class TestPassing:
    def test_nearest_point_and_times(self, callers: Callers, tour: dict[str, Any]) -> None:
        sheet = ok(callers.anonymous.get(f"{API}/stages/{tour['first']['id']}/run-sheet"))
        rest = next(line for line in sheet["lines"] if line["name"] == "Rast")
        checkpoint = ok(callers.anonymous.get(f"{API}/stages/{tour['first']['id']}/checkpoints"))[
            "items"
        ][1]
        passing = ok(
            callers.anonymous.get(
                f"{API}/tours/{tour['id']}/passing",
                params={"lat": checkpoint["lat"] + 0.001, "lon": checkpoint["lon"]},
            )
        )
        assert passing["stage_id"] == tour["first"]["id"]
        assert passing["km"] == pytest.approx(10, abs=0.2)
        assert passing["distance_m"] < 120
        assert hhmm(passing["times"][1]["arrive"]) == hhmm(rest["times"][1]["arrive"])

    def test_far_away_is_404(self, callers: Callers, tour: dict[str, Any]) -> None:
        problem(
            callers.anonymous.get(
                f"{API}/tours/{tour['id']}/passing", params={"lat": 59.91, "lon": 10.75}
            ),
            404,
            "not_near_the_tour",
        )

    @pytest.mark.parametrize("params", [{"lat": 95, "lon": 7}, {"lat": 62}, {"lat": "x", "lon": 7}])
    def test_bad_place_is_422(
        self, callers: Callers, tour: dict[str, Any], params: dict[str, Any]
    ) -> None:
        problem(
            callers.anonymous.get(f"{API}/tours/{tour['id']}/passing", params=params),
            422,
            "validation_failed",
        )


def test_passing_a_place_twice_gives_both_passes(callers: Callers) -> None:
    """Issue 12: where the route passes the place more than once, the answer says so."""
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"], start_time="10:00", speeds_kmh=[10])
    upload_bytes(callers.county_15, stage["id"], track_gpx(out_and_back()))
    lat, lon = forward(62.30, 7.20, 90, 10_000)
    passing = ok(
        callers.anonymous.get(f"{API}/tours/{tour['id']}/passing", params={"lat": lat, "lon": lon})
    )
    km = sorted([passing["km"], *(p["km"] for p in passing["other_passes"])])
    assert km == pytest.approx([10.0, 52.0], abs=0.01)
    (other,) = passing["other_passes"]
    assert other["times"][0]["arrive"].startswith(
        "2026-06-03T11:00" if other["km"] < 20 else "2026-06-03T15:12"
    )
